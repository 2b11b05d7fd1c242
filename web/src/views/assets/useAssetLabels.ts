// Labels and tag colours of device codes.
import { useI18n } from 'vue-i18n'
import type { TagProps } from 'element-plus'

const statusTypes: Record<string, TagProps['type']> = { in_service: 'success', faulty: 'danger', retired: 'info' }

export function useAssetLabels() {
  const { t, te } = useI18n()
  return {
    statusLabel: (s: string | null | undefined) => {
      if (!s) return ''
      const key = `assets.statuses.${s}`
      return te(key) ? t(key) : s
    },
    statusType: (s: string | null | undefined): TagProps['type'] => statusTypes[s ?? ''] ?? 'info',
  }
}
