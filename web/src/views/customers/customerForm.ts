// The customer form's model, its checks and its mapping to the API body. Pure.
import type {
  Anniversary,
  Confidentiality,
  Customer,
  CustomerInput,
  CustomerKind,
  CustomerPhone,
  CustomerStatus,
  CustomField,
  CustomValues,
  IdType,
  Revealed,
} from '../../api/customers'

export interface CustomerForm {
  kind: CustomerKind
  name: string
  phones: CustomerPhone[]
  id_type: IdType | ''
  id_number: string
  email: string
  address: string
  region: string
  org_id: number | null
  manager_id: number | null
  grade: string
  tags: string[]
  source: string
  status: CustomerStatus
  birthday: string | null
  anniversaries: Anniversary[]
  confidentiality: Confidentiality
  custom: CustomValues
  notes: string
}

/** The empty value of a custom field of the given type. */
export function emptyCustomValue(field: Pick<CustomField, 'type'>): string | number | string[] | null {
  if (field.type === 'multiselect') return []
  if (field.type === 'number') return null
  return ''
}

export function emptyCustomerForm(fields: readonly CustomField[] = []): CustomerForm {
  const custom: CustomValues = {}
  for (const f of fields) custom[f.code] = emptyCustomValue(f)
  return {
    kind: 'individual',
    name: '',
    phones: [{ number: '', label: '', primary: true }],
    id_type: 'resident_id',
    id_number: '',
    email: '',
    address: '',
    region: '',
    org_id: null,
    manager_id: null,
    grade: '',
    tags: [],
    source: '',
    status: 'potential',
    birthday: null,
    anniversaries: [],
    confidentiality: 1,
    custom,
    notes: '',
  }
}

/** Most phone numbers a customer may have. */
export const MAX_PHONES = 5

/** Is a stored value masked (138****5678, 110***********1234)? */
export const isMasked = (v: string | null | undefined): boolean => !!v && v.includes('*')

/** The form for editing c; revealed (if any) replaces the masked phones and ID number. */
export function customerToForm(c: Customer, fields: readonly CustomField[] = [], revealed?: Revealed | null): CustomerForm {
  const custom: CustomValues = {}
  for (const f of fields) {
    const v = c.custom?.[f.code]
    custom[f.code] = v === undefined || v === null ? emptyCustomValue(f) : f.type === 'multiselect' && !Array.isArray(v) ? [String(v)] : v
  }
  // values of fields no longer defined are left out: the server refuses unknown codes
  const phones = (revealed?.phones?.length ? revealed.phones : c.phones ?? []).map((p) => ({ ...p }))
  return {
    kind: c.kind,
    name: c.name,
    phones,
    id_type: c.id_type ?? '',
    id_number: revealed ? revealed.id_number : c.id_number ?? '',
    email: c.email ?? '',
    address: c.address ?? '',
    region: c.region ?? '',
    org_id: c.org_id ?? null,
    manager_id: c.manager_id ?? null,
    grade: c.grade ?? '',
    tags: [...(c.tags ?? [])],
    source: c.source ?? '',
    status: c.status,
    birthday: c.birthday || null,
    anniversaries: (c.anniversaries ?? []).map((a) => ({ ...a })),
    confidentiality: c.confidentiality ?? 1,
    custom,
    notes: c.notes ?? '',
  }
}

// --- phones ---

export type PhoneProblem = 'format' | 'mobile' | 'duplicate'

/** Digits (and a leading +) of a phone number as typed: spaces, dashes and brackets dropped. */
export function phoneDigits(number: string): string {
  return number.replace(/[\s\-()]/g, '')
}

/** What is wrong with one phone number, or null. */
export function phoneProblem(number: string): Exclude<PhoneProblem, 'duplicate'> | null {
  const d = phoneDigits(number)
  if (!/^\+?\d{5,20}$/.test(d)) return 'format'
  // numbers starting with 1 are mainland mobiles: exactly 11 digits, 13x–19x
  const local = d.replace(/^(\+86|0086)/, '')
  if (local.startsWith('1') && !/^1[3-9]\d{9}$/.test(local)) return 'mobile'
  return null
}

/** Phones without empty rows, trimmed, with exactly one primary (the first if none was chosen). */
export function normalizePhones(phones: readonly CustomerPhone[]): CustomerPhone[] {
  const out = phones
    .map((p) => ({ number: p.number.trim(), label: (p.label ?? '').trim(), primary: !!p.primary }))
    .filter((p) => p.number !== '')
  const first = out.findIndex((p) => p.primary)
  out.forEach((p, i) => (p.primary = i === (first < 0 ? 0 : first)))
  return out
}

/** Problems of the rows of a phone list (index into phones), empty rows ignored. */
export function validatePhones(phones: readonly CustomerPhone[]): Map<number, PhoneProblem> {
  const problems = new Map<number, PhoneProblem>()
  const seen = new Set<string>()
  phones.forEach((p, i) => {
    const n = p.number.trim()
    if (!n) return
    const problem = phoneProblem(n)
    if (problem) {
      problems.set(i, problem)
      return
    }
    const key = phoneDigits(n).replace(/^(\+86|0086)/, '')
    if (seen.has(key)) problems.set(i, 'duplicate')
    seen.add(key)
  })
  return problems
}

// --- ID numbers ---

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const ID_CHECK = '10X98765432'

/** Is v an 18-character resident ID number (居民身份证) with a correct check character? */
export function residentIdValid(v: string): boolean {
  const s = v.trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(s)) return false
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i]!
  return ID_CHECK[sum % 11] === s[17]
}

// --- the API body ---

function customValue(v: CustomValues[string] | undefined): CustomValues[string] {
  if (v === undefined || v === '') return null
  if (typeof v === 'string') return v.trim() || null
  return v
}

/**
 * The POST/PATCH body for a form. pii=false leaves phones, ID type and ID number out
 * (they are masked in the form and must not overwrite the stored values).
 */
export function formToInput(form: CustomerForm, opts: { pii: boolean }): CustomerInput {
  const custom: CustomValues = {}
  for (const [k, v] of Object.entries(form.custom)) custom[k] = customValue(v)
  const body: CustomerInput = {
    kind: form.kind,
    name: form.name.trim(),
    email: form.email.trim(),
    address: form.address.trim(),
    region: form.region.trim(),
    manager_id: form.manager_id ?? null,
    grade: form.grade,
    tags: [...new Set(form.tags.map((t) => t.trim()).filter(Boolean))],
    source: form.source.trim(),
    status: form.status,
    birthday: form.birthday || null,
    anniversaries: form.anniversaries
      .map((a) => ({ label: a.label.trim(), date: a.date ?? '' }))
      .filter((a) => a.date !== ''),
    confidentiality: form.confidentiality,
    custom,
    notes: form.notes.trim(),
  }
  if (form.org_id != null) body.org_id = form.org_id
  if (opts.pii) {
    body.phones = normalizePhones(form.phones)
    body.id_type = form.id_number.trim() ? form.id_type : ''
    body.id_number = form.id_number.trim().toUpperCase()
  }
  return body
}

/** The first non-empty server field error among keys (the server may name a field several ways). */
export function fieldError(errors: Record<string, string>, ...keys: string[]): string | undefined {
  for (const k of keys) if (errors[k]) return errors[k]
  return undefined
}
