// Access requests (查阅申请): a time-limited grant to reveal one customer's personal data.
import { http, type Page } from './http'

export const ACCESS_STATUSES = ['pending', 'approved', 'rejected'] as const
export type AccessStatus = (typeof ACCESS_STATUSES)[number]

/** Hours a grant lasts unless the requester asks otherwise. */
export const DEFAULT_ACCESS_HOURS = 24

/** One access request and its decision. Times are RFC 3339. */
export interface AccessRequest {
  id: number
  customer_id: number
  customer_name: string
  requester_id: number
  requester_name: string
  reason: string
  hours: number
  status: AccessStatus
  decided_by_name: string | null
  decided_at: string | null
  expires_at: string | null
  decision_note?: string
  org_id?: number
  created_at: string
}

export interface AccessFilter {
  /** Only the caller's own requests. */
  mine?: boolean
  status?: AccessStatus | ''
  customer_id?: number
  page?: number
  page_size?: number
}

/** Is the request an approved grant that has not expired at now? */
export function isLiveGrant(r: Pick<AccessRequest, 'status' | 'expires_at'>, now: Date = new Date()): boolean {
  if (r.status !== 'approved') return false
  if (!r.expires_at) return true
  const t = new Date(r.expires_at).getTime()
  return Number.isNaN(t) || t > now.getTime()
}

/** Shown status: the server's, or "expired" for an approved grant past its end. */
export function accessDisplayStatus(r: Pick<AccessRequest, 'status' | 'expires_at'>, now: Date = new Date()): AccessStatus | 'expired' {
  return r.status === 'approved' && !isLiveGrant(r, now) ? 'expired' : r.status
}

export const accessApi = {
  list: (f: AccessFilter = {}) => http.get<Page<AccessRequest>>('/access-requests', { ...f, mine: f.mine ? true : undefined }),
  create: (customer_id: number, reason: string, hours: number) =>
    http.post<AccessRequest>('/access-requests', { customer_id, reason, hours }),
  approve: (id: number, note: string) => http.post<AccessRequest>(`/access-requests/${id}/approve`, { note }),
  reject: (id: number, note: string) => http.post<AccessRequest>(`/access-requests/${id}/reject`, { note }),
}
