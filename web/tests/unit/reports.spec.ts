// The report pages' pure parts: queries and export addresses, number formats, the address query,
// org pickers, device choices, and the chart option builders of the reports and the dashboard.
import { describe, expect, it } from 'vitest'
import { emptyReportFilter, reportQuery, reportXlsxUrl, ticketsXlsxUrl, type AbnormalItem, type GroupItem } from '../../src/api/reports'
import type { Org } from '../../src/api/orgs'
import {
  deviceChoices,
  filterFromQuery,
  filterToQuery,
  formatCount,
  formatDateTime,
  formatNumber,
  formatShare,
  formatValue,
  groupLabel,
  lastDays,
  splitOrgTree,
  totalsRow,
} from '../../src/views/reports/format'
import { abnormalOption, chartAxes, groupedOption, MAX_STACKS } from '../../src/views/reports/charts'
import { REPORTS, REPORT_ORDER, flattenLevels, flattenSla, levelMeasures } from '../../src/views/reports/defs'
import { deviceListQuery, probeKeys, ticketListQuery } from '../../src/views/reports/drill'
import { rankingOption, satisfactionTrendOption, statusPieOption } from '../../src/views/dashboard/charts'
import { messages } from '../../src/locales'

const params = (url: string) => new URLSearchParams(url.split('?')[1] ?? '')

describe('report queries', () => {
  const f = { ...emptyReportFilter(), from: '2026-11-01', to: '2026-11-23', org_id: 3, type: ' ATM ', group_by: ['month', 'type'] }

  it('sends the filters that are set, groupings comma-separated', () => {
    expect(reportQuery('operation', f)).toMatchObject({ from: '2026-11-01', to: '2026-11-23', org_id: 3, type: 'ATM', group_by: 'month,type' })
    const q = reportQuery('operation', { ...f, group_by: [] })
    expect(q.group_by).toBeUndefined()
  })

  it('leaves the period out of the device distribution (the archive as it stands today)', () => {
    const q = reportQuery('devices', f)
    expect(q.from).toBeUndefined()
    expect(q.to).toBeUndefined()
    expect(q.group_by).toBe('month,type')
  })

  it('sends no groupings to the lists (异常服务, 故障原因), which refuse them', () => {
    expect(reportQuery('abnormal', f).group_by).toBeUndefined()
    expect(reportQuery('faults', f, { view: 'causes' }).group_by).toBeUndefined()
    expect(reportQuery('faults', f, { view: 'summary' }).group_by).toBe('month,type')
  })

  it('adds the knobs and skips empty ones', () => {
    const q = reportQuery('abnormal', f, { min_repairs: 3, min_fault_hours: null, min_repair_hours: 4.5 })
    expect(q).toMatchObject({ min_repairs: 3, min_repair_hours: 4.5 })
    expect('min_fault_hours' in q).toBe(false)
  })

  it('downloads the same table as .xlsx with the same filters', () => {
    const url = reportXlsxUrl('service-time', f, { overload_hours: 10 })
    expect(url.startsWith('/api/v1/analytics/service-time?')).toBe(true)
    const p = params(url)
    expect(p.get('format')).toBe('xlsx')
    expect(p.get('org_id')).toBe('3')
    expect(p.get('group_by')).toBe('month,type')
    expect(p.get('overload_hours')).toBe('10')
  })

  it('downloads paged reports without the page on screen (the server exports every row)', () => {
    const p = params(reportXlsxUrl('abnormal', f, { min_repairs: 3, page: 4, page_size: 20 }))
    expect(p.get('page')).toBeNull()
    expect(p.get('page_size')).toBeNull()
    expect(p.get('min_repairs')).toBe('3')
    const causes = params(reportXlsxUrl('faults', f, { view: 'causes' }))
    expect(causes.get('view')).toBe('causes')
    expect(causes.get('page_size')).toBeNull()
    expect(params(reportXlsxUrl('faults', f, { view: 'summary' })).get('page_size')).toBeNull()
  })

  it('exports 任务明细 with the filters but no groupings', () => {
    const url = ticketsXlsxUrl(f, 'closed')
    expect(url.startsWith('/api/v1/analytics/tickets.xlsx?')).toBe(true)
    const p = params(url)
    expect(p.get('from')).toBe('2026-11-01')
    expect(p.get('status')).toBe('closed')
    expect(p.get('group_by')).toBeNull()
    expect(p.get('format')).toBeNull()
  })
})

