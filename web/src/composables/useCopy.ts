// Copies text to the clipboard, also on plain-HTTP pages where navigator.clipboard is missing.
import { ElMessage } from 'element-plus'
import { i18n } from '../i18n'

export async function copyText(text: string): Promise<void> {
  let ok = false
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      ok = true
    }
  } catch {
    ok = false
  }
  if (!ok) {
    const ta = document.createElement('textarea')
    ta.value = text
    ta.setAttribute('readonly', '')
    ta.style.position = 'fixed'
    ta.style.opacity = '0'
    document.body.appendChild(ta)
    ta.select()
    try {
      ok = document.execCommand('copy')
    } catch {
      ok = false
    }
    document.body.removeChild(ta)
  }
  ElMessage({ type: ok ? 'success' : 'warning', message: i18n.global.t(ok ? 'common.copied' : 'common.copyFailed') })
}
