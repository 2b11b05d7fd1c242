// Mounts the app against a fake API: the contract list (即将到期 and days left, the 即将到期
// filter), a contract's devices and the device picker, the ticket list's saved views and bulk
// status change with per-ticket failures, and a resolved ticket's attachments and rating.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

const user = {
  id: 5,
  login: 'supervisor01',
  name: '陈静',
  org_id: 3,
  org_name: '客服中心',
  job_no: 'D0005',
  phone: '',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

const workflow = {
  statuses: [
    { code: 'new', name_zh: '新建', name_en: 'New', pauses_sla: false, final: false },
    { code: 'assigned', name_zh: '已分配', name_en: 'Assigned', pauses_sla: false, final: false },
    { code: 'in_progress', name_zh: '处理中', name_en: 'In progress', pauses_sla: false, final: false },
    { code: 'resolved', name_zh: '已解决', name_en: 'Resolved', pauses_sla: false, final: false },
    { code: 'closed', name_zh: '已关闭', name_en: 'Closed', pauses_sla: false, final: true },
  ],
  transitions: [
    { from: 'new', to: 'assigned' },
    { from: 'assigned', to: 'in_progress' },
    { from: 'in_progress', to: 'resolved' },
    { from: 'resolved', to: 'closed' },
  ],
  reopen_days: 7,
}

function ticket(id: number, status: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    number: `GD20260301-00000${id}`,
    type: 'repair',
    type_name: '报修',
    title: `工单 ${id}`,
    description: '',
    priority: 'normal',
    status,
    pending_reason: '',
    channel: 'phone',
    customer_id: null,
    customer_name: null,
    asset_id: null,
    asset_code: null,
    org_id: 11,
    org_name: '陆家嘴网点',
    vendor_org_id: null,
    vendor_org_name: null,
    station_id: null,
    station_name: null,
    assignee_id: null,
    assignee_name: null,
    parent_id: null,
    category_id: null,
    reported_at: '2026-03-01T00:00:00Z',
    assigned_at: null,
    departed_at: null,
    arrived_at: null,
    repaired_at: null,
    resolved_at: status === 'resolved' ? '2026-03-01T05:00:00Z' : null,
    closed_at: null,
    distance_km: null,
    pending_since: null,
    version: 1,
    created_at: '2026-03-01T00:00:00Z',
    updated_at: '2026-03-01T00:00:00Z',
    durations: { response_minutes: null, travel_minutes: null, repair_minutes: null, fault_minutes: null, pending_minutes: 0 },
    sla: { policy_id: null, targets: {} },
    ...extra,
  }
}

const tickets = [ticket(1, 'in_progress'), ticket(2, 'new'), ticket(3, 'resolved')]

const shanghai = {
  id: 2,
  code: 'HT-2026-SH',
  name: '上海分行自助设备维保合同',
  client_org_id: 10,
  client_org_name: '上海分行',
  vendor_org_id: 20,
  vendor_org_name: '安达维保',
  starts_on: '2026-01-01',
  ends_on: '2026-03-21',
  status: 'expiring',
  days_left: 20,
  sla_policy_id: null,
  commitments: { response_minutes: 30, arrival_minutes: 240, resolution_minutes: 480, hours: '7×24' },
  notes: '',
  devices: 2,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}
const beijing = { ...shanghai, id: 1, code: 'HT-2026-BJ', name: '北京分行自助设备维保合同', client_org_name: '北京分行', ends_on: '2026-12-31', status: 'active', days_left: 305 }

const devices = [
  { id: 101, code: 'SB0000101', type: 'ATM', brand: '广电运通', model: 'H68N', serial: 'S101', org_id: 11, org_name: '陆家嘴网点' },
  { id: 102, code: 'SB0000102', type: 'ATM', brand: '广电运通', model: 'H68N', serial: 'S102', org_id: 11, org_name: '陆家嘴网点' },
]
const assets = devices.map((d) => ({ ...d, vendor_org_id: 20, vendor_org_name: '安达维保', installed_on: null, warranty_until: null, contract_id: 2, status: 'in_service', location: '', created_at: '', updated_at: '' }))

