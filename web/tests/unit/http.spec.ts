import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, buildUrl, configureHttp, http, isApiError, request, resetHttp } from '../../src/api/http'

function jsonResponse(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
  })
}

type Call = [string, RequestInit]

describe('http wrapper', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  const calls = (): Call[] => fetchMock.mock.calls as unknown as Call[]
  const headersOf = (i = 0) => (calls()[i]?.[1].headers ?? {}) as Record<string, string>

  beforeEach(() => {
    resetHttp()
    fetchMock = vi.fn()
    configureHttp({ fetch: fetchMock as unknown as typeof fetch, csrfToken: () => 'tok-123', locale: () => 'zh-CN' })
  })

  afterEach(() => resetHttp())

  it('sends GET without a CSRF header but with Accept-Language, and decodes JSON', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { items: [{ id: 1 }], total: 1 }))
    const res = await http.get<{ items: { id: number }[]; total: number }>('/orgs', { q: 'bjfh', page: 1, kind: '' })
    expect(res.total).toBe(1)
    const [url, init] = calls()[0]!
    expect(url).toBe('/api/v1/orgs?q=bjfh&page=1')
    expect(init.method).toBe('GET')
    expect(init.credentials).toBe('same-origin')
    expect(headersOf()['X-CSRF-Token']).toBeUndefined()
    expect(headersOf()['Accept-Language']).toBe('zh-CN')
    expect(init.body).toBeUndefined()
  })

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('adds X-CSRF-Token on %s', async (method) => {
    fetchMock.mockResolvedValue(jsonResponse(200, { ok: true }))
    await request(method, '/users/1', { body: { name: 'x' } })
    expect(headersOf()['X-CSRF-Token']).toBe('tok-123')
    expect(headersOf()['Content-Type']).toBe('application/json')
    expect(calls()[0]![1].body).toBe('{"name":"x"}')
  })

  it('reads the CSRF token and locale at call time', async () => {
    let token = 'a'
    let locale = 'zh-CN'
    configureHttp({ csrfToken: () => token, locale: () => locale })
    fetchMock.mockImplementation(async () => jsonResponse(204))
    await http.post('/auth/logout')
    token = 'b'
    locale = 'en'
    await http.del('/auth/tokens/3')
    expect(headersOf(0)['X-CSRF-Token']).toBe('a')
    expect(headersOf(1)['X-CSRF-Token']).toBe('b')
    expect(headersOf(1)['Accept-Language']).toBe('en')
  })

  it('omits the CSRF header when there is no token', async () => {
    configureHttp({ csrfToken: () => null })
    fetchMock.mockResolvedValue(jsonResponse(200, {}))
    await http.post('/auth/login', { login: 'a', password: 'b' })
    expect('X-CSRF-Token' in headersOf()).toBe(false)
  })

  it('returns undefined for 204 No Content', async () => {
    fetchMock.mockResolvedValue(jsonResponse(204))
    await expect(http.post('/auth/password', { current_password: 'a', new_password: 'b' })).resolves.toBeUndefined()
  })

  it('parses the error envelope into an ApiError with code, message and field errors', async () => {
    fetchMock.mockResolvedValue(
      jsonResponse(422, {
        error: { code: 'invalid', message: '输入有误', details: { fields: { login: '必填', email: ['格式不对', '太长'] } } },
      }),
    )
    const err = await http.post('/users', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(isApiError(err, 'invalid')).toBe(true)
    const e = err as ApiError
    expect(e.status).toBe(422)
    expect(e.code).toBe('invalid')
    expect(e.message).toBe('输入有误')
    expect(e.fields).toEqual({ login: '必填', email: '格式不对; 太长' })
  })

  it.each([
    [401, 'unauthenticated'],
    [403, 'account_locked'],
    [403, 'password_change_required'],
    [409, 'conflict'],
    [429, 'rate_limited'],
  ])('keeps the server code for HTTP %i %s', async (status, code) => {
    fetchMock.mockResolvedValue(jsonResponse(status, { error: { code, message: 'm' } }))
    const e = (await http.get('/x').catch((x: unknown) => x)) as ApiError
    expect(e.code).toBe(code)
    expect(e.status).toBe(status)
    expect(e.fields).toEqual({})
  })

  it('derives the code from the status when the body is not an envelope', async () => {
    configureHttp({ fallbackMessage: (code, status) => `fallback ${code} ${status}` })
    fetchMock.mockResolvedValue(new Response('<html>bad gateway</html>', { status: 502 }))
    const e = (await http.get('/x').catch((x: unknown) => x)) as ApiError
    expect(e.code).toBe('internal')
    expect(e.message).toBe('fallback internal 502')

    fetchMock.mockResolvedValue(new Response('', { status: 404 }))
    const nf = (await http.get('/x').catch((x: unknown) => x)) as ApiError
    expect(nf.code).toBe('not_found')
  })

  it('turns a failed fetch into a network ApiError', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'))
    const e = (await http.get('/x').catch((x: unknown) => x)) as ApiError
    expect(e).toBeInstanceOf(ApiError)
    expect(e.code).toBe('network')
    expect(e.status).toBe(0)
  })

  it('calls onError for every failure with the request, marking quiet ones', async () => {
    const onError = vi.fn()
    configureHttp({ onError })
    fetchMock.mockImplementation(async () => jsonResponse(401, { error: { code: 'unauthenticated', message: '未登录' } }))
    await http.get('/auth/me', undefined, { quiet: true }).catch(() => undefined)
    await http.get('/users').catch(() => undefined)
    expect(onError).toHaveBeenCalledTimes(2)
    expect(onError.mock.calls[0]![1]).toMatchObject({ method: 'GET', path: '/auth/me', options: { quiet: true } })
    expect(onError.mock.calls[1]![0]).toBeInstanceOf(ApiError)
    expect(onError.mock.calls[1]![1].options.quiet).toBeUndefined()
  })

  it('builds URLs with repeated array values and without empty ones', () => {
    expect(buildUrl('users', { q: '张 三', org_id: null, status: undefined, ids: [1, 2] })).toBe(
      '/api/v1/users?q=%E5%BC%A0+%E4%B8%89&ids=1&ids=2',
    )
    expect(buildUrl('/orgs')).toBe('/api/v1/orgs')
  })
})
