// Org tree endpoints (/orgs).
import { http, type Page } from './http'

export const ORG_KINDS = ['operator', 'client', 'vendor', 'department', 'station', 'outlet'] as const
export type OrgKind = (typeof ORG_KINDS)[number]

/** A node of the org tree (机构). */
export interface Org {
  id: number
  parent_id: number | null
  kind: OrgKind
  code: string
  name: string
  region: string
  address: string
  path: string
  depth: number
  initials: string
  children?: Org[]
}

export interface OrgFilter {
  q?: string
  kind?: OrgKind | ''
  page?: number
  page_size?: number
}

export interface OrgCreate {
  parent_id: number | null
  kind: OrgKind
  code: string
  name: string
  region: string
  address: string
}

export type OrgUpdate = Partial<Pick<Org, 'code' | 'name' | 'region' | 'address' | 'kind'>>

export const orgsApi = {
  list: (f: OrgFilter = {}) => http.get<Page<Org>>('/orgs', { page_size: 500, ...f }),
  tree: () => http.get<{ items: Org[] }>('/orgs', { format: 'tree' }),
  get: (id: number) => http.get<Org>(`/orgs/${id}`),
  create: (body: OrgCreate) => http.post<Org>('/orgs', body),
  update: (id: number, body: OrgUpdate) => http.patch<Org>(`/orgs/${id}`, body),
  remove: (id: number) => http.del(`/orgs/${id}`),
  move: (id: number, parent_id: number | null) => http.post<Org>(`/orgs/${id}/move`, { parent_id }),
}

/** Every node of a tree, depth first. */
export function flattenOrgs(roots: readonly Org[]): Org[] {
  const out: Org[] = []
  const walk = (nodes: readonly Org[]) => {
    for (const n of nodes) {
      out.push(n)
      if (n.children?.length) walk(n.children)
    }
  }
  walk(roots)
  return out
}

/** Ids of a node and all its descendants. */
export function subtreeIds(node: Org): Set<number> {
  return new Set(flattenOrgs([node]).map((o) => o.id))
}
