// Journey 2 of SCENARIOS.md, "A day at counter 3": the administrator makes a pairing code, a
// tablet at the counter pairs as the kiosk; the teller signs in at the counter on /counter and
// presses 开始服务 / 结束服务; the kiosk asks (and says) "您好，请对我的服务进行评价" and the customer
// presses 非常满意, which shows in the teller's 我的评价. Then the network drops: a rating given
// on the offline kiosk waits as 待发送 1 and arrives exactly once when the network returns.
// Last, a customer rates the counter on a phone through its QR link (and is told to wait when
// rating again at once).
import { Journey, assert, ADMIN_PASSWORD, DEMO_PASSWORD, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`

const OUTLET = 'HXB-BJ-HD-01'
const COUNTER = `${OUTLET}-W3` // 3号窗口 (理财咨询)
const TELLER = 'bjhd01.teller'
const PROMPT = '您好，请对我的服务进行评价'

// An API client signed in as login (cookie + CSRF), in a browser context of its own.
async function apiAs(browser, base, login, password) {
  const ctx = await browser.newContext({ baseURL: base })
  const res = await ctx.request.post('/api/v1/auth/login', { data: { login, password } })
  assert(res.ok(), `${login} logs in through the API (${res.status()})`)
  const { csrf_token: csrf } = await res.json()
  async function call(method, path, body) {
    const r = await ctx.request.fetch(`/api/v1${path}`, {
      method,
      headers: method === 'GET' ? {} : { 'X-CSRF-Token': csrf },
      ...(body === undefined ? {} : { data: body }),
    })
    const text = await r.text()
    if (!r.ok()) throw new Error(`${method} ${path}: ${r.status()} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
  return { call, close: () => ctx.close() }
}

// Records what the page says through speechSynthesis (headless chromium may have none).
function recordSpeech() {
  window.__spoken = []
  const fake = { speak: (u) => window.__spoken.push(u.text), cancel: () => {}, getVoices: () => [] }
  Object.defineProperty(window, 'speechSynthesis', { value: fake, configurable: true })
  if (typeof window.SpeechSynthesisUtterance !== 'function') {
    window.SpeechSynthesisUtterance = class {
      constructor(text) {
        this.text = text
      }
    }
  }
}

const spoken = (page) => page.evaluate(() => window.__spoken ?? [])