describe('formats', () => {
  it('writes numbers, counts and shares', () => {
    expect(formatNumber(1234.567)).toBe('1,234.57')
    expect(formatNumber(2)).toBe('2')
    expect(formatNumber(null)).toBe('—')
    expect(formatCount(12345.4)).toBe('12,345')
    expect(formatShare(0.99642)).toBe('99.64%')
    expect(formatShare(null)).toBe('—')
    expect(formatValue(true, 'bool', ['是', ''])).toBe('是')
    expect(formatValue(false, 'bool', ['是', ''])).toBe('')
    expect(formatValue(0.5, 'percent')).toBe('50.00%')
    expect(formatValue(3088.2, 'km')).toBe('3,088.2')
  })

  it('names a group by its groupings and falls back to the key', () => {
    const item = { keys: { type: 'ATM', brand: 'NCR', model: '' }, labels: { type: 'ATM', brand: 'NCR' } }
    expect(groupLabel(item, ['type', 'brand'])).toBe('ATM / NCR')
    expect(groupLabel(item, ['type', 'model'])).toBe('ATM / —')
  })

  it('builds the 合计 row under 序号 with blanks under the groupings', () => {
    const row = totalsRow({ faults: 79, fault_hours: 199.72 }, ['month', 'type'], [
      { key: 'faults', fmt: 'count' },
      { key: 'fault_hours', fmt: 'hours' },
    ], '合计')
    expect(row).toEqual(['合计', '', '', '79', '199.72'])
    expect(totalsRow(null, ['org'], [{ key: 'tickets', fmt: 'count' }], '合计')).toEqual(['合计', '', ''])
  })

  it('writes times in Asia/Shanghai', () => {
    expect(formatDateTime('2026-11-22T00:48:51Z')).toBe('2026-11-22 08:48')
    expect(formatDateTime(null)).toBe('—')
  })

  it('counts back days across months', () => {
    expect(lastDays('2026-03-01', 30)).toEqual({ from: '2026-01-31', to: '2026-03-01' })
    expect(lastDays('2026-11-23', 1)).toEqual({ from: '2026-11-23', to: '2026-11-23' })
  })
})

describe('the address query', () => {
  const defaults = { ...emptyReportFilter(), from: '2026-11-01', to: '2026-11-23', group_by: ['vendor'] }
  const allowed = REPORTS['service-time'].groupings

  it('starts from the defaults', () => {
    expect(filterFromQuery({}, defaults, allowed)).toEqual(defaults)
  })

  it('takes valid filters and groupings from the address, drops the rest', () => {
    const f = filterFromQuery(
      { from: '2026-10-01', to: '2026-10-31', org_id: '12', vendor_org_id: 'x', type: 'ATM', group_by: 'station,nope,engineer,station' },
      defaults,
      allowed,
    )
    expect(f).toMatchObject({ from: '2026-10-01', to: '2026-10-31', org_id: 12, vendor_org_id: null, type: 'ATM', group_by: ['station', 'engineer'] })
    // a reversed period is ignored
    expect(filterFromQuery({ from: '2026-10-31', to: '2026-10-01' }, defaults, allowed).from).toBe('2026-11-01')
  })

  it('round-trips through filterToQuery', () => {
    const f = { ...defaults, org_id: 3, model: 'CS 280', group_by: ['station', 'month'] }
    const q = filterToQuery(f, { overload_hours: 10, overload_open: null })
    expect(q).toEqual({ from: '2026-11-01', to: '2026-11-23', org_id: '3', model: 'CS 280', group_by: 'station,month', overload_hours: '10' })
    expect(filterFromQuery(q, defaults, allowed)).toEqual(f)
  })

  it('does not mutate the defaults', () => {
    const before = JSON.stringify(defaults)
    filterFromQuery({ group_by: 'engineer' }, defaults, allowed).group_by.push('x')
    expect(JSON.stringify(defaults)).toBe(before)
  })
})

