// The pure parts of the service-level pages: the month grid of a business calendar, the click
// cycle of a day's mark, working intervals, zone arithmetic and the SLA policy form.
import { describe, expect, it } from 'vitest'
import type { Calendar, SlaPolicy } from '../../src/api/sla'
import {
  addMonths,
  classifyDay,
  cycleMark,
  dayHours,
  daysInMonth,
  formatLocal,
  fromMinutes,
  intervalMinutes,
  intervalProblems,
  isDate,
  markOf,
  monthGrid,
  monthSummary,
  nextMark,
  setMark,
  sortIntervals,
  splitMinutes,
  joinMinutes,
  todayIn,
  toMinutes,
  weekHasHours,
  weekdayOf,
  weekdaysOnly,
  zoneOffsetMinutes,
  zonedToUtc,
} from '../../src/views/sla/calendarGrid'
import {
  conditionKeys,
  duplicateLevels,
  formToInput,
  hasTarget,
  nextEscalation,
  nextOrder,
  orderPolicies,
  policyToForm,
} from '../../src/views/sla/policyForm'

// 网点工作日 with 2026's 国庆 arrangement: 10-01…10-07 off, Saturday 10-10 worked (调休上班).
const outlet: Calendar = {
  id: 1,
  name: '网点工作日',
  time_zone: 'Asia/Shanghai',
  weekly: weekdaysOnly([
    ['09:00', '12:00'],
    ['13:30', '17:30'],
  ]),
  holidays: ['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07'],
  workdays: ['2026-10-10'],
  workday_hours_from: 'mon',
  created_at: '',
  updated_at: '',
}

describe('dates', () => {
  it('knows weekdays, month lengths and real dates', () => {
    expect(weekdayOf('2026-10-01')).toBe('thu')
    expect(weekdayOf('2026-10-10')).toBe('sat')
    expect(weekdayOf('2026-10-11')).toBe('sun')
    expect(weekdayOf('2027-03-01')).toBe('mon')
    expect(daysInMonth(2026, 2)).toBe(28)
    expect(daysInMonth(2028, 2)).toBe(29)
    expect(daysInMonth(2026, 10)).toBe(31)
    expect(isDate('2026-02-29')).toBe(false)
    expect(isDate('2028-02-29')).toBe(true)
    expect(isDate('2026-1-01')).toBe(false)
  })

  it('moves between months across year ends', () => {
    expect(addMonths('2026-10', 1)).toBe('2026-11')
    expect(addMonths('2026-12', 1)).toBe('2027-01')
    expect(addMonths('2026-01', -1)).toBe('2025-12')
    expect(addMonths('2026-10', -22)).toBe('2024-12')
    expect(addMonths('2026-10', 0)).toBe('2026-10')
  })
})

describe('month grid of 2026-10 with 国庆', () => {
  const weeks = monthGrid(outlet, '2026-10', '2026-10-09')
  const cells = weeks.flat()
  const cell = (d: string) => cells.find((c) => c.date === d)!

  it('lays the month out in whole weeks, Monday first', () => {
    // 2026-10-01 is a Thursday: Monday 09-28 starts the grid, Sunday 11-01 ends it
    expect(weeks).toHaveLength(5)
    for (const w of weeks) expect(w.map((c) => c.weekday)).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])
    expect(cells[0]!.date).toBe('2026-09-28')
    expect(cells[0]!.inMonth).toBe(false)
    expect(cells.at(-1)!.date).toBe('2026-11-01')
    expect(cells.filter((c) => c.inMonth)).toHaveLength(31)
    expect(cell('2026-10-01').day).toBe(1)
    expect(cell('2026-10-09').isToday).toBe(true)
    expect(cells.filter((c) => c.isToday)).toHaveLength(1)
  })

  it('classifies holidays (休), the make-up day (班), weekends and working days', () => {
    for (let d = 1; d <= 7; d++) expect(cell(`2026-10-0${d}`).kind, `10-0${d}`).toBe('holiday')
    expect(cell('2026-10-08').kind).toBe('normal')
    expect(cell('2026-10-09').kind).toBe('normal')
    expect(cell('2026-10-10').kind).toBe('workday')
    expect(cell('2026-10-10').mark).toBe('workday')
    expect(cell('2026-10-11').kind).toBe('weekend')
    expect(cell('2026-10-11').mark).toBeNull()
    expect(cell('2026-10-17').kind).toBe('weekend')
    expect(cell('2026-09-30').kind).toBe('normal')
    expect(monthSummary(outlet, '2026-10')).toEqual({ holiday: 7, workday: 1, weekend: 6, normal: 17 })
  })

  it('gives each day its working hours', () => {
    expect(dayHours(outlet, '2026-10-02')).toEqual([])
    expect(dayHours(outlet, '2026-10-11')).toEqual([])
    expect(dayHours(outlet, '2026-10-10')).toEqual(outlet.weekly.mon)
    expect(intervalMinutes(dayHours(outlet, '2026-10-08'))).toBe(420)
    expect(dayHours({ ...outlet, workday_hours_from: 'fri', weekly: { ...outlet.weekly, fri: [['09:00', '12:00']] } }, '2026-10-10')).toEqual([['09:00', '12:00']])
  })

  it('fills six weeks when the month needs them', () => {
    // 2026-08-01 is a Saturday; 31 days from there span six weeks
    expect(monthGrid(outlet, '2026-08')).toHaveLength(6)
    // 2027-02 starts on a Monday and has exactly four weeks
    expect(monthGrid(outlet, '2027-02')).toHaveLength(4)
  })
})

