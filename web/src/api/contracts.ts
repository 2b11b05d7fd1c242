// Service contracts (维保合同, /contracts) between a client org and a vendor, with the devices
// they cover (/contracts/{id}/assets).
import { http, type Page, type Query } from './http'

/** Status by dates (Asia/Shanghai), computed by the server. */
export const CONTRACT_STATUSES = ['active', 'expiring', 'expired', 'pending'] as const
export type ContractStatus = (typeof CONTRACT_STATUSES)[number]

/** A contract ending within this many days counts as 即将到期 (the server's ExpiringDays). */
export const EXPIRING_DAYS = 30

export interface Commitments {
  response_minutes?: number
  arrival_minutes?: number
  resolution_minutes?: number
  /** Service hours, e.g. 7×24 or 5×8. */
  hours?: string
}

export interface Contract {
  id: number
  code: string
  name: string
  client_org_id: number
  client_org_name: string
  vendor_org_id: number
  vendor_org_name: string
  /** YYYY-MM-DD, both days included. */
  starts_on: string
  ends_on: string
  status: ContractStatus | (string & {})
  /** Days from today to the last day (negative once over). */
  days_left: number
  sla_policy_id: number | null
  commitments: Commitments
  notes: string
  /** Number of devices covered. */
  devices: number
  created_at: string
  updated_at: string
}

export interface ContractInput {
  code: string
  name: string
  client_org_id: number
  vendor_org_id: number
  starts_on: string
  ends_on: string
  sla_policy_id: number | null
  commitments: Commitments
  notes: string
}

/** A covered device. */
export interface ContractDevice {
  id: number
  code: string
  type: string
  brand: string
  model: string
  serial: string
  org_id: number
  org_name: string
}

/**
 * The list's filter; status "expiring" asks for contracts ending within the server's window
 * (LINGTING_CONTRACT_EXPIRING_DAYS, 30 by default), or within expiring_days when set.
 */
export interface ContractFilter {
  q: string
  status: ContractStatus | ''
  client_org_id: number | null
  vendor_org_id: number | null
  expiring_days?: number | null
}

export function emptyContractFilter(): ContractFilter {
  return { q: '', status: '', client_org_id: null, vendor_org_id: null, expiring_days: null }
}

/**
 * Query of GET /contracts. The server filters status by dates (active = in force, including
 * those ending soon; expiring = in force and ending within the window, expiring_within days
 * when given).
 */
export function contractQuery(f: Partial<ContractFilter>, page?: { page: number; page_size: number }): Query {
  const q: Query = {
    q: f.q?.trim(),
    client_org_id: f.client_org_id,
    vendor_org_id: f.vendor_org_id,
  }
  if (f.status) q.status = f.status
  if (f.status === 'expiring' && f.expiring_days) q.expiring_within = f.expiring_days
  if (page) {
    q.page = page.page
    q.page_size = page.page_size
  }
  return q
}

/** An SLA policy as the contract form offers it (GET /sla/policies needs sla.read). */
export interface SlaPolicyBrief {
  id: number
  name: string
  active: boolean
}

export const contractsApi = {
  list: (f: Partial<ContractFilter>, page: { page: number; page_size: number }) => http.get<Page<Contract>>('/contracts', contractQuery(f, page)),
  get: (id: number) => http.get<Contract>(`/contracts/${id}`),
  create: (body: ContractInput) => http.post<Contract>('/contracts', body),
  update: (id: number, body: ContractInput) => http.put<Contract>(`/contracts/${id}`, body),
  devices: (id: number) => http.get<Page<ContractDevice>>(`/contracts/${id}/assets`),
  setDevices: (id: number, assetIds: number[]) => http.put<Contract>(`/contracts/${id}/assets`, { asset_ids: assetIds }),
  slaPolicies: () => http.get<Page<SlaPolicyBrief>>('/sla/policies'),
}

/** Whole days from day a to day b (YYYY-MM-DD), b − a. */
export function daysBetween(a: string, b: string): number {
  const ms = Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)
  return Math.round(ms / 86_400_000)
}

/**
 * What the 剩余 column says: days left while in force (0 = ends today), days since the end once
 * expired, days until the start while pending. key is a message key under contracts.daysLeft.
 */
export function daysLeftInfo(c: Pick<Contract, 'status' | 'days_left' | 'starts_on'>, today: string): { key: 'left' | 'today' | 'over' | 'starts'; n: number } {
  if (c.status === 'pending') return { key: 'starts', n: Math.max(0, daysBetween(today, c.starts_on)) }
  if (c.status === 'expired' || c.days_left < 0) return { key: 'over', n: Math.abs(c.days_left) }
  if (c.days_left === 0) return { key: 'today', n: 0 }
  return { key: 'left', n: c.days_left }
}

/** Tag colour of a status. */
export function contractStatusType(status: string): 'success' | 'warning' | 'danger' | 'info' {
  switch (status) {
    case 'active':
      return 'success'
    case 'expiring':
      return 'warning'
    case 'expired':
      return 'danger'
    default:
      return 'info'
  }
}

/** Does the selection differ from what the contract covers now? */
export function sameIds(a: Iterable<number>, b: Iterable<number>): boolean {
  const sa = new Set(a)
  const sb = new Set(b)
  if (sa.size !== sb.size) return false
  for (const x of sa) if (!sb.has(x)) return false
  return true
}
