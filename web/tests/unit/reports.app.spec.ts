// Mounts the whole app against a fake analytics API: the 统计分析 menu, 服务时长 (filters in the
// query and the address, KPI cards, table with 合计, drill-down, export links), 人力分析 (stations
// and engineers, overload), 异常服务 (thresholds, device links) and the dashboard.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

// happy-dom has no canvas: the chart component gets a fake instance that records its options.
const charts = vi.hoisted(() => [] as { el: HTMLElement; options: unknown[]; disposed: boolean }[])
vi.mock('echarts/core', () => ({
  use: () => {},
  init: (el: HTMLElement) => {
    const c = { el, options: [] as unknown[], disposed: false }
    charts.push(c)
    return { setOption: (o: unknown) => c.options.push(o), resize: () => {}, dispose: () => (c.disposed = true) }
  },
}))
vi.mock('echarts/charts', () => ({ LineChart: {}, BarChart: {}, PieChart: {}, HeatmapChart: {} }))
vi.mock('echarts/components', () => ({ GridComponent: {}, LegendComponent: {}, TooltipComponent: {}, VisualMapComponent: {} }))
vi.mock('echarts/renderers', () => ({ CanvasRenderer: {} }))

const user = {
  id: 40,
  login: 'adwb.manager',
  name: '朱军',
  org_id: 21,
  org_name: '安达维保',
  job_no: '',
  phone: '',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

const org = (id: number, parent_id: number | null, code: string, name: string, kind: string, children: unknown[] = []) => ({
  id,
  parent_id,
  kind,
  code,
  name,
  region: '',
  address: '',
  path: '',
  depth: 0,
  initials: '',
  children,
})
const tree = [org(21, null, 'ADWB', '安达维保', 'vendor', [org(22, 21, 'ADWB-BJ1', '北京第一服务站', 'station'), org(24, 21, 'ADWB-SH', '上海服务站', 'station')])]

const time = (tickets: number, work: number) => ({
  tickets,
  resolved: tickets,
  open: 0,
  work_hours: work,
  fault_hours: work * 2,
  avg_fault_hours: 2.5,
  avg_response_hours: 0.3,
  travel_hours: 10,
  avg_travel_hours: 0.66,
  distance_km: 3088.2,
  avg_distance_km: 41.18,
  repair_hours: 20,
  avg_repair_hours: 1.04,
  engineers: 2,
  overload_days: 0,
  overloaded_engineers: 0,
})

function grouped(dims: string[], rows: [Record<string, string>, Record<string, string>, Record<string, unknown>][], totals: Record<string, unknown>, extra = {}) {
  return {
    from: '2026-11-01',
    to: '2026-11-23',
    group_by: dims,
    items: rows.map(([keys, labels, figures]) => ({ key: Object.values(keys).join('|'), keys, labels, ...figures })),
    totals,
    total: rows.length,
    ...extra,
  }
}

const requests: string[] = []
const reply = (status: number, body?: unknown) => new Response(body === undefined ? null : JSON.stringify(body), { status })

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  requests.push(url)
  const [path, qs] = url.split('?')
  const q = new URLSearchParams(qs ?? '')
  switch (`${method} ${path}`) {
    case 'GET /api/v1/auth/me':
      return reply(200, { user, permissions: ['analytics.read', 'org.read', 'asset.read', 'ticket.read'], scope: { mode: 'subtree', org_ids: [21] }, csrf_token: 'c' })
    case 'GET /api/v1/orgs':
      return reply(200, { items: tree })
    case 'GET /api/v1/analytics/devices':
      return reply(200, grouped(['type', 'brand', 'model'], [[{ type: 'ATM', brand: 'NCR', model: 'SelfServ 22' }, { type: 'ATM', brand: 'NCR', model: 'SelfServ 22' }, { devices: 9 }]], { devices: 9 }, { date: '2026-11-23' }))
    case 'GET /api/v1/analytics/devices/maintenance': {
      const m = (devices: number, faults: number, done: number, hours: number) => ({
        devices,
        faults,
        maintenances: done,
        open: faults - done,
        maintenance_hours: hours,
        avg_maintenance_hours_per_device: Math.round((hours / devices) * 100) / 100,
        avg_maintenances_per_device: Math.round((done / devices) * 100) / 100,
        avg_maintenance_hours: Math.round((hours / done) * 100) / 100,
        completion_rate: Math.round((done / faults) * 10000) / 10000,
        avg_response_hours: 0.35,
        avg_travel_hours: 1,
        avg_repair_hours: 1.5,
      })
      return reply(
        200,
        grouped(
          ['month', 'model'],
          [
            [{ month: '2026-10', model: 'HT-2845-V' }, { month: '2026-10', model: 'HT-2845-V' }, m(2, 4, 3, 4.83)],
            [{ month: '2026-11', model: 'YY-CRS-9' }, { month: '2026-11', model: 'YY-CRS-9' }, m(2, 2, 2, 5)],
          ],
          m(4, 6, 5, 9.83),
        ),
      )
    }
    case 'GET /api/v1/analytics/service-time': {
      const dims = (q.get('group_by') ?? 'vendor').split(',')
      const rows: [Record<string, string>, Record<string, string>, Record<string, unknown>][] = dims.includes('station')
        ? [
            [{ vendor: '21', station: '24' }, { vendor: '安达维保', station: '上海服务站' }, time(53, 67.17)],
            [{ vendor: '21', station: '22' }, { vendor: '安达维保', station: '北京第一服务站' }, time(26, 30.41)],
          ]
        : [[{ vendor: '21' }, { vendor: '安达维保' }, time(79, 97.58)]]
      return reply(200, grouped(dims, rows, time(79, 97.58), { overload_hours: Number(q.get('overload_hours') ?? 8) }))
    }
    case 'GET /api/v1/analytics/manpower': {
      const dims = (q.get('group_by') ?? 'station').split(',')
      const load = (open: number, overloaded: boolean) => ({ open_now: open, tickets_per_engineer_day: 1.15, overloaded })
      const rows: [Record<string, string>, Record<string, string>, Record<string, unknown>][] = dims.includes('engineer')
        ? [
            [{ station: '24', engineer: '31' }, { station: '上海服务站', engineer: '宋健' }, { ...time(28, 37), ...load(7, true) }],
            [{ station: '22', engineer: '20' }, { station: '北京第一服务站', engineer: '林涛' }, { ...time(2, 1.87), ...load(0, false) }],
          ]
        : [
            [{ station: '24' }, { station: '上海服务站' }, { ...time(53, 67.17), ...load(7, true) }],
            [{ station: '22' }, { station: '北京第一服务站' }, { ...time(6, 6.55), ...load(0, false) }],
          ]
      return reply(200, grouped(dims, rows, { ...time(79, 97.58), ...load(7, true), overloaded_engineers: 1 }, { overload_hours: 8, overload_open: 5 }))
    }
    case 'GET /api/v1/analytics/abnormal':
      return reply(200, {
        from: '2026-11-01',
        to: '2026-11-23',
        min_repairs: Number(q.get('min_repairs') ?? 2),
        min_fault_hours: 0,
        min_repair_hours: 0,
        total: 1,
        items: [
          {
            asset_id: 83,
            asset_code: 'SB0000083',
            type: 'ATM',
            brand: '日立',
            model: 'HT-2845-V',
            org_id: 17,
            org_name: '田林网点',
            branch: '徐汇支行',
            region: '上海',
            vendor_org_id: 24,
            vendor_org_name: '上海服务站',
            repairs: 3,
            fault_hours: 5.75,
            max_fault_hours: 2.45,
            repair_hours: 3,
            max_repair_hours: 1.2,
            waiting_parts_hours: 4,
            waiting_customer_hours: 0,
            sent_for_repair_hours: 0,
            reasons: ['repairs'],
            tickets: [{ id: 1437, number: 'GD20261105-000008', status: 'closed', reported_at: '2026-11-05T08:10:17Z' }],
          },
        ],
      })
    case 'GET /api/v1/tickets':
      return reply(200, { items: [], total: 4, total_exact: true })
    case 'GET /api/v1/assets':
      return reply(200, { items: [], total: 2 })
    case 'GET /api/v1/analytics/volume':
      return reply(200, { from: '2026-10-25', to: '2026-11-23', cells: [{ weekday: 1, hour: 9, n: 3 }, { weekday: 7, hour: 14, n: 1 }], total: 4, max: 3 })
    case 'GET /api/v1/analytics/dashboard':
      return reply(200, {
        date: '2026-11-23',
        period: { from: '2026-10-25', to: '2026-11-23' },
        overdue_hours: 24,
        today: { reported: 4, resolved: 2, by_type: [{ key: 'repair', label: '报修', n: 4 }] },
        open: { open: 6, overdue: 1, unassigned: 2, by_status: [{ key: 'pending', label: '挂起', n: 6 }] },
        satisfaction: {
          from: '2025-12-01',
          to: '2026-11-23',
          n: 120,
          rate: 0.913,
          prev_rate: 0.916,
          sentence: '下降 0.3 个百分点，差异不显著 (p = 0.37)',
          trend: [{ month: '2026-11', n: 120, satisfied: 110, rate: 0.913, wilson_lower: 0.85, prev_n: 100, prev_rate: 0.916 }],
        },
        top_faults: [{ key: '5', label: '凭条打印机卡纸', n: 17 }],
        worst_devices: [{ key: '41', label: 'SB0000041 存取款一体机 YY-CRS-9', n: 5 }],
        busiest_stations: [{ key: '24', label: '上海服务站', n: 1 }],
        devices: { total: 100, by_status: [{ key: 'in_service', label: '在用', n: 100 }] },
      })
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

/** vi.waitFor with room for a loaded machine. */
const waitFor = <T>(fn: () => T) => vi.waitFor(fn, { timeout: 20_000, interval: 50 })
async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]
const last = (path: string) => new URLSearchParams(requests.filter((r) => r.startsWith(`/api/v1/analytics/${path}?`)).at(-1)?.split('?')[1] ?? '')
const chartOf = (id: string) => charts.filter((c) => c.el.getAttribute('data-test') === id).at(-1)?.options.at(-1) as
  | { xAxis: { data: unknown[] }; series: { name: string }[] }
  | undefined

vi.stubGlobal('fetch', fakeFetch)

describe('report pages and the dashboard', { timeout: 60_000 }, () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/reports/service-time')
    await settle()
  }, 60_000)

  afterAll(() => {
    app.unmount()
    expect(charts.every((c) => c.disposed)).toBe(true)
  })

  it('shows the 统计分析 menu group', () => {
    expect(tid('menu-reports-group')).not.toBeNull()
    for (const id of ['menu-dashboard', 'menu-report-service-time', 'menu-report-manpower', 'menu-report-abnormal', 'menu-report-devices']) expect(tid(id), id).not.toBeNull()
  })

  it('asks 服务时长 for this month by vendor and shows KPIs, chart, table with 合计 and the overload rule', async () => {
    await waitFor(() => expect(tid('rpt-kpi-tickets-value')?.textContent).toBe('79'))
    const q = last('service-time')
    expect(q.get('from')).toMatch(/^\d{4}-\d{2}-01$/)
    expect(q.get('group_by')).toBe('vendor')
    expect(tid('rpt-kpi-avg_distance_km-value')?.textContent).toBe('41.18')
    expect(tids('rpt-drill-vendor').map((e) => e.textContent?.trim())).toEqual(['安达维保'])
    expect(tid('rpt-table')?.querySelector('.el-table__footer')?.textContent).toContain('合计')
    expect(tid('rpt-table')?.querySelector('.el-table__footer')?.textContent).toContain('3,088.2')
    expect(tid('rpt-overload-note')?.textContent).toContain('8 小时')
    expect(chartOf('rpt-chart')?.series.map((s) => s.name)).toEqual(['工作总时长(小时)', '故障总时长(小时)', '出发总时长(小时)', '修复总时长(小时)'])
    const href = tid('rpt-export')?.getAttribute('href') ?? ''
    expect(href).toContain('/api/v1/analytics/service-time?')
    expect(href).toContain('format=xlsx')
    expect(tid('rpt-export-tickets')?.getAttribute('href')).toContain('/api/v1/analytics/tickets.xlsx?from=')
    // the vendor side of the tree is offered, the bank side is not visible to a vendor
    expect(tid('rpt-filter-vendor')).not.toBeNull()
    expect(tid('rpt-filter-org')).toBeNull()
  })

  it('groups by station from the address and drills into a station', async () => {
    await router.push('/reports/service-time?group_by=vendor,station&from=2026-11-01&to=2026-11-23')
    await waitFor(() => expect(tids('rpt-drill-station').map((e) => e.textContent?.trim())).toEqual(['上海服务站', '北京第一服务站']))
    expect(last('service-time').get('group_by')).toBe('vendor,station')
    tids('rpt-drill-station')[0]!.click()
    await waitFor(() => expect(last('service-time').get('vendor_org_id')).toBe('24'))
    await waitFor(() => expect(router.currentRoute.value.query.vendor_org_id).toBe('24'))
    expect(tid('rpt-export')?.getAttribute('href')).toContain('vendor_org_id=24')
  })

  it('shows 人力分析 per station and per engineer with the overloaded flagged', async () => {
    tid('menu-report-manpower')?.click()
    await waitFor(() => expect(tids('rpt-engineer-table-card').length).toBe(1))
    await waitFor(() => expect(tid('rpt-engineer-table')?.textContent).toContain('宋健'))
    expect(last('manpower').get('group_by')).toBe('station,engineer')
    expect(tid('rpt-table')?.querySelectorAll('[data-test="rpt-flag"]').length).toBe(1)
    expect(tid('rpt-engineer-table')?.querySelectorAll('[data-test="rpt-flag"]').length).toBe(1)
    expect(tid('rpt-overload-note')?.textContent).toContain('5 张')
    expect(tid('rpt-engineer-table-export')?.getAttribute('href')).toContain('group_by=station%2Cengineer')
    const x = chartOf('rpt-chart')?.xAxis.data[0] as { value: string; textStyle: { color: string } }
    expect(x).toMatchObject({ value: '上海服务站', textStyle: { color: '#F56C6C' } })
  })

  it('lists 异常服务 with device links and the threshold in the query and the export', async () => {
    await router.push('/reports/abnormal?min_repairs=3')
    await waitFor(() => expect(tid('rpt-asset-link')?.textContent).toBe('SB0000083'))
    expect(last('abnormal').get('min_repairs')).toBe('3')
    expect(last('abnormal').get('group_by')).toBeNull()
    expect(tid('rpt-asset-link')?.getAttribute('href')).toBe('/assets/83')
    // 返修次数 opens the device's repair tickets of the period
    const repairs = new URL(tid('rpt-cell-repairs')?.getAttribute('href') ?? '', 'http://x')
    expect(repairs.pathname).toBe('/tickets')
    expect(Object.fromEntries(repairs.searchParams)).toEqual({ created_from: '2026-11-01', created_to: '2026-11-23', type: 'repair', asset_id: '83' })
    expect(tid('rpt-reason-repairs')?.textContent).toBe('多次返修')
    expect(tid('rpt-abnormal-rule')?.textContent).toContain('返修次数 ≥ 3')
    expect(tid('rpt-kpi-devices-value')?.textContent).toBe('1')
    const href = tid('rpt-export')?.getAttribute('href') ?? ''
    expect(href).toContain('min_repairs=3')
    expect(href).not.toContain('page_size')
  })

  it('shows the dashboard tiles and links them to the reports with the filters', async () => {
    tid('menu-dashboard')?.click()
    await waitFor(() => expect(tid('dash-kpi-today-value')?.textContent).toBe('4'))
    expect(tid('dash-kpi-overdue-value')?.textContent).toBe('1')
    expect(tid('dash-kpi-satisfaction-value')?.textContent).toBe('91.3%')
    expect(tid('dash-sentence')?.textContent).toContain('差异不显著')
    expect(tid('dash-device-link')?.getAttribute('href')).toBe('/assets/41')
    const more = tid('dash-more-abnormal')?.getAttribute('href') ?? ''
    expect(more).toMatch(/^\/reports\/abnormal\?from=\d{4}-\d{2}-\d{2}&to=/)
    expect(tid('dash-more-devices')?.getAttribute('href')).toBe('/reports/devices?group_by=status')
    expect(chartOf('dash-trend-chart')).toBeDefined()
    expect(chartOf('dash-devices-chart')).toBeDefined()
    // the volume heat map: Monday on top, Sunday at the bottom
    const heat = chartOf('dash-volume-chart') as unknown as { series: { data: number[][] }[] }
    expect(heat.series[0]!.data).toEqual([
      [9, 6, 3],
      [14, 0, 1],
    ])
    expect(tid('dash-more-volume')?.getAttribute('href')).toMatch(/^\/tickets\?created_from=/)
  })

  it('shows 维护情况 after 运行情况 with the seed columns, KPIs, chart, 合计, export and subscribe', async () => {
    const items = [...document.querySelectorAll('[data-test^="menu-report-"]')].map((e) => e.getAttribute('data-test'))
    expect(items.indexOf('menu-report-maintenance')).toBe(items.indexOf('menu-report-operation') + 1)
    tid('menu-report-maintenance')?.click()
    await waitFor(() => expect(tid('rpt-kpi-maintenances-value')?.textContent).toBe('5'))
    expect(tid('rpt-title')?.textContent).toBe('维护情况')
    const q = last('devices/maintenance')
    expect(q.get('group_by')).toBe('month,type,brand,model')
    expect(q.get('from')).toMatch(/^\d{4}-\d{2}-01$/)
    expect(tid('rpt-kpi-completion_rate-value')?.textContent).toBe('83.33%')
    const heads = [...(tid('rpt-table')?.querySelectorAll('.el-table__header th') ?? [])].map((e) => e.textContent?.trim())
    expect(heads).toEqual(expect.arrayContaining(['机具台数', '维护总时长(小时)', '台均维护时长(小时)', '维护总次数', '台均维护次数', '报修次数', '未完成', '完成率']))
    // 报修次数 is the API's faults
    expect(tids('rpt-cell-reported').map((e) => e.textContent?.trim())).toEqual(['4', '2'])
    const foot = tid('rpt-table')?.querySelector('.el-table__footer')?.textContent ?? ''
    expect(foot).toContain('合计')
    expect(foot).toContain('9.83')
    expect(chartOf('rpt-chart')?.series.map((s) => s.name)).toEqual(['维护总次数', '未完成', '台均维护时长(小时)'])
    const href = tid('rpt-export')?.getAttribute('href') ?? ''
    expect(href).toContain('/api/v1/analytics/devices/maintenance?')
    expect(href).toContain('format=xlsx')
    expect(tid('rpt-subscribe')).not.toBeNull()
  })

  it('opens the tickets behind 报修次数 and the devices behind 机具台数 of a 维护情况 row', async () => {
    const lastOf = (path: string) => new URLSearchParams(requests.filter((r) => r.startsWith(`/api/v1/${path}?`)).at(-1)?.split('?')[1] ?? '')
    tids('rpt-cell-reported')[0]!.click()
    await waitFor(() => expect(router.currentRoute.value.name).toBe('tickets'))
    expect(router.currentRoute.value.query).toMatchObject({ type: 'repair', asset_model: 'HT-2845-V', created_from: '2026-10-01', created_to: '2026-10-31' })
    await waitFor(() => expect(lastOf('tickets').get('asset_model')).toBe('HT-2845-V'))
    expect(tid('drill-tag-asset_model')?.textContent).toContain('HT-2845-V')
    await router.push('/reports/maintenance')
    await waitFor(() => expect(tids('rpt-cell-devices').length).toBe(2))
    tids('rpt-cell-devices')[1]!.click()
    await waitFor(() => expect(router.currentRoute.value.name).toBe('assets'))
    expect(router.currentRoute.value.query).toMatchObject({ model: 'YY-CRS-9', in_use: 'true', installed_by: '2026-11' })
    await waitFor(() => expect(lastOf('assets').get('installed_by')).toBe('2026-11'))
    expect(lastOf('assets').get('in_use')).toBe('true')
    expect(tid('drill-tag-installed_by')).not.toBeNull()
  })
})
