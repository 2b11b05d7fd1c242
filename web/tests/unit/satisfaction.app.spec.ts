// Mounts the whole app against a fake ratings API: the satisfaction page (KPIs, comparison and
// its significance, ranking with an unranked row, drill-down and breadcrumb, export links) and
// the rating administration (register an evaluator: token shown once; pairing code).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

// happy-dom has no canvas: the chart component gets a fake instance that records its options
// (and the real ECharts modules are not loaded at all).
const charts = vi.hoisted(() => [] as { el: HTMLElement; options: unknown[]; disposed: boolean }[])
vi.mock('echarts/core', () => ({
  use: () => {},
  init: (el: HTMLElement) => {
    const c = { el, options: [] as unknown[], disposed: false }
    charts.push(c)
    return { setOption: (o: unknown) => c.options.push(o), resize: () => {}, dispose: () => (c.disposed = true) }
  },
}))
vi.mock('echarts/charts', () => ({ LineChart: {}, BarChart: {} }))
vi.mock('echarts/components', () => ({ GridComponent: {}, LegendComponent: {}, TooltipComponent: {} }))
vi.mock('echarts/renderers', () => ({ CanvasRenderer: {} }))

const user = {
  id: 3,
  login: 'bj.admin',
  name: '黄磊',
  org_id: 2,
  org_name: '北京分行',
  job_no: 'B0003',
  phone: '',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

interface FakeOrg {
  id: number
  name: string
  children: FakeOrg[]
}
const org = (id: number, parent_id: number | null, code: string, name: string, kind: string, children: FakeOrg[] = []) => ({
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
const tree: FakeOrg[] = [org(2, null, 'HXB-BJ', '北京分行', 'client', [org(5, 2, 'HXB-BJ-ZGC', '中关村支行', 'client', [org(9, 5, 'HXB-BJ-ZGC-01', '中关村网点', 'outlet')])])]

const figures = (n: number, rate: number) => ({
  n,
  levels: { '1': 1, '2': 1, '3': Math.round(n * 0.3), '4': n - 2 - Math.round(n * 0.3) },
  satisfied: Math.round(n * rate),
  rate,
  wilson_lower: rate - 0.02,
  wilson_upper: Math.min(1, rate + 0.015),
  sessions: n + 100,
  participation: n / (n + 100),
  avg_handle_seconds: 312,
  avg_wait_seconds: 95,
})

function monthly(q: URLSearchParams) {
  const compare = q.get('compare')
  const from = q.get('from')!
  const to = q.get('to')!
  const [fy, fm] = from.split('-').map(Number) as [number, number]
  const six = fy * 12 + fm - 1 + 5
  const sixth = `${Math.floor(six / 12)}-${String((six % 12) + 1).padStart(2, '0')}`
  const report: Record<string, unknown> = {
    from,
    to,
    group_by: 'month',
    totals: figures(1200, 0.95),
    items: [
      { key: from.slice(0, 7), label: from.slice(0, 7), ...figures(100, 0.93) },
      { key: to.slice(0, 7), label: to.slice(0, 7), ...figures(120, 0.96) },
      // sessions but no ratings: the server answers rate 0, the chart leaves a gap
      { key: sixth, label: sixth, n: 0, levels: {}, satisfied: 0, rate: 0, wilson_lower: 0, wilson_upper: 0, sessions: 40, participation: 0, avg_handle_seconds: 300, avg_wait_seconds: null },
    ],
  }
  if (compare) {
    report.compare = {
      from: compare === 'yoy' ? '2024-12-01' : '2023-12-01',
      to: compare === 'yoy' ? '2025-11-22' : '2024-11-30',
      totals: figures(1000, 0.929),
      items: [],
      test:
        compare === 'yoy'
          ? { diff_pp: 2.1, z: 1.01, p: 0.31, significant: false, sentence: '提升 2.1 个百分点，差异不显著 (p = 0.31)' }
          : { diff_pp: 4.4, z: 3.2, p: 0.001, significant: true, sentence: '提升 4.4 个百分点，差异显著 (p = 0.001)' },
    }
  }
  return report
}

function byOrg(q: URLSearchParams) {
  const parent = Number(q.get('org_id') ?? 0)
  const bj = tree[0]!
  const zgc = bj.children[0]!
  const children = parent === 0 ? [bj] : parent === 2 ? [zgc] : parent === 5 ? [zgc.children[0]!] : []
  return {
    from: q.get('from'),
    to: q.get('to'),
    group_by: 'org',
    totals: figures(1200, 0.95),
    items: children.map((o) => ({ key: String(o.id), label: o.name, org_id: o.id, ...figures(300, 0.94) })),
  }
}

const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body })
  const [path, qs] = url.split('?')
  const q = new URLSearchParams(qs ?? '')
  switch (`${method} ${path}`) {
    case 'GET /api/v1/auth/me':
      return reply(200, { user, permissions: ['analytics.read', 'rating.admin', 'org.read'], scope: { mode: 'subtree', org_ids: [2] }, csrf_token: 'csrf-3' })
    case 'GET /api/v1/orgs':
      return reply(200, { items: tree })
    case 'GET /api/v1/business-types':
      return reply(200, { items: [{ id: 1, code: 'cash', name: '现金业务', active: true }] })
    case 'GET /api/v1/rating-settings':
      return reply(200, {
        org_id: null,
        inherited: true,
        scale: 4,
        satisfied_min: 3,
        followup_max: 2,
        timeout_seconds: 30,
        qr_cooldown_minutes: 30,
        min_ranked_n: 30,
        reasons: ['等待时间长'],
        welcome: '欢迎光临',
        levels: [
          { level: 4, label: '非常满意', label_en: 'Very satisfied' },
          { level: 3, label: '满意', label_en: 'Satisfied' },
          { level: 2, label: '一般', label_en: 'Neutral' },
          { level: 1, label: '不满意', label_en: 'Dissatisfied' },
        ],
      })
    case 'GET /api/v1/analytics/satisfaction':
      return reply(200, q.get('group_by') === 'org' ? byOrg(q) : monthly(q))
    case 'GET /api/v1/analytics/rankings':
      return reply(200, {
        min_n: 30,
        items: [
          { staff_id: 11, name: '李娜', n: 180, satisfied: 176, rate: 0.978, wilson_lower: 0.944, rank: 1 },
          { staff_id: 12, name: '王芳', n: 150, satisfied: 141, rate: 0.94, wilson_lower: 0.89, rank: 2 },
          { staff_id: 13, name: '新员工', n: 3, satisfied: 3, rate: 1, wilson_lower: 0.438, rank: null },
        ],
      })
    case 'GET /api/v1/counters':
      return reply(200, {
        items: [
          {
            id: 21,
            org_id: 9,
            org_name: '中关村网点',
            code: 'ZGC-03',
            name: '3 号窗口',
            business_type_id: 1,
            business_type_name: '现金业务',
            staff_id: 11,
            staff_name: '李娜',
            signed_in_at: '2026-11-22T01:00:00Z',
            active: true,
          },
        ],
        total: 1,
      })
    case 'POST /api/v1/counters/21/pairing':
      return reply(201, { device_id: 6, code: '493817', expires_at: '2026-11-22T01:10:00Z', kiosk_url: '/kiosk/ZGC-03' })
    case 'GET /api/v1/rating-devices':
      return reply(200, {
        items: [
          { id: 4, counter_id: 21, counter_code: 'ZGC-03', counter_name: '3 号窗口', org_id: 9, kind: 'kiosk', name: '', paired: true, last_seen_at: '2026-11-22T01:00:00Z', online: true, revoked: false },
          { id: 6, counter_id: 21, counter_code: 'ZGC-03', counter_name: '3 号窗口', org_id: 9, kind: 'kiosk', name: '', paired: false, last_seen_at: null, online: false, revoked: false },
        ],
        total: 2,
      })
    case 'POST /api/v1/rating-devices':
      return reply(201, {
        id: 5,
        counter_id: body.counter_id,
        counter_code: 'ZGC-03',
        counter_name: '3 号窗口',
        org_id: 9,
        kind: 'evaluator',
        name: body.name,
        paired: true,
        last_seen_at: null,
        online: false,
        revoked: false,
        token: 'ld_secret_token_1',
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
const lastReport = (groupBy: string) =>
  new URLSearchParams(
    requests
      .filter((r) => r.url.startsWith('/api/v1/analytics/satisfaction') && r.url.includes(`group_by=${groupBy}`))
      .at(-1)
      ?.url.split('?')[1] ?? '',
  )

vi.stubGlobal('fetch', fakeFetch)

// Mounting the whole app compiles every page it opens: generous limits for a loaded machine.
describe('satisfaction and rating administration pages', { timeout: 60_000 }, () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/satisfaction')
    await settle()
  }, 60_000)

  afterAll(() => {
    app.unmount()
    expect(charts.every((c) => c.disposed)).toBe(true)
  })

  it('shows the rating group in the menu', () => {
    expect(tid('menu-rating-group')).not.toBeNull()
    expect(tid('menu-satisfaction')).not.toBeNull()
    expect(tid('menu-rating-admin')).not.toBeNull()
  })

  it('asks for the last 12 months by month with 同比 and shows the KPIs', async () => {
    await waitFor(() => expect(tid('sat-kpi-rate-value')?.textContent).toBe('95.0%'))
    const q = lastReport('month')
    expect(q.get('compare')).toBe('yoy')
    expect(q.get('from')).toMatch(/^\d{4}-\d{2}-01$/)
    expect(tid('sat-kpi-n-value')?.textContent).toBe('1,200')
    expect(tid('sat-kpi-interval')?.textContent).toContain('93.0% – 96.5%')
    expect(tid('sat-kpi-participation')?.textContent).toContain('92.3%')
    expect(tid('sat-kpi-sessions')?.textContent).toContain('1,300')
    expect(tid('sat-kpi-handle')?.textContent).toContain('5 分 12 秒')
    expect(tid('sat-kpi-wait')?.textContent).toContain('1 分 35 秒')
    expect(tid('sat-trend-chart')).not.toBeNull()
    expect(tid('sat-distribution-chart')).not.toBeNull()
    const trend = charts.find((c) => c.el.getAttribute('data-test') === 'sat-trend-chart')
    const last = trend?.options.at(-1) as { series: { name: string; data: unknown[] }[]; xAxis: { data: string[] } }
    expect(last.xAxis.data).toHaveLength(12)
    expect(last.series[0]!.data[0]).toBe(93)
    expect(last.series[0]!.data[5]).toBeNull() // sessions without ratings: a gap, not 0 %
    expect(last.series[0]!.data[11]).toBe(96)
    expect(last.series.map((s) => s.name)).toEqual(['满意率', expect.stringContaining('同比')])
    const dist = charts.find((c) => c.el.getAttribute('data-test') === 'sat-distribution-chart')
    const bars = dist?.options.at(-1) as { series: { name: string }[] }
    expect(bars.series.map((s) => s.name)).toEqual(['不满意', '一般', '满意', '非常满意'])
    expect(tid('sat-empty')).toBeNull()
  })

  it('states the comparison with its significance', async () => {
    await waitFor(() => expect(tid('sat-compare-sentence')?.textContent).toBe('提升 2.1 个百分点，差异不显著 (p = 0.31)'))
    expect(tid('sat-compare-badge')?.textContent?.trim()).toBe('不显著')
    expect(tid('sat-compare-badge')?.getAttribute('data-significant')).toBe('false')
    expect(tid('sat-compare-detail')?.textContent).toContain('+2.1')
  })

  it('ranks by the Wilson lower bound and shows a small sample greyed, unranked', async () => {
    await waitFor(() => expect(tids('sat-ranking-name').map((e) => e.textContent)).toEqual(['李娜', '王芳', '新员工']))
    expect(tids('sat-ranking-rank').map((e) => e.textContent)).toEqual(['1', '2'])
    expect(tid('sat-ranking-insufficient')?.textContent?.trim()).toBe('样本不足 (n < 30)')
    expect(tids('sat-ranking-n').map((e) => e.getAttribute('data-n'))).toEqual(['180', '150', '3'])
    expect(tids('sat-ranking-lower')[0]?.textContent).toBe('94.4%')
    expect(tid('sat-ranking-export')?.getAttribute('href')).toContain('/api/v1/analytics/rankings?by=staff')
    expect(tid('sat-ranking-export')?.getAttribute('href')).toContain('format=xlsx')
  })

  it('switches the ranking to counters', async () => {
    tid('sat-ranking-by-counter')?.querySelector('input')?.click()
    await waitFor(() => expect(requests.some((r) => r.url.includes('/analytics/rankings?by=counter'))).toBe(true))
  })

  it('compares with the previous period (环比)', async () => {
    tid('sat-compare-mom')?.querySelector('input')?.click()
    await waitFor(() => expect(tid('sat-compare-sentence')?.textContent).toBe('提升 4.4 个百分点，差异显著 (p = 0.001)'))
    expect(lastReport('month').get('compare')).toBe('mom')
    expect(tid('sat-compare-badge')?.textContent?.trim()).toBe('显著')
    expect(tid('sat-export')?.getAttribute('href')).toContain('compare=mom')
  })

  it('drills down the org tree and back up by the breadcrumb', async () => {
    await waitFor(() => expect(tids('sat-org-drill').map((e) => e.textContent)).toEqual(['北京分行']))
    tid('sat-org-drill')?.click()
    await waitFor(() => expect(lastReport('org').get('org_id')).toBe('2'))
    expect(lastReport('month').get('org_id')).toBe('2')
    await waitFor(() => expect(tids('sat-org-drill').map((e) => e.textContent)).toEqual(['中关村支行']))
    expect(tid('sat-crumb-HXB-BJ')?.textContent).toBe('北京分行')
    tid('sat-org-drill')?.click()
    await waitFor(() => expect(tid('sat-crumb-HXB-BJ-ZGC')).not.toBeNull())
    // an outlet has no sub-orgs: listed, not a link
    await waitFor(() => expect(tid('sat-org-name')?.textContent).toBe('中关村网点'))
    expect(tid('sat-org-drill')).toBeNull()
    tid('sat-crumb-HXB-BJ')?.click()
    await waitFor(() => expect(lastReport('org').get('org_id')).toBe('2'))
    tid('sat-crumb-all')?.click()
    await waitFor(() => expect(lastReport('org').get('org_id')).toBeNull())
  })

  it('registers an evaluator and shows its token once', async () => {
    await router.push('/rating-admin?tab=devices')
    await waitFor(() => expect(tids('rating-device-status').map((e) => e.getAttribute('data-status'))).toEqual(['online', 'unpaired']))
    expect(tid('rating-device-table')?.textContent).toContain('评价平板')
    expect(tid('rating-device-table')?.textContent).toContain('中关村网点')
    tid('rating-device-create')?.click()
    await settle()
    expect(tid('rating-device-dialog')).not.toBeNull()
    // the counter picker: choose the only option
    await waitFor(() => expect(document.querySelector('[data-test="rating-device-form-counter-option-ZGC-03"]')).not.toBeNull())
    ;(document.querySelector('[data-test="rating-device-form-counter-option-ZGC-03"]') as HTMLElement).click()
    const name = tid('rating-device-form-name') as HTMLInputElement
    name.value = '3 号窗口评价器'
    name.dispatchEvent(new Event('input'))
    await settle()
    tid('rating-device-form-submit')?.click()
    await waitFor(() => expect((tid('secret-value') as HTMLInputElement | null)?.value).toBe('ld_secret_token_1'))
    const post = requests.filter((r) => r.method === 'POST' && r.url === '/api/v1/rating-devices').at(-1)
    expect(post?.body).toEqual({ counter_id: 21, name: '3 号窗口评价器' })
    expect(tid('secret-dialog')?.textContent).toContain('设备编号 5')
    tid('secret-close')?.click()
    await settle()
  })

  it('shows a counter with its signed-in staff and a pairing code', async () => {
    await router.push('/rating-admin?tab=counters')
    await waitFor(() => expect(tid('rating-counter-staff')?.textContent).toBe('李娜'))
    tid('rating-counter-pair')?.click()
    await waitFor(() => expect(tid('rating-pairing-code')?.textContent).toBe('493817'))
    expect(tid('rating-pairing-url')?.textContent).toContain('/kiosk/ZGC-03')
    expect(tid('rating-pairing-expires')?.textContent).toContain('2026-11-22 09:10:00')
  })
})
