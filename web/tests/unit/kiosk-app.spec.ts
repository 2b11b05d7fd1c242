// Mounts the app at /kiosk/<code> against a fake API: pairing (a wrong code, then the right one),
// the idle screen, staff mode 开始 / 结束, the spoken prompt, a rating with the device token,
// reasons after a low level, ratings given offline that arrive once when the network returns,
// the timeout that sends nothing, and a revoked token that goes back to pairing.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createLingtingApp } from '../../src/app'

const CODE = 'HD01-C3'
const TOKEN = 'ld_test_token'

type Session = { id: number; status: 'open' | 'awaiting_rating' }
const world = {
  session: null as Session | null,
  nextSession: 500,
  timeout: 30,
  down: false,
  revoked: false,
  ratings: [] as { body: Record<string, unknown>; auth: string }[],
  ratedClientIds: new Map<string, number>(),
  ratingPosts: 0,
}

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const counter = {
  id: 3,
  org_id: 40,
  org_name: '海淀第一网点',
  code: CODE,
  name: '3 号窗口',
  business_type_id: 1,
  business_type_code: 'personal',
  business_type_name: '个人业务',
  staff_id: 77,
  staff_name: '唐晓',
  active: true,
}
function state() {
  return {
    counter,
    device_id: 9,
    staff: { id: 77, name: '唐晓', job_no: 'D0078', photo_url: '' },
    settings: {
      scale: 4,
      satisfied_min: 3,
      followup_max: 2,
      timeout_seconds: world.timeout,
      reasons: ['等待时间长', '态度不好'],
      welcome: '',
      levels: [
        { level: 1, label: '不满意', label_en: 'Dissatisfied' },
        { level: 2, label: '一般', label_en: 'Neutral' },
        { level: 3, label: '满意', label_en: 'Satisfied' },
        { level: 4, label: '非常满意', label_en: 'Very satisfied' },
      ],
    },
    session: world.session && { ...world.session, started_at: '2026-03-01T01:00:00Z', ended_at: null },
    now: new Date(Date.now() + 120_000).toISOString(), // the server's clock runs 2 minutes ahead
  }
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const path = url.replace(/\?.*$/, '')
  const headers = (init.headers ?? {}) as Record<string, string>
  const body = init.body ? JSON.parse(String(init.body)) : {}
  if (path === '/api/v1/kiosk/pair') {
    if (body.counter_code !== CODE || body.pairing_code !== '493817')
      return reply(422, { error: { code: 'invalid', message: '配对码无效' } })
    world.revoked = false
    return reply(200, { token: TOKEN, device_id: 9, counter })
  }
  if (world.down) throw new TypeError('Failed to fetch')
  if (headers.Authorization !== `Bearer ${TOKEN}` || world.revoked) return reply(401, { error: { code: 'unauthenticated', message: '请先登录' } })
  if (init.credentials !== 'omit') return reply(400, { error: { code: 'invalid', message: 'cookies sent' } })
  switch (`${method} ${path}`) {
    case 'GET /api/v1/kiosk/state':
      return reply(200, state())
    case 'POST /api/v1/service-sessions':
      world.session = { id: ++world.nextSession, status: 'open' }
      return reply(201, { id: world.session.id, counter_id: 3, started_at: '2026-03-01T01:00:00Z', ended_at: null })
    case `POST /api/v1/service-sessions/${world.session?.id}/end`:
      world.session = { id: world.session!.id, status: 'awaiting_rating' }
      return reply(200, { id: world.session.id })
    case 'POST /api/v1/ratings': {
      world.ratingPosts++
      const first = world.ratedClientIds.get(body.client_id)
      if (first) return reply(201, { id: first, level: body.level })
      if (world.ratings.some((r) => r.body.session_id === body.session_id)) return reply(409, { error: { code: 'conflict', message: '已评价' } })
      world.ratings.push({ body, auth: headers.Authorization ?? '' })
      world.ratedClientIds.set(body.client_id, world.ratings.length)
      if (world.session?.id === body.session_id) world.session = null
      return reply(201, { id: world.ratings.length, level: body.level })
    }
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

const spoken: string[] = []
class FakeUtterance {
  lang = ''
  rate = 1
  voice: unknown = null
  constructor(public text: string) {}
}
vi.stubGlobal('SpeechSynthesisUtterance', FakeUtterance)
vi.stubGlobal('speechSynthesis', {
  speak: (u: FakeUtterance) => spoken.push(u.text),
  cancel: () => {},
  getVoices: () => [{ lang: 'en-US', name: 'en', localService: true }, { lang: 'zh-CN', name: 'zh', localService: true }],
})
vi.stubGlobal('fetch', fakeFetch)

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const click = (id: string) => tid(id)!.click()

async function typeCode(value: string) {
  const input = tid('kiosk-pair-code') as HTMLInputElement
  input.value = value
  input.dispatchEvent(new Event('input'))
  await nextTick()
}

const W = { timeout: 9000 }

describe('kiosk', { timeout: 20_000 }, () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    localStorage.clear()
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push(`/kiosk/${CODE}`)
  })
  afterAll(() => app.unmount())

  it('asks for the pairing code and says so when it is wrong', async () => {
    await vi.waitFor(() => expect(tid('kiosk-pairing')).not.toBeNull(), W)
    expect(tid('kiosk-pair-counter')?.textContent).toBe(CODE)
    expect(tid('side-menu')).toBeNull() // no shell
    await typeCode('12a34-56')
    expect((tid('kiosk-pair-code') as HTMLInputElement).value).toBe('123456')
    click('kiosk-pair-submit')
    await vi.waitFor(() => expect(tid('kiosk-pair-error')?.textContent).toContain('配对码无效或已过期'), W)
    expect(localStorage.getItem(`lingting.kiosk.token.${CODE}`)).toBeNull()
  })

  it('pairs, keeps the token for the counter and shows who serves here', async () => {
    await typeCode('493817')
    click('kiosk-pair-submit')
    await vi.waitFor(() => expect(tid('kiosk-staff-name')?.textContent).toBe('唐晓'), W)
    expect(localStorage.getItem(`lingting.kiosk.token.${CODE}`)).toBe(TOKEN)
    expect(tid('kiosk-staff-job-no')?.textContent).toBe('D0078')
    expect(tid('kiosk-business')?.textContent).toBe('个人业务')
    expect(tid('kiosk-welcome')?.textContent).toBe('欢迎光临')
    expect(tid('kiosk-staff-avatar')?.textContent).toBe('唐晓')
    expect(tid('kiosk-counter-name')?.textContent?.trim()).toBe('3 号窗口')
  })

  it('staff mode: 开始 says 欢迎光临, 结束 brings the spoken prompt with the levels best first', async () => {
    click('kiosk-staff-mode')
    await vi.waitFor(() => expect(tid('kiosk-start')).not.toBeNull(), W)
    click('kiosk-start')
    await vi.waitFor(() => expect(tid('kiosk-serving')).not.toBeNull(), W)
    expect(spoken).toContain('欢迎光临')
    await vi.waitFor(() => expect((tid('kiosk-end') as HTMLButtonElement).disabled).toBe(false), W)
    click('kiosk-end')
    await vi.waitFor(() => expect(tid('kiosk-prompt')?.textContent).toBe('您好，请对我的服务进行评价'), W)
    expect(spoken.at(-1)).toBe('您好，请对我的服务进行评价')
    expect(tid('kiosk-staff-panel')).toBeNull()
    const labels = [...document.querySelectorAll('[data-test^="kiosk-level-"]')].map((b) => [b.getAttribute('data-level'), b.textContent?.trim()])
    expect(labels).toEqual([
      ['4', '非常满意'],
      ['3', '满意'],
      ['2', '一般'],
      ['1', '不满意'],
    ])
  })

  it('sends the rating with the device token and thanks the customer', async () => {
    const session = world.session!.id
    click('kiosk-level-4')
    await vi.waitFor(() => expect(tid('kiosk-thanks')).not.toBeNull(), W)
    await vi.waitFor(() => expect(world.ratings).toHaveLength(1), W)
    const r = world.ratings[0]!
    expect(r.auth).toBe(`Bearer ${TOKEN}`)
    expect(r.body).toMatchObject({ session_id: session, level: 4, reasons: [] })
    expect(r.body.client_id).toMatch(/^[0-9a-f-]{36}$/)
    // stamped in server time
    expect(Math.abs(Date.parse(String(r.body.rated_at)) - (Date.now() + 120_000))).toBeLessThan(10_000)
    expect(tid('kiosk-pending')).toBeNull()
    click('kiosk-thanks') // a tap goes back to idle at once
    await vi.waitFor(() => expect(tid('kiosk-idle')).not.toBeNull(), W)
  })

  it('offers reasons after a low level', async () => {
    world.session = { id: ++world.nextSession, status: 'awaiting_rating' }
    await vi.waitFor(() => expect(tid('kiosk-prompt')).not.toBeNull(), W)
    click('kiosk-level-2')
    await vi.waitFor(() => expect(tid('kiosk-reasons')).not.toBeNull(), W)
    expect(tid('kiosk-reason-0')?.textContent?.trim()).toBe('等待时间长')
    click('kiosk-reason-0')
    click('kiosk-reasons-submit')
    await vi.waitFor(() => expect(world.ratings).toHaveLength(2), W)
    expect(world.ratings[1]!.body).toMatchObject({ session_id: world.nextSession, level: 2, reasons: ['等待时间长'] })
    click('kiosk-thanks')
  })

  it('queues a rating given offline and sends it once when the network returns', async () => {
    world.session = { id: ++world.nextSession, status: 'awaiting_rating' }
    const session = world.session.id
    await vi.waitFor(() => expect(tid('kiosk-prompt')).not.toBeNull(), W)
    world.down = true
    click('kiosk-level-3')
    await vi.waitFor(() => expect(tid('kiosk-pending')?.getAttribute('data-count')).toBe('1'), W)
    expect(tid('kiosk-pending')?.textContent?.trim()).toBe('待发送 1')
    const queued = JSON.parse(localStorage.getItem(`lingting.kiosk.queue.${CODE}`) ?? '[]')
    expect(queued).toHaveLength(1)
    expect(queued[0]).toMatchObject({ session_id: session, level: 3 })
    await vi.waitFor(() => expect(tid('kiosk-offline')).not.toBeNull(), W)
    click('kiosk-thanks')
    // back to idle after the thanks; the prompt does not come back for the queued session
    await vi.waitFor(() => expect(tid('kiosk-idle')).not.toBeNull(), W)
    world.down = false
    window.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(tid('kiosk-pending')).toBeNull(), W)
    const mine = world.ratings.filter((r) => r.body.session_id === session)
    expect(mine).toHaveLength(1)
    expect(mine[0]!.body.client_id).toBe(queued[0].client_id)
    expect(localStorage.getItem(`lingting.kiosk.queue.${CODE}`)).toBeNull()
    expect(tid('kiosk-rate')).toBeNull()
  })

  it('greets a customer whose session was started at the staff screen', async () => {
    const greetings = () => spoken.filter((x) => x === '欢迎光临').length
    const before = greetings()
    world.session = { id: ++world.nextSession, status: 'open' }
    await vi.waitFor(() => expect(tid('kiosk-serving')).not.toBeNull(), W)
    expect(greetings()).toBe(before + 1)
    await new Promise((r) => setTimeout(r, 2500)) // the next poll does not greet again
    expect(greetings()).toBe(before + 1)
    world.session = null
  })

  it('lets an unanswered prompt go after the timeout and sends nothing', async () => {
    world.timeout = 1
    const before = world.ratingPosts
    world.session = { id: ++world.nextSession, status: 'awaiting_rating' }
    await vi.waitFor(() => expect(tid('kiosk-prompt')).not.toBeNull(), W)
    await vi.waitFor(() => expect(tid('kiosk-idle')).not.toBeNull(), W)
    // the server still says awaiting_rating: the kiosk does not ask again
    await new Promise((r) => setTimeout(r, 2500))
    expect(tid('kiosk-prompt')).toBeNull()
    expect(world.ratingPosts).toBe(before)
    world.timeout = 30
  })

  it('goes back to pairing when the token is refused', async () => {
    world.revoked = true
    await vi.waitFor(() => expect(tid('kiosk-pairing')).not.toBeNull(), W)
    expect(localStorage.getItem(`lingting.kiosk.token.${CODE}`)).toBeNull()
  })
})
