// Keeps a report page's filters in the address bar: the page writes its filters with write();
// when the address changes from outside (a menu click, a dashboard tile, back/forward to the
// same page with other filters) onExternal gets the new query so the page can start over from it.
import { watch } from 'vue'
import { useRoute, useRouter, type LocationQuery } from 'vue-router'

export function useQuerySync(onExternal: (q: LocationQuery) => void) {
  const route = useRoute()
  const router = useRouter()
  const name = route.name
  let written: string | null = null

  function write(q: Record<string, string>) {
    written = JSON.stringify(q)
    void router.replace({ query: q }).catch(() => {})
  }

  watch(
    () => route.query,
    (q) => {
      // leaving the page, or the query this page wrote itself
      if (route.name !== name || JSON.stringify(q) === written) return
      onExternal(q)
    },
  )

  return { write }
}
