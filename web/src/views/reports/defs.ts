// What each report page shows: its groupings, filters, table columns, KPI cards and chart.
// Column and KPI labels are reports.measures.<key>, grouping labels reports.dims.<dim>.
import type { ReportKind } from '../../api/reports'
import type { DeviceDrill, TicketDrill } from './drill'
import type { Fmt } from './format'

export interface Measure {
  key: string
  fmt: Fmt
  /** Column width in px (default 110). */
  width?: number
  /** A label of its own (the levels of a rating scale come with the report); else reports.measures.<key>. */
  label?: string
}

/** The chart of a grouped report: bars of additive figures, optionally a ratio line of two sums. */
export interface ChartSpec {
  bars: { key: string; stack?: string; color?: string }[]
  /** A per-x ratio of two summed figures, on the right axis (e.g. fault hours per device). */
  line?: { key: string; num: string; den: string; percent?: boolean }
  /** At most this many categories on a non-time axis (default 15). */
  top?: number
}

export interface ReportDef {
  kind: ReportKind
  /** Route name. */
  route: string
  /** i18n key of the title. */
  titleKey: string
  /** i18n key of the one-line description under the title. */
  hintKey: string
  /** Does the report cover a period (the device distribution counts the archive today)? */
  period: boolean
  /** The period a page opens with: this month (default) or the last 12 months (monthly reports). */
  defaultPeriod?: 'month' | 'last12'
  groupings: readonly string[]
  defaultGroupBy: readonly string[]
  /** Type/brand/model filters. */
  deviceFilters: boolean
  /** Engineer filter. */
  staffFilter: boolean
  /** ticket_type choices; empty: no ticket type filter. */
  ticketTypes: readonly string[]
  measures: readonly Measure[]
  kpis: readonly Measure[]
  chart: ChartSpec
  /** Overload thresholds the page offers (服务时长: hours; 人力分析: hours and open tickets). */
  knobs?: readonly ('overload_hours' | 'overload_open')[]
  /** A boolean figure shown as a red tag (and a red label in the chart). */
  flag?: string
  /** 满意度调查: a column per level of the report's rating scale (before the measures), stacked in the chart. */
  levels?: boolean
  /** Nested figures lifted to the top of an item (and the totals), for columns (SLA targets). */
  flatten?: (item: Record<string, unknown>) => Record<string, unknown>
  /** Figures whose cells open the ratings behind them (level columns too, with levels). */
  ratingDrill?: readonly string[]
  /** Figures whose cells open the ticket list behind them (drill.ts), with the tickets they count. */
  ticketDrill?: Readonly<Record<string, TicketDrill>>
  /** Figures whose cells open the device list behind them (drill.ts), with the devices they count. */
  deviceDrill?: Readonly<Record<string, DeviceDrill>>
}

/** The level columns of a survey: level_<n> per level of the scale, best first, named in the UI's language. */
export function levelMeasures(levels: readonly { level: number; label: string; label_en: string }[], en: boolean): Measure[] {
  return levels.map((l) => ({ key: `level_${l.level}`, fmt: 'count' as const, width: 100, label: en ? l.label_en : l.label }))
}

/** An item of the survey with its level counts as level_<n> figures. */
export function flattenLevels(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...item }
  for (const [k, v] of Object.entries((item.levels as Record<string, number> | undefined) ?? {})) out[`level_${k}`] = v
  return out
}

const SLA_TARGETS = [
  ['first_response', 'fr'],
  ['arrival', 'ar'],
  ['resolution', 'rs'],
] as const

/** An SLA item with each target's figures as fr_/ar_/rs_ + met, breached, open, rate. */
export function flattenSla(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...item }
  for (const [target, p] of SLA_TARGETS) {
    const t = (item[target] as Record<string, unknown> | undefined) ?? {}
    for (const f of ['total', 'met', 'breached', 'open', 'rate']) out[`${p}_${f}`] = t[f] ?? null
  }
  return out
}

const TICKET_DIMS = ['vendor', 'station', 'engineer', 'month', 'region', 'org', 'type', 'brand', 'model', 'ticket_type'] as const

