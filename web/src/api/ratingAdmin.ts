// Rating administration (评价管理): business types, counters (窗口), kiosk pairing, QR links,
// evaluator devices and the rating settings of an org. Contract: docs/api/ratings.md.
import { buildUrl, http, type Query } from './http'

/** A list answer; total is present on paged lists. */
export interface ListOf<T> {
  items: T[]
  total?: number
}

/** 业务类型. */
export interface BusinessType {
  id: number
  code: string
  name: string
  active?: boolean
  sort?: number
  created_at?: string
}

export interface BusinessTypeInput {
  code: string
  name: string
}

/** 窗口: a counter of an outlet, with the staff member signed in there (if any). */
export interface Counter {
  id: number
  org_id: number
  org_name: string
  code: string
  name: string
  business_type_id: number | null
  business_type_code?: string | null
  business_type_name?: string | null
  staff_id: number | null
  staff_name: string | null
  signed_in_at: string | null
  active: boolean
  created_at?: string
  updated_at?: string
}

export interface CounterInput {
  org_id: number
  code: string
  name: string
  business_type_id: number | null
}

export interface CounterUpdate {
  name?: string
  business_type_id?: number | null
  active?: boolean
}

export interface CounterFilter {
  org_id?: number | null
  q?: string
  page?: number
  page_size?: number
}

/** A one-time code (10 min) typed into the kiosk at kiosk_url (/kiosk/{counter code}). */
export interface Pairing {
  /** The kiosk device the code will pair. */
  device_id?: number
  code: string
  expires_at: string
  kiosk_url?: string
}

export const DEVICE_KINDS = ['kiosk', 'evaluator'] as const

/** A paired kiosk or a hardware evaluator (评价器). */
export interface RatingDevice {
  id: number
  counter_id: number
  counter_code?: string
  counter_name?: string
  org_id?: number
  kind: (typeof DEVICE_KINDS)[number] | (string & {})
  name: string
  /** A kiosk waiting for its pairing code is not paired yet; evaluators are. */
  paired?: boolean
  last_seen_at: string | null
  online: boolean
  revoked?: boolean
  created_at?: string
}

export interface RatingDeviceInput {
  counter_id: number
  name: string
}

/** POST /rating-devices: the device with its token, shown once. */
export interface RegisteredDevice extends RatingDevice {
  token: string
}

export const LINK_KINDS = ['counter', 'staff'] as const

/** A QR rating link (counter or staff). */
export interface RatingLink {
  id: number
  kind: (typeof LINK_KINDS)[number] | 'survey' | (string & {})
  token: string
  /** The phone page, "/r/{token}". */
  url: string
  counter_id: number | null
  counter_name?: string | null
  staff_id: number | null
  staff_name?: string | null
  org_id?: number
  org_name?: string
  expires_at?: string | null
  expired?: boolean
  used?: boolean
  created_at?: string
}

export interface RatingLinkInput {
  kind: 'counter' | 'staff'
  counter_id?: number
  staff_id?: number
}

/** One point of a rating scale; the highest level is the best. */
export interface RatingLevel {
  level: number
  label: string
  label_en: string
}

export const SCALES = [3, 4, 5] as const

/** The rating rules in force at an org (its own, an ancestor's or the defaults). */
export interface RatingSettings {
  org_id: number | null
  inherited: boolean
  scale: number
  satisfied_min: number
  followup_max: number
  timeout_seconds: number
  qr_cooldown_minutes: number
  min_ranked_n: number
  reasons: string[]
  welcome: string
  levels: RatingLevel[]
}

export interface RatingSettingsInput {
  org_id: number
  scale: number
  satisfied_min: number
  followup_max: number
  timeout_seconds: number
  qr_cooldown_minutes: number
  min_ranked_n: number
  reasons: string[]
  welcome: string
}

/** The editable part of settings, as the PUT body for org. */
export function settingsInput(orgId: number, s: Omit<RatingSettingsInput, 'org_id'>): RatingSettingsInput {
  const reasons: string[] = []
  for (const r of s.reasons) {
    const v = r.trim()
    if (v && !reasons.includes(v)) reasons.push(v)
  }
  return {
    org_id: orgId,
    scale: s.scale,
    satisfied_min: s.satisfied_min,
    followup_max: s.followup_max,
    timeout_seconds: s.timeout_seconds,
    qr_cooldown_minutes: s.qr_cooldown_minutes,
    min_ranked_n: s.min_ranked_n,
    reasons,
    welcome: s.welcome.trim(),
  }
}

/**
 * satisfied_min and followup_max proposed when the scale changes: 满意 and above count as
 * satisfied, 不满意 and below open a 回访 (3 → 3/1, 4 → 3/2, 5 → 4/2).
 */
export function defaultsForScale(scale: number): { satisfied_min: number; followup_max: number } {
  if (scale <= 3) return { satisfied_min: 3, followup_max: 1 }
  if (scale === 4) return { satisfied_min: 3, followup_max: 2 }
  return { satisfied_min: scale - 1, followup_max: 2 }
}

/** The kiosk page for a counter (opened on the tablet, then paired with a one-time code). */
export function kioskPath(counterCode: string): string {
  return `/kiosk/${encodeURIComponent(counterCode)}`
}

/** Absolute address of a same-site path, for showing and copying. */
export function absoluteUrl(path: string, origin: string = typeof location !== 'undefined' ? location.origin : ''): string {
  if (/^https?:\/\//.test(path)) return path
  return origin + path
}

/** The QR image of a link. */
export const linkQrUrl = (id: number) => buildUrl(`/rating-links/${id}/qr.png`)
/** The printable A6 card of a link. */
export const linkCardUrl = (id: number) => buildUrl(`/rating-links/${id}/card`)

function counterQuery(f: CounterFilter): Query {
  return { org_id: f.org_id, q: f.q?.trim(), page: f.page, page_size: f.page_size }
}

export const ratingAdminApi = {
  businessTypes: () => http.get<ListOf<BusinessType>>('/business-types'),
  createBusinessType: (body: BusinessTypeInput) => http.post<BusinessType>('/business-types', body),

  counters: (f: CounterFilter = {}) => http.get<ListOf<Counter>>('/counters', counterQuery(f)),
  counter: (id: number) => http.get<Counter>(`/counters/${id}`),
  createCounter: (body: CounterInput) => http.post<Counter>('/counters', body),
  updateCounter: (id: number, body: CounterUpdate) => http.patch<Counter>(`/counters/${id}`, body),
  pair: (id: number) => http.post<Pairing>(`/counters/${id}/pairing`, {}),

  devices: (f: { org_id?: number | null; counter_id?: number | null } = {}) =>
    http.get<ListOf<RatingDevice>>('/rating-devices', { org_id: f.org_id, counter_id: f.counter_id }),
  registerDevice: (body: RatingDeviceInput) => http.post<RegisteredDevice>('/rating-devices', body),
  revokeDevice: (id: number) => http.post<RatingDevice>(`/rating-devices/${id}/revoke`, {}),

  createLink: (body: RatingLinkInput) => http.post<RatingLink>('/rating-links', body),

  settings: (orgId: number | null) => http.get<RatingSettings>('/rating-settings', { org_id: orgId }),
  saveSettings: (body: RatingSettingsInput) => http.put<RatingSettings>('/rating-settings', body),
}
