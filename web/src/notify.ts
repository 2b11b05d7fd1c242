// Shows errors to the user in an ElMessage.
import { ElMessage } from 'element-plus'
import { ApiError } from './api/http'
import { i18n } from './i18n'

/** True for the rejection of a cancelled ElMessageBox. */
export function isCancel(err: unknown): boolean {
  return err === 'cancel' || err === 'close'
}

/** Shows err's message (the server's for an ApiError); ignores a cancelled confirm box. */
export function showError(err: unknown): void {
  if (isCancel(err)) return
  let message: string
  if (err instanceof ApiError) message = err.message
  else {
    if (!(err instanceof DOMException && err.name === 'AbortError')) console.error(err)
    message = i18n.global.t('errors.unexpected')
  }
  ElMessage({ type: 'error', message, grouping: true, showClose: true })
}

/** Shows a short success message. */
export function showSuccess(message: string): void {
  ElMessage({ type: 'success', message, grouping: true })
}
