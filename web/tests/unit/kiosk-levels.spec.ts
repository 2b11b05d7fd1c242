import { describe, expect, it } from 'vitest'
import { i18n } from '../../src/i18n'
import { initials, isLowLevel, levelLabel, levelTagType, levelTone, reasonOptions, shownLevels } from '../../src/views/kiosk/levels'
import { pickVoice } from '../../src/views/kiosk/speech'
import { normalizePairingCode } from '../../src/views/kiosk/device'

const t = i18n.global.t as unknown as (key: string, named?: Record<string, unknown>) => string

describe('rating scale', () => {
  it('uses the default 4-point labels, best first, when the server sends none', () => {
    expect(shownLevels({ scale: 4 }, 'zh-CN', t)).toEqual([
      { level: 4, label: '非常满意' },
      { level: 3, label: '满意' },
      { level: 2, label: '一般' },
      { level: 1, label: '不满意' },
    ])
    expect(shownLevels(undefined, 'zh-CN', t)).toHaveLength(4)
    expect(shownLevels({ scale: 3 }, 'zh-CN', t).map((l) => l.label)).toEqual(['满意', '一般', '不满意'])
    expect(shownLevels({ scale: 5 }, 'zh-CN', t).map((l) => l.label)).toEqual(['非常满意', '满意', '一般', '不满意', '非常不满意'])
  })

  it("prefers the server's labels in the UI language", () => {
    const levels = [
      { level: 1, label: '差', label_en: 'Poor' },
      { level: 3, label: '好', label_en: 'Good' },
      { level: 2, label: '中', label_en: '' },
    ]
    expect(shownLevels({ scale: 3, levels }, 'zh-CN', t).map((l) => l.label)).toEqual(['好', '中', '差'])
    expect(shownLevels({ scale: 3, levels }, 'en', t).map((l) => l.label)).toEqual(['Good', '中', 'Poor'])
  })

  it('labels past ratings on their own scale', () => {
    expect(levelLabel(4, 4, undefined, 'zh-CN', t)).toBe('非常满意')
    expect(levelLabel(5, 5, [], 'zh-CN', t)).toBe('非常满意')
    expect(levelLabel(2, 3, [{ level: 2, label: '还行' }, { level: 1, label: 'x' }, { level: 3, label: 'y' }], 'zh-CN', t)).toBe('还行')
    // levels of another scale are not used
    expect(levelLabel(2, 4, [{ level: 2, label: '还行' }], 'zh-CN', t)).toBe('一般')
    expect(levelLabel(7, 10, undefined, 'zh-CN', t)).toBe('7 分（共 10 分）')
  })

  it('asks for reasons at or below followup_max', () => {
    expect(isLowLevel(1, { followup_max: 2 })).toBe(true)
    expect(isLowLevel(2, { followup_max: 2 })).toBe(true)
    expect(isLowLevel(3, { followup_max: 2 })).toBe(false)
    expect(isLowLevel(1, undefined)).toBe(true)
    expect(isLowLevel(2, undefined)).toBe(false)
  })

  it('colours levels from green to red', () => {
    expect([4, 3, 2, 1].map((l) => levelTone(l, 4))).toEqual(['best', 'good', 'fair', 'poor'])
    expect([3, 2, 1].map((l) => levelTone(l, 3))).toEqual(['best', 'fair', 'poor'])
    expect(levelTagType(5, 5)).toBe('success')
    expect(levelTagType(1, 5)).toBe('danger')
  })

  it('normalises reasons given as strings or objects', () => {
    expect(
      reasonOptions(['等待时间长', ' 态度不好 ', '等待时间长', '', { code: 'slow', label: '办理慢', label_en: 'Slow' }, { name: '环境差' }], 'zh-CN'),
    ).toEqual([
      { value: '等待时间长', label: '等待时间长' },
      { value: '态度不好', label: '态度不好' },
      { value: 'slow', label: '办理慢' },
      { value: '环境差', label: '环境差' },
    ])
    expect(reasonOptions([{ code: 'slow', label: '办理慢', label_en: 'Slow' }], 'en')).toEqual([{ value: 'slow', label: 'Slow' }])
    expect(reasonOptions(undefined, 'zh-CN')).toEqual([])
  })

  it('makes avatar initials', () => {
    expect(initials('唐晓')).toBe('唐晓')
    expect(initials('欧阳娜娜')).toBe('娜娜')
    expect(initials('Li Wei')).toBe('LW')
    expect(initials('')).toBe('?')
  })
})

describe('kiosk helpers', () => {
  const v = (lang: string, localService = false) => ({ lang, localService, name: lang }) as SpeechSynthesisVoice

  it('picks a Chinese voice when there is one', () => {
    expect(pickVoice([v('en-US'), v('zh-TW'), v('zh-CN')])?.lang).toBe('zh-CN')
    expect(pickVoice([v('en-US'), v('zh_HK')])?.lang).toBe('zh_HK')
    expect(pickVoice([v('zh-CN'), v('zh-CN', true)])?.localService).toBe(true)
    expect(pickVoice([v('en-US')])).toBeUndefined()
    expect(pickVoice([])).toBeUndefined()
  })

  it('keeps six digits of a typed pairing code', () => {
    expect(normalizePairingCode(' 49-38 17 ')).toBe('493817')
    expect(normalizePairingCode('12345678')).toBe('123456')
    expect(normalizePairingCode('abc')).toBe('')
  })
})
