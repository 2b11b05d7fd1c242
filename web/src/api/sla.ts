// Service levels (服务时限): business calendars (/calendars), SLA policies (/sla/policies,
// /sla/match), the SLA state a ticket carries, and the caller's in-app notifications
// (/notifications, the bell). Contract: docs/api/sla.md and internal/httpapi/openapi/notify.yaml.
import { buildUrl, http, type Page } from './http'

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof WEEKDAYS)[number]

/** One working interval [start, end) as wall-clock "HH:MM"; "24:00" ends the day. */
export type Interval = [string, string]
export type Weekly = Record<Weekday, Interval[]>

/** A business calendar (工作日历). Dates are "YYYY-MM-DD" in the calendar's zone. */
export interface Calendar {
  id: number
  name: string
  time_zone: string
  weekly: Weekly
  /** Days without working time whatever the weekday (节假日, 休). */
  holidays: string[]
  /** Extra working days (调休上班, 班) with the hours of workday_hours_from. */
  workdays: string[]
  workday_hours_from: Weekday
  created_at: string
  updated_at: string
}

/** Body of POST /calendars and PUT /calendars/{id}. */
export interface CalendarInput {
  name: string
  time_zone: string
  weekly: Weekly
  holidays: string[]
  workdays: string[]
  workday_hours_from: Weekday
}

/** Answer of GET /calendars/{id}/preview: instants in UTC, *_local in the calendar's zone. */
export interface CalendarPreview {
  calendar_id: number
  time_zone: string
  start: string
  clock_start: string
  clock_start_local: string
  minutes?: number
  deadline?: string
  deadline_local?: string
  end?: string
  elapsed_minutes?: number
}

/** The three targets a policy may set, in the order a ticket meets them. */
export const SLA_TARGETS = ['first_response', 'arrival', 'resolution'] as const
export type SlaTarget = (typeof SLA_TARGETS)[number]

/** Whom an escalation level notifies. */
export const NOTIFY_TARGETS = ['assignee', 'station_head', 'org_manager', 'general_manager'] as const
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number]

/** Which tickets a policy covers; an empty list accepts anything. */
export interface SlaConditions {
  types: string[]
  priorities: string[]
  grades: string[]
  org_ids: number[]
  contract_ids: number[]
}

/** Business minutes per target; null = no target. */
export type SlaTargets = Record<SlaTarget, number | null>

/** Exactly one of the two is set. */
export interface SlaWarning {
  before_minutes?: number
  at_percent?: number
}

export interface SlaEscalation {
  level: number
  after_minutes: number
  notify: NotifyTarget
  repeat_every_minutes?: number | null
}

/** An SLA policy (服务时限策略). */
export interface SlaPolicy {
  id: number
  name: string
  order: number
  calendar_id: number
  match: SlaConditions
  targets: SlaTargets
  warnings: SlaWarning[]
  escalations: SlaEscalation[]
  active: boolean
  created_at: string
  updated_at: string
}

/** Body of POST /sla/policies and PUT /sla/policies/{id}. */
export interface SlaPolicyInput {
  name: string
  order: number
  calendar_id: number
  match: SlaConditions
  targets: SlaTargets
  warnings: SlaWarning[]
  escalations: SlaEscalation[]
  active: boolean
}

/** The facts GET /sla/match judges. */
export interface SlaMatchQuery {
  type?: string
  priority?: string
  grade?: string
  org_id?: number | null
  contract_id?: number | null
}

/** One SLA target of a ticket. */
export interface TicketSlaTarget {
  due_at: string
  breached: boolean
  met_at: string | null
  paused_minutes: number
  /** Business minutes left until due_at (as of the pause when paused); absent once met or breached. */
  remaining_minutes?: number | null
  /** Each pause, oldest first (absent from servers before pauses were listed). */
  pauses?: TicketSlaPause[]
}

/** One pause of a target: ended_at null while it lasts; paused_minutes in business time (up to now while it lasts). */
export interface TicketSlaPause {
  started_at: string
  ended_at: string | null
  paused_minutes: number
}

/** The sla member of the ticket JSON. */
export interface TicketSla {
  policy_id: number | null
  targets: Partial<Record<SlaTarget, TicketSlaTarget>>
}

