// Ticket attachments (/tickets/{id}/attachments, /attachments/{id}).
//
// Uploads go through XMLHttpRequest rather than the fetch wrapper: fetch reports no upload
// progress. The request carries the same headers the wrapper sends (CSRF token, language) and
// failures become the same ApiError.
import { ApiError, buildUrl, http, type ErrorCode } from './http'

/** Largest file the server accepts (20 MB). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

/** Extensions the server accepts (it also checks the bytes agree with the extension). */
export const ATTACHMENT_EXTENSIONS = [
  '.jpg',
  '.jpeg',
  '.png',
  '.gif',
  '.webp',
  '.pdf',
  '.txt',
  '.log',
  '.csv',
  '.mp4',
  '.zip',
  '.docx',
  '.xlsx',
  '.pptx',
] as const

/** The accept attribute of the file inputs. */
export const ATTACHMENT_ACCEPT = ATTACHMENT_EXTENSIONS.join(',')

/** A file attached to a ticket. */
export interface Attachment {
  id: number
  ticket_id: number
  name: string
  content_type: string
  size: number
  sha256: string
  uploaded_by: number | null
  uploader_name: string | null
  created_at: string
  /** /api/v1/attachments/<id>: inline for images and PDFs, a download otherwise. */
  url: string
  /** Images only: a 320-pixel rendition (/api/v1/attachments/<id>/thumbnail). */
  thumbnail_url?: string | null
}

export const attachmentsApi = {
  list: (ticketId: number) => http.get<{ items: Attachment[]; total: number }>(`/tickets/${ticketId}/attachments`),
  /** The uploader deletes their own; others need attachment.delete. */
  remove: (id: number) => http.del<void>(`/attachments/${id}`),
}

/** The thumbnail of an image attachment (lists and phones load it instead of the original). */
export function thumbnailUrl(a: Pick<Attachment, 'id' | 'thumbnail_url'>): string {
  return a.thumbnail_url || buildUrl(`/attachments/${a.id}/thumbnail`)
}

/** May the user delete this attachment: their own upload, or with attachment.delete. */
export function canDeleteAttachment(a: Pick<Attachment, 'uploaded_by'>, userId: number | undefined, can: (code: string) => boolean): boolean {
  if (!can('ticket.comment')) return false
  return (userId !== undefined && a.uploaded_by === userId) || can('attachment.delete')
}

/** The download / preview address of an attachment. */
export function attachmentUrl(a: Pick<Attachment, 'id' | 'url'>): string {
  return a.url || buildUrl(`/attachments/${a.id}`)
}

/**
 * Images are shown as thumbnails (the browser can draw these four), unless the server could not
 * make one (thumbnail_url null: the upload did not decode); those are listed as files.
 */
export function isImage(a: Pick<Attachment, 'content_type'> & { thumbnail_url?: string | null }): boolean {
  return /^image\/(jpeg|png|gif|webp)$/.test(a.content_type) && a.thumbnail_url !== null
}

/** The lower-case extension of a file name, with its dot ("" when none). */
export function extensionOf(name: string): string {
  const i = name.lastIndexOf('.')
  return i > 0 || (i === 0 && name.length > 1) ? name.slice(i).toLowerCase() : ''
}

/**
 * Why a file would be refused before sending it: "size" (over 20 MB), "empty", "type"
 * (extension not accepted), or null. The server decides in the end (it sniffs the bytes).
 */
export function precheckFile(file: { name: string; size: number }): 'size' | 'empty' | 'type' | null {
  if (file.size > MAX_ATTACHMENT_BYTES) return 'size'
  if (file.size === 0) return 'empty'
  if (!(ATTACHMENT_EXTENSIONS as readonly string[]).includes(extensionOf(file.name))) return 'type'
  return null
}

/** "512 B", "12.3 KB", "4.5 MB". */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return ''
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${trim1(bytes / 1024)} KB`
  return `${trim1(bytes / (1024 * 1024))} MB`
}

function trim1(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n.toFixed(1).replace(/\.0$/, '')
}

export interface UploadOptions {
  /** The session's CSRF token (sent as X-CSRF-Token). */
  csrfToken?: string | null
  /** UI language (Accept-Language), so the server's messages come in it. */
  locale?: string
  /** Called with 0..100 while the bytes go out. */
  onProgress?: (percent: number) => void
  signal?: AbortSignal
  /** Message for a failure without a server message (network, non-JSON). */
  fallbackMessage?: (code: ErrorCode, status: number) => string
  /** The XMLHttpRequest constructor (tests pass a fake). */
  xhr?: () => XMLHttpRequest
}

const statusCodes: Record<number, ErrorCode> = {
  400: 'invalid',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'invalid',
  415: 'invalid',
  422: 'invalid',
  429: 'rate_limited',
}

/** Turns an XHR answer into the attachment or an ApiError (the server's error envelope). */
export function parseUploadResponse(status: number, text: string, fallback?: UploadOptions['fallbackMessage']): Attachment {
  let data: unknown
  try {
    data = text ? JSON.parse(text) : undefined
  } catch {
    data = undefined
  }
  if (status >= 200 && status < 300 && data && typeof data === 'object') return data as Attachment
  const env = (data as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error
  const code: ErrorCode = typeof env?.code === 'string' && env.code ? env.code : (statusCodes[status] ?? (status ? 'internal' : 'network'))
  const fields = (env?.details as { fields?: Record<string, unknown> } | undefined)?.fields
  // A refused file names the reason on the field "file" (类型 / 大小): that is the useful text.
  const fileMsg = fields && typeof fields.file === 'string' ? fields.file : Array.isArray(fields?.file) ? fields.file.join('; ') : ''
  const message = fileMsg || (typeof env?.message === 'string' && env.message ? env.message : (fallback?.(code, status) ?? (status ? `HTTP ${status}` : code)))
  const details = env?.details && typeof env.details === 'object' && !Array.isArray(env.details) ? (env.details as Record<string, unknown>) : {}
  throw new ApiError(status, code, message, details)
}

/** Uploads one file to a ticket (multipart field "file") and resolves with the stored attachment. */
export function uploadAttachment(ticketId: number, file: Blob, name: string, options: UploadOptions = {}): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = options.xhr ? options.xhr() : new XMLHttpRequest()
    xhr.open('POST', buildUrl(`/tickets/${ticketId}/attachments`))
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json')
    if (options.locale) xhr.setRequestHeader('Accept-Language', options.locale)
    if (options.csrfToken) xhr.setRequestHeader('X-CSRF-Token', options.csrfToken)
    xhr.upload.onprogress = (e: ProgressEvent) => {
      if (e.lengthComputable && e.total > 0) options.onProgress?.(Math.min(100, Math.round((e.loaded / e.total) * 100)))
    }
    xhr.onload = () => {
      try {
        options.onProgress?.(100)
        resolve(parseUploadResponse(xhr.status, xhr.responseText, options.fallbackMessage))
      } catch (err) {
        reject(err)
      }
    }
    xhr.onerror = () => {
      const msg = options.fallbackMessage?.('network', 0) ?? 'network'
      reject(new ApiError(0, 'network', msg))
    }
    xhr.onabort = () => reject(new DOMException('aborted', 'AbortError'))
    if (options.signal) {
      if (options.signal.aborted) {
        reject(new DOMException('aborted', 'AbortError'))
        return
      }
      options.signal.addEventListener('abort', () => xhr.abort(), { once: true })
    }
    const form = new FormData()
    form.append('file', file, name)
    xhr.send(form)
  })
}
