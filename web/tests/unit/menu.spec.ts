import { describe, expect, it } from 'vitest'
import { buildMenu, MENU, type MenuItem } from '../../src/menu'

const keys = (items: MenuItem[]): string[] => items.flatMap((m) => [m.key, ...(m.children ? keys(m.children) : [])])

describe('buildMenu', () => {
  it('shows only the home page without permissions', () => {
    const menu = buildMenu([])
    expect(keys(menu)).toEqual(['home'])
  })

  it('shows every entry to a holder of all permissions', () => {
    const menu = buildMenu(['org.read', 'user.read', 'role.read', 'audit.read'])
    expect(keys(menu)).toEqual(['home', 'system', 'orgs', 'users', 'roles', 'audit'])
  })

  it('keeps the system group with only the permitted children', () => {
    const menu = buildMenu(['user.read', 'ticket.read'])
    expect(keys(menu)).toEqual(['home', 'system', 'users'])
    expect(menu[1]?.children?.map((c) => c.path)).toEqual(['/users'])
  })

  it('does not treat write permissions as read permissions', () => {
    expect(keys(buildMenu(['org.create', 'org.update', 'user.delete']))).toEqual(['home'])
  })

  it('accepts any iterable and does not modify the definition', () => {
    const before = JSON.stringify(MENU)
    const menu = buildMenu(new Set(['audit.read']))
    expect(keys(menu)).toEqual(['home', 'system', 'audit'])
    menu[1]!.children!.push({ key: 'x', titleKey: 'x', icon: 'x', testId: 'x' })
    expect(JSON.stringify(MENU)).toBe(before)
  })

  it('gives every entry a unique data-test id and a label key', () => {
    const all = (items: readonly MenuItem[]): MenuItem[] => items.flatMap((m) => [m, ...(m.children ? all(m.children) : [])])
    const ids = all(MENU).map((m) => m.testId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const m of all(MENU)) expect(m.titleKey).toMatch(/^menu\./)
  })
})
