// The pure parts of the calendar page: the days of a month laid out in weeks (Monday first),
// how the calendar JSON classifies each day (节假日 休 / 调休上班 班 / 周末 / 工作日), the click
// cycle of a day's mark, working intervals (sorting, validation, minutes), and wall-clock
// times in the calendar's zone. No Vue, no i18n: the views translate.
import { WEEKDAYS, type Calendar, type Interval, type Weekday, type Weekly } from '../../api/sla'

/** What a day is on a calendar: a holiday (休), a make-up working day (班), a day without
 * weekly hours (weekend), or an ordinary working day. */
export type DayKind = 'holiday' | 'workday' | 'weekend' | 'normal'

/** The explicit mark of a date (holidays / workdays), or null. */
export type DayMark = 'holiday' | 'workday' | null

/** The calendar fields the grid reads. */
export type CalendarDays = Pick<Calendar, 'weekly' | 'holidays' | 'workdays'> & Partial<Pick<Calendar, 'workday_hours_from'>>

export interface MonthCell {
  /** YYYY-MM-DD */
  date: string
  /** Day of the month, 1–31. */
  day: number
  /** False for the leading and trailing days of the neighbouring months. */
  inMonth: boolean
  weekday: Weekday
  kind: DayKind
  mark: DayMark
  isToday: boolean
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** "YYYY-MM-DD" of a year, month (1–12) and day. */
export function isoDate(year: number, month: number, day: number): string {
  return `${year}-${pad2(month)}-${pad2(day)}`
}

function parts(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) throw new Error(`not a date: ${date}`)
  return [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** Is s a real calendar date "YYYY-MM-DD"? */
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
}

/** The weekday of a date (the date is a civil date: no time zone is involved). */
export function weekdayOf(date: string): Weekday {
  const [y, m, d] = parts(date)
  const js = new Date(Date.UTC(y, m - 1, d)).getUTCDay() // 0 = Sunday
  return WEEKDAYS[(js + 6) % 7]!
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/** "YYYY-MM" → [year, month 1–12]. */
export function parseMonth(key: string): [number, number] {
  const m = /^(\d{4})-(\d{2})$/.exec(key)
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new Error(`not a month: ${key}`)
  return [Number(m[1]), Number(m[2])]
}

export function monthKey(year: number, month: number): string {
  return `${year}-${pad2(month)}`
}

/** The month n months after key (n may be negative). */
export function addMonths(key: string, n: number): string {
  const [y, m] = parseMonth(key)
  const i = y * 12 + (m - 1) + n
  return monthKey(Math.floor(i / 12), (i % 12) + 1)
}

function addDays(date: string, n: number): string {
  const [y, m, d] = parts(date)
  const t = new Date(Date.UTC(y, m - 1, d + n))
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
}

/** The explicit mark of a date. */
export function markOf(cal: Pick<CalendarDays, 'holidays' | 'workdays'>, date: string): DayMark {
  if (cal.holidays.includes(date)) return 'holiday'
  if (cal.workdays.includes(date)) return 'workday'
  return null
}

/** How the calendar treats a date: a mark wins over the weekly hours. */
export function classifyDay(cal: CalendarDays, date: string): DayKind {
  const mark = markOf(cal, date)
  if (mark) return mark
  return (cal.weekly[weekdayOf(date)] ?? []).length ? 'normal' : 'weekend'
}

/** The working intervals of a date: none on a holiday, those of workday_hours_from on a make-up day. */
export function dayHours(cal: CalendarDays, date: string): Interval[] {
  switch (classifyDay(cal, date)) {
    case 'holiday':
    case 'weekend':
      return []
    case 'workday':
      return cal.weekly[cal.workday_hours_from ?? 'mon'] ?? []
    default:
      return cal.weekly[weekdayOf(date)] ?? []
  }
}

/**
 * The weeks of a month, Monday first, each with seven cells; the first and last week are
 * filled with days of the neighbouring months (inMonth false).
 */
export function monthGrid(cal: CalendarDays, key: string, today = ''): MonthCell[][] {
  const [y, m] = parseMonth(key)
  const first = isoDate(y, m, 1)
  const lead = WEEKDAYS.indexOf(weekdayOf(first))
  const count = daysInMonth(y, m)
  const cells = Math.ceil((lead + count) / 7) * 7
  const start = addDays(first, -lead)
  const weeks: MonthCell[][] = []
  for (let i = 0; i < cells; i++) {
    const date = addDays(start, i)
    const [, cm, cd] = parts(date)
    const cell: MonthCell = {
      date,
      day: cd,
      inMonth: cm === m,
      weekday: weekdayOf(date),
      kind: classifyDay(cal, date),
      mark: markOf(cal, date),
      isToday: date === today,
    }
    if (i % 7 === 0) weeks.push([])
    weeks[weeks.length - 1]!.push(cell)
  }
  return weeks
}

/** Counts of the month's days by kind (days of the month only). */
export function monthSummary(cal: CalendarDays, key: string): Record<DayKind, number> {
  const out: Record<DayKind, number> = { holiday: 0, workday: 0, weekend: 0, normal: 0 }
  for (const week of monthGrid(cal, key)) for (const c of week) if (c.inMonth) out[c.kind]++
  return out
}

const sortedUnique = (dates: string[]) => [...new Set(dates)].sort()

/** The mark a click gives a day: none → holiday (休) → make-up day (班) → none. */
export function nextMark(mark: DayMark): DayMark {
  return mark === null ? 'holiday' : mark === 'holiday' ? 'workday' : null
}

/** Sets a date's mark; the lists come back sorted, without duplicates, the date in at most one. */
export function setMark<T extends Pick<CalendarDays, 'holidays' | 'workdays'>>(cal: T, date: string, mark: DayMark): Pick<T, 'holidays' | 'workdays'> {
  const holidays = cal.holidays.filter((d) => d !== date)
  const workdays = cal.workdays.filter((d) => d !== date)
  if (mark === 'holiday') holidays.push(date)
  if (mark === 'workday') workdays.push(date)
  return { holidays: sortedUnique(holidays), workdays: sortedUnique(workdays) }
}

/** Moves a date one step along the click cycle. */
export function cycleMark<T extends Pick<CalendarDays, 'holidays' | 'workdays'>>(cal: T, date: string): Pick<T, 'holidays' | 'workdays'> {
  return setMark(cal, date, nextMark(markOf(cal, date)))
}

// ---- intervals ----

const HHMM = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/

/** "HH:MM" → minutes after midnight ("24:00" → 1440); NaN when malformed. */
export function toMinutes(hhmm: string): number {
  if (!HHMM.test(hhmm)) return Number.NaN
  const [h, m] = hhmm.split(':').map(Number)
  return h! * 60 + m!
}

/** Minutes after midnight → "HH:MM". */
export function fromMinutes(total: number): string {
  return `${pad2(Math.floor(total / 60))}:${pad2(total % 60)}`
}

export function sortIntervals(list: Interval[]): Interval[] {
  return [...list].sort((a, b) => toMinutes(a[0]) - toMinutes(b[0]) || toMinutes(a[1]) - toMinutes(b[1]))
}

/** Working minutes of a day's intervals. */
export function intervalMinutes(list: Interval[]): number {
  return list.reduce((sum, [a, b]) => sum + Math.max(0, toMinutes(b) - toMinutes(a)), 0)
}

/** Problems of one weekday's intervals: `format`, `order` (end not after start), `overlap`. */
export type IntervalProblem = 'format' | 'order' | 'overlap'

/** The problem of each interval of a day, by index (none: an empty object). */
export function intervalProblems(list: Interval[]): Record<number, IntervalProblem> {
  const out: Record<number, IntervalProblem> = {}
  list.forEach(([a, b], i) => {
    if (Number.isNaN(toMinutes(a)) || Number.isNaN(toMinutes(b)) || a === '24:00') out[i] = 'format'
    else if (toMinutes(b) <= toMinutes(a)) out[i] = 'order'
  })
  const idx = list.map((_, i) => i).filter((i) => !(i in out))
  idx.sort((i, j) => toMinutes(list[i]![0]) - toMinutes(list[j]![0]))
  for (let k = 1; k < idx.length; k++) {
    const prev = list[idx[k - 1]!]!
    const cur = list[idx[k]!]!
    if (toMinutes(cur[0]) < toMinutes(prev[1])) out[idx[k]!] = 'overlap'
  }
  return out
}

/** Does the week have at least one working interval? */
export function weekHasHours(weekly: Weekly): boolean {
  return WEEKDAYS.some((d) => (weekly[d] ?? []).length > 0)
}

/** A week with the same intervals on Monday to Friday and none at the weekend. */
export function weekdaysOnly(day: Interval[]): Weekly {
  const copy = () => day.map((x) => [x[0], x[1]] as Interval)
  return { mon: copy(), tue: copy(), wed: copy(), thu: copy(), fri: copy(), sat: [], sun: [] }
}

// ---- durations ----

/** Minutes → whole hours and the minutes left. */
export function splitMinutes(total: number): { h: number; m: number } {
  const t = Math.max(0, Math.round(total))
  return { h: Math.floor(t / 60), m: t % 60 }
}

export function joinMinutes(h: number | null | undefined, m: number | null | undefined): number {
  return Math.max(0, Math.round((h ?? 0) * 60 + (m ?? 0)))
}

// ---- wall clock in a zone ----

/** The zone's offset from UTC in minutes at an instant (Asia/Shanghai: 480). */
export function zoneOffsetMinutes(instant: number, timeZone: string): number {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
  const p: Record<string, number> = {}
  for (const x of f.formatToParts(new Date(instant))) if (x.type !== 'literal') p[x.type] = Number(x.value)
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!)
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60000)
}

