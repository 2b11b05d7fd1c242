// Screen pop (来电弹屏): GET /screen-pop?phone= and the agent's call stream
// GET /telephony/events (Server-Sent Events, one `call` event per incoming call, its data a
// ScreenPop with call_id and at). Calls reach the stream when a PBX posts them to
// POST /telephony/calls (permission telephony.notify) naming the agent's login.
import type { Asset } from './assets'
import type { Customer, Interaction } from './customers'
import { buildUrl, http } from './http'
import type { Rating } from './ratings'
import type { Ticket } from './tickets'

/** A matching customer (phones masked) with open tickets and history. */
export interface CustomerCard {
  customer: Customer
  open_tickets: Ticket[]
  recent_interactions: Interaction[]
  /** The five newest ratings of the customer's tickets (empty without rating.read). */
  recent_ratings: Rating[]
}

/** A member of staff whose phone it is, with their org's devices and open tickets. */
export interface StaffCaller {
  user_id: number
  name: string
  org_id: number
  org_name: string
  devices: Asset[]
  open_tickets: Ticket[]
}

/** What the agent's screen shows for a number. */
export interface ScreenPop {
  /** The number as the server normalised it. */
  phone: string
  customers: CustomerCard[]
  callers: StaffCaller[]
  /** Set on stream events: the stored call. */
  call_id?: number
  at?: string
}

export const telephonyApi = {
  screenPop: (phone: string) => http.get<ScreenPop>('/screen-pop', { phone: phone.trim() }),
}

/** Address of the agent's call stream. */
export const CALL_EVENTS_URL = buildUrl('/telephony/events')

export type StreamState = 'connecting' | 'open' | 'error'

/** The parts of EventSource the stream uses (tests pass a fake). */
export interface EventSourceLike {
  readonly readyState: number
  onopen: ((this: EventSourceLike, ev: Event) => unknown) | null
  onerror: ((this: EventSourceLike, ev: Event) => unknown) | null
  addEventListener(type: string, listener: (ev: MessageEvent) => void): void
  close(): void
}

export type EventSourceFactory = (url: string) => EventSourceLike

/**
 * Opens the call stream: onCall gets each call's screen pop, onState the connection state.
 * EventSource reconnects by itself after an error; only calls received while connected
 * are sent. Returns the function that closes the stream.
 */
export function subscribeCalls(
  onCall: (pop: ScreenPop) => void,
  onState: (state: StreamState) => void = () => undefined,
  factory: EventSourceFactory = (url) => new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike,
): () => void {
  let source: EventSourceLike
  try {
    source = factory(CALL_EVENTS_URL)
  } catch {
    onState('error')
    return () => undefined
  }
  onState('connecting')
  source.onopen = () => onState('open')
  // readyState 2 (CLOSED): the browser gave up (e.g. 401); otherwise it is reconnecting.
  source.onerror = () => onState(source.readyState === 2 ? 'error' : 'connecting')
  source.addEventListener('call', (ev: MessageEvent) => {
    try {
      const pop = JSON.parse(String(ev.data)) as ScreenPop
      if (pop && typeof pop === 'object') onCall(normalizePop(pop))
    } catch {
      // a malformed event is skipped
    }
  })
  return () => source.close()
}

/** Fills the lists a pop may leave out, so views can iterate without checks. */
export function normalizePop(pop: ScreenPop): ScreenPop {
  return {
    ...pop,
    customers: (pop.customers ?? []).map((c) => ({
      ...c,
      open_tickets: c.open_tickets ?? [],
      recent_interactions: c.recent_interactions ?? [],
      recent_ratings: c.recent_ratings ?? [],
    })),
    callers: (pop.callers ?? []).map((c) => ({ ...c, devices: c.devices ?? [], open_tickets: c.open_tickets ?? [] })),
  }
}
