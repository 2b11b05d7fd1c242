// Satisfaction evaluation (客户评价) endpoints, see docs/api/ratings.md.
//
// Three kinds of caller use them:
// - staff in the app (session cookie + CSRF): ratingsApi, through the shared http wrapper;
// - a paired kiosk (Authorization: Bearer <device token>, no cookie, no CSRF): kioskApi, through
//   deviceRequest below, which knows nothing about the signed-in user;
// - a phone holding a QR / survey link token (no authentication): publicRatingsApi.
import { ApiError, buildUrl, http, type ErrorCode, type Page, type Query } from './http'

/** One level of the scale in force: level N (the scale size) is best. */
export interface RatingLevel {
  level: number
  label: string
  label_en?: string
}

/** A reason tag offered after a low rating; the server may send plain strings or objects. */
export type RatingReason = string | { code?: string; label?: string; label_en?: string; name?: string }

/** The rating settings in force at an org (GET /rating-settings, part of the kiosk state). */
export interface RatingSettings {
  org_id?: number | null
  /** True when the org has no settings of its own (inherited or defaults). */
  inherited?: boolean
  scale: number
  satisfied_min: number
  followup_max: number
  timeout_seconds: number
  qr_cooldown_minutes?: number
  min_ranked_n?: number
  reasons: RatingReason[]
  welcome: string
  levels: RatingLevel[]
}

/** The staff member signed in at the kiosk's counter. */
export interface StaffBrief {
  id: number
  name: string
  job_no: string
  photo_url: string
}

export interface BusinessType {
  id: number
  code: string
  name: string
  active?: boolean
  sort?: number
}

/** A counter (窗口) of an outlet. */
export interface Counter {
  id: number
  org_id: number
  org_name?: string
  code: string
  name: string
  business_type_id: number | null
  business_type_code?: string | null
  business_type_name?: string | null
  /** The signed-in staff member, if any. */
  staff_id: number | null
  staff_name?: string | null
  signed_in_at?: string | null
  active: boolean
  created_at?: string
  updated_at?: string
}

/** A customer served at a counter. */
export interface ServiceSession {
  id: number
  counter_id: number
  counter_name?: string
  org_id: number
  staff_id: number
  staff_name?: string
  business_type_id?: number | null
  business_type_name?: string | null
  channel: string
  queue_no?: string
  queued_at?: string | null
  started_at: string
  ended_at: string | null
  /** The session's rating (the newest of a correction chain), if any. */
  rating_id?: number | null
  level?: number | null
  status?: 'open' | 'awaiting_rating' | 'rated' | 'not_rated' | (string & {})
}

/** The session the kiosk cares about: one in progress, or one ended and not yet rated. */
export interface KioskSession {
  id: number
  status: 'open' | 'awaiting_rating' | (string & {})
  started_at?: string
  ended_at?: string | null
  staff_id?: number
}

/** GET /kiosk/state. */
export interface KioskState {
  device_id?: number
  counter: Counter
  staff: StaffBrief | null
  settings: RatingSettings
  session: KioskSession | null
  /** The server's clock (RFC 3339): the kiosk corrects its own by it. */
  now?: string
}

/** A rating as the API answers it. */
export interface Rating {
  id: number
  channel: string
  session_id: number | null
  ticket_id?: number | null
  link_id?: number | null
  counter_id?: number | null
  counter_name?: string | null
  org_id: number
  org_name?: string
  staff_id: number | null
  staff_name?: string | null
  business_type_id?: number | null
  level: number
  scale: number
  /** The level's label on its scale (Chinese). */
  level_label?: string
  /** The level's label on its scale (English). */
  level_label_en?: string
  satisfied: boolean
  reasons: string[]
  comment: string
  corrects_id?: number | null
  followup_ticket_id?: number | null
  rated_at: string
  created_at?: string
  /** True when a resent client_id answered the first rating. */
  duplicate?: boolean
}

/** Body of POST /ratings. Exactly one of session_id, ticket_id or token. */
export interface RatingInput {
  session_id?: number
  ticket_id?: number
  token?: string
  level: number
  reasons?: string[]
  comment?: string
  rated_at?: string
  client_id?: string
}

/** Filters of GET /ratings. */
export interface RatingFilter {
  org_id?: number
  staff_id?: number | 'me'
  counter_id?: number
  ticket_id?: number
  /** Ratings of this customer's tickets. */
  customer_id?: number
  channel?: string
  level?: number
  from?: string
  to?: string
  page?: number
  page_size?: number
}

/** Filters of GET /service-sessions. */
export interface SessionFilter {
  org_id?: number
  counter_id?: number
  staff_id?: number | 'me'
  from?: string
  to?: string
  page?: number
  page_size?: number
}

/** Body of POST /service-sessions. */
export interface SessionStart {
  counter_id: number
  staff_id?: number
  business_type?: string
  queue_no?: string
  queued_at?: string
  started_at?: string
  client_id?: string
}

/** POST /kiosk/pair answer. */
export interface PairResult {
  token: string
  device_id: number
  counter: Counter
}

/** GET /public/rating-links/{token}: what a phone shows. */
export interface PublicRatingLink {
  kind: 'counter' | 'staff' | 'survey' | (string & {})
  org_name: string
  counter_name: string | null
  staff_name: string | null
  staff_job_no: string | null
  staff_photo_url: string | null
  ticket_number: string | null
  expired: boolean
  used: boolean
  settings: RatingSettings
}

