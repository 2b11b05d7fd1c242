// Mounts the whole app against a fake API: 工作日历 (marking days 休 / 班 in the month view,
// saving the calendar and the 截止时间试算 answer following), 服务时限策略 (the ordered list and
// 匹配测试), and 坐席工作台 (a call arriving on the event stream pops the customer's card, and
// 新建工单 opens the ticket form with the customer chosen; a number looked up by hand).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'
import { addMonths } from '../../src/views/sla/calendarGrid'

const user = {
  id: 2,
  login: 'supervisor01',
  name: '陈静',
  org_id: 3,
  org_name: '客服中心',
  job_no: 'C0002',
  phone: '',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

const day = [
  ['09:00', '12:00'],
  ['13:30', '17:30'],
]
let calendar: Record<string, unknown> = {
  id: 1,
  name: '网点工作日',
  time_zone: 'Asia/Shanghai',
  weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] },
  holidays: [],
  workdays: [],
  workday_hours_from: 'mon',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}
const always = { ...calendar, id: 2, name: '7×24', weekly: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]])) }

const policies = [
  {
    id: 5,
    name: '设备报修',
    order: 20,
    calendar_id: 1,
    match: { types: ['repair'], priorities: [], grades: [], org_ids: [], contract_ids: [] },
    targets: { first_response: 60, arrival: 240, resolution: 480 },
    warnings: [{ before_minutes: 120 }, { at_percent: 75 }],
    escalations: [
      { level: 1, after_minutes: 0, notify: 'assignee' },
      { level: 2, after_minutes: 60, notify: 'station_head' },
    ],
    active: true,
    created_at: '',
    updated_at: '',
  },
  {
    id: 3,
    name: 'ATM 紧急报修',
    order: 10,
    calendar_id: 2,
    match: { types: ['repair'], priorities: ['urgent', 'high'], grades: [], org_ids: [], contract_ids: [] },
    targets: { first_response: 30, arrival: 120, resolution: 240 },
    warnings: [],
    escalations: [],
    active: true,
    created_at: '',
    updated_at: '',
  },
]

const workflow = {
  statuses: [
    { code: 'new', name_zh: '新建', name_en: 'New', pauses_sla: false, final: false },
    { code: 'resolved', name_zh: '已解决', name_en: 'Resolved', pauses_sla: false, final: false },
  ],
  transitions: [{ from: 'new', to: 'resolved' }],
  reopen_days: 7,
}

const openTicket = {
  id: 41,
  number: 'GD20261001-000041',
  type: 'repair',
  type_name: '报修',
  title: '存折打印机卡纸',
  status: 'new',
  priority: 'normal',
  asset_id: null,
  asset_code: null,
  reported_at: '2026-10-08T01:00:00Z',
  sla: { policy_id: 5, targets: { resolution: { due_at: '2026-10-09T01:00:00Z', breached: true, met_at: null, paused_minutes: 0 } } },
}

function pop(phone: string, callId?: number) {
  return {
    phone,
    ...(callId ? { call_id: callId, at: '2026-10-09T01:02:00Z' } : {}),
    customers: [
      {
        customer: { id: 9, code: 'KH000009', name: '张伟', phone: '137****5678', masked: true, org_id: 6, org_name: '中关村网点', grade: 'gold', grade_name: '金卡', manager_name: '李娜' },
        open_tickets: [openTicket],
        recent_interactions: [{ id: 1, kind: 'call', at: '2026-10-01T02:00:00Z', content: '咨询理财产品', next_step: '', next_at: null, user_id: 2, user_name: '陈静' }],
        recent_ratings: [{ id: 3, channel: 'kiosk', session_id: 1, org_id: 6, staff_id: 8, level: 4, scale: 4, level_label: '非常满意', satisfied: true, reasons: [], comment: '', rated_at: '2026-09-30T02:00:00Z' }],
      },
    ],
    callers: [],
  }
}

