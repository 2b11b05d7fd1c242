// Session, password and API-token endpoints (/auth/*).
import { http } from './http'
import type { User } from './users'

/** Data scope of the caller. */
export interface Scope {
  mode: 'all' | 'subtree' | 'org' | 'self' | 'custom' | 'none'
  org_ids: number[]
}

/** Answer of GET /auth/me. */
export interface Me {
  user: User
  permissions: string[]
  scope: Scope
  csrf_token: string
}

/** Answer of POST /auth/login. */
export interface LoginResult {
  user: User
  csrf_token: string
}

/** An API token as listed (the secret itself is never listed). */
export interface ApiToken {
  id: number
  name: string
  prefix: string
  created_at: string
  expires_at: string | null
  last_used_at: string | null
}

/** Answer of POST /auth/tokens: the secret is shown once. */
export interface CreatedToken {
  id: number
  name: string
  token: string
  prefix: string
  expires_at: string | null
}

export const authApi = {
  login: (login: string, password: string) =>
    http.post<LoginResult>('/auth/login', { login, password }, { quiet: true }),
  logout: () => http.post<void>('/auth/logout', undefined, { quiet: true }),
  me: (quiet = false) => http.get<Me>('/auth/me', undefined, { quiet }),
  changePassword: (current_password: string, new_password: string) =>
    http.post<void>('/auth/password', { current_password, new_password }),
  listTokens: () => http.get<{ items: ApiToken[] }>('/auth/tokens'),
  createToken: (name: string, expires_at: string | null) =>
    http.post<CreatedToken>('/auth/tokens', { name, expires_at }),
  deleteToken: (id: number) => http.del(`/auth/tokens/${id}`),
}
