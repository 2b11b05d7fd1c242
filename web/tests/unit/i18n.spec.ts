import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { areaFiles, baseMessages, messages } from '../../src/locales'

type Tree = { [k: string]: string | Tree }

function flatten(obj: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
  }
  return out
}

const zh = flatten(messages['zh-CN'] as unknown as Tree)
const enMap = flatten(messages.en as unknown as Tree)

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) return sourceFiles(p)
    return /\.(vue|ts)$/.test(name) ? [p] : []
  })
}

describe('locales', () => {
  it('area files add keys of their own and override nothing', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const seen = new Set(Object.keys(baseMessages[lang]))
      for (const [path, tree] of Object.entries(areaFiles(lang))) {
        for (const k of Object.keys(tree)) {
          expect(seen.has(k), `${path}: ${k}`).toBe(false)
          seen.add(k)
        }
      }
    }
  })

  it('zh-CN and en have the same keys', () => {
    const missingInEn = [...zh.keys()].filter((k) => !enMap.has(k))
    const missingInZh = [...enMap.keys()].filter((k) => !zh.has(k))
    expect(missingInEn).toEqual([])
    expect(missingInZh).toEqual([])
  })

  it('has no empty messages', () => {
    for (const [k, v] of [...zh, ...enMap]) expect(v.trim(), k).not.toBe('')
  })

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const [k, v] of zh) expect(names(enMap.get(k) ?? ''), k).toEqual(names(v))
  })

  it('avoids vue-i18n special characters that would break message compilation', () => {
    for (const [k, v] of [...zh, ...enMap]) expect(v, k).not.toMatch(/[@|]/)
  })

  it('defines every literal key the source uses', () => {
    const root = join(import.meta.dirname, '../../src')
    const missing: string[] = []
    const patterns = [/\bt\(\s*'([a-zA-Z0-9_.]+)'/g, /titleKey: '([a-zA-Z0-9_.]+)'/g, /'(lang\.[a-zA-Z]+)'/g]
    for (const file of sourceFiles(root)) {
      const text = readFileSync(file, 'utf8')
      for (const re of patterns) {
        for (const m of text.matchAll(re)) if (!zh.has(m[1]!)) missing.push(`${file}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('defines the labels of every org kind, role scope and user status', async () => {
    const { ORG_KINDS } = await import('../../src/api/orgs')
    const { ROLE_SCOPES } = await import('../../src/api/roles')
    for (const k of ORG_KINDS) expect(zh.has(`orgs.kinds.${k}`), k).toBe(true)
    for (const s of ROLE_SCOPES) expect(zh.has(`roles.scopes.${s}`), s).toBe(true)
    for (const s of ['active', 'disabled', 'locked']) expect(zh.has(`users.status.${s}`), s).toBe(true)
  })

  it('has the product name and key labels in Chinese', () => {
    expect(zh.get('app.name')).toBe('聆听客户服务管理系统')
    expect(zh.get('login.login')).toBe('账号')
    expect(zh.get('login.password')).toBe('密码')
    expect(zh.get('login.submit')).toBe('登录')
    expect(zh.get('password.forced')).toBe('首次登录请修改密码')
  })
})
