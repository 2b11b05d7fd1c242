// Pure helpers of the workflow editor (状态流程): editing statuses and transitions as rows, the
// server's per-row validation messages, and the diagram (an ECharts graph) of the flow.
import type { EChartsCoreOption } from 'echarts/core'
import { PENDING_REASONS, type Workflow, type WorkflowStatus, type WorkflowTransition } from '../../api/tickets'

/** A status code as the server accepts it (lower-case letters, digits, underscores). */
export const STATUS_CODE = /^[a-z][a-z0-9_]{0,31}$/

/** The standard flow (新建 → 已分配 → 处理中 → 挂起 → 已解决 → 已关闭), as the server's default. */
export function defaultWorkflow(): Workflow {
  const st = (code: string, name_zh: string, name_en: string, extra: Partial<WorkflowStatus> = {}): WorkflowStatus => ({
    code, name_zh, name_en, pauses_sla: false, final: false, ...extra,
  })
  const tr = (pairs: string): WorkflowTransition[] =>
    pairs.split(' ').map((p) => {
      const [from, to] = p.split('>') as [string, string]
      return { from, to }
    })
  return {
    statuses: [
      st('new', '新建', 'New'),
      st('assigned', '已分配', 'Assigned'),
      st('in_progress', '处理中', 'In progress'),
      st('pending', '挂起', 'Pending', { pauses_sla: true, reasons: [...PENDING_REASONS] }),
      st('resolved', '已解决', 'Resolved'),
      st('closed', '已关闭', 'Closed', { final: true }),
    ],
    transitions: tr(
      'new>assigned new>in_progress new>resolved new>closed assigned>assigned assigned>in_progress assigned>pending assigned>resolved ' +
        'in_progress>pending in_progress>resolved in_progress>assigned pending>in_progress pending>resolved resolved>closed resolved>in_progress closed>in_progress',
    ),
    reopen_days: 7,
  }
}

/** A deep copy to edit (the type's workflow stays as it was until saved). */
export function cloneWorkflow(wf: Workflow | null | undefined): Workflow {
  const src = wf ?? defaultWorkflow()
  return {
    statuses: src.statuses.map((s) => ({ ...s, reasons: s.reasons ? [...s.reasons] : undefined })),
    transitions: src.transitions.map((t) => ({ ...t })),
    reopen_days: src.reopen_days,
  }
}

/** The workflow as the server takes it: codes and names trimmed, reasons only where chosen. */
export function normalizeWorkflow(wf: Workflow): Workflow {
  return {
    statuses: wf.statuses.map((s) => {
      const out: WorkflowStatus = { code: s.code.trim(), name_zh: s.name_zh.trim(), name_en: s.name_en.trim(), pauses_sla: !!s.pauses_sla, final: !!s.final }
      if (s.reasons?.length) out.reasons = [...s.reasons]
      return out
    }),
    transitions: wf.transitions.map((t) => ({ from: t.from, to: t.to })),
    reopen_days: wf.reopen_days,
  }
}

/** Has the workflow been changed (compared as the server would store it)? */
export function workflowChanged(before: Workflow | null | undefined, after: Workflow): boolean {
  return JSON.stringify(normalizeWorkflow(cloneWorkflow(before))) !== JSON.stringify(normalizeWorkflow(after))
}

/** Adds an empty status row. */
export function addStatus(wf: Workflow): void {
  wf.statuses.push({ code: '', name_zh: '', name_en: '', pauses_sla: false, final: false })
}

/** Removes a status and every transition to or from it. */
export function removeStatus(wf: Workflow, index: number): void {
  const [gone] = wf.statuses.splice(index, 1)
  if (!gone?.code) return
  if (wf.statuses.some((s) => s.code === gone.code)) return // a duplicate row: the code lives on
  wf.transitions = wf.transitions.filter((t) => t.from !== gone.code && t.to !== gone.code)
}

/**
 * Changes a status's code; transitions follow when the old code named only this status (while
 * two rows share a code, which one a transition means is unknowable, so they stay).
 */
export function renameStatus(wf: Workflow, index: number, code: string): void {
  const s = wf.statuses[index]
  if (!s) return
  const old = s.code
  const unique = old !== '' && wf.statuses.filter((x) => x.code === old).length === 1
  s.code = code
  if (!unique || old === code) return
  for (const t of wf.transitions) {
    if (t.from === old) t.from = code
    if (t.to === old) t.to = code
  }
}

/** Adds a transition row: from the given status (or the first) to the next one not yet reached. */
export function addTransition(wf: Workflow, from?: string): void {
  const codes = wf.statuses.map((s) => s.code).filter(Boolean)
  const f = from ?? codes[0] ?? ''
  const to = codes.find((c) => c !== f && !wf.transitions.some((t) => t.from === f && t.to === c)) ?? ''
  wf.transitions.push({ from: f, to })
}

