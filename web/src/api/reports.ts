// Service reports and the executive dashboard (/analytics/devices, /devices/operation, /devices/maintenance, /service-time,
// /manpower, /abnormal, /faults, /complaints, /dashboard, /tickets.xlsx).
// Contract: docs/api/analytics.md and internal/httpapi/openapi/analytics.yaml.
// Satisfaction and rankings are in analytics.ts.
import { buildUrl, http, type Query } from './http'

/** Ticket types of the default workflow (API.md "Ticket statuses"). */
export const TICKET_TYPES = ['repair', 'consultation', 'complaint', 'suggestion', 'after_sales', 'follow_up'] as const

/** The reports with a page of their own. */
export const REPORT_KINDS = ['operation', 'maintenance', 'service-time', 'manpower', 'abnormal', 'faults', 'complaints', 'devices', 'survey', 'sla'] as const
export type ReportKind = (typeof REPORT_KINDS)[number]

/** API path of each report. */
export const REPORT_PATHS: Record<ReportKind, string> = {
  devices: '/analytics/devices',
  operation: '/analytics/devices/operation',
  maintenance: '/analytics/devices/maintenance',
  'service-time': '/analytics/service-time',
  manpower: '/analytics/manpower',
  abnormal: '/analytics/abnormal',
  faults: '/analytics/faults',
  complaints: '/analytics/complaints',
  survey: '/analytics/survey',
  sla: '/analytics/sla',
}

/** The common filters of the report pages. Empty values mean "any". */
export interface ReportFilter {
  /** Inclusive days YYYY-MM-DD (Asia/Shanghai); the device distribution has no period. */
  from: string
  to: string
  /** Client org subtree. */
  org_id: number | null
  /** Vendor (or service station) subtree. */
  vendor_org_id: number | null
  /** Engineer. */
  staff_id: number | null
  /** The device's type, brand and model. */
  type: string
  brand: string
  model: string
  ticket_type: string
  /** Groupings, in order (at most four). */
  group_by: string[]
}

export function emptyReportFilter(): ReportFilter {
  return { from: '', to: '', org_id: null, vendor_org_id: null, staff_id: null, type: '', brand: '', model: '', ticket_type: '', group_by: [] }
}

/** Report-specific knobs. */
export interface ReportExtras {
  overload_hours?: number | null
  overload_open?: number | null
  min_repairs?: number | null
  min_fault_hours?: number | null
  min_repair_hours?: number | null
  view?: 'summary' | 'causes'
  status?: string
  page?: number
  page_size?: number
}

/** Query of a report: the filters, the knobs and (for downloads) format=xlsx. */
export function reportQuery(kind: ReportKind | 'tickets', f: Partial<ReportFilter>, extras: ReportExtras = {}, format?: 'xlsx'): Query {
  const q: Query = {
    // the device distribution counts the archive as it stands today: no period
    from: kind === 'devices' ? undefined : f.from,
    to: kind === 'devices' ? undefined : f.to,
    org_id: f.org_id,
    vendor_org_id: f.vendor_org_id,
    staff_id: f.staff_id,
    type: f.type?.trim(),
    brand: f.brand?.trim(),
    model: f.model?.trim(),
    ticket_type: f.ticket_type,
    // 任务明细, 异常服务 and 故障原因 are lists, not grouped
    group_by: kind === 'tickets' || kind === 'abnormal' || extras.view === 'causes' || !f.group_by?.length ? undefined : f.group_by.join(','),
  }
  for (const [k, v] of Object.entries(extras)) {
    if (v === undefined || v === null || v === '') continue
    q[k] = v as string | number
  }
  if (format) q.format = format
  return q
}

/** Largest page the API serves. */
export const MAX_PAGE_SIZE = 500

/**
 * Address of the .xlsx of a report with the same filters as the page. The server exports every row
 * of the filter (异常服务 and 故障原因 too), whatever page is on screen, so no page goes along.
 */
export function reportXlsxUrl(kind: ReportKind, f: Partial<ReportFilter>, extras: ReportExtras = {}): string {
  const rest: ReportExtras = { ...extras }
  delete rest.page
  delete rest.page_size
  return buildUrl(REPORT_PATHS[kind], reportQuery(kind, f, rest, 'xlsx'))
}

/** Address of 任务明细 (every visible ticket of the period with every field) as .xlsx. */
export function ticketsXlsxUrl(f: Partial<ReportFilter>, status?: string): string {
  return buildUrl('/analytics/tickets.xlsx', reportQuery('tickets', f, { status }))
}

// ---- shapes ----------------------------------------------------------------------------------