export const TIME_MEASURES: readonly Measure[] = [
  { key: 'tickets', fmt: 'count', width: 90 },
  { key: 'resolved', fmt: 'count', width: 90 },
  { key: 'work_hours', fmt: 'hours', width: 120 },
  { key: 'fault_hours', fmt: 'hours', width: 120 },
  { key: 'avg_fault_hours', fmt: 'hours', width: 120 },
  { key: 'avg_response_hours', fmt: 'hours', width: 120 },
  { key: 'travel_hours', fmt: 'hours', width: 120 },
  { key: 'avg_travel_hours', fmt: 'hours', width: 120 },
  { key: 'distance_km', fmt: 'km', width: 120 },
  { key: 'avg_distance_km', fmt: 'km', width: 120 },
  { key: 'repair_hours', fmt: 'hours', width: 120 },
  { key: 'avg_repair_hours', fmt: 'hours', width: 120 },
  { key: 'engineers', fmt: 'count', width: 90 },
  { key: 'overload_days', fmt: 'count', width: 110 },
  { key: 'overloaded_engineers', fmt: 'count', width: 120 },
]

export const REPORTS: Record<ReportKind, ReportDef> = {
  operation: {
    kind: 'operation',
    route: 'report-operation',
    titleKey: 'reports.titles.operation',
    hintKey: 'reports.hints.operation',
    period: true,
    defaultPeriod: 'last12',
    groupings: ['month', 'type', 'brand', 'model', 'region', 'org', 'vendor'],
    defaultGroupBy: ['month', 'type', 'brand', 'model'],
    deviceFilters: true,
    staffFilter: false,
    ticketTypes: [],
    measures: [
      { key: 'devices', fmt: 'count', width: 90 },
      { key: 'fault_hours', fmt: 'hours', width: 120 },
      { key: 'avg_fault_hours_per_device', fmt: 'ratio', width: 120 },
      { key: 'faults', fmt: 'count', width: 100 },
      { key: 'avg_faults_per_device', fmt: 'ratio', width: 120 },
      { key: 'avg_fault_hours', fmt: 'hours', width: 120 },
      { key: 'avg_repair_hours', fmt: 'hours', width: 120 },
      { key: 'availability', fmt: 'percent', width: 100 },
    ],
    kpis: [
      { key: 'devices', fmt: 'count' },
      { key: 'faults', fmt: 'count' },
      { key: 'fault_hours', fmt: 'hours' },
      { key: 'avg_faults_per_device', fmt: 'ratio' },
      { key: 'avg_fault_hours_per_device', fmt: 'ratio' },
      { key: 'availability', fmt: 'percent' },
    ],
    chart: { bars: [{ key: 'faults' }], line: { key: 'avg_fault_hours_per_device', num: 'fault_hours', den: 'devices' } },
    ticketDrill: { faults: { type: 'repair', device: true } },
    deviceDrill: { devices: { installedBy: true } },
  },
  maintenance: {
    kind: 'maintenance',
    route: 'report-maintenance',
    titleKey: 'reports.titles.maintenance',
    hintKey: 'reports.hints.maintenance',
    period: true,
    defaultPeriod: 'last12',
    groupings: ['month', 'type', 'brand', 'model', 'region', 'org', 'vendor'],
    defaultGroupBy: ['month', 'type', 'brand', 'model'],
    deviceFilters: true,
    staffFilter: false,
    ticketTypes: [],
    // the seed's columns of 设备运行 for maintenance (as the API's .xlsx names them), then the rest
    measures: [
      { key: 'devices', fmt: 'count', width: 90 },
      { key: 'maintenance_hours', fmt: 'hours', width: 120 },
      { key: 'avg_maintenance_hours_per_device', fmt: 'ratio', width: 130 },
      { key: 'maintenances', fmt: 'count', width: 100 },
      { key: 'avg_maintenances_per_device', fmt: 'ratio', width: 120 },
      { key: 'reported', fmt: 'count', width: 90 },
      { key: 'open', fmt: 'count', width: 90 },
      { key: 'completion_rate', fmt: 'percent', width: 100 },
      { key: 'avg_maintenance_hours', fmt: 'hours', width: 130 },
      { key: 'avg_response_hours', fmt: 'hours', width: 120 },
      { key: 'avg_travel_hours', fmt: 'hours', width: 120 },
      { key: 'avg_repair_hours', fmt: 'hours', width: 120 },
    ],
    kpis: [
      { key: 'devices', fmt: 'count' },
      { key: 'maintenances', fmt: 'count' },
      { key: 'maintenance_hours', fmt: 'hours' },
      { key: 'avg_maintenances_per_device', fmt: 'ratio' },
      { key: 'avg_maintenance_hours_per_device', fmt: 'ratio' },
      { key: 'completion_rate', fmt: 'percent' },
    ],
    chart: {
      bars: [
        { key: 'maintenances', stack: 'done', color: '#67C23A' },
        { key: 'open', stack: 'done', color: '#E6A23C' },
      ],
      line: { key: 'avg_maintenance_hours_per_device', num: 'maintenance_hours', den: 'devices' },
    },
    // the API calls the fault tickets reported in the period faults; the seed's column is 报修次数
    flatten: (item) => ({ ...item, reported: item.faults ?? null }),
    ticketDrill: {
      reported: { type: 'repair', device: true },
      maintenances: { type: 'repair', device: true, done: true },
      open: { type: 'repair', device: true, done: false },
    },
    deviceDrill: { devices: { installedBy: true } },
  },
  'service-time': {
    kind: 'service-time',
    route: 'report-service-time',
    titleKey: 'reports.titles.serviceTime',
    hintKey: 'reports.hints.serviceTime',
    period: true,
    groupings: TICKET_DIMS,
    defaultGroupBy: ['vendor'],
    deviceFilters: true,
    staffFilter: true,
    ticketTypes: ['repair', 'after_sales', 'consultation', 'complaint', 'suggestion', 'follow_up'],
    measures: TIME_MEASURES,
    kpis: [
      { key: 'tickets', fmt: 'count' },
      { key: 'work_hours', fmt: 'hours' },
      { key: 'avg_fault_hours', fmt: 'hours' },
      { key: 'avg_travel_hours', fmt: 'hours' },
      { key: 'avg_distance_km', fmt: 'km' },
      { key: 'avg_repair_hours', fmt: 'hours' },
      { key: 'overload_days', fmt: 'count' },
    ],
    chart: { bars: [{ key: 'work_hours' }, { key: 'fault_hours' }, { key: 'travel_hours' }, { key: 'repair_hours' }] },
    knobs: ['overload_hours'],
    ticketDrill: { tickets: { vendor: true }, resolved: { vendor: true, done: true } },
  },
  manpower: {
    kind: 'manpower',
    route: 'report-manpower',
    titleKey: 'reports.titles.manpower',
    hintKey: 'reports.hints.manpower',
    period: true,
    groupings: ['station', 'engineer', 'vendor'],
    defaultGroupBy: ['station'],
    deviceFilters: true,
    staffFilter: true,
    ticketTypes: ['repair', 'after_sales', 'consultation', 'complaint', 'suggestion', 'follow_up'],
    measures: [
      { key: 'tickets', fmt: 'count', width: 90 },
      { key: 'resolved', fmt: 'count', width: 90 },
      { key: 'open_now', fmt: 'count', width: 100 },
      { key: 'engineers', fmt: 'count', width: 90 },
      { key: 'tickets_per_engineer_day', fmt: 'ratio', width: 130 },
      { key: 'work_hours', fmt: 'hours', width: 120 },
      { key: 'avg_fault_hours', fmt: 'hours', width: 120 },
      { key: 'travel_hours', fmt: 'hours', width: 120 },
      { key: 'avg_travel_hours', fmt: 'hours', width: 120 },
      { key: 'distance_km', fmt: 'km', width: 120 },
      { key: 'avg_distance_km', fmt: 'km', width: 120 },
      { key: 'repair_hours', fmt: 'hours', width: 120 },
      { key: 'avg_repair_hours', fmt: 'hours', width: 120 },
      { key: 'overload_days', fmt: 'count', width: 110 },
      { key: 'overloaded_engineers', fmt: 'count', width: 120 },
    ],
    kpis: [
      { key: 'tickets', fmt: 'count' },
      { key: 'engineers', fmt: 'count' },
      { key: 'open_now', fmt: 'count' },
      { key: 'tickets_per_engineer_day', fmt: 'ratio' },
      { key: 'work_hours', fmt: 'hours' },
      { key: 'overloaded_engineers', fmt: 'count' },
    ],
    chart: { bars: [{ key: 'tickets' }, { key: 'open_now' }], line: { key: 'work_hours_per_engineer', num: 'work_hours', den: 'engineers' } },
    knobs: ['overload_hours', 'overload_open'],
    flag: 'overloaded',
    ticketDrill: { tickets: { vendor: true }, resolved: { vendor: true, done: true } },
  },
  abnormal: {
    kind: 'abnormal',
    route: 'report-abnormal',
    titleKey: 'reports.titles.abnormal',
    hintKey: 'reports.hints.abnormal',
    period: true,
    groupings: [],
    defaultGroupBy: [],
    deviceFilters: true,
    staffFilter: true,
    ticketTypes: [],
    measures: [
      { key: 'repairs', fmt: 'count', width: 90 },
      { key: 'fault_hours', fmt: 'hours', width: 110 },
      { key: 'max_fault_hours', fmt: 'hours', width: 120 },
      { key: 'repair_hours', fmt: 'hours', width: 110 },
      { key: 'max_repair_hours', fmt: 'hours', width: 120 },
      { key: 'waiting_parts_hours', fmt: 'hours', width: 110 },
      { key: 'waiting_customer_hours', fmt: 'hours', width: 140 },
      { key: 'sent_for_repair_hours', fmt: 'hours', width: 110 },
    ],
    kpis: [],
    chart: { bars: [{ key: 'repairs' }] },
  },
  faults: {
    kind: 'faults',
    route: 'report-faults',
    titleKey: 'reports.titles.faults',
    hintKey: 'reports.hints.faults',
    period: true,
    groupings: ['category', 'type', 'brand', 'model', 'region', 'org', 'vendor', 'month'],
    defaultGroupBy: ['category', 'model'],
    deviceFilters: true,
    staffFilter: false,
    ticketTypes: [],
    measures: [
      { key: 'faults', fmt: 'count', width: 100 },
      { key: 'fault_hours', fmt: 'hours', width: 120 },
      { key: 'devices', fmt: 'count', width: 90 },
      { key: 'avg_faults_per_device', fmt: 'ratio', width: 120 },
    ],
    kpis: [
      { key: 'faults', fmt: 'count' },
      { key: 'fault_hours', fmt: 'hours' },
      { key: 'devices', fmt: 'count' },
      { key: 'avg_faults_per_device', fmt: 'ratio' },
    ],
    chart: { bars: [{ key: 'faults' }] },
    ticketDrill: { faults: { type: 'repair', device: true } },
    deviceDrill: { devices: { inUse: true } },
  },
  complaints: {
    kind: 'complaints',
    route: 'report-complaints',
    titleKey: 'reports.titles.complaints',
    hintKey: 'reports.hints.complaints',
    period: true,
    groupings: ['org', 'vendor', 'station', 'month', 'day', 'ticket_type', 'status', 'region'],
    defaultGroupBy: ['org'],
    deviceFilters: false,
    staffFilter: false,
    ticketTypes: ['complaint', 'suggestion'],
    measures: [
      { key: 'tickets', fmt: 'count', width: 90 },
      { key: 'complaints', fmt: 'count', width: 90 },
      { key: 'suggestions', fmt: 'count', width: 90 },
      { key: 'open', fmt: 'count', width: 90 },
      { key: 'resolved', fmt: 'count', width: 90 },
      { key: 'handle_hours', fmt: 'hours', width: 120 },
      { key: 'avg_handle_hours', fmt: 'hours', width: 120 },
    ],
    kpis: [
      { key: 'tickets', fmt: 'count' },
      { key: 'complaints', fmt: 'count' },
      { key: 'suggestions', fmt: 'count' },
      { key: 'open', fmt: 'count' },
      { key: 'avg_handle_hours', fmt: 'hours' },
    ],
    chart: {
      bars: [
        { key: 'complaints', stack: 'kind', color: '#F56C6C' },
        { key: 'suggestions', stack: 'kind', color: '#409EFF' },
      ],
      line: { key: 'avg_handle_hours', num: 'handle_hours', den: 'resolved' },
    },
    ticketDrill: {
      complaints: { type: 'complaint' },
      suggestions: { type: 'suggestion' },
      // both types together are no one list: these open once a type is chosen or grouped by
      tickets: { oneOf: ['complaint', 'suggestion'] },
      open: { oneOf: ['complaint', 'suggestion'], done: false },
      resolved: { oneOf: ['complaint', 'suggestion'], done: true },
    },
  },
  survey: {
    kind: 'survey',
    route: 'report-survey',
    titleKey: 'reports.titles.survey',
    hintKey: 'reports.hints.survey',
    period: true,
    defaultPeriod: 'last12',
    groupings: ['month', 'vendor', 'region', 'type', 'brand', 'model', 'org', 'station', 'engineer', 'ticket_type'],
    defaultGroupBy: ['month', 'vendor'],
    deviceFilters: true,
    staffFilter: true,
    ticketTypes: ['repair', 'after_sales', 'consultation', 'complaint', 'suggestion', 'follow_up'],
    measures: [
      { key: 'n', fmt: 'count', width: 90 },
      { key: 'satisfied', fmt: 'count', width: 90 },
      { key: 'rate', fmt: 'percent', width: 100 },
      { key: 'wilson_lower', fmt: 'percent', width: 110 },
      { key: 'wilson_upper', fmt: 'percent', width: 110 },
    ],
    kpis: [
      { key: 'n', fmt: 'count' },
      { key: 'satisfied', fmt: 'count' },
      { key: 'rate', fmt: 'percent' },
      { key: 'wilson_lower', fmt: 'percent' },
    ],
    chart: { bars: [], line: { key: 'rate', num: 'satisfied', den: 'n', percent: true } },
    levels: true,
    flatten: flattenLevels,
    ratingDrill: ['n', 'satisfied'],
  },
  sla: {
    kind: 'sla',
    route: 'report-sla',
    titleKey: 'reports.titles.sla',
    hintKey: 'reports.hints.sla',
    period: true,
    groupings: ['policy', 'org', 'region', 'vendor', 'station', 'engineer', 'month', 'ticket_type'],
    defaultGroupBy: ['policy'],
    deviceFilters: true,
    staffFilter: true,
    ticketTypes: ['repair', 'after_sales', 'consultation', 'complaint', 'suggestion', 'follow_up'],
    measures: [
      { key: 'tickets', fmt: 'count', width: 90 },
      { key: 'met', fmt: 'count', width: 90 },
      { key: 'breached', fmt: 'count', width: 90 },
      { key: 'sla_rate', fmt: 'percent', width: 100 },
      { key: 'fr_rate', fmt: 'percent', width: 120 },
      { key: 'fr_breached', fmt: 'count', width: 120 },
      { key: 'ar_rate', fmt: 'percent', width: 120 },
      { key: 'ar_breached', fmt: 'count', width: 120 },
      { key: 'rs_rate', fmt: 'percent', width: 120 },
      { key: 'rs_breached', fmt: 'count', width: 120 },
      { key: 'rs_open', fmt: 'count', width: 120 },
    ],
    kpis: [
      { key: 'tickets', fmt: 'count' },
      { key: 'sla_rate', fmt: 'percent' },
      { key: 'fr_rate', fmt: 'percent' },
      { key: 'ar_rate', fmt: 'percent' },
      { key: 'rs_rate', fmt: 'percent' },
      { key: 'breached', fmt: 'count' },
    ],
    chart: {
      bars: [
        { key: 'met', stack: 'sla', color: '#67C23A' },
        { key: 'breached', stack: 'sla', color: '#F56C6C' },
      ],
      line: { key: 'sla_rate', num: 'met', den: 'sla_decided', percent: true },
    },
    flatten: (item) => ({ ...flattenSla(item), sla_rate: item.rate ?? null, sla_decided: Number(item.met ?? 0) + Number(item.breached ?? 0) }),
    ticketDrill: { tickets: { sla: true } },
  },
  devices: {
    kind: 'devices',
    route: 'report-devices',
    titleKey: 'reports.titles.devices',
    hintKey: 'reports.hints.devices',
    period: false,
    groupings: ['type', 'brand', 'model', 'region', 'org', 'vendor', 'station', 'status'],
    defaultGroupBy: ['type', 'brand', 'model'],
    deviceFilters: true,
    staffFilter: false,
    ticketTypes: [],
    measures: [
      { key: 'devices', fmt: 'count', width: 90 },
      { key: 'in_service', fmt: 'count', width: 90 },
      { key: 'faulty', fmt: 'count', width: 90 },
      { key: 'retired', fmt: 'count', width: 90 },
      { key: 'in_warranty', fmt: 'count', width: 100 },
      { key: 'out_of_warranty', fmt: 'count', width: 100 },
    ],
    kpis: [
      { key: 'devices', fmt: 'count' },
      { key: 'in_service', fmt: 'count' },
      { key: 'faulty', fmt: 'count' },
      { key: 'retired', fmt: 'count' },
      { key: 'out_of_warranty', fmt: 'count' },
    ],
    chart: {
      bars: [
        { key: 'in_service', stack: 'status', color: '#67C23A' },
        { key: 'faulty', stack: 'status', color: '#F56C6C' },
        { key: 'retired', stack: 'status', color: '#909399' },
      ],
    },
    deviceDrill: {
      devices: {},
      in_service: { status: 'in_service' },
      faulty: { status: 'faulty' },
      retired: { status: 'retired' },
      in_warranty: { warranty: 'in' },
      out_of_warranty: { warranty: 'out' },
    },
  },
}

/** The report pages in menu order. */
export const REPORT_ORDER: readonly ReportKind[] = ['operation', 'maintenance', 'service-time', 'manpower', 'abnormal', 'faults', 'complaints', 'survey', 'sla', 'devices']

/** Dimensions whose cells drill down: clicking sets this filter to the row's key. */
export const DRILL_FILTERS: Record<string, 'org_id' | 'vendor_org_id'> = { org: 'org_id', vendor: 'vendor_org_id', station: 'vendor_org_id' }
