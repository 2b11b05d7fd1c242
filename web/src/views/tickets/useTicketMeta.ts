// Ticket types with their workflows, and the labels and tag colours of ticket codes.
import { computed, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import type { TagProps } from 'element-plus'
import { ticketsApi, type TicketType, type Workflow } from '../../api/tickets'
import { statusName, unionStatuses } from './ticketFlow'

const statusTypes: Record<string, TagProps['type']> = {
  new: 'danger',
  assigned: 'warning',
  in_progress: 'primary',
  pending: 'info',
  resolved: 'success',
  closed: 'info',
}

const priorityTypes: Record<string, TagProps['type']> = { low: 'info', normal: 'primary', high: 'warning', urgent: 'danger' }

export function useTicketMeta() {
  const { t, te, locale } = useI18n()
  const types = ref<TicketType[]>([])
  const byCode = computed(() => new Map(types.value.map((x) => [x.code, x])))
  const statuses = computed(() => unionStatuses(types.value))

  async function load(): Promise<void> {
    types.value = [...((await ticketsApi.types()).items ?? [])].sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code))
  }

  /** The workflow of a type (the first type's when the type is unknown). */
  function workflowOf(type: string | null | undefined): Workflow | null {
    return (type && byCode.value.get(type)?.workflow) || types.value[0]?.workflow || null
  }

  const known = (prefix: string, code: string | null | undefined) => {
    if (!code) return ''
    const key = `${prefix}.${code}`
    return te(key) ? t(key) : code
  }

  return {
    types,
    statuses,
    load,
    workflowOf,
    typeName: (code: string | null | undefined, fallback?: string | null) =>
      (code && byCode.value.get(code)?.name) || fallback || code || '',
    statusLabel: (type: string | null | undefined, code: string | null | undefined) =>
      statusName(workflowOf(type), code ?? '', String(locale.value)),
    statusType: (code: string | null | undefined): TagProps['type'] => statusTypes[code ?? ''] ?? 'info',
    priorityLabel: (p: string | null | undefined) => known('tickets.priorities', p),
    priorityType: (p: string | null | undefined): TagProps['type'] => priorityTypes[p ?? ''] ?? 'info',
    reasonLabel: (r: string | null | undefined) => known('tickets.reasons', r),
    channelLabel: (c: string | null | undefined) => known('tickets.channels', c),
  }
}

export type TicketMeta = ReturnType<typeof useTicketMeta>
