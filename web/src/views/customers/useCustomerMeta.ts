// Grades and custom field definitions the customer pages need, and the labels of the codes.
import { computed, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import type { TagProps } from 'element-plus'
import { customFieldsApi, gradesApi, type CustomField, type Grade } from '../../api/customers'

/** Fields in display order: by sort, then by id. */
export function sortFields(fields: readonly CustomField[]): CustomField[] {
  return [...fields].sort((a, b) => a.sort - b.sort || a.id - b.id)
}

export function useCustomerMeta() {
  const grades = ref<Grade[]>([])
  const fields = ref<CustomField[]>([])
  const gradeByCode = computed(() => new Map(grades.value.map((g) => [g.code, g])))

  async function loadGrades(): Promise<void> {
    grades.value = [...((await gradesApi.list()).items ?? [])].sort((a, b) => a.sort - b.sort)
  }

  async function loadFields(): Promise<void> {
    fields.value = sortFields((await customFieldsApi.list()).items ?? [])
  }

  /** Loads both; a failure of one leaves the other usable (the first error is rethrown). */
  async function load(): Promise<void> {
    const results = await Promise.allSettled([loadGrades(), loadFields()])
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason
  }

  const gradeName = (code: string | null | undefined, fallback?: string | null) =>
    (code && gradeByCode.value.get(code)?.name) || fallback || code || ''

  return { grades, fields, gradeName, load, loadGrades, loadFields }
}

const statusTypes: Record<string, TagProps['type']> = { potential: 'info', formal: 'success', lost: 'danger' }
const confidentialityTypes: Record<number, TagProps['type']> = { 1: 'info', 2: 'warning', 3: 'danger' }

/** Translated labels of the customer codes (kind, status, ID type, source, …). */
export function useCustomerLabels() {
  const { t, te } = useI18n()
  const known = (prefix: string, code: string | number | null | undefined) => {
    if (code === null || code === undefined || code === '') return ''
    const key = `${prefix}.${code}`
    return te(key) ? t(key) : String(code)
  }
  return {
    kindLabel: (k: string | null | undefined) => known('customers.kinds', k),
    statusLabel: (s: string | null | undefined) => known('customers.statuses', s),
    statusType: (s: string | null | undefined): TagProps['type'] => statusTypes[s ?? ''] ?? 'info',
    idTypeLabel: (s: string | null | undefined) => known('customers.idTypes', s),
    sourceLabel: (s: string | null | undefined) => known('customers.sources', s),
    confidentialityLabel: (c: number | null | undefined) => known('customers.confidentiality', c ? `level${c}` : ''),
    confidentialityType: (c: number | null | undefined): TagProps['type'] => confidentialityTypes[c ?? 1] ?? 'info',
    fieldTypeLabel: (s: string) => known('customerFields.types', s),
  }
}
