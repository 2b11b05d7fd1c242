// Journey 3 of SCENARIOS.md, the vendor's half (month end): the vendor's manager (adwb.manager)
// opens 服务时长 and 人力分析 and sees rows for the vendor's own stations only, lowers the overload
// threshold and sees who is overloaded; 异常服务 lists an ATM repaired three times this month and
// opens the device; the executive dashboard drills into 异常服务; 维护情况's 报修次数 and 机具台数
// open ticket and device lists with exactly as many; every report page's export links (the
// report, its second table, 任务明细) return an .xlsx, fetched in the page, and each page is
// kept as a screenshot in e2e/artifacts.
//
// Setup: when this month's data hold no ATM with three repairs in the manager's scope, an agent
// reports three repairs of one of the vendor's ATMs through the API (POST /tickets, back-dated
// within this month).
import { mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Journey, assert, artifacts, DEMO_PASSWORD, ADMIN_PASSWORD, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`
const MANAGER = 'adwb.manager' // 服务商用户 of 安达维保: its stations' tickets and devices, analytics.read
const AGENT = 'agent01' // 客服坐席: reports repairs
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const REPAIRS = 3

// api signs in through the JSON API and returns a small client (cookie + CSRF token).
async function api(base, user, password = DEMO_PASSWORD) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: user, password }),
  })
  assert(res.ok, `API login of ${user}: ${res.status}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]
  const { csrf_token: csrf } = await res.json()
  const call = async (method, path, body) => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}) }
}

function shanghaiToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

/** The first day of this month and today (Asia/Shanghai): the reports' default period. */
function thisMonth() {
  const today = shanghaiToday()
  return { from: `${today.slice(0, 8)}01`, to: today }
}

/** The last 30 days (the period the load checks use, so the 1st of a month has data too). */
function last30() {
  const today = shanghaiToday()
  const t = Date.parse(`${today}T00:00:00Z`)
  return { from: new Date(t - 29 * 86_400_000).toISOString().slice(0, 10), to: today }
}

// seedRepeatedRepairs makes sure an ATM of the vendor has REPAIRS repair tickets this month and
// answers its device id and code.
export async function seedRepeatedRepairs(base) {
  const manager = await api(base, MANAGER)
  const { from, to } = thisMonth()
  const report = await manager.get(`/analytics/abnormal?from=${from}&to=${to}&min_repairs=${REPAIRS}&type=ATM&page_size=50`)
  const hit = report.items.find((i) => i.type === 'ATM' && i.repairs >= REPAIRS)
  if (hit) return { id: hit.asset_id, code: hit.asset_code, source: 'demo data' }

  const atms = await manager.get('/assets?type=ATM&page_size=1')
  const atm = atms.items[0]
  assert(atm, 'the vendor services an ATM')
  const agent = await api(base, AGENT)
  // reported within this month, a few hours apart, the latest one an hour ago
  const now = Date.now() - 3600_000
  const monthStart = Date.parse(`${from}T00:00:00+08:00`)
  for (let i = 0; i < REPAIRS; i++) {
    const at = Math.max(monthStart + (i + 1) * 60_000, now - i * 3 * 3600_000)
    await agent.post('/tickets', {
      type: 'repair',
      title: `吞卡（第 ${i + 1} 次）`,
      description: '端到端测试：同一台 ATM 本月多次报修',
      priority: 'high',
      asset_id: atm.id,
      channel: 'phone',
      reported_at: new Date(at).toISOString(),
    })
  }
  return { id: atm.id, code: atm.code, source: 'seeded through the API' }
}

// seedVendorRating makes sure a repair the vendor resolved carries a client's rating of its
// service (the demo rates counters, not tickets): the administrator rates one through the API.
export async function seedVendorRating(base) {
  const manager = await api(base, MANAGER)
  const done = await manager.get('/tickets?status=resolved&type=repair&page_size=20')
  const closed = done.items.length ? done : await manager.get('/tickets?status=closed&type=repair&page_size=20')
  assert(closed.items.length > 0, 'the vendor has resolved repairs')
  const admin = await api(base, 'admin', ADMIN_PASSWORD)
  for (const t of closed.items) {
    try {
      await admin.post('/ratings', { ticket_id: t.id, level: 1, comment: '端到端测试：服务商评价' })
      return t.number
    } catch (err) {
      if (!String(err).includes('409')) throw err // rated before (a rerun): try the next
    }
  }
  return closed.items[0].number
}

