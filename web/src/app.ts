// Builds the application: Pinia, vue-i18n, Element Plus, the router and the API hooks.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import ElementPlus from 'element-plus'
import App from './App.vue'
import { i18n, currentLocale } from './i18n'
import { router } from './router'
import { configureHttp } from './api/http'
import { useAuthStore } from './stores/auth'

export function createLingtingApp() {
  const app = createApp(App)
  const pinia = createPinia()
  app.use(pinia)
  app.use(i18n)
  app.use(ElementPlus)

  const auth = useAuthStore(pinia)

  configureHttp({
    csrfToken: () => auth.csrfToken,
    locale: () => currentLocale(),
    fallbackMessage: (code, status) => {
      const key = `errors.codes.${code}`
      return i18n.global.te(key) ? i18n.global.t(key) : i18n.global.t('errors.http', { status })
    },
    onError: (err, req) => {
      if (req.options.quiet) return
      const current = router.currentRoute.value
      if (err.code === 'unauthenticated') {
        // The session is gone (expired, signed out elsewhere): back to the login page.
        auth.reset()
        if (current.name !== 'login') {
          const redirect = current.meta.public ? undefined : current.fullPath
          void router.push({ name: 'login', query: redirect && redirect !== '/' ? { redirect } : {} })
        }
      } else if (err.code === 'password_change_required') {
        auth.mustChangePassword = true
        if (current.name !== 'password') void router.push({ name: 'password' })
      }
    },
  })

  document.documentElement.lang = currentLocale()
  app.use(router)
  return { app, router, pinia }
}
