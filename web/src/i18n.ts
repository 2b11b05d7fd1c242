// vue-i18n setup: zh-CN by default, en available; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n'
import { messages, type Schema } from './locales'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

const STORAGE_KEY = 'lingting.locale'

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v)
}

function storedLocale(): Locale {
  try {
    const v = localStorage.getItem(STORAGE_KEY)
    if (isLocale(v)) return v
  } catch {
    // storage unavailable (privacy mode): use the default
  }
  return 'zh-CN'
}

export const i18n = createI18n<[Schema], Locale, false>({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: 'zh-CN',
  messages,
})

/** The current UI language. */
export function currentLocale(): Locale {
  return i18n.global.locale.value
}

/** Switches the UI language and remembers it. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  try {
    localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // not remembered; still switched
  }
  document.documentElement.lang = locale
}
