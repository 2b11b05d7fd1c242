// Journey 1 of SCENARIOS.md (without SLA, which comes later): an agent opens a
// repair ticket on an ATM, the station head dispatches it to an engineer, the
// engineer on a phone presses 出发 / 到达 / 完成, and the timeline and durations
// show on the ticket.
import { Journey, assert, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`

export async function atmRepair(browser, base) {
  const desk = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('tickets', desk)
  let number = ''
  let ticketURL = ''

  await j.step('an agent opens a repair ticket on the outlet ATM', async (p) => {
    await login(p, base, 'agent01')
    await p.goto(`${base}/tickets`)
    await p.click($('ticket-create'))
    await p.waitForSelector($('ticket-form-dialog'))
    await p.fill($('ticket-form-title'), 'ATM 吞卡')
    await p.fill($('ticket-form-description'), '客户银行卡被吞，网点来电报修')
    await p.click($('ticket-form-priority-high'))
    await p.click($('ticket-form-asset'))
    await p.locator(`${$('ticket-form-asset')} input`).fill('SB0000001')
    await p.click($('ticket-form-asset-option-SB0000001'))
    await p.waitForSelector($('ticket-form-org-derived'))
    await p.click($('ticket-form-submit'))
    await p.waitForSelector($('ticket-number'))
    number = (await p.textContent($('ticket-number'))).trim()
    ticketURL = p.url()
    assert(/^GD\d{8}-\d{6}$/.test(number), `ticket number ${number}`)
    assert((await p.getAttribute($('ticket-status'), 'data-status')) === 'new', 'a new ticket')
    await p.click($('user-menu'))
    await p.click($('user-menu-logout'))
  })

  await j.step('the station head dispatches it to an engineer', async (p) => {
    await login(p, base, 'bj1.head')
    await p.goto(ticketURL)
    await p.click($('ticket-assign'))
    await p.waitForSelector($('ticket-assign-dialog'))
    await p.click($('ticket-assign-user'))
    await p.locator(`${$('ticket-assign-user')} input`).fill('eng.bj1a')
    await p.click($('ticket-assign-user-option-eng.bj1a'))
    await p.click($('ticket-assign-submit'))
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-status') === 'assigned', $('ticket-status'))
    await j.shot('assigned')
  })
  await desk.close()

  const phone = await browser.newPage({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })
  const m = new Journey('engineer', phone)
  const card = () => phone.locator(`${$('engineer-card')}[data-number="${number}"]`)
  await m.step('the engineer sees the job on the phone page', async (p) => {
    await login(p, base, 'eng.bj1a')
    await p.goto(`${base}/engineer`)
    await card().waitFor()
    await m.shot('phone-list')
  })
  await m.step('presses 出发, 到达 with the distance, and 完成', async (p) => {
    await card().locator($('engineer-depart')).click()
    await p.click($('engineer-action-submit'))
    await p.waitForFunction((n) => document.querySelector(`[data-test="engineer-card"][data-number="${n}"]`)?.getAttribute('data-stage') === 'travelling', number)
    await card().locator($('engineer-arrive')).click()
    await p.locator(`${$('engineer-action-distance')} input`).fill('18.5')
    await p.click($('engineer-action-submit'))
    await p.waitForFunction((n) => document.querySelector(`[data-test="engineer-card"][data-number="${n}"]`)?.getAttribute('data-stage') === 'on_site', number)
    await m.shot('phone-on-site')
    await card().locator($('engineer-complete')).click()
    await p.click($('engineer-action-submit'))
    await card().waitFor({ state: 'detached' })
  })
  await m.step('the ticket shows the whole timeline and its durations', async (p) => {
    await p.setViewportSize({ width: 1440, height: 900 })
    await p.goto(ticketURL)
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-status') === 'resolved', $('ticket-status'))
    // The timeline loads after the ticket itself.
    await p.locator(`${$('ticket-timeline')} ${$('ticket-event')}[data-kind="repaired"]`).waitFor()
    const kinds = await p.locator(`${$('ticket-timeline')} ${$('ticket-event')}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))
    for (const k of ['reported', 'assigned', 'departed', 'arrived', 'repaired', 'status']) assert(kinds.includes(k), `timeline has ${k}: ${kinds}`)
    assert((await p.textContent($('ticket-distance'))).includes('18.5'), 'distance shown')
    assert((await p.getAttribute($('ticket-duration-travel'), 'data-minutes')) !== '', 'travel time derived')
    assert((await p.getAttribute($('ticket-duration-repair'), 'data-minutes')) !== '', 'repair time derived')
    await m.shot('resolved')
  })
  await phone.close()
  return j.passed + m.passed
}
