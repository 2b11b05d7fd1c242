// Numbers, group labels, periods, org pickers and the filter ↔ address query of the report pages.
// Pure: no Vue, no i18n (labels are passed in), so the unit tests pin them down.
import type { Org } from '../../api/orgs'
import type { GroupItem, ReportExtras, ReportFilter } from '../../api/reports'
import { emptyReportFilter } from '../../api/reports'

/** Shown for a figure without a value (an average of nothing). */
export const DASH = '—'

/** How a figure is written. */
export type Fmt = 'count' | 'hours' | 'km' | 'ratio' | 'percent' | 'bool'

function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

/** 1234.5 → "1,234.5" with at most digits decimals; null → "—". */
export function formatNumber(v: unknown, digits = 2): string {
  if (!finite(v)) return DASH
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 })
}

/** A whole number: 1234 → "1,234". */
export function formatCount(v: unknown): string {
  if (!finite(v)) return DASH
  return Math.round(v).toLocaleString('en-US')
}

/** A share 0..1: 0.99642 → "99.64%". */
export function formatShare(v: unknown, digits = 2): string {
  if (!finite(v)) return DASH
  return `${(v * 100).toFixed(digits)}%`
}

/** A figure written as its format says; booleans are labelled by the caller (yes/no). */
export function formatValue(v: unknown, fmt: Fmt, yesNo: [string, string] = ['✓', '']): string {
  switch (fmt) {
    case 'count':
      return formatCount(v)
    case 'percent':
      return formatShare(v)
    case 'bool':
      return v === true ? yesNo[0] : v === false ? yesNo[1] : DASH
    default:
      return formatNumber(v, 2)
  }
}

/** Is a grouping a period (the chart's x axis)? */
export function isTimeDim(dim: string): boolean {
  return dim === 'month' || dim === 'day'
}

/** The names of an item's groupings joined: "ATM / NCR / SelfServ 22". */
export function groupLabel(item: Pick<GroupItem, 'labels' | 'keys'>, dims: readonly string[], sep = ' / '): string {
  return dims.map((d) => item.labels?.[d] || item.keys?.[d] || DASH).join(sep)
}

/** The cells of the 合计 row: the label (under 序号), blanks under the grouping columns, then the figures. */
export function totalsRow(
  totals: Record<string, unknown> | null | undefined,
  dims: readonly string[],
  measures: readonly { key: string; fmt: Fmt }[],
  label: string,
  yesNo?: [string, string],
): string[] {
  return [label, ...dims.map(() => ''), ...measures.map((m) => (totals ? formatValue(totals[m.key], m.fmt, yesNo) : ''))]
}

/** A date-time as local Asia/Shanghai "YYYY-MM-DD HH:mm". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH
  const t = Date.parse(iso)
  if (Number.isNaN(t)) return iso
  return new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ')
}

// ---- periods ---------------------------------------------------------------------------------

/** The last n days up to today (today included). */
export function lastDays(today: string, n: number): { from: string; to: string } {
  const t = Date.UTC(Number(today.slice(0, 4)), Number(today.slice(5, 7)) - 1, Number(today.slice(8, 10)))
  return { from: new Date(t - (n - 1) * 86_400_000).toISOString().slice(0, 10), to: today }
}

/** A YYYY-MM-DD day as a local Date (the date picker's shortcuts want dates). */
export function dayDate(s: string): Date {
  return new Date(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1, Number(s.slice(8, 10)))
}

// ---- org pickers -----------------------------------------------------------------------------

const VENDOR_KINDS = new Set(['vendor', 'station'])

function prune(nodes: readonly Org[], keep: (o: Org) => boolean): Org[] {
  const out: Org[] = []
  for (const o of nodes) {
    if (!keep(o)) continue
    out.push({ ...o, children: o.children ? prune(o.children, keep) : o.children })
  }
  return out
}

