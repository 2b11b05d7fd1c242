// Journey: a customer-service supervisor checks the service contracts (Shanghai's ends within
// 30 days, so it shows as 即将到期) and the devices one covers, attaches a site photo to a
// ticket and sees its thumbnail, then dispatches two new tickets to 北京第一服务站 at once from
// the ticket list.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Journey, assert, login } from './harness.mjs'

const $ = (id) => `[data-test="${id}"]`
const here = dirname(fileURLToPath(import.meta.url))
const PHOTO = join(here, 'fixtures', 'site-photo.png')

// Two new repair tickets on a Beijing ATM, made through the API with the page's session
// (the ticket form itself is covered by the tickets journey).
async function createTickets(page, title, n) {
  return page.evaluate(
    async ({ title, n }) => {
      const csrf = sessionStorage.getItem('lingting.csrf') ?? ''
      const headers = { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf }
      const assets = await (await fetch('/api/v1/assets?q=SB0000001', { headers })).json()
      const asset = assets.items?.[0]
      if (!asset) throw new Error('demo device SB0000001 not found')
      const out = []
      for (let i = 1; i <= n; i++) {
        const r = await fetch('/api/v1/tickets', {
          method: 'POST',
          headers,
          body: JSON.stringify({ type: 'repair', title: `${title} ${i}`, description: '批量派单测试', priority: 'normal', asset_id: asset.id }),
        })
        if (r.status !== 201) throw new Error(`create ticket: HTTP ${r.status} ${await r.text()}`)
        out.push(await r.json())
      }
      return out
    },
    { title, n },
  )
}

export async function contractsAndDispatch(browser, base) {
  const page = await browser.newPage({ locale: 'zh-CN', viewport: { width: 1440, height: 900 } })
  const j = new Journey('contracts', page)
  const title = `E2E 批量派单 ${Date.now().toString(36)}`
  let created = []

  await j.step('the supervisor opens 维保合同 and sees Shanghai as 即将到期', async (p) => {
    await login(p, base, 'supervisor01')
    await p.click($('menu-contracts'))
    const row = p.locator(`${$('contract-table')} .el-table__row`, { hasText: '上海分行' })
    await row.first().waitFor()
    const status = row.first().locator($('contract-row-status'))
    assert((await status.getAttribute('data-status')) === 'expiring', 'Shanghai contract is expiring')
    assert((await status.textContent()).trim() === '即将到期', 'tag reads 即将到期')
    const days = Number(await row.first().locator($('contract-row-days')).getAttribute('data-days'))
    assert(days >= 0 && days <= 30, `days left within 30: ${days}`)
    // the 即将到期 filter keeps it
    await Promise.all([
      p.waitForResponse((r) => r.url().includes('/api/v1/contracts?') && r.url().includes('status=expiring')),
      p.click($('contract-filter-expiring')),
    ])
    await row.first().waitFor()
    const statuses = await p.locator(`${$('contract-table')} ${$('contract-row-status')}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))
    assert(statuses.length > 0 && statuses.every((s) => s === 'expiring'), `only expiring contracts: ${statuses}`)
    await j.shot('list')
  })

  await j.step('opens the Shanghai contract and sees its devices and commitments', async (p) => {
    await p.locator(`${$('contract-table')} .el-table__row`, { hasText: '上海分行' }).first().locator($('contract-open')).click()
    await p.waitForSelector($('contract-code'))
    assert((await p.getAttribute($('contract-status'), 'data-status')) === 'expiring', 'detail shows 即将到期')
    assert((await p.textContent($('contract-client'))).includes('上海分行'), 'client is 上海分行')
    await p.locator(`${$('contract-device-list')} ${$('contract-device-open')}`).first().waitFor()
    const listed = await p.locator(`${$('contract-device-list')} ${$('contract-device-open')}`).count()
    const count = Number(await p.getAttribute($('contract-device-count'), 'data-count'))
    assert(listed > 0 && listed === count, `devices listed ${listed} = counted ${count}`)
    assert((await p.textContent($('contract-commitment-response'))).includes('30 分'), 'response commitment shown')
    await j.shot('detail')
  })

  await j.step('opens a ticket, uploads a site photo and sees its thumbnail', async (p) => {
    created = await createTickets(p, title, 2)
    assert(created.length === 2 && created.every((t) => t.status === 'new'), 'two new tickets')
    await p.goto(`${base}/tickets/${created[0].id}`)
    await p.waitForSelector($('ticket-attachments'))
    await p.setInputFiles($('attachment-input'), PHOTO)
    const item = p.locator(`${$('attachment-item')}[data-kind="image"]`, { hasText: 'site-photo.png' })
    await item.waitFor()
    await item.locator(`${$('attachment-thumb')} img`).waitFor()
    await p.waitForFunction(
      (sel) => {
        const img = document.querySelector(sel)
        return img && img.complete && img.naturalWidth === 96
      },
      `${$('attachment-item')}[data-kind="image"] ${$('attachment-thumb')} img`,
    )
    assert((await item.locator($('attachment-meta')).textContent()).includes('陈静'), 'uploader shown')
    // the thumbnail opens the preview
    await item.locator(`${$('attachment-thumb')} img`).click()
    await p.waitForSelector('.el-image-viewer__wrapper')
    await j.shot('photo-preview')
    await p.keyboard.press('Escape')
    await p.waitForSelector('.el-image-viewer__wrapper', { state: 'detached' })
  })

  await j.step('bulk-dispatches the two new tickets to 北京第一服务站 from the list', async (p) => {
    await p.goto(`${base}/tickets`)
    await p.fill($('ticket-filter-q'), title)
    await p.press($('ticket-filter-q'), 'Enter')
    const rows = p.locator(`${$('ticket-table')} .el-table__row`)
    await p.waitForFunction(
      ({ sel, n }) => document.querySelectorAll(sel).length === n,
      { sel: `${$('ticket-table')} .el-table__body .el-table__row`, n: 2 },
    )
    for (let i = 0; i < 2; i++) await rows.nth(i).locator('.el-checkbox').click()
    await p.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('data-count') === '2', $('ticket-bulk-count'))
    await p.click($('ticket-bulk-assign'))
    await p.waitForSelector($('ticket-bulk-assign-dialog'))
    await p.click($('ticket-bulk-station'))
    await p.locator(`${$('ticket-bulk-station')} input`).fill('bjdy')
    await p.click($('ticket-bulk-station-option-ADWB-BJ1'))
    await p.click($('ticket-bulk-assign-submit'))
    await p.waitForSelector($('ticket-bulk-summary'))
    assert((await p.getAttribute($('ticket-bulk-summary'), 'data-succeeded')) === '2', 'both dispatched')
    assert((await p.getAttribute($('ticket-bulk-summary'), 'data-failed')) === '0', 'no failures')
    await j.shot('bulk-result')
    await p.click($('ticket-bulk-result-close'))
    await p.waitForFunction(
      (sel) => {
        const tags = [...document.querySelectorAll(sel)]
        return tags.length === 2 && tags.every((t) => t.getAttribute('data-status') === 'assigned')
      },
      `${$('ticket-table')} ${$('ticket-row-status')}`,
    )
    const texts = await rows.allTextContents()
    assert(texts.every((t) => t.includes('北京第一服务站')), `both rows at 北京第一服务站: ${texts}`)
  })

  await page.close()
  return j.passed
}
