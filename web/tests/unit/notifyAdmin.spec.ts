// The template preview and checks of 消息模板 (views/notifyAdmin/templateRender.ts), which follow
// the server's Render and checkTemplate (internal/notify/templates.go), and the secret generator.
import { describe, expect, it } from 'vitest'
import {
  BODY_MAX,
  SAMPLE_VARS,
  SUBJECT_MAX,
  checkTemplate,
  insertVariable,
  renderTemplate,
  usedVariables,
  variableToken,
} from '../../src/views/notifyAdmin/templateRender'
import { generateSecret } from '../../src/views/notifyAdmin/secret'
import { canResend } from '../../src/api/notify'

const KNOWN = ['ticket_number', 'ticket_title', 'customer', 'device', 'org', 'station', 'assignee', 'target', 'deadline', 'remaining_hours', 'overdue_hours', 'hours', 'level', 'survey_url', 'counter', 'last_seen']

describe('renderTemplate', () => {
  it('fills the built-in 超时督办 subject with the server sample values', () => {
    const subject = '【超时督办·{{level}}级】工单 {{ticket_number}} {{target}}已超时 {{overdue_hours}} 小时'
    expect(renderTemplate(subject)).toBe('【超时督办·2级】工单 GD20261122-000123 解决已超时 1.5 小时')
  })

  it('renders unknown variables empty, like the server', () => {
    expect(renderTemplate('A{{nope}}B{{ticket_number}}', { ticket_number: 'GD1' })).toBe('ABGD1')
    expect(renderTemplate('{{toString}}{{constructor}}{{__proto__}}', {})).toBe('')
  })

  it('accepts spaces inside the braces and leaves other text alone', () => {
    expect(renderTemplate('{{ level }}/{{level}}/{{  level}}', { level: '3' })).toBe('3/3/3')
    expect(renderTemplate('{{1abc}} {single} {{a-b}} }}', { level: '3' })).toBe('{{1abc}} {single} {{a-b}} }}')
    expect(renderTemplate('', { level: '3' })).toBe('')
  })

  it('does not read replacement patterns in values', () => {
    expect(renderTemplate('x{{customer}}y', { customer: '$& $1 $$' })).toBe('x$& $1 $$y')
  })

  it('has a sample value for every variable the server lists', () => {
    for (const name of KNOWN) expect(SAMPLE_VARS[name], name).toBeTruthy()
  })
})

describe('usedVariables and variableToken', () => {
  it('lists names once, in order of first use', () => {
    expect(usedVariables('{{level}} {{ticket_number}} {{ level }} {{x}}')).toEqual(['level', 'ticket_number', 'x'])
    expect(variableToken('survey_url')).toBe('{{survey_url}}')
  })
})

describe('checkTemplate', () => {
  it('accepts the built-in texts', () => {
    expect(checkTemplate('工单 {{ticket_number}}「{{ticket_title}}」已超时 {{overdue_hours}} 小时', KNOWN, BODY_MAX)).toEqual([])
  })

  it('requires a text', () => {
    expect(checkTemplate('  \n ', KNOWN, SUBJECT_MAX)).toEqual([{ kind: 'required' }])
  })

  it('counts characters, not UTF-16 units', () => {
    expect(checkTemplate('督'.repeat(SUBJECT_MAX), KNOWN, SUBJECT_MAX)).toEqual([])
    expect(checkTemplate('督'.repeat(SUBJECT_MAX + 1), KNOWN, SUBJECT_MAX)).toEqual([{ kind: 'too_long' }])
    expect(checkTemplate('😀'.repeat(SUBJECT_MAX), KNOWN, SUBJECT_MAX)).toEqual([])
  })

  it('names unknown variables', () => {
    expect(checkTemplate('{{ticket_no}} {{level}} {{who}}', KNOWN, SUBJECT_MAX)).toEqual([
      { kind: 'unknown_variable', name: 'ticket_no' },
      { kind: 'unknown_variable', name: 'who' },
    ])
  })

  it('refuses a "{{" that is not a variable', () => {
    expect(checkTemplate('工单 {{ticket_number', KNOWN, SUBJECT_MAX)).toEqual([{ kind: 'malformed' }])
    expect(checkTemplate('{{ 工单 }}', KNOWN, SUBJECT_MAX)).toEqual([{ kind: 'malformed' }])
    expect(checkTemplate('{{level}} }} {', KNOWN, SUBJECT_MAX)).toEqual([])
  })
})

describe('insertVariable', () => {
  it('inserts at the cursor and puts the cursor after the token', () => {
    expect(insertVariable('工单 已超时', 'ticket_number', 3, 3)).toEqual({ text: '工单 {{ticket_number}}已超时', cursor: 20 })
  })

  it('replaces a selection', () => {
    expect(insertVariable('工单 XXX 已超时', 'level', 3, 6)).toEqual({ text: '工单 {{level}} 已超时', cursor: 12 })
  })

  it('appends without a cursor or with one out of range', () => {
    expect(insertVariable('ab', 'level')).toEqual({ text: 'ab{{level}}', cursor: 11 })
    expect(insertVariable('ab', 'level', 9, 12)).toEqual({ text: 'ab{{level}}', cursor: 11 })
    expect(insertVariable('ab', 'level', 1, 0)).toEqual({ text: 'a{{level}}b', cursor: 10 })
  })
})

describe('generateSecret', () => {
  it('makes distinct secrets of the asked length from the alphabet', () => {
    const a = generateSecret()
    const b = generateSecret(24)
    expect(a).toMatch(/^[A-Za-z2-9]{40}$/)
    expect(b).toHaveLength(24)
    expect(a).not.toBe(generateSecret())
    expect(a).not.toMatch(/[O0Il1]/)
  })
})

describe('canResend', () => {
  it('allows failed and sent deliveries, never in-app or queued ones', () => {
    expect(canResend({ status: 'failed', channel: 'email' })).toBe(true)
    expect(canResend({ status: 'sent', channel: 'webhook' })).toBe(true)
    expect(canResend({ status: 'pending', channel: 'sms' })).toBe(false)
    expect(canResend({ status: 'sending', channel: 'wecom' })).toBe(false)
    expect(canResend({ status: 'failed', channel: 'in_app' })).toBe(false)
  })
})
