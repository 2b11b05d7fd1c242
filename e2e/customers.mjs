// Journey 4 of SCENARIOS.md: a sub-branch imports a GBK CSV, the service centre
// approves it, an agent finds a customer by pinyin initials, asks to see the
// phone number, a supervisor approves, and the agent reveals it.
import { readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Journey, assert, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`
const here = dirname(fileURLToPath(import.meta.url))

async function logout(page) {
  await page.click($('user-menu'))
  await page.click($('user-menu-logout'))
  await page.waitForSelector($('login-submit'))
}

export async function customerDataInAndOut(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('customers', page)
  let importURL = ''

  await j.step('a sub-branch uploads a GBK CSV and sees the validation report', async (p) => {
    await login(p, base, 'hd.head')
    await p.goto(`${base}/imports/new`)
    await p.click($('import-policy-skip'))
    await p.setInputFiles(`${$('import-upload')} input[type=file]`, {
      name: '海淀客户.csv', mimeType: 'text/csv', buffer: readFileSync(join(here, 'fixtures', 'customers-gbk.csv')),
    })
    await p.click($('import-submit'))
    await p.waitForSelector($('import-report'), { timeout: 30_000 })
    importURL = p.url()
    assert((await p.textContent($('import-total'))).trim() === '3', 'three rows read')
    assert((await p.textContent($('import-accepted'))).trim() === '2', 'two rows accepted')
    assert((await p.textContent($('import-rejected'))).trim() === '1', 'one row rejected')
    assert((await p.textContent($('import-errors'))).includes('11'), 'the 10-digit phone is explained')
    await p.waitForSelector($('import-pending-review'))
    await j.shot('import-report')
    await logout(p)
  })

  await j.step('the service centre approves and the rows apply at once', async (p) => {
    await login(p, base, 'supervisor01')
    await p.goto(importURL)
    await p.click($('import-approve'))
    await p.click('.el-message-box__btns .el-button--primary')
    await p.waitForSelector($('import-applied'))
  })

  await j.step('finds the imported customer by pinyin initials, phone masked', async (p) => {
    await p.goto(`${base}/customers`)
    await p.fill($('customer-search'), 'oynn')
    await p.press($('customer-search'), 'Enter')
    const row = p.locator(`${$('customer-table')} .el-table__row`, { hasText: '欧阳娜娜' })
    await row.waitFor()
    // The unfiltered list shows the new customer first too: wait for the search's answer.
    await p.waitForFunction((sel) => document.querySelectorAll(sel).length === 1, `${$('customer-table')} .el-table__row`, { timeout: 15_000 })
    assert((await p.locator(`${$('customer-table')} .el-table__row`).count()) === 1, 'exactly one match')
    assert((await row.locator($('customer-row-phone')).textContent()).includes('139****0001'), 'phone masked in the list')
    await j.shot('customers')
    await logout(p)
  })

  await j.step('an agent asks to see the full number', async (p) => {
    await login(p, base, 'agent01')
    await p.goto(`${base}/customers`)
    await p.fill($('customer-search'), 'oynn')
    await p.press($('customer-search'), 'Enter')
    await p.locator(`${$('customer-table')} .el-table__row`, { hasText: '欧阳娜娜' }).locator($('customer-open')).click()
    await p.waitForSelector($('customer-header'))
    assert((await p.textContent($('customer-phone'))).includes('139****0001'), 'masked on the detail page')
    await p.click($('customer-request-access'))
    await p.fill($('customer-access-reason'), '回访需要拨打客户电话')
    await p.click($('customer-access-submit'))
    await p.waitForSelector($('customer-access-pending'))
    await j.shot('access-requested')
    await logout(p)
  })

  await j.step('the supervisor approves the access request', async (p) => {
    await login(p, base, 'supervisor01')
    await p.goto(`${base}/access-requests`)
    const row = p.locator(`${$('access-table')} .el-table__row`, { hasText: '欧阳娜娜' })
    await row.waitFor()
    await row.locator($('access-approve')).click()
    await p.waitForSelector($('access-decide-dialog'))
    await p.fill($('access-decide-note'), '同意，24 小时内有效')
    await p.click($('access-decide-submit'))
    // The decided request leaves the 待审批 list; the API shows it approved.
    await row.waitFor({ state: 'detached' })
    const approved = await p.evaluate(async () => (await fetch('/api/v1/access-requests?status=approved')).json())
    assert(approved.items.some((g) => g.customer_name === '欧阳娜娜' && g.expires_at), 'the request is approved with an expiry')
    await logout(p)
  })

  await j.step('the agent reveals the number, and the reveal is audited', async (p) => {
    await login(p, base, 'agent01')
    await p.goto(`${base}/customers`)
    await p.fill($('customer-search'), 'oynn')
    await p.press($('customer-search'), 'Enter')
    await p.locator(`${$('customer-table')} .el-table__row`, { hasText: '欧阳娜娜' }).locator($('customer-open')).click()
    await p.waitForSelector($('customer-access-granted'))
    await p.click($('customer-reveal'))
    await p.fill($('customer-reveal-reason'), '电话回访')
    await p.click($('customer-reveal-submit'))
    await p.waitForSelector($('customer-revealed'))
    assert((await p.textContent($('customer-phone'))).includes('13966660001'), 'full number shown after the reveal')
    await j.shot('revealed')
    const audit = await p.evaluate(async () => (await fetch('/api/v1/customers?q=oynn')).json())
    assert(audit.items[0].phone === '139****0001', 'the API still answers masked after a reveal')
    await logout(p)
  })

  // The imported customer has no tickets yet: the service centre opens and resolves one for
  // her through the API (the ticket form has its own journey), the sub-branch records her
  // rating on the ticket page, and the customer page's 评价 tab lists it.
  let ticket = null
  await j.step('a resolved ticket of the customer is rated on the ticket page', async (p) => {
    await login(p, base, 'supervisor01')
    ticket = await p.evaluate(async () => {
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': sessionStorage.getItem('lingting.csrf') ?? '' }
      const found = await (await fetch('/api/v1/customers?q=oynn', { headers })).json()
      const customer = found.items?.find((c) => c.name === '欧阳娜娜')
      if (!customer) throw new Error('customer 欧阳娜娜 not found')
      const r = await fetch('/api/v1/tickets', { method: 'POST', headers, body: JSON.stringify({ type: 'consultation', title: '咨询理财产品到期', customer_id: customer.id }) })
      if (r.status !== 201) throw new Error(`create ticket: HTTP ${r.status} ${await r.text()}`)
      const tk = await r.json()
      for (const to of ['in_progress', 'resolved']) {
        const t = await fetch(`/api/v1/tickets/${tk.id}/transitions`, { method: 'POST', headers, body: JSON.stringify({ to }) })
        if (t.status !== 200) throw new Error(`${to}: HTTP ${t.status} ${await t.text()}`)
      }
      return { id: tk.id, number: tk.number }
    })
    await logout(p)
    await login(p, base, 'hd.head')
    await p.goto(`${base}/tickets/${ticket.id}`)
    await p.waitForSelector($('ticket-rating-form'))
    await p.click($('ticket-rating-level-1'))
    await p.fill($('ticket-rating-comment-input'), '等候时间太长')
    await p.click($('ticket-rating-submit'))
    await p.waitForSelector($('ticket-rating'))
  })

  await j.step("the customer page's 评价 tab shows the rating of her ticket", async (p) => {
    await p.goto(`${base}/customers`)
    await p.fill($('customer-search'), 'oynn')
    await p.press($('customer-search'), 'Enter')
    await p.locator(`${$('customer-table')} .el-table__row`, { hasText: '欧阳娜娜' }).locator($('customer-open')).click()
    await p.waitForSelector($('customer-header'))
    await p.click($('customer-tab-ratings'))
    const row = p.locator(`${$('customer-ratings')} .el-table__row`, { hasText: ticket.number })
    await row.waitFor()
    assert((await p.locator(`${$('customer-ratings')} .el-table__row`).count()) === 1, 'one rating for the one ticket')
    assert((await row.locator($('customer-rating-ticket')).textContent()).trim() === ticket.number, 'the ticket number')
    assert((await row.locator($('customer-rating-level')).getAttribute('data-satisfied')) === 'false', 'a dissatisfied rating')
    assert((await row.locator($('customer-rating-level')).getAttribute('class')).includes('el-tag--danger'), 'shown in red')
    assert((await row.locator($('customer-rating-comment')).textContent()).includes('等候时间太长'), 'the comment')
    assert((await row.locator($('customer-rating-channel')).textContent()).trim() === '工单评价', 'the channel')
    assert((await p.getAttribute($('customer-ratings-total'), 'data-total')) === '1', 'total 1')
    // a dissatisfied rating may open a follow-up ticket (by the rating settings): the row links it when it did
    const api = await p.evaluate(async (id) => (await (await fetch(`/api/v1/ratings?ticket_id=${id}`)).json()).items[0], ticket.id)
    assert((await row.locator($('customer-rating-followup')).count()) === (api.followup_ticket_id ? 1 : 0), 'the follow-up ticket link matches the API')
    await j.shot('customer-ratings')
    await row.locator($('customer-rating-ticket')).click()
    await p.waitForURL(`**/tickets/${ticket.id}`)
    await p.waitForSelector($('ticket-rating'))
  })
  await page.close()
  return j.passed
}
