// Mounts the whole app against a fake customer API: list, detail with reveal and access request,
// the import report with polling and apply, access requests and the custom field admin.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'
import { useAuthStore } from '../../src/stores/auth'

const user = {
  id: 1,
  login: 'agent',
  name: '李娜',
  org_id: 1,
  org_name: '聆听服务中心',
  job_no: 'A001',
  phone: '',
  email: '',
  status: 'active',
  must_change_password: false,
  roles: [],
  last_login_at: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}

const customer = {
  id: 12,
  code: 'KH00000012',
  kind: 'individual',
  name: '王芳',
  initials: 'wf',
  phone: '138****5678',
  phones: [{ number: '138****5678', label: '手机', primary: true }],
  id_type: 'resident_id',
  id_number: '110***********002X',
  email: '',
  address: '北京市海淀区中关村大街1号',
  region: '北京',
  org_id: 2,
  org_name: '北京分行',
  manager_id: 31,
  manager_name: '韩雪',
  grade: 'gold',
  grade_name: '金卡',
  tags: ['理财'],
  source: 'counter',
  status: 'formal',
  birthday: null,
  anniversaries: [],
  confidentiality: 1,
  custom: { industry: '制造业' },
  notes: '',
  masked: true,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
}

let permissions = ['customer.read', 'customer.update', 'customer.pii.reveal', 'import.create', 'import.approve', 'export.customers', 'settings.update']
let importPolls = 0
let importStatus = 'validating'
const accessRequests: Record<string, unknown>[] = []
const requests: { method: string; url: string; body?: unknown; headers: Record<string, string> }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

