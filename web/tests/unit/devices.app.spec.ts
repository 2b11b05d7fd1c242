// Mounts the app against a fake API: 导入机具 from the devices page opens the import wizard for
// devices; the devices page filters by contract; the ticket page shows thumbnails and lets the
// uploader delete an attachment.
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { createLingtingApp } from '../../src/app'

const user = {
  id: 18,
  login: 'sup',
  name: '陈静',
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
const permissions = ['asset.read', 'asset.create', 'import.create', 'contract.read', 'ticket.read', 'ticket.comment', 'org.read']

const contract = {
  id: 2,
  code: 'HT-2026-SH',
  name: '上海分行自助设备维保合同',
  client_org_id: 10,
  client_org_name: '上海分行',
  vendor_org_id: 20,
  vendor_org_name: '安达维保',
  starts_on: '2026-01-01',
  ends_on: '2026-03-21',
  status: 'expiring',
  days_left: 20,
  sla_policy_id: null,
  commitments: {},
  notes: '',
  devices: 1,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}
const device = {
  id: 101,
  code: 'SB0000101',
  type: 'ATM',
  brand: '广电运通',
  model: 'H68N',
  serial: 'S101',
  org_id: 11,
  org_name: '陆家嘴网点',
  vendor_org_id: 20,
  vendor_org_name: '安达维保',
  installed_on: null,
  warranty_until: null,
  contract_id: 2,
  status: 'in_service',
  location: '',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
}
const ticket = {
  id: 3,
  number: 'GD20260301-000003',
  type: 'repair',
  type_name: '报修',
  title: '吞卡',
  description: '',
  priority: 'normal',
  status: 'assigned',
  pending_reason: '',
  channel: 'phone',
  customer_id: null,
  customer_name: null,
  asset_id: null,
  asset_code: null,
  org_id: 11,
  org_name: '陆家嘴网点',
  vendor_org_id: 20,
  vendor_org_name: '安达维保',
  station_id: 21,
  station_name: '上海站',
  assignee_id: 30,
  assignee_name: '宋健',
  assign_rule_id: 5,
  assign_rule_name: '上海报修',
  parent_id: null,
  category_id: null,
  reported_at: '2026-03-01T00:00:00Z',
  assigned_at: '2026-03-01T00:10:00Z',
  departed_at: null,
  arrived_at: null,
  repaired_at: null,
  resolved_at: null,
  closed_at: null,
  distance_km: null,
  pending_since: null,
  version: 2,
  created_at: '2026-03-01T00:00:00Z',
  updated_at: '2026-03-01T00:00:00Z',
  durations: { response_minutes: 10, travel_minutes: null, repair_minutes: null, fault_minutes: null, pending_minutes: 0 },
  sla: { policy_id: null, targets: {} },
}
const attachment = (id: number, uploadedBy: number, name: string) => ({
  id,
  ticket_id: 3,
  name,
  content_type: 'image/png',
  size: 2048,
  sha256: '',
  uploaded_by: uploadedBy,
  uploader_name: uploadedBy === 18 ? '陈静' : '高峰',
  created_at: '2026-03-01T04:00:00Z',
  url: `/api/v1/attachments/${id}`,
  thumbnail_url: `/api/v1/attachments/${id}/thumbnail`,
})
let attachments = [attachment(41, 18, '我的照片.png'), attachment(42, 30, '工程师照片.png')]
const requests: { method: string; url: string }[] = []

function reply(status: number, body?: unknown) {
  return new Response(body === undefined ? null : JSON.stringify(body), { status })
}

const fakeFetch = vi.fn(async (url: string, init: RequestInit) => {
  const method = init.method ?? 'GET'
  requests.push({ method, url })
  const path = url.replace(/\?.*$/, '')
  switch (`${method} ${path}`) {
    case 'GET /api/v1/auth/me':
      return reply(200, { user, permissions, scope: { mode: 'all', org_ids: [] }, csrf_token: 'csrf-9' })
    case 'GET /api/v1/orgs':
      return reply(200, { items: [] })
    case 'GET /api/v1/assets':
      return reply(200, { items: [device], total: 1 })
    case 'GET /api/v1/contracts':
      return reply(200, { items: [contract], total: 1 })
    case 'GET /api/v1/ticket-types':
      return reply(200, { items: [], total: 0 })
    case 'GET /api/v1/tickets/3':
      return reply(200, ticket)
    case 'GET /api/v1/tickets/3/events':
      return reply(200, {
        items: [{ id: 1, ticket_id: 3, kind: 'assigned', at: '2026-03-01T00:10:00Z', recorded_at: '2026-03-01T00:10:00Z', actor_id: null, actor_name: null, from_status: 'new', to_status: 'assigned', reason: '', data: { assignee: '宋健', rule: '上海报修', rule_id: 5 } }],
        total: 1,
      })
    case 'GET /api/v1/tickets/3/comments':
      return reply(200, { items: [], total: 0 })
    case 'GET /api/v1/tickets/3/attachments':
      return reply(200, { items: attachments, total: attachments.length })
    case 'DELETE /api/v1/attachments/41':
      attachments = attachments.filter((a) => a.id !== 41)
      return reply(204)
  }
  return reply(404, { error: { code: 'not_found', message: 'not found' } })
})

async function settle(rounds = 30) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0))
}
const tid = (id: string) => document.querySelector<HTMLElement>(`[data-test="${id}"]`)
const tids = (id: string) => [...document.querySelectorAll<HTMLElement>(`[data-test="${id}"]`)]