/** A QR or survey link (POST /rating-links). */
export interface RatingLink {
  id: number
  token: string
  /** Where the phone goes: /r/<token>. */
  url: string
  kind: string
  counter_id?: number | null
  staff_id?: number | null
  expired?: boolean
  used?: boolean
}

/** POST /counters/{id}/pairing. */
export interface Pairing {
  device_id: number
  code: string
  expires_at: string
  kiosk_url: string
}

// ---------------------------------------------------------------------------
// Staff calls (session cookie).

export const ratingsApi = {
  counters: (query: { org_id?: number; q?: string; page?: number; page_size?: number } = {}) =>
    http.get<Page<Counter>>('/counters', query as Query),
  counter: (id: number) => http.get<Counter>(`/counters/${id}`),
  businessTypes: () => http.get<Page<BusinessType>>('/business-types'),
  /** Signs the caller (or staff_id) in at a counter. */
  signIn: (counterId: number, staffId?: number) =>
    http.post<Counter>(`/counters/${counterId}/sign-in`, staffId ? { staff_id: staffId } : {}),
  signOut: (counterId: number) => http.post<Counter>(`/counters/${counterId}/sign-out`, {}),
  pairingCode: (counterId: number) => http.post<Pairing>(`/counters/${counterId}/pairing`),
  startSession: (body: SessionStart) => http.post<ServiceSession>('/service-sessions', body),
  endSession: (id: number, endedAt?: string) =>
    http.post<ServiceSession>(`/service-sessions/${id}/end`, endedAt ? { ended_at: endedAt } : {}),
  sessions: (filter: SessionFilter = {}) => http.get<Page<ServiceSession>>('/service-sessions', filter as Query),
  ratings: (filter: RatingFilter = {}) => http.get<Page<Rating>>('/ratings', filter as Query),
  rating: (id: number) => http.get<Rating>(`/ratings/${id}`),
  rate: (body: RatingInput) => http.post<Rating>('/ratings', body),
  settings: (orgId?: number) => http.get<RatingSettings>('/rating-settings', { org_id: orgId }),
  createLink: (body: { kind: 'counter' | 'staff'; counter_id?: number; staff_id?: number }) =>
    http.post<RatingLink>('/rating-links', body),
}

// ---------------------------------------------------------------------------
// Public calls (a phone with a link token): no session needed; quiet so that a
// stray 401 never sends the phone to the login page.

export const publicRatingsApi = {
  link: (token: string) => http.get<PublicRatingLink>(`/public/rating-links/${encodeURIComponent(token)}`, undefined, { quiet: true }),
  rate: (body: RatingInput) => http.post<Rating>('/ratings', body, { quiet: true }),
}

// ---------------------------------------------------------------------------
// Device calls (a paired kiosk): a separate, small fetch wrapper.

const fallbackCodes: Record<number, ErrorCode> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  422: 'invalid',
  429: 'rate_limited',
}

export interface DeviceRequestOptions {
  /** Device token; without one the call is anonymous (pairing). */
  token?: string | null
  body?: unknown
  query?: Query
  locale?: string
  signal?: AbortSignal
  /** The fetch to use (tests); defaults to globalThis.fetch at call time. */
  fetch?: typeof fetch
}

/**
 * One request with the device token as a Bearer header and no cookie. Failures are ApiErrors:
 * status 0 with code "network" when the request did not reach the server.
 */
export async function deviceRequest<T>(method: string, path: string, options: DeviceRequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.token) headers.Authorization = `Bearer ${options.token}`
  if (options.locale) headers['Accept-Language'] = options.locale
  const init: RequestInit = { method, headers, credentials: 'omit', cache: 'no-store', signal: options.signal }
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(options.body)
  }
  const doFetch = options.fetch ?? globalThis.fetch
  let res: Response
  try {
    res = await doFetch(buildUrl(path, options.query), init)
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, 'network', 'network')
  }
  let data: unknown
  try {
    const text = await res.text()
    data = text ? JSON.parse(text) : undefined
  } catch {
    data = undefined
  }
  if (res.ok) return data as T
  const env = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error
  const code = typeof env?.code === 'string' && env.code ? env.code : (fallbackCodes[res.status] ?? 'internal')
  const message = typeof env?.message === 'string' && env.message ? env.message : `HTTP ${res.status}`
  const details = env?.details && typeof env.details === 'object' && !Array.isArray(env.details) ? (env.details as Record<string, unknown>) : {}
  throw new ApiError(res.status, code, message, details)
}

/** The calls of a paired kiosk; every one carries the device token. */
export function kioskApi(token: string, locale?: string) {
  const opts = (extra: Partial<DeviceRequestOptions> = {}): DeviceRequestOptions => ({ token, locale, ...extra })
  return {
    state: (signal?: AbortSignal) => deviceRequest<KioskState>('GET', '/kiosk/state', opts({ signal })),
    startSession: (body: SessionStart) => deviceRequest<ServiceSession>('POST', '/service-sessions', opts({ body })),
    endSession: (id: number) => deviceRequest<ServiceSession>('POST', `/service-sessions/${id}/end`, opts({ body: {} })),
    rate: (body: RatingInput) => deviceRequest<Rating>('POST', '/ratings', opts({ body })),
  }
}

/** POST /kiosk/pair: trades the administrator's one-time code for a device token. */
export function pairKiosk(counterCode: string, pairingCode: string, locale?: string): Promise<PairResult> {
  return deviceRequest<PairResult>('POST', '/kiosk/pair', { body: { counter_code: counterCode, pairing_code: pairingCode }, locale })
}
