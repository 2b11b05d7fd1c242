import { describe, expect, it } from 'vitest'
import { buildUrl } from '../../src/api/http'
import { emptyTicketFilter, ticketQuery, type TicketType, type Workflow } from '../../src/api/tickets'
import { assetQuery, emptyAssetFilter, warrantyExpired } from '../../src/api/assets'
import {
  afterShanghaiToday,
  allowedTargets,
  canAssignStatus,
  canMove,
  canRecordFieldStatus,
  dataNumber,
  dataString,
  durationParts,
  engineerActions,
  engineerElapsed,
  engineerStage,
  formatDuration,
  isOpenStatus,
  minutesBetween,
  pendingMinutesNow,
  shanghaiToday,
  statusName,
  statusOf,
  unionStatuses,
  type Translate,
} from '../../src/views/tickets/ticketFlow'
import { i18n } from '../../src/i18n'

// The server's default workflow (internal/ticket/workflow.go).
const DEFAULT: Workflow = {
  statuses: [
    { code: 'new', name_zh: '新建', name_en: 'New', pauses_sla: false, final: false },
    { code: 'assigned', name_zh: '已分配', name_en: 'Assigned', pauses_sla: false, final: false },
    { code: 'in_progress', name_zh: '处理中', name_en: 'In progress', pauses_sla: false, final: false },
    {
      code: 'pending',
      name_zh: '挂起',
      name_en: 'Pending',
      pauses_sla: true,
      final: false,
      reasons: ['waiting_parts', 'waiting_customer', 'sent_for_repair'],
    },
    { code: 'resolved', name_zh: '已解决', name_en: 'Resolved', pauses_sla: false, final: false },
    { code: 'closed', name_zh: '已关闭', name_en: 'Closed', pauses_sla: false, final: true },
  ],
  transitions: [
    { from: 'new', to: 'assigned' },
    { from: 'new', to: 'in_progress' },
    { from: 'new', to: 'resolved' },
    { from: 'new', to: 'closed' },
    { from: 'assigned', to: 'assigned' },
    { from: 'assigned', to: 'in_progress' },
    { from: 'assigned', to: 'pending' },
    { from: 'assigned', to: 'resolved' },
    { from: 'in_progress', to: 'pending' },
    { from: 'in_progress', to: 'resolved' },
    { from: 'in_progress', to: 'assigned' },
    { from: 'pending', to: 'in_progress' },
    { from: 'pending', to: 'resolved' },
    { from: 'resolved', to: 'closed' },
    { from: 'resolved', to: 'in_progress' },
    { from: 'closed', to: 'in_progress' },
  ],
  reopen_days: 7,
}

const codes = (list: { code: string }[]) => list.map((s) => s.code)

describe('allowedTargets', () => {
  it('lists the moves from the current status in declared order', () => {
    expect(codes(allowedTargets(DEFAULT, 'new'))).toEqual(['assigned', 'in_progress', 'resolved', 'closed'])
    expect(codes(allowedTargets(DEFAULT, 'in_progress'))).toEqual(['pending', 'resolved', 'assigned'])
    expect(codes(allowedTargets(DEFAULT, 'pending'))).toEqual(['in_progress', 'resolved'])
    expect(codes(allowedTargets(DEFAULT, 'resolved'))).toEqual(['closed', 'in_progress'])
    expect(codes(allowedTargets(DEFAULT, 'closed'))).toEqual(['in_progress'])
  })

  it('leaves out self-moves and excluded statuses (派单 does "assigned")', () => {
    expect(codes(allowedTargets(DEFAULT, 'assigned'))).toEqual(['in_progress', 'pending', 'resolved'])
    expect(codes(allowedTargets(DEFAULT, 'new', ['assigned']))).toEqual(['in_progress', 'resolved', 'closed'])
    expect(codes(allowedTargets(DEFAULT, 'in_progress', ['assigned']))).toEqual(['pending', 'resolved'])
  })

  it('carries the status definition (pending reasons) and copes with unknowns', () => {
    const pending = allowedTargets(DEFAULT, 'assigned').find((s) => s.code === 'pending')
    expect(pending?.reasons).toEqual(['waiting_parts', 'waiting_customer', 'sent_for_repair'])
    expect(allowedTargets(null, 'new')).toEqual([])
    expect(allowedTargets(DEFAULT, 'nonsense')).toEqual([])
    const odd: Workflow = { ...DEFAULT, transitions: [{ from: 'new', to: 'triage' }, { from: 'new', to: 'triage' }] }
    expect(allowedTargets(odd, 'new')).toEqual([{ code: 'triage', name_zh: 'triage', name_en: 'triage', pauses_sla: false, final: false }])
  })

  it('checks single moves', () => {
    expect(canMove(DEFAULT, 'pending', 'resolved')).toBe(true)
    expect(canMove(DEFAULT, 'pending', 'closed')).toBe(false)
    expect(canMove(undefined, 'new', 'assigned')).toBe(false)
  })
})

