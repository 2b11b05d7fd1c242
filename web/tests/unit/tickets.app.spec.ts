// Mounts the whole app against a fake ticket API: the list with a capped total, the detail page
// (moves from the workflow, a pending reason, a stale version answered with 409, timeline and
// durations) and the engineer's 完成 (修复 then 已解决, each with the version just received).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

const user = {
  id: 18,
  login: 'eng.bj1a',
  name: '高峰',
  org_id: 22,
  org_name: '北京第一服务站',
  job_no: 'D0018',
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
    { code: 'pending', name_zh: '挂起', name_en: 'Pending', pauses_sla: true, final: false, reasons: ['waiting_parts', 'waiting_customer', 'sent_for_repair'] },
    { code: 'resolved', name_zh: '已解决', name_en: 'Resolved', pauses_sla: false, final: false },
    { code: 'closed', name_zh: '已关闭', name_en: 'Closed', pauses_sla: false, final: true },
  ],
  transitions: [
    { from: 'new', to: 'assigned' },
    { from: 'assigned', to: 'in_progress' },
    { from: 'assigned', to: 'pending' },
    { from: 'in_progress', to: 'pending' },
    { from: 'in_progress', to: 'resolved' },
    { from: 'in_progress', to: 'assigned' },
    { from: 'pending', to: 'in_progress' },
    { from: 'resolved', to: 'closed' },
  ],
  reopen_days: 7,
}

let ticket: Record<string, unknown>

function freshTicket() {
  return {
    id: 7,
    number: 'GD20260301-000007',
    type: 'repair',
    type_name: '报修',
    title: 'ATM 吞卡',
    description: '中关村网点 1 号机吞卡',
    priority: 'high',
    status: 'in_progress',
    pending_reason: '',
    channel: 'phone',
    customer_id: null,
    customer_name: null,
    asset_id: 1,
    asset_code: 'SB0000001',
    org_id: 5,
    org_name: '中关村网点',
    vendor_org_id: 22,
    vendor_org_name: '北京第一服务站',
    station_id: 22,
    station_name: '北京第一服务站',
    assignee_id: 18,
    assignee_name: '高峰',
    parent_id: null,
    category_id: null,
    reported_at: '2026-03-01T00:00:00Z',
    assigned_at: '2026-03-01T00:10:00Z',
    departed_at: '2026-03-01T00:20:00Z',
    arrived_at: '2026-03-01T01:45:00Z',
    repaired_at: null,
    resolved_at: null,
    closed_at: null,
    distance_km: 12.5,
    pending_since: null,
    version: 3,
    created_at: '2026-03-01T00:00:00Z',
    updated_at: '2026-03-01T01:45:00Z',
    durations: { response_minutes: 10, travel_minutes: 85, repair_minutes: null, fault_minutes: null, pending_minutes: 0 },
    sla: { policy_id: null, targets: {} },
  }
}

const events = [
  { id: 1, kind: 'reported', at: '2026-03-01T00:00:00Z', recorded_at: '2026-03-01T00:00:00Z', actor_id: 2, actor_name: '陈静', from_status: '', to_status: 'new', reason: '', data: { entered: false, channel: 'phone' } },
  { id: 2, kind: 'assigned', at: '2026-03-01T00:10:00Z', recorded_at: '2026-03-01T00:10:00Z', actor_id: 2, actor_name: '陈静', from_status: 'new', to_status: 'assigned', reason: '', data: { assignee: '高峰' } },
  { id: 3, kind: 'departed', at: '2026-03-01T00:20:00Z', recorded_at: '2026-03-01T00:20:00Z', actor_id: 18, actor_name: '高峰', from_status: 'assigned', to_status: 'assigned', reason: '', data: { entered: false } },
  { id: 4, kind: 'arrived', at: '2026-03-01T01:45:00Z', recorded_at: '2026-03-01T03:00:00Z', actor_id: 18, actor_name: '高峰', from_status: 'assigned', to_status: 'in_progress', reason: '', data: { entered: true, distance_km: 12.5 } },
]

