// Groups the permission catalogue for the role editor's checklist.
import type { Permission, PermissionGroup } from './api/roles'

export interface GroupedPermissions {
  group: PermissionGroup
  items: Permission[]
  codes: string[]
}

/**
 * Permissions under their groups, in the catalogue's group order; permissions whose
 * group is not in the catalogue get a group of their own (labelled by its code), after the rest.
 */
export function groupPermissions(items: readonly Permission[], groups: readonly PermissionGroup[]): GroupedPermissions[] {
  const out = new Map<string, GroupedPermissions>()
  for (const g of groups) out.set(g.code, { group: g, items: [], codes: [] })
  for (const p of items) {
    let entry = out.get(p.group)
    if (!entry) {
      entry = { group: { code: p.group, label_zh: p.group, label_en: p.group }, items: [], codes: [] }
      out.set(p.group, entry)
    }
    entry.items.push(p)
    entry.codes.push(p.code)
  }
  return [...out.values()].filter((g) => g.items.length > 0)
}
