// The ticket page's SLA panel and the header's notification bell, mounted on their own against
// a fake API: target states and the policy's name; the unread count, a click that marks a
// notification read and opens its ticket, and 全部已读.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp, h, reactive } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '../../src/i18n'
import { router } from '../../src/router'
import { useAuthStore } from '../../src/stores/auth'
import TicketSlaPanel from '../../src/views/sla/TicketSlaPanel.vue'
import NotificationBell from '../../src/views/sla/NotificationBell.vue'

const hour = 3_600_000
const now = Date.now()
const iso = (ms: number) => new Date(ms).toISOString()

const ticket = reactive({
  reported_at: iso(now - 2 * hour),
  sla: {
    policy_id: 5,
    targets: {
      first_response: { due_at: iso(now - hour), met_at: iso(now - 1.5 * hour), breached: false, paused_minutes: 0 },
      arrival: { due_at: iso(now - 0.5 * hour), met_at: null, breached: true, paused_minutes: 0 },
      resolution: {
        due_at: iso(now + 2 * hour + 5 * 60_000 + 30_000),
        met_at: null,
        breached: false,
        paused_minutes: 25,
        pauses: [
          { started_at: '2026-11-23T01:00:00Z', ended_at: '2026-11-23T01:10:00Z', paused_minutes: 10 },
          { started_at: '2026-11-23T02:00:00Z', ended_at: null, paused_minutes: 15 },
        ],
      },
    } as Record<string, unknown>,
  },
})

let notifications = [
  { id: 1, kind: 'sla.escalation', level: 2, ticket_id: 41, title: '【超时督办·2级】工单 GD20261009-000041 解决已超时 1 小时', body: '请尽快处理', read: false, read_at: null, created_at: iso(now - 600_000) },
  { id: 2, kind: 'sla.warning', level: 0, ticket_id: 42, title: '工单 GD20261009-000042 2 小时后即将超时', body: '', read: true, read_at: iso(now), created_at: iso(now - 900_000) },
  { id: 3, kind: 'ticket.mention', level: 0, ticket_id: 43, title: '李明在工单 GD20261009-000043 中提到了你', body: '', read: true, read_at: iso(now), created_at: iso(now - 1_200_000) },
  { id: 4, kind: 'rating.survey', level: 0, ticket_id: 44, title: '请评价工单 GD20261009-000044', body: '', read: true, read_at: iso(now), created_at: iso(now - 1_500_000) },
]
const requests: string[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

vi.stubGlobal(
  'fetch',
  vi.fn(async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    requests.push(`${method} ${url}`)
    const path = url.replace(/\?.*$/, '')
    switch (`${method} ${path}`) {
      case 'GET /api/v1/auth/me':
        return reply(200, { user: { id: 2, login: 'supervisor01', name: '陈静', must_change_password: false }, permissions: ['sla.read', 'ticket.read'], scope: { mode: 'all', org_ids: [] }, csrf_token: 'c' })
      case 'GET /api/v1/sla/policies/5':
        return reply(200, { id: 5, name: '设备报修' })
      case 'GET /api/v1/notifications':
        return reply(200, { items: notifications, total: notifications.length, unread: notifications.filter((n) => !n.read).length })
      case 'POST /api/v1/notifications/1/read':
        notifications = notifications.map((n) => (n.id === 1 ? { ...n, read: true, read_at: iso(Date.now()) } : n))
        return reply(200, notifications[0])
      case 'POST /api/v1/notifications/read-all':
        notifications = notifications.map((n) => ({ ...n, read: true }))
        return reply(200, { updated: 0 })
    }
    return reply(404, { error: { code: 'not_found', message: 'not found' } })
  }),
)

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

