// The pure parts of the SLA policy page: matching order, the editable form of a policy and
// the body sent back, and the summaries the list shows. No Vue, no i18n.
import {
  NOTIFY_TARGETS,
  SLA_TARGETS,
  type NotifyTarget,
  type SlaConditions,
  type SlaPolicy,
  type SlaPolicyInput,
  type SlaTarget,
  type SlaWarning,
} from '../../api/sla'
import { joinMinutes, splitMinutes } from './calendarGrid'

/** Policies in the order matching tries them: order, then id. */
export function orderPolicies<T extends Pick<SlaPolicy, 'order' | 'id'>>(list: T[]): T[] {
  return [...list].sort((a, b) => a.order - b.order || a.id - b.id)
}

/** A suggested order for a new policy: 10 after the last one. */
export function nextOrder(list: Pick<SlaPolicy, 'order'>[]): number {
  return list.length ? Math.max(...list.map((p) => p.order)) + 10 : 10
}

export type WarningKind = 'before_minutes' | 'at_percent'

/** One target as the form edits it: on/off, hours and minutes. */
export interface TargetRow {
  on: boolean
  h: number
  m: number
}

export interface WarningRow {
  kind: WarningKind
  value: number
}

export interface EscalationRow {
  level: number
  after_minutes: number
  notify: NotifyTarget
  repeat: boolean
  repeat_every_minutes: number
}

/** The policy form's model. */
export interface PolicyForm {
  name: string
  order: number
  calendar_id: number | null
  active: boolean
  match: SlaConditions
  targets: Record<SlaTarget, TargetRow>
  warnings: WarningRow[]
  escalations: EscalationRow[]
}

export function emptyConditions(): SlaConditions {
  return { types: [], priorities: [], grades: [], org_ids: [], contract_ids: [] }
}

/** The form of an existing policy, or of a new one (order and calendar suggested). */
export function policyToForm(p: SlaPolicy | null, defaults: { order?: number; calendar_id?: number | null } = {}): PolicyForm {
  const targets = {} as Record<SlaTarget, TargetRow>
  for (const k of SLA_TARGETS) {
    const v = p ? p.targets[k] : null
    targets[k] = v ? { on: true, ...splitMinutes(v) } : { on: false, h: 0, m: 0 }
  }
  if (!p) targets.resolution = { on: true, h: 8, m: 0 }
  return {
    name: p?.name ?? '',
    order: p?.order ?? defaults.order ?? 10,
    calendar_id: p?.calendar_id ?? defaults.calendar_id ?? null,
    active: p?.active ?? true,
    match: p ? { ...emptyConditions(), ...cloneConditions(p.match) } : emptyConditions(),
    targets,
    warnings: (p?.warnings ?? []).map(warningToRow),
    escalations: (p?.escalations ?? []).map((e) => ({
      level: e.level,
      after_minutes: e.after_minutes,
      notify: e.notify,
      repeat: !!e.repeat_every_minutes,
      repeat_every_minutes: e.repeat_every_minutes ?? 60,
    })),
  }
}

function cloneConditions(c: Partial<SlaConditions> | null | undefined): SlaConditions {
  return {
    types: [...(c?.types ?? [])],
    priorities: [...(c?.priorities ?? [])],
    grades: [...(c?.grades ?? [])],
    org_ids: [...(c?.org_ids ?? [])],
    contract_ids: [...(c?.contract_ids ?? [])],
  }
}

export function warningToRow(w: SlaWarning): WarningRow {
  return w.at_percent != null ? { kind: 'at_percent', value: w.at_percent } : { kind: 'before_minutes', value: w.before_minutes ?? 0 }
}

/** The body of POST / PUT: targets in minutes (null when off), warnings with one field each. */
export function formToInput(f: PolicyForm): SlaPolicyInput {
  const targets = {} as SlaPolicyInput['targets']
  for (const k of SLA_TARGETS) {
    const row = f.targets[k]
    targets[k] = row.on ? joinMinutes(row.h, row.m) : null
  }
  return {
    name: f.name.trim(),
    order: f.order,
    calendar_id: f.calendar_id ?? 0,
    active: f.active,
    match: cloneConditions(f.match),
    targets,
    warnings: f.warnings.map((w) => (w.kind === 'at_percent' ? { at_percent: w.value } : { before_minutes: w.value })),
    escalations: [...f.escalations]
      .sort((a, b) => a.level - b.level)
      .map((e) => ({
        level: e.level,
        after_minutes: e.after_minutes,
        notify: e.notify,
        ...(e.repeat ? { repeat_every_minutes: e.repeat_every_minutes } : {}),
      })),
  }
}

/** A new escalation row: the next free level, an hour after the previous one, the next recipient. */
export function nextEscalation(rows: EscalationRow[]): EscalationRow {
  const used = new Set(rows.map((r) => r.level))
  let level = 1
  while (used.has(level) && level < 9) level++
  const last = rows.length ? rows.reduce((a, b) => (b.level > a.level ? b : a)) : null
  const notify = last ? (NOTIFY_TARGETS[Math.min(NOTIFY_TARGETS.indexOf(last.notify) + 1, NOTIFY_TARGETS.length - 1)] ?? 'assignee') : 'assignee'
  return { level, after_minutes: last ? last.after_minutes + 60 : 0, notify, repeat: false, repeat_every_minutes: 60 }
}

/** Levels used more than once (the server refuses them). */
export function duplicateLevels(rows: EscalationRow[]): Set<number> {
  const seen = new Set<number>()
  const dup = new Set<number>()
  for (const r of rows) (seen.has(r.level) ? dup : seen).add(r.level)
  return dup
}

/** Does the form set at least one target? */
export function hasTarget(f: PolicyForm): boolean {
  return SLA_TARGETS.some((k) => f.targets[k].on && joinMinutes(f.targets[k].h, f.targets[k].m) > 0)
}

/** The conditions that narrow a policy, in display order (an empty list: any ticket). */
export function conditionKeys(c: SlaConditions): (keyof SlaConditions)[] {
  return (['types', 'priorities', 'grades', 'org_ids', 'contract_ids'] as const).filter((k) => (c[k] ?? []).length > 0)
}