/** A contract as the policy form offers it (GET /contracts needs contract.read). */
export interface ContractBrief {
  id: number
  code?: string
  name?: string
}

export const calendarsApi = {
  list: () => http.get<Page<Calendar>>('/calendars'),
  get: (id: number) => http.get<Calendar>(`/calendars/${id}`),
  create: (body: CalendarInput) => http.post<Calendar>('/calendars', body),
  update: (id: number, body: CalendarInput) => http.put<Calendar>(`/calendars/${id}`, body),
  remove: (id: number) => http.del(`/calendars/${id}`),
  /** Merges mainland China's official arrangement of a year (放假 / 调休上班). */
  chinaHolidays: (id: number, year: number) =>
    http.post<Calendar>(`/calendars/${id}/china-holidays`, undefined, { query: { year } }),
  /** Marks dates from a CSV file (date,kind); merge keeps other marks, replace drops them first. */
  importCsv: (id: number, file: File | Blob, mode: 'merge' | 'replace' = 'merge') => {
    const form = new FormData()
    form.append('file', file)
    return http.post<Calendar>(`/calendars/${id}/import`, form, { query: { mode } })
  },
  /**
   * Marks dates from an iCalendar (.ics) file: all-day events, holidays or make-up working days by
   * CATEGORIES / X-LINGTING-KIND / summary; unknownAsHoliday takes events of no known kind as
   * holidays (a feed of days off), otherwise they answer 422 naming their line.
   */
  importIcs: (id: number, file: File | Blob, mode: 'merge' | 'replace' = 'merge', unknownAsHoliday = false) => {
    const form = new FormData()
    form.append('file', file)
    return http.post<Calendar>(`/calendars/${id}/import`, form, { query: { mode, format: 'ics', unknown: unknownAsHoliday ? 'holiday' : 'error' } })
  },
  /** The deadline after `minutes` business minutes from `start` (RFC 3339; now when empty). */
  preview: (id: number, start: string | null, minutes: number) =>
    http.get<CalendarPreview>(`/calendars/${id}/preview`, { start: start || undefined, minutes }),
}

/** Address of a calendar's marked dates as CSV (a download link). */
export function calendarExportUrl(id: number): string {
  return buildUrl(`/calendars/${id}/export.csv`)
}

/** Address of a calendar's marked dates as iCalendar (.ics, all-day events; a download link). */
export function calendarExportIcsUrl(id: number): string {
  return buildUrl(`/calendars/${id}/export.ics`)
}

export const slaPoliciesApi = {
  list: () => http.get<Page<SlaPolicy>>('/sla/policies'),
  get: (id: number) => http.get<SlaPolicy>(`/sla/policies/${id}`),
  create: (body: SlaPolicyInput) => http.post<SlaPolicy>('/sla/policies', body),
  update: (id: number, body: SlaPolicyInput) => http.put<SlaPolicy>(`/sla/policies/${id}`, body),
  remove: (id: number) => http.del(`/sla/policies/${id}`),
  match: (q: SlaMatchQuery) =>
    http.get<{ policy: SlaPolicy | null }>('/sla/match', {
      type: q.type,
      priority: q.priority,
      grade: q.grade,
      org_id: q.org_id,
      contract_id: q.contract_id,
    }),
  contracts: () => http.get<Page<ContractBrief>>('/contracts', { page: 1, page_size: 200 }),
}

/** An in-app notification (站内通知): an SLA warning (即将超时) or escalation (超时督办). */
export interface AppNotification {
  id: number
  kind: 'sla.warning' | 'sla.escalation' | (string & {})
  level: number
  ticket_id: number | null
  title: string
  body: string
  read: boolean
  read_at: string | null
  created_at: string
}

export interface NotificationPage extends Page<AppNotification> {
  unread: number
}

export const notificationsApi = {
  list: (q: { page?: number; page_size?: number; unread?: boolean } = {}) =>
    http.get<NotificationPage>('/notifications', { page: q.page, page_size: q.page_size, unread: q.unread ? true : undefined }),
  read: (id: number) => http.post<AppNotification>(`/notifications/${id}/read`),
  readAll: () => http.post<{ updated: number }>('/notifications/read-all'),
}
