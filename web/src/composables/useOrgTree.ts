// The caller's visible org tree (GET /orgs?format=tree), shared by pickers and filters.
import { computed, ref } from 'vue'
import { flattenOrgs, orgsApi, type Org } from '../api/orgs'

export function useOrgTree() {
  const tree = ref<Org[]>([])
  const loading = ref(false)
  const byId = computed(() => new Map(flattenOrgs(tree.value).map((o) => [o.id, o])))

  async function load(): Promise<void> {
    loading.value = true
    try {
      tree.value = (await orgsApi.tree()).items ?? []
    } finally {
      loading.value = false
    }
  }

  return { tree, loading, byId, load }
}
