// Customer archive endpoints (/customers, /customer-grades, /customer-fields, /exports).
import { buildUrl, http, type Page, type Query } from './http'

export const CUSTOMER_KINDS = ['individual', 'organization'] as const
export type CustomerKind = (typeof CUSTOMER_KINDS)[number]

export const CUSTOMER_STATUSES = ['potential', 'formal', 'lost'] as const
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number]

export const ID_TYPES = ['resident_id', 'passport', 'uscc', 'other'] as const
export type IdType = (typeof ID_TYPES)[number]

/** 1 普通, 2 敏感, 3 机密. */
export const CONFIDENTIALITY_LEVELS = [1, 2, 3] as const
export type Confidentiality = (typeof CONFIDENTIALITY_LEVELS)[number]

/** Sources offered in the form; any other text is accepted too. */
export const CUSTOMER_SOURCES = ['counter', 'phone', 'web', 'referral', 'import', 'other'] as const

export const CUSTOMER_SORTS = ['-updated_at', 'name', 'created_at'] as const
export type CustomerSort = (typeof CUSTOMER_SORTS)[number] | (string & {})

/** One phone number of a customer (masked in answers unless revealed). */
export interface CustomerPhone {
  number: string
  label: string
  primary: boolean
}

/** A date worth remembering (纪念日), YYYY-MM-DD. */
export interface Anniversary {
  label: string
  date: string
}

/** Values of custom fields, by field code. */
export type CustomValues = Record<string, string | number | string[] | null>

/** A customer record (客户档案) as the API answers it. */
export interface Customer {
  id: number
  code: string
  kind: CustomerKind
  name: string
  initials: string
  phone: string
  phones: CustomerPhone[]
  id_type: IdType | ''
  id_number: string
  email: string
  address: string
  region: string
  org_id: number
  org_name: string
  manager_id: number | null
  manager_name: string | null
  grade: string
  grade_name: string | null
  tags: string[]
  source: string
  status: CustomerStatus
  birthday: string | null
  anniversaries: Anniversary[]
  confidentiality: Confidentiality
  custom: CustomValues
  notes: string
  masked: boolean
  created_at: string
  updated_at: string
}

/** Body of POST /customers and PATCH /customers/{id} (phones unmasked). */
export interface CustomerInput {
  kind?: CustomerKind
  name?: string
  phones?: CustomerPhone[]
  id_type?: IdType | ''
  id_number?: string
  email?: string
  address?: string
  region?: string
  org_id?: number
  manager_id?: number | null
  grade?: string
  tags?: string[]
  source?: string
  status?: CustomerStatus
  birthday?: string | null
  anniversaries?: Anniversary[]
  confidentiality?: Confidentiality
  custom?: CustomValues
  notes?: string
}

/** Filters of GET /customers (and of the exports). Empty values mean "any". */
export interface CustomerFilter {
  q: string
  org_id: number | null
  grade: string
  status: CustomerStatus | ''
  tag: string
  manager_id: number | null
  kind: CustomerKind | ''
  sort: CustomerSort
}

export function emptyCustomerFilter(): CustomerFilter {
  return { q: '', org_id: null, grade: '', status: '', tag: '', manager_id: null, kind: '', sort: '-updated_at' }
}

/** Query of GET /customers and the exports for a filter (page only for the list). */
export function customerQuery(f: Partial<CustomerFilter>, page?: { page: number; page_size: number }): Query {
  const q: Query = {
    q: f.q?.trim(),
    org_id: f.org_id,
    grade: f.grade,
    status: f.status,
    tag: f.tag?.trim(),
    manager_id: f.manager_id,
    kind: f.kind,
    // the server's default needs no parameter
    sort: f.sort && f.sort !== '-updated_at' ? f.sort : undefined,
  }
  if (page) {
    q.page = page.page
    q.page_size = page.page_size
  }
  return q
}