let views: { id: number; kind: string; name: string; query: string; created_at: string }[] = []
const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body })
  const path = url.replace(/\?.*$/, '')
  switch (`${method} ${path}`) {
    case 'GET /api/v1/auth/me':
      return reply(200, {
        user,
        permissions: ['ticket.read', 'ticket.assign', 'ticket.update', 'ticket.comment', 'contract.read', 'contract.update', 'asset.read', 'org.read', 'rating.read', 'rating.create'],
        scope: { mode: 'all', org_ids: [] },
        csrf_token: 'csrf-9',
      })
    case 'GET /api/v1/orgs':
      return reply(200, { items: [] })
    case 'GET /api/v1/ticket-types':
      return reply(200, { items: [{ code: 'repair', name: '报修', builtin: true, workflow, sort: 1 }], total: 1 })
    case 'GET /api/v1/contracts':
      return reply(200, url.includes('status=expiring') ? { items: [shanghai], total: 1 } : { items: [shanghai, beijing], total: 2 })
    case 'GET /api/v1/contracts/2':
      return reply(200, shanghai)
    case 'GET /api/v1/contracts/2/assets':
      return reply(200, { items: devices, total: devices.length })
    case 'GET /api/v1/assets':
      return reply(200, { items: assets, total: assets.length })
    case 'PUT /api/v1/contracts/2/assets':
      return reply(200, { ...shanghai, devices: body.asset_ids.length })
    case 'GET /api/v1/tickets':
      return reply(200, { items: tickets, total: tickets.length, total_exact: true })
    case 'GET /api/v1/saved-views':
      return reply(200, { items: views, total: views.length })
    case 'POST /api/v1/saved-views': {
      const v = { id: views.length + 1, kind: body.kind, name: body.name, query: body.query, created_at: '2026-03-01T00:00:00Z' }
      views = [...views.filter((x) => x.name !== v.name), v]
      return reply(201, v)
    }
    case 'POST /api/v1/tickets/bulk':
      return reply(200, {
        results: body.ids.map((id: number) =>
          id === 1 ? { id, ok: true, status: body.to } : { id, ok: false, error: { code: 'conflict', message: '不能从“新建”变更为“已解决”' } },
        ),
        succeeded: 1,
        failed: body.ids.length - 1,
      })
    case 'GET /api/v1/tickets/3':
      return reply(200, tickets[2])
    case 'GET /api/v1/tickets/3/events':
    case 'GET /api/v1/tickets/3/comments':
      return reply(200, { items: [], total: 0 })
    case 'GET /api/v1/tickets/3/watchers':
      return reply(200, { items: [], total: 0, watching: false })
    case 'GET /api/v1/tickets/3/subtasks':
      return reply(200, { items: [], total: 0, total_exact: true })
    case 'GET /api/v1/tickets/3/attachments':
      return reply(200, {
        items: [
          { id: 41, ticket_id: 3, name: '现场.png', content_type: 'image/png', size: 2048, sha256: '', uploaded_by: 18, uploader_name: '高峰', created_at: '2026-03-01T04:00:00Z', url: '/api/v1/attachments/41' },
          { id: 42, ticket_id: 3, name: '报告.pdf', content_type: 'application/pdf', size: 3 * 1024 * 1024, sha256: '', uploaded_by: 18, uploader_name: '高峰', created_at: '2026-03-01T04:05:00Z', url: '/api/v1/attachments/42' },
        ],
        total: 2,
      })
    case 'GET /api/v1/ratings':
      return reply(200, {
        items: [{ id: 8, channel: 'survey', session_id: null, ticket_id: 3, org_id: 11, staff_id: null, level: 4, scale: 4, level_label: '非常满意', satisfied: true, reasons: [], comment: '很及时', rated_at: '2026-03-01T06:00:00Z' }],
        total: 1,
      })
    case 'GET /api/v1/rating-settings':
      return reply(200, {
        scale: 4,
        satisfied_min: 3,
        followup_max: 2,
        timeout_seconds: 15,
        reasons: [],
        welcome: '',
        levels: [
          { level: 1, label: '不满意' },
          { level: 2, label: '一般' },
          { level: 3, label: '满意' },
          { level: 4, label: '非常满意' },
        ],
      })
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

vi.stubGlobal('fetch', fakeFetch)

describe('contracts, bulk actions, saved views, attachments and ratings', () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/contracts')
    await settle()
  }, 60_000)

  afterAll(() => app.unmount())

  it('lists contracts with status tags and days left, and filters to 即将到期', async () => {
    await vi.waitFor(() => expect(tids('contract-row-status').length).toBe(2), { timeout: 10_000 })
    expect(tid('menu-contracts')).not.toBeNull()
    expect(tid('menu-dispatch-rules')).not.toBeNull()
    const first = tids('contract-row-status')[0]!
    expect(first.getAttribute('data-status')).toBe('expiring')
    expect(first.textContent?.trim()).toBe('即将到期')
    expect(tids('contract-row-status')[1]?.textContent?.trim()).toBe('生效中')
    expect(tids('contract-row-days')[0]?.textContent).toBe('剩余 20 天')
    tid('contract-filter-expiring')?.click()
    await vi.waitFor(() => expect(tids('contract-row-status').length).toBe(1), { timeout: 5000 })
    expect(requests.some((r) => r.url.includes('/api/v1/contracts?') && r.url.includes('status=expiring'))).toBe(true)
  }, 30_000)

  it('shows a contract with its commitments and devices, and sets the covered devices', async () => {
    tid('contract-open')?.click()
    await vi.waitFor(() => expect(tid('contract-code')?.textContent).toBe('HT-2026-SH'), { timeout: 10_000 })
    await vi.waitFor(() => expect(tids('contract-device-open').map((e) => e.textContent?.trim())).toEqual(['SB0000101', 'SB0000102']), { timeout: 5000 })
    expect(tid('contract-status')?.getAttribute('data-status')).toBe('expiring')
    expect(tid('contract-commitment-response')?.textContent).toBe('30 分')
    expect(tid('contract-commitment-arrival')?.textContent).toBe('4 小时')
    expect(tid('contract-commitment-hours')?.textContent).toBe('7×24')

    tid('contract-devices-edit')?.click()
    await vi.waitFor(() => expect(tids('contract-device-pick').length).toBe(2), { timeout: 5000 })
    expect(tid('contract-device-selected')?.getAttribute('data-count')).toBe('2')
    expect((tid('contract-device-submit') as HTMLButtonElement).disabled).toBe(true)
    tids('contract-device-pick')[1]?.querySelector('input')?.click()
    await settle()
    expect(tid('contract-device-selected')?.getAttribute('data-count')).toBe('1')
    tid('contract-device-submit')?.click()
    await vi.waitFor(() => expect(requests.some((r) => r.method === 'PUT' && r.url === '/api/v1/contracts/2/assets')).toBe(true), { timeout: 5000 })
    expect(requests.find((r) => r.method === 'PUT')?.body).toEqual({ asset_ids: [101] })
  }, 30_000)

  it('saves the ticket filter as a view and puts it in the address bar', async () => {
    await router.push('/tickets?status=new&priority=high')
    await vi.waitFor(() => expect(tids('ticket-open').length).toBe(3), { timeout: 10_000 })
    expect(requests.some((r) => r.url.startsWith('/api/v1/tickets?') && r.url.includes('status=new') && r.url.includes('priority=high'))).toBe(true)
    tid('saved-views-button')?.click()
    await settle()
    tid('saved-view-save')?.click()
    await vi.waitFor(() => expect(document.querySelector('.el-message-box__input input')).not.toBeNull(), { timeout: 5000 })
    const input = document.querySelector<HTMLInputElement>('.el-message-box__input input')!
    input.value = '新建高优先级'
    input.dispatchEvent(new Event('input'))
    await settle()
    document.querySelector<HTMLElement>('.el-message-box__btns .el-button--primary')?.click()
    await vi.waitFor(() => expect(views.length).toBe(1), { timeout: 5000 })
    expect(views[0]).toMatchObject({ kind: 'tickets', name: '新建高优先级', query: 'status=new&priority=high' })
    await vi.waitFor(() => expect(tid('saved-views-button')?.getAttribute('data-current')).toBe('新建高优先级'), { timeout: 5000 })

    tid('ticket-search-reset')?.click()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/tickets'), { timeout: 5000 })
    tid('saved-view')?.click()
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ status: 'new', priority: 'high' }), { timeout: 5000 })
  }, 30_000)

  it('changes the status of selected tickets and lists the failures', async () => {
    await vi.waitFor(() => expect(tids('ticket-open').length).toBe(3), { timeout: 5000 })
    const boxes = [...document.querySelectorAll<HTMLInputElement>('[data-test="ticket-table"] .el-table__row .el-checkbox input')]
    expect(boxes.length).toBe(3)
    boxes[0]!.click()
    boxes[1]!.click()
    await settle()
    expect(tid('ticket-bulk-count')?.getAttribute('data-count')).toBe('2')
    tid('ticket-bulk-transition')?.click()
    await settle()
    tid('ticket-bulk-to')?.querySelector<HTMLElement>('.el-select__wrapper')?.click()
    await settle()
    tid('ticket-bulk-to-resolved')?.click()
    await settle()
    expect(tid('ticket-bulk-eligible')?.getAttribute('data-count')).toBe('1')
    tid('ticket-bulk-transition-submit')?.click()
    await vi.waitFor(() => expect(tid('ticket-bulk-summary')).not.toBeNull(), { timeout: 5000 })
    expect(requests.find((r) => r.url === '/api/v1/tickets/bulk')?.body).toEqual({ ids: [1, 2], action: 'transition', to: 'resolved' })
    expect(tid('ticket-bulk-summary')?.getAttribute('data-succeeded')).toBe('1')
    expect(tid('ticket-bulk-summary')?.getAttribute('data-failed')).toBe('1')
    expect(tids('ticket-bulk-failure').map((e) => e.textContent)).toEqual(['GD20260301-000002'])
    expect(tid('ticket-bulk-failures')?.textContent).toContain('不能从')
  }, 30_000)

  it('shows a resolved ticket with image thumbnails, file links and the rating', async () => {
    await router.push('/tickets/3')
    await vi.waitFor(() => expect(tids('attachment-item').length).toBe(2), { timeout: 10_000 })
    const [img, pdf] = tids('attachment-item')
    expect(img?.getAttribute('data-kind')).toBe('image')
    expect(img?.querySelector('[data-test="attachment-thumb"]')).not.toBeNull()
    expect(pdf?.getAttribute('data-kind')).toBe('file')
    expect(pdf?.querySelector('[data-test="attachment-link"]')?.getAttribute('href')).toBe('/api/v1/attachments/42')
    expect(pdf?.querySelector('[data-test="attachment-size"]')?.textContent).toBe('3 MB')
    expect(tid('attachment-count')?.getAttribute('data-count')).toBe('2')
    await vi.waitFor(() => expect(tid('ticket-rating')?.getAttribute('data-level')).toBe('4'), { timeout: 5000 })
    expect(tid('ticket-rating-label')?.textContent?.trim()).toBe('非常满意')
    expect(tid('ticket-rating-form')).toBeNull() // already rated
    expect(tid('ticket-auto-assign')).toBeNull() // resolved: nothing to dispatch
  })
})
