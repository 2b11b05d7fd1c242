// Roles and the permission catalogue (/roles, /permissions).
import { http, type Page } from './http'

export const ROLE_SCOPES = ['all', 'subtree', 'org', 'self', 'custom'] as const
export type RoleScope = (typeof ROLE_SCOPES)[number]

/** A role: permissions plus a data scope. */
export interface Role {
  id: number
  name: string
  description: string
  permissions: string[]
  scope: RoleScope
  scope_org_ids: number[]
  builtin: boolean
  user_count: number
}

export type RoleInput = Pick<Role, 'name' | 'description' | 'permissions' | 'scope' | 'scope_org_ids'>

export interface Permission {
  code: string
  group: string
  label_zh: string
  label_en: string
}

export interface PermissionGroup {
  code: string
  label_zh: string
  label_en: string
}

export const rolesApi = {
  list: (q?: string) => http.get<Page<Role>>('/roles', { q, page_size: 500 }),
  get: (id: number) => http.get<Role>(`/roles/${id}`),
  create: (body: RoleInput) => http.post<Role>('/roles', body),
  update: (id: number, body: Partial<RoleInput>) => http.patch<Role>(`/roles/${id}`, body),
  remove: (id: number) => http.del(`/roles/${id}`),
  permissions: () => http.get<{ items: Permission[]; groups: PermissionGroup[] }>('/permissions'),
}
