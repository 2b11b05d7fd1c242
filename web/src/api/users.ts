// User administration endpoints (/users).
import { http, type Page } from './http'

export type UserStatus = 'active' | 'disabled' | 'locked'

/** A staff account. */
export interface User {
  id: number
  login: string
  name: string
  org_id: number
  org_name: string
  job_no: string
  phone: string
  email: string
  status: UserStatus
  must_change_password: boolean
  roles: { id: number; name: string }[]
  last_login_at: string | null
  created_at: string
  updated_at: string
}

/** Filters of GET /users. */
export interface UserFilter {
  q?: string
  org_id?: number | null
  status?: UserStatus | ''
  page?: number
  page_size?: number
}

export interface UserCreate {
  login: string
  name: string
  org_id: number
  password?: string
  job_no: string
  phone: string
  email: string
  role_ids?: number[]
}

export interface UserUpdate {
  name?: string
  org_id?: number
  job_no?: string
  phone?: string
  email?: string
  status?: 'active' | 'disabled'
}

export const usersApi = {
  list: (f: UserFilter = {}) => http.get<Page<User>>('/users', { ...f }),
  get: (id: number) => http.get<User>(`/users/${id}`),
  create: (body: UserCreate) => http.post<User & { initial_password?: string }>('/users', body),
  update: (id: number, body: UserUpdate) => http.patch<User>(`/users/${id}`, body),
  resetPassword: (id: number) => http.post<{ password: string }>(`/users/${id}/reset-password`, {}),
  setRoles: (id: number, role_ids: number[]) => http.put<User>(`/users/${id}/roles`, { role_ids }),
}