const org = (id: number, kind: Org['kind'], name: string, children: Org[] = []): Org => ({
  id,
  parent_id: null,
  kind,
  code: `C${id}`,
  name,
  region: '',
  address: '',
  path: '',
  depth: 0,
  initials: '',
  children,
})

describe('org pickers', () => {
  it('splits the bank from the vendors and leaves the service centre out', () => {
    const tree = [
      org(21, 'vendor', '安达维保', [org(22, 'station', '北京第一服务站')]),
      org(2, 'client', '华夏示范银行', [org(3, 'client', '北京分行', [org(30, 'outlet', '网点')])]),
      org(1, 'operator', '客服中心', [org(25, 'department', '客户服务部')]),
    ]
    const { clients, vendors } = splitOrgTree(tree)
    expect(clients.map((o) => o.name)).toEqual(['华夏示范银行'])
    expect(clients[0]!.children![0]!.children![0]!.name).toBe('网点')
    expect(vendors.map((o) => o.name)).toEqual(['安达维保'])
    expect(vendors[0]!.children!.map((o) => o.name)).toEqual(['北京第一服务站'])
  })

  it('gives a station head its station as the vendor side and nothing as the bank side', () => {
    const { clients, vendors } = splitOrgTree([org(22, 'station', '北京第一服务站')])
    expect(clients).toEqual([])
    expect(vendors.map((o) => o.id)).toEqual([22])
  })
})

describe('device choices', () => {
  const combos = [
    { type: 'ATM', brand: 'NCR', model: 'SelfServ 22' },
    { type: 'ATM', brand: '广电运通', model: 'GRG H22N' },
    { type: '存取款一体机', brand: '御银', model: 'YY-CRS-9' },
  ]
  it('narrows brands by type and models by type and brand', () => {
    expect(deviceChoices(combos, 'type', {})).toEqual(['ATM', '存取款一体机'])
    expect(deviceChoices(combos, 'brand', { type: 'ATM' })).toHaveLength(2)
    expect(deviceChoices(combos, 'model', { type: 'ATM', brand: 'NCR' })).toEqual(['SelfServ 22'])
    expect(deviceChoices(combos, 'model', {})).toHaveLength(3)
  })
})

type Item = GroupItem & Record<string, unknown>
const item = (keys: Record<string, string>, figures: Record<string, unknown>, labels: Record<string, string> = keys): Item => ({
  key: Object.values(keys).join('|'),
  keys,
  labels,
  ...figures,
})
const measure = (k: string) => `M:${k}`
type Option = { xAxis: { data: unknown[] }; yAxis: unknown[]; series: { name: string; type: string; stack?: string; data: (number | null)[]; yAxisIndex?: number }[] }