const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []
const uploads: { query: Record<string, string>; name: string; text: string }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body })
  const path = url.replace(/\?.*$/, '')
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
  switch (`${method} ${path}`) {
    case 'GET /api/v1/auth/me':
      return reply(200, {
        user,
        permissions: ['sla.read', 'sla.update', 'ticket.read', 'ticket.create', 'telephony.answer', 'customer.read', 'asset.read', 'org.read', 'rating.read'],
        scope: { mode: 'all', org_ids: [] },
        csrf_token: 'csrf-2',
      })
    case 'GET /api/v1/orgs':
      return reply(200, { items: [] })
    case 'GET /api/v1/ticket-types':
      return reply(200, { items: [{ code: 'repair', name: '报修', builtin: true, workflow, sort: 1 }], total: 1 })
    case 'GET /api/v1/customer-grades':
      return reply(200, { items: [{ code: 'gold', name: '金卡', sort: 3 }] })
    case 'GET /api/v1/calendars':
      return reply(200, { items: [always, calendar].sort((a, b) => String(a.name).localeCompare(String(b.name))), total: 2 })
    case 'PUT /api/v1/calendars/1':
      calendar = { ...calendar, ...body }
      return reply(200, calendar)
    case 'POST /api/v1/calendars/1/import': {
      // the form carries the file; the fake marks what a holiday feed would
      const file = (init.body as FormData).get('file') as File
      uploads.push({ query: Object.fromEntries(query), name: file.name, text: await file.text() })
      if (query.get('format') === 'ics' && query.get('unknown') !== 'holiday')
        return reply(422, { error: { code: 'invalid', message: '校验失败', details: { fields: { 'line 9': '无法判断是节假日还是调休上班日：公司年会' } } } })
      calendar = { ...calendar, holidays: ['2027-01-01', '2027-01-15'], workdays: [] }
      return reply(200, calendar)
    }
    case 'GET /api/v1/calendars/1/preview': {
      // a day later for every holiday marked: enough to see the answer follow the calendar
      const n = (calendar.holidays as string[]).length
      return reply(200, {
        calendar_id: 1,
        time_zone: 'Asia/Shanghai',
        start: '2026-10-09T01:00:00Z',
        clock_start: '2026-10-09T01:00:00Z',
        clock_start_local: '2026-10-09T09:00:00+08:00',
        minutes: Number(query.get('minutes')),
        deadline: '',
        deadline_local: `2026-10-${String(12 + n).padStart(2, '0')}T10:00:00+08:00`,
      })
    }
    case 'GET /api/v1/sla/policies':
      return reply(200, { items: policies, total: policies.length })
    case 'GET /api/v1/sla/match':
      return reply(200, { policy: query.get('priority') === 'high' ? policies[1] : policies[0] })
    case 'GET /api/v1/screen-pop':
      return reply(200, pop(query.get('phone') ?? ''))
    case 'GET /api/v1/customers':
      return reply(200, { items: [], total: 0 })
    case 'GET /api/v1/assets':
      return reply(200, { items: [], total: 0 })
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

/** A stand-in for the browser's EventSource: the test pushes events. */
class FakeEventSource {
  static instances: FakeEventSource[] = []
  readyState = 0
  onopen: ((ev: Event) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null
  listeners: Record<string, ((ev: MessageEvent) => void)[]> = {}
  closed = false
  constructor(
    public url: string,
    public init?: EventSourceInit,
  ) {
    FakeEventSource.instances.push(this)
  }
  addEventListener(type: string, fn: (ev: MessageEvent) => void) {
    ;(this.listeners[type] ??= []).push(fn)
  }
  close() {
    this.closed = true
    this.readyState = 2
  }
  open() {
    this.readyState = 1
    this.onopen?.(new Event('open'))
  }
  emit(type: string, data: unknown) {
    for (const fn of this.listeners[type] ?? []) fn(new MessageEvent(type, { data: JSON.stringify(data) }))
  }
}

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

/** The <input> of an id: the element itself (el-input puts the id there) or the one inside. */
function inputOf(id: string): HTMLInputElement | null {
  const el = tid(id)
  return el instanceof HTMLInputElement ? el : (el?.querySelector('input') ?? null)
}

function type(el: HTMLInputElement | null, value: string) {
  if (!el) throw new Error('no input')
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
}

vi.stubGlobal('fetch', fakeFetch)
vi.stubGlobal('EventSource', FakeEventSource)

describe('service-level pages and the agent desk', { timeout: 60_000 }, () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
  })

  afterAll(() => app.unmount())

  it('shows the menu entries for sla.read and ticket.create', async () => {
    await router.push('/')
    await vi.waitFor(() => expect(tid('menu-sla-group')).not.toBeNull(), { timeout: 15000 })
    expect(tid('menu-calendars')).not.toBeNull()
    expect(tid('menu-sla-policies')).not.toBeNull()
    expect(tid('menu-agent-desk')).not.toBeNull()
  })

  it('marks a holiday and a make-up day, saves, and the deadline follows', async () => {
    await router.push('/calendars?id=1')
    await vi.waitFor(() => expect(tid('calendar-editor')?.getAttribute('data-id')).toBe('1'), { timeout: 15000 })
    expect(tids('calendar-item').map((e) => e.getAttribute('data-name'))).toEqual(['7×24', '网点工作日'])
    // the lunch break shows as two intervals on Monday
    expect(inputOf('calendar-week-mon-1-start')?.value).toBe('13:30')

    tid('calendar-preview-run')?.click()
    await vi.waitFor(() => expect(tid('calendar-preview-deadline')?.getAttribute('data-deadline')).toBe('2026-10-12 10:00'), { timeout: 15000 })
    expect(requests.at(-1)?.url).toContain('minutes=480')

    // go to a month and mark its 10th 休 (one click) and its 13th 班 (two clicks)
    const month = tid('calendar-month-label')!.getAttribute('data-month')!
    tid('calendar-month-next')?.click()
    await settle()
    const next = addMonths(month, 1)
    expect(tid('calendar-month-label')?.getAttribute('data-month')).toBe(next)
    const holiday = `${next}-10`
    const workday = `${next}-13`
    tid(`calendar-day-${holiday}`)?.click()
    tid(`calendar-day-${workday}`)?.click()
    await settle()
    tid(`calendar-day-${workday}`)?.click()
    await settle()
    expect(tid(`calendar-day-${holiday}`)?.getAttribute('data-kind')).toBe('holiday')
    expect(tid(`calendar-day-${holiday}`)?.textContent).toContain('休')
    expect(tid(`calendar-day-${workday}`)?.getAttribute('data-kind')).toBe('workday')
    expect(tid(`calendar-day-${workday}`)?.textContent).toContain('班')
    expect(tid('calendar-editor')?.getAttribute('data-dirty')).toBe('true')
    expect(tid('calendar-preview-dirty')).not.toBeNull()

    tid('calendar-save')?.click()
    await vi.waitFor(() => expect(tid('calendar-editor')?.getAttribute('data-dirty')).toBe('false'), { timeout: 15000 })
    const put = requests.find((r) => r.method === 'PUT')
    expect(put?.url).toBe('/api/v1/calendars/1')
    expect(put?.body?.holidays).toEqual([holiday])
    expect(put?.body?.workdays).toEqual([workday])
    expect((put?.body?.weekly as Record<string, string[][]>).mon).toEqual(day)
    // the preview runs again on the saved calendar
    await vi.waitFor(() => expect(tid('calendar-preview-deadline')?.getAttribute('data-deadline')).toBe('2026-10-13 10:00'), { timeout: 15000 })
  })

  it('exports and imports iCal next to the CSV buttons', async () => {
    expect(tid('calendar-export-ics')?.getAttribute('href')).toBe('/api/v1/calendars/1/export.ics')
    expect(tid('calendar-export')?.getAttribute('href')).toBe('/api/v1/calendars/1/export.csv')
    expect(tid('calendar-import-ics-file')?.getAttribute('accept')).toContain('.ics')
    const feed = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n'
    const pick = (file: File) => {
      const input = tid('calendar-import-ics-file') as HTMLInputElement
      Object.defineProperty(input, 'files', { value: [file], configurable: true })
      input.dispatchEvent(new Event('change'))
    }
    // an event of no kind: the server's line error is shown, nothing changes
    pick(new File([feed], '节假日.ics', { type: 'text/calendar' }))
    await vi.waitFor(() => expect(document.body.textContent).toContain('公司年会'), { timeout: 15000 })
    expect(uploads.at(-1)?.query).toMatchObject({ format: 'ics', mode: 'merge', unknown: 'error' })
    expect(uploads.at(-1)?.text).toBe(feed)
    // as a feed of days off
    tid('calendar-import-ics-unknown')?.querySelector('input')?.click()
    await settle()
    pick(new File([feed], '节假日.ics', { type: 'text/calendar' }))
    await vi.waitFor(() => expect(uploads.length).toBe(2), { timeout: 15000 })
    expect(uploads[1]?.query).toMatchObject({ format: 'ics', unknown: 'holiday' })
    await vi.waitFor(() => expect(document.body.textContent).toContain('节假日 2 天'), { timeout: 15000 })
  })

  it('refuses overlapping hours before saving', async () => {
    type(inputOf('calendar-week-tue-1-start'), '11:00')
    await settle()
    expect(tid('calendar-week-tue-1-problem')?.textContent).toBe('与其他时段重叠')
    const puts = requests.filter((r) => r.method === 'PUT').length
    tid('calendar-save')?.click()
    await settle()
    expect(requests.filter((r) => r.method === 'PUT').length).toBe(puts)
    tid('calendar-revert')?.click()
    await settle()
    expect(tid('calendar-week-tue-1-problem')).toBeNull()
  })

  it('lists policies in matching order and tests a match', async () => {
    await router.push('/sla-policies')
    await vi.waitFor(() => expect(tids('sla-policy-row-name').length).toBe(2), { timeout: 15000 })
    expect(tids('sla-policy-row-name').map((e) => e.textContent)).toEqual(['ATM 紧急报修', '设备报修'])
    expect(tids('sla-policy-row-resolution').map((e) => e.textContent)).toEqual(['4 小时', '8 小时'])
    expect(tid('sla-policy-table')?.textContent).toContain('2 级：超时 1 小时 后通知站点主管')
    tid('sla-match-run')?.click()
    await vi.waitFor(() => expect(tid('sla-match-policy')?.textContent).toBe('设备报修'), { timeout: 15000 })
    expect(tid('sla-match-result')?.getAttribute('data-policy')).toBe('5')
    expect(tid('sla-policy-row-matched')).not.toBeNull()
  })

  it('pops the caller on an incoming call and opens the ticket form with the customer', async () => {
    await router.push('/desk')
    await vi.waitFor(() => expect(FakeEventSource.instances.length).toBe(1), { timeout: 15000 })
    const es = FakeEventSource.instances[0]!
    expect(es.url).toBe('/api/v1/telephony/events')
    expect(tid('desk-stream')?.getAttribute('data-state')).toBe('connecting')
    es.open()
    await settle()
    expect(tid('desk-stream')?.getAttribute('data-state')).toBe('open')
    expect(tid('desk-waiting')).not.toBeNull()

    es.emit('call', pop('137-1234-5678', 77))
    await vi.waitFor(() => expect(tid('desk-pop')?.getAttribute('data-call-id')).toBe('77'), { timeout: 15000 })
    expect(tid('desk-pop')?.getAttribute('data-source')).toBe('call')
    expect(tid('desk-customer-name')?.textContent).toBe('张伟')
    expect(tid('desk-customer-phone')?.textContent).toBe('137****5678')
    expect(tid('desk-customer-org')?.textContent).toBe('中关村网点')
    expect(tid('desk-customer-tickets')?.textContent).toContain('GD20261001-000041')
    expect(tids('desk-interaction').length).toBe(1)
    expect(tid('desk-rating')?.textContent).toContain('非常满意')
    expect(tid('desk-ticket-due')?.className).toContain('late')

    tid('desk-customer-create-ticket')?.click()
    await vi.waitFor(() => expect(tid('ticket-form-dialog')).not.toBeNull(), { timeout: 15000 })
    await settle()
    expect(tid('ticket-form-org-derived')?.textContent).toContain('中关村网点')
  })

  it('looks a number up by hand and keeps both in the history', async () => {
    document.querySelector<HTMLElement>('[data-test="ticket-form-cancel"]')?.click()
    await settle()
    type(inputOf('desk-phone'), '13712345678')
    await settle()
    tid('desk-lookup')?.click()
    await vi.waitFor(() => expect(tid('desk-pop')?.getAttribute('data-source')).toBe('lookup'), { timeout: 15000 })
    expect(requests.some((r) => r.url === '/api/v1/screen-pop?phone=13712345678')).toBe(true)
    expect(tids('desk-history-item').map((e) => e.getAttribute('data-call-id'))).toEqual(['', '77'])
    tids('desk-history-item')[1]?.click()
    await settle()
    expect(tid('desk-pop')?.getAttribute('data-call-id')).toBe('77')
  })

  it('closes the stream when the desk is left', async () => {
    await router.push('/')
    await settle()
    expect(FakeEventSource.instances[0]?.closed).toBe(true)
  })
})
