// The customer page's 评价 tab mounted on its own against a fake API: it loads only once opened,
// asks GET /ratings?customer_id=, lists the ratings newest first with a coloured level, the ticket
// number (from the customer's tickets) linking to the ticket and the follow-up ticket, pages, shows
// an empty state, and without rating.read a no-permission state and no request.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp, h, reactive } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '../../src/i18n'
import { router } from '../../src/router'
import { useAuthStore } from '../../src/stores/auth'
import CustomerRatingsTab from '../../src/views/customers/CustomerRatingsTab.vue'

function rating(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    channel: 'ticket',
    session_id: null,
    ticket_id: 41,
    org_id: 7,
    org_name: '海淀支行',
    staff_id: 3,
    staff_name: '韩雪',
    level: 4,
    scale: 4,
    level_label: '非常满意',
    level_label_en: 'Very satisfied',
    satisfied: true,
    reasons: [],
    comment: '',
    followup_ticket_id: null,
    rated_at: '2026-11-23T02:00:00Z',
    ...over,
  }
}

// customer 12: 25 ratings (two pages of 20); customer 13: none.
const all12 = Array.from({ length: 25 }, (_, i) => rating(100 - i, { rated_at: new Date(Date.UTC(2026, 10, 23, 2) - i * 3_600_000).toISOString() }))
all12[0] = rating(100, { channel: 'survey', level: 1, level_label: '不满意', level_label_en: 'Dissatisfied', satisfied: false, reasons: ['等候时间长', '态度不好'], comment: '排队太久', followup_ticket_id: 58, ticket_id: 42, rated_at: '2026-11-23T02:00:00Z' })

const requests: URL[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

vi.stubGlobal(
  'fetch',
  vi.fn(async (url: string, init: RequestInit) => {
    const u = new URL(url, 'http://localhost')
    const method = init.method ?? 'GET'
    if (method === 'GET' && u.pathname === '/api/v1/ratings') {
      requests.push(u)
      const customer = Number(u.searchParams.get('customer_id'))
      const page = Number(u.searchParams.get('page') ?? 1)
      const size = Number(u.searchParams.get('page_size') ?? 20)
      const items = customer === 12 ? all12 : []
      return reply(200, { items: items.slice((page - 1) * size, page * size), total: items.length })
    }
    if (method === 'GET' && u.pathname === '/api/v1/tickets') {
      requests.push(u)
      return reply(200, { items: [{ id: 41, number: 'GD20261123-000041' }, { id: 42, number: 'GD20261123-000042' }, { id: 58, number: 'GD20261123-000058' }], total: 3 })
    }
    return reply(404, { error: { code: 'not_found', message: 'not found' } })
  }),
)

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]
const ratingCalls = () => requests.filter((u) => u.pathname === '/api/v1/ratings')