vi.stubGlobal('fetch', fakeFetch)

describe('devices, contracts and attachments', () => {
  const { app, router } = createLingtingApp()
  const root = document.createElement('div')

  beforeAll(async () => {
    document.body.appendChild(root)
    app.mount(root)
    await router.isReady()
    await router.push('/assets')
    await settle()
  })

  it('opens the import wizard for devices from 导入机具', async () => {
    await vi.waitFor(() => expect(tid('asset-import')).not.toBeNull(), { timeout: 5000 })
    tid('asset-import')?.click()
    await vi.waitFor(() => expect(tid('import-step-upload')).not.toBeNull(), { timeout: 5000 })
    expect(router.currentRoute.value.query.kind).toBe('assets')
    expect(tid('import-template')?.getAttribute('href')).toBe('/api/v1/imports/templates/assets.xlsx')
    expect(tid('import-kind-hint')?.getAttribute('data-kind')).toBe('assets')
    expect(tid('import-kind-hint')?.textContent).toContain('序列号')
  }, 20_000)

  it('filters devices by contract from the address', async () => {
    await router.push('/assets?contract_id=2')
    await vi.waitFor(() => expect(requests.some((r) => r.url.startsWith('/api/v1/assets?') && r.url.includes('contract_id=2'))).toBe(true), { timeout: 5000 })
    expect(tid('asset-filter-contract')).not.toBeNull()
    tid('asset-filter-contract-expiring')?.click()
    await vi.waitFor(() => expect(requests.some((r) => r.url.includes('contract_status=expiring'))).toBe(true), { timeout: 5000 })
  }, 20_000)

  it('shows thumbnails, the dispatch rule, and deletes the own attachment', async () => {
    await router.push('/tickets/3')
    await vi.waitFor(() => expect(tids('attachment-item').length).toBe(2), { timeout: 10_000 })
    // the <img> of the first tile loads the thumbnail, not the original
    await vi.waitFor(() => expect(tids('attachment-thumb')[0]?.querySelector('img')?.getAttribute('src')).toBe('/api/v1/attachments/41/thumbnail'), { timeout: 5000 })
    expect(tid('ticket-assign-rule')?.textContent).toContain('上海报修')
    const buttons = tids('attachment-delete')
    expect(buttons.length).toBe(1) // only the own upload
    buttons[0]?.click()
    await vi.waitFor(() => expect(document.querySelector('.el-message-box__btns .el-button--primary')).not.toBeNull(), { timeout: 10_000 })
    document.querySelector<HTMLElement>('.el-message-box__btns .el-button--primary')!.click()
    await vi.waitFor(() => expect(tids('attachment-item').length).toBe(1), { timeout: 10_000 })
    expect(requests.some((r) => r.method === 'DELETE' && r.url === '/api/v1/attachments/41')).toBe(true)
  }, 30_000)
})
