// The rating scale as the kiosk, the phone page and the counter desk show it. Pure: no Vue.
import type { RatingLevel, RatingReason, RatingSettings } from '../../api/ratings'

/** Translates a key (vue-i18n's t, or a stub in tests). */
export type Translate = (key: string, named?: Record<string, unknown>) => string

export const DEFAULT_SCALE = 4
export const DEFAULT_TIMEOUT_SECONDS = 30

/** Settings used until the server's arrive (and to fill fields it leaves out). */
export function defaultSettings(): RatingSettings {
  return {
    scale: DEFAULT_SCALE,
    satisfied_min: 3,
    followup_max: 1,
    timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
    reasons: [],
    welcome: '',
    levels: [],
  }
}

/** A scale size the app knows default labels for (3, 4 or 5); anything else becomes 4. */
export function knownScale(scale: unknown): 3 | 4 | 5 {
  return scale === 3 || scale === 5 ? scale : 4
}

/** A level with the label to show. */
export interface ShownLevel {
  level: number
  label: string
}

function localized(l: { label?: string; label_en?: string }, locale: string): string {
  if (locale.startsWith('en') && l.label_en) return l.label_en
  return l.label ?? l.label_en ?? ''
}

/**
 * The levels to offer, best first: the server's labels when it sends them, otherwise the
 * default labels of the scale (rate.scale<N>.<level>).
 */
export function shownLevels(settings: Partial<RatingSettings> | undefined, locale: string, t: Translate): ShownLevel[] {
  const fromServer = (settings?.levels ?? []).filter((l) => Number.isInteger(l.level) && l.level > 0)
  if (fromServer.length) {
    return [...fromServer]
      .sort((a, b) => b.level - a.level)
      .map((l) => ({ level: l.level, label: localized(l, locale) || t(`rate.scale${knownScale(fromServer.length)}.${l.level}`) }))
  }
  const scale = knownScale(settings?.scale)
  const out: ShownLevel[] = []
  for (let level = scale; level >= 1; level--) out.push({ level, label: t(`rate.scale${scale}.${level}`) })
  return out
}

/** The label of one level (e.g. for a list of past ratings given on a scale of `scale`). */
export function levelLabel(level: number, scale: number, levels: RatingLevel[] | undefined, locale: string, t: Translate): string {
  const l = levels?.length === scale ? levels.find((x) => x.level === level) : undefined
  if (l) return localized(l, locale)
  const s = knownScale(scale)
  if (scale === s && level >= 1 && level <= s) return t(`rate.scale${s}.${level}`)
  return t('rate.levelOf', { level, scale })
}

/** Does this level ask for reasons (at or below the follow-up threshold)? */
export function isLowLevel(level: number, settings: Partial<RatingSettings> | undefined): boolean {
  const max = settings?.followup_max ?? 1
  return level <= max
}

/** A colour family for a level: best is green, worst red. */
export function levelTone(level: number, scale: number): 'best' | 'good' | 'fair' | 'poor' {
  if (scale <= 1) return 'fair'
  const x = (level - 1) / (scale - 1) // 0 worst .. 1 best
  if (x >= 0.99) return 'best'
  if (x >= 0.6) return 'good'
  if (x >= 0.3) return 'fair'
  return 'poor'
}

/** Element Plus tag type for a level. */
export function levelTagType(level: number, scale: number): 'success' | 'primary' | 'warning' | 'danger' {
  return ({ best: 'success', good: 'primary', fair: 'warning', poor: 'danger' } as const)[levelTone(level, scale)]
}

/** A reason tag: the value sent to the server and the label shown. */
export interface ReasonOption {
  value: string
  label: string
}

/** Normalises the server's reasons (strings or objects) into options, without duplicates. */
export function reasonOptions(reasons: RatingReason[] | undefined, locale: string): ReasonOption[] {
  const out: ReasonOption[] = []
  const seen = new Set<string>()
  for (const r of reasons ?? []) {
    let value = ''
    let label = ''
    if (typeof r === 'string') {
      value = label = r
    } else if (r && typeof r === 'object') {
      label = localized({ label: r.label ?? r.name, label_en: r.label_en }, locale)
      value = r.code || label
    }
    value = value.trim()
    if (!value || seen.has(value)) continue
    seen.add(value)
    out.push({ value, label: label.trim() || value })
  }
  return out
}

/** Initials for an avatar without a photo: the last two characters of a Chinese name, else the first letters. */
export function initials(name: string | undefined | null): string {
  const n = (name ?? '').trim()
  if (!n) return '?'
  if (/[\u3400-\u9fff]/.test(n)) return n.length > 2 ? n.slice(-2) : n
  const words = n.split(/\s+/).filter(Boolean)
  return words
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('')
}