/** A group of a grouped report: key, one key per grouping (ids as text, months) and its names. */
export interface GroupItem {
  key: string
  keys: Record<string, string>
  labels: Record<string, string>
}

/** A grouped report: the figures per group and of everything. */
export interface GroupedReport<M> {
  from?: string
  to?: string
  /** The device distribution's day. */
  date?: string
  group_by: string[]
  items: (GroupItem & M)[]
  totals: M
  total: number
}

export interface DeviceMeasures {
  devices: number
  in_service: number
  faulty: number
  retired: number
  in_warranty: number
  out_of_warranty: number
}

export interface OperationMeasures {
  devices: number
  faults: number
  fault_hours: number
  avg_fault_hours_per_device: number | null
  avg_faults_per_device: number | null
  avg_fault_hours: number | null
  avg_repair_hours: number | null
  /** 0..1 */
  availability: number | null
}

/** 维护情况: the fault tickets of 运行情况 seen as maintenance work (averages null without a device or ticket). */
export interface MaintenanceMeasures {
  devices: number
  faults: number
  maintenances: number
  open: number
  maintenance_hours: number
  avg_maintenance_hours_per_device: number | null
  avg_maintenances_per_device: number | null
  avg_maintenance_hours: number | null
  /** 0..1 */
  completion_rate: number | null
  avg_response_hours: number | null
  avg_travel_hours: number | null
  avg_repair_hours: number | null
}

export interface TimeMeasures {
  tickets: number
  resolved: number
  open: number
  work_hours: number
  fault_hours: number
  avg_fault_hours: number | null
  avg_response_hours: number | null
  travel_hours: number
  avg_travel_hours: number | null
  distance_km: number
  avg_distance_km: number | null
  repair_hours: number
  avg_repair_hours: number | null
  engineers: number
  overload_days: number
  overloaded_engineers: number
}

export interface LoadMeasures {
  open_now: number
  tickets_per_engineer_day: number | null
  overloaded: boolean
}

export interface ServiceTimeReport extends GroupedReport<TimeMeasures> {
  overload_hours: number
}

export interface ManpowerReport extends GroupedReport<TimeMeasures & LoadMeasures> {
  overload_hours: number
  overload_open: number
}

export type AbnormalReason = 'repairs' | 'fault_hours' | 'repair_hours'

export interface AbnormalTicket {
  id: number
  number: string
  status: string
  reported_at: string
}

export interface AbnormalItem {
  asset_id: number
  asset_code: string
  type: string
  brand: string
  model: string
  /** The outlet. */
  org_id: number
  org_name: string
  /** The sub-branch (支行). */
  branch: string
  region: string
  vendor_org_id: number | null
  vendor_org_name: string | null
  repairs: number
  fault_hours: number
  max_fault_hours: number
  repair_hours: number
  max_repair_hours: number
  waiting_parts_hours: number
  waiting_customer_hours: number
  sent_for_repair_hours: number
  reasons: AbnormalReason[]
  tickets: AbnormalTicket[]
}

export interface AbnormalReport {
  from: string
  to: string
  min_repairs: number
  min_fault_hours: number
  min_repair_hours: number
  items: AbnormalItem[]
  total: number
}

export interface FaultMeasures {
  faults: number
  fault_hours: number
  devices: number
  avg_faults_per_device: number | null
}

export interface FaultCause {
  ticket_id: number
  number: string
  title: string
  description: string
  status: string
  reported_at: string
  repaired_at: string | null
  resolved_at: string | null
  category: string
  asset_code: string
  type: string
  brand: string
  model: string
  region: string
  branch: string
  outlet: string
  resolution: string
}

export interface FaultCauses {
  view: 'causes'
  from: string
  to: string
  items: FaultCause[]
  total: number
}

export interface ComplaintMeasures {
  tickets: number
  complaints: number
  suggestions: number
  open: number
  resolved: number
  handle_hours: number
  avg_handle_hours: number | null
}

/** One entry of a dashboard tile. */
export interface Count {
  key: string
  label: string
  n: number
}

export interface TrendPoint {
  month: string
  n: number
  satisfied: number
  rate: number | null
  wilson_lower: number | null
  prev_n: number
  prev_rate: number | null
}

export interface Dashboard {
  date: string
  period: { from: string; to: string }
  overdue_hours: number
  today: { reported: number; resolved: number; by_type: Count[] }
  /** overdue = sla_breached (a target of the ticket's SLA policy passed) + aged (no policy, older than overdue_hours); the split arrives with the SLA figures. */
  open: { open: number; overdue: number; sla_breached?: number; aged?: number; unassigned: number; by_status: Count[] }
  /** SLA compliance of the tickets reported in the period (when the server computes it). */
  sla?: { tickets: number; met: number; breached: number; rate: number | null } | null
  satisfaction: { from: string; to: string; n: number; rate: number | null; prev_rate: number | null; sentence: string; trend: TrendPoint[] }
  top_faults: Count[]
  /** key: the device's id. */
  worst_devices: Count[]
  /** key: the station's org id. */
  busiest_stations: Count[]
  devices: { total: number; by_status: Count[] }
}

