// Ticket collaboration panels mounted against a fake API: custom field helpers; the comment
// box's report of mentions that reached nobody; watching and unwatching; the sub-task panel
// (sub-task created with the parent id and the type's custom values, the parent blocked).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp, h } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { i18n } from '../../src/i18n'
import { router } from '../../src/router'
import { useAuthStore } from '../../src/stores/auth'
import type { FieldDef, Ticket } from '../../src/api/tickets'
import { compactValues, fieldLabel, formatCustomValue, sortedFields } from '../../src/views/tickets/customFields'
import TicketComments from '../../src/views/tickets/TicketComments.vue'
import TicketWatchers from '../../src/views/tickets/TicketWatchers.vue'
import TicketSubtasks from '../../src/views/tickets/TicketSubtasks.vue'
import { useTicketMeta } from '../../src/views/tickets/useTicketMeta'

const fields: FieldDef[] = [
  { key: 'parts', label: '更换部件', label_en: 'Parts', kind: 'multi_select', required: false, options: ['读卡器', '屏幕'], sort: 2 },
  { key: 'fault_code', label: '故障代码', kind: 'select', required: true, options: ['E01', 'E02'], sort: 1 },
  { key: 'vip', label: '重要客户', kind: 'boolean', required: false, options: [], sort: 3 },
]

describe('custom field helpers', () => {
  it('orders, labels and formats values', () => {
    expect(sortedFields(fields).map((f) => f.key)).toEqual(['fault_code', 'parts', 'vip'])
    expect(fieldLabel(fields[0]!, 'en')).toBe('Parts')
    expect(fieldLabel(fields[1]!, 'en')).toBe('故障代码')
    expect(fieldLabel(fields[0]!, 'zh-CN')).toBe('更换部件')
    expect(formatCustomValue(fields[0]!, ['读卡器', '屏幕'], ['是', '否'])).toBe('读卡器、屏幕')
    expect(formatCustomValue(fields[2]!, false, ['是', '否'])).toBe('否')
    expect(formatCustomValue(fields[1]!, undefined, ['是', '否'])).toBe('')
  })

  it('sends only what was filled in', () => {
    expect(compactValues({ fault_code: 'E01', parts: [], vip: null, other: 'x' }, fields)).toEqual({ fault_code: 'E01' })
  })
})

