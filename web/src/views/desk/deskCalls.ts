// The agent desk's list of calls and what a screen pop holds. Pure.
import type { ScreenPop } from '../../api/telephony'

/** A pop on the desk: from the call stream, or a number the agent looked up. */
export interface DeskEntry {
  /** Unique on the desk: `call-<id>` or `lookup-<n>`. */
  key: string
  source: 'call' | 'lookup'
  pop: ScreenPop
  /** When it arrived (the call's time, or when it was looked up). */
  at: string
}

export const MAX_HISTORY = 20

/** Puts an entry first; a call already listed is replaced, the list is capped. */
export function pushEntry(list: DeskEntry[], entry: DeskEntry, max = MAX_HISTORY): DeskEntry[] {
  return [entry, ...list.filter((e) => e.key !== entry.key)].slice(0, max)
}

/** The desk entry of a stream event. */
export function callEntry(pop: ScreenPop, now: Date = new Date()): DeskEntry {
  const id = pop.call_id
  return { key: id != null ? `call-${id}` : `call-at-${now.getTime()}`, source: 'call', pop, at: pop.at || now.toISOString() }
}

let lookups = 0

/** The desk entry of a number looked up by hand. */
export function lookupEntry(pop: ScreenPop, now: Date = new Date()): DeskEntry {
  lookups++
  return { key: `lookup-${now.getTime()}-${lookups}`, source: 'lookup', pop, at: now.toISOString() }
}

export interface PopSummary {
  customers: number
  callers: number
  openTickets: number
  devices: number
  /** Neither a customer nor a member of staff has this number (in the agent's scope). */
  unknown: boolean
}

export function popSummary(pop: ScreenPop): PopSummary {
  const customers = pop.customers?.length ?? 0
  const callers = pop.callers?.length ?? 0
  const openTickets =
    (pop.customers ?? []).reduce((n, c) => n + (c.open_tickets?.length ?? 0), 0) +
    (pop.callers ?? []).reduce((n, c) => n + (c.open_tickets?.length ?? 0), 0)
  const devices = (pop.callers ?? []).reduce((n, c) => n + (c.devices?.length ?? 0), 0)
  return { customers, callers, openTickets, devices, unknown: customers + callers === 0 }
}

/** Who is calling, in a few words: the first customer's or caller's name and org. */
export function popTitle(pop: ScreenPop): { name: string; org: string } | null {
  const c = pop.customers?.[0]
  if (c) return { name: c.customer.name, org: c.customer.org_name }
  const s = pop.callers?.[0]
  if (s) return { name: s.name, org: s.org_name }
  return null
}

/** Digits, spaces, dashes and a leading + only: what a phone box accepts. */
export function plausiblePhone(s: string): boolean {
  const v = s.trim()
  return /^\+?[\d\s-]{3,20}$/.test(v) && (v.match(/\d/g)?.length ?? 0) >= 3
}
