// Times arrive as RFC 3339 instants and are shown in Asia/Shanghai as "YYYY-MM-DD HH:mm".

export const TIME_ZONE = 'Asia/Shanghai'
const OFFSET = '+08:00' // Asia/Shanghai has had no DST since 1991.
const OFFSET_MS = 8 * 60 * 60 * 1000

const fmt = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/**
 * "2026-01-02T03:04:05Z" → "2026-01-02 11:04" (or "2026-01-02 11:04:05" with seconds);
 * empty input → "", unparseable input is returned as it is.
 */
export function formatDateTime(value: string | null | undefined, opts: { seconds?: boolean } = {}): string {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return value
  const parts: Record<string, string> = {}
  for (const p of fmt.formatToParts(d)) parts[p.type] = p.value
  const hm = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
  return opts.seconds ? `${hm}:${parts.second}` : hm
}

/** A wall-clock time in Asia/Shanghai ("YYYY-MM-DD HH:mm:ss" or "YYYY-MM-DD") → RFC 3339. */
export function shanghaiToRfc3339(wallClock: string, endOfDay = false): string {
  const v = wallClock.trim()
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return `${v}T${endOfDay ? '23:59:59' : '00:00:00'}${OFFSET}`
  return v.replace(' ', 'T') + OFFSET
}

/** An instant → RFC 3339 with the Asia/Shanghai offset, e.g. "2026-01-02T11:04:05+08:00". */
export function toShanghaiRfc3339(d: Date): string {
  return new Date(d.getTime() + OFFSET_MS).toISOString().slice(0, 19) + OFFSET
}
