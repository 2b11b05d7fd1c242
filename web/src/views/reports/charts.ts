// ECharts options of the report pages. Pure builders: items and (translated) labels in, a plain
// option object out, so they are unit-tested without a canvas.
import type { EChartsCoreOption } from 'echarts/core'
import type { AbnormalItem, GroupItem } from '../../api/reports'
import type { ChartSpec } from './defs'
import { DASH, isTimeDim } from './format'

export const PALETTE = ['#409EFF', '#67C23A', '#E6A23C', '#F56C6C', '#909399', '#73C0DE', '#9A60B4', '#FC8452', '#3BA272', '#EA7CCC']
export const ALERT = '#F56C6C'

/** At most this many stacked series; the rest are summed into "other". */
export const MAX_STACKS = 8

type Item = GroupItem & Record<string, unknown>

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0
}

const round2 = (x: number) => Math.round(x * 100) / 100

/**
 * The chart's axes for the report's groupings: a period grouping is the x axis when there is one,
 * else the first grouping; the next grouping splits the bars when a single figure is drawn.
 */
export function chartAxes(dims: readonly string[], bars: number): { x: string | null; split: string | null } {
  const x = dims.find(isTimeDim) ?? dims[0] ?? null
  const rest = dims.filter((d) => d !== x)
  return { x, split: bars === 1 && rest.length ? rest[0]! : null }
}

interface Category {
  key: string
  label: string
  items: Item[]
}

/** The x categories: items gathered by the x grouping, periods in order, others by the first bar figure (top n). */
export function categories(items: readonly Item[], x: string, sortBy: string, top: number): { cats: Category[]; hidden: number } {
  const map = new Map<string, Category>()
  for (const it of items) {
    const key = it.keys?.[x] ?? ''
    let c = map.get(key)
    if (!c) {
      c = { key, label: it.labels?.[x] || key || DASH, items: [] }
      map.set(key, c)
    }
    c.items.push(it)
  }
  let cats = [...map.values()]
  if (isTimeDim(x)) {
    cats.sort((a, b) => a.key.localeCompare(b.key))
    return { cats, hidden: 0 }
  }
  const total = (c: Category) => c.items.reduce((s, i) => s + num(i[sortBy]), 0)
  cats.sort((a, b) => total(b) - total(a) || a.label.localeCompare(b.label, 'zh-CN'))
  const hidden = Math.max(0, cats.length - top)
  cats = cats.slice(0, top)
  return { cats, hidden }
}

export interface GroupedChartInput {
  items: readonly Item[]
  dims: readonly string[]
  spec: ChartSpec
  labels: {
    /** The (translated) name of a figure. */
    measure: (key: string) => string
    /** Name of the series that sums the smaller splits. */
    other: string
  }
  /** A boolean figure that marks a category's label in red when any of its items has it (e.g. overloaded). */
  flag?: string
}