let staleOnce = false
const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body })
  const path = url.replace(/\?.*$/, '')
  const route = `${method} ${path}`
  const stale = () => reply(409, { error: { code: 'conflict', message: '工单已被他人修改，请刷新后重试' } })
  switch (route) {
    case 'GET /api/v1/auth/me':
      return reply(200, {
        user,
        permissions: ['ticket.read', 'ticket.update', 'ticket.comment', 'asset.read', 'org.read'],
        scope: { mode: 'self', org_ids: [] },
        csrf_token: 'csrf-7',
      })
    case 'GET /api/v1/orgs':
      return reply(200, { items: [] })
    case 'GET /api/v1/ticket-types':
      return reply(200, { items: [{ code: 'repair', name: '报修', builtin: true, workflow, sort: 1 }], total: 1 })
    case 'GET /api/v1/tickets':
      if (url.includes('assignee_id=18')) {
        const done = { ...freshTicket(), id: 8, number: 'GD20260301-000008', status: 'resolved' }
        return reply(200, { items: [ticket, done], total: 2, total_exact: true })
      }
      return reply(200, { items: [ticket], total: 10000, total_exact: false })
    case 'GET /api/v1/tickets/7':
      return reply(200, ticket)
    case 'GET /api/v1/tickets/7/events':
      return reply(200, { items: events, total: events.length })
    case 'GET /api/v1/tickets/7/comments':
      return reply(200, { items: [], total: 0 })
    case 'GET /api/v1/tickets/7/watchers':
      return reply(200, { items: [], total: 0, watching: false })
    case 'GET /api/v1/tickets/7/subtasks':
      return reply(200, { items: [], total: 0, total_exact: true })
    case 'POST /api/v1/tickets/7/transitions':
      if (staleOnce) {
        staleOnce = false
        ticket = { ...ticket, version: (ticket.version as number) + 1, priority: 'urgent' }
        return stale()
      }
      if (body.version !== ticket.version) return stale()
      ticket = {
        ...ticket,
        status: body.to,
        pending_reason: body.reason ?? '',
        resolved_at: body.to === 'resolved' ? '2026-03-01T03:30:00Z' : null,
        version: (ticket.version as number) + 1,
      }
      return reply(200, ticket)
    case 'POST /api/v1/tickets/7/events':
      if (body.version !== ticket.version) return stale()
      ticket = { ...ticket, repaired_at: '2026-03-01T03:10:00Z', distance_km: body.distance_km ?? ticket.distance_km, version: (ticket.version as number) + 1 }
      return reply(200, ticket)
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

vi.stubGlobal('fetch', fakeFetch)

describe('ticket pages', () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    ticket = freshTicket()
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/tickets')
    await settle()
  })

  afterAll(() => app.unmount())

  it('lists tickets with workflow status names and a capped total', async () => {
    await vi.waitFor(() => expect(tid('ticket-table')?.textContent).toContain('GD20260301-000007'), { timeout: 5000 })
    expect(tid('menu-ticket-group')).not.toBeNull()
    expect(tid('menu-tickets')).not.toBeNull()
    expect(tid('menu-engineer')).not.toBeNull()
    expect(tid('menu-ticket-board')).toBeNull() // no ticket.assign
    expect(tid('ticket-create')).toBeNull() // no ticket.create
    await vi.waitFor(() => expect(tid('ticket-row-status')?.textContent?.trim()).toBe('处理中'))
    expect(tid('ticket-row-priority')?.getAttribute('data-priority')).toBe('high')
    expect(tid('ticket-total')?.textContent).toBe('共 10000+ 条')
  })

  it('shows the detail with the moves of the workflow, timeline and durations', async () => {
    await router.push('/tickets/7')
    await vi.waitFor(() => expect(tid('ticket-number')?.textContent).toBe('GD20260301-000007'), { timeout: 5000 })
    await vi.waitFor(() => expect(tid('ticket-status')?.textContent?.trim()).toBe('处理中'))
    // in_progress → pending, resolved (→ assigned is 派单's, and there is no ticket.assign)
    expect(tids('ticket-actions')[0]?.querySelectorAll('[data-test^="ticket-transition-"]').length).toBe(2)
    expect(tid('ticket-transition-pending')).not.toBeNull()
    expect(tid('ticket-transition-resolved')).not.toBeNull()
    expect(tid('ticket-transition-assigned')).toBeNull()
    expect(tid('ticket-assign')).toBeNull()
    expect(tid('ticket-event-repaired')).not.toBeNull()
    expect(tids('ticket-event').map((e) => e.getAttribute('data-kind'))).toEqual(['reported', 'assigned', 'departed', 'arrived'])
    expect(tids('ticket-event')[3]?.textContent).toContain('往返路程 12.5 公里')
    expect(tids('ticket-event-entered').length).toBe(1)
    expect(tid('ticket-duration-travel')?.textContent).toBe('1 小时 25 分')
    expect(tid('ticket-duration-response')?.textContent).toBe('10 分')
    expect(tid('ticket-duration-repair')?.textContent).toBe('暂无')
    expect(tid('ticket-sla-panel')).not.toBeNull()
  })

  it('puts a ticket on hold with a reason and the version', async () => {
    tid('ticket-transition-pending')?.click()
    await settle()
    expect((tid('ticket-transition-submit') as HTMLButtonElement).disabled).toBe(true)
    tid('ticket-transition-reason-waiting_parts')?.querySelector('input')?.click()
    await settle()
    tid('ticket-transition-submit')?.click()
    await vi.waitFor(() => expect(tid('ticket-status')?.getAttribute('data-status')).toBe('pending'), { timeout: 5000 })
    const post = requests.filter((r) => r.method === 'POST' && r.url === '/api/v1/tickets/7/transitions').at(-1)
    expect(post?.body).toEqual({ to: 'pending', reason: 'waiting_parts', version: 3 })
    expect(tid('ticket-pending-reason')?.textContent?.trim()).toBe('待配件')
  })

  it('shows the conflict of a stale version and reloads', async () => {
    staleOnce = true
    const before = requests.filter((r) => r.url === '/api/v1/tickets/7').length
    tid('ticket-transition-in_progress')?.click()
    await settle()
    tid('ticket-transition-submit')?.click()
    await vi.waitFor(() => expect(document.querySelector('.el-message')?.textContent).toContain('工单已被他人修改'), { timeout: 5000 })
    await vi.waitFor(() => expect(tid('ticket-priority')?.getAttribute('data-priority')).toBe('urgent'), { timeout: 5000 })
    expect(requests.filter((r) => r.url === '/api/v1/tickets/7').length).toBe(before + 1)
  })

  it('lets the engineer complete a task: 修复, then 已解决', async () => {
    ticket = freshTicket()
    await router.push('/engineer')
    await vi.waitFor(() => expect(tids('engineer-card').length).toBe(1), { timeout: 5000 }) // the resolved one is left out
    const card = tid('engineer-card')!
    expect(card.getAttribute('data-stage')).toBe('on_site')
    expect((card.querySelector('[data-test="engineer-depart"]') as HTMLButtonElement).disabled).toBe(true)
    expect((card.querySelector('[data-test="engineer-arrive"]') as HTMLButtonElement).disabled).toBe(true)
    ;(card.querySelector('[data-test="engineer-complete"]') as HTMLButtonElement).click()
    await settle()
    expect(tid('engineer-action-dialog')).not.toBeNull()
    tid('engineer-action-submit')?.click()
    await vi.waitFor(() => expect(tids('engineer-card').length).toBe(0), { timeout: 5000 })
    const posts = requests.filter((r) => r.method === 'POST' && r.url.startsWith('/api/v1/tickets/7/')).slice(-2)
    expect(posts.map((r) => r.url)).toEqual(['/api/v1/tickets/7/events', '/api/v1/tickets/7/transitions'])
    expect(posts[0]?.body).toEqual({ kind: 'repaired', distance_km: 12.5, version: 3 })
    expect(posts[1]?.body).toEqual({ to: 'resolved', version: 4 })
  })
})
