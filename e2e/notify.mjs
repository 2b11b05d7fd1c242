// Notification administration (通知管理) and settings: the administrator edits the 超时督办
// template — a new subject, a variable inserted from its tag into the body — watches the live
// preview fill with sample values, asks the server for its preview, saves, and sees the kind
// marked 已自定义 (and the server holding the new text); then opens 投递记录 and finds the
// deliveries with their attempts; adds a WeCom robot (its key masked in the list) and a webhook
// whose generated secret is shown once, and deletes the webhook; flips a 客户通知 switch and finds
// it kept after a reload; restores the built-in template;
// and on 个人信息 turns quiet hours on and finds them kept after a reload.
//
// Setup: when the log is empty, a ticket of 中关村三号网点 (HXB-BJ-HD-03) is created and resolved
// through the API as supervisor01, which writes the rating.survey notification for the outlet's
// raters (docs/api/notifications.md; internal/httpapi/rating_test.go, TestSurveyOnResolution).
import { Journey, assert, ADMIN_PASSWORD, DEMO_PASSWORD, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`
const SUBJECT = '【超时督办·{{level}}级】{{ticket_number}} {{target}}超时 {{overdue_hours}} 小时，请立即处理'
const SUBJECT_PREVIEW = '【超时督办·2级】GD20261122-000123 解决超时 1.5 小时，请立即处理'

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

// ensureDelivery makes sure the log holds at least one delivery: a resolved ticket sends its
// satisfaction survey to the outlet's raters (in-app at once).
async function ensureDelivery(browser, base, admin) {
  const have = await admin.call('GET', '/notifications/deliveries?page_size=1')
  if (have.total > 0) return `${have.total} already`
  const org = (await admin.call('GET', '/orgs?q=HXB-BJ-HD-03')).items.find((o) => o.code === 'HXB-BJ-HD-03')
  assert(org, 'the demo outlet HXB-BJ-HD-03 exists')
  const sup = await apiAs(browser, base, 'supervisor01', DEMO_PASSWORD)
  try {
    const asset = (await sup.call('GET', `/assets?org_id=${org.id}`)).items[0]
    assert(asset, 'the outlet has a device')
    const tk = await sup.call('POST', '/tickets', { type: 'repair', title: 'E2E 通知：ATM 吞卡', asset_id: asset.id })
    for (const to of ['in_progress', 'resolved']) await sup.call('POST', `/tickets/${tk.id}/transitions`, { to })
  } finally {
    await sup.close()
  }
  const now = await admin.call('GET', '/notifications/deliveries?page_size=1')
  assert(now.total > 0, 'resolving a ticket wrote deliveries')
  return `${now.total} after resolving a ticket`
}

export async function notifyAdmin(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('notify', page)
  const admin = await apiAs(browser, base, 'admin', ADMIN_PASSWORD)

  try {
    await j.step('setup: the delivery log is not empty', async () => {
      console.log(`    deliveries: ${await ensureDelivery(browser, base, admin)}`)
    })

    await j.step('admin opens 通知管理 → 消息模板 and picks 超时督办', async (p) => {
      await login(p, base, 'admin', ADMIN_PASSWORD)
      await p.click($('menu-notify-admin'))
      await p.waitForSelector($('notify-admin'))
      await p.click($('notify-tab-templates'))
      await p.waitForSelector($('notify-template-item-sla.escalation'))
      await p.click($('notify-template-item-sla.escalation'))
      await p.waitForSelector(`${$('notify-template-editor')}[data-kind="sla.escalation"]`)
      const preview = await p.textContent($('notify-template-preview-subject'))
      assert(preview.includes('GD20261122-000123') && preview.includes('2级'), `the built-in subject previews with sample values: ${preview}`)
    })

    await j.step('edits the subject, inserts {{customer}} into the body from its tag, and the preview follows', async (p) => {
      await p.fill($('notify-template-subject'), SUBJECT)
      await p.waitForFunction(
        ([sel, want]) => document.querySelector(sel)?.textContent === want,
        [$('notify-template-preview-subject'), SUBJECT_PREVIEW],
      )
      const body = p.locator($('notify-template-body'))
      await body.click()
      await body.press('Control+End')
      await body.pressSequentially(' 客户：')
      await p.click($('notify-template-var-customer'))
      const text = await body.inputValue()
      assert(text.endsWith(' 客户：{{customer}}'), `the tag inserted {{customer}} at the cursor: ${text}`)
      await p.waitForFunction((sel) => document.querySelector(sel)?.textContent?.endsWith('客户：张三'), $('notify-template-preview-body'))
      assert((await p.getAttribute($('notify-template-editor'), 'data-dirty')) === 'true', 'the editor shows unsaved changes')
      await p.waitForSelector($('notify-template-dirty'))
      await j.shot('template-edited')
    })

    await j.step('the server preview agrees, and a save marks the kind 已自定义', async (p) => {
      await p.click($('notify-template-server-preview-run'))
      await p.waitForFunction(
        ([sel, want]) => document.querySelector(sel)?.textContent === want,
        [$('notify-template-server-preview-subject'), SUBJECT_PREVIEW],
      )
      await p.click($('notify-template-save'))
      await p.waitForSelector(`${$('notify-template-item-sla.escalation')}[data-custom="true"]`)
      await p.waitForSelector(`${$('notify-template-editor')}[data-dirty="false"]`)
      const saved = (await admin.call('GET', '/notifications/templates')).items.find((x) => x.kind === 'sla.escalation')
      assert(saved.custom && saved.subject === SUBJECT, `the server holds the new subject: ${saved.subject}`)
      assert(saved.body.endsWith('客户：{{customer}}'), `and the new body: ${saved.body}`)
      await j.shot('template-saved')
    })

    await j.step('投递记录 lists deliveries with channel, status and attempts', async (p) => {
      await p.click($('notify-tab-deliveries'))
      const rows = p.locator(`${$('notify-delivery-table')} .el-table__body-wrapper .el-table__row`)
      await rows.first().waitFor()
      assert((await rows.count()) >= 1, 'at least one delivery')
      const first = rows.first()
      const status = await first.locator($('notify-delivery-status')).getAttribute('data-status')
      assert(['pending', 'sending', 'sent', 'failed'].includes(status), `a status: ${status}`)
      assert((await first.locator($('notify-delivery-recipient')).textContent()).trim() !== '', 'a recipient')
      assert(/^\d+$/.test((await first.locator($('notify-delivery-attempts')).textContent()).trim()), 'a number of attempts')
      await first.locator('.el-table__expand-icon').click()
      await p.waitForSelector($('notify-delivery-history'))
      await j.shot('deliveries')
    })

    await j.step('filtering by a channel asks the server', async (p) => {
      const any = (await admin.call('GET', '/notifications/deliveries?page_size=1')).items[0]
      await p.click($('notify-delivery-filter-channel'))
      const resp = p.waitForResponse((r) => r.url().includes('/notifications/deliveries') && r.url().includes(`channel=${any.channel}`))
      await p.click($(`notify-delivery-channel-${any.channel}`))
      await resp
      const rows = p.locator(`${$('notify-delivery-table')} .el-table__body-wrapper .el-table__row ${$('notify-delivery-channel')}`)
      await rows.first().waitFor()
      const channels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-channel')))
      assert(channels.length > 0 && channels.every((c) => c === any.channel), `only ${any.channel}: ${channels}`)
    })

    await j.step('adds a WeCom robot (its key masked) and a webhook whose generated secret is shown once', async (p) => {
      await p.click($('notify-tab-endpoints'))
      await p.waitForSelector($('notify-endpoint-table'))
      await p.click($('notify-endpoint-create'))
      await p.waitForSelector($('notify-endpoint-dialog'))
      await p.fill($('notify-endpoint-form-name'), 'E2E 督办群')
      await p.fill($('notify-endpoint-form-url'), 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=e2e-secret-key')
      await p.click($('notify-endpoint-event-sla.escalation'))
      await p.click($('notify-endpoint-form-active')) // off: nothing is sent to a made-up key
      await p.click($('notify-endpoint-form-submit'))
      const robot = p.locator(`${$('notify-endpoint-table')} .el-table__row`, { hasText: 'E2E 督办群' })
      await robot.waitFor()
      const url = await robot.locator($('notify-endpoint-url')).textContent()
      assert(url.includes('key=***') && !url.includes('e2e-secret-key'), `the robot key is masked: ${url}`)
      assert((await robot.locator(`${$('notify-endpoint-active')}.is-checked`).count()) === 0, 'the robot is off')

      await p.click($('notify-endpoint-create'))
      await p.waitForSelector(`${$('notify-endpoint-dialog')} ${$('notify-endpoint-form-name')}`)
      await p.fill($('notify-endpoint-form-name'), 'E2E 回调')
      await p.click($('notify-endpoint-kind-webhook'))
      await p.fill($('notify-endpoint-form-url'), 'https://erp.example.com/lingting')
      await p.click($('notify-endpoint-form-generate'))
      const secret = await p.inputValue($('notify-endpoint-form-secret'))
      assert(secret.length === 40, `a secret was generated: ${secret}`)
      await p.click($('notify-endpoint-form-submit'))
      await p.waitForSelector($('secret-dialog'))
      assert((await p.inputValue($('secret-value'))) === secret, 'the generated secret is shown once')
      await p.click($('secret-close'))
      const hook = p.locator(`${$('notify-endpoint-table')} .el-table__row`, { hasText: 'E2E 回调' })
      await hook.waitFor()
      assert((await hook.locator($('notify-endpoint-has-secret')).getAttribute('data-value')) === 'true', 'the webhook has a secret')
      await j.shot('endpoints')

      // an endpoint that never received anything can be deleted
      await hook.locator($('notify-endpoint-delete')).click()
      await p.click('.el-message-box__btns .el-button--danger')
      await hook.waitFor({ state: 'detached' })
      const left = (await admin.call('GET', '/notifications/endpoints')).items.map((e) => e.name)
      assert(left.includes('E2E 督办群') && !left.includes('E2E 回调'), `endpoints on the server: ${left}`)
    })

    await j.step('客户通知: flips the global 已受理 switch, which the server keeps across a reload', async (p) => {
      await p.click($('notify-tab-customers'))
      await p.waitForSelector(`${$('notify-customers')}[data-ready="true"]`)
      const sw = $('notify-customers-global-ticket_received')
      const before = (await p.getAttribute(sw, 'data-value')) === 'true'
      await p.click(sw)
      await p.waitForSelector(`${sw}[data-value="${!before}"]`)
      const global = (await admin.call('GET', '/notifications/customer-settings')).items.find((x) => x.org_id === 0)
      assert(global.ticket_received === !before && !global.default, `the server holds 已受理 = ${!before}: ${JSON.stringify(global)}`)
      await p.reload()
      await p.waitForSelector(`${$('notify-customers')}[data-ready="true"]`)
      assert((await p.getAttribute(sw, 'data-value')) === String(!before), 'the switch is kept after a reload')
      await j.shot('customer-settings')
      // back as it was, so the demo's customers are told what they were told before
      await p.click(sw)
      await p.waitForSelector(`${sw}[data-value="${before}"]`)
    })

    await j.step('restores the built-in 超时督办', async (p) => {
      await p.click($('notify-tab-templates'))
      await p.click($('notify-template-item-sla.escalation'))
      await p.waitForSelector(`${$('notify-template-editor')}[data-kind="sla.escalation"]`)
      await p.click($('notify-template-reset'))
      await p.click('.el-message-box__btns .el-button--primary')
      await p.waitForSelector(`${$('notify-template-item-sla.escalation')}[data-custom="false"]`)
      const tpl = (await admin.call('GET', '/notifications/templates')).items.find((x) => x.kind === 'sla.escalation')
      assert(!tpl.custom && tpl.subject !== SUBJECT, 'the server is back on the built-in text')
    })

    await j.step('通知设置: quiet hours are saved and kept after a reload', async (p) => {
      await p.goto(`${base}/profile`)
      await p.waitForSelector(`${$('notify-prefs')}[data-ready="true"]`)
      const wasQuiet = (await p.locator(`${$('notify-prefs-quiet')}.is-checked`).count()) > 0
      if (!wasQuiet) await p.click($('notify-prefs-quiet'))
      await p.waitForSelector($('notify-prefs-quiet-start'))
      await p.click($('notify-prefs-sms'))
      await p.click($('notify-prefs-save'))
      await p.waitForSelector(`${$('notify-prefs')}[data-dirty="false"]`)
      const prefs = await (await p.request.get(`${base}/api/v1/notifications/preferences`)).json()
      assert(prefs.quiet_start === '22:00' && prefs.quiet_end === '07:00', `quiet hours stored: ${JSON.stringify(prefs)}`)
      await p.reload()
      await p.waitForSelector(`${$('notify-prefs')}[data-ready="true"]`)
      assert((await p.locator(`${$('notify-prefs-quiet')}.is-checked`).count()) === 1, 'quiet hours still on')
      await p.waitForSelector($('notify-prefs-overnight'))
      await j.shot('prefs')
    })
  } finally {
    await admin.close()
    await page.close()
  }
  return j.passed
}
