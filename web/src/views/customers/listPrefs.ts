// The customer list's preferences kept in the browser (localStorage, per user):
// the chosen table columns and named filter sets. Pure apart from the storage passed in.
import { CUSTOMER_KINDS, CUSTOMER_STATUSES, emptyCustomerFilter, type CustomerFilter } from '../../api/customers'

/** What the helpers need of localStorage (tests pass a Map-backed fake). */
export type PrefStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/** localStorage, or null where it is unavailable (privacy mode). */
export function browserStorage(): PrefStorage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null
  }
}

function read(storage: PrefStorage | null, key: string): unknown {
  if (!storage) return undefined
  try {
    const raw = storage.getItem(key)
    return raw ? JSON.parse(raw) : undefined
  } catch {
    return undefined
  }
}

function write(storage: PrefStorage | null, key: string, value: unknown): void {
  if (!storage) return
  try {
    storage.setItem(key, JSON.stringify(value))
  } catch {
    // quota or privacy mode: the preference lasts for this page only
  }
}

// --- columns ---

/** Optional columns of the customer table, in display order (the name column is always shown). */
export const CUSTOMER_COLUMNS = [
  'code',
  'kind',
  'phone',
  'id_number',
  'grade',
  'status',
  'org',
  'manager',
  'tags',
  'source',
  'region',
  'email',
  'address',
  'updated_at',
  'created_at',
] as const
export type CustomerColumn = (typeof CUSTOMER_COLUMNS)[number]

export const DEFAULT_COLUMNS: readonly CustomerColumn[] = ['code', 'phone', 'grade', 'status', 'org', 'manager', 'tags', 'updated_at']

export const columnsKey = (userId: number | string | undefined) => `lingting.customers.columns.${userId ?? 'anon'}`
export const filtersKey = (userId: number | string | undefined) => `lingting.customers.filters.${userId ?? 'anon'}`

/** Known columns of cols, in display order, without repeats. */
export function normalizeColumns(cols: readonly unknown[]): CustomerColumn[] {
  const wanted = new Set(cols)
  return CUSTOMER_COLUMNS.filter((c) => wanted.has(c))
}

/** The stored column choice, or the defaults when nothing (valid) is stored. */
export function loadColumns(storage: PrefStorage | null, key: string): CustomerColumn[] {
  const v = read(storage, key)
  if (!Array.isArray(v)) return [...DEFAULT_COLUMNS]
  return normalizeColumns(v)
}

export function saveColumns(storage: PrefStorage | null, key: string, cols: readonly CustomerColumn[]): void {
  write(storage, key, normalizeColumns(cols))
}

// --- saved filter sets ---

/** A named set of filters; manager_name labels the manager picker when the set is applied. */
export interface SavedFilter {
  name: string
  filter: CustomerFilter
  manager_name?: string
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const id = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null)

/** A filter rebuilt from anything stored: unknown keys dropped, wrong types reset to "any". */
export function sanitizeFilter(v: unknown): CustomerFilter {
  const f = emptyCustomerFilter()
  if (!v || typeof v !== 'object') return f
  const o = v as Record<string, unknown>
  f.q = str(o.q)
  f.org_id = id(o.org_id)
  f.grade = str(o.grade)
  f.status = (CUSTOMER_STATUSES as readonly string[]).includes(str(o.status)) ? (o.status as CustomerFilter['status']) : ''
  f.tag = str(o.tag)
  f.manager_id = id(o.manager_id)
  f.kind = (CUSTOMER_KINDS as readonly string[]).includes(str(o.kind)) ? (o.kind as CustomerFilter['kind']) : ''
  f.sort = str(o.sort) || f.sort
  return f
}

export function loadSavedFilters(storage: PrefStorage | null, key: string): SavedFilter[] {
  const v = read(storage, key)
  if (!Array.isArray(v)) return []
  const out: SavedFilter[] = []
  for (const item of v) {
    if (!item || typeof item !== 'object') continue
    const o = item as Record<string, unknown>
    const name = str(o.name).trim()
    if (!name || out.some((s) => s.name === name)) continue
    const saved: SavedFilter = { name, filter: sanitizeFilter(o.filter) }
    if (str(o.manager_name)) saved.manager_name = str(o.manager_name)
    out.push(saved)
  }
  return out
}

export function persistSavedFilters(storage: PrefStorage | null, key: string, list: readonly SavedFilter[]): void {
  write(storage, key, list)
}

/** list with filter saved under name: a set of the same name is replaced in place, a new one appended. */
export function withFilterSet(list: readonly SavedFilter[], name: string, filter: CustomerFilter, managerName?: string): SavedFilter[] {
  const n = name.trim()
  if (!n) return [...list]
  const saved: SavedFilter = { name: n, filter: sanitizeFilter({ ...filter }) }
  if (managerName && saved.filter.manager_id) saved.manager_name = managerName
  const i = list.findIndex((s) => s.name === n)
  if (i < 0) return [...list, saved]
  const out = [...list]
  out[i] = saved
  return out
}

/** list without the set called name. */
export function withoutFilterSet(list: readonly SavedFilter[], name: string): SavedFilter[] {
  return list.filter((s) => s.name !== name)
}
