// Labels and tag colours of the notification admin pages (kinds, channels, statuses).
import { useI18n } from 'vue-i18n'
import { LABELLED_KINDS, type Channel, type DeliveryStatus } from '../../api/notify'

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info'

export const STATUS_TAG: Record<DeliveryStatus, TagType> = {
  pending: 'warning',
  sending: 'primary',
  sent: 'success',
  failed: 'danger',
}

export const CHANNEL_TAG: Record<Channel, TagType> = {
  in_app: 'info',
  email: 'primary',
  sms: 'primary',
  wecom: 'success',
  dingtalk: 'success',
  webhook: 'warning',
}

const KNOWN_KINDS: readonly string[] = LABELLED_KINDS

/** Label functions bound to the component's i18n. */
export function useNotifyLabels() {
  const { t, te } = useI18n()
  const kindKey = (kind: string) => `notifyAdmin.kinds.${kind.replace('.', '_')}`
  return {
    /** 即将超时 / 超时督办 / 满意度评价邀请 / 评价器离线; an unknown kind by the server's name, else as it is. */
    kind: (kind: string, serverName?: string) => (KNOWN_KINDS.includes(kind) ? t(kindKey(kind)) : serverName || kind),
    /** The kind with the escalation level: 超时督办 · 2 级. */
    event: (kind: string, level: number) =>
      kind === 'sla.escalation' && level > 0 ? t('notifyAdmin.eventWithLevel', { kind: t(kindKey(kind)), level }) : KNOWN_KINDS.includes(kind) ? t(kindKey(kind)) : kind,
    channel: (c: string) => (te(`notifyAdmin.channels.${c}`) ? t(`notifyAdmin.channels.${c}`) : c),
    status: (s: string) => (te(`notifyAdmin.statuses.${s}`) ? t(`notifyAdmin.statuses.${s}`) : s),
  }
}
