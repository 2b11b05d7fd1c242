import { describe, expect, it } from 'vitest'
import type { Counter, Rating, ServiceSession } from '../../src/api/ratings'
import { formatSeconds, openSession, pickCounter, secondsBetween, signedInStaff, withRatings } from '../../src/views/counter/desk'

const counter = (id: number, staffId: number | null = null): Counter => ({
  id,
  org_id: 40,
  code: `C${id}`,
  name: `${id} 号窗口`,
  business_type_id: null,
  active: true,
  staff_id: staffId,
})
const session = (id: number, ended: boolean, staff = 7): ServiceSession => ({
  id,
  counter_id: 3,
  org_id: 40,
  staff_id: staff,
  channel: 'staff',
  started_at: '2026-03-01T01:00:00Z',
  ended_at: ended ? '2026-03-01T01:03:05Z' : null,
})
const rating = (id: number, sessionId: number | null, level: number): Rating => ({
  id,
  channel: 'kiosk',
  session_id: sessionId,
  org_id: 40,
  staff_id: 7,
  level,
  scale: 4,
  satisfied: level >= 3,
  reasons: [],
  comment: '',
  rated_at: '2026-03-01T01:04:00Z',
})

describe('counter desk helpers', () => {
  it('preselects my counter, then the remembered one, then the only one', () => {
    const list = [counter(1), counter(2, 9), counter(3, 7)]
    expect(pickCounter(list, 7, 1)?.id).toBe(3)
    expect(pickCounter(list, 5, 1)?.id).toBe(1)
    expect(pickCounter(list, 5, 99)).toBeNull()
    expect(pickCounter([counter(4)], 5, null)?.id).toBe(4)
    expect(signedInStaff({ ...counter(5), staff_id: 12 })).toBe(12)
    expect(signedInStaff(null)).toBeNull()
  })

  it('joins sessions with their newest rating, newest session first', () => {
    const rows = withRatings(
      [session(1, true), { ...session(2, true), level: 3, rating_id: 20 }, session(3, false)],
      [rating(10, 1, 4), rating(11, 1, 2), rating(12, null, 1)],
      5,
    )
    expect(rows.map((r) => [r.id, r.rating?.level ?? null, r.rating?.scale ?? null])).toEqual([
      [3, null, null],
      [2, 3, 5],
      [1, 2, 4],
    ])
  })

  it('finds the open session of a staff member', () => {
    const list = [session(1, true), session(2, false, 9), session(3, false)]
    expect(openSession(list, 7)?.id).toBe(3)
    expect(openSession(list, 9)?.id).toBe(2)
    expect(openSession([session(1, true)], 7)).toBeNull()
  })

  it('formats session durations', () => {
    expect(secondsBetween('2026-03-01T01:00:00Z', '2026-03-01T01:03:05Z')).toBe(185)
    expect(secondsBetween(null)).toBeNull()
    expect(formatSeconds(185)).toBe('3:05')
    expect(formatSeconds(3725)).toBe('1:02:05')
    expect(formatSeconds(null)).toBe('')
  })
})
