// Who is signed in, what they may do, and the CSRF token for state-changing calls.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi, type Scope } from '../api/auth'
import { isApiError } from '../api/http'
import type { User } from '../api/users'

const CSRF_KEY = 'lingting.csrf'

function readCsrf(): string | null {
  try {
    return sessionStorage.getItem(CSRF_KEY)
  } catch {
    return null
  }
}

function writeCsrf(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token)
    else sessionStorage.removeItem(CSRF_KEY)
  } catch {
    // kept in memory only
  }
}

export type AuthStatus = 'unknown' | 'anonymous' | 'authenticated'

export const useAuthStore = defineStore('auth', () => {
  const status = ref<AuthStatus>('unknown')
  const user = ref<User | null>(null)
  const permissions = ref<string[]>([])
  const scope = ref<Scope | null>(null)
  const csrfToken = ref<string | null>(readCsrf())
  /** The server refuses everything but a password change until it is done. */
  const mustChangePassword = ref(false)

  const authenticated = computed(() => status.value === 'authenticated')
  const permissionSet = computed(() => new Set(permissions.value))

  function can(permission: string): boolean {
    return permissionSet.value.has(permission)
  }

  function setCsrf(token: string | null | undefined): void {
    csrfToken.value = token || null
    writeCsrf(csrfToken.value)
  }

  function reset(): void {
    status.value = 'anonymous'
    user.value = null
    permissions.value = []
    scope.value = null
    mustChangePassword.value = false
    setCsrf(null)
  }

  /** Reloads user, permissions, scope and CSRF token from GET /auth/me. */
  async function loadMe(quiet = false): Promise<void> {
    const me = await authApi.me(quiet)
    user.value = me.user
    permissions.value = me.permissions ?? []
    scope.value = me.scope ?? null
    if (me.csrf_token) setCsrf(me.csrf_token)
    mustChangePassword.value = !!me.user?.must_change_password
    status.value = 'authenticated'
  }

  /** Finds out once whether the browser holds a session. */
  async function ensureLoaded(): Promise<void> {
    if (status.value !== 'unknown') return
    try {
      await loadMe(true)
    } catch (err) {
      if (isApiError(err, 'password_change_required')) {
        status.value = 'authenticated'
        mustChangePassword.value = true
      } else {
        reset()
      }
    }
  }

  /** Signs in; answers whether the password must be changed before anything else. */
  async function login(login: string, password: string): Promise<boolean> {
    const res = await authApi.login(login, password)
    setCsrf(res.csrf_token)
    user.value = res.user
    permissions.value = []
    status.value = 'authenticated'
    mustChangePassword.value = !!res.user?.must_change_password
    if (!mustChangePassword.value) await loadMe()
    return mustChangePassword.value
  }

  /** Changes the password and reloads the session's view of the user. */
  async function changePassword(current: string, next: string): Promise<void> {
    await authApi.changePassword(current, next)
    mustChangePassword.value = false
    await loadMe()
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } catch {
      // the session is gone either way
    }
    reset()
  }

  return {
    status,
    user,
    permissions,
    scope,
    csrfToken,
    mustChangePassword,
    authenticated,
    can,
    setCsrf,
    reset,
    loadMe,
    ensureLoaded,
    login,
    changePassword,
    logout,
  }
})