export async function counterDay(browser, base) {
  const admin = await apiAs(browser, base, 'admin', ADMIN_PASSWORD)
  const teller = await apiAs(browser, base, TELLER, DEMO_PASSWORD)
  const [counter] = (await admin.call('GET', `/counters?q=${encodeURIComponent(COUNTER)}`)).items
  assert(counter && counter.code === COUNTER, `demo counter ${COUNTER} exists`)
  let passed = 0

  // --- the administrator makes a pairing code in 评价管理 ---
  const adminPage = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const a = new Journey('ratings-admin', adminPage)
  let pairingCode = ''
  await a.step('the administrator makes a pairing code for 3号窗口', async (p) => {
    await login(p, base, 'admin', ADMIN_PASSWORD)
    await p.goto(`${base}/rating-admin?tab=counters`)
    await p.fill($('rating-counter-filter-q'), COUNTER)
    await p.click($('rating-counter-search'))
    const row = p.locator(`${$('rating-counter-table')} .el-table__row`, { hasText: COUNTER })
    await row.waitFor()
    await row.locator($('rating-counter-pair')).click()
    await p.waitForFunction((sel) => /^\d{6}$/.test(document.querySelector(sel)?.textContent?.trim() ?? ''), $('rating-pairing-code'))
    pairingCode = (await p.textContent($('rating-pairing-code'))).trim()
    assert((await p.textContent($('rating-pairing-url'))).includes(`/kiosk/${COUNTER}`), 'the dialog names the kiosk address')
    await a.shot('pairing-code')
  })
  passed += a.passed
  await adminPage.close()

  // --- the kiosk: a 1280×800 tablet facing the customer ---
  const kioskCtx = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 800 }, hasTouch: true })
  await kioskCtx.addInitScript(recordSpeech)
  const kiosk = await kioskCtx.newPage()
  const k = new Journey('kiosk', kiosk)
  await k.step('the kiosk refuses a wrong code and pairs with the right one', async (p) => {
    await p.goto(`${base}/kiosk/${COUNTER}`)
    await p.waitForSelector($('kiosk-pairing'))
    await p.fill($('kiosk-pair-code'), pairingCode === '000000' ? '111111' : '000000')
    await p.click($('kiosk-pair-submit'))
    await p.waitForSelector($('kiosk-pair-error'))
    assert((await p.textContent($('kiosk-pair-error'))).includes('配对码无效'), 'a wrong code is explained')
    await p.fill($('kiosk-pair-code'), pairingCode)
    await p.click($('kiosk-pair-submit'))
    // the teller is signed in at 1号窗口, not here yet
    await p.waitForSelector($('kiosk-paused'))
    assert((await p.textContent($('kiosk-paused'))).includes('暂停服务'), 'nobody signed in: 暂停服务')
    const token = await p.evaluate((c) => localStorage.getItem(`lingting.kiosk.token.${c}`), COUNTER)
    assert(token && token.startsWith('ld_'), 'the device token is kept for the counter')
    await k.shot('paused')
  })

  // --- the teller's desk ---
  const desk = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const d = new Journey('counter-desk', desk)
  let tellerName = ''
  await d.step('the teller signs in at 3号窗口 and the kiosk shows her', async (p) => {
    await login(p, base, TELLER, DEMO_PASSWORD)
    tellerName = (await p.textContent($('user-menu-name'))).trim()
    await p.click($('menu-counter-desk'))
    await p.waitForSelector($('counter-page'))
    await p.click($('counter-select'))
    await p.click($(`counter-select-option-${COUNTER}`))
    await p.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('3号窗口'), $('counter-name'))
    await p.click($('counter-sign-in'))
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-mine') === 'true', $('counter-staff'))
    await kiosk.waitForFunction(
      ([sel, name]) => document.querySelector(sel)?.textContent === name,
      [$('kiosk-staff-name'), tellerName],
      { timeout: 10_000 },
    )
    const jobNo = (await kiosk.textContent($('kiosk-staff-job-no'))).trim()
    assert(/^D\d{4}$/.test(jobNo), `the kiosk shows the job number (${jobNo})`)
    assert((await kiosk.textContent($('kiosk-business'))).includes('理财咨询'), 'and the business type')
    assert((await kiosk.textContent($('kiosk-welcome'))).includes('欢迎光临'), 'and the welcome line')
    assert((await kiosk.locator(`${$('kiosk-staff-photo')}, ${$('kiosk-staff-avatar')}`).count()) === 1, 'and a photo or initials')
    await k.shot('idle')
    await d.shot('signed-in')
  })

  let sessionId = 0
  await d.step('开始服务: the kiosk says 欢迎光临; 结束服务: it asks for a rating', async (p) => {
    await p.click($('counter-start'))
    await p.waitForFunction((sel) => !!document.querySelector(sel)?.getAttribute('data-session'), $('counter-current'))
    sessionId = Number(await p.getAttribute($('counter-current'), 'data-session'))
    await kiosk.waitForSelector($('kiosk-serving'), { timeout: 10_000 })
    await kiosk.waitForFunction(() => (window.__spoken ?? []).includes('欢迎光临'))
    await p.click($('counter-end'))
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-session') === '', $('counter-current'))
    await kiosk.waitForSelector($('kiosk-prompt'), { timeout: 10_000 })
    assert((await kiosk.textContent($('kiosk-prompt'))).trim() === PROMPT, 'the prompt')
    assert(Number(await kiosk.getAttribute($('kiosk-rate'), 'data-session')) === sessionId, 'for the session just ended')
    assert((await spoken(kiosk)).includes(PROMPT), 'spoken aloud')
    const labels = await kiosk.locator('[data-test^="kiosk-level-"]').allTextContents()
    assert(JSON.stringify(labels.map((s) => s.trim())) === JSON.stringify(['非常满意', '满意', '一般', '不满意']), `levels best first: ${labels}`)
    // big touch targets, all on screen, on the tablet and on a 1080p screen
    for (const size of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
      await kiosk.setViewportSize(size)
      for (const box of await kiosk.locator('[data-test^="kiosk-level-"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
        assert(box.height >= 120 && box.width >= 200, `a level button is large at ${size.width}×${size.height}: ${box.width}×${box.height}`)
        assert(box.left >= 0 && box.top >= 0 && box.right <= size.width && box.bottom <= size.height, `and on screen: ${JSON.stringify(box)}`)
      }
      await k.shot(`prompt-${size.width}`)
    }
    await kiosk.setViewportSize({ width: 1280, height: 800 })
  })

  await k.step('the customer presses 非常满意 and is thanked', async (p) => {
    await p.click($('kiosk-level-4'))
    await p.waitForSelector($('kiosk-thanks'))
    await k.shot('thanks')
    await p.waitForSelector($('kiosk-idle'), { timeout: 10_000 })
    assert((await p.locator($('kiosk-pending')).count()) === 0, 'nothing left to send')
  })

  await d.step('the rating shows in 今日服务 and 我的评价', async (p) => {
    await p.click($('counter-refresh'))
    await p.waitForFunction(
      ([id]) => document.querySelector(`[data-test="counter-session-rating"][data-session="${id}"]`)?.getAttribute('data-level') === '4',
      [sessionId],
    )
    await p.click($('counter-tab-mine'))
    const first = p.locator($('my-rating-level')).first()
    await first.waitFor()
    assert((await first.getAttribute('data-level')) === '4', 'the newest of my ratings is level 4')
    assert((await first.textContent()).trim() === '非常满意', 'labelled 非常满意')
    await d.shot('my-ratings')
  })

  // --- the network drops ---
  let offlineSession = 0
  await k.step('offline: the rating waits as 待发送 1 and arrives once when the network returns', async (p) => {
    const started = await teller.call('POST', '/service-sessions', { counter_id: counter.id })
    offlineSession = started.id
    await teller.call('POST', `/service-sessions/${offlineSession}/end`, {})
    await p.waitForFunction(
      ([sel, id]) => document.querySelector(sel)?.getAttribute('data-session') === String(id),
      [$('kiosk-rate'), offlineSession],
      { timeout: 10_000 },
    )
    await kioskCtx.setOffline(true)
    await p.click($('kiosk-level-3'))
    await p.waitForSelector($('kiosk-thanks'))
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-count') === '1', $('kiosk-pending'))
    await p.waitForSelector($('kiosk-offline'), { timeout: 10_000 })
    assert((await p.textContent($('kiosk-pending'))).trim() === '待发送 1', 'the pending indicator')
    await k.shot('offline-pending')
    const before = await teller.call('GET', `/ratings?counter_id=${counter.id}&page_size=100`)
    assert(!before.items.some((r) => r.session_id === offlineSession), 'nothing arrived while offline')
    await p.waitForTimeout(3000) // a few failed retries
    await kioskCtx.setOffline(false)
    await p.waitForSelector($('kiosk-pending'), { state: 'detached', timeout: 20_000 })
    await p.waitForSelector($('kiosk-offline'), { state: 'detached', timeout: 10_000 })
    const after = await teller.call('GET', `/ratings?counter_id=${counter.id}&page_size=100`)
    const mine = after.items.filter((r) => r.session_id === offlineSession)
    assert(mine.length === 1, `exactly one rating arrived (${mine.length})`)
    assert(mine[0].level === 3 && mine[0].channel === 'kiosk', `level 3 from the kiosk (${mine[0].level}, ${mine[0].channel})`)
    assert((await p.locator($('kiosk-rate')).count()) === 0, 'the kiosk does not ask again')
  })
  passed += k.passed + d.passed
  await desk.close()
  await kioskCtx.close()

  // --- a phone through the counter's QR link ---
  const link = await admin.call('POST', '/rating-links', { kind: 'counter', counter_id: counter.id })
  assert(link.url === `/r/${link.token}`, `the link opens /r/<token> (${link.url})`)
  const phone = await browser.newPage({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  const m = new Journey('rate-phone', phone)
  await m.step('a customer rates the counter on a phone with a reason and a comment', async (p) => {
    await p.goto(`${base}${link.url}`)
    await p.waitForSelector($('rate-target-name'))
    assert((await p.textContent($('rate-target-name'))).trim() === tellerName, 'the phone names the teller signed in there')
    assert((await p.textContent($('rate-target-org'))).includes('3号窗口'), 'and the counter')
    await p.click($('rate-level-2'))
    await p.waitForSelector($('rate-reasons'))
    await p.locator(`${$('rate-reasons')} button`, { hasText: '等待时间长' }).click()
    await p.fill($('rate-comment'), '排队有点久')
    await m.shot('phone-form')
    await p.click($('rate-submit'))
    await p.waitForSelector($('rate-done'))
    await m.shot('phone-done')
    const list = await admin.call('GET', `/ratings?counter_id=${counter.id}&channel=qr&page_size=10`)
    const r = list.items[0]
    assert(r && r.level === 2 && r.reasons.includes('等待时间长') && r.comment === '排队有点久', `the QR rating arrived: ${JSON.stringify(r)}`)
  })
  await m.step('rating again at once is refused politely', async (p) => {
    await p.reload()
    await p.waitForSelector($('rate-level-4'))
    await p.click($('rate-level-4'))
    await p.click($('rate-submit'))
    await p.waitForSelector($('rate-limited'))
    assert((await p.textContent($('rate-limited'))).includes('您刚刚已评价过，请稍后再试'), 'the cool-down message')
  })
  passed += m.passed
  await phone.close()
  await admin.close()
  await teller.close()
  return passed
}
