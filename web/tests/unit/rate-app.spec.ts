// Mounts the app at /r/<token> against a fake public API: whom the customer rates, the scale
// from the server, reasons and a comment for a low level, and the used / expired / too-soon states.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createLingtingApp } from '../../src/app'

const posts: { body: Record<string, unknown>; headers: Record<string, string> }[] = []
let nextPost: { status: number; code?: string } = { status: 201 }
let lateGets = 0

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const link = (extra: Record<string, unknown> = {}) => ({
  kind: 'counter',
  org_name: '海淀第一网点',
  counter_name: '3 号窗口',
  staff_name: '唐晓',
  staff_job_no: 'D0078',
  staff_photo_url: '',
  ticket_number: null,
  settings: {
    org_id: null,
    inherited: true,
    scale: 5,
    satisfied_min: 4,
    followup_max: 2,
    timeout_seconds: 30,
    qr_cooldown_minutes: 30,
    min_ranked_n: 30,
    reasons: ['等待时间长', '态度不好'],
    welcome: '',
    levels: [1, 2, 3, 4, 5].map((level) => ({ level, label: ['很差', '差', '一般', '好', '很好'][level - 1], label_en: '' })),
  },
  used: false,
  expired: false,
  ...extra,
})

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const path = url.replace(/\?.*$/, '')
  if (method === 'GET' && path === '/api/v1/public/rating-links/tok-ok') return reply(200, link())
  if (method === 'GET' && path === '/api/v1/public/rating-links/tok-used') return reply(200, link({ used: true }))
  if (method === 'GET' && path === '/api/v1/public/rating-links/tok-gone') return reply(200, link({ expired: true }))
  if (method === 'GET' && path === '/api/v1/public/rating-links/tok-late') return reply(200, link({ expired: ++lateGets > 1 }))
  if (method === 'GET' && path === '/api/v1/public/rating-links/tok-none') return reply(404, { error: { code: 'not_found', message: '不存在' } })
  if (method === 'POST' && path === '/api/v1/ratings') {
    posts.push({ body: JSON.parse(String(init.body)), headers: init.headers as Record<string, string> })
    if (nextPost.status >= 400) return reply(nextPost.status, { error: { code: nextPost.code ?? 'invalid', message: 'x' } })
    return reply(201, { id: 1 })
  }
  return reply(401, { error: { code: 'unauthenticated', message: '请先登录' } })
})
vi.stubGlobal('fetch', fakeFetch)

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const W = { timeout: 5000 }

describe('phone rating page', () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
  })
  afterAll(() => app.unmount())

  it('shows whom the customer rates and the scale of the server, best first', async () => {
    await router.push('/r/tok-ok')
    await vi.waitFor(() => expect(tid('rate-target-name')?.textContent).toBe('唐晓'), W)
    expect(tid('rate-target-org')?.textContent).toContain('海淀第一网点')
    expect(tid('rate-target-org')?.textContent).toContain('D0078')
    expect(tid('rate-target-org')?.textContent).toContain('3 号窗口')
    const labels = [...document.querySelectorAll('[data-test^="rate-level-"]')].map((b) => b.textContent?.trim())
    expect(labels).toEqual(['很好', '好', '一般', '差', '很差'])
    expect((tid('rate-submit') as HTMLButtonElement).disabled).toBe(true)
    expect(router.currentRoute.value.name).toBe('rate') // public: no login redirect
  })

  it('offers reasons and a comment for a low level and sends them with the token', async () => {
    tid('rate-level-2')!.click()
    await nextTick()
    expect(tid('rate-reasons')).not.toBeNull()
    tid('rate-reason-1')!.click()
    const comment = tid('rate-comment') as HTMLTextAreaElement
    comment.value = ' 柜台人太少 '
    comment.dispatchEvent(new Event('input'))
    await nextTick()
    tid('rate-submit')!.click()
    await vi.waitFor(() => expect(tid('rate-done')).not.toBeNull(), W)
    expect(posts).toHaveLength(1)
    expect(posts[0]!.body).toMatchObject({ token: 'tok-ok', level: 2, reasons: ['态度不好'], comment: '柜台人太少' })
    expect(posts[0]!.body.client_id).toMatch(/^[0-9a-f-]{36}$/)
    expect(tid('rate-done')?.textContent).toContain('感谢您的评价')
  })

  it('drops the reasons when a good level is chosen after all', async () => {
    await router.push('/r/tok-none')
    await router.push('/r/tok-ok')
    await vi.waitFor(() => expect(tid('rate-level-1')).not.toBeNull(), W)
    tid('rate-level-1')!.click()
    await nextTick()
    tid('rate-reason-0')!.click()
    tid('rate-level-5')!.click()
    await nextTick()
    expect(tid('rate-reasons')).toBeNull()
    nextPost = { status: 429, code: 'rate_limited' }
    tid('rate-submit')!.click()
    await vi.waitFor(() => expect(tid('rate-limited')).not.toBeNull(), W)
    expect(tid('rate-limited')?.textContent).toContain('您刚刚已评价过，请稍后再试')
    expect(posts.at(-1)!.body).toMatchObject({ level: 5, reasons: [] })
    nextPost = { status: 201 }
  })

  it('says when the link was used, has expired or does not exist', async () => {
    await router.push('/r/tok-used')
    await vi.waitFor(() => expect(tid('rate-used')).not.toBeNull(), W)
    expect(tid('rate-used')?.textContent).toContain('该评价链接已使用')
    await router.push('/r/tok-gone')
    await vi.waitFor(() => expect(tid('rate-expired')).not.toBeNull(), W)
    await router.push('/r/tok-none')
    await vi.waitFor(() => expect(tid('rate-missing')).not.toBeNull(), W)
  })

  it('turns a 409 on submit into the expired state when the link expired meanwhile', async () => {
    await router.push('/r/tok-late')
    await vi.waitFor(() => expect(tid('rate-level-4')).not.toBeNull(), W)
    tid('rate-level-4')!.click()
    await nextTick()
    nextPost = { status: 409, code: 'conflict' }
    tid('rate-submit')!.click()
    await vi.waitFor(() => expect(tid('rate-expired')).not.toBeNull(), W)
    nextPost = { status: 201 }
  })

  it('turns a 409 on submit into the used state', async () => {
    await router.push('/r/tok-ok')
    await vi.waitFor(() => expect(tid('rate-level-4')).not.toBeNull(), W)
    tid('rate-level-4')!.click()
    await nextTick()
    nextPost = { status: 409, code: 'conflict' }
    tid('rate-submit')!.click()
    await vi.waitFor(() => expect(tid('rate-used')).not.toBeNull(), W)
    nextPost = { status: 201 }
  })
})
