// Numbers, periods and org paths of the satisfaction page. Pure: no Vue, no i18n (labels are
// passed in), so the unit tests can pin them down.
import type { RatingLevel } from '../../api/ratingAdmin'
import type { Figures, RankingItem, ReportItem } from '../../api/analytics'

/** Shown for a figure that has no value (no ratings, no sessions). */
export const DASH = '—'

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v)
}

/** 0.9512 → "95.1%" (digits after the point); null → "—". */
export function formatPercent(rate: number | null | undefined, digits = 1): string {
  if (!finite(rate)) return DASH
  return `${(rate * 100).toFixed(digits)}%`
}

/** A rate as a percentage number rounded to 0.1 for charts; null stays null. */
export function percentValue(rate: number | null | undefined): number | null {
  if (!finite(rate)) return null
  return Math.round(rate * 1000) / 10
}

/** 1234567 → "1,234,567"; null → "—". */
export function formatCount(n: number | null | undefined): string {
  if (!finite(n)) return DASH
  return Math.round(n).toLocaleString('en-US')
}

/** The Wilson interval as "93.7% – 96.0%", or "—" without one. */
export function formatInterval(lower: number | null | undefined, upper: number | null | undefined): string {
  if (!finite(lower) || !finite(upper)) return DASH
  return `${formatPercent(lower)} – ${formatPercent(upper)}`
}

/** A signed difference in percentage points: 2.1 → "+2.1", -0.4 → "-0.4". */
export function formatPp(pp: number | null | undefined): string {
  if (!finite(pp)) return DASH
  const v = Math.round(pp * 10) / 10
  return `${v > 0 ? '+' : ''}${v.toFixed(1)}`
}

/** A p value: "0.31", "0.004", "< 0.001". */
export function formatP(p: number | null | undefined): string {
  if (!finite(p)) return DASH
  if (p < 0.001) return '< 0.001'
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2)
}

/** Seconds split for a localized duration label; null without a value. */
export function durationParts(seconds: number | null | undefined): { h: number; m: number; s: number } | null {
  if (!finite(seconds) || seconds < 0) return null
  const total = Math.round(seconds)
  return { h: Math.floor(total / 3600), m: Math.floor((total % 3600) / 60), s: total % 60 }
}

/** The satisfaction rate, or null without ratings (the server answers 0 for n = 0). */
export function rateOf(f: Pick<Figures, 'n' | 'rate'> | null | undefined): number | null {
  return f && f.n > 0 && typeof f.rate === 'number' ? f.rate : null
}

/** The Wilson interval of figures as text, "—" without ratings. */
export function intervalOf(f: Pick<Figures, 'n' | 'wilson_lower' | 'wilson_upper'> | null | undefined): string {
  return f && f.n > 0 ? formatInterval(f.wilson_lower, f.wilson_upper) : DASH
}

/** Is there anything to show: at least one rating or one session? */
export function hasData(f: Figures | null | undefined): boolean {
  return !!f && ((f.n ?? 0) > 0 || (f.sessions ?? 0) > 0)
}

// ---- periods ---------------------------------------------------------------------------------

const pad = (n: number) => String(n).padStart(2, '0')