/** Fetches each link in the page (the user's session) and checks it is an .xlsx file. */
async function checkDownloads(p, ids) {
  const out = []
  for (const id of ids) {
    const href = await p.getAttribute($(id), 'href')
    assert(href && href.includes('/api/v1/analytics/'), `${id} links to a report download: ${href}`)
    const r = await p.evaluate(async (url) => {
      const res = await fetch(url, { credentials: 'same-origin' })
      const buf = new Uint8Array(await res.arrayBuffer())
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        disposition: res.headers.get('content-disposition'),
        size: buf.length,
        zip: buf[0] === 0x50 && buf[1] === 0x4b,
      }
    }, href)
    assert(r.status === 200, `${id}: status ${r.status}`)
    assert((r.type ?? '').startsWith(XLSX), `${id}: content type ${r.type}`)
    assert(r.zip && r.size > 100, `${id}: an .xlsx (zip) of ${r.size} bytes`)
    assert(/attachment/.test(r.disposition ?? ''), `${id}: downloaded as an attachment (${r.disposition})`)
    out.push(href)
  }
  return out
}

/** Texts of the cells of one column (data-test) of a table. */
async function cells(p, table, cell) {
  return p.locator(`${$(table)} ${$(cell)}`).allTextContents().then((a) => a.map((s) => s.trim()))
}