describe('marking days', () => {
  it('cycles none → 休 → 班 → none', () => {
    expect(nextMark(null)).toBe('holiday')
    expect(nextMark('holiday')).toBe('workday')
    expect(nextMark('workday')).toBeNull()
    let cal = { ...outlet, ...cycleMark(outlet, '2026-10-14') }
    expect(markOf(cal, '2026-10-14')).toBe('holiday')
    expect(classifyDay(cal, '2026-10-14')).toBe('holiday')
    cal = { ...cal, ...cycleMark(cal, '2026-10-14') }
    expect(markOf(cal, '2026-10-14')).toBe('workday')
    expect(cal.holidays).not.toContain('2026-10-14')
    cal = { ...cal, ...cycleMark(cal, '2026-10-14') }
    expect(markOf(cal, '2026-10-14')).toBeNull()
    expect(cal.holidays).toEqual(outlet.holidays)
    expect(cal.workdays).toEqual(outlet.workdays)
  })

  it('keeps the lists sorted and a date in one of them only', () => {
    const out = setMark(outlet, '2026-09-30', 'holiday')
    expect(out.holidays[0]).toBe('2026-09-30')
    expect(setMark(outlet, '2026-10-10', 'holiday')).toEqual({ holidays: [...outlet.holidays, '2026-10-10'], workdays: [] })
    expect(setMark({ holidays: ['2026-10-01', '2026-10-01'], workdays: [] }, '2026-10-02', null)).toEqual({ holidays: ['2026-10-01'], workdays: [] })
    // the input is not modified
    expect(outlet.holidays).toHaveLength(7)
  })
})

describe('intervals', () => {
  it('converts and sums wall-clock times', () => {
    expect(toMinutes('09:00')).toBe(540)
    expect(toMinutes('24:00')).toBe(1440)
    expect(toMinutes('24:01')).toBeNaN()
    expect(toMinutes('9:00')).toBeNaN()
    expect(fromMinutes(810)).toBe('13:30')
    expect(intervalMinutes([['00:00', '24:00']])).toBe(1440)
    expect(sortIntervals([['13:30', '17:30'], ['09:00', '12:00']])).toEqual([['09:00', '12:00'], ['13:30', '17:30']])
  })

  it('names bad, reversed and overlapping intervals', () => {
    expect(intervalProblems([['09:00', '12:00'], ['13:30', '17:30']])).toEqual({})
    expect(intervalProblems([['09:00', '12:00'], ['12:00', '13:00']])).toEqual({})
    expect(intervalProblems([['12:00', '09:00']])).toEqual({ 0: 'order' })
    expect(intervalProblems([['09:00', '09:00']])).toEqual({ 0: 'order' })
    expect(intervalProblems([['9', '12:00']])).toEqual({ 0: 'format' })
    expect(intervalProblems([['24:00', '24:00']])).toEqual({ 0: 'format' })
    expect(intervalProblems([['13:00', '17:00'], ['09:00', '13:30']])).toEqual({ 0: 'overlap' })
    expect(weekHasHours(outlet.weekly)).toBe(true)
    expect(weekHasHours(weekdaysOnly([]))).toBe(false)
  })

  it('splits minutes into hours and minutes and back', () => {
    expect(splitMinutes(480)).toEqual({ h: 8, m: 0 })
    expect(splitMinutes(95)).toEqual({ h: 1, m: 35 })
    expect(splitMinutes(-3)).toEqual({ h: 0, m: 0 })
    expect(joinMinutes(1, 35)).toBe(95)
    expect(joinMinutes(null, 20)).toBe(20)
  })
})

