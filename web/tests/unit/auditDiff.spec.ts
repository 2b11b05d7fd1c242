import { describe, expect, it } from 'vitest'
import { auditDiff, flatten, formatValue } from '../../src/auditDiff'

describe('auditDiff', () => {
  it('marks changed fields and keeps unchanged ones', () => {
    const rows = auditDiff({ name: '北京分行', code: 'BJ01', region: '北京' }, { name: '北京市分行', code: 'BJ01', region: '北京' })
    expect(rows).toEqual([
      { field: 'name', before: '北京分行', after: '北京市分行', changed: true },
      { field: 'code', before: 'BJ01', after: 'BJ01', changed: false },
      { field: 'region', before: '北京', after: '北京', changed: false },
    ])
  })

  it('shows every field as changed on create (before null) and delete (after null)', () => {
    expect(auditDiff(null, { name: 'a', id: 3 })).toEqual([
      { field: 'name', before: '', after: 'a', changed: true },
      { field: 'id', before: '', after: '3', changed: true },
    ])
    expect(auditDiff({ name: 'a' }, null)).toEqual([{ field: 'name', before: 'a', after: '', changed: true }])
  })

  it('is empty when both sides are missing', () => {
    expect(auditDiff(null, null)).toEqual([])
    expect(auditDiff(undefined, {})).toEqual([])
  })

  it('lists fields only present after at the end', () => {
    const rows = auditDiff({ a: 1, b: 2 }, { c: 3, b: 2 })
    expect(rows.map((r) => [r.field, r.changed])).toEqual([
      ['a', true],
      ['b', false],
      ['c', true],
    ])
  })

  it('treats a missing field and null as the same', () => {
    expect(auditDiff({ email: null }, {})).toEqual([{ field: 'email', before: '', after: '', changed: false }])
  })

  it('flattens nested objects and compares arrays as a whole', () => {
    const rows = auditDiff(
      { scope: { mode: 'org', org_ids: [1, 2] }, permissions: ['org.read'] },
      { scope: { mode: 'custom', org_ids: [1, 2] }, permissions: ['org.read', 'user.read'] },
    )
    expect(rows).toEqual([
      { field: 'scope.mode', before: 'org', after: 'custom', changed: true },
      { field: 'scope.org_ids', before: '[1,2]', after: '[1,2]', changed: false },
      { field: 'permissions', before: '["org.read"]', after: '["org.read","user.read"]', changed: true },
    ])
  })

  it('distinguishes booleans, numbers and strings by their shown value', () => {
    const rows = auditDiff({ must_change_password: true, depth: 1 }, { must_change_password: false, depth: 1 })
    expect(rows.map((r) => r.changed)).toEqual([true, false])
    expect(rows[0]).toMatchObject({ before: 'true', after: 'false' })
  })
})

describe('formatValue and flatten', () => {
  it('formats values for display', () => {
    expect(formatValue(null)).toBe('')
    expect(formatValue(undefined)).toBe('')
    expect(formatValue(0)).toBe('0')
    expect(formatValue('x')).toBe('x')
    expect(formatValue({ a: 1 })).toBe('{"a":1}')
  })

  it('keeps empty objects as one value', () => {
    expect([...flatten({ a: {}, b: { c: { d: 1 } } })]).toEqual([
      ['a', {}],
      ['b.c.d', 1],
    ])
  })
})
