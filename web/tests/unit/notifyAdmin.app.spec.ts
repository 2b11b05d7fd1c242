// Mounts the whole app against a fake API: 通知管理 (the delivery log with its attempts and 重发,
// editing a template with a variable tag and the live preview, saving and restoring it, adding a
// webhook whose generated secret is shown once, editing one without resending its URL or secret, the
// customer notice switches: global, per org, added and dropped)
// and 通知设置 on the profile page (quiet hours saved).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

const user = {
  id: 1,
  login: 'admin',
  name: '系统管理员',
  org_id: 1,
  org_name: '客服中心',
  job_no: 'A0001',
  phone: '13800000001',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

const at = '2026-11-22T02:00:00Z'
const deliveries = [
  {
    id: 12,
    event_key: 'sla:42:resolution:1:e2:0',
    kind: 'sla.escalation',
    level: 2,
    ticket_id: 42,
    channel: 'webhook',
    user_id: null,
    endpoint_id: 3,
    recipient: '运维告警',
    subject: '【超时督办·2级】工单 GD20261122-000042 解决已超时 1.5 小时',
    status: 'failed',
    attempts: 8,
    next_attempt_at: null,
    error: 'HTTP 502 Bad Gateway',
    sent_at: null,
    created_at: at,
    updated_at: at,
    history: [
      { attempt: 1, at, ok: false, error: 'HTTP 502 Bad Gateway', duration_ms: 41, worker: 'host-1-abc' },
      { attempt: 2, at, ok: false, error: 'HTTP 502 Bad Gateway', duration_ms: 39, worker: 'host-1-abc' },
    ],
  },
  {
    id: 11,
    event_key: 'survey:7',
    kind: 'rating.survey',
    level: 0,
    ticket_id: 7,
    channel: 'in_app',
    user_id: 9,
    endpoint_id: null,
    recipient: 'bjhd03.head',
    subject: '【满意度评价】工单 GD20261122-000007 已解决，请评价服务',
    status: 'sent',
    attempts: 0,
    next_attempt_at: null,
    error: '',
    sent_at: at,
    created_at: at,
    updated_at: at,
    history: [],
  },
]

const builtIn = {
  'sla.escalation': {
    kind: 'sla.escalation',
    name: '超时督办',
    subject: '【超时督办·{{level}}级】工单 {{ticket_number}} {{target}}已超时 {{overdue_hours}} 小时',
    body: '工单 {{ticket_number}} 已超时。',
    custom: false,
    updated_at: null,
  },
  'sla.warning': { kind: 'sla.warning', name: '即将超时预警', subject: '【即将超时】{{ticket_number}}', body: '还剩 {{remaining_hours}} 小时', custom: false, updated_at: null },
  'rating.survey': { kind: 'rating.survey', name: '满意度评价邀请', subject: '【满意度评价】{{ticket_number}}', body: '{{survey_url}}', custom: false, updated_at: null },
  // e-mailed to its subscriber only: no robot or webhook may subscribe to it
  'report.scheduled': { kind: 'report.scheduled', name: '定时报表', subject: '【定时报表】{{report}}', body: '{{report}}', custom: false, updated_at: null },
} as Record<string, Record<string, unknown>>
let templates = Object.values(builtIn).map((x) => ({ ...x }))
const variables = [
  { name: 'ticket_number', label: '工单号' },
  { name: 'target', label: '时限类型（首次响应 / 到场 / 解决）' },
  { name: 'level', label: '督办级别' },
  { name: 'overdue_hours', label: '已超时的小时数（督办）' },
  { name: 'remaining_hours', label: '距截止的小时数（预警）' },
  { name: 'survey_url', label: '满意度评价链接（工单解决后）' },
  { name: 'customer', label: '客户' },
]

let endpoints: Record<string, unknown>[] = [
  { id: 3, name: '运维告警', kind: 'webhook', url: 'https://hooks.example.com/lt', has_secret: true, events: ['sla.escalation'], min_level: 2, active: true, created_at: at, updated_at: at },
]
let customerSettings: Record<string, unknown>[] = [
  { org_id: 0, org_name: '', ticket_received: false, ticket_resolved: false, survey: true, default: true },
  { org_id: 7, org_name: '海淀支行', ticket_received: true, ticket_resolved: false, survey: true, default: false },
]
const orgTree = [
  {
    id: 1,
    code: 'HXB',
    name: '华夏银行',
    kind: 'client',
    parent_id: null,
    path: '/1/',
    depth: 0,
    children: [
      { id: 7, code: 'HXB-HD', name: '海淀支行', kind: 'outlet', parent_id: 1, path: '/1/7/', depth: 1, children: [] },
      { id: 8, code: 'HXB-CY', name: '朝阳支行', kind: 'outlet', parent_id: 1, path: '/1/8/', depth: 1, children: [] },
    ],
  },
]
let prefs: Record<string, unknown> = { email: true, sms: true, quiet_start: '', quiet_end: '', time_zone: 'Asia/Shanghai' }

const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body })
  const path = url.replace(/\?.*$/, '')
  const m = /^\/api\/v1\/notifications\/(templates|endpoints|deliveries)\/([^/]+)(?:\/(\w+))?$/.exec(path)
  if (m) {
    const [, what, id, action] = m
    if (what === 'templates') {
      const kind = decodeURIComponent(id!)
      if (method === 'PUT') {
        const saved = { ...builtIn[kind], ...body, custom: true, updated_at: at }
        templates = templates.map((x) => (x.kind === kind ? saved : x))
        return reply(200, saved)
      }
      if (method === 'DELETE') {
        templates = templates.map((x) => (x.kind === kind ? { ...builtIn[kind] } : x))
        return reply(200, builtIn[kind])
      }
      if (action === 'preview') return reply(200, { subject: `S:${body?.subject}`, body: `B:${body?.body}` })
    }
    if (what === 'endpoints' && method === 'PUT') {
      const i = endpoints.findIndex((e) => e.id === Number(id))
      const { secret, url: newUrl, ...rest } = body ?? {}
      endpoints[i] = { ...endpoints[i], ...rest, ...(newUrl ? { url: newUrl } : {}), ...(secret !== undefined ? { has_secret: secret !== '' } : {}) }
      return reply(200, endpoints[i])
    }
    if (what === 'deliveries' && action === 'resend') {
      const d = deliveries.find((x) => x.id === Number(id))!
      return reply(200, { ...d, status: 'pending', next_attempt_at: at })
    }
  }
  const cs = /^\/api\/v1\/notifications\/customer-settings\/(\d+)$/.exec(path)
  if (cs) {
    const org = Number(cs[1])
    if (method === 'PUT') {
      const name = org === 0 ? '' : org === 7 ? '海淀支行' : '朝阳支行'
      const saved = { org_id: org, org_name: name, ...body, default: false }
      customerSettings = [...customerSettings.filter((x) => x.org_id !== org), saved]
      return reply(200, saved)
    }
    if (method === 'DELETE') {
      customerSettings = customerSettings.filter((x) => x.org_id !== org)
      return reply(204)
    }
  }
  switch (`${method} ${path}`) {
    case 'GET /api/v1/notifications/customer-settings':
      return reply(200, { items: customerSettings, total: customerSettings.length })
    case 'GET /api/v1/orgs':
      return reply(200, { items: orgTree })
    case 'GET /api/v1/auth/me':
      return reply(200, { user, permissions: ['notify.admin', 'ticket.read', 'org.read'], scope: { mode: 'all', org_ids: [] }, csrf_token: 'csrf-1' })
    case 'GET /api/v1/auth/tokens':
      return reply(200, { items: [] })
    case 'GET /api/v1/notifications':
      return reply(200, { items: [], total: 0, unread: 0 })
    case 'GET /api/v1/notifications/deliveries':
      return reply(200, { items: deliveries, total: deliveries.length })
    case 'GET /api/v1/notifications/templates':
      return reply(200, { items: templates, total: templates.length, variables })
    case 'GET /api/v1/notifications/endpoints':
      return reply(200, { items: endpoints, total: endpoints.length })
    case 'POST /api/v1/notifications/endpoints': {
      const { secret, ...rest } = body ?? {}
      const e = { id: 4, ...rest, has_secret: !!secret, url: String(rest.url).replace(/=[^&]*/g, '=***'), created_at: at, updated_at: at }
      endpoints = [...endpoints, e]
      return reply(201, e)
    }
    case 'GET /api/v1/notifications/preferences':
      return reply(200, prefs)
    case 'PUT /api/v1/notifications/preferences':
      prefs = { ...body }
      return reply(200, prefs)
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

class FakeEventSource {
  readyState = 0
  onopen = null
  onerror = null
  onmessage = null
  addEventListener() {}
  close() {}
}

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

function inputOf(id: string): HTMLInputElement | HTMLTextAreaElement | null {
  const el = tid(id)
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el : (el?.querySelector('input, textarea') ?? null)
}

function type(el: HTMLInputElement | HTMLTextAreaElement | null, value: string) {
  if (!el) throw new Error('no input')
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
}

/** Clicks the primary button of the open ElMessageBox. */
async function confirmBox() {
  await vi.waitFor(() => expect(document.querySelector('.el-message-box__btns .el-button--primary')).not.toBeNull(), { timeout: 15000 })
  document.querySelector<HTMLElement>('.el-message-box__btns .el-button--primary')!.click()
  await settle()
}

vi.stubGlobal('fetch', fakeFetch)
vi.stubGlobal('EventSource', FakeEventSource)

describe('通知管理 and 通知设置', { timeout: 60_000 }, () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
  })

  afterAll(() => app.unmount())

  it('lists deliveries with attempts and errors, and queues a failed one again', async () => {
    await router.push('/')
    await vi.waitFor(() => expect(tid('menu-notify-admin')).not.toBeNull(), { timeout: 15000 })
    await router.push('/notify-admin')
    await vi.waitFor(() => expect(tids('notify-delivery-status').length).toBe(2), { timeout: 15000 })
    expect(tids('notify-delivery-status').map((e) => e.getAttribute('data-status'))).toEqual(['failed', 'sent'])
    expect(tids('notify-delivery-event').map((e) => e.textContent?.trim())).toEqual(['超时督办·2 级', '满意度评价邀请'])
    expect(tids('notify-delivery-channel').map((e) => e.textContent?.trim())).toEqual(['Webhook', '站内'])
    expect(tids('notify-delivery-attempts').map((e) => e.textContent)).toEqual(['8', '0'])
    expect(tids('notify-delivery-error')[0]?.textContent).toBe('HTTP 502 Bad Gateway')
    // only the failed webhook can be resent (in-app never)
    expect(tids('notify-delivery-resend').length).toBe(1)
    tids('notify-delivery-resend')[0]!.click()
    await confirmBox()
    await vi.waitFor(() => expect(tids('notify-delivery-status')[0]?.getAttribute('data-status')).toBe('pending'), { timeout: 15000 })
    expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/notifications/deliveries/12/resend')).toBe(true)
    expect(tids('notify-delivery-resend').length).toBe(0)
  })

  it('edits 超时督办 with a variable tag and a live preview, then saves and restores it', async () => {
    tid('notify-tab-templates')?.click()
    await vi.waitFor(() => expect(tid('notify-template-editor')).not.toBeNull(), { timeout: 15000 })
    tid('notify-template-item-sla.escalation')?.click()
    await vi.waitFor(() => expect(tid('notify-template-editor')?.getAttribute('data-kind')).toBe('sla.escalation'), { timeout: 15000 })
    expect(tid('notify-template-preview-subject')?.textContent).toBe('【超时督办·2级】工单 GD20261122-000123 解决已超时 1.5 小时')

    const subject = inputOf('notify-template-subject') as HTMLInputElement
    type(subject, '督办 {{ticket_number}}，客户：')
    await settle()
    subject.focus()
    subject.setSelectionRange(subject.value.length, subject.value.length)
    tid('notify-template-var-customer')?.click()
    await settle()
    expect(subject.value).toBe('督办 {{ticket_number}}，客户：{{customer}}')
    expect(tid('notify-template-preview-subject')?.textContent).toBe('督办 GD20261122-000123，客户：张三')
    expect(tid('notify-template-editor')?.getAttribute('data-dirty')).toBe('true')

    // an unknown variable is named and the save is held back
    type(inputOf('notify-template-body'), '{{nope}} 请处理')
    await settle()
    // form-item errors show after a short debounce
    await vi.waitFor(() => expect(tid('notify-template-editor')?.textContent).toContain('未知变量 {{nope}}'), { timeout: 15000 })
    expect(tid('notify-template-save')?.hasAttribute('disabled')).toBe(true)
    expect(tid('notify-template-preview-body')?.textContent).toBe(' 请处理')
    type(inputOf('notify-template-body'), '请尽快处理 {{ticket_number}}')
    await settle()

    tid('notify-template-server-preview-run')?.click()
    await vi.waitFor(() => expect(tid('notify-template-server-preview-subject')?.textContent).toBe('S:督办 {{ticket_number}}，客户：{{customer}}'), { timeout: 15000 })

    tid('notify-template-save')?.click()
    await vi.waitFor(() => expect(tid('notify-template-item-sla.escalation')?.getAttribute('data-custom')).toBe('true'), { timeout: 15000 })
    const put = requests.find((r) => r.method === 'PUT' && r.url.includes('/templates/'))
    expect(put?.url).toBe('/api/v1/notifications/templates/sla.escalation')
    expect(put?.body).toEqual({ subject: '督办 {{ticket_number}}，客户：{{customer}}', body: '请尽快处理 {{ticket_number}}' })
    expect(tid('notify-template-editor')?.getAttribute('data-dirty')).toBe('false')

    tid('notify-template-reset')?.click()
    await confirmBox()
    await vi.waitFor(() => expect(tid('notify-template-item-sla.escalation')?.getAttribute('data-custom')).toBe('false'), { timeout: 15000 })
    expect(requests.some((r) => r.method === 'DELETE' && r.url === '/api/v1/notifications/templates/sla.escalation')).toBe(true)
    expect((inputOf('notify-template-subject') as HTMLInputElement).value).toBe(builtIn['sla.escalation']!.subject)
  })

  it('adds a webhook with a generated secret shown once, and edits one keeping its URL and secret', async () => {
    tid('notify-tab-endpoints')?.click()
    await vi.waitFor(() => expect(tids('notify-endpoint-name').length).toBe(1), { timeout: 15000 })
    expect(tid('notify-endpoint-events')?.textContent).toContain('超时督办')

    tid('notify-endpoint-create')?.click()
    await vi.waitFor(() => expect(tid('notify-endpoint-dialog')).not.toBeNull(), { timeout: 15000 })
    await settle()
    // the kinds come from the server's templates, less those that only reach people
    expect(tid('notify-endpoint-event-sla.warning')).not.toBeNull()
    expect(tid('notify-endpoint-event-report.scheduled')).toBeNull()
    type(inputOf('notify-endpoint-form-name'), '工单系统回调')
    ;(tid('notify-endpoint-kind-webhook')?.querySelector('input') as HTMLInputElement | null)?.click()
    await settle()
    type(inputOf('notify-endpoint-form-url'), 'https://erp.example.com/hook')
    // without a secret a webhook is refused before asking the server
    tid('notify-endpoint-form-submit')?.click()
    await vi.waitFor(() => expect(tid('notify-endpoint-dialog')?.textContent).toContain('Webhook 须设置签名密钥'), { timeout: 15000 })
    expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/notifications/endpoints')).toBe(false)

    tid('notify-endpoint-form-generate')?.click()
    await settle()
    const secret = (inputOf('notify-endpoint-form-secret') as HTMLInputElement).value
    expect(secret).toMatch(/^[A-Za-z2-9]{40}$/)
    tid('notify-endpoint-form-submit')?.click()
    await vi.waitFor(() => expect(tid('secret-dialog')).not.toBeNull(), { timeout: 15000 })
    const post = requests.find((r) => r.method === 'POST' && r.url === '/api/v1/notifications/endpoints')
    expect(post?.body).toMatchObject({ name: '工单系统回调', kind: 'webhook', url: 'https://erp.example.com/hook', secret, events: [], min_level: 0, active: true })
    expect((inputOf('secret-value') as HTMLInputElement).value).toBe(secret)
    tid('secret-close')?.click()
    await vi.waitFor(() => expect(tids('notify-endpoint-name').length).toBe(2), { timeout: 15000 })

    tids('notify-endpoint-edit')[0]!.click()
    await vi.waitFor(() => expect((inputOf('notify-endpoint-form-name') as HTMLInputElement | null)?.value).toBe('运维告警'), { timeout: 15000 })
    type(inputOf('notify-endpoint-form-name'), '运维告警群')
    tid('notify-endpoint-form-submit')?.click()
    await vi.waitFor(() => expect(requests.some((r) => r.method === 'PUT' && r.url === '/api/v1/notifications/endpoints/3')).toBe(true), { timeout: 15000 })
    const put = requests.find((r) => r.method === 'PUT' && r.url === '/api/v1/notifications/endpoints/3')!
    expect(put.body).toEqual({ name: '运维告警群', kind: 'webhook', events: ['sla.escalation'], min_level: 2, active: true })
    await vi.waitFor(() => expect(tids('notify-endpoint-name')[0]?.textContent).toBe('运维告警群'), { timeout: 15000 })
  })

  it('flips the customer notice switches, adds an org and lets one inherit again', async () => {
    await router.push('/notify-admin?tab=customers')
    await vi.waitFor(() => expect(tid('notify-customers')?.getAttribute('data-ready')).toBe('true'), { timeout: 15000 })
    expect(tid('notify-customers-global')?.getAttribute('data-default')).toBe('true')
    expect(tid('notify-customers-global-survey')?.getAttribute('data-value')).toBe('true')
    expect(tids('notify-customers-org-name').map((e) => e.textContent)).toEqual(['海淀支行'])

    // the global 已受理 on: all three switches are sent, the built-in tag goes
    tid('notify-customers-global-ticket_received')?.click()
    await vi.waitFor(() => expect(tid('notify-customers-global-ticket_received')?.getAttribute('data-value')).toBe('true'), { timeout: 15000 })
    const put = requests.find((r) => r.method === 'PUT' && r.url === '/api/v1/notifications/customer-settings/0')
    expect(put?.body).toEqual({ ticket_received: true, ticket_resolved: false, survey: true })
    expect(tid('notify-customers-default')).toBeNull()

    // an org's 满意度评价链接 off
    tids('notify-customers-row-survey')[0]?.click()
    await vi.waitFor(() => expect(tids('notify-customers-row-survey')[0]?.getAttribute('data-value')).toBe('false'), { timeout: 15000 })
    expect(requests.find((r) => r.method === 'PUT' && r.url === '/api/v1/notifications/customer-settings/7')?.body).toEqual({ ticket_received: true, ticket_resolved: false, survey: false })

    // 朝阳支行 gets switches copied from the global ones
    tid('notify-customers-org')?.querySelector<HTMLElement>('.el-select__wrapper')?.click()
    await vi.waitFor(() => expect(tid('notify-customers-org-option-HXB-CY')).not.toBeNull(), { timeout: 15000 })
    tid('notify-customers-org-option-HXB-CY')?.click()
    await settle()
    tid('notify-customers-add')?.click()
    // rows in pinyin order of the org names: 朝阳 before 海淀
    await vi.waitFor(() => expect(tids('notify-customers-org-name').map((e) => e.textContent)).toEqual(['朝阳支行', '海淀支行']), { timeout: 15000 })
    expect(requests.find((r) => r.method === 'PUT' && r.url === '/api/v1/notifications/customer-settings/8')?.body).toEqual({ ticket_received: true, ticket_resolved: false, survey: true })

    // 海淀支行 inherits again
    tids('notify-customers-remove')[1]?.click()
    await confirmBox()
    await vi.waitFor(() => expect(tids('notify-customers-org-name').map((e) => e.textContent)).toEqual(['朝阳支行']), { timeout: 15000 })
    expect(requests.some((r) => r.method === 'DELETE' && r.url === '/api/v1/notifications/customer-settings/7')).toBe(true)
  })

  it('saves quiet hours on the profile page', async () => {
    await router.push('/profile')
    await vi.waitFor(() => expect(tid('notify-prefs')?.getAttribute('data-ready')).toBe('true'), { timeout: 15000 })
    expect(tid('notify-prefs')?.getAttribute('data-dirty')).toBe('false')
    expect(tid('notify-prefs-email-hint')?.textContent).toContain('未设置邮箱')
    expect(tid('notify-prefs-sms-hint')?.textContent).toContain('13800000001')
    tid('notify-prefs-quiet')?.click()
    await settle()
    expect(tid('notify-prefs-overnight')).not.toBeNull()
    tid('notify-prefs-sms')?.click()
    await settle()
    expect(tid('notify-prefs')?.getAttribute('data-dirty')).toBe('true')
    tid('notify-prefs-save')?.click()
    await vi.waitFor(() => expect(tid('notify-prefs')?.getAttribute('data-dirty')).toBe('false'), { timeout: 15000 })
    const put = requests.find((r) => r.method === 'PUT' && r.url === '/api/v1/notifications/preferences')
    expect(put?.body).toEqual({ email: true, sms: false, quiet_start: '22:00', quiet_end: '07:00', time_zone: 'Asia/Shanghai' })
  })
})
