// Device import, contract filters and attachment helpers (issue #4: 机具导入, 即将到期, 附件删除与缩略图).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildUrl, configureHttp, resetHttp } from '../../src/api/http'
import { importsApi, templateUrl } from '../../src/api/imports'
import { assetFilterFromQuery, assetQuery, emptyAssetFilter } from '../../src/api/assets'
import { contractQuery } from '../../src/api/contracts'
import { canDeleteAttachment, thumbnailUrl } from '../../src/api/attachments'

describe('device import', () => {
  let fetchMock: ReturnType<typeof vi.fn>
  beforeEach(() => {
    resetHttp()
    fetchMock = vi.fn()
    configureHttp({ fetch: fetchMock as unknown as typeof fetch, csrfToken: () => 'tok-1', locale: () => 'zh-CN' })
  })
  afterEach(() => resetHttp())

  it('has its own template and sends kind=assets', async () => {
    expect(templateUrl('assets')).toBe('/api/v1/imports/templates/assets.xlsx')
    expect(templateUrl()).toBe('/api/v1/imports/templates/customers.xlsx')
    fetchMock.mockResolvedValue(new Response(JSON.stringify({ id: 9, status: 'validating' }), { status: 202 }))
    await importsApi.upload(new File(['机具类型\n'], '机具.xlsx'), '机具.xlsx', 'update', 'assets')
    const body = (fetchMock.mock.calls[0] as [string, RequestInit])[1].body as FormData
    expect(body.get('kind')).toBe('assets')
    expect(body.get('duplicate_policy')).toBe('update')
  })
})

describe('the device list behind a report figure', () => {
  it('takes the report filters from the address and asks the list for them', () => {
    const f = { ...emptyAssetFilter(), ...assetFilterFromQuery({ type: 'ATM', model: 'S22', vendor_org_id: '21', region: '上海', in_use: 'true', installed_by: '2026-02', status: 'faulty', warranty: 'out', station_id: '24' }) }
    const q = new URLSearchParams(buildUrl('/assets', assetQuery(f)).split('?')[1])
    expect(Object.fromEntries(q)).toEqual({ type: 'ATM', model: 'S22', vendor_org_id: '21', region: '上海', in_use: 'true', installed_by: '2026-02', status: 'faulty', warranty: 'out', station_id: '24' })
  })

  it('ignores malformed values', () => {
    const f = { ...emptyAssetFilter(), ...assetFilterFromQuery({ status: 'broken', warranty: 'maybe', installed_by: '2026-13', in_use: 'yes', station_id: '-1', org_id: 'x' }) }
    expect(f).toEqual(emptyAssetFilter())
  })
})

describe('contract filters', () => {
  it('filters devices by contract and by expiring contract', () => {
    expect(buildUrl('/assets', assetQuery(emptyAssetFilter()))).toBe('/api/v1/assets')
    expect(buildUrl('/assets', assetQuery({ ...emptyAssetFilter(), contract_id: 7 }))).toBe('/api/v1/assets?contract_id=7')
    expect(buildUrl('/assets', assetQuery({ ...emptyAssetFilter(), contract_expiring: true }))).toBe('/api/v1/assets?contract_status=expiring')
  })

  it('asks for expiring contracts by status, with the window only when chosen', () => {
    expect(buildUrl('/contracts', contractQuery({ status: 'expiring' }))).toBe('/api/v1/contracts?status=expiring')
    expect(buildUrl('/contracts', contractQuery({ status: 'expiring', expiring_days: 90 }))).toBe('/api/v1/contracts?status=expiring&expiring_within=90')
  })
})

describe('attachments', () => {
  it('loads thumbnails instead of originals', () => {
    expect(thumbnailUrl({ id: 3, thumbnail_url: '/api/v1/attachments/3/thumbnail' })).toBe('/api/v1/attachments/3/thumbnail')
    expect(thumbnailUrl({ id: 4 })).toBe('/api/v1/attachments/4/thumbnail')
  })

  it('lets the uploader delete, and others only with attachment.delete', () => {
    const perms = (...codes: string[]) => (c: string) => codes.includes(c)
    expect(canDeleteAttachment({ uploaded_by: 5 }, 5, perms('ticket.comment'))).toBe(true)
    expect(canDeleteAttachment({ uploaded_by: 5 }, 6, perms('ticket.comment'))).toBe(false)
    expect(canDeleteAttachment({ uploaded_by: 5 }, 6, perms('ticket.comment', 'attachment.delete'))).toBe(true)
    expect(canDeleteAttachment({ uploaded_by: null }, undefined, perms('ticket.comment'))).toBe(false)
    expect(canDeleteAttachment({ uploaded_by: 5 }, 5, perms())).toBe(false)
  })
})