describe('grouped report charts', () => {
  it('puts a period grouping on the x axis and splits one figure by the next grouping', () => {
    expect(chartAxes(['type', 'month', 'brand'], 1)).toEqual({ x: 'month', split: 'type' })
    expect(chartAxes(['vendor'], 4)).toEqual({ x: 'vendor', split: null })
    expect(chartAxes(['month', 'type'], 2)).toEqual({ x: 'month', split: null })
  })

  it('draws 运行情况 by month, faults stacked by type, fault hours per device from the sums', () => {
    const items = [
      item({ month: '2026-11', type: 'ATM' }, { faults: 5, fault_hours: 10, devices: 10 }),
      item({ month: '2026-10', type: 'ATM' }, { faults: 2, fault_hours: 4, devices: 10 }),
      item({ month: '2026-11', type: 'POS' }, { faults: 1, fault_hours: 2, devices: 5 }),
    ]
    const o = groupedOption({ items, dims: ['month', 'type'], spec: REPORTS.operation.chart, labels: { measure, other: '其他' } }) as unknown as Option
    expect(o.xAxis.data).toEqual(['2026-10', '2026-11']) // months in order
    const bars = o.series.filter((s) => s.type === 'bar')
    expect(bars.map((s) => s.name)).toEqual(['ATM', 'POS']) // larger split first
    expect(bars.every((s) => s.stack === 'split')).toBe(true)
    expect(bars[0]!.data).toEqual([2, 5])
    expect(bars[1]!.data).toEqual([0, 1])
    const line = o.series.find((s) => s.type === 'line')!
    expect(line.name).toBe('M:avg_fault_hours_per_device')
    expect(line.yAxisIndex).toBe(1)
    expect(line.data).toEqual([0.4, 0.8]) // 4/10, (10+2)/(10+5)
    expect(o.yAxis).toHaveLength(2)
  })

  it('sums the smaller splits into "other"', () => {
    const items = Array.from({ length: MAX_STACKS + 2 }, (_, i) => item({ category: 'c', model: `m${i}` }, { faults: i + 1 }))
    const o = groupedOption({ items, dims: ['category', 'model'], spec: REPORTS.faults.chart, labels: { measure, other: '其他' } }) as unknown as Option
    expect(o.series).toHaveLength(MAX_STACKS + 1)
    expect(o.series.at(-1)!.name).toBe('其他')
    expect(o.series.at(-1)!.data).toEqual([3]) // m0 (1) + m1 (2)
  })

  it('draws several figures side by side per category, largest first, at most top categories', () => {
    const items = [
      item({ vendor: '1' }, { work_hours: 5, fault_hours: 9, travel_hours: 1, repair_hours: 2 }, { vendor: '甲' }),
      item({ vendor: '2' }, { work_hours: 50, fault_hours: 90, travel_hours: 10, repair_hours: 20 }, { vendor: '乙' }),
    ]
    const spec = { ...REPORTS['service-time'].chart, top: 1 }
    const o = groupedOption({ items, dims: ['vendor'], spec, labels: { measure, other: '其他' } }) as unknown as Option
    expect(o.xAxis.data).toEqual(['乙'])
    expect(o.series.map((s) => s.name)).toEqual(['M:work_hours', 'M:fault_hours', 'M:travel_hours', 'M:repair_hours'])
    expect(o.series[0]!.data).toEqual([50])
  })

  it('stacks the device statuses and marks overloaded stations in red', () => {
    const dev = groupedOption({
      items: [item({ type: 'ATM' }, { in_service: 8, faulty: 1, retired: 1 })],
      dims: ['type'],
      spec: REPORTS.devices.chart,
      labels: { measure, other: '' },
    }) as unknown as Option
    expect(dev.series.map((s) => s.stack)).toEqual(['status', 'status', 'status'])
    const load = groupedOption({
      items: [item({ station: '22' }, { tickets: 3, open_now: 9, work_hours: 10, engineers: 2, overloaded: true }, { station: '北京第一服务站' })],
      dims: ['station'],
      spec: REPORTS.manpower.chart,
      labels: { measure, other: '' },
      flag: 'overloaded',
    }) as unknown as Option
    expect(load.xAxis.data[0]).toMatchObject({ value: '北京第一服务站', textStyle: { color: '#F56C6C' } })
    expect(load.series.find((s) => s.type === 'line')!.data).toEqual([5])
  })

  it('draws nothing without groupings', () => {
    expect(groupedOption({ items: [], dims: [], spec: REPORTS.operation.chart, labels: { measure, other: '' } })).toMatchObject({ series: [] })
  })

  it('draws 异常服务 as repairs per device with the longest fault', () => {
    const a = { asset_code: 'SB1', org_name: '望京网点', repairs: 3, max_fault_hours: 5.3 } as AbnormalItem
    const o = abnormalOption([a], { repairs: '返修次数', maxFault: '最长故障' }) as unknown as Option
    expect(o.xAxis.data).toEqual(['SB1 望京网点'])
    expect(o.series[0]!.data).toEqual([3])
    expect(o.series[1]!.data).toEqual([5.3])
  })
})

