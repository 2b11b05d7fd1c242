import { describe, expect, it, vi } from 'vitest'
import { fileNameOf, formatSize, jobActive, reportOfHref, startExport, type ExportJob } from '../../src/api/exports'
import { ApiError } from '../../src/api/http'
import { REPORT_KINDS, REPORT_PATHS } from '../../src/api/reports'

const job = { id: 7, status: 'queued', percent: 0, rows_done: 0, rows_total: 80000, title: '任务明细' } as unknown as ExportJob

describe('export helpers', () => {
  it('finds the report and its filters behind an export address', () => {
    expect(reportOfHref('/api/v1/analytics/service-time?from=2026-11-01&group_by=station&format=xlsx')).toEqual({
      report: 'service-time',
      query: 'from=2026-11-01&group_by=station',
    })
    expect(reportOfHref('/api/v1/analytics/tickets.xlsx?status=closed')).toEqual({ report: 'tickets', query: 'status=closed' })
    expect(reportOfHref('/api/v1/analytics/devices/operation')).toEqual({ report: 'operation', query: '' })
    expect(reportOfHref('/api/v1/exports/customers.xlsx')).toBeNull()
  })

  it('knows every report page, so each can be subscribed to', () => {
    for (const kind of REPORT_KINDS) expect(reportOfHref(`/api/v1${REPORT_PATHS[kind]}?format=xlsx`), kind).toEqual({ report: kind, query: '' })
  })

  it('reads the file name of a download, the RFC 6266 one first', () => {
    expect(fileNameOf("attachment; filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E6%98%8E%E7%BB%86.xlsx")).toBe('任务明细.xlsx')
    expect(fileNameOf('attachment; filename="report.xlsx"')).toBe('report.xlsx')
    expect(fileNameOf(null)).toBe('')
  })

  it('formats sizes and tells running jobs', () => {
    expect([formatSize(812), formatSize(3482), formatSize(13_107_200)]).toEqual(['812 B', '3.4 KB', '12.5 MB'])
    expect([jobActive({ status: 'queued' }), jobActive({ status: 'running' }), jobActive({ status: 'done' }), jobActive({ status: 'failed' })]).toEqual([true, true, false, false])
  })
})

describe('startExport', () => {
  it('follows a 202 answer as a background job', async () => {
    const f = vi.fn(async () => new Response(JSON.stringify(job), { status: 202 }))
    const out = await startExport('/api/v1/analytics/tickets.xlsx?from=2026-01-01', 'en', f as unknown as typeof fetch)
    expect(out).toEqual({ kind: 'job', job })
    const init = (f.mock.calls[0] as unknown as [string, RequestInit])[1]
    expect((init.headers as Record<string, string>)['Accept-Language']).toBe('en')
  })

  it('saves a small export at once under its own name', async () => {
    const clicks: string[] = []
    const orig = HTMLAnchorElement.prototype.click
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      clicks.push(this.download)
    }
    URL.createObjectURL = vi.fn(() => 'blob:x')
    URL.revokeObjectURL = vi.fn()
    try {
      const f = vi.fn(
        async () =>
          new Response(new Blob(['PK']), { status: 200, headers: { 'Content-Disposition': "attachment; filename*=UTF-8''%E6%9C%8D%E5%8A%A1%E6%97%B6%E9%95%BF.xlsx" } }),
      )
      expect(await startExport('/api/v1/analytics/service-time?format=xlsx', 'zh-CN', f as unknown as typeof fetch)).toEqual({ kind: 'file', name: '服务时长.xlsx' })
      expect(clicks).toEqual(['服务时长.xlsx'])
    } finally {
      HTMLAnchorElement.prototype.click = orig
    }
  })

  it('turns an error answer into an ApiError with its fields', async () => {
    const f = vi.fn(
      async () => new Response(JSON.stringify({ error: { code: 'invalid', message: '输入有误', details: { fields: { from: '日期格式应为 YYYY-MM-DD' } } } }), { status: 422 }),
    )
    const err = await startExport('/api/v1/analytics/tickets.xlsx?from=x', 'zh-CN', f as unknown as typeof fetch).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).fields).toEqual({ from: '日期格式应为 YYYY-MM-DD' })
    expect((err as ApiError).message).toBe('输入有误')
  })
})
