// The state of a ticket's SLA target at an instant, for the ticket page's panel. Pure.
import { SLA_TARGETS, type SlaTarget, type TicketSla, type TicketSlaPause, type TicketSlaTarget } from '../../api/sla'

/**
 * met: met in time; met_late: met after the deadline; breached: open past the deadline;
 * paused: open and the ticket is in a pausing status (the deadline moves on resume);
 * running: open, before the deadline.
 */
export type TargetState = 'met' | 'met_late' | 'breached' | 'paused' | 'running'

export interface TargetView {
  target: SlaTarget
  state: TargetState
  due_at: string
  met_at: string | null
  paused_minutes: number
  /** Each pause, oldest first. */
  pauses: TicketSlaPause[]
  /** running / paused: minutes left; breached: minutes over; met_late: minutes late; met: minutes to spare. */
  minutes: number
}

const minutesBetween = (a: number, b: number) => Math.floor(Math.abs(b - a) / 60000)

export function targetState(target: SlaTarget, tg: TicketSlaTarget, now: number, paused = false): TargetView {
  const due = Date.parse(tg.due_at)
  const base = { target, due_at: tg.due_at, met_at: tg.met_at, paused_minutes: tg.paused_minutes ?? 0, pauses: tg.pauses ?? [] }
  if (tg.met_at) {
    const met = Date.parse(tg.met_at)
    const late = tg.breached || met > due
    return { ...base, state: late ? 'met_late' : 'met', minutes: minutesBetween(met, due) }
  }
  if (tg.breached || now > due) return { ...base, state: 'breached', minutes: minutesBetween(now, due) }
  // Time left is business time on the policy's calendar when the server says it (nights,
  // weekends and holidays do not count); the clock time to the deadline otherwise.
  const left = typeof tg.remaining_minutes === 'number' ? tg.remaining_minutes : minutesBetween(now, due)
  return { ...base, state: paused ? 'paused' : 'running', minutes: left }
}

/** The ticket's targets in the order a ticket meets them. */
export function targetViews(sla: TicketSla | null | undefined, now: number, paused = false): TargetView[] {
  const out: TargetView[] = []
  for (const k of SLA_TARGETS) {
    const tg = sla?.targets?.[k]
    if (tg) out.push(targetState(k, tg, now, paused))
  }
  return out
}

/** The share of the time from start to the deadline already used, 0–100 (for a progress bar). */
export function usedPercent(start: string, due: string, now: number): number {
  const s = Date.parse(start)
  const d = Date.parse(due)
  if (!(d > s)) return 100
  return Math.max(0, Math.min(100, Math.round(((now - s) / (d - s)) * 100)))
}
