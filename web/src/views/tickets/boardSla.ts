// The supervisor board's SLA columns: which unmet target a card shows and how far it is from its
// deadline. Pure.
import { SLA_TARGETS, type SlaTarget, type TicketSlaTarget } from '../../api/sla'

export interface NextDeadline {
  target: SlaTarget
  due_at: string
  /** Minutes until the deadline: business minutes when known (negative: overdue, clock time). */
  minutes: number
  overdue: boolean
}

/**
 * The unmet target a board card is about: a breached one first (the most overdue), otherwise the
 * soonest deadline. Null when every target is met or the ticket has no SLA.
 */
export function nextDeadline(sla: { targets?: Record<string, unknown> } | null | undefined, now: number): NextDeadline | null {
  let best: NextDeadline | null = null
  for (const k of SLA_TARGETS) {
    const tg = sla?.targets?.[k] as TicketSlaTarget | undefined
    if (!tg || tg.met_at) continue
    const due = Date.parse(tg.due_at)
    if (Number.isNaN(due)) continue
    const overdue = tg.breached || due <= now
    // time left in business minutes when the server gives them; overdue time is clock time
    const minutes = !overdue && typeof tg.remaining_minutes === 'number' ? tg.remaining_minutes : Math.trunc((due - now) / 60000)
    const cand = { target: k, due_at: tg.due_at, minutes, overdue }
    if (!best || (overdue && !best.overdue) || (overdue === best.overdue && due < Date.parse(best.due_at))) best = cand
  }
  return best
}
