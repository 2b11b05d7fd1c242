// Satisfaction reports (/analytics/satisfaction, /analytics/rankings). Contract: docs/api/ratings.md.
import { buildUrl, http, type Query } from './http'

export const CHANNELS = ['kiosk', 'device', 'staff', 'qr', 'survey', 'ticket'] as const
export type Channel = (typeof CHANNELS)[number]

export const COMPARES = ['none', 'yoy', 'mom'] as const
export type Compare = (typeof COMPARES)[number]

export const RANKING_KINDS = ['staff', 'counter', 'org'] as const
export type RankingKind = (typeof RANKING_KINDS)[number]

export type GroupBy = 'day' | 'week' | 'month' | 'quarter' | 'year' | 'staff' | 'counter' | 'org' | 'business_type' | 'channel'

/**
 * The figures of a period or a group. Rates are 0..1; rate and the Wilson bounds are 0 when n is 0
 * (use rateOf), participation and the averages null without sessions.
 */
export interface Figures {
  n: number
  /** Ratings per level ("1".."N"). */
  levels: Record<string, number>
  satisfied: number
  rate: number | null
  wilson_lower: number | null
  wilson_upper: number | null
  mean?: number | null
  mean_pct?: number | null
  sessions?: number | null
  participation?: number | null
  avg_handle_seconds?: number | null
  avg_wait_seconds?: number | null
}

/** A group of a report: a month ("2026-01"), an org, a staff member… */
export interface ReportItem extends Figures {
  key: string
  label: string
  org_id?: number | null
}

/** The two-proportion test of the satisfaction rates of the period and the compared one. */
export interface SignificanceTest {
  diff_pp: number
  z: number | null
  p: number | null
  significant: boolean
  sentence: string
}

export interface SatisfactionReport {
  from: string
  to: string
  group_by: GroupBy
  totals: Figures
  items: ReportItem[]
  compare?: {
    mode?: 'yoy' | 'mom'
    from: string
    to: string
    totals: Figures
    items: ReportItem[]
    test?: SignificanceTest | null
  } | null
}

export interface RankingItem {
  staff_id?: number
  counter_id?: number
  org_id?: number
  name: string
  n: number
  satisfied: number
  rate: number | null
  wilson_lower: number | null
  wilson_upper?: number | null
  rank: number | null
}

export interface RankingReport {
  by?: RankingKind
  from?: string
  to?: string
  /** Fewer ratings than this: listed with rank null. */
  min_n?: number
  total?: number
  items: RankingItem[]
}

/** The report filters the satisfaction page holds. */
export interface ReportFilter {
  from: string
  to: string
  org_id: number | null
  business_type_id: number | null
  channel: Channel | ''
  compare: Compare
}

/** Query of GET /analytics/satisfaction. */
export function satisfactionQuery(f: ReportFilter, groupBy: GroupBy, format?: 'xlsx'): Query {
  return {
    from: f.from,
    to: f.to,
    org_id: f.org_id,
    business_type_id: f.business_type_id,
    channel: f.channel,
    group_by: groupBy,
    compare: f.compare === 'none' ? undefined : f.compare,
    format,
  }
}

/** Query of GET /analytics/rankings. */
export function rankingsQuery(f: ReportFilter, by: RankingKind, format?: 'xlsx'): Query {
  return {
    by,
    from: f.from,
    to: f.to,
    org_id: f.org_id,
    business_type_id: f.business_type_id,
    channel: f.channel,
    format,
  }
}

/** Address of the .xlsx download of a satisfaction report. */
export const satisfactionXlsxUrl = (f: ReportFilter, groupBy: GroupBy) => buildUrl('/analytics/satisfaction', satisfactionQuery(f, groupBy, 'xlsx'))
/** Address of the .xlsx download of a ranking. */
export const rankingsXlsxUrl = (f: ReportFilter, by: RankingKind) => buildUrl('/analytics/rankings', rankingsQuery(f, by, 'xlsx'))

export const analyticsApi = {
  satisfaction: (f: ReportFilter, groupBy: GroupBy, signal?: AbortSignal) =>
    http.get<SatisfactionReport>('/analytics/satisfaction', satisfactionQuery(f, groupBy), { signal }),
  rankings: (f: ReportFilter, by: RankingKind, signal?: AbortSignal) =>
    http.get<RankingReport>('/analytics/rankings', rankingsQuery(f, by), { signal }),
}
