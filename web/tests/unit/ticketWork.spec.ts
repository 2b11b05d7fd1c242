// Pure logic of the ticket list's custom field filter: the filter in the query string (address
// bar and saved views), the values each kind of input gives, and what survives a type change.
import { describe, expect, it } from 'vitest'
import { emptyTicketFilter, ticketQuery, type FieldDef } from '../../src/api/tickets'
import { sameTicketFilter, ticketFilterFromQuery, ticketFilterToQueryString } from '../../src/api/views'
import { filterInputValue, filterValueFromInput, pruneCustomFilter } from '../../src/views/tickets/customFields'

const field = (key: string, kind: FieldDef['kind'], options: string[] = []): FieldDef => ({ key, label: key, kind, required: false, options, sort: 0 })

describe('custom field filters in the query string', () => {
  it('puts custom.<key> last, by key, and reads it back', () => {
    const qs = ticketFilterToQueryString({ ...emptyTicketFilter(), type: 'repair', custom: { vip: 'true', fault_code: 'E02 卡钞' } })
    expect(qs).toBe('type=repair&custom.fault_code=E02+%E5%8D%A1%E9%92%9E&custom.vip=true')
    expect(ticketFilterFromQuery(qs).custom).toEqual({ fault_code: 'E02 卡钞', vip: 'true' })
    expect(ticketFilterFromQuery({ type: 'repair', 'custom.cash_left': ['2500', '10'] }).custom).toEqual({ cash_left: '2500' })
  })

  it('drops bad keys and empty values', () => {
    const f = ticketFilterFromQuery('custom.Bad-Key=1&custom.=x&custom.note=%20%20&custom.ok=1&customer=2')
    expect(f.custom).toEqual({ ok: '1' })
    expect(ticketFilterToQueryString({ custom: { 'Bad-Key': '1', note: ' ', ok: '' } })).toBe('')
  })

  it('compares saved views with custom filters by meaning', () => {
    expect(sameTicketFilter('custom.b=2&custom.a=1&type=x', 'type=x&custom.a=1&custom.b=2')).toBe(true)
    expect(sameTicketFilter('type=x&custom.a=1', 'type=x&custom.a=2')).toBe(false)
  })

  it('sends custom.<key> to GET /tickets', () => {
    expect(ticketQuery({ type: 'repair', custom: { fault_code: 'E01', empty: '' } })).toMatchObject({ type: 'repair', 'custom.fault_code': 'E01' })
    expect(ticketQuery({ custom: { empty: '' } })).not.toHaveProperty('custom.empty')
  })
})

describe('custom field filter inputs', () => {
  it('turns each kind of input into a query value', () => {
    expect(filterValueFromInput(field('n', 'number'), 2500.5)).toBe('2500.5')
    expect(filterValueFromInput(field('n', 'number'), Number.NaN)).toBe('')
    expect(filterValueFromInput(field('n', 'number'), null)).toBe('')
    expect(filterValueFromInput(field('b', 'boolean'), 'false')).toBe('false')
    expect(filterValueFromInput(field('b', 'boolean'), true)).toBe('true')
    expect(filterValueFromInput(field('b', 'boolean'), 'maybe')).toBe('')
    expect(filterValueFromInput(field('t', 'text'), '  大堂 ')).toBe('大堂')
    expect(filterValueFromInput(field('d', 'date'), '2026-11-30')).toBe('2026-11-30')
    expect(filterValueFromInput(field('s', 'select', ['A']), 'A')).toBe('A')
  })

  it('shows query values in the inputs', () => {
    expect(filterInputValue(field('n', 'number'), '2500.5')).toBe(2500.5)
    expect(filterInputValue(field('n', 'number'), 'many')).toBeUndefined()
    expect(filterInputValue(field('s', 'select'), '')).toBeUndefined()
    expect(filterInputValue(field('b', 'boolean'), 'true')).toBe('true')
  })

  it('keeps only the filters the new type still has', () => {
    expect(pruneCustomFilter({ fault_code: 'E01', vip: 'true' }, [field('fault_code', 'select')])).toEqual({ fault_code: 'E01' })
    expect(pruneCustomFilter(undefined, [])).toEqual({})
  })
})
