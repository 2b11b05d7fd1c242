import { describe, expect, it } from 'vitest'
import { formatDateTime, shanghaiToRfc3339, toShanghaiRfc3339 } from '../../src/datetime'
import { orgMatches } from '../../src/orgSearch'
import { groupPermissions } from '../../src/permissionGroups'
import { flattenOrgs, subtreeIds, type Org } from '../../src/api/orgs'

describe('datetime', () => {
  it('shows instants in Asia/Shanghai as YYYY-MM-DD HH:mm', () => {
    expect(formatDateTime('2026-01-02T03:04:05Z')).toBe('2026-01-02 11:04')
    expect(formatDateTime('2026-12-31T20:30:00Z')).toBe('2027-01-01 04:30')
    expect(formatDateTime('2026-05-01T09:00:00+08:00')).toBe('2026-05-01 09:00')
    expect(formatDateTime(null)).toBe('')
    expect(formatDateTime('')).toBe('')
    expect(formatDateTime('nonsense')).toBe('nonsense')
    expect(formatDateTime('2026-01-02T03:04:05Z', { seconds: true })).toBe('2026-01-02 11:04:05')
  })

  it('turns Shanghai wall-clock times into RFC 3339', () => {
    expect(shanghaiToRfc3339('2026-03-01 08:30:00')).toBe('2026-03-01T08:30:00+08:00')
    expect(shanghaiToRfc3339('2026-03-01')).toBe('2026-03-01T00:00:00+08:00')
    expect(shanghaiToRfc3339('2026-03-01', true)).toBe('2026-03-01T23:59:59+08:00')
    expect(toShanghaiRfc3339(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T11:04:05+08:00')
  })
})

describe('orgMatches', () => {
  const org = { name: '北京分行', code: 'BJ001', initials: 'bjfh' }
  it('matches name, code and pinyin initials, case-insensitively', () => {
    expect(orgMatches(org, 'bjfh')).toBe(true)
    expect(orgMatches(org, 'BJFH')).toBe(true)
    expect(orgMatches(org, 'bj001')).toBe(true)
    expect(orgMatches(org, '北京')).toBe(true)
    expect(orgMatches(org, '  ')).toBe(true)
    expect(orgMatches(org, 'shfh')).toBe(false)
  })
})

describe('org tree helpers', () => {
  const node = (id: number, parent_id: number | null, children: Org[] = []): Org => ({
    id,
    parent_id,
    kind: 'client',
    code: `C${id}`,
    name: `n${id}`,
    region: '',
    address: '',
    path: '',
    depth: 0,
    initials: '',
    children,
  })
  const tree = [node(1, null, [node(2, 1, [node(4, 2)]), node(3, 1)]), node(5, null)]

  it('flattens depth first and finds a subtree', () => {
    expect(flattenOrgs(tree).map((o) => o.id)).toEqual([1, 2, 4, 3, 5])
    expect([...subtreeIds(tree[0]!.children![0]!)]).toEqual([2, 4])
  })
})

describe('groupPermissions', () => {
  it('groups in catalogue order and keeps unknown groups at the end', () => {
    const groups = [
      { code: 'user', label_zh: '用户', label_en: 'Users' },
      { code: 'org', label_zh: '机构', label_en: 'Orgs' },
      { code: 'empty', label_zh: '空', label_en: 'Empty' },
    ]
    const items = [
      { code: 'org.read', group: 'org', label_zh: '查看机构', label_en: 'Read orgs' },
      { code: 'x.y', group: 'x', label_zh: 'x', label_en: 'x' },
      { code: 'user.read', group: 'user', label_zh: '查看用户', label_en: 'Read users' },
      { code: 'org.create', group: 'org', label_zh: '新增机构', label_en: 'Create orgs' },
    ]
    const out = groupPermissions(items, groups)
    expect(out.map((g) => [g.group.code, g.codes])).toEqual([
      ['user', ['user.read']],
      ['org', ['org.read', 'org.create']],
      ['x', ['x.y']],
    ])
  })
})