/**
 * A wall-clock time "YYYY-MM-DD HH:mm[:ss]" in timeZone → the instant as RFC 3339 UTC
 * ("…Z"). In a DST gap the time after the jump is taken.
 */
export function zonedToUtc(wall: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall.trim())
  if (!m) throw new Error(`not a wall-clock time: ${wall}`)
  const guess = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0))
  let t = guess - zoneOffsetMinutes(guess, timeZone) * 60000
  t = guess - zoneOffsetMinutes(t, timeZone) * 60000
  return new Date(t).toISOString().replace('.000Z', 'Z')
}

/** "2026-10-08T10:00:00+08:00" → "2026-10-08 10:00" (the wall clock as the server wrote it). */
export function formatLocal(rfc3339: string | null | undefined): string {
  if (!rfc3339) return ''
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(rfc3339)
  return m ? `${m[1]} ${m[2]}` : rfc3339
}

/** Today "YYYY-MM-DD" in a zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const t = now.getTime() + zoneOffsetMinutes(now.getTime(), timeZone) * 60000
  return new Date(t).toISOString().slice(0, 10)
}

/** The IANA zones the browser knows (a short list when it cannot tell). */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] }
  const known = intl.supportedValuesOf?.('timeZone') ?? []
  const common = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Macau', 'Asia/Taipei', 'Asia/Urumqi', 'Asia/Tokyo', 'Asia/Singapore', 'UTC', 'Europe/London', 'Europe/Berlin', 'America/New_York']
  return [...new Set([...common, ...known])]
}
