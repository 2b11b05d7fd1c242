// ECharts options of the satisfaction page. Pure builders: data and (translated) labels in,
// a plain option object out, so they are unit-tested without a canvas.
import type { EChartsCoreOption } from 'echarts/core'
import type { RatingLevel } from '../../api/ratingAdmin'
import type { ReportItem } from '../../api/analytics'
import { percentValue, rateOf } from './format'

export const COLORS = {
  current: '#409EFF',
  compare: '#A8ABB2',
}

/** Colours of the levels from worst to best (red → green). */
const LEVEL_PALETTE = ['#F56C6C', '#E6A23C', '#B1B3B8', '#95D475', '#67C23A']

/** The colour of level on a scale of size scale. */
export function levelColor(level: number, scale: number): string {
  if (scale <= 1) return LEVEL_PALETTE[4]!
  const idx = Math.round(((level - 1) * (LEVEL_PALETTE.length - 1)) / (scale - 1))
  return LEVEL_PALETTE[Math.min(LEVEL_PALETTE.length - 1, Math.max(0, idx))]!
}

/** A percentage for axis labels and tooltips: 95.1 → "95.1%", null → "—". */
export function pctLabel(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(1)}%` : '—'
}

/**
 * The lower end of the rate axis: 10 points below the lowest value, rounded down to a multiple
 * of 10 and never below 0 (rates near 95% would otherwise be a flat line at the top).
 */
export function axisMin(values: readonly (number | null)[]): number {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
  if (!nums.length) return 0
  const min = Math.min(...nums)
  return Math.max(0, Math.floor((min - 10) / 10) * 10)
}

export interface TrendInput {
  /** x axis: the months "2026-01"… */
  months: readonly string[]
  current: readonly (ReportItem | null)[]
  /** The compared period aligned with months, or null without a comparison. */
  compare: readonly (ReportItem | null)[] | null
  labels: { rate: string; compare: string; empty: string }
}

/** The monthly satisfaction rate as a line, with the compared period as a dashed second line. */
export function trendOption(input: TrendInput): EChartsCoreOption {
  const cur = input.current.map((i) => percentValue(rateOf(i)))
  const cmp = input.compare ? input.compare.map((i) => percentValue(rateOf(i))) : null
  const series: Record<string, unknown>[] = [
    {
      name: input.labels.rate,
      type: 'line',
      data: cur,
      smooth: false,
      connectNulls: false,
      symbolSize: 7,
      itemStyle: { color: COLORS.current },
      label: { show: input.months.length <= 12, position: 'top', formatter: (p: { value: unknown }) => pctLabel(p.value) },
    },
  ]
  if (cmp) {
    series.push({
      name: input.labels.compare,
      type: 'line',
      data: cmp,
      connectNulls: false,
      symbolSize: 5,
      lineStyle: { type: 'dashed' },
      itemStyle: { color: COLORS.compare },
    })
  }
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: pctLabel },
    legend: { data: series.map((s) => s.name), top: 0 },
    // room above the 100 % line for the point labels under the legend
    grid: { left: 48, right: 24, top: 56, bottom: 32 },
    xAxis: { type: 'category', data: [...input.months], boundaryGap: false },
    yAxis: {
      type: 'value',
      min: axisMin([...cur, ...(cmp ?? [])]),
      max: 100,
      axisLabel: { formatter: '{value}%' },
    },
    series,
  }
}

export interface DistributionInput {
  months: readonly string[]
  items: readonly (ReportItem | null)[]
  /** Levels best first, labels already in the UI language. */
  levels: readonly (RatingLevel & { text: string })[]
}

/** Ratings per level and month as stacked bars, worst level at the bottom. */
export function distributionOption(input: DistributionInput): EChartsCoreOption {
  const scale = Math.max(0, ...input.levels.map((l) => l.level))
  const bottomUp = [...input.levels].sort((a, b) => a.level - b.level)
  const series = bottomUp.map((l) => ({
    name: l.text,
    type: 'bar',
    stack: 'levels',
    barMaxWidth: 36,
    emphasis: { focus: 'series' },
    itemStyle: { color: levelColor(l.level, scale) },
    data: input.items.map((i) => i?.levels?.[String(l.level)] ?? 0),
  }))
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    // best first in the legend, as the kiosk shows them
    legend: { data: input.levels.map((l) => l.text), top: 0 },
    grid: { left: 48, right: 24, top: 36, bottom: 32 },
    xAxis: { type: 'category', data: [...input.months] },
    yAxis: { type: 'value', minInterval: 1 },
    series,
  }
}