/** Today in Asia/Shanghai as YYYY-MM-DD. */
export function shanghaiDay(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

function ym(day: string): [number, number] {
  return [Number(day.slice(0, 4)), Number(day.slice(5, 7))]
}

function monthStart(y: number, m: number): string {
  // m may run outside 1..12; normalise
  const idx = y * 12 + (m - 1)
  return `${Math.floor(idx / 12)}-${pad((idx % 12) + 1)}-01`
}

function monthEnd(y: number, m: number): string {
  const idx = y * 12 + (m - 1)
  const yy = Math.floor(idx / 12)
  const mm = (idx % 12) + 1
  const last = new Date(Date.UTC(yy, mm, 0)).getUTCDate()
  return `${yy}-${pad(mm)}-${pad(last)}`
}

export interface Period {
  from: string
  to: string
}

/** The default period: the last 12 months, this month (up to today) included. */
export function last12Months(today: string): Period {
  const [y, m] = ym(today)
  return { from: monthStart(y, m - 11), to: today }
}

/** This month up to today. */
export function thisMonth(today: string): Period {
  const [y, m] = ym(today)
  return { from: monthStart(y, m), to: today }
}

/** The whole of last month. */
export function lastMonth(today: string): Period {
  const [y, m] = ym(today)
  return { from: monthStart(y, m - 1), to: monthEnd(y, m - 1) }
}

/** This year up to today. */
export function thisYear(today: string): Period {
  return { from: `${today.slice(0, 4)}-01-01`, to: today }
}

/** The months a period touches: "2026-01", "2026-02", … (at most 240). */
export function monthKeys(from: string, to: string): string[] {
  if (!/^\d{4}-\d{2}/.test(from) || !/^\d{4}-\d{2}/.test(to)) return []
  const [fy, fm] = ym(from)
  const [ty, tm] = ym(to)
  const out: string[] = []
  for (let i = fy * 12 + fm - 1; i <= ty * 12 + tm - 1 && out.length < 240; i++) {
    out.push(`${Math.floor(i / 12)}-${pad((i % 12) + 1)}`)
  }
  return out
}

/**
 * The items of a monthly report laid on every month of the period (months without ratings
 * give null), so a sparse answer still draws a full axis.
 */
export function byMonth(keys: readonly string[], items: readonly ReportItem[] | null | undefined): (ReportItem | null)[] {
  const map = new Map((items ?? []).map((i) => [i.key, i]))
  return keys.map((k) => map.get(k) ?? null)
}

/**
 * The compared period's monthly items aligned with the period's months: the i-th month of the
 * compared period sits under the i-th month of the period (a year earlier for 同比, one period
 * length earlier for 环比).
 */
export function alignCompare(
  keys: readonly string[],
  compare: { from: string; to: string; items: readonly ReportItem[] } | null | undefined,
): (ReportItem | null)[] {
  if (!compare) return keys.map(() => null)
  const cKeys = monthKeys(compare.from, compare.to)
  const items = byMonth(cKeys, compare.items)
  return keys.map((_, i) => items[i] ?? null)
}

// ---- levels ----------------------------------------------------------------------------------

/** Built-in labels of the scales (the server's, for when settings cannot be read). */
const SCALE_LABELS: Record<number, [string, string][]> = {
  3: [['不满意', 'Dissatisfied'], ['一般', 'Neutral'], ['满意', 'Satisfied']],
  4: [['不满意', 'Dissatisfied'], ['一般', 'Neutral'], ['满意', 'Satisfied'], ['非常满意', 'Very satisfied']],
  5: [['很不满意', 'Very dissatisfied'], ['不满意', 'Dissatisfied'], ['一般', 'Neutral'], ['满意', 'Satisfied'], ['很满意', 'Very satisfied']],
}

/** The levels of a scale, best first (as GET /rating-settings lists them). */
export function scaleLevels(scale: number): RatingLevel[] {
  const labels = SCALE_LABELS[scale] ?? SCALE_LABELS[4]!
  return labels.map(([label, label_en], i) => ({ level: i + 1, label, label_en })).reverse()
}

/** The highest level any figures mention (0 without ratings). */
export function maxLevel(figures: readonly (Figures | null | undefined)[]): number {
  let max = 0
  for (const f of figures) for (const [k, v] of Object.entries(f?.levels ?? {})) if (v > 0 && Number(k) > max) max = Number(k)
  return max
}

/**
 * The levels to draw: the settings' levels, widened to the built-in scale when the data hold a
 * level above them (ratings given under another scale), best first.
 */
export function levelsFor(settingsLevels: readonly RatingLevel[] | null | undefined, dataMax: number): RatingLevel[] {
  const own = [...(settingsLevels ?? [])].sort((a, b) => b.level - a.level)
  const ownMax = own[0]?.level ?? 0
  if (own.length && dataMax <= ownMax) return own
  const scale = Math.max(ownMax, dataMax, 3)
  return scaleLevels(scale > 5 ? 5 : scale)
}

/** A level's label in the UI language. */
export function levelLabel(l: RatingLevel, locale: string): string {
  return locale.startsWith('en') ? l.label_en || l.label : l.label
}

// ---- rankings --------------------------------------------------------------------------------

/** The id a ranking row stands for (staff, counter or org). */
export function rankingId(item: RankingItem): number | undefined {
  return item.staff_id ?? item.counter_id ?? item.org_id
}

/** The org a group_by=org item names: its org_id, else its numeric key. */
export function itemOrgId(item: ReportItem): number | null {
  if (typeof item.org_id === 'number') return item.org_id
  const n = Number(item.key)
  return Number.isInteger(n) && n > 0 ? n : null
}

// ---- org path ----------------------------------------------------------------------------------

/** The chain of orgs from the top visible one down to id (empty when id is unknown or null). */
export function orgChain<T extends { id: number; parent_id: number | null }>(byId: ReadonlyMap<number, T>, id: number | null): T[] {
  const out: T[] = []
  const seen = new Set<number>()
  let cur = id == null ? undefined : byId.get(id)
  while (cur && !seen.has(cur.id)) {
    out.unshift(cur)
    seen.add(cur.id)
    cur = cur.parent_id == null ? undefined : byId.get(cur.parent_id)
  }
  return out
}