/** Problems the editor can tell before asking the server (shown next to the row, in the UI's words). */
export type LocalProblem = { field: string; key: 'codeRequired' | 'codeFormat' | 'codeDuplicate' | 'transitionIncomplete' | 'transitionDuplicate'; code?: string }

/** The problems of a workflow the editor reports itself (the server checks the same and more). */
export function localProblems(wf: Workflow): LocalProblem[] {
  const out: LocalProblem[] = []
  const seen = new Set<string>()
  wf.statuses.forEach((s, i) => {
    const code = s.code.trim()
    const field = `workflow.statuses[${i}].code`
    if (!code) out.push({ field, key: 'codeRequired' })
    else if (!STATUS_CODE.test(code)) out.push({ field, key: 'codeFormat', code })
    else if (seen.has(code)) out.push({ field, key: 'codeDuplicate', code })
    seen.add(code)
  })
  const moves = new Set<string>()
  wf.transitions.forEach((t, i) => {
    const field = `workflow.transitions[${i}]`
    if (!t.from || !t.to) out.push({ field, key: 'transitionIncomplete' })
    else if (moves.has(`${t.from}>${t.to}`)) out.push({ field, key: 'transitionDuplicate' })
    moves.add(`${t.from}>${t.to}`)
  })
  return out
}

/** The messages for one status row (code, name, reasons), joined. */
export function statusRowError(errors: Record<string, string | undefined>, i: number): string {
  return ['code', 'name_zh', 'name_en', 'reasons']
    .map((p) => errors[`workflow.statuses[${i}].${p}`])
    .filter(Boolean)
    .join('；')
}

/** The message for one transition row. */
export function transitionRowError(errors: Record<string, string | undefined>, i: number): string {
  return errors[`workflow.transitions[${i}]`] ?? ''
}

/** Messages about the workflow as a whole (not about one row): e.g. "needs new", a status in use. */
export function generalWorkflowErrors(errors: Record<string, string | undefined>): string[] {
  const rows = new Set(
    Object.entries(errors)
      .filter(([k]) => /^workflow\.(statuses|transitions)\[\d+\]/.test(k))
      .map(([, v]) => v),
  )
  return Object.entries(errors)
    .filter(([k, v]) => /^workflow(\.[a-z_]+)?$/.test(k) && v && !rows.has(v))
    .map(([, v]) => v as string)
}

/** A status's name in the UI language (its code when unnamed). */
export function statusLabel(s: WorkflowStatus, locale: string): string {
  return (locale.startsWith('en') ? s.name_en || s.name_zh : s.name_zh || s.name_en) || s.code
}

/** Colours of the diagram: the start, ordinary statuses, those pausing the SLA clock, final ones. */
export const GRAPH_COLOURS = { start: '#67c23a', normal: '#409eff', pauses: '#e6a23c', final: '#909399' }

/**
 * The diagram of a workflow: statuses as nodes on a circle in their order (new in green, those
 * that pause the SLA clock in orange, final ones grey), transitions as arrows (self-moves as
 * loops). Rows without a code, repeated codes, and transitions to unknown statuses are left out.
 */
export function workflowGraphOption(wf: Workflow, locale: string): EChartsCoreOption {
  const seen = new Set<string>()
  const nodes = []
  for (const s of wf.statuses) {
    if (!s.code || seen.has(s.code)) continue
    seen.add(s.code)
    const colour = s.code === 'new' ? GRAPH_COLOURS.start : s.final ? GRAPH_COLOURS.final : s.pauses_sla ? GRAPH_COLOURS.pauses : GRAPH_COLOURS.normal
    nodes.push({ id: s.code, name: statusLabel(s, locale), value: s.code, itemStyle: { color: colour }, symbolSize: 48 })
  }
  const links = wf.transitions.filter((t) => seen.has(t.from) && seen.has(t.to)).map((t) => ({ source: t.from, target: t.to }))
  return {
    tooltip: {},
    series: [
      {
        type: 'graph',
        layout: 'circular',
        circular: { rotateLabel: false },
        roam: true,
        label: { show: true, position: 'inside', fontSize: 11, color: '#fff', overflow: 'truncate', width: 46 },
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 8,
        autoCurveness: true,
        lineStyle: { color: '#a8abb2', width: 1.2, opacity: 0.9 },
        emphasis: { focus: 'adjacency', lineStyle: { width: 2.5 } },
        data: nodes,
        links,
      },
    ],
  }
}
