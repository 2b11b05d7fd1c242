// 我的订阅 / 导出任务 against a fake API: subscriptions (schedule text, pause, history with the
// e-mail's delivery, delete) and export jobs polled until done; an export link answered 202
// follows its job in the progress dialog to the download link; 订阅 opens the dialog with the
// report and the page's filters, and saves a weekly subscription with a relative period.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import { createLingtingApp } from '../../src/app'
import { i18n } from '../../src/i18n'
import { router } from '../../src/router'
import ExportButton from '../../src/components/ExportButton.vue'
import SubscribeButton from '../../src/components/SubscribeButton.vue'

const at = '2026-11-23T00:00:00Z'
const user = {
  id: 5,
  login: 'bj.admin',
  name: '黄磊',
  org_id: 3,
  org_name: '北京分行',
  job_no: '',
  phone: '',
  email: 'huang.lei@example.com',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: at,
  updated_at: at,
}

const job = (over: Record<string, unknown>) => ({
  id: 1,
  user_id: 5,
  user_name: '黄磊',
  subscription_id: null,
  due_at: null,
  report: 'tickets',
  title: '任务明细',
  query: 'from=2026-01-01&to=2026-12-31',
  status: 'running',
  rows_done: 40000,
  rows_total: 80000,
  percent: 50,
  file_name: '',
  file_size: 0,
  error: '',
  attempts: 1,
  download_url: null,
  email_status: null,
  created_at: at,
  started_at: at,
  finished_at: null,
  expires_at: null,
  ...over,
})
const done = (id: number, over: Record<string, unknown> = {}) =>
  job({ id, status: 'done', rows_done: 80000, percent: 100, file_name: '任务明细-20261123-0800.xlsx', file_size: 5_242_880, download_url: `/api/v1/export-jobs/${id}/file`, ...over })

let sub: Record<string, unknown> = {
  id: 3,
  user_id: 5,
  user_name: '黄磊',
  email: 'huang.lei@example.com',
  report: 'service-time',
  report_name: '服务时长',
  name: '每周服务时长',
  query: 'group_by=station&period=last_week',
  frequency: 'weekly',
  weekday: 1,
  month_day: 0,
  time_of_day: '08:00',
  active: true,
  next_run_at: '2026-11-30T00:00:00Z',
  last_run_at: at,
  last_status: 'done',
  created_at: at,
  updated_at: at,
}
let subs = [sub]
let jobPolls = 0
const requests: { method: string; url: string; body?: Record<string, unknown> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit = {}) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body })
  const path = url.replace(/\?.*$/, '')
  switch (`${method} ${path}`) {
    case 'GET /api/v1/auth/me':
      return reply(200, { user, permissions: ['analytics.read'], scope: { mode: 'subtree', org_ids: [3] }, csrf_token: 'csrf-1' })
    case 'GET /api/v1/notifications':
      return reply(200, { items: [], total: 0, unread: 0 })
    case 'GET /api/v1/report-subscriptions':
      return reply(200, { items: subs, total: subs.length })
    case 'PATCH /api/v1/report-subscriptions/3':
      sub = { ...sub, ...body, next_run_at: body?.active === false ? null : sub.next_run_at }
      subs = [sub]
      return reply(200, sub)
    case 'DELETE /api/v1/report-subscriptions/3':
      subs = []
      return reply(204)
    case 'GET /api/v1/report-subscriptions/3/runs':
      return reply(200, {
        items: [
          done(9, { subscription_id: 3, due_at: '2026-11-23T00:00:00Z', title: '每周服务时长', email_status: 'sent' }),
          job({ id: 8, subscription_id: 3, due_at: '2026-11-16T00:00:00Z', status: 'failed', error: '没有权限：analytics.read', percent: 0, rows_done: 0 }),
        ],
        total: 2,
      })
    case 'POST /api/v1/report-subscriptions':
      return reply(201, { ...sub, ...body, id: 4, next_run_at: '2026-11-24T00:00:00Z' })
    case 'GET /api/v1/export-jobs':
      jobPolls++
      return reply(200, { items: [jobPolls < 2 ? job({}) : done(1)], total: 1 })
    case 'GET /api/v1/export-jobs/1':
      jobPolls++
      return reply(200, jobPolls < 2 ? job({}) : done(1))
    case 'GET /api/v1/analytics/tickets.xlsx':
      return reply(202, job({ status: 'queued', percent: 0, rows_done: 0 }))
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

class FakeEventSource {
  readyState = 0
  onopen = null
  onerror = null
  onmessage = null
  addEventListener() {}
  close() {}
}

vi.stubGlobal('fetch', fakeFetch)
vi.stubGlobal('EventSource', FakeEventSource)

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]
const wait = (fn: () => void) => vi.waitFor(fn, { timeout: 15000 })

