// Mounts the app against a fake API: the ticket list filtered by a custom field of the chosen
// type (in the request, the address bar and a saved view), and the workflow editor of a ticket
// type (a status and a transition added, the server's row message shown next to its row, the
// workflow sent, the diagram drawn).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

// happy-dom has no canvas: the chart component gets a fake instance that records its options.
const charts = vi.hoisted(() => [] as { el: HTMLElement; options: unknown[] }[])
vi.mock('echarts/core', () => ({
  use: () => {},
  init: (el: HTMLElement) => {
    const c = { el, options: [] as unknown[] }
    charts.push(c)
    return { setOption: (o: unknown) => c.options.push(o), resize: () => {}, dispose: () => {} }
  },
}))
vi.mock('echarts/charts', () => ({ LineChart: {}, BarChart: {}, PieChart: {}, HeatmapChart: {}, GraphChart: {} }))
vi.mock('echarts/components', () => ({ GridComponent: {}, LegendComponent: {}, TooltipComponent: {}, VisualMapComponent: {} }))
vi.mock('echarts/renderers', () => ({ CanvasRenderer: {} }))

const user = {
  id: 1, login: 'admin', name: '管理员', org_id: 1, org_name: '总行', job_no: '', phone: '', email: '', status: 'active',
  must_change_password: false, roles: [], last_login_at: null, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
}

const workflow = {
  statuses: [
    { code: 'new', name_zh: '新建', name_en: 'New', pauses_sla: false, final: false },
    { code: 'in_progress', name_zh: '处理中', name_en: 'In progress', pauses_sla: false, final: false },
    { code: 'closed', name_zh: '已关闭', name_en: 'Closed', pauses_sla: false, final: true },
  ],
  transitions: [
    { from: 'new', to: 'in_progress' },
    { from: 'in_progress', to: 'closed' },
  ],
  reopen_days: 7,
}
const fields = [
  { key: 'fault_code', label: '故障代码', kind: 'select', required: false, options: ['E01 吞卡', 'E02 卡钞'], sort: 1 },
  { key: 'cash_left', label: '剩余现金', kind: 'number', required: false, options: [], sort: 2 },
  { key: 'vip', label: '重要客户', kind: 'boolean', required: false, options: [], sort: 3 },
]
const types = [
  { code: 'repair', name: '报修', builtin: true, workflow, fields, sort: 1 },
  { code: 'consultation', name: '咨询', builtin: true, workflow, fields: [], sort: 2 },
]

let views: { id: number; kind: string; name: string; query: string; created_at: string }[] = []
const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []
let putReplies: { status: number; body: unknown }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

vi.stubGlobal(
  'fetch',
  vi.fn(async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    requests.push({ method, url, body })
    const path = url.replace(/\?.*$/, '')
    switch (`${method} ${path}`) {
      case 'GET /api/v1/auth/me':
        return reply(200, { user, permissions: ['ticket.read', 'ticket.create', 'ticket.type.manage', 'org.read'], scope: { mode: 'all', org_ids: [] }, csrf_token: 'c' })
      case 'GET /api/v1/orgs':
        return reply(200, { items: [] })
      case 'GET /api/v1/ticket-types':
        return reply(200, { items: types, total: types.length })
      case 'GET /api/v1/tickets':
        return reply(200, { items: [], total: 0, total_exact: true })
      case 'GET /api/v1/saved-views':
        return reply(200, { items: views, total: views.length })
      case 'POST /api/v1/saved-views': {
        const v = { id: views.length + 1, kind: body.kind, name: body.name, query: body.query, created_at: '2026-03-01T00:00:00Z' }
        views = [...views.filter((x) => x.name !== v.name), v]
        return reply(201, v)
      }
      case 'PUT /api/v1/ticket-types/repair': {
        const r = putReplies.shift() ?? { status: 200, body: { ...types[0], ...body } }
        return reply(r.status, r.body)
      }
    }
    return reply(404, { error: { code: 'not_found', message: 'not found' } })
  }),
)

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string, root: ParentNode = document) => root.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string, root: ParentNode = document) => [...root.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]
/** Opens an el-select and clicks one of its options. */
async function choose(select: HTMLElement | null, option: string) {
  select?.querySelector<HTMLElement>('.el-select__wrapper')?.click()
  await settle()
  const opts = tids(option)
  opts[opts.length - 1]?.click()
  await settle()
}
/** The <input> of an el-input (which puts data-test on the input itself) or of a wrapper. */
const inputOf = (el: HTMLElement | null | undefined) => (el?.tagName === 'INPUT' ? (el as HTMLInputElement) : el?.querySelector('input'))
function type(input: HTMLInputElement | null | undefined, value: string) {
  if (!input) throw new Error('no input')
  input.value = value
  input.dispatchEvent(new Event('input'))
}
const lastList = () => [...requests].reverse().find((r) => r.method === 'GET' && r.url.startsWith('/api/v1/tickets?'))?.url ?? ''

