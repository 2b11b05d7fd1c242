// Ticket endpoints (/ticket-types, /tickets and their assign, transitions, events, comments).
import { shanghaiToRfc3339 } from '../datetime'
import { http, type Query } from './http'

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
export type Priority = (typeof PRIORITIES)[number]

/** Reasons a ticket is pending (挂起原因): 待配件 / 待客户 / 送修. */
export const PENDING_REASONS = ['waiting_parts', 'waiting_customer', 'sent_for_repair'] as const
export type PendingReason = (typeof PENDING_REASONS)[number]

/** Channels a ticket comes in through. */
export const CHANNELS = ['phone', 'counter', 'portal', 'qr', 'email', 'api', 'mobile', 'rating'] as const
export type Channel = (typeof CHANNELS)[number]

/** Field-service events an engineer records (出发 / 到达 / 修复). */
export const FIELD_EVENTS = ['departed', 'arrived', 'repaired'] as const
export type FieldEvent = (typeof FIELD_EVENTS)[number]

/** Every kind of timeline entry. */
export const EVENT_KINDS = ['reported', 'assigned', 'status', ...FIELD_EVENTS] as const
export type EventKind = (typeof EVENT_KINDS)[number]

/** Status codes of the default workflow (custom workflows may add others). */
export const STATUS_RESOLVED = 'resolved'
export const STATUS_CLOSED = 'closed'

/** One state of a workflow. */
export interface WorkflowStatus {
  code: string
  name_zh: string
  name_en: string
  pauses_sla: boolean
  final: boolean
  reasons?: string[]
}

/** One allowed move of a workflow. */
export interface WorkflowTransition {
  from: string
  to: string
}

export interface Workflow {
  statuses: WorkflowStatus[]
  transitions: WorkflowTransition[]
  reopen_days: number
}

/** Kinds of custom fields (自定义字段). */
export const FIELD_KINDS = ['text', 'number', 'date', 'select', 'multi_select', 'boolean'] as const
export type FieldKind = (typeof FIELD_KINDS)[number]

/** One custom field of a ticket type. */
export interface FieldDef {
  key: string
  label: string
  label_en?: string
  kind: FieldKind
  required: boolean
  options: string[]
  sort: number
}

/** Values of custom fields by key. */
export type CustomValues = Record<string, string | number | boolean | string[] | null>

/** A ticket type (报修 / 咨询 / 投诉 …) with its workflow and custom fields. */
export interface TicketType {
  code: string
  name: string
  builtin: boolean
  workflow: Workflow
  /** Custom fields; absent from answers of servers before custom fields. */
  fields?: FieldDef[]
  sort: number
}

/** Body of POST /ticket-types and PUT /ticket-types/{code}. */
export interface TicketTypeInput {
  code?: string
  name?: string
  workflow?: Workflow
  fields?: FieldDef[]
  sort?: number
}

/** A watcher of a ticket (关注人) and why. */
export interface Watcher {
  user_id: number
  login: string
  name: string
  reason: 'creator' | 'assignee' | 'manual' | 'mention'
}

export interface WatcherList {
  items: Watcher[]
  total: number
  watching: boolean
}

/** One @login of a new comment and whether that user was notified. */
export interface Mention {
  login: string
  user_id: number | null
  name: string
  notified: boolean
  reason?: 'unknown_user' | 'no_access' | 'self'
  message_zh?: string
  message_en?: string
}

/** A user who may be @mentioned on a ticket. */
export interface MentionCandidate {
  id: number
  login: string
  name: string
  org_name: string
}

/** Durations derived from the timeline, in minutes (null until both ends exist). */
export interface Durations {
  response_minutes: number | null
  travel_minutes: number | null
  repair_minutes: number | null
  fault_minutes: number | null
  pending_minutes: number
}