describe('dashboard charts', () => {
  it('draws the satisfaction trend in percent with the year before, gaps where nobody rated', () => {
    const o = satisfactionTrendOption(
      [
        { month: '2026-10', n: 10, satisfied: 9, rate: 0.9, wilson_lower: 0.6, prev_n: 0, prev_rate: null },
        { month: '2026-11', n: 0, satisfied: 0, rate: null, wilson_lower: null, prev_n: 20, prev_rate: 0.85 },
      ],
      { rate: '满意率', prev: '去年同期' },
    ) as unknown as Option & { yAxis: { min: number } }
    expect(o.xAxis.data).toEqual(['2026-10', '2026-11'])
    expect(o.series[0]!.data).toEqual([90, null])
    expect(o.series[1]!.data).toEqual([null, 85])
    expect(o.yAxis.min).toBe(70)
  })

  it('ranks with the largest on top and colours statuses', () => {
    const counts = [
      { key: '5', label: '卡纸', n: 17 },
      { key: '2', label: '吞卡', n: 15 },
    ]
    const r = rankingOption(counts, { series: '故障', label: (c) => c.label }) as unknown as { yAxis: { data: string[] }; series: { data: number[] }[] }
    expect(r.yAxis.data).toEqual(['吞卡', '卡纸'])
    expect(r.series[0]!.data).toEqual([15, 17])
    const p = statusPieOption([{ key: 'faulty', label: '故障', n: 2 }], { series: '机具', label: (c) => c.label }) as unknown as {
      series: { data: { name: string; value: number; itemStyle: { color: string } }[] }[]
    }
    expect(p.series[0]!.data[0]).toEqual({ name: '故障', value: 2, itemStyle: { color: '#F56C6C' } })
  })
})

describe('report definitions', () => {
  const zh = messages['zh-CN'] as unknown as { reports: Record<string, Record<string, string>> }
  const en = messages.en as unknown as { reports: Record<string, Record<string, string>> }

  it('label every grouping and figure in both languages', () => {
    for (const kind of REPORT_ORDER) {
      const def = REPORTS[kind]
      for (const d of def.groupings) {
        expect(zh.reports.dims![d], d).toBeTruthy()
        expect(en.reports.dims![d], d).toBeTruthy()
      }
      for (const m of [...def.measures, ...def.kpis, ...def.chart.bars, ...(def.chart.line ? [def.chart.line] : [])]) {
        expect(zh.reports.measures![m.key], m.key).toBeTruthy()
        expect(en.reports.measures![m.key], m.key).toBeTruthy()
      }
      for (const d of def.defaultGroupBy) expect(def.groupings).toContain(d)
    }
  })

  it('carry the seed report columns in Chinese', () => {
    const cols = (kind: keyof typeof REPORTS) => REPORTS[kind].measures.map((m) => zh.reports.measures![m.key])
    expect(cols('operation')).toEqual(expect.arrayContaining(['机具台数', '故障总时长(小时)', '台均故障时长(小时)', '故障总次数', '台均故障次数']))
    expect(cols('service-time')).toEqual(
      expect.arrayContaining(['工作总时长(小时)', '故障总时长(小时)', '平均故障时长(小时)', '出发总时长(小时)', '平均出发时长(小时)', '往返总路程(公里)', '平均往返路程(公里)', '修复总时长(小时)', '平均修复时长(小时)']),
    )
    expect(cols('abnormal')).toEqual(expect.arrayContaining(['返修次数', '等待配件(小时)', '等待客户自行处理(小时)', '送修等待(小时)']))
    expect(cols('faults')).toContain('台均故障次数')
    // 维护情况: the headers of its .xlsx (GET /analytics/devices/maintenance?format=xlsx), units aside
    expect(cols('maintenance')).toEqual(['机具台数', '维护总时长(小时)', '台均维护时长(小时)', '维护总次数', '台均维护次数', '报修次数', '未完成', '完成率', '平均维护时长(小时)', '平均响应时长(小时)', '平均出发时长(小时)', '平均修复时长(小时)'])
    expect(REPORTS.maintenance.flatten!({ faults: 6, open: 1 })).toMatchObject({ reported: 6, open: 1 })
  })
})

