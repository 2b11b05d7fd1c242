// Notification administration (通知管理) and the caller's notification settings: the delivery log
// with resend, templates, group robots and webhooks (permission notify.admin), and the caller's
// channels and quiet hours (any signed-in user). The bell's own calls (/notifications, read,
// read-all) live in api/sla.ts. Contract: docs/api/notifications.md, openapi/notify.yaml.
import { http, type Page } from './http'

/** Delivery channels. */
export const CHANNELS = ['in_app', 'email', 'sms', 'wecom', 'dingtalk', 'webhook'] as const
export type Channel = (typeof CHANNELS)[number]

/** Delivery statuses: pending (queued or waiting to retry), sending, sent, failed. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed'] as const
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number]

/** Notification kinds known to this UI (the server's template list is the authority: it may have more). */
export const NOTIFY_KINDS = ['sla.warning', 'sla.escalation', 'rating.survey', 'rating.device_offline', 'report.scheduled'] as const
export type NotifyKind = (typeof NOTIFY_KINDS)[number]
/** Every kind the delivery log and the template editor label: NOTIFY_KINDS and the kinds that only reach people (ticket notices, customer messages). */
export const LABELLED_KINDS = [...NOTIFY_KINDS, 'ticket.comment', 'ticket.mention', 'ticket.status', 'customer.ticket_received', 'customer.ticket_resolved', 'customer.survey'] as const

/** Kinds that go to people only, never to robots or webhooks: the server rejects them in an endpoint's events. */
export const PERSONAL_KINDS = ['report.scheduled', 'ticket.comment', 'ticket.mention', 'ticket.status'] as const
/** Can a robot or webhook subscribe to this kind? */
export function endpointCanReceive(kind: string): boolean {
  return !(PERSONAL_KINDS as readonly string[]).includes(kind)
}

/** The switches of notifications to a ticket's customer (by e-mail and SMS, where configured). */
export interface CustomerSettingsInput {
  /** 已受理: the ticket was received (customer.ticket_received). */
  ticket_received: boolean
  /** 已解决: the ticket was resolved, the first time (customer.ticket_resolved). */
  ticket_resolved: boolean
  /** The one-time survey link on resolution (customer.survey). */
  survey: boolean
}

/** The switches of one org (org_id 0: the global ones); the nearest org up a ticket's org that has some wins. */
export interface CustomerSettings extends CustomerSettingsInput {
  org_id: number
  org_name: string
  /** The built-in defaults (nothing stored; only the global row). */
  default: boolean
}

/** The switches in the order the page shows them. */
export const CUSTOMER_SWITCHES = ['ticket_received', 'ticket_resolved', 'survey'] as const
export type CustomerSwitch = (typeof CUSTOMER_SWITCHES)[number]

/** Kinds of endpoints: WeCom and DingTalk group robots, outgoing webhooks. */
export const ENDPOINT_KINDS = ['wecom', 'dingtalk', 'webhook'] as const
export type EndpointKind = (typeof ENDPOINT_KINDS)[number]

/** One try of a delivery. */
export interface DeliveryAttempt {
  attempt: number
  at: string
  ok: boolean
  error: string
  duration_ms: number
  /** The process that tried (host-pid-random). */
  worker: string
}

/** One delivery: an event to one recipient over one channel, with every attempt. */
export interface Delivery {
  id: number
  event_key: string
  kind: string
  level: number
  ticket_id: number | null
  channel: Channel
  user_id: number | null
  endpoint_id: number | null
  /** The address, phone number, user name (in-app) or endpoint name. */
  recipient: string
  subject: string
  status: DeliveryStatus
  attempts: number
  next_attempt_at: string | null
  /** The last error (empty once sent). */
  error: string
  sent_at: string | null
  created_at: string
  updated_at: string
  history: DeliveryAttempt[]
}

export interface DeliveryFilter {
  status?: DeliveryStatus | ''
  channel?: Channel | ''
  ticket_id?: number | null
  user_id?: number | null
  event_key?: string
  page?: number
  page_size?: number
}

