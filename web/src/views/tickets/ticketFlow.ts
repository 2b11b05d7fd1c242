// Pure helpers of the ticket pages: workflow moves, status names, durations, engineer stages.
import {
  STATUS_CLOSED,
  STATUS_RESOLVED,
  type Ticket,
  type TicketType,
  type Workflow,
  type WorkflowStatus,
} from '../../api/tickets'

/** Translates a message key with named values (vue-i18n's t fits). */
export type Translate = (key: string, named: Record<string, unknown>) => string

/** The status definition of code in a workflow, or a bare one named by its code. */
export function statusOf(wf: Workflow | null | undefined, code: string): WorkflowStatus {
  return (
    wf?.statuses.find((s) => s.code === code) ?? { code, name_zh: code, name_en: code, pauses_sla: false, final: false }
  )
}

/** The name of a status in the UI language (Chinese unless locale starts with "en"). */
export function statusName(wf: Workflow | null | undefined, code: string, locale: string): string {
  if (!code) return ''
  const s = statusOf(wf, code)
  const name = locale.startsWith('en') ? s.name_en : s.name_zh
  return name || s.name_zh || code
}

/**
 * The statuses a ticket in status from may move to, in the order the workflow declares
 * them: no self-moves, no duplicates, none of exclude (e.g. "assigned", which 派单 does).
 */
export function allowedTargets(wf: Workflow | null | undefined, from: string, exclude: readonly string[] = []): WorkflowStatus[] {
  if (!wf) return []
  const seen = new Set<string>([from, ...exclude])
  const out: WorkflowStatus[] = []
  for (const tr of wf.transitions) {
    if (tr.from !== from || seen.has(tr.to)) continue
    seen.add(tr.to)
    out.push(statusOf(wf, tr.to))
  }
  return out
}

/** Is the move from → to declared by the workflow? */
export function canMove(wf: Workflow | null | undefined, from: string, to: string): boolean {
  return !!wf?.transitions.some((tr) => tr.from === from && tr.to === to)
}

/** Every status of the given types, each once, in the order first seen (for filters). */
export function unionStatuses(types: readonly TicketType[]): WorkflowStatus[] {
  const seen = new Map<string, WorkflowStatus>()
  for (const t of types) for (const s of t.workflow?.statuses ?? []) if (!seen.has(s.code)) seen.set(s.code, s)
  return [...seen.values()]
}

/** Resolved and closed tickets are done; everything else is open work. */
export function isOpenStatus(status: string): boolean {
  return status !== STATUS_RESOLVED && status !== STATUS_CLOSED
}

/** A ticket can be assigned (派单 / 改派) while new, assigned or in progress. */
export function canAssignStatus(status: string): boolean {
  return status === 'new' || status === 'assigned' || status === 'in_progress'
}

/** Field events (出发 / 到达 / 修复) need an assigned, unresolved ticket. */
export function canRecordFieldStatus(status: string): boolean {
  return status !== 'new' && isOpenStatus(status)
}

/** Whole minutes from a to b (RFC 3339 or Date); null when either is missing or unparseable. */
export function minutesBetween(a: string | Date | null | undefined, b: string | Date | null | undefined): number | null {
  if (!a || !b) return null
  const ms = new Date(b).getTime() - new Date(a).getTime()
  if (Number.isNaN(ms)) return null
  return Math.trunc(ms / 60000)
}

/** Days, hours and minutes of a number of minutes (non-negative). */
export function durationParts(minutes: number): { days: number; hours: number; minutes: number } {
  const m = Math.max(0, Math.trunc(minutes))
  return { days: Math.floor(m / 1440), hours: Math.floor((m % 1440) / 60), minutes: m % 60 }
}

/**
 * Minutes as "1 天 2 小时 5 分" / "1 小时 25 分" / "40 分" (zero parts left out, "0 分" for none);
 * null or undefined gives "". maxParts keeps only the largest parts ("180 天 22 小时").
 */
export function formatDuration(minutes: number | null | undefined, t: Translate, maxParts = 3): string {
  if (minutes === null || minutes === undefined || Number.isNaN(minutes)) return ''
  const sign = minutes < 0 ? '-' : ''
  const p = durationParts(Math.abs(minutes))
  const parts: string[] = []
  if (p.days) parts.push(t('tickets.duration.days', { n: p.days }))
  if (p.hours) parts.push(t('tickets.duration.hours', { n: p.hours }))
  if (p.minutes || parts.length === 0) parts.push(t('tickets.duration.minutes', { n: p.minutes }))
  return sign + parts.slice(0, Math.max(1, maxParts)).join(' ')
}

/** Pending minutes including a pending interval still running at now. */
export function pendingMinutesNow(t: Pick<Ticket, 'durations' | 'pending_since'>, now: Date): number {
  const closed = t.durations?.pending_minutes ?? 0
  const running = t.pending_since ? (minutesBetween(t.pending_since, now) ?? 0) : 0
  return closed + Math.max(0, running)
}

/** Where an engineer stands on a ticket. */
export type EngineerStage = 'to_depart' | 'travelling' | 'on_site' | 'repaired' | 'done'

export function engineerStage(t: Pick<Ticket, 'status' | 'departed_at' | 'arrived_at' | 'repaired_at'>): EngineerStage {
  if (!isOpenStatus(t.status)) return 'done'
  if (t.repaired_at) return 'repaired'
  if (t.arrived_at) return 'on_site'
  if (t.departed_at) return 'travelling'
  return 'to_depart'
}

/** Which of 出发 / 到达 / 完成 an engineer may press on a ticket. */
export function engineerActions(t: Pick<Ticket, 'status' | 'departed_at' | 'arrived_at' | 'repaired_at'>): {
  depart: boolean
  arrive: boolean
  complete: boolean
} {
  const field = canRecordFieldStatus(t.status)
  return {
    depart: field && !t.departed_at && !t.arrived_at,
    arrive: field && !t.arrived_at,
    complete: field && !!t.arrived_at,
  }
}

/** The running clock of a card: since departure while travelling, since arrival on site. */
export function engineerElapsed(
  t: Pick<Ticket, 'status' | 'departed_at' | 'arrived_at' | 'repaired_at' | 'reported_at'>,
  now: Date,
): { kind: 'travel' | 'repair' | 'waiting'; minutes: number | null } {
  const stage = engineerStage(t)
  if (stage === 'travelling') return { kind: 'travel', minutes: minutesBetween(t.departed_at, now) }
  if (stage === 'on_site') return { kind: 'repair', minutes: minutesBetween(t.arrived_at, now) }
  return { kind: 'waiting', minutes: minutesBetween(t.reported_at, now) }
}

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

/**
 * disabled-date of the 补录 pickers: days after today in Asia/Shanghai. The picker hands over
 * the wall-clock day it shows in the browser's own time zone, so the day is compared, not the
 * instant (the server still refuses times in the future).
 */
export function afterShanghaiToday(d: Date, now: Date = new Date()): boolean {
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  return day > shanghaiToday(now)
}

/** A string field of an event's data, or "". */
export function dataString(data: Record<string, unknown> | null | undefined, key: string): string {
  const v = data?.[key]
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
}

/** A number field of an event's data, or null. */
export function dataNumber(data: Record<string, unknown> | null | undefined, key: string): number | null {
  const v = data?.[key]
  return typeof v === 'number' && Number.isFinite(v) ? v : null
}
