// Helpers of the rating administration: settings body, scale defaults, kiosk and QR addresses.
import { describe, expect, it } from 'vitest'
import { absoluteUrl, defaultsForScale, kioskPath, linkCardUrl, linkQrUrl, settingsInput } from '../../src/api/ratingAdmin'

describe('rating settings', () => {
  it('builds the PUT body: trimmed, de-duplicated reasons and welcome', () => {
    expect(
      settingsInput(7, {
        scale: 4,
        satisfied_min: 3,
        followup_max: 2,
        timeout_seconds: 30,
        qr_cooldown_minutes: 30,
        min_ranked_n: 30,
        reasons: [' 等待时间长 ', '服务态度', '', '等待时间长'],
        welcome: ' 欢迎光临 ',
      }),
    ).toEqual({
      org_id: 7,
      scale: 4,
      satisfied_min: 3,
      followup_max: 2,
      timeout_seconds: 30,
      qr_cooldown_minutes: 30,
      min_ranked_n: 30,
      reasons: ['等待时间长', '服务态度'],
      welcome: '欢迎光临',
    })
  })

  it('proposes satisfied and follow-up levels that fit each scale', () => {
    expect(defaultsForScale(3)).toEqual({ satisfied_min: 3, followup_max: 1 })
    expect(defaultsForScale(4)).toEqual({ satisfied_min: 3, followup_max: 2 })
    expect(defaultsForScale(5)).toEqual({ satisfied_min: 4, followup_max: 2 })
    for (const s of [3, 4, 5]) {
      const d = defaultsForScale(s)
      expect(d.satisfied_min).toBeLessThanOrEqual(s)
      expect(d.followup_max).toBeLessThan(d.satisfied_min)
    }
  })
})

describe('addresses', () => {
  it('builds the kiosk page of a counter and absolute addresses', () => {
    expect(kioskPath('ZGC-03')).toBe('/kiosk/ZGC-03')
    expect(kioskPath('A B')).toBe('/kiosk/A%20B')
    expect(absoluteUrl('/kiosk/ZGC-03', 'https://lt.example.com')).toBe('https://lt.example.com/kiosk/ZGC-03')
    expect(absoluteUrl('https://other.example.com/r/x', 'https://lt.example.com')).toBe('https://other.example.com/r/x')
  })

  it('points at the QR image and the printable card of a link', () => {
    expect(linkQrUrl(12)).toBe('/api/v1/rating-links/12/qr.png')
    expect(linkCardUrl(12)).toBe('/api/v1/rating-links/12/card')
  })
})
