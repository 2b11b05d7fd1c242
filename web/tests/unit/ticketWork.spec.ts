// Pure logic of the ticket list's custom field filter (the filter in the query string — address
// bar and saved views —, the values each kind of input gives, what survives a type change) and
// of the workflow editor (row edits, problems by row, the diagram).
import { describe, expect, it } from 'vitest'
import { emptyTicketFilter, ticketQuery, type FieldDef, type Workflow } from '../../src/api/tickets'
import { sameTicketFilter, ticketFilterFromQuery, ticketFilterToQueryString } from '../../src/api/views'
import { filterInputValue, filterValueFromInput, pruneCustomFilter } from '../../src/views/tickets/customFields'
import {
  addStatus,
  addTransition,
  cloneWorkflow,
  generalWorkflowErrors,
  GRAPH_COLOURS,
  localProblems,
  normalizeWorkflow,
  removeStatus,
  renameStatus,
  statusRowError,
  transitionRowError,
  workflowChanged,
  workflowGraphOption,
} from '../../src/views/ticketTypes/workflowEdit'

const field = (key: string, kind: FieldDef['kind'], options: string[] = []): FieldDef => ({ key, label: key, kind, required: false, options, sort: 0 })

describe('custom field filters in the query string', () => {
  it('puts custom.<key> last, by key, and reads it back', () => {
    const qs = ticketFilterToQueryString({ ...emptyTicketFilter(), type: 'repair', custom: { vip: 'true', fault_code: 'E02 卡钞' } })
    expect(qs).toBe('type=repair&custom.fault_code=E02+%E5%8D%A1%E9%92%9E&custom.vip=true')
    expect(ticketFilterFromQuery(qs).custom).toEqual({ fault_code: 'E02 卡钞', vip: 'true' })
    expect(ticketFilterFromQuery({ type: 'repair', 'custom.cash_left': ['2500', '10'] }).custom).toEqual({ cash_left: '2500' })
  })

  it('drops bad keys and empty values', () => {
    const f = ticketFilterFromQuery('custom.Bad-Key=1&custom.=x&custom.note=%20%20&custom.ok=1&customer=2')
    expect(f.custom).toEqual({ ok: '1' })
    expect(ticketFilterToQueryString({ custom: { 'Bad-Key': '1', note: ' ', ok: '' } })).toBe('')
  })

  it('compares saved views with custom filters by meaning', () => {
    expect(sameTicketFilter('custom.b=2&custom.a=1&type=x', 'type=x&custom.a=1&custom.b=2')).toBe(true)
    expect(sameTicketFilter('type=x&custom.a=1', 'type=x&custom.a=2')).toBe(false)
  })

  it('sends custom.<key> to GET /tickets', () => {
    expect(ticketQuery({ type: 'repair', custom: { fault_code: 'E01', empty: '' } })).toMatchObject({ type: 'repair', 'custom.fault_code': 'E01' })
    expect(ticketQuery({ custom: { empty: '' } })).not.toHaveProperty('custom.empty')
  })
})

describe('custom field filter inputs', () => {
  it('turns each kind of input into a query value', () => {
    expect(filterValueFromInput(field('n', 'number'), 2500.5)).toBe('2500.5')
    expect(filterValueFromInput(field('n', 'number'), Number.NaN)).toBe('')
    expect(filterValueFromInput(field('n', 'number'), null)).toBe('')
    expect(filterValueFromInput(field('b', 'boolean'), 'false')).toBe('false')
    expect(filterValueFromInput(field('b', 'boolean'), true)).toBe('true')
    expect(filterValueFromInput(field('b', 'boolean'), 'maybe')).toBe('')
    expect(filterValueFromInput(field('t', 'text'), '  大堂 ')).toBe('大堂')
    expect(filterValueFromInput(field('d', 'date'), '2026-11-30')).toBe('2026-11-30')
    expect(filterValueFromInput(field('s', 'select', ['A']), 'A')).toBe('A')
  })

  it('shows query values in the inputs', () => {
    expect(filterInputValue(field('n', 'number'), '2500.5')).toBe(2500.5)
    expect(filterInputValue(field('n', 'number'), 'many')).toBeUndefined()
    expect(filterInputValue(field('s', 'select'), '')).toBeUndefined()
    expect(filterInputValue(field('b', 'boolean'), 'true')).toBe('true')
  })

  it('keeps only the filters the new type still has', () => {
    expect(pruneCustomFilter({ fault_code: 'E01', vip: 'true' }, [field('fault_code', 'select')])).toEqual({ fault_code: 'E01' })
    expect(pruneCustomFilter(undefined, [])).toEqual({})
  })
})

