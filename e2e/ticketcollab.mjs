// Ticket collaboration (R-TKT-01/04/06): an administrator adds a custom field
// to 报修, an agent opens a ticket filling it, @mentions the supervisor (and
// someone who cannot see the ticket) in a comment, the supervisor sees the bell
// count, and the agent adds a sub-task, which keeps the parent from closing. The agent finds the
// ticket again by the custom field's value; the administrator adds a status to a workflow.
import { Journey, assert, ADMIN_PASSWORD, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`

async function logout(page) {
  await page.click($('user-menu'))
  await page.click($('user-menu-logout'))
  await page.waitForSelector($('login-submit'))
}

export async function ticketCollab(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('ticket-collab', page)
  let ticketURL = ''

  await j.step('the administrator adds a custom field 故障代码 to 报修', async (p) => {
    await login(p, base, 'admin', ADMIN_PASSWORD)
    await p.click($('menu-ticket-types'))
    await p.click($('ticket-type-edit-repair'))
    await p.waitForSelector($('ticket-type-dialog'))
    await p.click($('ticket-type-field-add'))
    const row = p.locator($('ticket-type-field')).last()
    await row.locator($('ticket-type-field-key')).fill('fault_code')
    await row.locator($('ticket-type-field-label')).fill('故障代码')
    await row.locator($('ticket-type-field-kind')).click()
    await p.locator(`${$('ticket-type-field-kind-select')}:visible`).click()
    const options = row.locator(`${$('ticket-type-field-options')}`)
    await options.click()
    for (const o of ['E01 吞卡', 'E02 卡钞']) {
      await options.locator('input').fill(o)
      await options.locator('input').press('Enter')
    }
    await p.click($('ticket-type-submit'))
    await p.waitForFunction((sel) => document.querySelector(sel)?.textContent?.includes('故障代码'), $('ticket-type-fields-repair'))
    await j.shot('types')
    await logout(p)
  })

  await j.step('an agent opens a repair ticket with the field filled in', async (p) => {
    await login(p, base, 'agent01')
    await p.goto(`${base}/tickets`)
    await p.click($('ticket-create'))
    await p.waitForSelector($('ticket-form-dialog'))
    await p.fill($('ticket-form-title'), '存取款一体机卡钞')
    await p.click($('ticket-form-asset'))
    await p.locator(`${$('ticket-form-asset')} input`).fill('SB0000002')
    await p.click($('ticket-form-asset-option-SB0000002'))
    await p.click($('ticket-custom-input-fault_code'))
    await p.click($('ticket-custom-option-fault_code-E02 卡钞'))
    await p.click($('ticket-form-submit'))
    await p.waitForSelector($('ticket-number'))
    ticketURL = p.url()
    await p.waitForFunction((sel) => document.querySelector(sel)?.textContent?.trim() === 'E02 卡钞', $('ticket-custom-value-fault_code'))
    const watcher = p.locator(`${$('ticket-watcher')}[data-login="agent01"]`)
    await watcher.waitFor()
    assert((await watcher.getAttribute('data-reason')) === 'creator', 'the creator watches')
  })

  await j.step('finds it again in the list by 故障代码 = E02 卡钞', async (p) => {
    const number = (await p.textContent($('ticket-number')))?.trim()
    await p.goto(`${base}/tickets`)
    await p.click($('ticket-filter-type'))
    await p.click($('ticket-filter-type-repair'))
    await p.click($('ticket-filter-custom-field'))
    await p.click($('ticket-filter-custom-field-fault_code'))
    await p.click(`${$('ticket-filter-custom')} ${$('ticket-filter-custom-value')}`)
    await p.click($('ticket-filter-custom-option-E02 卡钞'))
    // The field is new: the ticket just opened is the only one that has the value.
    await p.waitForFunction(
      (n) => {
        const links = [...document.querySelectorAll('[data-test="ticket-open"]')]
        return links.length === 1 && links[0].textContent.trim() === n
      },
      number,
    )
    await p.waitForURL((u) => u.searchParams.get('custom.fault_code') === 'E02 卡钞')
    await j.shot('custom-filter')
    await p.click($('ticket-open'))
    await p.waitForURL((u) => ticketURL.endsWith(u.pathname))
    await p.waitForSelector($('ticket-comment-body'))
  })

  await j.step('mentions the supervisor picked from the suggestions, and someone who cannot see the ticket', async (p) => {
    const box = p.locator(`textarea${$('ticket-comment-body')}, ${$('ticket-comment-body')} textarea`)
    await box.click()
    await box.pressSequentially('请主管协调备件 @super')
    const item = p.locator('.ticket-mention-popper .el-mention-dropdown__item', { hasText: 'supervisor01' })
    await item.waitFor()
    await item.click()
    await box.pressSequentially('另抄送 @pd.head ')
    await p.click($('ticket-comment-submit'))
    await p.locator(`${$('ticket-comment')}`).first().waitFor()
    const missed = p.locator(`${$('ticket-mention-missed')} [data-login="pd.head"]`)
    await missed.waitFor()
    assert((await missed.getAttribute('data-reason')) === 'no_access', 'pd.head cannot see the ticket')
    assert((await missed.textContent()).includes('无权查看'), 'the author is told why')
    await p.locator(`${$('ticket-watcher')}[data-login="supervisor01"][data-reason="mention"]`).waitFor()
    await j.shot('mentioned')
  })

  await j.step('adds a sub-task; closing the parent is refused while it is open', async (p) => {
    await p.click($('ticket-subtask-add'))
    await p.waitForSelector($('ticket-subtask-dialog'))
    await p.fill($('ticket-subtask-title'), '更换出钞模块')
    await p.click($('ticket-subtask-submit'))
    await p.locator(`${$('ticket-subtask-link')}`).first().waitFor()
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-open') === '1', $('ticket-subtasks'))
    await p.waitForSelector($('ticket-subtasks-blocking'))
    await p.click($('ticket-transition-closed'))
    await p.waitForSelector($('ticket-transition-blocked'))
    await p.click($('ticket-transition-submit'))
    await p.waitForFunction(() => [...document.querySelectorAll('.el-message')].some((m) => m.textContent.includes('子任务未完成')))
    assert((await p.getAttribute($('ticket-status'), 'data-status')) === 'new', 'the parent stays open')
    await j.shot('subtasks')
    await logout(p)
  })

  await j.step("the supervisor's bell counts the mention", async (p) => {
    await login(p, base, 'supervisor01')
    await p.waitForFunction((sel) => Number(document.querySelector(sel)?.getAttribute('data-count') ?? 0) >= 1, $('notify-badge'))
    await p.click($('notify-bell'))
    const item = p.locator($('notify-item'), { hasText: '提到了您' })
    await item.first().waitFor()
    await item.first().click()
    await p.waitForURL((u) => ticketURL.endsWith(u.pathname))
    await j.shot('bell')
  })
  await j.step('the administrator adds a 待复核 status to the 建议 workflow', async (p) => {
    await logout(p)
    await login(p, base, 'admin', ADMIN_PASSWORD)
    await p.click($('menu-ticket-types'))
    await p.click($('ticket-type-edit-suggestion'))
    await p.waitForSelector($('ticket-type-dialog'))
    await p.click(`${$('ticket-type-workflow-panel')} .el-collapse-item__header`)
    await p.waitForSelector(`${$('workflow-editor')}:visible`)
    await p.click($('workflow-status-add'))
    const row = p.locator($('workflow-status')).last()
    await row.locator($('workflow-status-code')).fill('review')
    await row.locator($('workflow-status-name-zh')).fill('待复核')
    await row.locator($('workflow-status-name-en')).fill('Under review')
    for (const [from, to] of [['in_progress', 'review'], ['review', 'resolved']]) {
      await p.click($('workflow-transition-add'))
      const tr = p.locator($('workflow-transition')).last()
      await tr.locator($('workflow-transition-from')).click()
      await p.locator(`${$('workflow-transition-from-option-' + from)}:visible`).click()
      await tr.locator($('workflow-transition-to')).click()
      await p.locator(`${$('workflow-transition-to-option-' + to)}:visible`).click()
    }
    await j.shot('workflow')
    await p.click($('ticket-type-submit'))
    await p.waitForSelector($('ticket-type-dialog'), { state: 'hidden' })
    // Kept: the type read again from the server carries the status and its moves.
    const types = await p.evaluate(async () => (await fetch('/api/v1/ticket-types')).json())
    const wf = (types.items ?? types).find((x) => x.code === 'suggestion').workflow
    assert(wf.statuses.some((s) => s.code === 'review' && s.name_zh === '待复核'), 'the status is kept')
    assert(wf.transitions.some((t) => t.from === 'in_progress' && t.to === 'review'), 'in_progress → review kept')
    assert(wf.transitions.some((t) => t.from === 'review' && t.to === 'resolved'), 'review → resolved kept')
  })
  await page.close()
  return j.passed
}
