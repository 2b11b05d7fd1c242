// The supervisor board (派单看板, R-TKT-07) mounted on its own against a fake API: the SLA columns
// 即将超时 / 已超时 next to 未分配 with their counts and deadlines, the auto-refresh, a click
// on a card opening the ticket; and nextDeadline, the card's deadline.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp, h } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '../../src/i18n'
import { router } from '../../src/router'
import { useAuthStore } from '../../src/stores/auth'
import BoardView from '../../src/views/tickets/BoardView.vue'
import { nextDeadline } from '../../src/views/tickets/boardSla'

const minute = 60_000
const now = Date.now()
const iso = (ms: number) => new Date(ms).toISOString()

function tk(id: number, targets: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    id,
    number: `GD20261009-0000${id}`,
    type: 'repair',
    type_name: '报修',
    title: `工单 ${id}`,
    status: 'in_progress',
    priority: 'normal',
    org_name: '中关村网点',
    reported_at: iso(now - 90 * minute),
    assignee_id: null,
    station_id: null,
    sla: { policy_id: 5, targets },
    ...extra,
  }
}

let breached = [tk(41, { first_response: { due_at: iso(now - 60 * minute), met_at: iso(now - 70 * minute), breached: false, paused_minutes: 0 }, resolution: { due_at: iso(now - 45 * minute - 30_000), met_at: null, breached: true, paused_minutes: 0 } })]
const warning = [tk(42, { resolution: { due_at: iso(now + 20 * minute + 30_000), met_at: null, breached: false, paused_minutes: 0 } })]
const queries: URLSearchParams[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

vi.stubGlobal(
  'fetch',
  vi.fn(async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    const path = url.replace(/\?.*$/, '')
    const q = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
    switch (`${method} ${path}`) {
      case 'GET /api/v1/tickets': {
        queries.push(q)
        const items = q.get('sla') === 'breached' ? breached : q.get('sla') === 'warning' ? warning : q.get('unassigned') === 'true' ? [tk(43, {}, { status: 'new' })] : []
        return reply(200, { items, total: items.length, total_exact: true })
      }
      case 'GET /api/v1/auth/me':
        return reply(200, { user: { id: 2, login: 'supervisor01', name: '陈静', must_change_password: false }, permissions: ['ticket.read', 'ticket.assign'], scope: { mode: 'all', org_ids: [] }, csrf_token: 'c' })
      case 'GET /api/v1/ticket-types':
        return reply(200, { items: [] })
      case 'GET /api/v1/orgs':
        return reply(200, { items: [] })
    }
    return reply(404, { error: { code: 'not_found', message: 'not found' } })
  }),
)

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const within = (col: string, id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="board-column-${col}"] [data-test="${id}"]`)]

describe('nextDeadline', () => {
  it('picks the most overdue breached target, else the soonest, and skips met ones', () => {
    expect(nextDeadline(null, now)).toBeNull()
    expect(nextDeadline({ targets: { resolution: { due_at: iso(now), met_at: iso(now), breached: false } } }, now)).toBeNull()
    const d = nextDeadline({ targets: { arrival: { due_at: iso(now + 10 * minute), met_at: null, breached: false }, resolution: { due_at: iso(now - 5 * minute), met_at: null, breached: false } } }, now)
    expect(d).toMatchObject({ target: 'resolution', overdue: true, minutes: -5 })
    const s = nextDeadline({ targets: { arrival: { due_at: iso(now + 10 * minute), met_at: null, breached: false }, resolution: { due_at: iso(now + 50 * minute), met_at: null, breached: false } } }, now)
    expect(s).toMatchObject({ target: 'arrival', overdue: false, minutes: 10 })
  })
})

describe('supervisor board', { timeout: 60_000 }, () => {
  const pinia = createPinia()
  const app = createApp({ render: () => h(BoardView, { refreshMs: 200 }) })
  app.use(pinia)
  app.use(i18n)
  app.use(ElementPlus)
  app.use(router)
  const root = document.createElement('div')

  beforeAll(async () => {
    useAuthStore(pinia).permissions = ['ticket.read', 'ticket.assign']
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await settle()
  })
  afterAll(() => app.unmount())

  it('shows about-to-breach and breached columns with counts, next to 未分配', async () => {
    await vi.waitFor(() => expect(within('sla-breached', 'board-card').length).toBe(1), { timeout: 15000 })
    const cols = [...document.querySelectorAll<HTMLElement>('[data-test^="board-column-"]')].map((e) => e.dataset.test)
    expect(cols.slice(0, 3)).toEqual(['board-column-sla-warning', 'board-column-sla-breached', 'board-column-unassigned'])
    expect(tid('board-count-sla-breached')?.getAttribute('data-count')).toBe('1')
    expect(tid('board-count-sla-warning')?.getAttribute('data-count')).toBe('1')
    expect(within('sla-breached', 'board-card-deadline')[0]?.textContent?.trim()).toBe('解决已超时 45 分')
    expect(within('sla-warning', 'board-card-deadline')[0]?.textContent?.trim()).toBe('解决剩余 20 分')
    expect(within('unassigned', 'board-card-deadline')).toEqual([])
    const slaQueries = new Set(queries.filter((q) => q.get('sla')).map((q) => `${q.get('sla')} ${q.get('sort')}`))
    expect([...slaQueries].sort()).toEqual(['breached due_at', 'warning due_at'])
  })

  it('refreshes by itself', async () => {
    breached = [...breached, tk(44, { arrival: { due_at: iso(now - 5 * minute), met_at: null, breached: false, paused_minutes: 0 } })]
    await vi.waitFor(() => expect(tid('board-count-sla-breached')?.getAttribute('data-count')).toBe('2'), { timeout: 15000 })
    expect(within('sla-breached', 'board-card').map((e) => e.dataset.number)).toEqual(['GD20261009-000041', 'GD20261009-000044'])
  })

  it('opens the ticket on a click on its card', async () => {
    within('sla-breached', 'board-card')[0]?.click()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/tickets/41'), { timeout: 15000 })
  })
})
