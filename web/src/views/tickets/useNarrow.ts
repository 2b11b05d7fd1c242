// Whether the screen is phone-narrow (≤ 768 px), kept up to date while the view lives.
import { onBeforeUnmount, onMounted, ref } from 'vue'

export const NARROW_QUERY = '(max-width: 768px)'

export function useNarrow() {
  const narrow = ref(false)
  let media: MediaQueryList | undefined
  const update = () => (narrow.value = !!media?.matches)
  onMounted(() => {
    if (typeof window.matchMedia !== 'function') return
    media = window.matchMedia(NARROW_QUERY)
    update()
    media.addEventListener?.('change', update)
  })
  onBeforeUnmount(() => media?.removeEventListener?.('change', update))
  return narrow
}
