import { describe, expect, it } from 'vitest'
import { allows, buildMenu, MENU, type MenuItem } from '../../src/menu'

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
    // telephony.notify stands for a permission no menu entry needs
    const menu = buildMenu(['user.read', 'telephony.notify'])
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
    // labels live under menu.*, or in an area's own locale file (locales/<area>/)
    for (const m of all(MENU)) expect(m.titleKey).toMatch(/^(menu|ratingAdmin|satisfaction|reports|contracts|dispatchRules|calendars|slaPolicies|agentDesk|notifyAdmin|ticketTypes|exports)\./)
  })

  it('puts the customer group above the system group with its four pages', () => {
    const all = [
      'customer.read',
      'import.create',
      'import.approve',
      'settings.update',
      'org.read',
      'user.read',
      'role.read',
      'audit.read',
    ]
    const menu = buildMenu(all)
    expect(keys(menu)).toEqual([
      'home',
      'customer',
      'customers',
      'imports',
      'access-requests',
      'customer-fields',
      'system',
      'orgs',
      'users',
      'roles',
      'audit',
    ])
    const group = menu[1]!
    expect(group.titleKey).toBe('menu.customerGroup')
    expect(group.testId).toBe('menu-customer-group')
    expect(group.children?.map((c) => [c.path, c.testId])).toEqual([
      ['/customers', 'menu-customers'],
      ['/imports', 'menu-imports'],
      ['/access-requests', 'menu-access-requests'],
      ['/customer-fields', 'menu-customer-fields'],
    ])
  })

  it('shows a customer reader the archive and access requests only', () => {
    expect(keys(buildMenu(['customer.read']))).toEqual(['home', 'customer', 'customers', 'access-requests'])
  })

  it('shows imports to holders of either import.create or import.approve', () => {
    expect(keys(buildMenu(['import.create']))).toEqual(['home', 'customer', 'imports'])
    expect(keys(buildMenu(['import.approve']))).toEqual(['home', 'customer', 'imports'])
    expect(keys(buildMenu(['export.customers', 'customer.pii.reveal']))).toEqual(['home'])
  })

  it('shows custom fields only with settings.update', () => {
    expect(keys(buildMenu(['settings.update']))).toEqual(['home', 'customer', 'customer-fields'])
  })
})

describe('ticket menu group', () => {
  const everything = [
    'ticket.read',
    'ticket.assign',
    'ticket.update',
    'asset.read',
    'customer.read',
    'import.create',
    'settings.update',
    'org.read',
    'user.read',
    'role.read',
    'audit.read',
  ]

  it('comes first, above the customer and system groups, with its four pages', () => {
    const menu = buildMenu(everything)
    expect(menu.map((m) => m.key)).toEqual(['home', 'ticket', 'customer', 'system'])
    const group = menu[1]!
    expect(group.titleKey).toBe('menu.ticketGroup')
    expect(group.testId).toBe('menu-ticket-group')
    expect(group.children?.map((c) => [c.key, c.path, c.testId])).toEqual([
      ['tickets', '/tickets', 'menu-tickets'],
      ['ticket-board', '/tickets/board', 'menu-ticket-board'],
      ['engineer', '/engineer', 'menu-engineer'],
      ['assets', '/assets', 'menu-assets'],
      ['dispatch-rules', '/dispatch-rules', 'menu-dispatch-rules'],
    ])
  })

  it('shows each page for its own permission only', () => {
    expect(keys(buildMenu(['ticket.read']))).toEqual(['home', 'ticket', 'tickets'])
    expect(keys(buildMenu(['ticket.assign']))).toEqual(['home', 'ticket', 'ticket-board', 'dispatch-rules'])
    expect(keys(buildMenu(['contract.read']))).toEqual(['home', 'ticket', 'contracts'])
    expect(keys(buildMenu(['ticket.update']))).toEqual(['home', 'ticket', 'engineer'])
    expect(keys(buildMenu(['asset.read']))).toEqual(['home', 'ticket', 'assets'])
    expect(keys(buildMenu(['ticket.type.manage']))).toEqual(['home', 'ticket', 'ticket-types'])
  })

  it('gives an engineer (read and update) the list and my tasks', () => {
    expect(keys(buildMenu(['ticket.read', 'ticket.update', 'ticket.comment']))).toEqual(['home', 'ticket', 'tickets', 'engineer'])
  })

  it('hides the group without any ticket or device permission', () => {
    expect(keys(buildMenu(['ticket.create', 'ticket.comment', 'asset.create', 'asset.update']))).toEqual(['home'])
  })

  it('shows the agent desk for telephony.answer, outside the group', () => {
    expect(keys(buildMenu(['telephony.answer']))).toEqual(['home', 'agent-desk'])
  })
})

describe('allows', () => {
  it('accepts no requirement, one code, or any one of a list', () => {
    expect(allows([], undefined)).toBe(true)
    expect(allows(['a.read'], 'a.read')).toBe(true)
    expect(allows(['a.read'], 'b.read')).toBe(false)
    expect(allows(new Set(['b.approve']), ['b.create', 'b.approve'])).toBe(true)
    expect(allows(['c.read'], ['b.create', 'b.approve'])).toBe(false)
    expect(allows(['c.read'], [])).toBe(false)
  })
})

describe('reports menu group', () => {
  it('shows 统计分析 with the dashboard and every report page to holders of analytics.read', () => {
    const menu = buildMenu(['analytics.read'])
    const group = menu.find((m) => m.key === 'reports')!
    expect(group.titleKey).toBe('reports.menu.group')
    expect(group.testId).toBe('menu-reports-group')
    expect(group.children?.map((c) => [c.path, c.testId])).toEqual([
      ['/dashboard', 'menu-dashboard'],
      ['/reports/operation', 'menu-report-operation'],
      ['/reports/maintenance', 'menu-report-maintenance'],
      ['/reports/service-time', 'menu-report-service-time'],
      ['/reports/manpower', 'menu-report-manpower'],
      ['/reports/abnormal', 'menu-report-abnormal'],
      ['/reports/faults', 'menu-report-faults'],
      ['/reports/complaints', 'menu-report-complaints'],
      ['/reports/survey', 'menu-report-survey'],
      ['/reports/sla', 'menu-report-sla'],
      ['/reports/devices', 'menu-report-devices'],
      ['/exports', 'menu-exports'],
    ])
    expect(group.children?.every((c) => c.permission === 'analytics.read')).toBe(true)
  })

  it('ends with 我的订阅 / 导出任务 (report subscriptions and background exports)', () => {
    const group = buildMenu(['analytics.read']).find((m) => m.key === 'reports')!
    const entry = group.children!.at(-1)!
    expect([entry.key, entry.path, entry.testId, entry.titleKey, entry.icon]).toEqual(['exports', '/exports', 'menu-exports', 'exports.menu', 'Download'])
  })

  it('hides the group without analytics.read', () => {
    expect(keys(buildMenu(['ticket.read', 'asset.read']))).not.toContain('reports')
  })
})

describe('notification admin entry', () => {
  it('shows 通知管理 in the system group to holders of notify.admin only', () => {
    const menu = buildMenu(['notify.admin'])
    expect(keys(menu)).toEqual(['home', 'system', 'notify-admin'])
    const entry = menu[1]!.children![0]!
    expect([entry.path, entry.testId, entry.titleKey]).toEqual(['/notify-admin', 'menu-notify-admin', 'notifyAdmin.menu'])
    expect(keys(buildMenu(['sla.read', 'audit.read']))).not.toContain('notify-admin')
  })
})
