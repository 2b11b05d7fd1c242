// Batch import endpoints (/imports): upload, validation report, apply and review.
import { buildUrl, http, type Page } from './http'

export const IMPORT_STATUSES = ['validating', 'ready', 'pending_review', 'applied', 'rejected', 'failed'] as const
export type ImportStatus = (typeof IMPORT_STATUSES)[number]

/** What an import brings in (POST /imports kind). */
export const IMPORT_KINDS = ['customers', 'assets'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

export const DUPLICATE_POLICIES = ['skip', 'update', 'reject'] as const
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number]

/** Largest file the upload accepts. */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024
/** File name endings the import reads. */
export const IMPORT_EXTENSIONS = ['.xlsx', '.csv'] as const

/** One rejected cell or row of an import's validation report. */
export interface ImportError {
  row: number
  field: string
  value: string
  message: string
}

/** An import job (批量导入) and its validation report. */
export interface ImportJob {
  id: number
  kind: string
  filename: string
  status: ImportStatus
  progress: number
  total: number
  accepted: number
  rejected: number
  duplicates: number
  duplicate_policy: DuplicatePolicy
  needs_review: boolean
  errors?: ImportError[]
  created_by?: number
  created_by_name: string
  reviewed_by_name?: string | null
  review_note?: string
  created_at: string
  applied_at?: string | null
  failure?: string | null
}

export interface ImportFilter {
  status?: ImportStatus | ''
  page?: number
  page_size?: number
}

/** Why a file cannot be uploaded, or null: "type" (not .xlsx/.csv), "size" (over 50 MB), "empty". */
export function importFileProblem(file: { name: string; size: number }): 'type' | 'size' | 'empty' | null {
  const name = file.name.toLowerCase()
  if (!IMPORT_EXTENSIONS.some((ext) => name.endsWith(ext))) return 'type'
  if (file.size > MAX_IMPORT_BYTES) return 'size'
  if (file.size === 0) return 'empty'
  return null
}

/** Is the import still being validated (poll again)? */
export function isValidating(job: Pick<ImportJob, 'status'> | null | undefined): boolean {
  return job?.status === 'validating'
}

/** Address of the import template (downloaded by the browser). */
export const templateUrl = (kind: ImportKind = 'customers') => buildUrl(`/imports/templates/${kind}.xlsx`)

/** Address of an import's rejected rows with a 错误原因 column. */
export const rejectedUrl = (id: number) => buildUrl(`/imports/${id}/rejected.xlsx`)

export const importsApi = {
  list: (f: ImportFilter = {}) => http.get<Page<ImportJob>>('/imports', { ...f }),
  get: (id: number) => http.get<ImportJob>(`/imports/${id}`),
  /** Uploads a file as multipart (CSRF header and Accept-Language as every call) → 202 { id, status }. */
  upload: (file: Blob, filename: string, policy: DuplicatePolicy, kind: ImportKind = 'customers') => {
    const form = new FormData()
    form.append('kind', kind)
    form.append('duplicate_policy', policy)
    form.append('file', file, filename)
    return http.post<{ id: number; status: ImportStatus }>('/imports', form)
  },
  apply: (id: number) => http.post<ImportJob>(`/imports/${id}/apply`, {}),
  approve: (id: number, note = '') => http.post<ImportJob>(`/imports/${id}/approve`, { note }),
  reject: (id: number, note: string) => http.post<ImportJob>(`/imports/${id}/reject`, { note }),
}
