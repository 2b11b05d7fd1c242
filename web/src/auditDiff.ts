// Turns an audit entry's before/after objects into rows of field | before | after.

/** One row of the diff table. */
export interface DiffRow {
  field: string
  before: string
  after: string
  changed: boolean
}

type Obj = Record<string, unknown>

function isPlainObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Flattens nested objects into dotted keys: { a: { b: 1 } } → { "a.b": 1 }. Arrays stay whole. */
export function flatten(obj: Obj | null | undefined, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (!obj) return out
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (isPlainObject(v) && Object.keys(v).length > 0) flatten(v, key, out)
    else out.set(key, v)
  }
  return out
}

/** A value as shown in a cell: "" for null/undefined, JSON for arrays and objects. */
export function formatValue(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  return JSON.stringify(v)
}

/**
 * Rows for every field present in before or after, in order of first appearance
 * (before's fields, then fields only after has). A field counts as changed when its
 * shown values differ; a missing field and null are the same.
 */
export function auditDiff(before: Obj | null | undefined, after: Obj | null | undefined): DiffRow[] {
  const b = flatten(before)
  const a = flatten(after)
  const keys = [...b.keys(), ...[...a.keys()].filter((k) => !b.has(k))]
  return keys.map((field) => {
    const bv = formatValue(b.get(field))
    const av = formatValue(a.get(field))
    return { field, before: bv, after: av, changed: bv !== av }
  })
}