/** A grouped report as bars per category (split by the next grouping when one figure is drawn), with an optional ratio line. */
export function groupedOption(input: GroupedChartInput): EChartsCoreOption {
  const { spec, labels } = input
  const { x, split } = chartAxes(input.dims, spec.bars.length)
  if (!x || !spec.bars.length) return { animation: false, series: [] }
  const first = spec.bars[0]!.key
  const { cats } = categories(input.items, x, first, spec.top ?? 15)
  const series: Record<string, unknown>[] = []

  if (split) {
    // one figure, split by the next grouping: the largest splits, the rest as "other"
    const totals = new Map<string, { label: string; n: number }>()
    for (const c of cats)
      for (const it of c.items) {
        const k = it.keys?.[split] ?? ''
        const e = totals.get(k) ?? { label: it.labels?.[split] || k || DASH, n: 0 }
        e.n += num(it[first])
        totals.set(k, e)
      }
    const ranked = [...totals.entries()].sort((a, b) => b[1].n - a[1].n || a[1].label.localeCompare(b[1].label, 'zh-CN'))
    const shown = ranked.slice(0, MAX_STACKS)
    const shownKeys = new Set(shown.map(([k]) => k))
    const stacks = shown.map(([k, e]) => ({ key: k, name: e.label }))
    const hasOther = ranked.length > MAX_STACKS
    for (const s of stacks) {
      series.push({
        name: s.name,
        type: 'bar',
        stack: 'split',
        barMaxWidth: 40,
        emphasis: { focus: 'series' },
        data: cats.map((c) => round2(c.items.filter((i) => (i.keys?.[split] ?? '') === s.key).reduce((t, i) => t + num(i[first]), 0))),
      })
    }
    if (hasOther) {
      series.push({
        name: labels.other,
        type: 'bar',
        stack: 'split',
        barMaxWidth: 40,
        itemStyle: { color: '#C0C4CC' },
        data: cats.map((c) => round2(c.items.filter((i) => !shownKeys.has(i.keys?.[split] ?? '')).reduce((t, i) => t + num(i[first]), 0))),
      })
    }
  } else {
    for (const b of spec.bars) {
      series.push({
        name: labels.measure(b.key),
        type: 'bar',
        ...(b.stack ? { stack: b.stack } : {}),
        ...(b.color ? { itemStyle: { color: b.color } } : {}),
        barMaxWidth: 40,
        emphasis: { focus: 'series' },
        data: cats.map((c) => round2(c.items.reduce((t, i) => t + num(i[b.key]), 0))),
      })
    }
  }

  const line = spec.line
  if (line) {
    series.push({
      name: labels.measure(line.key),
      type: 'line',
      yAxisIndex: 1,
      connectNulls: false,
      symbolSize: 6,
      itemStyle: { color: '#E6A23C' },
      data: cats.map((c) => {
        const den = c.items.reduce((t, i) => t + num(i[line.den]), 0)
        const ratio = c.items.reduce((t, i) => t + num(i[line.num]), 0) / den
        return den > 0 ? round2(line.percent ? ratio * 100 : ratio) : null
      }),
    })
  }

  const many = cats.length > 6
  const flagged = (c: Category) => !!input.flag && c.items.some((i) => i[input.flag!] === true)
  return {
    animation: false,
    color: PALETTE,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 56, right: line ? 56 : 24, top: 40, bottom: many ? 88 : 36 },
    xAxis: {
      type: 'category',
      data: cats.map((c) => (flagged(c) ? { value: c.label, textStyle: { color: ALERT, fontWeight: 'bold' } } : c.label)),
      axisLabel: { interval: 0, rotate: many ? 30 : 0, width: 110, overflow: 'truncate' },
    },
    yAxis: line
      ? [{ type: 'value' }, { type: 'value', splitLine: { show: false }, ...(line.percent ? { max: 100, axisLabel: { formatter: '{value}%' } } : {}) }]
      : [{ type: 'value' }],
    series,
  }
}

/** 异常服务: repairs per device (bars) with its longest fault (line, hours), in the report's order. */
export function abnormalOption(items: readonly AbnormalItem[], labels: { repairs: string; maxFault: string }, top = 15): EChartsCoreOption {
  const shown = items.slice(0, top)
  return {
    animation: false,
    color: PALETTE,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: shown.length > 6 ? 88 : 36 },
    xAxis: {
      type: 'category',
      data: shown.map((i) => `${i.asset_code} ${i.org_name}`.trim()),
      axisLabel: { interval: 0, rotate: shown.length > 6 ? 30 : 0, width: 120, overflow: 'truncate' },
    },
    yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', splitLine: { show: false } }],
    series: [
      { name: labels.repairs, type: 'bar', barMaxWidth: 36, itemStyle: { color: ALERT }, data: shown.map((i) => i.repairs) },
      { name: labels.maxFault, type: 'line', yAxisIndex: 1, symbolSize: 6, itemStyle: { color: '#E6A23C' }, data: shown.map((i) => i.max_fault_hours) },
    ],
  }
}
