import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '../../src/api/http'
import { backoffDelay, classifyError, newClientId, QueueSender, RatingQueue, type KeyValueStore, type QueuedRating } from '../../src/views/kiosk/queue'

/** A Storage stand-in that survives "reloads" (new RatingQueue objects over the same map). */
function fakeStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>()
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, String(v)),
    removeItem: (k) => void data.delete(k),
  }
}

const item = (n: number, session = 100 + n): Omit<QueuedRating, 'attempts'> => ({
  client_id: `c-${n}`,
  session_id: session,
  level: 4,
  reasons: [],
  rated_at: `2026-03-01T09:0${n}:00Z`,
})

const networkDown = () => new ApiError(0, 'network', 'network')

describe('RatingQueue', () => {
  it('persists across reloads and keeps the order', () => {
    const store = fakeStore()
    const q = new RatingQueue('k', store)
    q.add(item(1))
    q.add(item(2))
    q.add(item(3))
    const reloaded = new RatingQueue('k', store)
    expect(reloaded.list().map((i) => i.client_id)).toEqual(['c-1', 'c-2', 'c-3'])
    expect(reloaded.size).toBe(3)
    expect(reloaded.sessionIds()).toEqual(new Set([101, 102, 103]))
    // another counter's queue is separate
    expect(new RatingQueue('other', store).size).toBe(0)
  })

  it('ignores a client_id already queued', () => {
    const q = new RatingQueue('k', fakeStore())
    q.add(item(1))
    q.add({ ...item(1), level: 1 })
    expect(q.list()).toHaveLength(1)
    expect(q.list()[0]!.level).toBe(4)
  })

  it('drops items on 2xx and on 409, sending oldest first', async () => {
    const store = fakeStore()
    const q = new RatingQueue('k', store)
    q.add(item(1))
    q.add(item(2))
    q.add(item(3))
    const seen: string[] = []
    const r = await q.flush(async (i) => {
      seen.push(i.client_id)
      if (i.client_id === 'c-2') throw new ApiError(409, 'conflict', '已评价')
      return { id: 1 }
    })
    expect(seen).toEqual(['c-1', 'c-2', 'c-3'])
    expect(r).toEqual({ sent: 2, duplicates: 1, rejected: 0, kept: 0, failed: false })
    expect(store.data.has('k')).toBe(false)
  })

  it('keeps items on network errors and 5xx, and stops there to keep the order', async () => {
    const store = fakeStore()
    const q = new RatingQueue('k', store)
    q.add(item(1))
    q.add(item(2))
    const send = vi.fn(async () => {
      throw networkDown()
    })
    let r = await q.flush(send)
    expect(send).toHaveBeenCalledTimes(1)
    expect(r).toMatchObject({ sent: 0, kept: 2, failed: true })
    expect(new RatingQueue('k', store).list().map((i) => [i.client_id, i.attempts])).toEqual([
      ['c-1', 1],
      ['c-2', 0],
    ])

    r = await q.flush(async (i) => {
      if (i.client_id === 'c-2') throw new ApiError(503, 'internal', 'busy')
    })
    expect(r).toMatchObject({ sent: 1, kept: 1, failed: true })
    expect(q.list().map((i) => i.client_id)).toEqual(['c-2'])

    // the network is back: the same client_id goes out again
    const ids: string[] = []
    r = await q.flush(async (i) => void ids.push(i.client_id))
    expect(ids).toEqual(['c-2'])
    expect(r).toMatchObject({ sent: 1, kept: 0, failed: false })
  })

  it('drops what can never succeed (422, 404) but keeps 401 and 429', async () => {
    expect(classifyError(new ApiError(422, 'invalid', 'x'))).toBe('rejected')
    expect(classifyError(new ApiError(404, 'not_found', 'x'))).toBe('rejected')
    expect(classifyError(new ApiError(409, 'conflict', 'x'))).toBe('duplicate')
    expect(classifyError(new ApiError(401, 'unauthenticated', 'x'))).toBe('retry')
    expect(classifyError(new ApiError(429, 'rate_limited', 'x'))).toBe('retry')
    expect(classifyError(new ApiError(500, 'internal', 'x'))).toBe('retry')
    expect(classifyError(new TypeError('Failed to fetch'))).toBe('retry')
  })

  it('sends items added while a flush runs, and shares one run between callers', async () => {
    const q = new RatingQueue('k', fakeStore())
    q.add(item(1))
    const ids: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const send = async (i: QueuedRating) => {
      ids.push(i.client_id)
      if (i.client_id === 'c-1') await gate
    }
    const a = q.flush(send)
    q.add(item(2))
    const b = q.flush(send)
    expect(b).toBe(a)
    release()
    const r = await a
    expect(ids).toEqual(['c-1', 'c-2'])
    expect(r.sent).toBe(2)
  })

  it('works without storage (kept in memory)', async () => {
    const q = new RatingQueue('k', null)
    q.add(item(1))
    expect(q.size).toBe(1)
    await q.flush(async () => {})
    expect(q.size).toBe(0)
  })

  it('survives broken storage content', () => {
    const store = fakeStore()
    store.data.set('k', '{not json')
    expect(new RatingQueue('k', store).list()).toEqual([])
    store.data.set('k', JSON.stringify([{ client_id: 'ok', session_id: 1, level: 2, reasons: [], rated_at: 'x', attempts: 0 }, { junk: true }]))
    expect(new RatingQueue('k', store).list().map((i) => i.client_id)).toEqual(['ok'])
  })
})

describe('QueueSender', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('retries with back-off until the queue empties', async () => {
    const q = new RatingQueue('k', fakeStore())
    q.add(item(1))
    let up = false
    const send = vi.fn(async () => {
      if (!up) throw networkDown()
    })
    const changes: number[] = []
    const s = new QueueSender(q, send, (r) => changes.push(r.kept), (f) => f * 1000)
    await s.kick()
    expect(send).toHaveBeenCalledTimes(1)
    expect(s.waiting).toBe(true)
    await vi.advanceTimersByTimeAsync(1000) // 1st retry after 1 s
    expect(send).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1999) // 2nd after 2 s more
    expect(send).toHaveBeenCalledTimes(2)
    up = true
    await vi.advanceTimersByTimeAsync(1)
    expect(send).toHaveBeenCalledTimes(3)
    expect(q.size).toBe(0)
    expect(s.waiting).toBe(false)
    expect(changes).toEqual([1, 1, 0])
    s.stop()
  })

  it('stop() cancels the scheduled retry', async () => {
    const q = new RatingQueue('k', fakeStore())
    q.add(item(1))
    const send = vi.fn(async () => {
      throw networkDown()
    })
    const s = new QueueSender(q, send, () => {}, () => 1000)
    await s.kick()
    s.stop()
    await vi.advanceTimersByTimeAsync(5000)
    expect(send).toHaveBeenCalledTimes(1)
    expect(q.size).toBe(1)
  })
})

describe('helpers', () => {
  it('backs off exponentially up to a cap', () => {
    expect(backoffDelay(0)).toBe(0)
    expect(backoffDelay(1)).toBe(2000)
    expect(backoffDelay(2)).toBe(4000)
    expect(backoffDelay(3)).toBe(8000)
    expect(backoffDelay(50)).toBe(60_000)
  })

  it('makes distinct v4 client ids', () => {
    const a = newClientId()
    const b = newClientId()
    expect(a).not.toBe(b)
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  })
})
