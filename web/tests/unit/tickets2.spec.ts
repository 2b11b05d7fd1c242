// Pure logic of attachments, saved views, bulk actions, dispatch rules and contracts.
import { describe, expect, it, vi } from 'vitest'
import { ApiError, buildUrl } from '../../src/api/http'
import { emptyTicketFilter, type TicketFilter } from '../../src/api/tickets'
import {
  extensionOf,
  formatSize,
  isImage,
  MAX_ATTACHMENT_BYTES,
  parseUploadResponse,
  precheckFile,
  uploadAttachment,
} from '../../src/api/attachments'
import { sameTicketFilter, sortViews, ticketFilterFromQuery, ticketFilterToQuery, ticketFilterToQueryString } from '../../src/api/views'
import { flattenCategories, nextSort, normalizeConditions, orderRules, summarizeBulk } from '../../src/api/dispatch'
import { contractQuery, contractStatusType, daysBetween, daysLeftInfo, sameIds } from '../../src/api/contracts'

describe('saved views: the ticket filter as a query string', () => {
  const full: TicketFilter = {
    q: ' ATM 吞卡 ',
    status: 'in_progress',
    type: 'repair',
    priority: 'urgent',
    org_id: 12,
    created: ['2026-03-01', '2026-03-31'],
    assignee_id: 18,
    station_id: 22,
    vendor_org_id: 21,
    asset_id: 5,
    customer_id: 9,
    unassigned: true,
    custom: { fault_code: 'E02 卡钞', cash_left: '2500' },
    asset_type: 'ATM',
    asset_brand: '日立',
    asset_model: 'HT-2845-V',
    region: '上海',
    category_id: 5,
    done: 'false',
    sla_policy_id: 'any',
  }

  it('round-trips every field (the title trimmed)', () => {
    const qs = ticketFilterToQueryString(full)
    expect(ticketFilterFromQuery(qs)).toEqual({ ...full, q: 'ATM 吞卡' })
    // and through a route's query object, as vue-router hands it over
    expect(ticketFilterFromQuery(ticketFilterToQuery(full))).toEqual({ ...full, q: 'ATM 吞卡' })
  })

  it('leaves empty values out, in a fixed key order', () => {
    expect(ticketFilterToQueryString(emptyTicketFilter())).toBe('')
    expect(ticketFilterToQueryString({ ...emptyTicketFilter(), priority: 'high', status: 'new' })).toBe('status=new&priority=high')
    expect(ticketFilterToQueryString({ ...emptyTicketFilter(), unassigned: false, org_id: null })).toBe('')
    expect(ticketFilterFromQuery('')).toEqual(emptyTicketFilter())
  })

  it('keeps days as days and encodes Chinese text', () => {
    const qs = ticketFilterToQueryString({ q: '吞卡', created: ['2026-01-01', '2026-01-31'] })
    expect(qs).toBe('q=%E5%90%9E%E5%8D%A1&created_from=2026-01-01&created_to=2026-01-31')
  })

  it('ignores malformed and unknown values', () => {
    const f = ticketFilterFromQuery('?priority=whenever&org_id=-3&station_id=abc&asset_id=0&customer_id=1.5&created_from=2026-13&created_to=2026-01-02&evil=<x>&unassigned=yes&category_id=x&done=maybe&sla_policy_id=some')
    expect(f).toEqual(emptyTicketFilter())
  })

  it('takes the first of repeated keys and swaps a reversed day range', () => {
    const f = ticketFilterFromQuery({ status: ['pending', 'new'], created_from: '2026-02-10', created_to: '2026-02-01', org_id: [null, '7'] })
    expect(f.status).toBe('pending')
    expect(f.org_id).toBe(7)
    expect(f.created).toEqual(['2026-02-01', '2026-02-10'])
  })

  it('compares views by meaning, not by spelling', () => {
    expect(sameTicketFilter('priority=high&status=new', 'status=new&priority=high')).toBe(true)
    expect(sameTicketFilter('status=new&foo=1', { status: 'new' })).toBe(true)
    expect(sameTicketFilter('status=new', 'status=pending')).toBe(false)
  })

  it('sorts views by name', () => {
    expect(sortViews([{ name: 'b' }, { name: 'a' }]).map((v) => v.name)).toEqual(['a', 'b'])
  })
})