describe('满意度调查 and SLA pages', () => {
  const levels = [
    { level: 4, label: '非常满意', label_en: 'Very satisfied' },
    { level: 3, label: '满意', label_en: 'Satisfied' },
    { level: 2, label: '一般', label_en: 'Neutral' },
    { level: 1, label: '不满意', label_en: 'Dissatisfied' },
  ]

  it('makes a column per level of the scale, best first, named in the UI language', () => {
    expect(levelMeasures(levels, false).map((m) => [m.key, m.label])).toEqual([
      ['level_4', '非常满意'],
      ['level_3', '满意'],
      ['level_2', '一般'],
      ['level_1', '不满意'],
    ])
    expect(levelMeasures(levels, true)[0]!.label).toBe('Very satisfied')
  })

  it('lifts level counts and SLA targets to figures of the item', () => {
    expect(flattenLevels({ n: 5, levels: { '4': 2, '1': 3 } })).toMatchObject({ n: 5, level_4: 2, level_1: 3 })
    const sla = REPORTS.sla.flatten!({ met: 3, breached: 1, rate: 0.75, resolution: { total: 4, met: 3, breached: 1, open: 0, rate: 0.75 } })
    expect(sla).toMatchObject({ rs_total: 4, rs_breached: 1, rs_rate: 0.75, fr_rate: null, sla_rate: 0.75, sla_decided: 4 })
    expect(flattenSla({})).toMatchObject({ ar_met: null })
  })

  it('draws the rate line in percent on the survey chart', () => {
    const items = [
      { key: '2026-10', keys: { month: '2026-10' }, labels: { month: '2026-10' }, n: 4, satisfied: 3, level_4: 3, level_1: 1 },
      { key: '2026-11', keys: { month: '2026-11' }, labels: { month: '2026-11' }, n: 0, satisfied: 0 },
    ]
    const spec = { ...REPORTS.survey.chart, bars: [{ key: 'level_4', stack: 'levels' }, { key: 'level_1', stack: 'levels' }] }
    const o = groupedOption({ items, dims: ['month'], spec, labels: { measure: (k) => k, other: '' } }) as unknown as {
      series: { type: string; data: (number | null)[] }[]
    }
    expect(o.series.map((x) => x.type)).toEqual(['bar', 'bar', 'line'])
    expect(o.series[2]!.data).toEqual([75, null])
  })
})

describe('the ticket list behind a figure', () => {
  const f = { ...emptyReportFilter(), from: '2026-01-01', to: '2026-12-31', org_id: 3 }

  it('carries the filters and the row keys, a month or a day narrowing the period', () => {
    expect(ticketListQuery(f, ['vendor', 'month'], { vendor: '12', month: '2026-02' })).toEqual({
      created_from: '2026-02-01',
      created_to: '2026-02-28',
      org_id: '3',
      vendor_org_id: '12',
    })
    expect(ticketListQuery(f, ['engineer'], { engineer: '7' }, { type: 'complaint' })).toMatchObject({ assignee_id: '7', type: 'complaint' })
    expect(ticketListQuery(f, ['day'], { day: '2026-03-04' })).toMatchObject({ created_from: '2026-03-04', created_to: '2026-03-04' })
  })

  it('narrows to the device, region, fault category and done or not', () => {
    expect(ticketListQuery({ ...f, type: 'ATM' }, ['category', 'brand', 'model', 'region'], { category: '5', brand: 'NCR', model: 'S22', region: '北京' }, { type: 'repair' })).toEqual({
      created_from: '2026-01-01',
      created_to: '2026-12-31',
      org_id: '3',
      type: 'repair',
      asset_type: 'ATM',
      asset_brand: 'NCR',
      asset_model: 'S22',
      region: '北京',
      category_id: '5',
    })
    expect(ticketListQuery(f, ['model'], { model: 'S22' }, { type: 'repair', done: false })).toMatchObject({ done: 'false', type: 'repair' })
  })

  it('declines what the ticket list cannot filter by', () => {
    expect(ticketListQuery(f, ['hour'], { hour: '9' })).toBeNull()
    expect(ticketListQuery(f, ['region'], { region: '' })).toBeNull()
    expect(ticketListQuery(f, ['vendor'], { vendor: '' })).toBeNull()
    expect(ticketListQuery(f, ['ticket_type'], { ticket_type: 'suggestion' }, { type: 'complaint' })).toBeNull()
    expect(ticketListQuery({ ...f, ticket_type: 'suggestion' }, [], {}, { type: 'complaint' })).toBeNull()
    // a model filter and a row of another model (cannot happen, but never both)
    expect(ticketListQuery({ ...f, model: 'A' }, ['model'], { model: 'B' })).toBeNull()
  })
})

