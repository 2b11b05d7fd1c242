// Saved views (/saved-views): a named filter of a list, kept per user on the server as the
// list's URL query string. The ticket list writes its filter into the address bar in the same
// form, so a saved view, a bookmark and a shared link are one thing.
import { emptyTicketFilter, PRIORITIES, type Priority, type TicketFilter } from './tickets'
import { http } from './http'

export type ViewKind = 'tickets' | 'customers' | 'assets' | 'ratings'

export interface SavedView {
  id: number
  kind: ViewKind | (string & {})
  name: string
  /** The list's query string without "?", e.g. "status=new&priority=high". */
  query: string
  created_at: string
}

export const viewsApi = {
  list: (kind: ViewKind) => http.get<{ items: SavedView[]; total: number }>('/saved-views', { kind }),
  /** Saves under a name; the same kind and name replaces the older view. */
  save: (body: { kind: ViewKind; name: string; query: string }) => http.post<SavedView>('/saved-views', body),
  remove: (id: number) => http.del(`/saved-views/${id}`),
}

/** Longest view name the UI lets one type. */
export const VIEW_NAME_MAX = 50

/** Query values as vue-router hands them over (LocationQuery) or as plain strings. */
export type QueryInput = string | URLSearchParams | Record<string, string | null | undefined | (string | null)[]>

const ID_KEYS = ['org_id', 'assignee_id', 'station_id', 'vendor_org_id', 'asset_id', 'customer_id'] as const
const DAY = /^\d{4}-\d{2}-\d{2}$/
/** Text filters a report figure opens the list with (drill-through). */
export const DRILL_KEYS = ['asset_type', 'asset_brand', 'asset_model', 'region', 'sla_policy_id'] as const
/** A custom field key as the server accepts it (custom.<key>=value). */
export const FIELD_KEY = /^[a-z][a-z0-9_]{0,39}$/

/**
 * The ticket filter as a query object in a fixed key order (empty values left out), the form
 * the list puts in the address bar. Creation days stay days (YYYY-MM-DD).
 */
export function ticketFilterToQuery(f: Partial<TicketFilter>): Record<string, string> {
  const out: Record<string, string> = {}
  const q = f.q?.trim()
  if (q) out.q = q
  if (f.status) out.status = f.status
  if (f.type) out.type = f.type
  if (f.priority) out.priority = f.priority
  for (const k of ID_KEYS) {
    const v = f[k]
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) out[k] = String(v)
  }
  if (f.unassigned) out.unassigned = 'true'
  if (f.created?.[0] && f.created[1] && DAY.test(f.created[0]) && DAY.test(f.created[1])) {
    out.created_from = f.created[0]
    out.created_to = f.created[1]
  }
  for (const k of DRILL_KEYS) {
    const v = f[k]?.trim()
    if (v) out[k] = v
  }
  if (typeof f.category_id === 'number' && Number.isInteger(f.category_id) && f.category_id > 0) out.category_id = String(f.category_id)
  if (f.done === 'true' || f.done === 'false') out.done = f.done
  // custom field filters last, by key
  for (const k of Object.keys(f.custom ?? {}).sort()) {
    const v = f.custom?.[k]?.trim()
    if (FIELD_KEY.test(k) && v) out[`custom.${k}`] = v
  }
  return out
}

/** The ticket filter as a query string ("" for no filter). */
export function ticketFilterToQueryString(f: Partial<TicketFilter>): string {
  return new URLSearchParams(ticketFilterToQuery(f)).toString()
}

function first(v: string | null | undefined | (string | null)[]): string {
  if (Array.isArray(v)) return v.find((x) => typeof x === 'string') ?? ''
  return typeof v === 'string' ? v : ''
}

function toRecord(input: QueryInput): Record<string, string> {
  const out: Record<string, string> = {}
  if (typeof input === 'string' || input instanceof URLSearchParams) {
    const params = typeof input === 'string' ? new URLSearchParams(input.replace(/^\?/, '')) : input
    for (const [k, v] of params) if (!(k in out)) out[k] = v
    return out
  }
  for (const [k, v] of Object.entries(input)) out[k] = first(v)
  return out
}

/**
 * A ticket filter from a query string or a route's query; unknown keys and malformed values
 * (ids that are not positive integers, unknown priorities, bad days) are ignored.
 */
export function ticketFilterFromQuery(input: QueryInput): TicketFilter {
  const r = toRecord(input)
  const f = emptyTicketFilter()
  f.q = (r.q ?? '').trim()
  f.status = (r.status ?? '').trim()
  f.type = (r.type ?? '').trim()
  if ((PRIORITIES as readonly string[]).includes(r.priority ?? '')) f.priority = r.priority as Priority
  for (const k of ID_KEYS) {
    const s = r[k] ?? ''
    if (/^[1-9]\d{0,15}$/.test(s)) f[k] = Number(s)
  }
  f.unassigned = r.unassigned === 'true' || r.unassigned === '1'
  const from = r.created_from ?? ''
  const to = r.created_to ?? ''
  if (DAY.test(from) && DAY.test(to)) f.created = from <= to ? [from, to] : [to, from]
  for (const k of DRILL_KEYS) f[k] = (r[k] ?? '').trim()
  if (f.sla_policy_id !== 'any' && !/^[1-9]\d{0,15}$/.test(f.sla_policy_id ?? '')) f.sla_policy_id = ''
  if (/^[1-9]\d{0,15}$/.test(r.category_id ?? '')) f.category_id = Number(r.category_id)
  if (r.done === 'true' || r.done === 'false') f.done = r.done
  const custom: Record<string, string> = {}
  for (const [name, v] of Object.entries(r)) {
    const k = name.startsWith('custom.') ? name.slice(7) : ''
    if (FIELD_KEY.test(k) && v.trim()) custom[k] = v.trim()
  }
  f.custom = custom
  return f
}

/** Do two query inputs name the same ticket filter? */
export function sameTicketFilter(a: QueryInput, b: QueryInput): boolean {
  return ticketFilterToQueryString(ticketFilterFromQuery(a)) === ticketFilterToQueryString(ticketFilterFromQuery(b))
}

/** Saved views sorted by name (Chinese collation), for the picker. */
export function sortViews<T extends Pick<SavedView, 'name'>>(views: readonly T[]): T[] {
  return [...views].sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
}