describe('bulk results', () => {
  const tickets = [
    { id: 1, number: 'GD20260301-000001', title: 'ATM 吞卡' },
    { id: 2, number: 'GD20260301-000002', title: '打印机卡纸' },
    { id: 3, number: 'GD20260301-000003', title: '叫号机黑屏' },
  ]

  it('counts and names the failures in the order sent', () => {
    const s = summarizeBulk(
      {
        results: [
          { id: 1, ok: true, status: 'assigned' },
          { id: 2, ok: false, error: { code: 'conflict', message: '已关闭的工单不能派单' } },
          { id: 3, ok: false, error: { code: 'not_found', message: '工单不存在' } },
        ],
        succeeded: 1,
        failed: 2,
      },
      tickets,
    )
    expect(s).toMatchObject({ total: 3, succeeded: 1, failed: 2, changed: [1] })
    expect(s.failures).toEqual([
      { id: 2, number: 'GD20260301-000002', title: '打印机卡纸', code: 'conflict', message: '已关闭的工单不能派单' },
      { id: 3, number: 'GD20260301-000003', title: '叫号机黑屏', code: 'not_found', message: '工单不存在' },
    ])
  })

  it('counts a ticket the answer leaves out as failed', () => {
    const s = summarizeBulk({ results: [{ id: 1, ok: true }], succeeded: 1, failed: 0 }, tickets.slice(0, 2), '服务器未返回结果')
    expect(s.succeeded).toBe(1)
    expect(s.failures).toEqual([{ id: 2, number: 'GD20260301-000002', title: '打印机卡纸', code: 'internal', message: '服务器未返回结果' }])
  })

  it('all succeeded', () => {
    const s = summarizeBulk({ results: tickets.map((t) => ({ id: t.id, ok: true })), succeeded: 3, failed: 0 }, tickets)
    expect(s).toEqual({ total: 3, succeeded: 3, failed: 0, failures: [], changed: [1, 2, 3] })
  })
})

describe('dispatch rules', () => {
  it('orders rules by sort, then id, and appends after the last', () => {
    const rules = [
      { id: 3, sort: 20 },
      { id: 1, sort: 20 },
      { id: 2, sort: 5 },
    ]
    expect(orderRules(rules).map((r) => r.id)).toEqual([2, 1, 3])
    expect(nextSort(rules)).toBe(30)
    expect(nextSort([])).toBe(10)
    expect(nextSort([{ sort: 25 }])).toBe(30)
  })

  it('normalizes missing condition lists', () => {
    expect(normalizeConditions({ types: ['repair'] })).toEqual({ types: ['repair'], priorities: [], regions: [], vendor_org_ids: [], category_ids: [] })
    expect(normalizeConditions(null).regions).toEqual([])
  })

  it('flattens fault categories with their path', () => {
    const tree = [
      { id: 1, parent_id: null, name: '硬件故障', sort: 1, children: [{ id: 3, parent_id: 1, name: '吞卡', sort: 1, children: null }] },
      { id: 2, parent_id: null, name: '网络故障', sort: 2 },
    ]
    expect(flattenCategories(tree)).toEqual([
      { id: 1, label: '硬件故障' },
      { id: 3, label: '硬件故障 / 吞卡' },
      { id: 2, label: '网络故障' },
    ])
  })
})

describe('contracts', () => {
  it('asks for 即将到期 as status=expiring, with a window only when chosen, and passes the other statuses', () => {
    expect(contractQuery({ status: 'expiring', q: ' HT ' }, { page: 1, page_size: 20 })).toMatchObject({ status: 'expiring', q: 'HT', page: 1 })
    expect(contractQuery({ status: 'expiring' }).expiring_within).toBeUndefined()
    expect(contractQuery({ status: 'expiring', expiring_days: 60 })).toMatchObject({ status: 'expiring', expiring_within: 60 })
    expect(contractQuery({ status: 'active', expiring_days: 60 }).expiring_within).toBeUndefined()
    expect(contractQuery({ status: 'expired' })).toMatchObject({ status: 'expired' })
    expect(buildUrl('/contracts', contractQuery({ status: '', client_org_id: 4, vendor_org_id: null }))).toBe('/api/v1/contracts?client_org_id=4')
  })

  it('says how many days are left, past or to come', () => {
    const today = '2026-03-10'
    expect(daysLeftInfo({ status: 'expiring', days_left: 20, starts_on: '2026-01-01' }, today)).toEqual({ key: 'left', n: 20 })
    expect(daysLeftInfo({ status: 'expiring', days_left: 0, starts_on: '2026-01-01' }, today)).toEqual({ key: 'today', n: 0 })
    expect(daysLeftInfo({ status: 'expired', days_left: -3, starts_on: '2025-01-01' }, today)).toEqual({ key: 'over', n: 3 })
    expect(daysLeftInfo({ status: 'pending', days_left: 400, starts_on: '2026-04-01' }, today)).toEqual({ key: 'starts', n: 22 })
    expect(daysBetween('2026-02-27', '2026-03-01')).toBe(2)
  })

  it('colours the statuses', () => {
    expect(['active', 'expiring', 'expired', 'pending'].map(contractStatusType)).toEqual(['success', 'warning', 'danger', 'info'])
  })

  it('compares id sets', () => {
    expect(sameIds([1, 2, 3], new Set([3, 2, 1]))).toBe(true)
    expect(sameIds([1, 2], [1, 2, 3])).toBe(false)
    expect(sameIds([], [])).toBe(true)
  })
})