/** Address of an export of the filtered list; the browser downloads it as it streams. */
export function exportUrl(format: 'xlsx' | 'csv', f: Partial<CustomerFilter>): string {
  return buildUrl(`/exports/customers.${format}`, customerQuery(f))
}

/** Unmasked personal data (POST /customers/{id}/reveal). */
export interface Revealed {
  phone: string
  phones: CustomerPhone[]
  id_number: string
}

/** Body of POST /customers/bulk; only the given changes are made. */
export interface BulkChange {
  ids: number[]
  grade?: string
  manager_id?: number
  add_tags?: string[]
  remove_tags?: string[]
}

/** A contact person of a customer (phone masked in answers). */
export interface Contact {
  id: number
  customer_id?: number
  name: string
  title: string
  phone: string
  email: string
  notes: string
  primary: boolean
}

export type ContactInput = Partial<Omit<Contact, 'id' | 'customer_id'>>

export const INTERACTION_KINDS = ['visit', 'call', 'message', 'email', 'other'] as const
export type InteractionKind = (typeof INTERACTION_KINDS)[number]

/** One interaction record (交往记录). Times are RFC 3339. */
export interface Interaction {
  id: number
  kind: InteractionKind
  at: string
  content: string
  next_step: string
  next_at: string | null
  user_id: number | null
  user_name: string
  created_at?: string
}

export interface InteractionInput {
  kind: InteractionKind
  at: string
  content: string
  next_step: string
  next_at: string | null
}

/** A customer grade (等级). */
export interface Grade {
  code: string
  name: string
  sort: number
}

export const FIELD_TYPES = ['text', 'number', 'date', 'select', 'multiselect'] as const
export type FieldType = (typeof FIELD_TYPES)[number]

/** An admin-defined custom field (自定义字段). */
export interface CustomField {
  id: number
  code: string
  label: string
  type: FieldType
  options: string[]
  required: boolean
  sort: number
}

export type CustomFieldInput = Omit<CustomField, 'id'>

export const customersApi = {
  list: (f: Partial<CustomerFilter>, page: { page: number; page_size: number }) =>
    http.get<Page<Customer> & { total_exact: boolean }>('/customers', customerQuery(f, page)),
  get: (id: number) => http.get<Customer>(`/customers/${id}`),
  create: (body: CustomerInput) => http.post<Customer>('/customers', body),
  update: (id: number, body: CustomerInput) => http.patch<Customer>(`/customers/${id}`, body),
  remove: (id: number) => http.del(`/customers/${id}`),
  reveal: (id: number, reason: string) => http.post<Revealed>(`/customers/${id}/reveal`, { reason }),
  bulk: (body: BulkChange) => http.post<{ updated: number }>('/customers/bulk', body),
  merge: (survivor_id: number, merged_id: number) => http.post<Customer>('/customers/merge', { survivor_id, merged_id }),

  contacts: (id: number) => http.get<Page<Contact>>(`/customers/${id}/contacts`),
  createContact: (id: number, body: ContactInput) => http.post<Contact>(`/customers/${id}/contacts`, body),
  updateContact: (id: number, contactId: number, body: ContactInput) =>
    http.patch<Contact>(`/customers/${id}/contacts/${contactId}`, body),
  removeContact: (id: number, contactId: number) => http.del(`/customers/${id}/contacts/${contactId}`),

  interactions: (id: number) => http.get<Page<Interaction>>(`/customers/${id}/interactions`, { page_size: 200 }),
  createInteraction: (id: number, body: InteractionInput) => http.post<Interaction>(`/customers/${id}/interactions`, body),
}

export const gradesApi = {
  list: () => http.get<{ items: Grade[] }>('/customer-grades'),
}

export const customFieldsApi = {
  list: () => http.get<{ items: CustomField[] }>('/customer-fields'),
  create: (body: CustomFieldInput) => http.post<CustomField>('/customer-fields', body),
  update: (id: number, body: Partial<CustomFieldInput>) => http.patch<CustomField>(`/customer-fields/${id}`, body),
  remove: (id: number) => http.del(`/customer-fields/${id}`),
}
