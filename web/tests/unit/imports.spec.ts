import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, configureHttp, resetHttp } from '../../src/api/http'
import { importFileProblem, importsApi, isValidating, MAX_IMPORT_BYTES, rejectedUrl, templateUrl } from '../../src/api/imports'
import { accessApi, accessDisplayStatus, isLiveGrant } from '../../src/api/access'

describe('import helpers', () => {
  it('accepts .xlsx and .csv files up to 50 MB', () => {
    expect(importFileProblem({ name: '客户.CSV', size: 10 })).toBeNull()
    expect(importFileProblem({ name: 'a.xlsx', size: MAX_IMPORT_BYTES })).toBeNull()
    expect(importFileProblem({ name: 'a.xls', size: 10 })).toBe('type')
    expect(importFileProblem({ name: 'a.csv.txt', size: 10 })).toBe('type')
    expect(importFileProblem({ name: 'a.xlsx', size: MAX_IMPORT_BYTES + 1 })).toBe('size')
    expect(importFileProblem({ name: 'a.csv', size: 0 })).toBe('empty')
  })

  it('knows when to poll and where the files are', () => {
    expect(isValidating({ status: 'validating' })).toBe(true)
    expect(isValidating({ status: 'ready' })).toBe(false)
    expect(isValidating(null)).toBe(false)
    expect(templateUrl()).toBe('/api/v1/imports/templates/customers.xlsx')
    expect(rejectedUrl(42)).toBe('/api/v1/imports/42/rejected.xlsx')
  })
})

describe('import upload', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    resetHttp()
    fetchMock = vi.fn()
    configureHttp({ fetch: fetchMock as unknown as typeof fetch, csrfToken: () => 'tok-1', locale: () => 'zh-CN' })
  })
  afterEach(() => resetHttp())

  it('posts multipart with the CSRF token and language, letting the browser set Content-Type', async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ id: 7, status: 'validating' }), { status: 202 }))
    const file = new File(['客户名称\n'], '客户.csv', { type: 'text/csv' })
    const res = await importsApi.upload(file, '客户.csv', 'skip')
    expect(res).toEqual({ id: 7, status: 'validating' })
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/imports')
    expect(init.method).toBe('POST')
    const headers = init.headers as Record<string, string>
    expect(headers['X-CSRF-Token']).toBe('tok-1')
    expect(headers['Accept-Language']).toBe('zh-CN')
    expect(headers['Content-Type']).toBeUndefined()
    const body = init.body as FormData
    expect(body).toBeInstanceOf(FormData)
    expect(body.get('kind')).toBe('customers')
    expect(body.get('duplicate_policy')).toBe('skip')
    expect((body.get('file') as File).name).toBe('客户.csv')
  })

  it('turns the error envelope into an ApiError with field errors', async () => {
    fetchMock.mockResolvedValue(
      new Response(JSON.stringify({ error: { code: 'invalid', message: '文件格式不支持', details: { fields: { file: '只能导入 .xlsx 或 .csv' } } } }), {
        status: 400,
      }),
    )
    const err = await importsApi.upload(new Blob(['x']), 'a.csv', 'reject').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err.code).toBe('invalid')
    expect(err.message).toBe('文件格式不支持')
    expect(err.fields).toEqual({ file: '只能导入 .xlsx 或 .csv' })
  })

  it('sends JSON bodies for the review calls', async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ id: 7, status: 'rejected' }), { status: 200 }))
    await importsApi.reject(7, '机构编码错误')
    const [url, init] = fetchMock.mock.calls[0] as [string, RequestInit]
    expect(url).toBe('/api/v1/imports/7/reject')
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json')
    expect(init.body).toBe('{"note":"机构编码错误"}')
  })

  it('asks for my access requests with mine=true and leaves it out otherwise', async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ items: [], total: 0 }), { status: 200 }))
    await accessApi.list({ mine: true, customer_id: 12 })
    await accessApi.list({ status: 'pending' })
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/v1/access-requests?mine=true&customer_id=12')
    expect(fetchMock.mock.calls[1]![0]).toBe('/api/v1/access-requests?status=pending')
  })
})

describe('access grants', () => {
  const now = new Date('2026-03-01T12:00:00Z')
  it('is live only when approved and not expired', () => {
    expect(isLiveGrant({ status: 'approved', expires_at: '2026-03-02T12:00:00Z' }, now)).toBe(true)
    expect(isLiveGrant({ status: 'approved', expires_at: '2026-03-01T11:59:59Z' }, now)).toBe(false)
    expect(isLiveGrant({ status: 'approved', expires_at: null }, now)).toBe(true)
    expect(isLiveGrant({ status: 'pending', expires_at: null }, now)).toBe(false)
    expect(isLiveGrant({ status: 'rejected', expires_at: '2026-03-02T12:00:00Z' }, now)).toBe(false)
  })

  it('shows an approved grant past its end as expired', () => {
    expect(accessDisplayStatus({ status: 'approved', expires_at: '2026-03-01T00:00:00Z' }, now)).toBe('expired')
    expect(accessDisplayStatus({ status: 'approved', expires_at: '2026-03-09T00:00:00Z' }, now)).toBe('approved')
    expect(accessDisplayStatus({ status: 'pending', expires_at: null }, now)).toBe('pending')
  })
})
