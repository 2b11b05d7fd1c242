// Messages: the base files plus one folder per area (locales/<area>/zh-CN.json and
// en.json), so each area keeps its labels in its own files. An area file holds
// top-level keys of its own (e.g. "kiosk"); a key defined twice is a mistake
// the i18n unit test reports.
import zhCN from './zh-CN.json'
import en from './en.json'

type Tree = { [k: string]: string | Tree }

const areas = import.meta.glob<Tree>('./*/*.json', { eager: true, import: 'default' })

/** The area files of one language, by path. */
export function areaFiles(locale: 'zh-CN' | 'en'): Record<string, Tree> {
  const out: Record<string, Tree> = {}
  for (const [path, tree] of Object.entries(areas)) if (path.endsWith(`/${locale}.json`)) out[path] = tree
  return out
}

function merged(base: Tree, locale: 'zh-CN' | 'en'): Tree {
  const out: Tree = { ...base }
  for (const tree of Object.values(areaFiles(locale))) Object.assign(out, tree)
  return out
}

export type Schema = typeof zhCN
export const messages = {
  'zh-CN': merged(zhCN as Tree, 'zh-CN') as Schema,
  en: merged(en as Tree, 'en') as Schema,
}
export const baseMessages = { 'zh-CN': zhCN as Tree, en: en as Tree }
