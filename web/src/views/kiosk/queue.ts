// The kiosk's outbox of ratings. Plain TypeScript: no Vue, no fetch.
//
// A rating is put into the queue (persisted in localStorage) the moment the customer presses a
// button, with a client_id made then, and is sent from there. The server answers a resent
// client_id with the first result, so sending twice is harmless; the queue drops an item once
// the server has it (2xx) or already had a rating for that session (409), and keeps it when the
// request did not get through (network error, 5xx, 429, 401) to try again later, oldest first.
import { ApiError } from '../../api/http'

/** A rating waiting to be sent. */
export interface QueuedRating {
  client_id: string
  session_id: number
  level: number
  reasons: string[]
  /** When the customer pressed the button (RFC 3339). */
  rated_at: string
  /** Failed attempts so far. */
  attempts: number
}

/** What the server's answer (or its absence) means for a queued item. */
export type Outcome = 'sent' | 'duplicate' | 'rejected' | 'retry'

/** Classifies a failed send: keep (retry) or drop (duplicate, rejected). */
export function classifyError(err: unknown): Exclude<Outcome, 'sent'> {
  if (!(err instanceof ApiError)) return 'retry' // e.g. a TypeError from fetch
  const s = err.status
  if (s === 409) return 'duplicate'
  if (s === 0 || s === 401 || s === 408 || s === 425 || s === 429 || s >= 500) return 'retry'
  return 'rejected' // 400, 403, 404, 410, 422: sending again cannot succeed
}

export interface FlushResult {
  sent: number
  duplicates: number
  rejected: number
  /** Items still queued afterwards. */
  kept: number
  /** True when an item had to be kept because the send failed (the caller backs off). */
  failed: boolean
}

/** Minimal storage (localStorage, or a fake in tests). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

function isItem(v: unknown): v is QueuedRating {
  const o = v as QueuedRating
  return !!o && typeof o === 'object' && typeof o.client_id === 'string' && Number.isInteger(o.session_id) && Number.isInteger(o.level)
}

function defaultStore(): KeyValueStore | null {
  try {
    return globalThis.localStorage ?? null
  } catch {
    return null
  }
}

export class RatingQueue {
  private memory: QueuedRating[] = []
  private flushing: Promise<FlushResult> | null = null

  /**
   * key: the storage key (one queue per counter).
   * store: where items live between reloads; without one (privacy mode) they live in memory.
   */
  constructor(
    readonly key: string,
    private readonly store: KeyValueStore | null = defaultStore(),
  ) {
    this.memory = this.read()
  }

  private read(): QueuedRating[] {
    if (!this.store) return this.memory
    try {
      const raw = this.store.getItem(this.key)
      if (!raw) return []
      const parsed: unknown = JSON.parse(raw)
      return Array.isArray(parsed) ? parsed.filter(isItem) : []
    } catch {
      return this.memory
    }
  }

  private write(items: QueuedRating[]): void {
    this.memory = items
    if (!this.store) return
    try {
      if (items.length) this.store.setItem(this.key, JSON.stringify(items))
      else this.store.removeItem(this.key)
    } catch {
      // quota or storage gone: kept in memory until the page closes
    }
  }

  /** The queued items, oldest first (read afresh from storage). */
  list(): QueuedRating[] {
    return this.read()
  }

  get size(): number {
    return this.read().length
  }

  /** Session ids with a queued rating (the kiosk must not ask for them again). */
  sessionIds(): Set<number> {
    return new Set(this.read().map((i) => i.session_id))
  }

  /** Appends a rating; a client_id already queued is ignored. */
  add(item: Omit<QueuedRating, 'attempts'> & { attempts?: number }): void {
    const items = this.read()
    if (items.some((i) => i.client_id === item.client_id)) return
    items.push({ ...item, reasons: [...item.reasons], attempts: item.attempts ?? 0 })
    this.write(items)
  }

  /** Drops one item. */
  remove(clientId: string): void {
    this.write(this.read().filter((i) => i.client_id !== clientId))
  }

  private bump(clientId: string): void {
    this.write(this.read().map((i) => (i.client_id === clientId ? { ...i, attempts: i.attempts + 1 } : i)))
  }

  /**
   * Sends the queued items in order with send(item). Stops at the first item that must be
   * kept, so the order holds. Concurrent calls share one run.
   */
  flush(send: (item: QueuedRating) => Promise<unknown>): Promise<FlushResult> {
    if (this.flushing) return this.flushing
    this.flushing = this.run(send).finally(() => {
      this.flushing = null
    })
    return this.flushing
  }

  private async run(send: (item: QueuedRating) => Promise<unknown>): Promise<FlushResult> {
    const out: FlushResult = { sent: 0, duplicates: 0, rejected: 0, kept: 0, failed: false }
    const done = new Set<string>()
    for (;;) {
      const next = this.read().find((i) => !done.has(i.client_id))
      if (!next) break
      done.add(next.client_id)
      let outcome: Outcome
      try {
        await send(next)
        outcome = 'sent'
      } catch (err) {
        outcome = classifyError(err)
      }
      if (outcome === 'retry') {
        this.bump(next.client_id)
        out.failed = true
        break
      }
      this.remove(next.client_id)
      if (outcome === 'sent') out.sent++
      else if (outcome === 'duplicate') out.duplicates++
      else out.rejected++
    }
    out.kept = this.size
    return out
  }
}

/** Delay before retry number `failures` (1, 2, …): 2 s, 4 s, 8 s … capped at max. */
export function backoffDelay(failures: number, base = 2000, max = 60_000): number {
  if (failures <= 0) return 0
  return Math.min(max, base * 2 ** Math.min(failures - 1, 20))
}

/** A fresh client_id (crypto.randomUUID, with a fallback for old browsers and plain http). */
export function newClientId(): string {
  const c = globalThis.crypto
  if (c && typeof c.randomUUID === 'function') return c.randomUUID()
  const bytes = new Uint8Array(16)
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(bytes)
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256)
  bytes[6] = (bytes[6]! & 0x0f) | 0x40
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * Drives a queue: flush now (kick), and after a failed flush again with back-off until it
 * empties. The kiosk kicks it after each rating, on the online event and when it reconnects.
 */
export class QueueSender {
  private timer: ReturnType<typeof setTimeout> | undefined
  private failures = 0
  private stopped = false

  constructor(
    private readonly queue: RatingQueue,
    private readonly send: (item: QueuedRating) => Promise<unknown>,
    private readonly onChange: (r: FlushResult) => void = () => {},
    private readonly delay: (failures: number) => number = (f) => backoffDelay(f),
  ) {}

  /** Flushes now; resets the back-off. */
  kick(): Promise<FlushResult> {
    this.failures = 0
    return this.attempt()
  }

  private async attempt(): Promise<FlushResult> {
    clearTimeout(this.timer)
    this.timer = undefined
    const r = await this.queue.flush(this.send)
    if (this.stopped) return r
    this.onChange(r)
    if (r.failed && r.kept > 0) {
      this.failures++
      clearTimeout(this.timer)
      this.timer = setTimeout(() => void this.attempt(), this.delay(this.failures))
    } else {
      this.failures = 0
    }
    return r
  }

  /** True while a retry is scheduled. */
  get waiting(): boolean {
    return this.timer !== undefined
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
