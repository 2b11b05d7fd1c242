// Device archive endpoints (/assets).
import { http, type Page, type Query } from './http'

export const ASSET_STATUSES = ['in_service', 'faulty', 'retired'] as const
export type AssetStatus = (typeof ASSET_STATUSES)[number]

/** Types offered in the form; any other text is accepted too. */
export const ASSET_TYPE_SUGGESTIONS = ['ATM', '存取款一体机', '智能柜员机', '自助查询机', '叫号机', 'POS', '点钞机', '打印机'] as const

/** A device (设备) as the API answers it. Dates are YYYY-MM-DD. */
export interface Asset {
  id: number
  code: string
  type: string
  brand: string
  model: string
  serial: string
  org_id: number
  org_name: string
  vendor_org_id: number | null
  vendor_org_name: string | null
  installed_on: string | null
  warranty_until: string | null
  contract_id: number | null
  status: AssetStatus | (string & {})
  location: string
  created_at: string
  updated_at: string
}

/** Body of POST /assets. */
export interface AssetInput {
  type: string
  brand: string
  model: string
  serial: string
  org_id: number
  vendor_org_id?: number | null
  installed_on?: string | null
  warranty_until?: string | null
  status?: AssetStatus
  location: string
}

/** Filters of GET /assets. Empty values mean "any". */
export interface AssetFilter {
  /** Code or serial (exact) or model (part). */
  q: string
  type: string
  brand: string
  model: string
  /** Owning org subtree. */
  org_id: number | null
  /** Servicing org subtree. */
  vendor_org_id: number | null
  /** Covered by this contract. */
  contract_id?: number | null
  /** Only devices whose contract is 即将到期 (contract_status=expiring). */
  contract_expiring?: boolean
  /** What a report figure narrows to (its drill-through): the org's region, serviced by exactly this org, status, warranty today. */
  region?: string
  station_id?: number | null
  status?: string
  warranty?: 'in' | 'out' | ''
  /** 运行情况 / 维护情况's devices of a month: not retired, installed by the end of month installed_by (YYYY-MM). */
  in_use?: boolean
  installed_by?: string
}

export function emptyAssetFilter(): AssetFilter {
  return {
    q: '',
    type: '',
    brand: '',
    model: '',
    org_id: null,
    vendor_org_id: null,
    contract_id: null,
    contract_expiring: false,
    region: '',
    station_id: null,
    status: '',
    warranty: '',
    in_use: false,
    installed_by: '',
  }
}

/** Query of GET /assets for a filter (and a page). */
export function assetQuery(f: Partial<AssetFilter>, page?: { page: number; page_size: number }): Query {
  const q: Query = {
    q: f.q?.trim(),
    type: f.type?.trim(),
    brand: f.brand?.trim(),
    model: f.model?.trim(),
    org_id: f.org_id,
    vendor_org_id: f.vendor_org_id,
    contract_id: f.contract_id,
    contract_status: f.contract_expiring ? 'expiring' : undefined,
    region: f.region || undefined,
    station_id: f.station_id || undefined,
    status: f.status || undefined,
    warranty: f.warranty || undefined,
    in_use: f.in_use ? 'true' : undefined,
    installed_by: f.installed_by || undefined,
  }
  if (page) {
    q.page = page.page
    q.page_size = page.page_size
  }
  return q
}

/** The filters of a link to the device list (a report figure's drill-through); malformed values are ignored. */
export function assetFilterFromQuery(query: Record<string, unknown>): Partial<AssetFilter> {
  const str = (k: string) => {
    const v = Array.isArray(query[k]) ? (query[k] as unknown[])[0] : query[k]
    return typeof v === 'string' ? v.trim() : ''
  }
  const id = (k: string) => (/^[1-9]\d{0,15}$/.test(str(k)) ? Number(str(k)) : null)
  const out: Partial<AssetFilter> = { type: str('type'), brand: str('brand'), model: str('model'), org_id: id('org_id'), vendor_org_id: id('vendor_org_id') }
  out.region = str('region')
  out.station_id = id('station_id')
  out.status = ['in_service', 'faulty', 'retired'].includes(str('status')) ? str('status') : ''
  out.warranty = str('warranty') === 'in' || str('warranty') === 'out' ? (str('warranty') as 'in' | 'out') : ''
  out.in_use = str('in_use') === 'true'
  out.installed_by = /^\d{4}-(0[1-9]|1[0-2])$/.test(str('installed_by')) ? str('installed_by') : ''
  return out
}

/** Is the warranty over on day today (YYYY-MM-DD)? No end date: no. */
export function warrantyExpired(a: Pick<Asset, 'warranty_until'>, today: string): boolean {
  return !!a.warranty_until && a.warranty_until < today
}

export const assetsApi = {
  list: (f: Partial<AssetFilter>, page: { page: number; page_size: number }) => http.get<Page<Asset>>('/assets', assetQuery(f, page)),
  get: (id: number) => http.get<Asset>(`/assets/${id}`),
  create: (body: AssetInput) => http.post<Asset>('/assets', body),
}
