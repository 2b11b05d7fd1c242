// One small fetch wrapper for the Lingting REST API (/api/v1).
//
// It adds Accept-Language to every call and X-CSRF-Token to every state-changing
// call (JSON bodies, or FormData for uploads), and turns the error envelope
//   { "error": { "code", "message", "details": { "fields": { … } } } }
// into an ApiError. It knows nothing about Vue: the app wires the CSRF token,
// the locale and the reactions to session errors through configureHttp.

/** Base path of every API call. */
export const API_BASE = '/api/v1'

/** Error codes the server answers with, plus "network" for a failed fetch. */
export type ErrorCode =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'rate_limited'
  | 'account_locked'
  | 'password_change_required'
  | 'internal'
  | 'network'
  | (string & {})

/** An API failure: HTTP status, error code, the server's (translated) message and field errors. */
export class ApiError extends Error {
  readonly status: number
  readonly code: ErrorCode
  readonly fields: Record<string, string>
  readonly details: Record<string, unknown>

  constructor(status: number, code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.fields = fieldsOf(details)
  }
}

/** Is err an ApiError, optionally with the given code? */
export function isApiError(err: unknown, code?: ErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code)
}

function fieldsOf(details: Record<string, unknown>): Record<string, string> {
  const raw = details.fields
  const out: Record<string, string> = {}
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      out[k] = Array.isArray(v) ? v.map(String).join('; ') : String(v)
    }
  }
  return out
}

const statusCodes: Record<number, ErrorCode> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'invalid',
  429: 'rate_limited',
}

/** Hooks the app provides; all optional so the wrapper is testable alone. */
export interface HttpConfig {
  /** Current CSRF token, sent on every non-GET request. */
  csrfToken?: () => string | null | undefined
  /** Current UI language, sent as Accept-Language. */
  locale?: () => string
  /** Called for every ApiError before it is thrown (e.g. redirect on unauthenticated). */
  onError?: (err: ApiError, req: { method: string; path: string; options: RequestOptions }) => void
  /** The fetch to use (tests pass a mock); defaults to globalThis.fetch at call time. */
  fetch?: typeof fetch
  /** Message used when the server gives none (network failure, non-JSON body). */
  fallbackMessage?: (code: ErrorCode, status: number) => string
}

let config: HttpConfig = {}

/** Sets the wrapper's hooks; later calls replace earlier ones field by field. */
export function configureHttp(next: HttpConfig): void {
  config = { ...config, ...next }
}

/** Clears all hooks (for tests). */
export function resetHttp(): void {
  config = {}
}

/** Query values; undefined, null and '' are left out, arrays repeat the key. */
export type Query = Record<string, string | number | boolean | null | undefined | Array<string | number>>

export interface RequestOptions {
  query?: Query
  /** JSON-encoded, except a FormData which is sent as multipart/form-data (uploads). */
  body?: unknown
  /** Do not run the onError hook's session handling (used by login and the initial /auth/me). */
  quiet?: boolean
  signal?: AbortSignal
}

/** Builds "/api/v1/path?query" from a path and query values. */
export function buildUrl(path: string, query?: Query): string {
  const url = API_BASE + (path.startsWith('/') ? path : '/' + path)
  if (!query) return url
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    if (Array.isArray(v)) {
      for (const item of v) params.append(k, String(item))
    } else {
      params.append(k, String(v))
    }
  }
  const qs = params.toString()
  return qs ? `${url}?${qs}` : url
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/** Sends one request and returns the decoded JSON (undefined for 204 or an empty body). */
export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  method = method.toUpperCase()
  const headers: Record<string, string> = { Accept: 'application/json' }
  const locale = config.locale?.()
  if (locale) headers['Accept-Language'] = locale
  if (!safeMethods.has(method)) {
    const token = config.csrfToken?.()
    if (token) headers['X-CSRF-Token'] = token
  }
  const init: RequestInit = { method, headers, credentials: 'same-origin', signal: options.signal }
  if (options.body instanceof FormData) {
    // multipart: the browser sets Content-Type with the boundary itself
    init.body = options.body
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(options.body)
  }

  const doFetch = config.fetch ?? globalThis.fetch
  let res: Response
  try {
    res = await doFetch(buildUrl(path, options.query), init)
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw fail(new ApiError(0, 'network', fallback('network', 0)), method, path, options)
  }

  let text: string
  try {
    text = await res.text()
  } catch {
    text = '' // body unreadable: judged by the status alone
  }
  let data: unknown = undefined
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = undefined
    }
  }

  if (res.ok) return data as T

  const env = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error
  const code: ErrorCode =
    typeof env?.code === 'string' && env.code ? env.code : (statusCodes[res.status] ?? 'internal')
  const message = typeof env?.message === 'string' && env.message ? env.message : fallback(code, res.status)
  const details =
    env?.details && typeof env.details === 'object' && !Array.isArray(env.details)
      ? (env.details as Record<string, unknown>)
      : {}
  throw fail(new ApiError(res.status, code, message, details), method, path, options)
}

function fallback(code: ErrorCode, status: number): string {
  return config.fallbackMessage?.(code, status) ?? (status ? `HTTP ${status}` : code)
}

function fail(err: ApiError, method: string, path: string, options: RequestOptions): ApiError {
  config.onError?.(err, { method, path, options })
  return err
}

/** Shorthands for the HTTP methods. */
export const http = {
  get: <T>(path: string, query?: Query, options: Omit<RequestOptions, 'query'> = {}) =>
    request<T>('GET', path, { ...options, query }),
  post: <T>(path: string, body?: unknown, options: RequestOptions = {}) => request<T>('POST', path, { ...options, body }),
  put: <T>(path: string, body?: unknown, options: RequestOptions = {}) => request<T>('PUT', path, { ...options, body }),
  patch: <T>(path: string, body?: unknown, options: RequestOptions = {}) =>
    request<T>('PATCH', path, { ...options, body }),
  del: <T = void>(path: string, options: RequestOptions = {}) => request<T>('DELETE', path, options),
}

/** A page of a list endpoint. */
export interface Page<T> {
  items: T[]
  total: number
}