describe('zones', () => {
  it('turns a wall clock in the calendar zone into an instant', () => {
    expect(zoneOffsetMinutes(Date.UTC(2026, 9, 1), 'Asia/Shanghai')).toBe(480)
    expect(zonedToUtc('2026-09-30 17:00', 'Asia/Shanghai')).toBe('2026-09-30T09:00:00Z')
    expect(zonedToUtc('2026-07-01 09:00', 'Europe/Berlin')).toBe('2026-07-01T07:00:00Z')
    expect(zonedToUtc('2026-01-15 09:00:30', 'Europe/Berlin')).toBe('2026-01-15T08:00:30Z')
    expect(zonedToUtc('2026-03-02 00:00', 'UTC')).toBe('2026-03-02T00:00:00Z')
    expect(() => zonedToUtc('tomorrow', 'UTC')).toThrow()
  })

  it('shows the server’s local instants as they are written', () => {
    expect(formatLocal('2026-10-08T10:00:00+08:00')).toBe('2026-10-08 10:00')
    expect(formatLocal('')).toBe('')
    expect(formatLocal('soon')).toBe('soon')
    expect(todayIn('Asia/Shanghai', new Date('2026-10-09T17:30:00Z'))).toBe('2026-10-10')
    expect(todayIn('UTC', new Date('2026-10-09T17:30:00Z'))).toBe('2026-10-09')
  })
})

function policy(over: Partial<SlaPolicy>): SlaPolicy {
  return {
    id: 1,
    name: '设备报修',
    order: 20,
    calendar_id: 1,
    match: { types: ['repair'], priorities: [], grades: [], org_ids: [], contract_ids: [] },
    targets: { first_response: 60, arrival: 240, resolution: 485 },
    warnings: [{ before_minutes: 120 }, { at_percent: 75 }],
    escalations: [
      { level: 2, after_minutes: 60, notify: 'station_head' },
      { level: 1, after_minutes: 0, notify: 'assignee', repeat_every_minutes: 120 },
    ],
    active: true,
    created_at: '',
    updated_at: '',
    ...over,
  }
}

describe('SLA policy form', () => {
  it('orders policies as matching tries them', () => {
    const list = [policy({ id: 3, order: 20 }), policy({ id: 2, order: 10 }), policy({ id: 1, order: 20 })]
    expect(orderPolicies(list).map((p) => p.id)).toEqual([2, 1, 3])
    expect(nextOrder(list)).toBe(30)
    expect(nextOrder([])).toBe(10)
  })

  it('edits targets in hours and minutes and sends minutes back', () => {
    const f = policyToForm(policy({}))
    expect(f.targets.resolution).toEqual({ on: true, h: 8, m: 5 })
    expect(f.targets.arrival).toEqual({ on: true, h: 4, m: 0 })
    expect(f.warnings).toEqual([
      { kind: 'before_minutes', value: 120 },
      { kind: 'at_percent', value: 75 },
    ])
    f.targets.arrival.on = false
    f.targets.first_response = { on: true, h: 0, m: 30 }
    const body = formToInput(f)
    expect(body.targets).toEqual({ first_response: 30, arrival: null, resolution: 485 })
    expect(body.warnings).toEqual([{ before_minutes: 120 }, { at_percent: 75 }])
    expect(body.escalations).toEqual([
      { level: 1, after_minutes: 0, notify: 'assignee', repeat_every_minutes: 120 },
      { level: 2, after_minutes: 60, notify: 'station_head' },
    ])
    expect(body.match.types).toEqual(['repair'])
    expect(hasTarget(f)).toBe(true)
  })

  it('starts a new policy with a resolution target and the suggested order and calendar', () => {
    const f = policyToForm(null, { order: 40, calendar_id: 7 })
    expect(f.order).toBe(40)
    expect(f.calendar_id).toBe(7)
    expect(f.targets.resolution).toEqual({ on: true, h: 8, m: 0 })
    expect(f.targets.first_response.on).toBe(false)
    expect(f.match).toEqual({ types: [], priorities: [], grades: [], org_ids: [], contract_ids: [] })
    f.targets.resolution.on = false
    expect(hasTarget(f)).toBe(false)
  })

  it('suggests the next escalation level and finds duplicates', () => {
    const f = policyToForm(policy({}))
    expect(nextEscalation(f.escalations)).toEqual({ level: 3, after_minutes: 120, notify: 'org_manager', repeat: false, repeat_every_minutes: 60 })
    expect(nextEscalation([])).toMatchObject({ level: 1, after_minutes: 0, notify: 'assignee' })
    expect(duplicateLevels(f.escalations).size).toBe(0)
    expect([...duplicateLevels([...f.escalations, nextEscalation([])])]).toEqual([1])
  })

  it('lists only the conditions that narrow a policy', () => {
    expect(conditionKeys(policy({}).match)).toEqual(['types'])
    expect(conditionKeys({ types: [], priorities: ['high'], grades: [], org_ids: [4], contract_ids: [] })).toEqual(['priorities', 'org_ids'])
  })
})
