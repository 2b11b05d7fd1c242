// Dispatch: assignment rules (派单规则, /assignment-rules), automatic assignment of one ticket
// (/tickets/{id}/auto-assign) and bulk actions on several tickets (/tickets/bulk).
import { http } from './http'
import type { Ticket } from './tickets'

export const STRATEGIES = ['round_robin', 'least_loaded', 'station'] as const
export type Strategy = (typeof STRATEGIES)[number]

/** What a rule matches; an empty list matches anything. */
export interface RuleConditions {
  types: string[]
  priorities: string[]
  /** Regions of the ticket's org (e.g. 北京, 上海). */
  regions: string[]
  vendor_org_ids: number[]
  /** Fault categories (the knowledge base's categories). */
  category_ids: number[]
}

export interface AssignmentRule {
  id: number
  name: string
  sort: number
  conditions: RuleConditions
  station_id: number
  station_name: string
  strategy: Strategy | (string & {})
  active: boolean
  created_at: string
  updated_at: string
}

export interface AssignmentRuleInput {
  name: string
  sort: number
  conditions: RuleConditions
  station_id: number
  strategy: Strategy
  active: boolean
}

/** POST /tickets/{id}/auto-assign answer: the ticket and the rule that placed it. */
export interface AutoAssignResult {
  ticket: Ticket
  rule_id: number
  rule: string
}

/** A fault category (knowledge base tree). */
export interface FaultCategory {
  id: number
  parent_id: number | null
  name: string
  sort: number
  children?: FaultCategory[] | null
}

export const dispatchApi = {
  rules: () => http.get<{ items: AssignmentRule[]; total: number }>('/assignment-rules'),
  create: (body: AssignmentRuleInput) => http.post<AssignmentRule>('/assignment-rules', body),
  update: (id: number, body: AssignmentRuleInput) => http.put<AssignmentRule>(`/assignment-rules/${id}`, body),
  remove: (id: number) => http.del(`/assignment-rules/${id}`),
  autoAssign: (ticketId: number) => http.post<AutoAssignResult>(`/tickets/${ticketId}/auto-assign`),
  /** Fault categories (needs kb.read). */
  categories: () => http.get<{ items: FaultCategory[] }>('/kb/categories'),
}

export function emptyConditions(): RuleConditions {
  return { types: [], priorities: [], regions: [], vendor_org_ids: [], category_ids: [] }
}

/** Conditions with every list present (the server may leave one out). */
export function normalizeConditions(c: Partial<RuleConditions> | null | undefined): RuleConditions {
  return {
    types: [...(c?.types ?? [])],
    priorities: [...(c?.priorities ?? [])],
    regions: [...(c?.regions ?? [])],
    vendor_org_ids: [...(c?.vendor_org_ids ?? [])],
    category_ids: [...(c?.category_ids ?? [])],
  }
}

/** Rules in the order the server tries them: sort, then id. */
export function orderRules<T extends Pick<AssignmentRule, 'id' | 'sort'>>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => a.sort - b.sort || a.id - b.id)
}

/** The sort of a rule added after the others (steps of 10 leave room in between). */
export function nextSort(rules: readonly Pick<AssignmentRule, 'sort'>[]): number {
  const max = rules.reduce((m, r) => Math.max(m, r.sort), 0)
  return Math.floor(max / 10) * 10 + 10
}

/** Fault categories flattened depth first, with their path as label (e.g. 硬件故障 / 吞卡). */
export function flattenCategories(roots: readonly FaultCategory[], sep = ' / '): { id: number; label: string }[] {
  const out: { id: number; label: string }[] = []
  const walk = (nodes: readonly FaultCategory[], prefix: string) => {
    for (const n of nodes) {
      const label = prefix ? `${prefix}${sep}${n.name}` : n.name
      out.push({ id: n.id, label })
      if (n.children?.length) walk(n.children, label)
    }
  }
  walk(roots, '')
  return out
}

// ---------------------------------------------------------------------------
// Bulk actions

export type BulkAction = 'assign' | 'transition'

export interface BulkInput {
  ids: number[]
  action: BulkAction
  user_id?: number
  org_id?: number
  to?: string
  reason?: string
  note?: string
}

export interface BulkItemResult {
  id: number
  ok: boolean
  /** The status after the change (when ok). */
  status?: string
  error?: { code: string; message: string }
}

export interface BulkResult {
  results: BulkItemResult[]
  succeeded: number
  failed: number
}

export const bulkApi = {
  run: (body: BulkInput) => http.post<BulkResult>('/tickets/bulk', body),
}

/** Most tickets one bulk request may carry. */
export const BULK_MAX = 200

/** One failed ticket, named for people. */
export interface BulkFailure {
  id: number
  number: string
  title: string
  code: string
  message: string
}

export interface BulkSummary {
  total: number
  succeeded: number
  failed: number
  /** Failures in the order the tickets were sent. */
  failures: BulkFailure[]
  /** Ids of the tickets that changed. */
  changed: number[]
}

/**
 * Sums up a bulk answer for the tickets that were selected: counts from the per-ticket results
 * (not the server's totals, so both always agree with the list shown), failures named by the
 * ticket's number and title. A ticket the answer leaves out counts as failed.
 */
export function summarizeBulk(
  res: BulkResult,
  tickets: readonly Pick<Ticket, 'id' | 'number' | 'title'>[],
  missingMessage = '',
): BulkSummary {
  const byId = new Map(res.results.map((r) => [r.id, r]))
  const failures: BulkFailure[] = []
  const changed: number[] = []
  for (const tk of tickets) {
    const r = byId.get(tk.id)
    if (r?.ok) {
      changed.push(tk.id)
      continue
    }
    failures.push({
      id: tk.id,
      number: tk.number,
      title: tk.title,
      code: r?.error?.code ?? 'internal',
      message: r?.error?.message || missingMessage,
    })
  }
  // results for ids that were not in the selection (should not happen) still count
  for (const r of res.results) {
    if (tickets.some((tk) => tk.id === r.id)) continue
    if (r.ok) changed.push(r.id)
    else failures.push({ id: r.id, number: String(r.id), title: '', code: r.error?.code ?? 'internal', message: r.error?.message ?? missingMessage })
  }
  return { total: changed.length + failures.length, succeeded: changed.length, failed: failures.length, failures, changed }
}
