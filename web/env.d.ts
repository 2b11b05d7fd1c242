/// <reference types="vite/client" />

import 'vue-router'

declare module 'vue-router' {
  interface RouteMeta {
    /** Routes reachable without a session (login, 404). */
    public?: boolean
    /** Permission code the caller must hold, e.g. "org.read"; a list means any one of them. */
    permission?: string | string[]
    /** i18n key of the page title. */
    titleKey?: string
  }
}