describe('the device list behind a figure', () => {
  const f = { ...emptyReportFilter(), from: '2026-01-01', to: '2026-03-31', vendor_org_id: 21, type: 'ATM' }

  it('opens 运行情况 / 维护情况 devices of the row month (or the last month) not retired', () => {
    expect(deviceListQuery(f, ['month', 'brand', 'region'], { month: '2026-02', brand: 'NCR', region: '上海' }, { installedBy: true })).toEqual({
      type: 'ATM',
      brand: 'NCR',
      region: '上海',
      vendor_org_id: '21',
      in_use: 'true',
      installed_by: '2026-02',
    })
    expect(deviceListQuery(f, ['model'], { model: 'S22' }, { installedBy: true })).toMatchObject({ installed_by: '2026-03', model: 'S22' })
  })

  it('opens 机具分布 counts by status and warranty, 故障分析 devices without the category', () => {
    expect(deviceListQuery(f, ['station', 'status'], { station: '24', status: 'faulty' }, { status: 'faulty' })).toMatchObject({ station_id: '24', status: 'faulty' })
    expect(deviceListQuery(f, ['org'], { org: '7' }, { warranty: 'out' })).toMatchObject({ org_id: '7', warranty: 'out' })
    expect(deviceListQuery(f, ['category', 'model'], { category: '5', model: 'S22' }, { inUse: true })).toEqual({ type: 'ATM', vendor_org_id: '21', model: 'S22', in_use: 'true' })
    expect(deviceListQuery(f, ['status'], { status: 'retired' }, { status: 'faulty' })).toBeNull()
    expect(deviceListQuery(f, ['region'], { region: '' })).toBeNull()
  })

  it('opens 投诉与建议 tickets once one type is fixed', () => {
    const open = REPORTS.complaints.ticketDrill!.open!
    expect(ticketListQuery(f, ['org'], { org: '7' }, open)).toBeNull()
    expect(ticketListQuery({ ...f, ticket_type: 'complaint' }, ['org'], { org: '7' }, open)).toMatchObject({ type: 'complaint', done: 'false', org_id: '7' })
    expect(ticketListQuery(f, ['ticket_type'], { ticket_type: 'suggestion' }, open)).toMatchObject({ type: 'suggestion' })
  })

  it('opens 服务时长 tickets (serviced by a vendor) once a vendor or station is fixed', () => {
    const d = REPORTS['service-time'].ticketDrill!.resolved!
    const g = { ...f, vendor_org_id: null }
    expect(ticketListQuery(g, ['engineer'], { engineer: '7' }, d)).toBeNull()
    expect(ticketListQuery(f, ['engineer'], { engineer: '7' }, d)).toMatchObject({ vendor_org_id: '21', assignee_id: '7' })
    expect(ticketListQuery(g, ['station', 'engineer'], { station: '24', engineer: '7' }, d)).toMatchObject({ station_id: '24', assignee_id: '7', done: 'true' })
  })

  it('opens 运行情况 faults (tickets on a device) once the device type, brand or model is fixed', () => {
    const d = REPORTS.operation.ticketDrill!.faults!
    expect(ticketListQuery({ ...f, type: '' }, ['month'], { month: '2026-02' }, d)).toBeNull()
    expect(ticketListQuery({ ...f, type: '' }, ['month', 'model'], { month: '2026-02', model: 'S22' }, d)).toMatchObject({ type: 'repair', asset_model: 'S22' })
  })

  it('opens SLA 达标 tickets under the row policy, else under any policy', () => {
    const d = REPORTS.sla.ticketDrill!.tickets!
    expect(ticketListQuery(f, ['policy'], { policy: '4' }, d)).toMatchObject({ sla_policy_id: '4' })
    expect(ticketListQuery(f, ['org'], { org: '7' }, d)).toMatchObject({ sla_policy_id: 'any', org_id: '7' })
  })

  it('tells which columns drill at all', () => {
    expect(ticketListQuery(f, ['hour'], probeKeys(['hour']))).toBeNull()
    expect(ticketListQuery(f, ['month', 'ticket_type'], probeKeys(['month', 'ticket_type'], 'complaint'), { type: 'complaint' })).not.toBeNull()
  })
})
