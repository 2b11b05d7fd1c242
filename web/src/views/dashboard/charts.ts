// ECharts options of the executive dashboard. Pure builders (unit-tested without a canvas).
import type { EChartsCoreOption } from 'echarts/core'
import type { Count, TrendPoint } from '../../api/reports'
import { axisMin, pctLabel } from '../satisfaction/charts'
import { percentValue } from '../satisfaction/format'
import { PALETTE } from '../reports/charts'

/** Colours of statuses people recognise at a glance (tickets and devices). */
export const STATUS_COLORS: Record<string, string> = {
  new: '#409EFF',
  assigned: '#73C0DE',
  in_progress: '#E6A23C',
  pending: '#F56C6C',
  resolved: '#67C23A',
  closed: '#909399',
  in_service: '#67C23A',
  faulty: '#F56C6C',
  retired: '#909399',
}

/** 12 months of the satisfaction rate with the same months a year earlier (同比) dashed. */
export function satisfactionTrendOption(trend: readonly TrendPoint[], labels: { rate: string; prev: string }): EChartsCoreOption {
  const cur = trend.map((p) => (p.n > 0 ? percentValue(p.rate) : null))
  const prev = trend.map((p) => (p.prev_n > 0 ? percentValue(p.prev_rate) : null))
  return {
    animation: false,
    tooltip: { trigger: 'axis', valueFormatter: pctLabel },
    legend: { data: [labels.rate, labels.prev], top: 0 },
    grid: { left: 48, right: 24, top: 40, bottom: 32 },
    xAxis: { type: 'category', data: trend.map((p) => p.month), boundaryGap: false },
    yAxis: { type: 'value', min: axisMin([...cur, ...prev]), max: 100, axisLabel: { formatter: '{value}%' } },
    series: [
      { name: labels.rate, type: 'line', data: cur, connectNulls: false, symbolSize: 7, itemStyle: { color: '#409EFF' } },
      { name: labels.prev, type: 'line', data: prev, connectNulls: false, symbolSize: 5, lineStyle: { type: 'dashed' }, itemStyle: { color: '#A8ABB2' } },
    ],
  }
}

/** A ranking (top faults, busiest stations) as horizontal bars, the largest on top. */
export function rankingOption(counts: readonly Count[], labels: { series: string; label: (c: Count) => string }, color = '#409EFF'): EChartsCoreOption {
  const rows = [...counts].reverse() // ECharts draws the first category at the bottom
  return {
    animation: false,
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 40, top: 8, bottom: 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', data: rows.map(labels.label), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [{ name: labels.series, type: 'bar', barMaxWidth: 22, itemStyle: { color }, label: { show: true, position: 'right' }, data: rows.map((c) => c.n) }],
  }
}

/** Shares of statuses as a ring, coloured by status. */
export function statusPieOption(counts: readonly Count[], labels: { series: string; label: (c: Count) => string }): EChartsCoreOption {
  return {
    animation: false,
    tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
    legend: { bottom: 0, type: 'scroll' },
    series: [
      {
        name: labels.series,
        type: 'pie',
        radius: ['45%', '70%'],
        center: ['50%', '45%'],
        avoidLabelOverlap: true,
        label: { show: true, formatter: '{b} {c}' },
        data: counts.map((c, i) => ({ name: labels.label(c), value: c.n, itemStyle: { color: STATUS_COLORS[c.key] ?? PALETTE[i % PALETTE.length] } })),
      },
    ],
  }
}

/** One weekday × hour of the ticket volume (weekday 1 Monday … 7 Sunday, Beijing time). */
export interface VolumeCell {
  weekday: number
  hour: number
  n: number
}

/** 工单量 as a heat map: hours across, weekdays down (Monday on top), darker for more tickets. */
export function volumeHeatOption(cells: readonly VolumeCell[], labels: { weekdays: readonly string[]; series: string }): EChartsCoreOption {
  const max = cells.reduce((m, c) => Math.max(m, c.n), 0)
  return {
    animation: false,
    tooltip: { position: 'top' },
    grid: { left: 56, right: 16, top: 8, bottom: 64 },
    xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => `${h}`), splitArea: { show: true } },
    yAxis: { type: 'category', data: [...labels.weekdays].reverse(), splitArea: { show: true } },
    visualMap: { min: 0, max: Math.max(1, max), calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#F2F6FC', '#409EFF', '#1D3A8F'] } },
    series: [
      {
        name: labels.series,
        type: 'heatmap',
        // y index 0 is the bottom row: Sunday (7) there, Monday (1) on top
        data: cells.map((c) => [c.hour, 7 - c.weekday, c.n]),
        label: { show: false },
        emphasis: { itemStyle: { shadowBlur: 6, shadowColor: 'rgba(0, 0, 0, 0.3)' } },
      },
    ],
  }
}