const parent = {
  id: 7, number: 'GD20261123-000007', type: 'repair', type_name: '报修', title: '多台设备故障', priority: 'high', status: 'new',
} as unknown as Ticket
let watching = true
let subtasks: Record<string, unknown>[] = []
const posts: { url: string; body: Record<string, unknown> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const watchers = () => ({
  items: watching ? [{ user_id: 3, login: 'agent01', name: '王芳', reason: 'creator' }] : [],
  total: watching ? 1 : 0,
  watching,
})

vi.stubGlobal(
  'fetch',
  vi.fn(async (url: string, init: RequestInit) => {
    const method = init.method ?? 'GET'
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
    if (method === 'POST') posts.push({ url, body })
    const path = url.replace(/\?.*$/, '')
    switch (`${method} ${path}`) {
      case 'GET /api/v1/ticket-types':
        return reply(200, { items: [{ code: 'repair', name: '报修', builtin: true, sort: 1, fields, workflow: { statuses: [], transitions: [], reopen_days: 7 } }], total: 1 })
      case 'GET /api/v1/tickets/7/comments':
        return reply(200, { items: [], total: 0 })
      case 'POST /api/v1/tickets/7/comments':
        return reply(201, {
          id: 1, ticket_id: 7, author_id: 3, author_name: '王芳', body: body.body, internal: false, created_at: '2026-11-23T06:00:00Z',
          mentions: [
            { login: 'supervisor01', user_id: 5, name: '陈静', notified: true },
            { login: 'pd.head', user_id: 12, name: '孙伟', notified: false, reason: 'no_access', message_zh: '孙伟（pd.head）无权查看此工单，未通知', message_en: 'pd.head cannot see this ticket and was not notified' },
          ],
        })
      case 'GET /api/v1/tickets/7/watchers':
        return reply(200, watchers())
      case 'DELETE /api/v1/tickets/7/watch':
        watching = false
        return reply(200, watchers())
      case 'PUT /api/v1/tickets/7/watch':
        watching = true
        return reply(200, watchers())
      case 'GET /api/v1/tickets/7/subtasks':
        return reply(200, { items: subtasks, total: subtasks.length, total_exact: true })
      case 'POST /api/v1/tickets':
        subtasks = [...subtasks, { id: 8, number: 'GD20261123-000008', type: 'repair', title: body.title, status: 'new', assignee_name: null, station_name: null }]
        return reply(201, subtasks.at(-1))
    }
    return reply(404, { error: { code: 'not_found', message: 'not found' } })
  }),
)

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

function setInput(el: HTMLElement | null | undefined, value: string) {
  const input = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el : el?.querySelector<HTMLInputElement | HTMLTextAreaElement>('input, textarea')
  if (!input) throw new Error('no input')
  input.value = value
  input.dispatchEvent(new Event('input'))
}

describe('ticket collaboration panels', { timeout: 60_000 }, () => {
  const pinia = createPinia()
  let meta: ReturnType<typeof useTicketMeta> | null = null
  const app = createApp({
    setup() {
      meta = useTicketMeta()
      void meta.load()
      return () =>
        h('div', [
          h(TicketComments, { ticketId: 7, canComment: true }),
          h(TicketWatchers, { ticketId: 7 }),
          h(TicketSubtasks, { ticket: parent, meta: meta! }),
        ])
    },
  })
  app.use(pinia)
  app.use(i18n)
  app.use(ElementPlus)
  app.use(router)
  const root = document.createElement('div')

  beforeAll(async () => {
    useAuthStore(pinia).permissions = ['ticket.read', 'ticket.comment', 'ticket.create']
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await settle()
  })

  afterAll(() => app.unmount())

  it('tells the author which mentions reached nobody', async () => {
    setInput(tid('ticket-comment-body'), '请 @supervisor01 协调，抄送 @pd.head')
    await settle()
    tid('ticket-comment-submit')?.click()
    await vi.waitFor(() => expect(tid('ticket-mention-missed')).not.toBeNull(), { timeout: 10000 })
    const lines = tid('ticket-mention-missed')!.querySelectorAll('[data-login]')
    expect([...lines].map((l) => [l.getAttribute('data-login'), l.getAttribute('data-reason')])).toEqual([['pd.head', 'no_access']])
    expect(lines[0]?.textContent).toContain('无权查看')
    expect(tids('ticket-comment')).toHaveLength(1)
    expect(document.querySelector('.el-message')?.textContent).toContain('陈静')
  })

  it('watches and unwatches', async () => {
    await vi.waitFor(() => expect(tid('ticket-watch-toggle')?.getAttribute('data-watching')).toBe('true'), { timeout: 10000 })
    expect(tids('ticket-watcher').map((w) => w.getAttribute('data-reason'))).toEqual(['creator'])
    tid('ticket-watch-toggle')?.click()
    await vi.waitFor(() => expect(tid('ticket-watch-toggle')?.getAttribute('data-watching')).toBe('false'), { timeout: 10000 })
    expect(tids('ticket-watcher')).toHaveLength(0)
  })

  it('opens a sub-task under the parent with the type’s custom values, then says the parent waits', async () => {
    expect(tid('ticket-subtasks')?.getAttribute('data-open')).toBe('0')
    expect(tid('ticket-subtasks-blocking')).toBeNull()
    tid('ticket-subtask-add')?.click()
    await settle()
    await vi.waitFor(() => expect(tid('ticket-custom-fault_code')).not.toBeNull(), { timeout: 10000 })
    setInput(tid('ticket-subtask-title'), '更换读卡器')
    await settle()
    tid('ticket-subtask-submit')?.click()
    await vi.waitFor(() => expect(tid('ticket-subtasks')?.getAttribute('data-open')).toBe('1'), { timeout: 10000 })
    const post = posts.find((p) => p.url === '/api/v1/tickets')
    expect(post?.body).toMatchObject({ type: 'repair', title: '更换读卡器', parent_id: 7, priority: 'high', custom: {} })
    expect(tid('ticket-subtasks-blocking')?.textContent).toContain('1 个子任务未完成')
    expect(tid('ticket-subtask-link')?.getAttribute('data-number')).toBe('GD20261123-000008')
  })
})
