// The pure parts of the satisfaction page: formatting, periods, month alignment, levels, org
// path, report queries and the ECharts option builders.
import { describe, expect, it } from 'vitest'
import {
  alignCompare,
  byMonth,
  durationParts,
  formatCount,
  formatInterval,
  formatP,
  formatPercent,
  formatPp,
  hasData,
  intervalOf,
  itemOrgId,
  last12Months,
  lastMonth,
  levelLabel,
  levelsFor,
  maxLevel,
  monthKeys,
  orgChain,
  percentValue,
  rankingId,
  rateOf,
  scaleLevels,
  shanghaiDay,
  thisMonth,
  thisYear,
} from '../../src/views/satisfaction/format'
import { axisMin, distributionOption, levelColor, pctLabel, trendOption } from '../../src/views/satisfaction/charts'
import { rankingsQuery, rankingsXlsxUrl, satisfactionQuery, satisfactionXlsxUrl, type ReportFilter, type ReportItem } from '../../src/api/analytics'

function item(key: string, rate: number | null, levels: Record<string, number> = {}): ReportItem {
  const n = Object.values(levels).reduce((a, b) => a + b, 0) || 10
  return { key, label: key, n, levels, satisfied: 0, rate, wilson_lower: null, wilson_upper: null }
}

describe('formatting', () => {
  it('formats rates, counts, intervals, differences and p values', () => {
    expect(formatPercent(0.9512)).toBe('95.1%')
    expect(formatPercent(1)).toBe('100.0%')
    expect(formatPercent(0.5, 0)).toBe('50%')
    expect(formatPercent(null)).toBe('—')
    expect(formatPercent(undefined)).toBe('—')
    expect(formatPercent(Number.NaN)).toBe('—')
    expect(percentValue(0.95123)).toBe(95.1)
    expect(percentValue(null)).toBeNull()
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(formatCount(0)).toBe('0')
    expect(formatCount(null)).toBe('—')
    expect(formatInterval(0.937, 0.96)).toBe('93.7% – 96.0%')
    expect(formatInterval(null, 0.96)).toBe('—')
    expect(formatPp(2.1)).toBe('+2.1')
    expect(formatPp(-0.44)).toBe('-0.4')
    expect(formatPp(0)).toBe('0.0')
    expect(formatP(0.31)).toBe('0.31')
    expect(formatP(0.0042)).toBe('0.004')
    expect(formatP(0.0001)).toBe('< 0.001')
    expect(formatP(null)).toBe('—')
  })

  it('splits durations and refuses nonsense', () => {
    expect(durationParts(312)).toEqual({ h: 0, m: 5, s: 12 })
    expect(durationParts(3725)).toEqual({ h: 1, m: 2, s: 5 })
    expect(durationParts(94.6)).toEqual({ h: 0, m: 1, s: 35 })
    expect(durationParts(null)).toBeNull()
    expect(durationParts(-1)).toBeNull()
  })

  it('knows when there is nothing to show', () => {
    expect(hasData(null)).toBe(false)
    expect(hasData({ n: 0, levels: {}, satisfied: 0, rate: null, wilson_lower: null, wilson_upper: null, sessions: 0 })).toBe(false)
    expect(hasData({ n: 0, levels: {}, satisfied: 0, rate: null, wilson_lower: null, wilson_upper: null, sessions: 4 })).toBe(true)
    expect(hasData({ n: 3, levels: {}, satisfied: 3, rate: 1, wilson_lower: 0.4, wilson_upper: 1 })).toBe(true)
  })
})

