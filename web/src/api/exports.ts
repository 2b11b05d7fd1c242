// Background exports and report subscriptions (/export-jobs, /report-subscriptions, R-ANA-11).
// Contract: docs/api/analytics.md ("Background exports and scheduled reports") and
// internal/httpapi/openapi/exports.yaml.
import { ApiError, http, type Page } from './http'

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'expired'

export interface ExportJob {
  id: number
  user_id: number
  user_name: string
  subscription_id: number | null
  due_at: string | null
  report: string
  title: string
  query: string
  status: JobStatus
  rows_done: number
  rows_total: number
  percent: number
  file_name: string
  file_size: number
  error: string
  attempts: number
  download_url: string | null
  email_status: 'pending' | 'sending' | 'sent' | 'failed' | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  expires_at: string | null
}

export type Frequency = 'daily' | 'weekly' | 'monthly'

export interface Subscription {
  id: number
  user_id: number
  user_name: string
  email: string
  report: string
  report_name: string
  name: string
  query: string
  frequency: Frequency
  weekday: number
  month_day: number
  time_of_day: string
  active: boolean
  next_run_at: string | null
  last_run_at: string | null
  last_status: JobStatus | null
  created_at: string
  updated_at: string
}

export interface SubscriptionInput {
  report?: string
  name?: string
  query?: string
  frequency?: Frequency
  weekday?: number
  month_day?: number
  time_of_day?: string
  active?: boolean
}

/** Report keys (GET /export-reports) of the report pages' paths. */
export const REPORT_KEYS: Record<string, string> = {
  '/api/v1/analytics/tickets.xlsx': 'tickets',
  '/api/v1/analytics/devices': 'devices',
  '/api/v1/analytics/devices/operation': 'operation',
  '/api/v1/analytics/devices/maintenance': 'maintenance',
  '/api/v1/analytics/service-time': 'service-time',
  '/api/v1/analytics/manpower': 'manpower',
  '/api/v1/analytics/abnormal': 'abnormal',
  '/api/v1/analytics/faults': 'faults',
  '/api/v1/analytics/complaints': 'complaints',
  '/api/v1/analytics/sla': 'sla',
  '/api/v1/analytics/survey': 'survey',
  '/api/v1/analytics/satisfaction': 'satisfaction',
  '/api/v1/analytics/rankings': 'rankings',
}

/** The report and its filters behind an export address (format dropped). */
export function reportOfHref(href: string): { report: string; query: string } | null {
  const [path, qs = ''] = href.split('?')
  const report = REPORT_KEYS[path ?? '']
  if (!report) return null
  const params = new URLSearchParams(qs)
  params.delete('format')
  params.delete('async')
  return { report, query: params.toString() }
}

/** Relative periods a subscription may cover instead of the page's fixed dates. */
export const RELATIVE_PERIODS = ['yesterday', 'last_7_days', 'last_week', 'last_month', 'this_month'] as const

export const exportsApi = {
  jobs: (query: { page?: number; page_size?: number; status?: string; subscription_id?: number } = {}) =>
    http.get<Page<ExportJob>>('/export-jobs', query),
  job: (id: number) => http.get<ExportJob>(`/export-jobs/${id}`),
  createJob: (report: string, query: string) => http.post<ExportJob>('/export-jobs', { report, query }),
  subscriptions: (query: { page?: number; page_size?: number } = {}) => http.get<Page<Subscription>>('/report-subscriptions', query),
  subscribe: (input: SubscriptionInput) => http.post<Subscription>('/report-subscriptions', input),
  update: (id: number, input: SubscriptionInput) => http.patch<Subscription>(`/report-subscriptions/${id}`, input),
  remove: (id: number) => http.del(`/report-subscriptions/${id}`),
  runs: (id: number, query: { page?: number; page_size?: number } = {}) => http.get<Page<ExportJob>>(`/report-subscriptions/${id}/runs`, query),
  runNow: (id: number) => http.post<ExportJob>(`/report-subscriptions/${id}/run`),
}

/** The file name of a Content-Disposition header (RFC 6266: filename* wins). */
export function fileNameOf(disposition: string | null): string {
  if (!disposition) return ''
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim())
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/.exec(disposition)
  return plain?.[1]?.trim() ?? ''
}

/** Saves a blob as a download with a name. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export type ExportOutcome = { kind: 'file'; name: string } | { kind: 'job'; job: ExportJob }

/**
 * Asks for an export: a small one answers the file (saved at once), a large one 202 with a
 * background job to follow. fetchFn and locale are injectable for tests.
 */
export async function startExport(href: string, locale = 'zh-CN', fetchFn: typeof fetch = globalThis.fetch): Promise<ExportOutcome> {
  let res: Response
  try {
    res = await fetchFn(href, { credentials: 'same-origin', headers: { 'Accept-Language': locale } })
  } catch {
    throw new ApiError(0, 'network', 'network')
  }
  if (res.status === 202) return { kind: 'job', job: (await res.json()) as ExportJob }
  if (!res.ok) {
    let env: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } = {}
    try {
      env = (await res.json()) as typeof env
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, env.error?.code ?? 'internal', env.error?.message ?? `HTTP ${res.status}`, env.error?.details ?? {})
  }
  const name = fileNameOf(res.headers.get('Content-Disposition')) || 'export.xlsx'
  saveBlob(await res.blob(), name)
  return { kind: 'file', name }
}

/** Is the job still in progress? */
export function jobActive(j: Pick<ExportJob, 'status'>): boolean {
  return j.status === 'queued' || j.status === 'running'
}

/** A file size for people: 812 B, 3.4 KB, 12.5 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

