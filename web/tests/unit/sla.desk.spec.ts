// The agent desk's pure parts (call list, pop summary, phone check), the call stream's
// EventSource handling, the ticket SLA panel's target states, and the menu entries of the
// service-level pages and the desk.
import { describe, expect, it } from 'vitest'
import { normalizePop, subscribeCalls, type EventSourceLike, type ScreenPop, type StreamState } from '../../src/api/telephony'
import { buildMenu } from '../../src/menu'
import { callEntry, lookupEntry, MAX_HISTORY, plausiblePhone, popSummary, popTitle, pushEntry } from '../../src/views/desk/deskCalls'
import { targetState, targetViews, usedPercent } from '../../src/views/sla/slaState'

const customerPop = (callId?: number): ScreenPop => ({
  phone: '137-1234-5678',
  ...(callId ? { call_id: callId, at: '2026-10-09T01:02:00Z' } : {}),
  customers: [
    {
      customer: { id: 9, name: '张伟', org_name: '中关村网点' } as ScreenPop['customers'][number]['customer'],
      open_tickets: [{ id: 1 }, { id: 2 }] as ScreenPop['customers'][number]['open_tickets'],
      recent_interactions: [],
      recent_ratings: [],
    },
  ],
  callers: [],
})

const outletPop: ScreenPop = {
  phone: '010-6255-0001',
  customers: [],
  callers: [
    {
      user_id: 31,
      name: '赵敏',
      org_id: 6,
      org_name: '中关村网点',
      devices: [{ id: 1 }, { id: 2 }, { id: 3 }] as ScreenPop['callers'][number]['devices'],
      open_tickets: [{ id: 5 }] as ScreenPop['callers'][number]['open_tickets'],
    },
  ],
}

describe('desk calls', () => {
  it('keeps calls newest first, once each, capped', () => {
    const a = callEntry(customerPop(1))
    const b = callEntry(customerPop(2))
    expect(a.key).toBe('call-1')
    expect(a.at).toBe('2026-10-09T01:02:00Z')
    let list = pushEntry(pushEntry([], a), b)
    expect(list.map((e) => e.key)).toEqual(['call-2', 'call-1'])
    list = pushEntry(list, callEntry(customerPop(1)))
    expect(list.map((e) => e.key)).toEqual(['call-1', 'call-2'])
    const l1 = lookupEntry(outletPop, new Date('2026-10-09T02:00:00Z'))
    const l2 = lookupEntry(outletPop, new Date('2026-10-09T02:00:00Z'))
    expect(l1.key).not.toBe(l2.key)
    expect(l1.source).toBe('lookup')
    let many = list
    for (let i = 0; i < 30; i++) many = pushEntry(many, callEntry(customerPop(100 + i)))
    expect(many).toHaveLength(MAX_HISTORY)
    expect(many[0]!.key).toBe('call-129')
  })

  it('sums up a pop and names the caller', () => {
    expect(popSummary(customerPop())).toEqual({ customers: 1, callers: 0, openTickets: 2, devices: 0, unknown: false })
    expect(popSummary(outletPop)).toEqual({ customers: 0, callers: 1, openTickets: 1, devices: 3, unknown: false })
    expect(popSummary({ phone: '1', customers: [], callers: [] }).unknown).toBe(true)
    expect(popTitle(customerPop())).toEqual({ name: '张伟', org: '中关村网点' })
    expect(popTitle(outletPop)).toEqual({ name: '赵敏', org: '中关村网点' })
    expect(popTitle({ phone: '1', customers: [], callers: [] })).toBeNull()
  })

  it('accepts phone-like input only', () => {
    expect(plausiblePhone('13712345678')).toBe(true)
    expect(plausiblePhone('010-6255 0001')).toBe(true)
    expect(plausiblePhone('+86 137 1234 5678')).toBe(true)
    expect(plausiblePhone('12')).toBe(false)
    expect(plausiblePhone('张伟')).toBe(false)
    expect(plausiblePhone('')).toBe(false)
  })

  it('fills the lists a pop leaves out', () => {
    const p = normalizePop({ phone: '1', customers: [{ customer: { id: 1 } }], callers: [{ user_id: 2 }] } as unknown as ScreenPop)
    expect(p.customers[0]).toMatchObject({ open_tickets: [], recent_interactions: [], recent_ratings: [] })
    expect(p.callers[0]).toMatchObject({ devices: [], open_tickets: [] })
    expect(normalizePop({ phone: '1' } as ScreenPop)).toEqual({ phone: '1', customers: [], callers: [] })
  })
})

class FakeSource implements EventSourceLike {
  readyState = 0
  onopen: EventSourceLike['onopen'] = null
  onerror: EventSourceLike['onerror'] = null
  listeners: ((ev: MessageEvent) => void)[] = []
  closed = false
  addEventListener(_type: string, fn: (ev: MessageEvent) => void) {
    this.listeners.push(fn)
  }
  close() {
    this.closed = true
  }
  emit(data: string) {
    for (const fn of this.listeners) fn(new MessageEvent('call', { data }))
  }
}

