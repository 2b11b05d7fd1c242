// Journey 1 of SCENARIOS.md, service levels and the call: the supervisor opens 工作日历, picks
// 网点工作日, asks 截止时间试算 for 900 business minutes from a Tuesday 17:00, marks that
// Wednesday a holiday (休) and that Saturday a make-up working day (班) in the month view,
// saves, and sees the deadline move from Friday 09:30 to Saturday 09:30. A ticket whose policy
// runs on that calendar showed its resolution deadline on Friday 2027-03-05 16:00 on the ticket
// page; after the save the page shows Saturday 16:00 (the holiday pushes it a working day, the
// make-up Saturday pulls it back from Monday) and the timeline records the recalculation. Then she opens
// 坐席工作台; an outlet head's call is posted to the PBX webhook, the outlet's card pops with
// its devices, and she creates a ticket on a device with one click.
import { Journey, assert, ADMIN_PASSWORD, DEMO_PASSWORD, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`

const MONTH = '2027-03' // no official holidays: the marks are ours alone
const START = '2027-03-02 17:00' // a Tuesday, half an hour before closing
const MINUTES = '900' // 15 business hours: 0.5 + 7 (Wed) + 7 (Thu) + 0.5
const BEFORE = '2027-03-05 09:30' // Friday
const HOLIDAY = '2027-03-03' // the Wednesday
const WORKDAY = '2027-03-06' // the Saturday
const AFTER = '2027-03-06 09:30' // Tue 0.5 + Thu 7 + Fri 7 + Sat 0.5
const OUTLET_HEAD = 'bjhd01.head' // 中关村网点
const TICKET_DUE = '2027-03-05T16:00:00+08:00' // Friday afternoon: the policy's target is sized to end here
const TICKET_BEFORE = '2027-03-05 16:00'
const TICKET_AFTER = '2027-03-06 16:00' // Wednesday off: one working day later, the make-up Saturday

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

const deadline = (p) => p.getAttribute($('calendar-preview-deadline'), 'data-deadline')

async function waitDeadline(p, want) {
  await p.waitForFunction(
    ([sel, w]) => document.querySelector(sel)?.getAttribute('data-deadline') === w,
    [$('calendar-preview-deadline'), want],
    { timeout: 15_000 },
  ).catch(async (err) => {
    throw new Error(`deadline ${await deadline(p)}, want ${want}: ${err.message}`)
  })
}

export async function slaAndCall(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('sla', page)

  // A ticket under a policy on 网点工作日 whose resolution target ends on Friday 16:00: the
  // target's business minutes are the calculator's own elapsed time from the ticket's report.
  let ticketId
  await j.step('a ticket on that calendar shows its deadline on the ticket page', async (p) => {
    const api = await apiAs(browser, base, 'admin', ADMIN_PASSWORD)
    try {
      const cal = (await api.call('GET', '/calendars')).items.find((c) => c.name === '网点工作日')
      const org = (await api.call('GET', '/orgs?page_size=500')).items.find((o) => o.code === 'HXB-BJ-HD-02')
      assert(cal && org, 'the calendar and the outlet exist')
      const reported = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString()
      const pv = await api.call('GET', `/calendars/${cal.id}/preview?start=${encodeURIComponent(reported)}&end=${encodeURIComponent(TICKET_DUE)}`)
      assert(pv.elapsed_minutes > 0, `business minutes until ${TICKET_DUE}: ${pv.elapsed_minutes}`)
      await api.call('POST', '/sla/policies', {
        name: '调休演示策略',
        order: 0,
        calendar_id: cal.id,
        match: { types: ['repair'], priorities: ['low'], org_ids: [org.id] },
        targets: { resolution: pv.elapsed_minutes },
      })
      const tk = await api.call('POST', '/tickets', { type: 'repair', title: '存折补登机故障（调休演示）', priority: 'low', org_id: org.id, reported_at: reported })
      ticketId = tk.id
    } finally {
      await api.close()
    }
    await login(p, base, 'supervisor01', DEMO_PASSWORD)
    await p.goto(`${base}/tickets/${ticketId}`)
    const target = $('ticket-sla-target-resolution')
    await p.waitForSelector(`${target}[data-due="${TICKET_BEFORE}"]`, { timeout: 15_000 })
    assert((await p.textContent(target)).includes(TICKET_BEFORE), `the page shows ${TICKET_BEFORE}`)
    await j.shot('ticket-deadline-before')
  })

  await j.step('the supervisor opens 工作日历 and picks 网点工作日', async (p) => {
    await p.click($('menu-calendars'))
    const item = p.locator(`${$('calendar-item')}[data-name="网点工作日"]`)
    await item.click()
    const id = await item.getAttribute('data-id')
    await p.waitForSelector(`${$('calendar-editor')}[data-id="${id}"]`)
    // the lunch break: two intervals on Monday
    assert((await p.inputValue($('calendar-week-mon-0-end'))) === '12:00', 'Monday morning ends at 12:00')
    assert((await p.inputValue($('calendar-week-mon-1-start'))) === '13:30', 'Monday afternoon starts at 13:30')
  })

  await j.step('截止时间试算: 900 minutes from Tuesday 17:00 end on Friday 09:30', async (p) => {
    const start = p.locator(`${$('calendar-preview-start')} input`)
    await start.click()
    await start.fill(START)
    await start.press('Enter')
    await p.keyboard.press('Escape')
    const minutes = p.locator(`${$('calendar-preview-minutes')} input`)
    await minutes.fill(MINUTES)
    await minutes.press('Tab')
    await p.click($('calendar-preview-run'))
    await waitDeadline(p, BEFORE)
  })

  await j.step('marks that Wednesday 休 and that Saturday 班 in the month view and saves', async (p) => {
    for (let i = 0; i < 120; i++) {
      const shown = await p.getAttribute($('calendar-month-label'), 'data-month')
      if (shown === MONTH) break
      await p.click($(shown < MONTH ? 'calendar-month-next' : 'calendar-month-prev'))
      await p.waitForFunction(([sel, was]) => document.querySelector(sel)?.getAttribute('data-month') !== was, [$('calendar-month-label'), shown])
    }
    assert((await p.getAttribute($('calendar-month-label'), 'data-month')) === MONTH, `the month view shows ${MONTH}`)
    assert((await p.getAttribute($(`calendar-day-${HOLIDAY}`), 'data-kind')) === 'normal', 'Wednesday starts as a working day')
    assert((await p.getAttribute($(`calendar-day-${WORKDAY}`), 'data-kind')) === 'weekend', 'Saturday starts as a day off')
    await p.click($(`calendar-day-${HOLIDAY}`))
    await p.click($(`calendar-day-${WORKDAY}`))
    await p.click($(`calendar-day-${WORKDAY}`))
    assert((await p.getAttribute($(`calendar-day-${HOLIDAY}`), 'data-kind')) === 'holiday', 'one click: 休')
    assert((await p.textContent($(`calendar-day-${HOLIDAY}`))).includes('休'), 'the holiday shows 休')
    assert((await p.getAttribute($(`calendar-day-${WORKDAY}`), 'data-kind')) === 'workday', 'two clicks: 班')
    assert((await p.textContent($(`calendar-day-${WORKDAY}`))).includes('班'), 'the make-up day shows 班')
    await p.waitForSelector($('calendar-preview-dirty'))
    await j.shot('calendar-marked')
    await p.click($('calendar-save'))
    await p.waitForSelector(`${$('calendar-editor')}[data-dirty="false"]`)
  })

  await j.step('the deadline moves to Saturday 09:30', async (p) => {
    await waitDeadline(p, AFTER)
    await j.shot('calendar-preview')
  })

  await j.step("the ticket's deadline moved to Saturday 16:00, with the recalculation on its timeline", async (p) => {
    await p.goto(`${base}/tickets/${ticketId}`)
    const target = $('ticket-sla-target-resolution')
    await p.waitForSelector(`${target}[data-due="${TICKET_AFTER}"]`, { timeout: 15_000 }).catch(async (err) => {
      throw new Error(`ticket deadline ${await p.getAttribute(target, 'data-due')}, want ${TICKET_AFTER}: ${err.message}`)
    })
    assert((await p.textContent(target)).includes(TICKET_AFTER), `the page shows ${TICKET_AFTER}`)
    await p.waitForSelector(`${$('ticket-event')}[data-kind="sla"]`)
    await j.shot('ticket-deadline-after')
  })

  let admin
  await j.step('opens 坐席工作台 and an outlet call pops the outlet card', async (p) => {
    admin = await apiAs(browser, base, 'admin', ADMIN_PASSWORD)
    const head = (await admin.call('GET', `/users?q=${OUTLET_HEAD}`)).items.find((u) => u.login === OUTLET_HEAD)
    assert(head?.phone, `${OUTLET_HEAD} has a phone`)
    await p.click($('menu-agent-desk'))
    await p.waitForSelector(`${$('desk-stream')}[data-state="open"]`, { timeout: 15_000 })
    const call = await admin.call('POST', '/telephony/calls', { caller: head.phone, callee: '95588', agent_login: 'supervisor01' })
    await p.waitForSelector(`${$('desk-pop')}[data-call-id="${call.id}"]`, { timeout: 15_000 })
    assert((await p.getAttribute($('desk-pop'), 'data-source')) === 'call', 'the pop came with the call')
    const caller = p.locator($('desk-caller')).first()
    assert((await caller.locator($('desk-caller-org')).textContent()).includes('中关村网点'), 'the outlet is named')
    assert((await caller.locator($('desk-device-code')).count()) > 0, 'the outlet devices are listed')
    await j.shot('desk-pop')
  })

  await j.step('新建工单 on a device is one click away', async (p) => {
    const caller = p.locator($('desk-caller')).first()
    const device = caller.locator($('desk-device-create-ticket')).first()
    const code = await device.getAttribute('data-code')
    await device.click()
    await p.waitForSelector($('ticket-form-dialog'))
    await p.waitForSelector($('ticket-form-org-derived'))
    assert((await p.textContent($('ticket-form-org-derived'))).includes('中关村网点'), `the org follows the device ${code}`)
    await p.fill($('ticket-form-title'), 'ATM 吞卡（来电）')
    await p.click($('ticket-form-submit'))
    const msg = p.locator('.el-message', { hasText: '已创建工单' })
    await msg.waitFor()
    const number = (await msg.textContent()).match(/GD\d{8}-\d{6}/)?.[0]
    assert(number, 'a ticket number is shown')
    await p.waitForSelector(`${$('desk-caller-tickets')} ${$('desk-ticket-open')}[data-number="${number}"]`, { timeout: 15_000 })
    await j.shot('desk-ticket')
  })

  await admin?.close()
  await page.close()
  return j.passed
}