/** Can a delivery be queued again? Failed or sent ones, never in-app (the server answers 409). */
export function canResend(d: Pick<Delivery, 'status' | 'channel'>): boolean {
  return d.channel !== 'in_app' && (d.status === 'failed' || d.status === 'sent')
}

/** The subject and body of one kind, in Chinese, variables written {{name}}. */
export interface NotificationTemplate {
  kind: NotifyKind | (string & {})
  name: string
  subject: string
  body: string
  /** Edited by an administrator (false: the built-in text). */
  custom: boolean
  updated_at: string | null
}

/** A variable a template may use, with its meaning (in Chinese). */
export interface TemplateVariable {
  name: string
  label: string
}

export interface TemplatesAnswer extends Page<NotificationTemplate> {
  variables: TemplateVariable[]
}

export interface TemplateInput {
  subject: string
  body: string
}

/** A group robot or an outgoing webhook. URL query values come back as ***; secrets never. */
export interface NotificationEndpoint {
  id: number
  name: string
  kind: EndpointKind
  url: string
  has_secret: boolean
  /** Kinds received; empty: every kind. */
  events: string[]
  /** Escalations below this level are not sent here (warnings always are). */
  min_level: number
  active: boolean
  created_at: string
  updated_at: string
}

/** Creates or changes an endpoint; on a change an absent url or secret keeps the stored one. */
export interface EndpointInput {
  name: string
  kind: EndpointKind
  url?: string
  secret?: string
  events: string[]
  min_level: number
  active: boolean
}

/** The caller's channels and quiet hours (免打扰); empty quiet_start/quiet_end: none. */
export interface NotifyPrefs {
  email: boolean
  sms: boolean
  quiet_start?: string
  quiet_end?: string
  time_zone?: string
}

const enc = encodeURIComponent

export const notifyApi = {
  deliveries: (f: DeliveryFilter = {}) =>
    http.get<Page<Delivery>>('/notifications/deliveries', {
      status: f.status,
      channel: f.channel,
      ticket_id: f.ticket_id,
      user_id: f.user_id,
      event_key: f.event_key,
      page: f.page,
      page_size: f.page_size,
    }),
  delivery: (id: number) => http.get<Delivery>(`/notifications/deliveries/${id}`),
  resend: (id: number) => http.post<Delivery>(`/notifications/deliveries/${id}/resend`),

  templates: () => http.get<TemplatesAnswer>('/notifications/templates'),
  saveTemplate: (kind: string, input: TemplateInput) => http.put<NotificationTemplate>(`/notifications/templates/${enc(kind)}`, input),
  resetTemplate: (kind: string) => http.del<NotificationTemplate>(`/notifications/templates/${enc(kind)}`),
  previewTemplate: (kind: string, input: TemplateInput) =>
    http.post<TemplateInput>(`/notifications/templates/${enc(kind)}/preview`, input),

  endpoints: () => http.get<Page<NotificationEndpoint>>('/notifications/endpoints'),
  endpoint: (id: number) => http.get<NotificationEndpoint>(`/notifications/endpoints/${id}`),
  createEndpoint: (input: EndpointInput) => http.post<NotificationEndpoint>('/notifications/endpoints', input),
  updateEndpoint: (id: number, input: EndpointInput) => http.put<NotificationEndpoint>(`/notifications/endpoints/${id}`, input),
  deleteEndpoint: (id: number) => http.del(`/notifications/endpoints/${id}`),

  customerSettings: () => http.get<Page<CustomerSettings>>('/notifications/customer-settings'),
  /** Stores the switches of an org (0: the global ones). */
  saveCustomerSettings: (orgId: number, s: CustomerSettingsInput) => http.put<CustomerSettings>(`/notifications/customer-settings/${orgId}`, s),
  /** Drops an org's switches: it follows the org above (or the global ones) again. */
  deleteCustomerSettings: (orgId: number) => http.del(`/notifications/customer-settings/${orgId}`),

  prefs: () => http.get<NotifyPrefs>('/notifications/preferences'),
  savePrefs: (p: NotifyPrefs) => http.put<NotifyPrefs>('/notifications/preferences', p),
}