export async function vendorReports(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 1000 } })
  const j = new Journey('reports', page)
  let atm = null
  let stations = []

  await j.step('an ATM repaired three times this month (demo data, or reported through the API)', async () => {
    atm = await seedRepeatedRepairs(base)
    console.log(`    (${atm.source}: ${atm.code})`)
    // the vendor's own stations, from its visible org tree
    const tree = await (await api(base, MANAGER)).get('/orgs?format=tree')
    const walk = (nodes) => nodes.flatMap((o) => [...(o.kind === 'station' ? [o.name] : []), ...walk(o.children ?? [])])
    stations = walk(tree.items)
    assert(stations.length >= 2, `the vendor has stations: ${stations}`)
  })

  await j.step('the vendor manager opens 服务时长 from 统计分析 and groups by station: its own stations only', async (p) => {
    await login(p, base, MANAGER)
    await p.click($('menu-report-service-time'))
    await p.waitForSelector($('rpt-page-service-time'))
    await p.locator(`${$('rpt-table')} .el-table__row`).first().waitFor()
    assert((await p.textContent($('rpt-overload-note'))).includes('超负荷'), 'the page says what overload means')
    // group by 服务站点 as well: pick it in the groupings
    await p.click($('rpt-filter-group-by'))
    await p.click($('rpt-group-station'))
    await p.keyboard.press('Escape')
    await p.waitForFunction((sel) => document.querySelectorAll(sel).length > 0, `${$('rpt-table')} ${$('rpt-drill-station')}`)
    const shown = await cells(p, 'rpt-table', 'rpt-drill-station')
    assert(shown.length >= 1 && shown.every((s) => stations.includes(s)), `service-time rows are own stations: ${shown}`)
    const vendors = await cells(p, 'rpt-table', 'rpt-drill-vendor')
    assert(vendors.every((v) => v === '安达维保'), `one vendor only: ${vendors}`)
    const url = new URL(p.url())
    assert(url.searchParams.get('group_by') === 'vendor,station', `the address keeps the groupings: ${p.url()}`)
    const href = await p.getAttribute($('rpt-export'), 'href')
    assert(href.includes('group_by=vendor%2Cstation') && href.includes('format=xlsx'), `the export carries the groupings: ${href}`)
    await checkDownloads(p, ['rpt-export', 'rpt-export-tickets'])
    await j.shot('service-time')
  })

  await j.step('人力分析 shows the load per own station and per engineer; a lower threshold shows who is overloaded', async (p) => {
    await p.click($('menu-report-manpower'))
    await p.waitForSelector($('rpt-page-manpower'))
    await p.locator(`${$('rpt-table')} .el-table__row`).first().waitFor()
    const shown = await cells(p, 'rpt-table', 'rpt-drill-station')
    assert(shown.length >= 1 && shown.every((s) => stations.includes(s)), `manpower rows are own stations: ${shown}`)
    await p.locator(`${$('rpt-engineer-table')} .el-table__row`).first().waitFor()
    const engineerStations = await cells(p, 'rpt-engineer-table', 'rpt-drill-station')
    assert(engineerStations.every((s) => stations.includes(s)), `engineers belong to own stations: ${engineerStations}`)
    assert((await cells(p, 'rpt-engineer-table', 'rpt-cell-engineer')).length === engineerStations.length, 'one engineer per row')

    // the last 30 days with a half-hour threshold: somebody worked longer than that on a day
    const { from, to } = last30()
    await p.goto(`${base}/reports/manpower?from=${from}&to=${to}`)
    await p.locator(`${$('rpt-table')} .el-table__row`).first().waitFor()
    const input = p.locator(`${$('rpt-overload-hours')} input`)
    await input.fill('0.5')
    await input.press('Enter')
    await p.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').includes('0.5 小时'), $('rpt-overload-note'))
    await p.waitForFunction(() => new URL(location.href).searchParams.get('overload_hours') === '0.5')
    await p.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent?.replace(/,/g, '')) > 0, $('rpt-kpi-overloaded_engineers-value'))
    await p.locator(`${$('rpt-table')} ${$('rpt-flag')}`).first().waitFor()
    assert((await p.getAttribute($('rpt-export'), 'href')).includes('overload_hours=0.5'), 'the export carries the threshold')
    await j.shot('manpower')
  })

  await j.step(`异常服务 lists the ATM repaired ${REPAIRS} times this month and opens its device page`, async (p) => {
    await p.click($('menu-report-abnormal'))
    await p.waitForSelector($('rpt-page-abnormal'))
    const input = p.locator(`${$('rpt-threshold-repairs')} input`)
    await input.fill(String(REPAIRS))
    await input.press('Enter')
    await p.waitForFunction((n) => new URL(location.href).searchParams.get('min_repairs') === n, String(REPAIRS))
    const assetLink = `${$('rpt-asset-link')}[data-asset-id="${atm.id}"]`
    const link = p.locator(`${$('rpt-table')} ${assetLink}`)
    await link.waitFor()
    const row = p.locator(`${$('rpt-table')} .el-table__row`, { has: p.locator(assetLink) })
    const repairs = Number((await row.locator($('rpt-cell-repairs')).textContent()).trim())
    assert(repairs >= REPAIRS, `${atm.code} repaired ${repairs} times`)
    assert((await row.locator($('rpt-reason-repairs')).count()) === 1, 'listed for its repeated repairs')
    assert((await p.textContent($('rpt-abnormal-rule'))).includes(`返修次数 ≥ ${REPAIRS}`), 'the rule names the threshold')
    assert((await p.getAttribute($('rpt-export'), 'href')).includes(`min_repairs=${REPAIRS}`), 'the export carries the threshold')
    await j.shot('abnormal')
    await link.click()
    await p.waitForURL(`**/assets/${atm.id}`)
    await p.waitForFunction((code) => document.body.textContent.includes(code), atm.code)
  })

  await j.step('the executive dashboard shows the vendor tiles and drills into 异常服务 with its period', async (p) => {
    await p.click($('menu-dashboard'))
    await p.waitForSelector($('dash-page'))
    await p.waitForFunction((sel) => /^\d[\d,]*$/.test(document.querySelector(sel)?.textContent?.trim() ?? ''), $('dash-kpi-devices-value'))
    assert(Number((await p.textContent($('dash-kpi-devices-value'))).replace(/,/g, '')) > 0, 'devices counted')
    await p.locator($('dash-device-link')).first().waitFor()
    await p.waitForSelector(`${$('dash-faults-chart')} canvas`)
    await p.waitForSelector(`${$('dash-volume-chart')} canvas`) // the weekday × hour heat map
    await j.shot('dashboard')
    const period = await p.textContent($('dash-period'))
    await p.click($('dash-more-abnormal'))
    await p.waitForSelector($('rpt-page-abnormal'))
    const url = new URL(p.url())
    assert(url.searchParams.get('from') && period.includes(url.searchParams.get('from')), `the drill keeps the period: ${p.url()}`)
  })

  await j.step('in the 异常服务 the dashboard opened, a higher threshold narrows the list and the export downloads', async (p) => {
    const input = p.locator(`${$('rpt-threshold-repairs')} input`)
    await input.fill(String(REPAIRS))
    await input.press('Enter')
    await p.waitForFunction((n) => new URL(location.href).searchParams.get('min_repairs') === n, String(REPAIRS))
    await p.locator(`${$('rpt-table')} ${$('rpt-asset-link')}[data-asset-id="${atm.id}"]`).waitFor()
    const repairs = (await cells(p, 'rpt-table', 'rpt-cell-repairs')).map(Number)
    assert(repairs.length > 0 && repairs.every((n) => n >= REPAIRS), `every device listed was repaired at least ${REPAIRS} times: ${repairs}`)
    assert((await p.getAttribute($('rpt-export'), 'href')).includes(`min_repairs=${REPAIRS}`), 'the export carries the new threshold')
    const [download] = await Promise.all([p.waitForEvent('download'), p.click($('rpt-export'))])
    const name = download.suggestedFilename()
    assert(name.endsWith('.xlsx'), `an .xlsx is downloaded: ${name}`)
    mkdirSync(artifacts, { recursive: true })
    const file = join(artifacts, 'reports-abnormal-download.xlsx')
    await download.saveAs(file)
    const size = statSync(file).size
    assert(size > 100, `the download has ${size} bytes`)
    await j.shot('abnormal-from-dashboard')
    // 返修次数 opens that device's repair tickets of the period: as many as the cell says
    const back = p.url()
    const cell = p.locator(`${$('rpt-table')} a${$('rpt-cell-repairs')}`).first()
    const repaired = Number((await cell.textContent()).replace(/,/g, ''))
    await cell.click()
    await p.waitForURL(/\/tickets\?/)
    await p.waitForFunction(([sel, n]) => document.querySelector(sel)?.getAttribute('data-total') === n, [$('ticket-total'), String(repaired)], { timeout: 15000 }).catch(() => {})
    const listed = await p.getAttribute($('ticket-total'), 'data-total')
    assert(Number(listed) === repaired, `返修次数 ${repaired}, ticket list ${listed} (${p.url()})`)
    await p.goto(back)
    await p.waitForSelector($('rpt-page-abnormal'))
  })

  await j.step('满意度调查: a client\'s rating of the vendor\'s repair is counted; its number opens the ratings behind it', async (p) => {
    const number = await seedVendorRating(base)
    await p.click($('menu-report-survey'))
    await p.waitForSelector($('rpt-page-survey'))
    await p.locator(`${$('rpt-table')} .el-table__row`).first().waitFor()
    const vendors = await cells(p, 'rpt-table', 'rpt-drill-vendor')
    assert(vendors.length > 0 && vendors.every((v) => v === '安达维保'), `the vendor's own ratings only: ${vendors}`)
    assert(Number((await p.textContent($('rpt-kpi-n-value'))).replace(/,/g, '')) > 0, 'ratings counted')
    await p.waitForSelector(`${$('rpt-chart')} canvas`)
    await p.locator(`${$('rpt-table')} a${$('rpt-cell-n')}, ${$('rpt-table')} ${$('rpt-cell-n')}.el-link`).first().click()
    await p.locator(`${$('rpt-ratings-table')} .el-table__row`).first().waitFor()
    const tickets = await p.locator(`${$('rpt-ratings-table')} ${$('rpt-rating-ticket')}`).allTextContents()
    assert(tickets.length > 0, `the ratings behind the number: ${tickets} (seeded ${number})`)
    await j.shot('survey')
    await p.keyboard.press('Escape')
  })

  await j.step('维护情况 (after 运行情况 in the menu): its numbers open exactly the tickets and the devices behind them', async (p) => {
    const menu = await p.locator(`${$('side-menu')} [data-test^="menu-report-"]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-test')))
    assert(menu.indexOf('menu-report-maintenance') === menu.indexOf('menu-report-operation') + 1, `维护情况 follows 运行情况: ${menu}`)
    await p.click($('menu-report-maintenance'))
    await p.waitForSelector($('rpt-page-maintenance'))
    await p.locator(`${$('rpt-table')} .el-table__row`).first().waitFor()
    await p.waitForSelector(`${$('rpt-chart')} canvas`)
    const footer = await p.textContent(`${$('rpt-table')} .el-table__footer`)
    assert(footer.includes('合计'), `the table has 合计: ${footer}`)
    const link = (key) => p.locator(`${$('rpt-table')} a${$(`rpt-cell-${key}`)}, ${$('rpt-table')} ${$(`rpt-cell-${key}`)}.el-link`).first()
    // 报修次数 of a row → the ticket list with the same filters counts as many
    const reported = Number((await link('reported').textContent()).replace(/,/g, ''))
    const back = p.url()
    await link('reported').click()
    await p.waitForURL(/\/tickets\?/)
    await p.waitForFunction(([sel, n]) => document.querySelector(sel)?.getAttribute('data-total') === n, [$('ticket-total'), String(reported)], { timeout: 15000 }).catch(() => {})
    const listed = await p.getAttribute($('ticket-total'), 'data-total')
    assert(Number(listed) === reported, `报修次数 ${reported}, ticket list ${listed} (${p.url()})`)
    await p.waitForSelector($('drill-tags'))
    await j.shot('maintenance-tickets')
    // 机具台数 of a row → the device list counts as many
    await p.goto(back)
    await p.locator(`${$('rpt-table')} .el-table__row`).first().waitFor()
    const devices = Number((await link('devices').textContent()).replace(/,/g, ''))
    await link('devices').click()
    await p.waitForURL(/\/assets\?/)
    const total = () => p.textContent(`${$('asset-pagination')} .el-pagination__total`).then((s) => Number((s ?? '').replace(/[^\d]/g, '')))
    await p.waitForFunction(([sel, n]) => (document.querySelector(sel)?.textContent ?? '').replace(/[^\d]/g, '') === n, [`${$('asset-pagination')} .el-pagination__total`, String(devices)], { timeout: 15000 }).catch(() => {})
    assert((await total()) === devices, `机具台数 ${devices}, device list ${await total()} (${p.url()})`)
    assert(new URL(p.url()).searchParams.get('in_use') === 'true', `the devices running in the month: ${p.url()}`)
    console.log(`    (报修次数 ${reported} = ${listed} tickets, 机具台数 ${devices} = ${await total()} devices)`)
    await j.shot('maintenance-devices')
  })

  await j.step('every report page exports its tables and 任务明细 as .xlsx', async (p) => {
    const pages = [
      ['menu-report-operation', 'operation', ['rpt-export', 'rpt-export-tickets']],
      ['menu-report-maintenance', 'maintenance', ['rpt-export', 'rpt-export-tickets']],
      ['menu-report-service-time', 'service-time', ['rpt-export', 'rpt-table-export']],
      ['menu-report-manpower', 'manpower', ['rpt-export', 'rpt-engineer-table-export']],
      ['menu-report-abnormal', 'abnormal', ['rpt-export', 'rpt-export-tickets']],
      ['menu-report-faults', 'faults', ['rpt-export', 'rpt-causes-export']],
      ['menu-report-complaints', 'complaints', ['rpt-export']],
      ['menu-report-survey', 'survey', ['rpt-export']],
      ['menu-report-sla', 'sla', ['rpt-export']],
      ['menu-report-devices', 'devices', ['rpt-export']],
    ]
    for (const [menu, kind, ids] of pages) {
      await p.click($(menu))
      await p.waitForSelector($(`rpt-page-${kind}`))
      await p.waitForSelector(`${$('rpt-chart')} canvas`, { state: 'attached' })
      await checkDownloads(p, ids)
      // a screenshot of every report page, kept with the CI artifacts
      await p.waitForLoadState('networkidle').catch(() => {})
      await j.shot(`page-${kind}`)
    }
  })

  await page.close()
  return j.passed
}