describe('workflow editor helpers', () => {
  const small = (): Workflow => ({
    statuses: [
      { code: 'new', name_zh: '新建', name_en: 'New', pauses_sla: false, final: false },
      { code: 'review', name_zh: '复核', name_en: '', pauses_sla: true, final: false },
      { code: 'done', name_zh: '', name_en: 'Done', pauses_sla: false, final: true },
    ],
    transitions: [
      { from: 'new', to: 'review' },
      { from: 'review', to: 'done' },
      { from: 'done', to: 'done' },
    ],
    reopen_days: 3,
  })

  it('starts new types from the standard flow and edits a copy', () => {
    const d = cloneWorkflow(null)
    expect(d.statuses.map((s) => s.code)).toEqual(['new', 'assigned', 'in_progress', 'pending', 'resolved', 'closed'])
    expect(d.transitions).toHaveLength(16)
    expect(localProblems(d)).toEqual([])
    const orig = small()
    const copy = cloneWorkflow(orig)
    copy.statuses[0]!.name_zh = '改'
    copy.transitions.pop()
    expect(orig.statuses[0]!.name_zh).toBe('新建')
    expect(orig.transitions).toHaveLength(3)
    expect(workflowChanged(orig, cloneWorkflow(orig))).toBe(false)
    expect(workflowChanged(orig, copy)).toBe(true)
    expect(workflowChanged(null, cloneWorkflow(null))).toBe(false)
  })

  it('renames a status with its transitions, removes one with them', () => {
    const wf = small()
    renameStatus(wf, 1, 'check')
    expect(wf.transitions).toEqual([
      { from: 'new', to: 'check' },
      { from: 'check', to: 'done' },
      { from: 'done', to: 'done' },
    ])
    // while two rows share a code, a rename leaves transitions alone
    addStatus(wf)
    renameStatus(wf, 3, 'done')
    renameStatus(wf, 3, 'dones')
    expect(wf.transitions[1]).toEqual({ from: 'check', to: 'done' })
    removeStatus(wf, 2) // done
    expect(wf.transitions).toEqual([{ from: 'new', to: 'check' }])
  })

  it('adds a transition to a status not yet reached', () => {
    const wf = small()
    addTransition(wf, 'new')
    expect(wf.transitions[3]).toEqual({ from: 'new', to: 'done' })
    addTransition(wf, 'new')
    expect(wf.transitions[4]).toEqual({ from: 'new', to: '' })
  })

  it('finds the obvious problems row by row', () => {
    const wf = small()
    addStatus(wf)
    wf.statuses.push({ code: 'Bad', name_zh: '', name_en: '', pauses_sla: false, final: false })
    wf.statuses.push({ code: 'review', name_zh: '', name_en: '', pauses_sla: false, final: false })
    wf.transitions.push({ from: 'new', to: 'review' }, { from: 'new', to: '' })
    expect(localProblems(wf)).toEqual([
      { field: 'workflow.statuses[3].code', key: 'codeRequired' },
      { field: 'workflow.statuses[4].code', key: 'codeFormat', code: 'Bad' },
      { field: 'workflow.statuses[5].code', key: 'codeDuplicate', code: 'review' },
      { field: 'workflow.transitions[3]', key: 'transitionDuplicate' },
      { field: 'workflow.transitions[4]', key: 'transitionIncomplete' },
    ])
  })

  it('puts the server messages next to their rows and keeps the others apart', () => {
    const errors = {
      'workflow.statuses[1].code': '状态编码重复：review',
      'workflow.statuses[1].reasons': '未知的挂起原因：lunch',
      'workflow.statuses': '状态编码重复：review',
      'workflow.transitions[2]': '未知状态：new → gone',
      'workflow.transitions': '未知状态：new → gone',
      'workflow.reopen_days': '重开期限须在 0–365 天之间',
      name: '类型名称须为 1–20 字',
    }
    expect(statusRowError(errors, 1)).toBe('状态编码重复：review；未知的挂起原因：lunch')
    expect(statusRowError(errors, 0)).toBe('')
    expect(transitionRowError(errors, 2)).toBe('未知状态：new → gone')
    expect(generalWorkflowErrors(errors)).toEqual(['重开期限须在 0–365 天之间'])
    expect(generalWorkflowErrors({ 'workflow.statuses': '仍有工单处于状态「reviewing」，不能删除该状态' })).toEqual(['仍有工单处于状态「reviewing」，不能删除该状态'])
  })

  it('sends trimmed codes and names, reasons only where chosen', () => {
    const wf = small()
    wf.statuses[1]!.code = ' review '
    wf.statuses[1]!.reasons = []
    wf.statuses[2]!.reasons = ['waiting_parts']
    const out = normalizeWorkflow(wf)
    expect(out.statuses[1]).toEqual({ code: 'review', name_zh: '复核', name_en: '', pauses_sla: true, final: false })
    expect(out.statuses[2]!.reasons).toEqual(['waiting_parts'])
  })

  it('draws statuses as coloured nodes and transitions as arrows', () => {
    const wf = small()
    wf.statuses.push({ code: '', name_zh: '未填', name_en: '', pauses_sla: false, final: false })
    wf.transitions.push({ from: 'new', to: 'gone' })
    const opt = workflowGraphOption(wf, 'zh-CN') as { series: { type: string; data: { id: string; name: string; itemStyle: { color: string } }[]; links: unknown[] }[] }
    const s = opt.series[0]!
    expect(s.type).toBe('graph')
    expect(s.data.map((n) => [n.id, n.name, n.itemStyle.color])).toEqual([
      ['new', '新建', GRAPH_COLOURS.start],
      ['review', '复核', GRAPH_COLOURS.pauses],
      ['done', 'Done', GRAPH_COLOURS.final],
    ])
    expect(s.links).toEqual([
      { source: 'new', target: 'review' },
      { source: 'review', target: 'done' },
      { source: 'done', target: 'done' },
    ])
    const en = workflowGraphOption(wf, 'en') as typeof opt
    expect(en.series[0]!.data[1]!.name).toBe('复核') // no English name: the Chinese one
  })
})
