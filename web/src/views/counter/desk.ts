// Pure helpers of the counter desk (窗口服务): which counter to preselect, today's sessions with
// their ratings, and the mm:ss of a session.
import type { Counter, Rating, ServiceSession } from '../../api/ratings'

const STORAGE_KEY = 'lingting.counterDesk.counter'

/** The counter id remembered from last time, or null. */
export function rememberedCounter(): number | null {
  try {
    const v = Number(localStorage.getItem(STORAGE_KEY))
    return Number.isInteger(v) && v > 0 ? v : null
  } catch {
    return null
  }
}

export function rememberCounter(id: number | null): void {
  try {
    if (id) localStorage.setItem(STORAGE_KEY, String(id))
    else localStorage.removeItem(STORAGE_KEY)
  } catch {
    // not remembered
  }
}

/** The staff id signed in at a counter (the answer names it as staff or staff_id). */
export function signedInStaff(c: Counter | null | undefined): number | null {
  if (!c) return null
  return c.staff_id ?? null
}

/**
 * The counter to preselect: the one I am signed in at, else the remembered one, else the only
 * one there is; null when the user has to choose.
 */
export function pickCounter(counters: Counter[], me: number | undefined, remembered: number | null): Counter | null {
  if (me) {
    const mine = counters.find((c) => signedInStaff(c) === me)
    if (mine) return mine
  }
  if (remembered) {
    const r = counters.find((c) => c.id === remembered)
    if (r) return r
  }
  return counters.length === 1 ? counters[0]! : null
}

/** A session of today's list with the rating it got (if any). */
export interface SessionRow extends ServiceSession {
  rating: Pick<Rating, 'level' | 'scale' | 'reasons' | 'level_label'> | null
}

/**
 * Sessions newest first, each with its rating: the newest rating naming it (a correction
 * supersedes the original), else the level the session itself reports (on `scale`).
 */
export function withRatings(sessions: ServiceSession[], ratings: Rating[], scale = 4): SessionRow[] {
  const bySession = new Map<number, Rating>()
  for (const r of ratings) {
    if (!r.session_id) continue
    const prev = bySession.get(r.session_id)
    if (!prev || r.id > prev.id) bySession.set(r.session_id, r)
  }
  return [...sessions]
    .sort((a, b) => b.id - a.id)
    .map((s) => ({ ...s, rating: bySession.get(s.id) ?? (s.level ? { level: s.level, scale, reasons: [] } : null) }))
}

/** The session still open (started, not ended), newest first; optionally only mine. */
export function openSession(sessions: ServiceSession[], staffId?: number): ServiceSession | null {
  const open = sessions.filter((s) => !s.ended_at && (staffId === undefined || s.staff_id === staffId))
  open.sort((a, b) => b.id - a.id)
  return open[0] ?? null
}

/** Whole seconds from a to b (b defaults to now); null without a start. */
export function secondsBetween(a: string | null | undefined, b?: string | Date | null): number | null {
  if (!a) return null
  const start = new Date(a).getTime()
  const end = b ? new Date(b).getTime() : Date.now()
  if (Number.isNaN(start) || Number.isNaN(end)) return null
  return Math.max(0, Math.floor((end - start) / 1000))
}

/** 65 → "1:05", 3725 → "1:02:05"; null → "". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || Number.isNaN(s)) return ''
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = s % 60
  const pad = (n: number) => String(n).padStart(2, '0')
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`
}