/** A work order (工单) as the API answers it. Times are RFC 3339. */
export interface Ticket {
  id: number
  number: string
  type: string
  type_name: string
  title: string
  description: string
  priority: Priority
  status: string
  pending_reason: string
  channel: string
  customer_id: number | null
  customer_name: string | null
  asset_id: number | null
  asset_code: string | null
  org_id: number
  org_name: string
  vendor_org_id: number | null
  vendor_org_name: string | null
  station_id: number | null
  station_name: string | null
  assignee_id: number | null
  assignee_name: string | null
  parent_id: number | null
  /** Values of the type's custom fields by key. */
  custom?: CustomValues
  category_id: number | null
  reported_at: string
  assigned_at: string | null
  departed_at: string | null
  arrived_at: string | null
  repaired_at: string | null
  resolved_at: string | null
  closed_at: string | null
  distance_km: number | null
  pending_since: string | null
  version: number
  /** The 派单规则 that made the current assignment (its name at the time); null after a manual one. */
  assign_rule_id?: number | null
  assign_rule_name?: string | null
  created_at: string
  updated_at: string
  durations: Durations
  sla: { policy_id: number | null; targets: Record<string, unknown> }
}

/** A page of GET /tickets; beyond 10,000 rows the total is a lower bound. */
export interface TicketPage {
  items: Ticket[]
  total: number
  total_exact: boolean
}

/** Body of POST /tickets. */
export interface TicketInput {
  type: string
  title: string
  description: string
  priority: Priority
  customer_id?: number | null
  asset_id?: number | null
  org_id?: number | null
  category_id?: number | null
  channel?: string
  parent_id?: number | null
  /** Work recorded after the fact (补录): when it was really reported. */
  reported_at?: string | null
  custom?: CustomValues
}

/** Body of PATCH /tickets/{id}. */
export interface TicketUpdate {
  title?: string
  description?: string
  priority?: Priority
  /** Custom values to change; null clears a field. */
  custom?: CustomValues
  version?: number
}

/** Body of POST /tickets/{id}/assign: a person or a station. */
export interface AssignInput {
  user_id?: number
  org_id?: number
  note?: string
  version?: number
}

/** Body of POST /tickets/{id}/transitions. */
export interface TransitionInput {
  to: string
  reason?: string
  at?: string
  note?: string
  version?: number
}

/** Body of POST /tickets/{id}/events. */
export interface EventInput {
  kind: FieldEvent
  at?: string
  distance_km?: number
  note?: string
  version?: number
}

/** One entry of a ticket's timeline. */
export interface TicketEvent {
  id: number
  kind: EventKind | (string & {})
  at: string
  recorded_at: string
  actor_id: number | null
  actor_name: string | null
  from_status: string
  to_status: string
  reason: string
  data: Record<string, unknown> | null
}

/** A remark on a ticket; internal ones are for staff only. */
export interface TicketComment {
  id: number
  ticket_id: number
  author_id: number | null
  author_name: string | null
  body: string
  internal: boolean
  created_at: string
  /** Only on the answer to adding a comment. */
  mentions?: Mention[]
}

/** Filters of GET /tickets. Empty values mean "any". */
export interface TicketFilter {
  q: string
  status: string
  type: string
  priority: Priority | ''
  /** Client org subtree (where the work is). */
  org_id: number | null
  /** Created between these days (YYYY-MM-DD, Asia/Shanghai), both included. */
  created: [string, string] | null
  assignee_id: number | null
  station_id: number | null
  vendor_org_id: number | null
  asset_id: number | null
  customer_id: number | null
  unassigned: boolean
  /** The supervisor board's SLA state of open tickets (GET /tickets?sla=). */
  sla?: 'warning' | 'breached' | ''
  /** Custom field filters by key (GET /tickets?custom.<key>=value), values as the query has them. */
  custom?: Record<string, string>
  /** What a report figure narrows to (its drill-through): the device's type, brand and model, the org's region, the fault category, done or not. */
  asset_type?: string
  asset_brand?: string
  asset_model?: string
  region?: string
  category_id?: number | null
  done?: 'true' | 'false' | ''
  /** Under this SLA policy (its id) or any ('any'). */
  sla_policy_id?: string
}