describe('periods', () => {
  it('takes today in Asia/Shanghai', () => {
    expect(shanghaiDay(new Date('2026-11-30T16:30:00Z'))).toBe('2026-12-01')
    expect(shanghaiDay(new Date('2026-11-30T15:30:00Z'))).toBe('2026-11-30')
  })

  it('defaults to the last 12 months, this month included', () => {
    expect(last12Months('2026-11-22')).toEqual({ from: '2025-12-01', to: '2026-11-22' })
    expect(last12Months('2026-01-05')).toEqual({ from: '2025-02-01', to: '2026-01-05' })
    expect(monthKeys('2025-12-01', '2026-11-22')).toHaveLength(12)
  })

  it('has shortcuts for this month, last month and this year', () => {
    expect(thisMonth('2026-11-22')).toEqual({ from: '2026-11-01', to: '2026-11-22' })
    expect(lastMonth('2026-11-22')).toEqual({ from: '2026-10-01', to: '2026-10-31' })
    expect(lastMonth('2026-03-10')).toEqual({ from: '2026-02-01', to: '2026-02-28' })
    expect(lastMonth('2024-03-10')).toEqual({ from: '2024-02-01', to: '2024-02-29' })
    expect(lastMonth('2026-01-10')).toEqual({ from: '2025-12-01', to: '2025-12-31' })
    expect(thisYear('2026-11-22')).toEqual({ from: '2026-01-01', to: '2026-11-22' })
  })

  it('lists the months of a period across a year end', () => {
    expect(monthKeys('2025-11-15', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02'])
    expect(monthKeys('2026-03-01', '2026-03-31')).toEqual(['2026-03'])
    expect(monthKeys('2026-04-01', '2026-03-31')).toEqual([])
    expect(monthKeys('', '2026-03-31')).toEqual([])
  })

  it('lays a sparse monthly answer on every month', () => {
    const keys = monthKeys('2026-01-01', '2026-04-30')
    const laid = byMonth(keys, [item('2026-02', 0.9), item('2026-04', 0.8)])
    expect(laid.map((i) => i?.rate ?? null)).toEqual([null, 0.9, null, 0.8])
    expect(byMonth(keys, undefined)).toEqual([null, null, null, null])
  })

  it('aligns the compared period month by month (同比 and 环比)', () => {
    const keys = monthKeys('2026-01-01', '2026-03-31')
    const yoy = alignCompare(keys, { from: '2025-01-01', to: '2025-03-31', items: [item('2025-01', 0.7), item('2025-03', 0.75)] })
    expect(yoy.map((i) => i?.key ?? null)).toEqual(['2025-01', null, '2025-03'])
    const mom = alignCompare(keys, { from: '2025-10-01', to: '2025-12-31', items: [item('2025-12', 0.6)] })
    expect(mom.map((i) => i?.key ?? null)).toEqual([null, null, '2025-12'])
    expect(alignCompare(keys, null)).toEqual([null, null, null])
  })
})

describe('levels', () => {
  it('lists the built-in scales best first, as the server does', () => {
    expect(scaleLevels(4).map((l) => [l.level, l.label])).toEqual([
      [4, '非常满意'],
      [3, '满意'],
      [2, '一般'],
      [1, '不满意'],
    ])
    expect(scaleLevels(5)[0]).toEqual({ level: 5, label: '很满意', label_en: 'Very satisfied' })
    expect(scaleLevels(3).map((l) => l.label)).toEqual(['满意', '一般', '不满意'])
  })

  it('uses the settings, widened when the data hold a higher level', () => {
    const four = scaleLevels(4)
    expect(maxLevel([{ n: 2, levels: { '1': 1, '5': 0, '3': 1 }, satisfied: 1, rate: 0.5, wilson_lower: 0, wilson_upper: 1 }, null])).toBe(3)
    expect(levelsFor(four, 3)).toEqual(four)
    expect(levelsFor(four, 5).map((l) => l.level)).toEqual([5, 4, 3, 2, 1])
    expect(levelsFor(null, 0).map((l) => l.level)).toEqual([3, 2, 1])
    expect(levelsFor([], 4).map((l) => l.label)).toEqual(['非常满意', '满意', '一般', '不满意'])
  })

  it('labels a level in the UI language', () => {
    const l = { level: 4, label: '非常满意', label_en: 'Very satisfied' }
    expect(levelLabel(l, 'zh-CN')).toBe('非常满意')
    expect(levelLabel(l, 'en')).toBe('Very satisfied')
    expect(levelLabel({ ...l, label_en: '' }, 'en')).toBe('非常满意')
  })
})

describe('rates without ratings', () => {
  it('treats the rate of n = 0 as missing, not 0 %', () => {
    expect(rateOf({ n: 0, rate: 0 })).toBeNull()
    expect(rateOf({ n: 4, rate: 0 })).toBe(0)
    expect(rateOf(null)).toBeNull()
    expect(intervalOf({ n: 0, wilson_lower: 0, wilson_upper: 0 })).toBe('—')
    expect(intervalOf({ n: 10, wilson_lower: 0.5, wilson_upper: 0.9 })).toBe('50.0% – 90.0%')
  })

  it('leaves a gap in the trend for a month with sessions only', () => {
    const empty = { ...item('2026-02', 0), n: 0 }
    const opt = trendOption({ months: ['2026-01', '2026-02'], current: [item('2026-01', 0.9), empty], compare: null, labels: { rate: 'r', compare: '', empty: '' } }) as {
      series: { data: (number | null)[] }[]
    }
    expect(opt.series[0]!.data).toEqual([90, null])
  })
})

describe('rows and orgs', () => {
  it('finds the id of a ranking row and the org of a group', () => {
    expect(rankingId({ staff_id: 5, name: 'a', n: 1, satisfied: 1, rate: 1, wilson_lower: 0.2, rank: null })).toBe(5)
    expect(rankingId({ counter_id: 7, name: 'a', n: 1, satisfied: 1, rate: 1, wilson_lower: 0.2, rank: 1 })).toBe(7)
    expect(itemOrgId({ ...item('12', 0.9), org_id: 12 })).toBe(12)
    expect(itemOrgId(item('34', 0.9))).toBe(34)
    expect(itemOrgId(item('HXB-BJ', 0.9))).toBeNull()
  })

  it('walks from an org up to the top visible one', () => {
    const orgs = [
      { id: 1, parent_id: null, name: '总行' },
      { id: 2, parent_id: 1, name: '北京分行' },
      { id: 5, parent_id: 2, name: '中关村支行' },
      { id: 9, parent_id: 404, name: '孤儿' },
    ]
    const byId = new Map(orgs.map((o) => [o.id, o]))
    expect(orgChain(byId, 5).map((o) => o.name)).toEqual(['总行', '北京分行', '中关村支行'])
    expect(orgChain(byId, 9).map((o) => o.name)).toEqual(['孤儿'])
    expect(orgChain(byId, null)).toEqual([])
    expect(orgChain(byId, 77)).toEqual([])
  })
})

describe('report queries', () => {
  const f: ReportFilter = { from: '2026-01-01', to: '2026-11-30', org_id: 4, business_type_id: null, channel: '', compare: 'yoy' }

  it('sends only the filters that are set', () => {
    expect(satisfactionQuery(f, 'month')).toEqual({
      from: '2026-01-01',
      to: '2026-11-30',
      org_id: 4,
      business_type_id: null,
      channel: '',
      group_by: 'month',
      compare: 'yoy',
      format: undefined,
    })
    expect(satisfactionQuery({ ...f, compare: 'none' }, 'org').compare).toBeUndefined()
    expect(rankingsQuery(f, 'counter').by).toBe('counter')
  })

  it('downloads the same report as xlsx', () => {
    expect(satisfactionXlsxUrl(f, 'month')).toBe('/api/v1/analytics/satisfaction?from=2026-01-01&to=2026-11-30&org_id=4&group_by=month&compare=yoy&format=xlsx')
    expect(rankingsXlsxUrl({ ...f, channel: 'kiosk' }, 'staff')).toBe(
      '/api/v1/analytics/rankings?by=staff&from=2026-01-01&to=2026-11-30&org_id=4&channel=kiosk&format=xlsx',
    )
  })
})

describe('chart options', () => {
  it('colours levels from red (worst) to green (best) on any scale', () => {
    expect(levelColor(1, 4)).toBe('#F56C6C')
    expect(levelColor(4, 4)).toBe('#67C23A')
    expect(levelColor(3, 5)).toBe('#B1B3B8')
    expect(levelColor(1, 3)).toBe('#F56C6C')
    expect(levelColor(3, 3)).toBe('#67C23A')
  })

  it('starts the rate axis below the lowest value', () => {
    expect(axisMin([95.1, 88, null])).toBe(70)
    expect(axisMin([5])).toBe(0)
    expect(axisMin([null])).toBe(0)
    expect(pctLabel(95.14)).toBe('95.1%')
    expect(pctLabel(null)).toBe('—')
  })

  it('draws the rate by month with the compared period as a second, dashed line', () => {
    const months = ['2026-01', '2026-02', '2026-03']
    const opt = trendOption({
      months,
      current: [item('2026-01', 0.95), null, item('2026-03', 0.9123)],
      compare: [item('2025-01', 0.9), item('2025-02', 0.85), null],
      labels: { rate: '满意率', compare: '同比', empty: '无' },
    }) as { series: { name: string; data: (number | null)[]; lineStyle?: { type: string } }[]; xAxis: { data: string[] }; yAxis: { min: number; max: number }; legend: { data: string[] } }
    expect(opt.xAxis.data).toEqual(months)
    expect(opt.series).toHaveLength(2)
    expect(opt.series[0]!.name).toBe('满意率')
    expect(opt.series[0]!.data).toEqual([95, null, 91.2])
    expect(opt.series[1]!.data).toEqual([90, 85, null])
    expect(opt.series[1]!.lineStyle?.type).toBe('dashed')
    expect(opt.legend.data).toEqual(['满意率', '同比'])
    expect(opt.yAxis).toMatchObject({ min: 70, max: 100 })
  })

  it('draws one line without a comparison', () => {
    const opt = trendOption({ months: ['2026-01'], current: [item('2026-01', 1)], compare: null, labels: { rate: 'Rate', compare: '', empty: '' } }) as {
      series: unknown[]
    }
    expect(opt.series).toHaveLength(1)
  })

  it('stacks the levels per month, worst at the bottom, legend best first', () => {
    const levels = scaleLevels(4).map((l) => ({ ...l, text: l.label }))
    const opt = distributionOption({
      months: ['2026-01', '2026-02'],
      items: [item('2026-01', 0.9, { '1': 1, '3': 4, '4': 5 }), null],
      levels,
    }) as { series: { name: string; stack: string; data: number[]; itemStyle: { color: string } }[]; legend: { data: string[] } }
    expect(opt.series.map((s) => s.name)).toEqual(['不满意', '一般', '满意', '非常满意'])
    expect(opt.series.every((s) => s.stack === 'levels')).toBe(true)
    expect(opt.series.map((s) => s.data)).toEqual([
      [1, 0],
      [0, 0],
      [4, 0],
      [5, 0],
    ])
    expect(opt.series[0]!.itemStyle.color).toBe('#F56C6C')
    expect(opt.legend.data).toEqual(['非常满意', '满意', '一般', '不满意'])
  })
})