describe('customer ratings tab', { timeout: 60_000 }, () => {
  const pinia = createPinia()
  const props = reactive({ customerId: 12, active: false })
  const app = createApp({ render: () => h(CustomerRatingsTab, props) })
  app.use(pinia)
  app.use(i18n)
  app.use(ElementPlus)
  app.use(router)
  const root = document.createElement('div')

  beforeAll(async () => {
    useAuthStore(pinia).permissions = ['rating.read', 'ticket.read', 'customer.read']
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await settle()
  })
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN'
  })
  afterAll(() => app.unmount())

  it('asks nothing until the tab is opened', () => {
    expect(ratingCalls()).toEqual([])
  })

  it("lists the customer's ratings newest first with level, ticket, staff, org, reasons, comment and follow-up", async () => {
    props.active = true
    await vi.waitFor(() => expect(tids('customer-rating-level').length).toBe(20), { timeout: 15000 })
    const q = ratingCalls()[0]!.searchParams
    expect([q.get('customer_id'), q.get('page'), q.get('page_size')]).toEqual(['12', '1', '20'])
    expect(tid('customer-ratings-total')?.getAttribute('data-total')).toBe('25')
    expect(tid('customer-ratings-total')?.textContent).toContain('25')

    const levels = tids('customer-rating-level')
    expect(levels[0]?.textContent?.trim()).toBe('不满意')
    expect(levels[0]?.className).toContain('el-tag--danger')
    expect(levels[1]?.textContent?.trim()).toBe('非常满意')
    expect(levels[1]?.className).toContain('el-tag--success')
    expect(tids('customer-rating-time')[0]?.textContent).toBe('2026-11-23 10:00')
    expect(tids('customer-rating-time')[1]?.textContent).toBe('2026-11-23 09:00')
    expect(tids('customer-rating-channel')[0]?.textContent).toBe('短信问卷')
    expect(tids('customer-rating-ticket')[0]?.textContent?.trim()).toBe('GD20261123-000042')
    expect(tids('customer-rating-ticket')[1]?.textContent?.trim()).toBe('GD20261123-000041')
    expect(tids('customer-rating-staff')[0]?.textContent).toBe('韩雪')
    expect(tids('customer-rating-org')[0]?.textContent).toBe('海淀支行')
    expect(tids('customer-rating-reasons')[0]?.textContent).toContain('等候时间长')
    expect(tids('customer-rating-reasons')[0]?.textContent).toContain('态度不好')
    expect(tids('customer-rating-comment')[0]?.textContent).toBe('排队太久')
    // only the first one has a follow-up ticket
    expect(tids('customer-rating-followup').map((e) => e.textContent?.trim())).toEqual(['GD20261123-000058'])
  })

  it('opens the rated ticket and the follow-up ticket', async () => {
    const push = vi.spyOn(router, 'push').mockResolvedValue(undefined)
    tids('customer-rating-ticket')[0]!.click()
    tid('customer-rating-followup')!.click()
    expect(push.mock.calls.map((c) => c[0])).toEqual([
      { name: 'ticket', params: { id: 42 } },
      { name: 'ticket', params: { id: 58 } },
    ])
    push.mockRestore()
  })

  it('shows English labels in English', async () => {
    i18n.global.locale.value = 'en'
    await settle()
    expect(tids('customer-rating-level')[0]?.textContent?.trim()).toBe('Dissatisfied')
    expect(tid('customer-ratings-total')?.textContent).toContain('25 ratings')
  })

  it('pages on the server', async () => {
    tid('customer-ratings-pagination')!.querySelector<HTMLElement>('.btn-next')!.click()
    await vi.waitFor(() => expect(tids('customer-rating-level').length).toBe(5), { timeout: 15000 })
    expect(ratingCalls().at(-1)!.searchParams.get('page')).toBe('2')
    expect(tids('customer-rating-ticket')[0]?.textContent?.trim()).toBe('GD20261123-000041')
  })

  it('shows an empty state for a customer without ratings', async () => {
    props.customerId = 13
    await vi.waitFor(() => expect(tid('customer-ratings-empty')).not.toBeNull(), { timeout: 15000 })
    expect(ratingCalls().at(-1)!.searchParams.get('customer_id')).toBe('13')
    expect(ratingCalls().at(-1)!.searchParams.get('page')).toBe('1')
    expect(tids('customer-rating-level')).toEqual([])
    expect(tid('customer-ratings-pagination')).toBeNull()
    expect(tid('customer-ratings-empty')?.textContent).toContain('该客户的工单暂无评价')
  })

  it('without ticket.read shows the ticket as #id, not a link, and asks no tickets', async () => {
    useAuthStore(pinia).permissions = ['rating.read']
    const ticketCalls = requests.filter((u) => u.pathname === '/api/v1/tickets').length
    props.customerId = 12
    await vi.waitFor(() => expect(tids('customer-rating-level').length).toBe(20), { timeout: 15000 })
    expect(tids('customer-rating-ticket')[0]?.textContent?.trim()).toBe('#42')
    expect(tids('customer-rating-ticket')[0]?.tagName).toBe('SPAN')
    expect(requests.filter((u) => u.pathname === '/api/v1/tickets').length).toBe(ticketCalls)
  })

  it('without rating.read says so and asks nothing', async () => {
    useAuthStore(pinia).permissions = ['customer.read']
    const before = ratingCalls().length
    props.customerId = 14
    await settle()
    expect(tid('customer-ratings-forbidden')?.textContent).toContain('您没有查看评价的权限')
    expect(tid('customer-ratings')).toBeNull()
    expect(ratingCalls().length).toBe(before)
  })
})
