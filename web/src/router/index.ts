// Routes (history mode) and the guard: session → forced password change → permission.
import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router'
import AppLayout from '../components/AppLayout.vue'
import LoginView from '../views/auth/LoginView.vue'
import HomeView from '../views/home/HomeView.vue'
import NotFoundView from '../views/errors/NotFoundView.vue'
import ForbiddenView from '../views/errors/ForbiddenView.vue'
import { useAuthStore } from '../stores/auth'
import { i18n } from '../i18n'
import { allows } from '../menu'

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, titleKey: 'login.title' } },
  {
    // the counter's customer-facing kiosk: full screen, no shell; authenticates with its device token
    path: '/kiosk/:code',
    name: 'kiosk',
    component: () => import('../views/kiosk/KioskView.vue'),
    meta: { public: true, titleKey: 'kiosk.title' },
  },
  {
    // the phone page of a QR code or survey link: no sign-in, the token is the authority
    path: '/r/:token',
    name: 'rate',
    component: () => import('../views/rate/RateView.vue'),
    meta: { public: true, titleKey: 'rate.title' },
  },
  {
    path: '/password',
    name: 'password',
    component: () => import('../views/auth/PasswordView.vue'),
    meta: { titleKey: 'password.title' },
  },
  {
    path: '/',
    component: AppLayout,
    children: [
      { path: '', name: 'home', component: HomeView, meta: { titleKey: 'menu.home' } },
      {
        path: 'orgs',
        name: 'orgs',
        component: () => import('../views/orgs/OrgsView.vue'),
        meta: { permission: 'org.read', titleKey: 'menu.orgs' },
      },
      {
        path: 'users',
        name: 'users',
        component: () => import('../views/users/UsersView.vue'),
        meta: { permission: 'user.read', titleKey: 'menu.users' },
      },
      {
        path: 'roles',
        name: 'roles',
        component: () => import('../views/roles/RolesView.vue'),
        meta: { permission: 'role.read', titleKey: 'menu.roles' },
      },
      {
        path: 'audit',
        name: 'audit',
        component: () => import('../views/audit/AuditView.vue'),
        meta: { permission: 'audit.read', titleKey: 'menu.audit' },
      },
      {
        path: 'customers',
        name: 'customers',
        component: () => import('../views/customers/CustomersView.vue'),
        meta: { permission: 'customer.read', titleKey: 'menu.customers' },
      },
      {
        path: 'customers/:id(\\d+)',
        name: 'customer',
        component: () => import('../views/customers/CustomerDetailView.vue'),
        meta: { permission: 'customer.read', titleKey: 'customers.detailTitle' },
      },
      {
        path: 'imports',
        name: 'imports',
        component: () => import('../views/imports/ImportsView.vue'),
        meta: { permission: ['import.create', 'import.approve'], titleKey: 'menu.imports' },
      },
      {
        path: 'imports/new',
        name: 'import-new',
        component: () => import('../views/imports/ImportView.vue'),
        meta: { permission: 'import.create', titleKey: 'imports.newTitle' },
      },
      {
        path: 'imports/:id(\\d+)',
        name: 'import',
        component: () => import('../views/imports/ImportView.vue'),
        meta: { permission: ['import.create', 'import.approve'], titleKey: 'imports.detailTitle' },
      },
      {
        path: 'access-requests',
        name: 'access-requests',
        component: () => import('../views/access/AccessRequestsView.vue'),
        meta: { permission: 'customer.read', titleKey: 'menu.accessRequests' },
      },
      {
        path: 'customer-fields',
        name: 'customer-fields',
        component: () => import('../views/customers/CustomerFieldsView.vue'),
        meta: { permission: 'settings.update', titleKey: 'menu.customerFields' },
      },
      {
        path: 'tickets',
        name: 'tickets',
        component: () => import('../views/tickets/TicketsView.vue'),
        meta: { permission: 'ticket.read', titleKey: 'menu.tickets' },
      },
      {
        path: 'tickets/board',
        name: 'ticket-board',
        component: () => import('../views/tickets/BoardView.vue'),
        meta: { permission: 'ticket.assign', titleKey: 'menu.ticketBoard' },
      },
      {
        path: 'tickets/:id(\\d+)',
        name: 'ticket',
        component: () => import('../views/tickets/TicketDetailView.vue'),
        meta: { permission: 'ticket.read', titleKey: 'tickets.detailTitle' },
      },
      {
        path: 'engineer',
        name: 'engineer',
        component: () => import('../views/engineer/EngineerView.vue'),
        meta: { permission: 'ticket.update', titleKey: 'menu.engineer' },
      },
      {
        path: 'counter',
        name: 'counter-desk',
        component: () => import('../views/counter/CounterDeskView.vue'),
        meta: { permission: 'rating.session', titleKey: 'menu.counterDesk' },
      },
      {
        path: 'assets',
        name: 'assets',
        component: () => import('../views/assets/AssetsView.vue'),
        meta: { permission: 'asset.read', titleKey: 'menu.assets' },
      },
      {
        path: 'assets/:id(\\d+)',
        name: 'asset',
        component: () => import('../views/assets/AssetDetailView.vue'),
        meta: { permission: 'asset.read', titleKey: 'assets.detailTitle' },
      },
      {
        path: 'dispatch-rules',
        name: 'dispatch-rules',
        component: () => import('../views/dispatch/DispatchRulesView.vue'),
        meta: { permission: 'ticket.assign', titleKey: 'dispatchRules.menu' },
      },
      {
        path: 'ticket-types',
        name: 'ticket-types',
        component: () => import('../views/ticketTypes/TicketTypesView.vue'),
        meta: { permission: 'ticket.type.manage', titleKey: 'ticketTypes.menu' },
      },
      {
        path: 'contracts',
        name: 'contracts',
        component: () => import('../views/contracts/ContractsView.vue'),
        meta: { permission: 'contract.read', titleKey: 'contracts.menu' },
      },
      {
        path: 'contracts/:id(\\d+)',
        name: 'contract',
        component: () => import('../views/contracts/ContractDetailView.vue'),
        meta: { permission: 'contract.read', titleKey: 'contracts.detailTitle' },
      },
      {
        path: 'satisfaction',
        name: 'satisfaction',
        component: () => import('../views/satisfaction/SatisfactionView.vue'),
        meta: { permission: 'analytics.read', titleKey: 'satisfaction.title' },
      },
      {
        path: 'dashboard',
        name: 'dashboard',
        component: () => import('../views/dashboard/DashboardView.vue'),
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.dashboard' },
      },
      {
        path: 'reports/operation',
        name: 'report-operation',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'operation' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.operation' },
      },
      {
        path: 'reports/maintenance',
        name: 'report-maintenance',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'maintenance' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.maintenance' },
      },
      {
        path: 'reports/service-time',
        name: 'report-service-time',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'service-time' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.serviceTime' },
      },
      {
        path: 'reports/manpower',
        name: 'report-manpower',
        component: () => import('../views/reports/ManpowerView.vue'),
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.manpower' },
      },
      {
        path: 'reports/abnormal',
        name: 'report-abnormal',
        component: () => import('../views/reports/AbnormalView.vue'),
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.abnormal' },
      },
      {
        path: 'reports/faults',
        name: 'report-faults',
        component: () => import('../views/reports/FaultsView.vue'),
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.faults' },
      },
      {
        path: 'reports/complaints',
        name: 'report-complaints',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'complaints' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.complaints' },
      },
      {
        path: 'reports/survey',
        name: 'report-survey',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'survey' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.survey' },
      },
      {
        path: 'reports/sla',
        name: 'report-sla',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'sla' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.sla' },
      },
      {
        path: 'reports/devices',
        name: 'report-devices',
        component: () => import('../views/reports/ReportView.vue'),
        props: { kind: 'devices' },
        meta: { permission: 'analytics.read', titleKey: 'reports.menu.devices' },
      },
      {
        path: 'rating-admin',
        name: 'rating-admin',
        component: () => import('../views/ratingAdmin/RatingAdminView.vue'),
        meta: { permission: 'rating.admin', titleKey: 'ratingAdmin.menu.admin' },
      },
      {
        path: 'calendars',
        name: 'calendars',
        component: () => import('../views/sla/CalendarsView.vue'),
        meta: { permission: 'sla.read', titleKey: 'calendars.menu' },
      },
      {
        path: 'sla-policies',
        name: 'sla-policies',
        component: () => import('../views/sla/SlaPoliciesView.vue'),
        meta: { permission: 'sla.read', titleKey: 'slaPolicies.menu' },
      },
      {
        // the agent's desk: screen pops of incoming calls, tickets created from them
        path: 'desk',
        name: 'agent-desk',
        component: () => import('../views/desk/AgentDeskView.vue'),
        meta: { permission: 'telephony.answer', titleKey: 'agentDesk.menu' },
      },
      {
        path: 'exports',
        name: 'exports',
        component: () => import('../views/exports/ExportsView.vue'),
        meta: { permission: 'analytics.read', titleKey: 'exports.menu' },
      },
      {
        path: 'notify-admin',
        name: 'notify-admin',
        component: () => import('../views/notifyAdmin/NotifyAdminView.vue'),
        meta: { permission: 'notify.admin', titleKey: 'notifyAdmin.menu' },
      },
      {
        path: 'profile',
        name: 'profile',
        component: () => import('../views/profile/ProfileView.vue'),
        meta: { titleKey: 'profile.title' },
      },
      { path: '403', name: 'forbidden', component: ForbiddenView, meta: { titleKey: 'errors.forbiddenTitle' } },
    ],
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: NotFoundView,
    meta: { public: true, titleKey: 'errors.notFoundTitle' },
  },
]

/** A same-site path from ?redirect=, or "/" for anything else. */
export function safeRedirect(value: unknown): string {
  const v = Array.isArray(value) ? value[0] : value
  if (typeof v === 'string' && v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\')) return v
  return '/'
}

function redirectQuery(to: RouteLocationNormalized) {
  return to.fullPath && to.fullPath !== '/' ? { redirect: to.fullPath } : {}
}

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  const auth = useAuthStore()
  await auth.ensureLoaded()
  if (!auth.authenticated) return { name: 'login', query: redirectQuery(to) }
  if (auth.mustChangePassword) {
    return to.name === 'password' ? true : { name: 'password', query: redirectQuery(to) }
  }
  if (!allows(auth.permissions, to.meta.permission)) {
    return { name: 'forbidden', query: { from: to.fullPath } }
  }
  return true
})

function setTitle(to: RouteLocationNormalized): void {
  const t = i18n.global.t
  const app = t('app.shortName')
  document.title = to.meta.titleKey ? `${t(to.meta.titleKey)} - ${app}` : app
}

router.afterEach((to) => setTitle(to))

/** Re-titles the current page (after a language switch). */
export function refreshTitle(): void {
  setTitle(router.currentRoute.value)
}