function vendorRoots(nodes: readonly Org[]): Org[] {
  const out: Org[] = []
  for (const o of nodes) {
    if (VENDOR_KINDS.has(o.kind)) out.push(o)
    else if (o.children) out.push(...vendorRoots(o.children))
  }
  return out
}

/**
 * The visible org tree split for the two filters: the client side (the bank's orgs; org_id) and the
 * vendor side (vendor companies and their service stations; vendor_org_id). The service centre's
 * own orgs are in neither: tickets are filed under a client org and serviced by a vendor.
 */
export function splitOrgTree(tree: readonly Org[]): { clients: Org[]; vendors: Org[] } {
  return {
    clients: prune(tree, (o) => !VENDOR_KINDS.has(o.kind) && o.kind !== 'operator'),
    vendors: vendorRoots(tree),
  }
}

// ---- the address query -----------------------------------------------------------------------

type RouteQuery = Record<string, string | null | (string | null)[] | undefined>

function one(v: RouteQuery[string]): string {
  const s = Array.isArray(v) ? v[0] : v
  return typeof s === 'string' ? s.trim() : ''
}

function id(v: RouteQuery[string]): number | null {
  const n = Number(one(v))
  return Number.isInteger(n) && n > 0 ? n : null
}

function day(v: RouteQuery[string]): string {
  const s = one(v)
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : ''
}

/**
 * The filters a page starts with: its defaults, overridden by what the address carries (a
 * dashboard tile or a shared link). Groupings outside allowed are dropped.
 */
export function filterFromQuery(q: RouteQuery, defaults: ReportFilter, allowed: readonly string[]): ReportFilter {
  const f: ReportFilter = { ...emptyReportFilter(), ...defaults, group_by: [...defaults.group_by] }
  const from = day(q.from)
  const to = day(q.to)
  if (from && to && from <= to) Object.assign(f, { from, to })
  for (const k of ['org_id', 'vendor_org_id'] as const) {
    const v = id(q[k])
    if (v != null) f[k] = v
  }
  for (const k of ['type', 'brand', 'model', 'ticket_type'] as const) {
    const v = one(q[k])
    if (v) f[k] = v
  }
  const groups = one(q.group_by)
    .split(',')
    .map((s) => s.trim())
    .filter((s, i, all) => s && allowed.includes(s) && all.indexOf(s) === i)
    .slice(0, 4)
  if (groups.length) f.group_by = groups
  return f
}

/** The address query of a filter (empty values left out); what a page puts in the address bar. */
export function filterToQuery(f: Partial<ReportFilter>, extras: ReportExtras = {}): Record<string, string> {
  const out: Record<string, string> = {}
  if (f.from && f.to) Object.assign(out, { from: f.from, to: f.to })
  if (f.org_id != null) out.org_id = String(f.org_id)
  if (f.vendor_org_id != null) out.vendor_org_id = String(f.vendor_org_id)
  for (const k of ['type', 'brand', 'model', 'ticket_type'] as const) if (f[k]) out[k] = String(f[k])
  if (f.group_by?.length) out.group_by = f.group_by.join(',')
  for (const [k, v] of Object.entries(extras)) if (v !== undefined && v !== null && v !== '') out[k] = String(v)
  return out
}

// ---- device choices --------------------------------------------------------------------------

/** One type/brand/model combination of the device archive. */
export interface DeviceCombo {
  type: string
  brand: string
  model: string
}

/** The distinct values of one property among the combinations matching the choices made so far. */
export function deviceChoices(combos: readonly DeviceCombo[], field: keyof DeviceCombo, chosen: Partial<DeviceCombo>): string[] {
  const set = new Set<string>()
  for (const c of combos) {
    if (field !== 'type' && chosen.type && c.type !== chosen.type) continue
    if (field === 'model' && chosen.brand && c.brand !== chosen.brand) continue
    if (c[field]) set.add(c[field])
  }
  return [...set].sort()
}