describe('call stream', () => {
  it('reports its state, parses call events and closes', () => {
    const src = new FakeSource()
    const urls: string[] = []
    const states: StreamState[] = []
    const pops: ScreenPop[] = []
    const close = subscribeCalls(
      (p) => pops.push(p),
      (s) => states.push(s),
      (url) => {
        urls.push(url)
        return src
      },
    )
    expect(urls).toEqual(['/api/v1/telephony/events'])
    src.readyState = 1
    src.onopen?.call(src, new Event('open'))
    src.emit(JSON.stringify(customerPop(7)))
    src.emit('not json')
    src.readyState = 0
    src.onerror?.call(src, new Event('error'))
    src.readyState = 2
    src.onerror?.call(src, new Event('error'))
    expect(states).toEqual(['connecting', 'open', 'connecting', 'error'])
    expect(pops.map((p) => p.call_id)).toEqual([7])
    close()
    expect(src.closed).toBe(true)
  })

  it('reports an error when EventSource cannot be made', () => {
    const states: StreamState[] = []
    const close = subscribeCalls(
      () => undefined,
      (s) => states.push(s),
      () => {
        throw new Error('no EventSource')
      },
    )
    expect(states).toEqual(['error'])
    close()
  })
})

describe('ticket SLA targets', () => {
  const now = Date.parse('2026-10-09T02:00:00Z')
  const tg = (due: string, met: string | null = null, breached = false) => ({ due_at: due, met_at: met, breached, paused_minutes: 0 })

  it('tells met, late, breached, paused and running apart', () => {
    expect(targetState('resolution', tg('2026-10-09T03:30:00Z'), now)).toMatchObject({ state: 'running', minutes: 90 })
    expect(targetState('resolution', tg('2026-10-09T03:30:00Z'), now, true)).toMatchObject({ state: 'paused', minutes: 90 })
    expect(targetState('resolution', tg('2026-10-09T01:00:00Z'), now)).toMatchObject({ state: 'breached', minutes: 60 })
    expect(targetState('arrival', tg('2026-10-09T05:00:00Z', null, true), now).state).toBe('breached')
    expect(targetState('arrival', tg('2026-10-09T01:00:00Z', '2026-10-09T00:40:00Z'), now)).toMatchObject({ state: 'met', minutes: 20 })
    expect(targetState('arrival', tg('2026-10-09T01:00:00Z', '2026-10-09T01:25:00Z', true), now)).toMatchObject({ state: 'met_late', minutes: 25 })
  })

  it('counts the time left in business minutes when the server gives them', () => {
    // due tomorrow morning, 30 working minutes left tonight-to-tomorrow: not the 20 clock hours
    const tomorrow = { ...tg('2026-10-09T22:00:00Z'), remaining_minutes: 30 }
    expect(targetState('resolution', tomorrow, now)).toMatchObject({ state: 'running', minutes: 30 })
    expect(targetState('resolution', { ...tomorrow, remaining_minutes: null }, now)).toMatchObject({ state: 'running', minutes: 1200 })
  })

  it('lists a ticket’s targets in the order they are met', () => {
    const views = targetViews(
      { policy_id: 5, targets: { resolution: tg('2026-10-09T09:00:00Z'), first_response: tg('2026-10-09T01:00:00Z', '2026-10-09T00:30:00Z') } },
      now,
    )
    expect(views.map((v) => [v.target, v.state])).toEqual([
      ['first_response', 'met'],
      ['resolution', 'running'],
    ])
    expect(targetViews({ policy_id: null, targets: {} }, now)).toEqual([])
    expect(targetViews(null, now)).toEqual([])
    expect(usedPercent('2026-10-09T00:00:00Z', '2026-10-09T04:00:00Z', now)).toBe(50)
    expect(usedPercent('2026-10-09T00:00:00Z', '2026-10-09T01:00:00Z', now)).toBe(100)
    expect(usedPercent('2026-10-09T03:00:00Z', '2026-10-09T04:00:00Z', now)).toBe(0)
  })
})

describe('menu entries', () => {
  const keys = (items: ReturnType<typeof buildMenu>): string[] => items.flatMap((m) => [m.key, ...(m.children ? keys(m.children) : [])])

  it('shows the service-level group with sla.read, above the system group', () => {
    const menu = buildMenu(['sla.read', 'user.read'])
    expect(keys(menu)).toEqual(['home', 'sla', 'calendars', 'sla-policies', 'system', 'users'])
    const group = menu[1]!
    expect(group.testId).toBe('menu-sla-group')
    expect(group.children?.map((c) => [c.path, c.testId])).toEqual([
      ['/calendars', 'menu-calendars'],
      ['/sla-policies', 'menu-sla-policies'],
    ])
    expect(keys(buildMenu(['sla.update']))).toEqual(['home'])
  })

  it('shows the agent desk below the counter desk to those who answer calls', () => {
    expect(keys(buildMenu(['ticket.create', 'rating.session']))).not.toContain('agent-desk')
    const menu = buildMenu(['telephony.answer', 'rating.session'])
    expect(menu.map((m) => [m.key, m.path, m.testId])).toEqual([
      ['home', '/', 'menu-home'],
      ['counter-desk', '/counter', 'menu-counter-desk'],
      ['agent-desk', '/desk', 'menu-agent-desk'],
    ])
    expect(keys(buildMenu(['customer.read', 'ticket.read']))).not.toContain('agent-desk')
  })
})