type Opts = { signal?: AbortSignal }

function get<T>(kind: ReportKind, f: Partial<ReportFilter>, extras: ReportExtras = {}, o: Opts = {}) {
  return http.get<T>(REPORT_PATHS[kind], reportQuery(kind, f, extras), { signal: o.signal })
}

/** 满意度调查: counts per level (keys are level numbers, N the best), 总计 and the rate with its Wilson bounds. */
export interface SurveyMeasures {
  levels: Record<string, number>
  n: number
  satisfied: number
  rate: number | null
  wilson_lower: number | null
  wilson_upper: number | null
}

/** A level of the rating scale, as the survey names its columns. */
export interface SurveyLevel {
  level: number
  label: string
  label_en: string
}

export interface SurveyReport extends GroupedReport<SurveyMeasures> {
  scale: number
  levels: SurveyLevel[]
}

/** One rating behind a figure of 满意度调查. */
export interface SurveyRating {
  id: number
  rated_at: string
  level: number
  scale: number
  level_label: string
  satisfied: boolean
  comment: string
  reasons: string[]
  ticket_id: number
  ticket_number: string
  org_name: string
  vendor_name: string | null
  staff_name: string | null
  asset_code: string | null
}

export const reportsApi = {
  /** Any grouped report (operation, service time, manpower, faults summary, complaints, devices). */
  grouped: <M = Record<string, unknown>>(kind: ReportKind, f: Partial<ReportFilter>, extras: ReportExtras = {}, o?: Opts) =>
    get<GroupedReport<M> & { overload_hours?: number; overload_open?: number }>(kind, f, extras, o),
  devices: (f: Partial<ReportFilter>, o?: Opts) => get<GroupedReport<DeviceMeasures>>('devices', f, {}, o),
  operation: (f: Partial<ReportFilter>, o?: Opts) => get<GroupedReport<OperationMeasures>>('operation', f, {}, o),
  serviceTime: (f: Partial<ReportFilter>, extras: ReportExtras = {}, o?: Opts) => get<ServiceTimeReport>('service-time', f, extras, o),
  manpower: (f: Partial<ReportFilter>, extras: ReportExtras = {}, o?: Opts) => get<ManpowerReport>('manpower', f, extras, o),
  abnormal: (f: Partial<ReportFilter>, extras: ReportExtras = {}, o?: Opts) => get<AbnormalReport>('abnormal', f, extras, o),
  faults: (f: Partial<ReportFilter>, o?: Opts) => get<GroupedReport<FaultMeasures>>('faults', f, { view: 'summary' }, o),
  causes: (f: Partial<ReportFilter>, page: { page: number; page_size: number }, o?: Opts) =>
    get<FaultCauses>('faults', f, { view: 'causes', ...page }, o),
  complaints: (f: Partial<ReportFilter>, o?: Opts) => get<GroupedReport<ComplaintMeasures>>('complaints', f, {}, o),
  /** Tickets reported per weekday × hour of the period (the volume heat map). */
  volume: (f: Partial<ReportFilter>, o: Opts = {}) =>
    http.get<{ from: string; to: string; cells: { weekday: number; hour: number; n: number }[]; total: number; max: number }>(
      '/analytics/volume',
      reportQuery('tickets', { ...f, group_by: [] }),
      { signal: o.signal },
    ),
  /** The ratings behind a survey figure: the filters, the group's keys (key_<dim>) and optionally one level. */
  surveyRatings: (f: Partial<ReportFilter>, keys: Record<string, string>, level: number | null, page: { page: number; page_size: number }) => {
    const q: Query = { ...reportQuery('survey', { ...f, group_by: [] }), ...page }
    for (const [k, v] of Object.entries(keys)) q[`key_${k}`] = v
    if (level != null) q.level = level
    return http.get<{ items: SurveyRating[]; total: number }>('/analytics/survey/ratings', q)
  },
  dashboard: (f: Partial<ReportFilter>, extras: { overdue_hours?: number } = {}, o: Opts = {}) =>
    http.get<Dashboard>(
      '/analytics/dashboard',
      { ...reportQuery('tickets', { ...f, group_by: [] }), overdue_hours: extras.overdue_hours },
      { signal: o.signal },
    ),
}