describe('status names', () => {
  it('names statuses in the UI language with the code as fallback', () => {
    expect(statusName(DEFAULT, 'pending', 'zh-CN')).toBe('挂起')
    expect(statusName(DEFAULT, 'pending', 'en')).toBe('Pending')
    expect(statusName(DEFAULT, 'triage', 'zh-CN')).toBe('triage')
    expect(statusName(null, 'new', 'zh-CN')).toBe('new')
    expect(statusName(DEFAULT, '', 'zh-CN')).toBe('')
    expect(statusOf(DEFAULT, 'closed').final).toBe(true)
  })

  it('collects every status of several types once', () => {
    const custom: Workflow = {
      statuses: [DEFAULT.statuses[0]!, { code: 'review', name_zh: '审核', name_en: 'Review', pauses_sla: false, final: false }],
      transitions: [],
      reopen_days: 0,
    }
    const types: TicketType[] = [
      { code: 'repair', name: '报修', builtin: true, workflow: DEFAULT, sort: 1 },
      { code: 'audit', name: '稽核', builtin: false, workflow: custom, sort: 2 },
    ]
    expect(codes(unionStatuses(types))).toEqual(['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed', 'review'])
  })
})

describe('status rules', () => {
  it('knows open, assignable and field-event statuses', () => {
    expect(['new', 'assigned', 'in_progress', 'pending'].every(isOpenStatus)).toBe(true)
    expect(isOpenStatus('resolved') || isOpenStatus('closed')).toBe(false)
    expect(['new', 'assigned', 'in_progress'].every(canAssignStatus)).toBe(true)
    expect(['pending', 'resolved', 'closed'].some(canAssignStatus)).toBe(false)
    expect(['assigned', 'in_progress', 'pending'].every(canRecordFieldStatus)).toBe(true)
    expect(['new', 'resolved', 'closed'].some(canRecordFieldStatus)).toBe(false)
  })
})

describe('durations', () => {
  const zh: Translate = (key, named) => i18n.global.t(key, named, { locale: 'zh-CN' })
  const en: Translate = (key, named) => i18n.global.t(key, named, { locale: 'en' })

  it('splits minutes into days, hours and minutes', () => {
    expect(durationParts(85)).toEqual({ days: 0, hours: 1, minutes: 25 })
    expect(durationParts(1440 + 125)).toEqual({ days: 1, hours: 2, minutes: 5 })
    expect(durationParts(-3)).toEqual({ days: 0, hours: 0, minutes: 0 })
  })

  it('formats minutes in Chinese as "1 小时 25 分"', () => {
    expect(formatDuration(85, zh)).toBe('1 小时 25 分')
    expect(formatDuration(40, zh)).toBe('40 分')
    expect(formatDuration(0, zh)).toBe('0 分')
    expect(formatDuration(120, zh)).toBe('2 小时')
    expect(formatDuration(1440 + 5, zh)).toBe('1 天 5 分')
    expect(formatDuration(2 * 1440 + 3 * 60 + 1, zh)).toBe('2 天 3 小时 1 分')
    expect(formatDuration(-90, zh)).toBe('-1 小时 30 分')
    expect(formatDuration(180 * 1440 + 22 * 60 + 18, zh, 2)).toBe('180 天 22 小时')
    expect(formatDuration(59, zh, 1)).toBe('59 分')
    expect(formatDuration(null, zh)).toBe('')
    expect(formatDuration(undefined, zh)).toBe('')
  })

  it('formats minutes in English', () => {
    expect(formatDuration(85, en)).toBe('1 h 25 min')
    expect(formatDuration(1440, en)).toBe('1 d')
  })

  it('counts whole minutes between two instants', () => {
    expect(minutesBetween('2026-03-01T08:00:00+08:00', '2026-03-01T09:25:59+08:00')).toBe(85)
    expect(minutesBetween('2026-03-01T00:00:00Z', new Date('2026-03-01T08:30:00+08:00'))).toBe(30)
    expect(minutesBetween(null, '2026-03-01T00:00:00Z')).toBeNull()
    expect(minutesBetween('nonsense', '2026-03-01T00:00:00Z')).toBeNull()
  })

  it('adds a running pending interval to the closed ones', () => {
    const now = new Date('2026-03-01T10:00:00Z')
    const d = { response_minutes: 5, travel_minutes: null, repair_minutes: null, fault_minutes: null, pending_minutes: 30 }
    expect(pendingMinutesNow({ durations: d, pending_since: null }, now)).toBe(30)
    expect(pendingMinutesNow({ durations: d, pending_since: '2026-03-01T09:15:00Z' }, now)).toBe(75)
  })
})