describe('attachments', () => {
  it('checks size and extension before sending', () => {
    expect(precheckFile({ name: '现场照片.JPG', size: 1000 })).toBeNull()
    expect(precheckFile({ name: 'report.docx', size: 1000 })).toBeNull()
    expect(precheckFile({ name: 'big.mp4', size: MAX_ATTACHMENT_BYTES + 1 })).toBe('size')
    expect(precheckFile({ name: 'empty.txt', size: 0 })).toBe('empty')
    expect(precheckFile({ name: 'photo.heic', size: 10 })).toBe('type')
    expect(precheckFile({ name: 'run.exe', size: 10 })).toBe('type')
    expect(precheckFile({ name: 'noext', size: 10 })).toBe('type')
  })

  it('formats sizes and extensions, recognises images', () => {
    expect(formatSize(512)).toBe('512 B')
    expect(formatSize(1536)).toBe('1.5 KB')
    expect(formatSize(20 * 1024 * 1024)).toBe('20 MB')
    expect(formatSize(150 * 1024)).toBe('150 KB')
    expect(extensionOf('a.b.PNG')).toBe('.png')
    expect(extensionOf('.txt')).toBe('.txt')
    expect(extensionOf('README')).toBe('')
    expect(isImage({ content_type: 'image/png' })).toBe(true)
    expect(isImage({ content_type: 'image/png', thumbnail_url: null })).toBe(false) // did not decode at upload
    expect(isImage({ content_type: 'image/svg+xml' })).toBe(false)
    expect(isImage({ content_type: 'application/pdf' })).toBe(false)
  })

  it('turns a refused upload into an ApiError carrying the reason of the file field', () => {
    const body = JSON.stringify({
      error: { code: 'invalid', message: '输入有误', details: { fields: { file: '不支持的文件类型（application/x-msdownload，扩展名 ".jpg"）' } } },
    })
    try {
      parseUploadResponse(422, body)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError)
      expect((err as ApiError).status).toBe(422)
      expect((err as ApiError).message).toContain('不支持的文件类型')
      expect((err as ApiError).fields.file).toContain('不支持的文件类型')
    }
    expect(() => parseUploadResponse(502, '<html>', (code, status) => `${code} ${status}`)).toThrow('internal 502')
    expect(parseUploadResponse(201, JSON.stringify({ id: 4, name: 'a.png' }))).toMatchObject({ id: 4 })
  })

  it('uploads with the CSRF token and language, reporting progress', async () => {
    const sent: Record<string, string> = {}
    let form: FormData | null = null
    class FakeXHR {
      status = 0
      responseText = ''
      withCredentials = false
      upload: { onprogress: ((e: ProgressEvent) => void) | null } = { onprogress: null }
      onload: (() => void) | null = null
      onerror: (() => void) | null = null
      onabort: (() => void) | null = null
      method = ''
      url = ''
      open(method: string, url: string) {
        this.method = method
        this.url = url
      }
      setRequestHeader(k: string, v: string) {
        sent[k] = v
      }
      abort() {
        this.onabort?.()
      }
      send(body: FormData) {
        form = body
        this.upload.onprogress?.({ lengthComputable: true, loaded: 50, total: 100 } as ProgressEvent)
        this.status = 201
        this.responseText = JSON.stringify({ id: 9, ticket_id: 7, name: 'p.png', content_type: 'image/png', size: 3, url: '/api/v1/attachments/9' })
        this.onload?.()
      }
    }
    let xhr: FakeXHR | null = null
    const progress = vi.fn()
    const a = await uploadAttachment(7, new Blob(['png']), 'p.png', {
      csrfToken: 'tok',
      locale: 'zh-CN',
      onProgress: progress,
      xhr: () => (xhr = new FakeXHR()) as unknown as XMLHttpRequest,
    })
    expect(a.id).toBe(9)
    expect(xhr!.method).toBe('POST')
    expect(xhr!.url).toBe('/api/v1/tickets/7/attachments')
    expect(xhr!.withCredentials).toBe(true)
    expect(sent['X-CSRF-Token']).toBe('tok')
    expect(sent['Accept-Language']).toBe('zh-CN')
    expect(form!.get('file')).toBeInstanceOf(Blob)
    expect(progress.mock.calls.map((c) => c[0])).toEqual([50, 100])
  })

  it('rejects with a network ApiError when the request fails', async () => {
    const fake = {
      upload: {},
      open() {},
      setRequestHeader() {},
      send() {
        ;(this as unknown as { onerror: () => void }).onerror()
      },
    }
    await expect(uploadAttachment(7, new Blob(['x']), 'x.txt', { xhr: () => fake as unknown as XMLHttpRequest, fallbackMessage: () => '无法连接服务器' })).rejects.toMatchObject({
      code: 'network',
      message: '无法连接服务器',
    })
  })
})