describe('custom field filter and workflow editor', () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/tickets')
    await settle()
  }, 60_000)

  afterAll(() => app.unmount())

  it('filters the ticket list by a custom field of the chosen type', async () => {
    await vi.waitFor(() => expect(tid('ticket-filter-custom-field')).not.toBeNull(), { timeout: 10_000 })
    // without a type there is nothing to pick
    expect(tid('ticket-filter-custom-field')?.querySelector('.is-disabled')).not.toBeNull()
    await choose(tid('ticket-filter-type'), 'ticket-filter-type-repair')
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ type: 'repair' }), { timeout: 5000 })
    await choose(tid('ticket-filter-custom-field'), 'ticket-filter-custom-field-fault_code')
    expect(tid('ticket-filter-custom')?.getAttribute('data-kind')).toBe('select')
    await choose(tid('ticket-filter-custom-value'), 'ticket-filter-custom-option-E02 卡钞')
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ type: 'repair', 'custom.fault_code': 'E02 卡钞' }), { timeout: 5000 })
    await vi.waitFor(() => expect(new URLSearchParams(lastList().split('?')[1]).get('custom.fault_code')).toBe('E02 卡钞'), { timeout: 5000 })

    // a number field takes a number input
    await choose(tid('ticket-filter-custom-field'), 'ticket-filter-custom-field-cash_left')
    expect(tid('ticket-filter-custom')?.getAttribute('data-kind')).toBe('number')
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ type: 'repair' }), { timeout: 5000 })
    const num = tid('ticket-filter-custom-value')?.querySelector('input')
    type(num, '2500')
    num?.dispatchEvent(new Event('change'))
    await vi.waitFor(() => expect(router.currentRoute.value.query['custom.cash_left']).toBe('2500'), { timeout: 5000 })

    // yes/no as a choice, kept in a saved view
    await choose(tid('ticket-filter-custom-field'), 'ticket-filter-custom-field-vip')
    await choose(tid('ticket-filter-custom-value'), 'ticket-filter-custom-option-true')
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ type: 'repair', 'custom.vip': 'true' }), { timeout: 5000 })
    tid('saved-views-button')?.click()
    await settle()
    tid('saved-view-save')?.click()
    await vi.waitFor(() => expect(document.querySelector('.el-message-box__input input')).not.toBeNull(), { timeout: 5000 })
    type(document.querySelector<HTMLInputElement>('.el-message-box__input input'), '重要客户报修')
    await settle()
    document.querySelector<HTMLElement>('.el-message-box__btns .el-button--primary')?.click()
    await vi.waitFor(() => expect(views.length).toBe(1), { timeout: 5000 })
    expect(views[0]).toMatchObject({ name: '重要客户报修', query: 'type=repair&custom.vip=true' })

    // another type drops the filter on a field it does not have
    await choose(tid('ticket-filter-type'), 'ticket-filter-type-consultation')
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ type: 'consultation' }), { timeout: 5000 })
    expect(tid('ticket-filter-custom-value')).toBeNull()

    // the saved view brings it back, into the control too
    tid('saved-views-button')?.click()
    await settle()
    tid('saved-view')?.click()
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ type: 'repair', 'custom.vip': 'true' }), { timeout: 5000 })
    await vi.waitFor(() => expect(tid('ticket-filter-custom')?.getAttribute('data-key')).toBe('vip'), { timeout: 5000 })
  }, 150_000)

  it('edits the workflow in tables, shows the server message next to the row, and saves', async () => {
    await router.push('/ticket-types')
    await vi.waitFor(() => expect(tid('ticket-type-edit-repair')).not.toBeNull(), { timeout: 10_000 })
    tid('ticket-type-edit-repair')?.click()
    await vi.waitFor(() => expect(tid('ticket-type-workflow-panel')).not.toBeNull(), { timeout: 5000 })
    tid('ticket-type-workflow-panel')?.querySelector<HTMLElement>('.el-collapse-item__header')?.click()
    await vi.waitFor(() => expect(tids('workflow-status').length).toBe(3), { timeout: 5000 })
    expect(tids('workflow-transition').length).toBe(2)
    await vi.waitFor(() => expect(charts.length).toBeGreaterThan(0), { timeout: 5000 })

    // a new status 待复核 (review) and the move new → review
    tid('workflow-status-add')?.click()
    await settle()
    const row = tids('workflow-status')[3]!
    type(inputOf(tid('workflow-status-code', row)), 'review')
    type(inputOf(tid('workflow-status-name-zh', row)), '待复核')
    type(inputOf(tid('workflow-status-name-en', row)), 'Review')
    tid('workflow-status-pauses', row)?.querySelector<HTMLInputElement>('input')?.click()
    await settle()
    tid('workflow-transition-add')?.click()
    await settle()
    const tr = tids('workflow-transition')[2]!
    await choose(tid('workflow-transition-from', tr), 'workflow-transition-from-option-new')
    await choose(tid('workflow-transition-to', tr), 'workflow-transition-to-option-review')
    expect(tr.getAttribute('data-from')).toBe('new')
    expect(tr.getAttribute('data-to')).toBe('review')
    // the diagram follows: four nodes, the new arrow
    const graph = charts[charts.length - 1]!.options.at(-1) as { series: { data: { id: string }[]; links: { source: string; target: string }[] }[] }
    expect(graph.series[0]!.data.map((n) => n.id)).toEqual(['new', 'in_progress', 'closed', 'review'])
    expect(graph.series[0]!.links).toContainEqual({ source: 'new', target: 'review' })

    // the server refuses a row: its message shows next to that row
    putReplies = [
      {
        status: 422,
        body: { error: { code: 'invalid', message: '请检查输入', details: { fields: { 'workflow.transitions[2]': '未知状态：new → review', 'workflow.transitions': '未知状态：new → review' } } } },
      },
    ]
    tid('ticket-type-submit')?.click()
    await vi.waitFor(() => expect(tids('workflow-transition-error').length).toBe(1), { timeout: 5000 })
    expect(tids('workflow-transition')[2]!.querySelector('[data-test="workflow-transition-error"]')?.textContent).toContain('未知状态')
    expect(tid('workflow-errors')).toBeNull() // the same message is not repeated above the tables
    expect(tid('ticket-type-workflow-error')).not.toBeNull()

    // saved the second time, with the new status and move
    tid('ticket-type-submit')?.click()
    await vi.waitFor(() => expect(requests.filter((r) => r.method === 'PUT').length).toBe(2), { timeout: 5000 })
    const sent = requests.filter((r) => r.method === 'PUT').at(-1)!.body as { workflow: typeof workflow }
    expect(sent.workflow.statuses[3]).toEqual({ code: 'review', name_zh: '待复核', name_en: 'Review', pauses_sla: true, final: false })
    expect(sent.workflow.transitions).toContainEqual({ from: 'new', to: 'review' })
    expect(sent.workflow.reopen_days).toBe(7)
  }, 150_000)

  it('checks the obvious before asking the server, and sends no workflow when it is unchanged', async () => {
    const before = requests.filter((r) => r.method === 'PUT').length
    tid('ticket-type-edit-repair')?.click()
    await vi.waitFor(() => expect(tids('workflow-status').length).toBe(3), { timeout: 5000 })
    tid('workflow-status-add')?.click()
    await settle()
    type(inputOf(tid('workflow-status-code', tids('workflow-status')[3]!)), 'Bad Code')
    await settle()
    tid('ticket-type-submit')?.click()
    await vi.waitFor(() => expect(tids('workflow-status-error').length).toBe(1), { timeout: 5000 })
    expect(tids('workflow-status')[3]!.querySelector('[data-test="workflow-status-error"]')?.textContent).toContain('Bad Code')
    expect(requests.filter((r) => r.method === 'PUT').length).toBe(before)
    tid('workflow-status-remove', tids('workflow-status')[3]!)?.click()
    await settle()
    tid('ticket-type-submit')?.click()
    await vi.waitFor(() => expect(requests.filter((r) => r.method === 'PUT').length).toBe(before + 1), { timeout: 5000 })
    expect(requests.filter((r) => r.method === 'PUT').at(-1)!.body).not.toHaveProperty('workflow')
  }, 150_000)
})