describe('engineer cards', () => {
  const base = { status: 'assigned', departed_at: null, arrived_at: null, repaired_at: null, reported_at: '2026-03-01T08:00:00Z' }
  const now = new Date('2026-03-01T09:00:00Z')

  it('moves through depart, arrive and complete', () => {
    expect(engineerStage(base)).toBe('to_depart')
    expect(engineerActions(base)).toEqual({ depart: true, arrive: true, complete: false })
    const travelling = { ...base, departed_at: '2026-03-01T08:30:00Z' }
    expect(engineerStage(travelling)).toBe('travelling')
    expect(engineerActions(travelling)).toEqual({ depart: false, arrive: true, complete: false })
    expect(engineerElapsed(travelling, now)).toEqual({ kind: 'travel', minutes: 30 })
    const onSite = { ...travelling, status: 'in_progress', arrived_at: '2026-03-01T08:45:00Z' }
    expect(engineerStage(onSite)).toBe('on_site')
    expect(engineerActions(onSite)).toEqual({ depart: false, arrive: false, complete: true })
    expect(engineerElapsed(onSite, now)).toEqual({ kind: 'repair', minutes: 15 })
    expect(engineerStage({ ...onSite, repaired_at: '2026-03-01T08:55:00Z' })).toBe('repaired')
    expect(engineerStage({ ...onSite, status: 'resolved' })).toBe('done')
    expect(engineerActions({ ...onSite, status: 'resolved' })).toEqual({ depart: false, arrive: false, complete: false })
    expect(engineerElapsed(base, now)).toEqual({ kind: 'waiting', minutes: 60 })
  })

  it('needs an assigned ticket for field events', () => {
    expect(engineerActions({ ...base, status: 'new' })).toEqual({ depart: false, arrive: false, complete: false })
  })
})

describe('补录 pickers', () => {
  it('refuse only days after today in Asia/Shanghai', () => {
    const now = new Date('2026-03-01T16:30:00Z') // 2026-03-02 00:30 in Shanghai
    expect(shanghaiToday(now)).toBe('2026-03-02')
    expect(afterShanghaiToday(new Date(2026, 2, 2, 23, 59), now)).toBe(false)
    expect(afterShanghaiToday(new Date(2026, 2, 1, 8, 0), now)).toBe(false)
    expect(afterShanghaiToday(new Date(2026, 2, 3, 0, 0), now)).toBe(true)
  })
})

describe('event data', () => {
  it('reads strings and numbers defensively', () => {
    const data = { note: '更换读卡器', distance_km: 12.5, entered: true, n: '3' }
    expect(dataString(data, 'note')).toBe('更换读卡器')
    expect(dataString(data, 'distance_km')).toBe('12.5')
    expect(dataString(data, 'entered')).toBe('')
    expect(dataString(null, 'note')).toBe('')
    expect(dataNumber(data, 'distance_km')).toBe(12.5)
    expect(dataNumber(data, 'n')).toBeNull()
    expect(dataNumber(undefined, 'x')).toBeNull()
  })
})

describe('ticketQuery', () => {
  it('leaves out empty filters', () => {
    expect(buildUrl('/tickets', ticketQuery(emptyTicketFilter(), { page: 1, page_size: 20 }))).toBe('/api/v1/tickets?page=1&page_size=20')
  })

  it('turns a filter into the query string of GET /tickets', () => {
    const q = ticketQuery(
      {
        ...emptyTicketFilter(),
        q: '  GD20260301-000001 ',
        status: 'pending',
        type: 'repair',
        priority: 'urgent',
        org_id: 7,
        created: ['2026-03-01', '2026-03-31'],
      },
      { page: 2, page_size: 50 },
    )
    expect(buildUrl('/tickets', q)).toBe(
      '/api/v1/tickets?q=GD20260301-000001&status=pending&type=repair&priority=urgent&org_id=7' +
        '&created_from=2026-03-01T00%3A00%3A00%2B08%3A00&created_to=2026-03-31T23%3A59%3A59%2B08%3A00&page=2&page_size=50',
    )
  })

  it('asks for unassigned tickets, and by assignee, customer or device', () => {
    expect(ticketQuery({ unassigned: true })).toEqual(expect.objectContaining({ unassigned: true }))
    expect(ticketQuery({ unassigned: false }).unassigned).toBeUndefined()
    expect(buildUrl('/tickets', ticketQuery({ assignee_id: 18, customer_id: 12, asset_id: 3 }))).toBe(
      '/api/v1/tickets?assignee_id=18&asset_id=3&customer_id=12',
    )
  })
})

describe('assets', () => {
  it('turns a filter into the query string of GET /assets', () => {
    expect(buildUrl('/assets', assetQuery(emptyAssetFilter(), { page: 1, page_size: 20 }))).toBe('/api/v1/assets?page=1&page_size=20')
    expect(buildUrl('/assets', assetQuery({ q: ' SB0000001 ', type: 'ATM', brand: ' 广电运通 ', model: '', org_id: 4 }))).toBe(
      '/api/v1/assets?q=SB0000001&type=ATM&brand=%E5%B9%BF%E7%94%B5%E8%BF%90%E9%80%9A&org_id=4',
    )
  })

  it('knows when the warranty is over (Asia/Shanghai days)', () => {
    expect(warrantyExpired({ warranty_until: '2026-02-28' }, '2026-03-01')).toBe(true)
    expect(warrantyExpired({ warranty_until: '2026-03-01' }, '2026-03-01')).toBe(false)
    expect(warrantyExpired({ warranty_until: null }, '2026-03-01')).toBe(false)
    expect(shanghaiToday(new Date('2026-02-28T16:30:00Z'))).toBe('2026-03-01')
  })
})

