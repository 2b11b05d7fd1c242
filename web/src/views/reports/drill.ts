// What a report figure opens: the ticket list or the device list with the report's filters and
// the row's keys as the list's own query, so the list counts exactly what the cell showed
// (docs/api/analytics.md "Drill-through filters of the lists"). null: the list cannot filter by
// something the figure depends on (a SLA policy, an unspecified region, two ticket types, …).

/** The report filters a drill carries (ReportFilter without the groupings). */
export interface DrillFilter {
  from: string
  to: string
  org_id: number | null
  vendor_org_id: number | null
  staff_id: number | null
  type: string
  brand: string
  model: string
  ticket_type: string
}

/** The tickets behind a figure: of this ticket type, done (resolved or closed) or not. */
export interface TicketDrill {
  type?: string
  done?: boolean
  /** The figure counts tickets of these types: it opens the list only once the report's filter or the row fixes one of them. */
  oneOf?: readonly string[]
  /** The figure counts tickets serviced by a vendor (服务时长, 人力分析): it opens the list only once a vendor or station is fixed. */
  vendor?: boolean
  /** The figure counts tickets on a device (运行情况, 维护情况, 故障分析): it opens the list only once the device's type, brand or model is fixed. */
  device?: boolean
  /** The figure counts tickets under an SLA policy (SLA 达标): the row's policy, else any. */
  sla?: boolean
}

/**
 * The devices behind a figure: in this status, in or out of warranty today (机具分布), or the
 * devices 运行情况 / 维护情况 count in a month (not retired, installed by the month's end: the
 * row's month, else the period's last month); inUse alone is 故障分析's running devices.
 */
export interface DeviceDrill {
  status?: string
  warranty?: 'in' | 'out'
  inUse?: boolean
  installedBy?: boolean
}

/** Report groupings and the ticket list's filter each narrows to. */
const TICKET_LIST_KEYS: Record<string, string> = {
  org: 'org_id',
  vendor: 'vendor_org_id',
  station: 'station_id',
  engineer: 'assignee_id',
  ticket_type: 'type',
  status: 'status',
  type: 'asset_type',
  brand: 'asset_brand',
  model: 'asset_model',
  region: 'region',
  category: 'category_id',
  policy: 'sla_policy_id',
}

const MONTH = /^\d{4}-\d{2}$/
const DAY = /^\d{4}-\d{2}-\d{2}$/

/** The last day of a month YYYY-MM. */
function monthEnd(m: string): string {
  return new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).toISOString().slice(0, 10)
}

/**
 * The ticket list behind a figure: the period as created days (a month or a day of the row narrows
 * it), the org, vendor, engineer, device and ticket type filters and the row's keys.
 */
export function ticketListQuery(f: DrillFilter, dims: readonly string[], keys: Record<string, string>, drill: TicketDrill = {}): Record<string, string> | null {
  const q: Record<string, string> = {}
  if (f.from && f.to) Object.assign(q, { created_from: f.from, created_to: f.to })
  if (f.org_id != null) q.org_id = String(f.org_id)
  if (f.vendor_org_id != null) q.vendor_org_id = String(f.vendor_org_id)
  if (f.staff_id != null) q.assignee_id = String(f.staff_id)
  if (f.type) q.asset_type = f.type
  if (f.brand) q.asset_brand = f.brand
  if (f.model) q.asset_model = f.model
  if (f.ticket_type) q.type = f.ticket_type
  if (drill.type) {
    if (q.type && q.type !== drill.type) return null
    q.type = drill.type
  }
  if (drill.done != null) q.done = String(drill.done)
  for (const d of dims) {
    const k = keys[d] ?? ''
    if ((d === 'month' && MONTH.test(k)) || (d === 'day' && DAY.test(k))) {
      const [from, to] = d === 'month' ? [`${k}-01`, monthEnd(k)] : [k, k]
      Object.assign(q, { created_from: from > (q.created_from ?? '') ? from : q.created_from!, created_to: to < (q.created_to ?? '9999') ? to : q.created_to! })
      continue
    }
    const param = TICKET_LIST_KEYS[d]
    if (!param || k === '') return null
    if (q[param] && q[param] !== k) return null
    q[param] = k
  }
  if (drill.oneOf && !drill.oneOf.includes(q.type ?? '')) return null
  if (drill.vendor && !q.vendor_org_id && !q.station_id) return null
  if (drill.device && !q.asset_type && !q.asset_brand && !q.asset_model) return null
  if (drill.sla && !q.sla_policy_id) q.sla_policy_id = 'any'
  return q
}

/** Report groupings that narrow devices and the device list's filter for each. */
const DEVICE_LIST_KEYS: Record<string, string> = {
  type: 'type',
  brand: 'brand',
  model: 'model',
  region: 'region',
  org: 'org_id',
  vendor: 'vendor_org_id',
  station: 'station_id',
  status: 'status',
}

/**
 * The device list behind a device count: the report's org, vendor and device filters and the
 * row's device groupings; groupings that do not narrow devices (fault category) are left out.
 */
export function deviceListQuery(f: DrillFilter, dims: readonly string[], keys: Record<string, string>, drill: DeviceDrill = {}): Record<string, string> | null {
  const q: Record<string, string> = {}
  if (f.type) q.type = f.type
  if (f.brand) q.brand = f.brand
  if (f.model) q.model = f.model
  if (f.org_id != null) q.org_id = String(f.org_id)
  if (f.vendor_org_id != null) q.vendor_org_id = String(f.vendor_org_id)
  if (drill.status) q.status = drill.status
  if (drill.warranty) q.warranty = drill.warranty
  if (drill.inUse || drill.installedBy) q.in_use = 'true'
  if (drill.installedBy) {
    const month = dims.includes('month') ? (keys.month ?? '') : f.to.slice(0, 7)
    if (!MONTH.test(month)) return null
    q.installed_by = month
  }
  for (const d of dims) {
    const param = DEVICE_LIST_KEYS[d]
    if (!param) continue
    const k = keys[d] ?? ''
    if (k === '') return null
    if (q[param] && q[param] !== k) return null
    q[param] = k
  }
  return q
}

/** Sample keys of a row with these groupings (does a column drill at all?). */
export function probeKeys(dims: readonly string[], ticketType = 'repair'): Record<string, string> {
  return Object.fromEntries(dims.map((d) => [d, d === 'month' ? '2000-01' : d === 'day' ? '2000-01-01' : d === 'ticket_type' ? ticketType : '1']))
}