export function emptyTicketFilter(): TicketFilter {
  return {
    q: '',
    status: '',
    type: '',
    priority: '',
    org_id: null,
    created: null,
    assignee_id: null,
    station_id: null,
    vendor_org_id: null,
    asset_id: null,
    customer_id: null,
    unassigned: false,
    custom: {},
    asset_type: '',
    asset_brand: '',
    asset_model: '',
    region: '',
    category_id: null,
    done: '',
    sla_policy_id: '',
  }
}

/** Query of GET /tickets for a filter (and a page). */
export function ticketQuery(f: Partial<TicketFilter>, page?: { page: number; page_size: number }): Query {
  const q: Query = {
    q: f.q?.trim(),
    status: f.status,
    type: f.type,
    priority: f.priority,
    org_id: f.org_id,
    assignee_id: f.assignee_id,
    station_id: f.station_id,
    vendor_org_id: f.vendor_org_id,
    asset_id: f.asset_id,
    customer_id: f.customer_id,
    unassigned: f.unassigned ? true : undefined,
    sla: f.sla || undefined,
    created_from: f.created?.[0] ? shanghaiToRfc3339(f.created[0]) : undefined,
    created_to: f.created?.[1] ? shanghaiToRfc3339(f.created[1], true) : undefined,
    asset_type: f.asset_type || undefined,
    asset_brand: f.asset_brand || undefined,
    asset_model: f.asset_model || undefined,
    region: f.region || undefined,
    category_id: f.category_id || undefined,
    done: f.done || undefined,
    sla_policy_id: f.sla_policy_id || undefined,
  }
  for (const [k, v] of Object.entries(f.custom ?? {})) if (v !== '') q[`custom.${k}`] = v
  if (page) {
    q.page = page.page
    q.page_size = page.page_size
  }
  return q
}

export const ticketsApi = {
  types: () => http.get<{ items: TicketType[] }>('/ticket-types'),
  list: (f: Partial<TicketFilter>, page: { page: number; page_size: number }, sort?: 'due_at' | '-due_at' | 'created_at' | '-created_at') =>
    http.get<TicketPage>('/tickets', sort ? { ...ticketQuery(f, page), sort } : ticketQuery(f, page)),
  get: (id: number) => http.get<Ticket>(`/tickets/${id}`),
  create: (body: TicketInput) => http.post<Ticket>('/tickets', body),
  update: (id: number, body: TicketUpdate) => http.patch<Ticket>(`/tickets/${id}`, body),
  assign: (id: number, body: AssignInput) => http.post<Ticket>(`/tickets/${id}/assign`, body),
  transition: (id: number, body: TransitionInput) => http.post<Ticket>(`/tickets/${id}/transitions`, body),
  events: (id: number) => http.get<{ items: TicketEvent[] }>(`/tickets/${id}/events`),
  recordEvent: (id: number, body: EventInput) => http.post<Ticket>(`/tickets/${id}/events`, body),
  comments: (id: number) => http.get<{ items: TicketComment[] }>(`/tickets/${id}/comments`),
  addComment: (id: number, body: { body: string; internal: boolean }) =>
    http.post<TicketComment>(`/tickets/${id}/comments`, body),
  watchers: (id: number) => http.get<WatcherList>(`/tickets/${id}/watchers`),
  watch: (id: number) => http.put<WatcherList>(`/tickets/${id}/watch`),
  unwatch: (id: number) => http.del<WatcherList>(`/tickets/${id}/watch`),
  mentionable: (id: number, q: string) => http.get<{ items: MentionCandidate[] }>(`/tickets/${id}/mentionable`, { q }),
  subtasks: (id: number) => http.get<TicketPage>(`/tickets/${id}/subtasks`),
  createType: (body: TicketTypeInput) => http.post<TicketType>('/ticket-types', body),
  updateType: (code: string, body: TicketTypeInput) => http.put<TicketType>(`/ticket-types/${code}`, body),
  deleteType: (code: string) => http.del<void>(`/ticket-types/${code}`),
}