describe('ticket SLA panel and notification bell', { timeout: 60_000 }, () => {
  const pinia = createPinia()
  const app = createApp({ render: () => h('div', [h(NotificationBell, { pollMs: 3_600_000 }), h(TicketSlaPanel, { ticket })]) })
  app.use(pinia)
  app.use(i18n)
  app.use(ElementPlus)
  app.use(router)
  const root = document.createElement('div')

  beforeAll(async () => {
    useAuthStore(pinia).permissions = ['sla.read', 'ticket.read']
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await settle()
  })

  afterAll(() => app.unmount())

  it('shows each target with its state and the policy name', async () => {
    await vi.waitFor(() => expect(tid('ticket-sla-policy')?.textContent).toBe('设备报修'), { timeout: 15000 })
    expect(tid('ticket-sla-panel')?.getAttribute('data-policy')).toBe('5')
    expect(tids('ticket-sla-target-first_response')[0]?.getAttribute('data-state')).toBe('met')
    expect(tid('ticket-sla-state-first_response')?.textContent?.trim()).toBe('按时完成')
    expect(tid('ticket-sla-target-arrival')?.getAttribute('data-state')).toBe('breached')
    expect(tid('ticket-sla-state-arrival')?.textContent?.trim()).toBe('已超时 30 分钟')
    expect(tid('ticket-sla-target-resolution')?.getAttribute('data-state')).toBe('running')
    expect(tid('ticket-sla-state-resolution')?.textContent?.trim()).toBe('剩余 2 小时 5 分')
    expect(tid('ticket-sla-target-resolution')?.textContent).toContain('暂停 25 分钟')
    // each pause: the finished one with its span, the ongoing one as such (times in Asia/Shanghai)
    expect(tid('ticket-sla-pauses-first_response')).toBeNull()
    const pauses = tid('ticket-sla-pauses-resolution')!.querySelectorAll<HTMLElement>('[data-test="ticket-sla-pause"]')
    expect([...pauses].map((p) => [p.getAttribute('data-open'), p.getAttribute('data-minutes')])).toEqual([
      ['false', '10'],
      ['true', '15'],
    ])
    expect(pauses[0]?.textContent?.trim()).toBe('2026-11-23 09:00 – 2026-11-23 09:10，10 分钟')
    expect(pauses[1]?.textContent?.trim()).toBe('自 2026-11-23 10:00 起暂停中，已 15 分钟')
  })

  it('says so when no policy applies', async () => {
    ticket.sla = { policy_id: null as unknown as number, targets: {} }
    await settle()
    expect(tid('ticket-sla-none')).not.toBeNull()
    expect(tid('ticket-sla-policy')).toBeNull()
  })

  it('counts unread notifications, opens a ticket from one and marks all read', async () => {
    await vi.waitFor(() => expect(tid('notify-badge')?.getAttribute('data-count')).toBe('1'), { timeout: 15000 })
    tid('notify-bell')?.click()
    await vi.waitFor(() => expect(tids('notify-item').length).toBe(4), { timeout: 15000 })
    expect(tids('notify-item').map((e) => [e.getAttribute('data-kind'), e.getAttribute('data-read')])).toEqual([
      ['sla.escalation', 'false'],
      ['sla.warning', 'true'],
      ['ticket.mention', 'true'],
      ['rating.survey', 'true'],
    ])
    expect(tids('notify-item')[0]?.textContent).toContain('超时督办 2 级')
    expect(tids('notify-item')[2]?.textContent).toContain('提到了你')
    expect(tids('notify-item')[3]?.textContent).toContain('通知')
    tids('notify-item')[0]?.click()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/tickets/41'), { timeout: 15000 })
    expect(requests).toContain('POST /api/v1/notifications/1/read')
    expect(tid('notify-badge')?.getAttribute('data-count')).toBe('0')
    notifications = notifications.map((n) => ({ ...n, read: false }))
    tid('notify-bell')?.click()
    await vi.waitFor(() => expect(tid('notify-badge')?.getAttribute('data-count')).toBe('4'), { timeout: 15000 })
    tid('notify-read-all')?.click()
    await vi.waitFor(() => expect(tid('notify-badge')?.getAttribute('data-count')).toBe('0'), { timeout: 15000 })
    expect(requests).toContain('POST /api/v1/notifications/read-all')
  })
})
