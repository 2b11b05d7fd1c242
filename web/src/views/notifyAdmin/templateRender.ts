// Notification templates in the browser: the live preview (the server's Render: every {{name}}
// replaced by its value, an unknown name by nothing), the checks a save would make (unknown
// variables, badly written ones, length), and inserting a variable at the cursor. Pure: no Vue.
// The server's counterpart: internal/notify/templates.go.

/** {{name}}, spaces allowed inside the braces, as the server reads it. */
const VAR = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

/** The longest texts the server accepts, in characters. */
export const SUBJECT_MAX = 200
export const BODY_MAX = 2000

/**
 * Example values for the preview: the server's sample values (notify.SampleVars), plus the
 * survey link, counter and last-seen time, which the server's preview leaves empty.
 */
export const SAMPLE_VARS: Readonly<Record<string, string>> = {
  ticket_number: 'GD20261122-000123',
  ticket_title: 'ATM 吞卡',
  customer: '张三',
  device: 'ATM-0001 广电运通 GRG H68N',
  org: '中关村网点',
  station: '北京第一服务站',
  assignee: '高峰',
  target: '解决',
  deadline: '2026-11-22 17:30',
  remaining_hours: '2.0',
  overdue_hours: '1.5',
  hours: '1.5',
  level: '2',
  survey_url: 'https://kf.example.com/r/8Hq2sXw4',
  counter: '3 号窗口',
  last_seen: '2026-11-22 09:15',
}

/** Fills a template: every {{name}} by its value; a name without a value renders empty. */
export function renderTemplate(tpl: string, vars: Readonly<Record<string, string>> = SAMPLE_VARS): string {
  return tpl.replace(VAR, (_, name: string) => (Object.prototype.hasOwnProperty.call(vars, name) ? (vars[name] ?? '') : ''))
}

/** The variable names a text uses, in order of first use. */
export function usedVariables(tpl: string): string[] {
  const out: string[] = []
  for (const m of tpl.matchAll(VAR)) if (!out.includes(m[1]!)) out.push(m[1]!)
  return out
}

/** The written form of a variable: {{name}}. */
export function variableToken(name: string): string {
  return `{{${name}}}`
}

/** What the server would refuse in one text. */
export interface TemplateProblem {
  kind: 'required' | 'too_long' | 'unknown_variable' | 'malformed'
  /** The unknown variable's name. */
  name?: string
}

/**
 * The server's checks of a subject or body: required, at most max characters (code points),
 * every {{name}} known, and no "{{" that is not a well-written variable.
 */
export function checkTemplate(text: string, known: readonly string[], max: number): TemplateProblem[] {
  const out: TemplateProblem[] = []
  const trimmed = text.trim()
  if (trimmed === '') return [{ kind: 'required' }]
  if ([...trimmed].length > max) out.push({ kind: 'too_long' })
  for (const name of usedVariables(trimmed)) {
    if (!known.includes(name)) out.push({ kind: 'unknown_variable', name })
  }
  const opened = trimmed.split('{{').length - 1
  const written = [...trimmed.matchAll(VAR)].length
  if (opened !== written) out.push({ kind: 'malformed' })
  return out
}

/**
 * Inserts {{name}} into text in place of the selection [start, end) (the cursor when equal;
 * past the end or missing: at the end). Answers the new text and the cursor after the insert.
 */
export function insertVariable(
  text: string,
  name: string,
  start?: number | null,
  end?: number | null,
): { text: string; cursor: number } {
  const token = variableToken(name)
  const s = start == null || start < 0 || start > text.length ? text.length : start
  const e = end == null || end < s || end > text.length ? s : end
  return { text: text.slice(0, s) + token + text.slice(e), cursor: s + token.length }
}
