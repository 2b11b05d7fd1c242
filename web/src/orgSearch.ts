// Local matching of an org against what a person typed: name, code or pinyin initials.
import type { Org } from './api/orgs'

export function orgMatches(org: Pick<Org, 'name' | 'code' | 'initials'>, query: string): boolean {
  const q = query.trim().toLowerCase()
  if (!q) return true
  return (
    (org.name ?? '').toLowerCase().includes(q) ||
    (org.code ?? '').toLowerCase().includes(q) ||
    (org.initials ?? '').toLowerCase().includes(q)
  )
}