function importJob() {
  return {
    id: 5,
    kind: 'customers',
    filename: '客户.csv',
    status: importStatus,
    progress: importStatus === 'validating' ? 40 : 100,
    total: 2000,
    accepted: 1951,
    rejected: 37,
    duplicates: 12,
    duplicate_policy: 'skip',
    needs_review: false,
    errors: [{ row: 3, field: '证件号码', value: '110105194912310021', message: '证件号码校验位错误' }],
    created_by_name: '李娜',
    created_at: '2026-01-03T00:00:00Z',
    applied_at: importStatus === 'applied' ? '2026-01-03T00:05:00Z' : null,
  }
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined
  requests.push({ method, url, body, headers: init.headers as Record<string, string> })
  const path = url.replace(/\?.*$/, '')
  const route = `${method} ${path}`
  switch (route) {
    case 'GET /api/v1/auth/me':
      return reply(200, { user, permissions, scope: { mode: 'all', org_ids: [] }, csrf_token: 'csrf-9' })
    case 'GET /api/v1/orgs':
      return reply(200, { items: [{ id: 1, parent_id: null, kind: 'operator', code: 'HQ', name: '聆听服务中心', region: '', address: '', path: '', depth: 0, initials: 'ltfwzx', children: [] }] })
    case 'GET /api/v1/customers':
      if (url.includes('q=big')) return reply(200, { items: [customer], total: 10000, total_exact: false })
      return reply(200, { items: url.includes('q=zzz') ? [] : [customer], total: url.includes('q=zzz') ? 0 : 1, total_exact: true })
    case 'GET /api/v1/customers/12':
      return reply(200, customer)
    case 'POST /api/v1/customers/12/reveal':
      return reply(200, { phone: '13812345678', phones: [{ number: '13812345678', label: '手机', primary: true }], id_number: '11010519491231002X' })
    case 'GET /api/v1/customers/12/contacts':
      return reply(200, { items: [], total: 0 })
    case 'GET /api/v1/customers/12/interactions':
      return reply(200, {
        items: [
          { id: 1, kind: 'call', at: '2026-01-02T01:00:00Z', content: '首次回访', next_step: '', next_at: null, user_id: 1, user_name: '李娜' },
          { id: 2, kind: 'visit', at: '2026-01-05T01:00:00Z', content: '上门拜访', next_step: '寄送资料', next_at: null, user_id: 1, user_name: '李娜' },
        ],
        total: 2,
      })
    case 'GET /api/v1/customer-grades':
      return reply(200, { items: [{ code: 'normal', name: '普通', sort: 1 }, { code: 'gold', name: '金卡', sort: 3 }] })
    case 'GET /api/v1/customer-fields':
      return reply(200, { items: [{ id: 1, code: 'industry', label: '行业', type: 'select', options: ['制造业', '金融'], required: true, sort: 10 }] })
    case 'GET /api/v1/access-requests':
      return reply(200, { items: accessRequests, total: accessRequests.length })
    case 'POST /api/v1/access-requests': {
      const r = { id: 8, customer_id: 12, customer_name: '王芳', requester_id: 1, requester_name: '李娜', reason: body.reason, hours: body.hours, status: 'pending', decided_by_name: null, decided_at: null, expires_at: null, created_at: '2026-01-03T00:00:00Z' }
      accessRequests.push(r)
      return reply(201, r)
    }
    case 'GET /api/v1/imports/5':
      importPolls++
      if (importStatus === 'validating' && importPolls >= 2) importStatus = 'ready'
      return reply(200, importJob())
    case 'POST /api/v1/imports/5/apply':
      importStatus = 'applied'
      return reply(200, importJob())
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}

const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

function type(el: HTMLElement | null, value: string) {
  const input = (el?.tagName === 'INPUT' || el?.tagName === 'TEXTAREA' ? el : el?.querySelector('input,textarea')) as HTMLInputElement
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
}

vi.stubGlobal('fetch', fakeFetch)

describe('customer pages', () => {
  const { app, router, pinia } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/customers')
    await settle()
  })

  afterAll(() => app.unmount())

  it('shows the customer menu and lists customers with masked phones', async () => {
    await vi.waitFor(() => expect(tid('customer-table')?.textContent).toContain('王芳'), { timeout: 5000 })
    expect(tid('menu-customer-group')).not.toBeNull()
    expect(tid('menu-customers')).not.toBeNull()
    expect(tid('menu-imports')).not.toBeNull()
    expect(tid('menu-access-requests')).not.toBeNull()
    expect(tid('menu-customer-fields')).not.toBeNull()
    expect(tid('customer-row-phone')?.textContent).toBe('138****5678')
    expect(tid('customer-create')).toBeNull() // no customer.create
    expect(tid('customer-export-xlsx')?.getAttribute('href')).toBe('/api/v1/exports/customers.xlsx')
  })

  it('searches by pinyin initials and exports with the same filters', async () => {
    type(tid('customer-search'), 'wf')
    tid('customer-search-submit')?.click()
    await settle()
    const list = requests.filter((r) => r.url.startsWith('/api/v1/customers?')).at(-1)
    expect(list?.url).toContain('q=wf')
    expect(list?.url).toContain('page=1')
    await vi.waitFor(() => expect(tid('customer-export-csv')?.getAttribute('href')).toBe('/api/v1/exports/customers.csv?q=wf'))
  })

  it('shows a total the server stopped counting as 10,000+', async () => {
    expect(tid('customer-total')?.textContent).toBe('共 1 条')
    type(tid('customer-search'), 'big')
    tid('customer-search-submit')?.click()
    await settle()
    await vi.waitFor(() => expect(tid('customer-total')?.textContent).toBe('共 10,000+ 条'))
    expect(tid('customer-total')?.getAttribute('data-exact')).toBe('false')
  })

  it('opens the detail page with tabs, newest interaction first', async () => {
    tid('customer-open')?.click()
    await vi.waitFor(() => expect(tid('customer-name')?.textContent).toBe('王芳'), { timeout: 5000 })
    expect(router.currentRoute.value.path).toBe('/customers/12')
    expect(tid('customer-phone')?.textContent).toBe('138****5678')
    expect(tid('customer-profile-cf-industry')?.textContent).toBe('制造业')
    const items = tids('interaction-item').map((e) => e.textContent ?? '')
    expect(items.length).toBe(2)
    expect(items[0]).toContain('上门拜访')
    expect(tid('customer-request-access')).toBeNull() // may reveal directly
  })

  it('reveals with a reason, for this view only', async () => {
    tid('customer-reveal')?.click()
    await settle()
    type(tid('customer-reveal-reason'), '电话回访')
    await settle()
    tid('customer-reveal-submit')?.click()
    await vi.waitFor(() => expect(tid('customer-phone')?.textContent).toBe('13812345678'), { timeout: 5000 })
    expect(tid('customer-id-number')?.textContent).toBe('11010519491231002X')
    const reveal = requests.find((r) => r.url === '/api/v1/customers/12/reveal')
    expect(reveal?.body).toEqual({ reason: '电话回访' })
    expect(reveal?.headers['X-CSRF-Token']).toBe('csrf-9')
    expect(tid('customer-revealed')).not.toBeNull()
  })

  it('offers an access request instead when the caller may not reveal', async () => {
    permissions = permissions.filter((p) => p !== 'customer.pii.reveal')
    await useAuthStore(pinia).loadMe()
    await router.push('/customers')
    await settle()
    await router.push('/customers/12')
    await vi.waitFor(() => expect(tid('customer-request-access')).not.toBeNull(), { timeout: 5000 })
    expect(tid('customer-reveal')).toBeNull()
    expect(tid('customer-phone')?.textContent).toBe('138****5678')
    tid('customer-request-access')?.click()
    await settle()
    type(tid('customer-access-reason'), '客户来电咨询')
    await settle()
    tid('customer-access-submit')?.click()
    await vi.waitFor(() => expect(tid('customer-access-pending')).not.toBeNull(), { timeout: 5000 })
    const post = requests.find((r) => r.method === 'POST' && r.url === '/api/v1/access-requests')
    expect(post?.body).toEqual({ customer_id: 12, reason: '客户来电咨询', hours: 24 })
  })

  it('lists my access requests', async () => {
    await router.push('/access-requests')
    await vi.waitFor(() => expect(tid('access-table')?.textContent).toContain('客户来电咨询'), { timeout: 5000 })
    expect(tid('access-status')?.getAttribute('data-status')).toBe('pending')
    expect(tid('access-tab-pending')).toBeNull() // no customer.access.approve
    expect(requests.some((r) => r.url.startsWith('/api/v1/access-requests?') && r.url.includes('mine=true'))).toBe(true)
  })

  it('polls a validating import, shows the report and applies it', async () => {
    await router.push('/imports/5')
    await vi.waitFor(() => expect(tid('import-progress')).not.toBeNull(), { timeout: 5000 })
    await vi.waitFor(() => expect(tid('import-report')).not.toBeNull(), { timeout: 5000 })
    expect(tid('import-total')?.textContent).toBe('2000')
    expect(tid('import-accepted')?.textContent).toBe('1951')
    expect(tid('import-rejected')?.textContent).toBe('37')
    expect(tid('import-duplicates')?.textContent).toBe('12')
    expect(tid('import-errors')?.textContent).toContain('证件号码校验位错误')
    expect(tid('import-download-rejected')?.getAttribute('href')).toBe('/api/v1/imports/5/rejected.xlsx')
    tid('import-apply')?.click()
    await vi.waitFor(() => expect(tid('import-applied')).not.toBeNull(), { timeout: 5000 })
    expect(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/imports/5/apply')).toBe(true)
  })

  it('shows the upload step for a new import', async () => {
    await router.push('/imports/new')
    await vi.waitFor(() => expect(tid('import-step-upload')).not.toBeNull(), { timeout: 5000 })
    expect(tid('import-template')?.getAttribute('href')).toBe('/api/v1/imports/templates/customers.xlsx')
    expect(tid('import-policy-skip')).not.toBeNull()
    expect(tid('import-upload')?.querySelector('input[type=file]')).not.toBeNull()
    expect((tid('import-submit') as HTMLButtonElement).disabled).toBe(true)
  })

  it('lists custom fields for the admin', async () => {
    await router.push('/customer-fields')
    await vi.waitFor(() => expect(tid('field-table')?.textContent).toContain('industry'), { timeout: 5000 })
    expect(tid('field-table')?.textContent).toContain('单选')
  })
})
