// The side menu, filtered by the caller's permissions. Pure: no Vue, no router.

/** A menu entry; a group has children and no path. */
export interface MenuItem {
  key: string
  /** i18n key of the label. */
  titleKey: string
  /** Name of an @element-plus/icons-vue icon. */
  icon: string
  /** Stable data-test id for browser tests. */
  testId: string
  path?: string
  /** Permission needed to see the entry (a list: any one of them); none = always shown. */
  permission?: string | readonly string[]
  children?: MenuItem[]
}

/** Every menu entry the product has. */
export const MENU: readonly MenuItem[] = [
  { key: 'home', titleKey: 'menu.home', icon: 'HomeFilled', testId: 'menu-home', path: '/' },
  { key: 'counter-desk', titleKey: 'menu.counterDesk', icon: 'Monitor', testId: 'menu-counter-desk', path: '/counter', permission: 'rating.session' },
  { key: 'agent-desk', titleKey: 'agentDesk.menu', icon: 'Postcard', testId: 'menu-agent-desk', path: '/desk', permission: 'telephony.answer' },
  {
    key: 'ticket',
    titleKey: 'menu.ticketGroup',
    icon: 'Tickets',
    testId: 'menu-ticket-group',
    children: [
      { key: 'tickets', titleKey: 'menu.tickets', icon: 'List', testId: 'menu-tickets', path: '/tickets', permission: 'ticket.read' },
      {
        key: 'ticket-board',
        titleKey: 'menu.ticketBoard',
        icon: 'Grid',
        testId: 'menu-ticket-board',
        path: '/tickets/board',
        permission: 'ticket.assign',
      },
      { key: 'engineer', titleKey: 'menu.engineer', icon: 'Van', testId: 'menu-engineer', path: '/engineer', permission: 'ticket.update' },
      { key: 'assets', titleKey: 'menu.assets', icon: 'Monitor', testId: 'menu-assets', path: '/assets', permission: 'asset.read' },
      { key: 'contracts', titleKey: 'contracts.menu', icon: 'Document', testId: 'menu-contracts', path: '/contracts', permission: 'contract.read' },
      {
        key: 'dispatch-rules',
        titleKey: 'dispatchRules.menu',
        icon: 'List',
        testId: 'menu-dispatch-rules',
        path: '/dispatch-rules',
        permission: 'ticket.assign',
      },
      {
        key: 'ticket-types',
        titleKey: 'ticketTypes.menu',
        icon: 'Memo',
        testId: 'menu-ticket-types',
        path: '/ticket-types',
        permission: 'ticket.type.manage',
      },
    ],
  },
  {
    key: 'customer',
    titleKey: 'menu.customerGroup',
    icon: 'UserFilled',
    testId: 'menu-customer-group',
    children: [
      { key: 'customers', titleKey: 'menu.customers', icon: 'Postcard', testId: 'menu-customers', path: '/customers', permission: 'customer.read' },
      {
        key: 'imports',
        titleKey: 'menu.imports',
        icon: 'Upload',
        testId: 'menu-imports',
        path: '/imports',
        permission: ['import.create', 'import.approve'],
      },
      {
        key: 'access-requests',
        titleKey: 'menu.accessRequests',
        icon: 'Key',
        testId: 'menu-access-requests',
        path: '/access-requests',
        permission: 'customer.read',
      },
      {
        key: 'customer-fields',
        titleKey: 'menu.customerFields',
        icon: 'Memo',
        testId: 'menu-customer-fields',
        path: '/customer-fields',
        permission: 'settings.update',
      },
    ],
  },
  {
    key: 'reports',
    titleKey: 'reports.menu.group',
    icon: 'Grid',
    testId: 'menu-reports-group',
    children: [
      { key: 'dashboard', titleKey: 'reports.menu.dashboard', icon: 'Monitor', testId: 'menu-dashboard', path: '/dashboard', permission: 'analytics.read' },
      { key: 'report-operation', titleKey: 'reports.menu.operation', icon: 'List', testId: 'menu-report-operation', path: '/reports/operation', permission: 'analytics.read' },
      { key: 'report-maintenance', titleKey: 'reports.menu.maintenance', icon: 'List', testId: 'menu-report-maintenance', path: '/reports/maintenance', permission: 'analytics.read' },
      { key: 'report-service-time', titleKey: 'reports.menu.serviceTime', icon: 'Tickets', testId: 'menu-report-service-time', path: '/reports/service-time', permission: 'analytics.read' },
      { key: 'report-manpower', titleKey: 'reports.menu.manpower', icon: 'User', testId: 'menu-report-manpower', path: '/reports/manpower', permission: 'analytics.read' },
      { key: 'report-abnormal', titleKey: 'reports.menu.abnormal', icon: 'Van', testId: 'menu-report-abnormal', path: '/reports/abnormal', permission: 'analytics.read' },
      { key: 'report-faults', titleKey: 'reports.menu.faults', icon: 'Document', testId: 'menu-report-faults', path: '/reports/faults', permission: 'analytics.read' },
      { key: 'report-complaints', titleKey: 'reports.menu.complaints', icon: 'Postcard', testId: 'menu-report-complaints', path: '/reports/complaints', permission: 'analytics.read' },
      { key: 'report-survey', titleKey: 'reports.menu.survey', icon: 'Memo', testId: 'menu-report-survey', path: '/reports/survey', permission: 'analytics.read' },
      { key: 'report-sla', titleKey: 'reports.menu.sla', icon: 'Tickets', testId: 'menu-report-sla', path: '/reports/sla', permission: 'analytics.read' },
      { key: 'report-devices', titleKey: 'reports.menu.devices', icon: 'OfficeBuilding', testId: 'menu-report-devices', path: '/reports/devices', permission: 'analytics.read' },
      { key: 'exports', titleKey: 'exports.menu', icon: 'Download', testId: 'menu-exports', path: '/exports', permission: 'analytics.read' },
    ],
  },
  {
    key: 'rating',
    titleKey: 'ratingAdmin.menu.group',
    icon: 'Memo',
    testId: 'menu-rating-group',
    children: [
      { key: 'satisfaction', titleKey: 'satisfaction.title', icon: 'Grid', testId: 'menu-satisfaction', path: '/satisfaction', permission: 'analytics.read' },
      { key: 'rating-admin', titleKey: 'ratingAdmin.menu.admin', icon: 'Setting', testId: 'menu-rating-admin', path: '/rating-admin', permission: 'rating.admin' },
    ],
  },
  {
    key: 'sla',
    titleKey: 'slaPolicies.menuGroup',
    icon: 'Document',
    testId: 'menu-sla-group',
    children: [
      { key: 'calendars', titleKey: 'calendars.menu', icon: 'Grid', testId: 'menu-calendars', path: '/calendars', permission: 'sla.read' },
      { key: 'sla-policies', titleKey: 'slaPolicies.menu', icon: 'List', testId: 'menu-sla-policies', path: '/sla-policies', permission: 'sla.read' },
    ],
  },
  {
    key: 'system',
    titleKey: 'menu.system',
    icon: 'Setting',
    testId: 'menu-system',
    children: [
      { key: 'orgs', titleKey: 'menu.orgs', icon: 'OfficeBuilding', testId: 'menu-orgs', path: '/orgs', permission: 'org.read' },
      { key: 'users', titleKey: 'menu.users', icon: 'User', testId: 'menu-users', path: '/users', permission: 'user.read' },
      { key: 'roles', titleKey: 'menu.roles', icon: 'Lock', testId: 'menu-roles', path: '/roles', permission: 'role.read' },
      { key: 'audit', titleKey: 'menu.audit', icon: 'Document', testId: 'menu-audit', path: '/audit', permission: 'audit.read' },
      { key: 'notify-admin', titleKey: 'notifyAdmin.menu', icon: 'Memo', testId: 'menu-notify-admin', path: '/notify-admin', permission: 'notify.admin' },
    ],
  },
]

/** Does a holder of permissions meet need (one code, or any one of a list; none = yes)? */
export function allows(permissions: Iterable<string>, need: string | readonly string[] | undefined): boolean {
  if (need === undefined) return true
  const held = permissions instanceof Set ? (permissions as Set<string>) : new Set(permissions)
  return typeof need === 'string' ? held.has(need) : need.some((p) => held.has(p))
}

/**
 * The menu the holder of permissions sees: entries whose permission is held,
 * and groups that keep at least one child. The input menu is not modified.
 */
export function buildMenu(permissions: Iterable<string>, menu: readonly MenuItem[] = MENU): MenuItem[] {
  const held = new Set(permissions)
  const out: MenuItem[] = []
  for (const item of menu) {
    if (!allows(held, item.permission)) continue
    if (item.children) {
      const children = buildMenu(held, item.children)
      if (children.length === 0) continue
      out.push({ ...item, children })
    } else {
      out.push({ ...item })
    }
  }
  return out
}
