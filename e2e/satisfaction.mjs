// Journey 3 of SCENARIOS.md (month end): the branch manager opens 满意度分析 and sees the
// 12-month trend, the ranking by Wilson lower bound with n (a teller with 3 ratings listed but
// not ranked), switches to 环比 and reads the significance sentence; then registers a hardware
// evaluator and sees its token once.
//
// Setup: when the demo data hold no ranking with both a ranked and an unranked staff member (or
// nothing in the 12 months before, for 环比 to compare with),
// ratings are made through the API the way the staff screen records them (start and end a
// session, rate it), back-dated over the last two years: 40 by the teller at counter W1 (ranked),
// 30 more in the year before (for 环比), and 3 by the outlet head at W2 (too few to rank).
import { Journey, assert, DEMO_PASSWORD, ADMIN_PASSWORD, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`
const MANAGER = 'bj.admin' // 分行管理员 of 北京分行: analytics.read and rating.admin

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
  const call = async (method, path, body, headers = {}) => {
    const r = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b ?? {}), put: (p, b) => call('PUT', p, b ?? {}) }
}

// newTeller makes a teller at the outlet who has served nobody yet (the demo's
// history rates every demo teller), so three ratings leave her unranked.
async function newTeller(base) {
  const admin = await api(base, 'admin', ADMIN_PASSWORD)
  const outlet = (await admin.get('/orgs?q=HXB-BJ-HD-01')).items.find((o) => o.code === 'HXB-BJ-HD-01')
  const role = (await admin.get('/roles?page_size=500')).items.find((r) => r.name === '网点用户')
  assert(outlet && role, 'the demo outlet and the teller role exist')
  const login = `e2e.teller${Date.now() % 100000}`
  const first = 'Temp@2026-e2e'
  const u = await admin.post('/users', { login, name: '新柜员', org_id: outlet.id, password: first })
  await admin.put(`/users/${u.id}/roles`, { role_ids: [role.id] })
  const fresh = await api(base, login, first)
  await fresh.post('/auth/password', { current_password: first, new_password: DEMO_PASSWORD })
  return api(base, login)
}

function shanghaiToday() {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

function last12(today) {
  const idx = Number(today.slice(0, 4)) * 12 + Number(today.slice(5, 7)) - 1 - 11
  return { from: `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}-01`, to: today }
}

// serveAndRate records one customer served at a counter and rated, at a past time, the way the
// staff screen does: start and end a session, then rate it.
async function serveAndRate(staff, counterId, at, level, seq) {
  const iso = (t) => new Date(t).toISOString()
  const ss = await staff.post('/service-sessions', { counter_id: counterId, started_at: iso(at), client_id: `e2e-s-${seq}` })
  await staff.post(`/service-sessions/${ss.id}/end`, { ended_at: iso(at + 4 * 60_000) })
  await staff.post('/ratings', { session_id: ss.id, level, rated_at: iso(at + 4 * 60_000 + 5_000), client_id: `e2e-r-${seq}` })
}

export async function seedRatings(base) {
  const c = await api(base, MANAGER)
  const { from, to } = last12(shanghaiToday())
  const ranking = await c.get(`/analytics/rankings?by=staff&from=${from}&to=${to}`)
  const ranked = ranking.items.some((i) => i.rank != null)
  const unranked = ranking.items.some((i) => i.rank == null && i.n > 0)
  const mom = await c.get(`/analytics/satisfaction?from=${from}&to=${to}&group_by=month&compare=mom`)
  const c2 = c
  const w2 = (await c2.get('/counters?q=HXB-BJ-HD-01-W2')).items[0]
  assert(w2, 'the demo outlet has counter W2')
  const day = 24 * 3600_000
  const now = Date.now() - 2 * 3600_000
  let seq = 0
  // a teller with 3 ratings at W2: listed, not ranked
  const fresh = await newTeller(base)
  await fresh.post(`/counters/${w2.id}/sign-in`)
  for (let i = 0; i < 3; i++) await serveAndRate(fresh, w2.id, now - (i + 1) * day, 4, 1000 + seq++)
  if (ranked && unranked && mom.compare?.totals?.n > 0) return 'demo data'

  // q matches a counter code exactly
  const w1 = (await c.get('/counters?q=HXB-BJ-HD-01-W1')).items[0]
  assert(w1, 'the demo outlet has counter W1')
  const teller = await api(base, 'bjhd01.teller')
  await teller.post(`/counters/${w1.id}/sign-in`)
  // the last 12 months: 40 ratings at W1, mostly 非常满意 / 满意
  for (let i = 0; i < 40; i++) {
    const level = i % 10 === 0 ? 2 : i % 3 === 0 ? 3 : 4
    await serveAndRate(teller, w1.id, now - (i % 12) * 30 * day - i * 3600_000, level, seq++)
  }
  // the 12 months before: fewer satisfied customers, so 环比 has something to test
  for (let i = 0; i < 30; i++) {
    const level = i % 3 === 0 ? 1 : i % 2 === 0 ? 2 : 4
    await serveAndRate(teller, w1.id, now - (380 + (i % 11) * 30) * day, level, seq++)
  }
  return 'seeded through the API'
}

export async function monthEnd(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('satisfaction', page)
  let source = ''

  await j.step('ratings to report on (demo data, or made through the staff screen API)', async () => {
    source = await seedRatings(base)
    console.log(`    (${source})`)
  })

  await j.step('the branch manager opens 满意度分析: 12-month trend and KPIs', async (p) => {
    await login(p, base, MANAGER)
    await p.click($('menu-satisfaction'))
    await p.waitForSelector(`${$('sat-trend-chart')} canvas`)
    await p.waitForSelector(`${$('sat-distribution-chart')} canvas`)
    await p.waitForFunction((sel) => /^\d{1,3}\.\d%$/.test(document.querySelector(sel)?.textContent?.trim() ?? ''), $('sat-kpi-rate-value'))
    const n = Number((await p.textContent($('sat-kpi-n-value'))).replace(/,/g, ''))
    assert(n > 0, `rated n on the KPI card: ${n}`)
    assert((await p.textContent($('sat-kpi-interval'))).includes('%'), 'Wilson interval shown')
    assert((await p.getAttribute($('sat-compare-yoy'), 'class')).includes('is-active'), '同比 is on by default')
    await j.shot('satisfaction')
  })

  await j.step('the ranking shows n, and a teller with 3 ratings listed as 样本不足, not ranked', async (p) => {
    const rows = p.locator(`${$('sat-ranking-table')} .el-table__row`)
    await rows.first().waitFor()
    const ns = await p.locator($('sat-ranking-n')).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-n'))))
    assert(ns.length >= 2 && ns.every((x) => x > 0), `n on every row: ${ns}`)
    const ranks = await p.locator($('sat-ranking-rank')).evaluateAll((els) => els.map((e) => e.getAttribute('data-rank')))
    assert(ranks[0] === '1', `the first ranked row is 1: ${ranks}`)
    const unranked = rows.filter({ has: p.locator($('sat-ranking-insufficient')) })
    assert((await unranked.count()) >= 1, 'an unranked row')
    const text = await unranked.first().textContent()
    assert(/样本不足 \(n < \d+\)/.test(text), `unranked row says 样本不足 (n < min): ${text}`)
    const small = Number(await unranked.first().locator($('sat-ranking-n')).getAttribute('data-n'))
    assert(small > 0 && small < 30, `the unranked row has few ratings: ${small}`)
  })

  await j.step('switches to 环比 and reads the significance of the change', async (p) => {
    await p.click($('sat-compare-mom'))
    // the detail line names the mode of the comparison the page shows
    await p.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '').trim().startsWith('环比'), $('sat-compare-detail'))
    await p.waitForFunction((sel) => /个百分点/.test(document.querySelector(sel)?.textContent ?? ''), $('sat-compare-sentence'))
    const sentence = (await p.textContent($('sat-compare-sentence'))).trim()
    assert(/^(提升|下降).*个百分点，差异(不)?显著 \(p [=<] [\d.]+\)$/.test(sentence), `significance sentence: ${sentence}`)
    const badge = (await p.textContent($('sat-compare-badge'))).trim()
    const significant = await p.getAttribute($('sat-compare-badge'), 'data-significant')
    assert((significant === 'true' && badge === '显著') || (significant === 'false' && badge === '不显著'), `badge ${badge} (${significant})`)
    assert(sentence.includes(significant === 'true' ? '差异显著' : '差异不显著'), 'badge and sentence agree')
    assert((await p.getAttribute($('sat-export'), 'href')).includes('compare=mom'), 'the export follows the filters')
    await j.shot('compare-mom')
  })

  await j.step('the admin registers a hardware evaluator and sees its token once', async (p) => {
    await p.click($('menu-rating-admin'))
    await p.click($('rating-admin-tab-devices'))
    await p.waitForSelector($('rating-device-table'))
    await p.click($('rating-device-create'))
    await p.waitForSelector($('rating-device-dialog'))
    await p.click($('rating-device-form-counter'))
    await p.locator(`${$('rating-device-form-counter')} input`).fill('HXB-BJ-HD-01-W3')
    await p.click($('rating-device-form-counter-option-HXB-BJ-HD-01-W3'))
    await p.fill($('rating-device-form-name'), '3号窗口评价器')
    await p.click($('rating-device-form-submit'))
    await p.waitForSelector($('secret-dialog'))
    const token = await p.inputValue($('secret-value'))
    assert(/^ld_\S{16,}$/.test(token), `a device token is shown (${token.slice(0, 6)}…)`)
    await j.shot('evaluator-token')
    await p.click($('secret-close'))
    const row = p.locator(`${$('rating-device-table')} .el-table__row`, { hasText: '3号窗口评价器' })
    await row.waitFor()
    assert((await row.locator($('rating-device-status')).getAttribute('data-status')) === 'offline', 'not heard from yet: 离线')
    const html = await p.content()
    assert(!html.includes(token), 'the token is not shown again')
  })

  await page.close()
  return j.passed
}
