// Custom fields (自定义字段) of ticket types: labels in the UI language and values as text.
import type { CustomValues, FieldDef } from '../../api/tickets'

/** The field's label in the UI language (the Chinese label when no English one is set). */
export function fieldLabel(f: FieldDef, locale: string): string {
  return locale.startsWith('en') && f.label_en ? f.label_en : f.label
}

/** A stored value as text for display; yes/no come from the caller (translated). */
export function formatCustomValue(f: FieldDef, v: CustomValues[string] | undefined, yesNo: [string, string]): string {
  if (v === null || v === undefined || v === '') return ''
  if (f.kind === 'boolean') return v ? yesNo[0] : yesNo[1]
  if (Array.isArray(v)) return v.join('、')
  return String(v)
}

/** Fields in display order. */
export function sortedFields(fields: FieldDef[] | undefined | null): FieldDef[] {
  return [...(fields ?? [])].sort((a, b) => a.sort - b.sort)
}

/** Drops empty values so the server sees only what was filled in. */
export function compactValues(values: CustomValues, fields: FieldDef[]): CustomValues {
  const out: CustomValues = {}
  for (const f of fields) {
    const v = values[f.key]
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue
    out[f.key] = v
  }
  return out
}

/** A filter value (as the list query carries it) from what a field's input holds; '' for none. */
export function filterValueFromInput(f: FieldDef, v: unknown): string {
  if (v === null || v === undefined) return ''
  switch (f.kind) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? String(v) : ''
    case 'boolean':
      return v === true || v === 'true' ? 'true' : v === false || v === 'false' ? 'false' : ''
    default:
      return typeof v === 'string' ? v.trim() : ''
  }
}

/** What a field's filter input shows for a query value (undefined when nothing is chosen). */
export function filterInputValue(f: FieldDef, s: string | undefined): string | number | undefined {
  if (s === undefined || s === '') return undefined
  if (f.kind === 'number') {
    const n = Number(s)
    return Number.isFinite(n) ? n : undefined
  }
  return s
}

/** The custom filters that still apply to these fields (a type change drops the others). */
export function pruneCustomFilter(custom: Record<string, string> | undefined, fields: FieldDef[]): Record<string, string> {
  const keys = new Set(fields.map((f) => f.key))
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(custom ?? {})) if (keys.has(k)) out[k] = v
  return out
}