describe('我的订阅 / 导出任务', { timeout: 60_000 }, () => {
  const { app, router: appRouter } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await appRouter.isReady()
  })
  afterAll(() => {
    app.unmount()
    root.remove()
  })

  it('lists subscriptions, pauses one and shows its runs with the e-mail delivery', async () => {
    await appRouter.push('/exports')
    await wait(() => expect(tids('subs-name').map((e) => e.textContent)).toEqual(['每周服务时长']))
    expect(tid('menu-exports')).not.toBeNull()
    expect(tid('subs-schedule')?.textContent).toBe('每周星期一 08:00')
    expect(tid('subs-next')?.textContent).toBe('2026-11-30 08:00')
    expect(tid('subs-last')?.textContent).toBe('已完成')

    tid('subs-active')!.click()
    await wait(() => expect(requests.some((r) => r.method === 'PATCH' && r.url === '/api/v1/report-subscriptions/3' && r.body?.active === false)).toBe(true))
    await wait(() => expect(tid('subs-next')?.textContent).toBe(''))

    tid('subs-history')!.click()
    await wait(() => expect(tids('job-status').filter((e) => e.closest('[data-test="runs-table"]')).length).toBe(2))
    const runs = tid('runs-table')!
    expect([...runs.querySelectorAll('[data-test="job-email"]')].map((e) => e.textContent)).toEqual(['已发送', '未发邮件'])
    expect(runs.querySelector('[data-test="job-error"]')?.textContent).toBe('')
    expect([...runs.querySelectorAll('[data-test="job-error"]')][1]?.textContent).toBe('没有权限：analytics.read')
    expect(runs.querySelector<HTMLAnchorElement>('[data-test="job-download"]')?.getAttribute('href')).toBe('/api/v1/export-jobs/9/file')
  })

  it('polls a running export job until its file can be downloaded', async () => {
    await wait(() => expect(tid('jobs-table')).not.toBeNull())
    const jobs = tid('jobs-table')!
    await wait(() => expect(jobs.querySelector('[data-test="job-status"]')?.getAttribute('data-status')).toBe('done'))
    expect(jobs.querySelector('[data-test="job-download"]')?.getAttribute('href')).toBe('/api/v1/export-jobs/1/file')
    expect(jobs.querySelector('[data-test="job-rows"]')?.textContent).toBe('80000')
  })
})

describe('export and subscribe buttons', { timeout: 60_000 }, () => {
  const Host = defineComponent({
    setup: () => () => [
      h(ExportButton, { href: '/api/v1/analytics/tickets.xlsx?from=2026-01-01&to=2026-12-31', 'data-test': 'rpt-export-tickets' }, () => '导出任务明细'),
      h(SubscribeButton, { href: '/api/v1/analytics/service-time?from=2026-11-01&to=2026-11-23&group_by=station&format=xlsx', reportName: '服务时长', 'data-test': 'rpt-subscribe' }),
    ],
  })
  const app = createApp(Host)
  const root = document.createElement('div')

  beforeAll(async () => {
    app.use(createPinia()).use(i18n).use(ElementPlus).use(router)
    document.body.appendChild(root)
    app.mount(root)
    jobPolls = 0
  })
  afterAll(() => app.unmount())

  it('follows an export answered 202 to its download link', async () => {
    const link = tid('rpt-export-tickets')!
    expect(link.getAttribute('href')).toBe('/api/v1/analytics/tickets.xlsx?from=2026-01-01&to=2026-12-31')
    link.click()
    await wait(() => expect(tid('export-job-progress')).not.toBeNull())
    await wait(() => expect(tid('export-job-progress')?.getAttribute('data-status')).toBe('done'))
    expect(tid('export-job-download')?.getAttribute('href')).toBe('/api/v1/export-jobs/1/file')
    expect(tid('export-job-ready')?.textContent).toContain('任务明细-20261123-0800.xlsx（5.0 MB）')
  })

  it('subscribes with the page filters, weekly, covering last week', async () => {
    tid('rpt-subscribe')!.click()
    await wait(() => expect(tid('sub-report')?.textContent).toBe('服务时长'))
    expect([...tid('sub-filters')!.querySelectorAll('.el-tag')].map((e) => e.textContent?.trim())).toEqual(['from=2026-11-01', 'to=2026-11-23', 'group_by=station'])
    expect(tid('sub-email')?.textContent).toContain('huang.lei@example.com')
    tid('sub-frequency-weekly')!.click()
    await wait(() => expect(tid('sub-weekday')).not.toBeNull())
    // a relative period replaces the fixed dates
    tid('sub-period')!.click()
    await wait(() => expect([...document.querySelectorAll('.el-select-dropdown__item')].some((e) => e.textContent?.includes('上周'))).toBe(true))
    ;[...document.querySelectorAll<HTMLElement>('.el-select-dropdown__item')].find((e) => e.textContent?.includes('上周'))!.click()
    await wait(() => expect([...tid('sub-filters')!.querySelectorAll('.el-tag')].map((e) => e.textContent?.trim())).toEqual(['group_by=station']))
    tid('sub-save')!.click()
    await wait(() => expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/report-subscriptions')).toBe(true))
    const post = requests.find((r) => r.method === 'POST' && r.url === '/api/v1/report-subscriptions')!
    expect(post.body).toEqual({ report: 'service-time', name: '服务时长', query: 'group_by=station&period=last_week', frequency: 'weekly', weekday: 1, time_of_day: '08:00' })
  })
})
