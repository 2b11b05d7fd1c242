// Audit log endpoint (/audit).
import { http, type Page } from './http'

/** One audit entry (操作日志). */
export interface AuditEntry {
  id: number
  at: string
  actor_id: number | null
  actor_name: string
  ip: string
  action: string
  entity: string
  entity_id: number | string | null
  summary: string
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
}

/** Filters of GET /audit; from/to are RFC 3339. */
export interface AuditFilter {
  actor_id?: number | null
  entity?: string
  entity_id?: string | number
  action?: string
  from?: string
  to?: string
  page?: number
  page_size?: number
}

export const auditApi = {
  list: (f: AuditFilter = {}) => http.get<Page<AuditEntry>>('/audit', { ...f }),
}
