// Mounts the whole app against a fake API: login, permission-built menu, guard, one page.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

const user = {
  id: 1,
  login: 'admin',
  name: '管理员',
  org_id: 1,
  org_name: '聆听服务中心',
  job_no: 'A001',
  phone: '',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [{ id: 1, name: '机构管理员' }],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}
const org = (id: number, parent_id: number | null, code: string, name: string, children: unknown[] = []) => ({
  id, parent_id, kind: 'client', code, name, region: '北京', address: '', path: '', depth: 0, initials: '', children,
})

let signedIn = false
const requests: { method: string; url: string; headers: Record<string, string> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  requests.push({ method, url, headers: init.headers as Record<string, string> })
  const path = url.replace(/\?.*$/, '')
  if (path === '/api/v1/auth/login') {
    const b = JSON.parse(String(init.body))
    if (b.password !== 'secret') return reply(401, { error: { code: 'unauthenticated', message: '账号或密码错误' } })
    signedIn = true
    return reply(200, { user, csrf_token: 'csrf-1' })
  }
  if (!signedIn) return reply(401, { error: { code: 'unauthenticated', message: '未登录' } })
  if (path === '/api/v1/auth/me')
    return reply(200, { user, permissions: ['org.read', 'user.read'], scope: { mode: 'subtree', org_ids: [1] }, csrf_token: 'csrf-1' })
  if (path === '/api/v1/orgs' && url.includes('format=tree'))
    return reply(200, { items: [org(1, null, 'HQ', '聆听服务中心', [org(2, 1, 'BJ01', '北京分行')])] })
  if (path === '/api/v1/orgs/1') return reply(200, org(1, null, 'HQ', '聆听服务中心'))
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

const $ = (sel: string) => document.querySelector<HTMLElement>(sel)
const tid = (id: string) => $(`[data-test="${id}"]`)

function type(el: HTMLElement | null, value: string) {
  const input = el as HTMLInputElement
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
}

// Stubbed before the app exists: installing the router starts the first navigation.
vi.stubGlobal('fetch', fakeFetch)

describe('the app shell', () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/orgs')
    await settle()
  })

  afterAll(() => {
    app.unmount()
  })

  it('sends an anonymous visitor to the login page, keeping the target', () => {
    expect(router.currentRoute.value.name).toBe('login')
    expect(router.currentRoute.value.query.redirect).toBe('/orgs')
    expect(tid('login-title')?.textContent).toBe('聆听客户服务管理系统')
    expect(tid('login-user')).not.toBeNull()
    expect(tid('login-password')).not.toBeNull()
  })

  it('shows the server message on bad credentials', async () => {
    type(tid('login-user'), 'admin')
    type(tid('login-password'), 'wrong')
    tid('login-submit')?.click()
    await settle()
    expect(tid('login-error')?.textContent).toContain('账号或密码错误')
    expect(router.currentRoute.value.name).toBe('login')
  })

  it('signs in, goes to the target and builds the menu from permissions', async () => {
    type(tid('login-password'), 'secret')
    tid('login-submit')?.click()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/orgs'), { timeout: 5000 })
    await vi.waitFor(() => expect(tid('org-detail-code')).not.toBeNull(), { timeout: 5000 })
    expect(tid('menu-home')).not.toBeNull()
    expect(tid('menu-orgs')).not.toBeNull()
    expect(tid('menu-users')).not.toBeNull()
    expect(tid('menu-roles')).toBeNull()
    expect(tid('menu-audit')).toBeNull()
    expect(tid('user-menu-name')?.textContent).toBe('管理员')
    expect(tid('org-node-BJ01')?.textContent).toContain('北京分行')
    expect(tid('org-detail-code')?.textContent).toBe('HQ')
    // read-only holder: no write buttons
    expect(tid('org-create')).toBeNull()
    expect(tid('org-delete')).toBeNull()
  })

  it('sends the CSRF token on state-changing calls only', () => {
    const login = requests.filter((r) => r.url === '/api/v1/auth/login')
    expect(login.length).toBe(2)
    for (const r of requests) {
      if (r.method === 'GET') expect(r.headers['X-CSRF-Token']).toBeUndefined()
      expect(r.headers['Accept-Language']).toBe('zh-CN')
    }
  })

  it('answers a page without its permission with the 403 page', async () => {
    await router.push('/roles')
    await vi.waitFor(() => expect(tid('page-forbidden')).not.toBeNull(), { timeout: 5000 })
    expect(router.currentRoute.value.name).toBe('forbidden')
  })

  it('shows the 404 page for unknown paths', async () => {
    await router.push('/no/such/page')
    await vi.waitFor(() => expect(tid('page-not-found')).not.toBeNull(), { timeout: 5000 })
  })
})
