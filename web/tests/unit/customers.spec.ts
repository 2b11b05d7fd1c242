import { describe, expect, it } from 'vitest'
import { customerQuery, emptyCustomerFilter, exportUrl, type Customer, type CustomField } from '../../src/api/customers'
import {
  columnsKey,
  CUSTOMER_COLUMNS,
  DEFAULT_COLUMNS,
  filtersKey,
  loadColumns,
  loadSavedFilters,
  normalizeColumns,
  persistSavedFilters,
  sanitizeFilter,
  saveColumns,
  withFilterSet,
  withoutFilterSet,
  type PrefStorage,
} from '../../src/views/customers/listPrefs'
import {
  customerToForm,
  emptyCustomerForm,
  fieldError,
  formToInput,
  isMasked,
  normalizePhones,
  phoneProblem,
  residentIdValid,
  validatePhones,
} from '../../src/views/customers/customerForm'
import { sortFields } from '../../src/views/customers/useCustomerMeta'

function fakeStorage(init: Record<string, string> = {}): PrefStorage & { data: Map<string, string> } {
  const data = new Map(Object.entries(init))
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  }
}

describe('customer query', () => {
  it('leaves out empty filters and the default sort', () => {
    expect(customerQuery(emptyCustomerFilter())).toEqual({
      q: '',
      org_id: null,
      grade: '',
      status: '',
      tag: '',
      manager_id: null,
      kind: '',
      sort: undefined,
    })
    expect(exportUrl('xlsx', emptyCustomerFilter())).toBe('/api/v1/exports/customers.xlsx')
  })

  it('trims text, keeps every filter and adds the page for the list only', () => {
    const f = { ...emptyCustomerFilter(), q: '  wf ', org_id: 7, grade: 'gold', status: 'formal' as const, tag: ' 理财 ', manager_id: 31, kind: 'individual' as const, sort: 'name' }
    const q = customerQuery(f, { page: 2, page_size: 50 })
    expect(q).toMatchObject({ q: 'wf', org_id: 7, grade: 'gold', status: 'formal', tag: '理财', manager_id: 31, kind: 'individual', sort: 'name', page: 2, page_size: 50 })
    const url = exportUrl('csv', f)
    expect(url.startsWith('/api/v1/exports/customers.csv?')).toBe(true)
    const params = new URLSearchParams(url.split('?')[1])
    expect(Object.fromEntries(params)).toEqual({
      q: 'wf',
      org_id: '7',
      grade: 'gold',
      status: 'formal',
      tag: '理财',
      manager_id: '31',
      kind: 'individual',
      sort: 'name',
    })
    expect(params.has('page')).toBe(false)
  })
})

describe('column chooser persistence', () => {
  it('uses the defaults when nothing valid is stored', () => {
    expect(loadColumns(null, 'k')).toEqual(DEFAULT_COLUMNS)
    expect(loadColumns(fakeStorage(), 'k')).toEqual(DEFAULT_COLUMNS)
    expect(loadColumns(fakeStorage({ k: '{not json' }), 'k')).toEqual(DEFAULT_COLUMNS)
    expect(loadColumns(fakeStorage({ k: '{"a":1}' }), 'k')).toEqual(DEFAULT_COLUMNS)
  })

  it('saves and reloads a choice in display order, dropping unknown columns', () => {
    const s = fakeStorage()
    saveColumns(s, columnsKey(5), ['tags', 'code', 'tags'])
    expect(s.data.get('lingting.customers.columns.5')).toBe('["code","tags"]')
    expect(loadColumns(s, columnsKey(5))).toEqual(['code', 'tags'])
    s.data.set('x', '["email","bogus","phone"]')
    expect(loadColumns(s, 'x')).toEqual(['phone', 'email'])
    // an empty choice is a choice
    saveColumns(s, 'y', [])
    expect(loadColumns(s, 'y')).toEqual([])
    expect(normalizeColumns([...CUSTOMER_COLUMNS].reverse())).toEqual([...CUSTOMER_COLUMNS])
  })

  it('keeps working when storage throws', () => {
    const broken: PrefStorage = {
      getItem: () => {
        throw new Error('denied')
      },
      setItem: () => {
        throw new Error('quota')
      },
      removeItem: () => undefined,
    }
    expect(loadColumns(broken, 'k')).toEqual(DEFAULT_COLUMNS)
    expect(() => saveColumns(broken, 'k', ['code'])).not.toThrow()
  })
})

describe('saved filter sets', () => {
  const f = (over: object = {}) => ({ ...emptyCustomerFilter(), ...over })

  it('adds, replaces by name and deletes', () => {
    let list = withFilterSet([], ' 金卡客户 ', f({ grade: 'gold' }))
    list = withFilterSet(list, '流失', f({ status: 'lost' }))
    list = withFilterSet(list, '金卡客户', f({ grade: 'gold', org_id: 3 }))
    expect(list.map((s) => s.name)).toEqual(['金卡客户', '流失'])
    expect(list[0]!.filter.org_id).toBe(3)
    expect(withFilterSet(list, '   ', f())).toEqual(list)
    expect(withoutFilterSet(list, '金卡客户').map((s) => s.name)).toEqual(['流失'])
  })

  it('keeps the manager name only with a manager', () => {
    expect(withFilterSet([], 'a', f(), '韩雪')[0]!.manager_name).toBeUndefined()
    expect(withFilterSet([], 'a', f({ manager_id: 31 }), '韩雪')[0]!.manager_name).toBe('韩雪')
  })

  it('round-trips through storage, per user', () => {
    const s = fakeStorage()
    const list = withFilterSet([], '我的客户', f({ manager_id: 31, q: 'wf' }), '韩雪')
    persistSavedFilters(s, filtersKey(9), list)
    expect(loadSavedFilters(s, filtersKey(9))).toEqual(list)
    expect(loadSavedFilters(s, filtersKey(10))).toEqual([])
  })

  it('cleans up what it reads: bad entries, duplicates, wrong types', () => {
    const s = fakeStorage({
      k: JSON.stringify([
        { name: 'ok', filter: { status: 'formal', org_id: 4, extra: 1 } },
        { name: 'ok', filter: {} },
        { name: '', filter: {} },
        null,
        'x',
        { name: 'weird', filter: { status: 'nope', kind: 'alien', org_id: '4', manager_id: -1, q: 5 } },
      ]),
    })
    const list = loadSavedFilters(s, 'k')
    expect(list.map((x) => x.name)).toEqual(['ok', 'weird'])
    expect(list[0]!.filter).toEqual(f({ status: 'formal', org_id: 4 }))
    expect(list[1]!.filter).toEqual(f())
    expect(sanitizeFilter(null)).toEqual(f())
    expect(loadSavedFilters(fakeStorage({ k: '{}' }), 'k')).toEqual([])
  })
})

describe('phone checks', () => {
  it('accepts mobiles, landlines and service numbers', () => {
    for (const n of ['13812345678', '138 1234 5678', '+86 138-1234-5678', '010-62345678', '(0755)86001234', '4008123123', '95588']) {
      expect(phoneProblem(n), n).toBeNull()
    }
  })

  it('rejects short mobiles and junk', () => {
    expect(phoneProblem('1381234567')).toBe('mobile') // 10 digits
    expect(phoneProblem('123456789012')).toBe('mobile')
    expect(phoneProblem('12812345678')).toBe('mobile') // no 12x mobiles
    expect(phoneProblem('abc')).toBe('format')
    expect(phoneProblem('1234')).toBe('format')
  })

  it('finds problems and duplicates by row, ignoring empty rows', () => {
    const issues = validatePhones([
      { number: '13812345678', label: '手机', primary: true },
      { number: '', label: '', primary: false },
      { number: '138 1234 5678', label: '', primary: false },
      { number: '+8613812345678', label: '', primary: false },
      { number: '1381234567', label: '', primary: false },
    ])
    expect([...issues]).toEqual([
      [2, 'duplicate'],
      [3, 'duplicate'],
      [4, 'mobile'],
    ])
  })

  it('normalizes: drops empty rows, trims, exactly one primary', () => {
    expect(
      normalizePhones([
        { number: ' ', label: 'x', primary: true },
        { number: ' 13812345678 ', label: ' 手机 ', primary: false },
        { number: '010-62345678', label: '', primary: false },
      ]),
    ).toEqual([
      { number: '13812345678', label: '手机', primary: true },
      { number: '010-62345678', label: '', primary: false },
    ])
    const two = normalizePhones([
      { number: '13812345678', label: '', primary: false },
      { number: '13912345678', label: '', primary: true },
      { number: '13712345678', label: '', primary: true },
    ])
    expect(two.map((p) => p.primary)).toEqual([false, true, false])
    expect(normalizePhones([])).toEqual([])
  })
})

describe('resident ID check digit', () => {
  it('accepts valid numbers (also with a lowercase x) and rejects bad ones', () => {
    expect(residentIdValid('11010519491231002X')).toBe(true)
    expect(residentIdValid('11010519491231002x')).toBe(true)
    expect(residentIdValid('110105194912310021')).toBe(false)
    expect(residentIdValid('440524188001010014')).toBe(true)
    expect(residentIdValid('44052418800101001')).toBe(false)
    expect(residentIdValid('')).toBe(false)
  })
})

describe('customer form mapping', () => {
  const fields: CustomField[] = [
    { id: 2, code: 'industry', label: '行业', type: 'select', options: ['制造业', '金融'], required: true, sort: 20 },
    { id: 1, code: 'employees', label: '员工数', type: 'number', options: [], required: false, sort: 10 },
    { id: 3, code: 'channels', label: '渠道', type: 'multiselect', options: ['柜台', '网银'], required: false, sort: 20 },
  ]
  const customer: Customer = {
    id: 12,
    code: 'KH00000012',
    kind: 'individual',
    name: '王芳',
    initials: 'wf',
    phone: '138****5678',
    phones: [{ number: '138****5678', label: '手机', primary: true }],
    id_type: 'resident_id',
    id_number: '110***********1234',
    email: '',
    address: '北京市海淀区',
    region: '北京',
    org_id: 7,
    org_name: '中关村网点',
    manager_id: 31,
    manager_name: '韩雪',
    grade: 'gold',
    grade_name: '金卡',
    tags: ['理财'],
    source: 'counter',
    status: 'formal',
    birthday: '1990-05-01',
    anniversaries: [{ label: '开户纪念日', date: '2019-03-08' }],
    confidentiality: 1,
    custom: { industry: '制造业', legacy: 'x' },
    notes: '',
    masked: true,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  }

  it('orders fields by sort then id', () => {
    expect(sortFields(fields).map((f) => f.code)).toEqual(['employees', 'industry', 'channels'])
  })

  it('starts a new form with one empty phone and empty custom values by type', () => {
    const form = emptyCustomerForm(fields)
    expect(form.phones).toEqual([{ number: '', label: '', primary: true }])
    expect(form.custom).toEqual({ industry: '', employees: null, channels: [] })
  })

  it('leaves masked phones and ID number out of the body unless revealed', () => {
    const form = customerToForm(customer, fields)
    expect(isMasked(form.phones[0]!.number)).toBe(true)
    expect(form.custom).toEqual({ industry: '制造业', employees: null, channels: [] })
    const body = formToInput(form, { pii: false })
    expect(body.phones).toBeUndefined()
    expect(body.id_number).toBeUndefined()
    expect(body.id_type).toBeUndefined()
    expect(body).toMatchObject({ name: '王芳', org_id: 7, manager_id: 31, grade: 'gold', tags: ['理财'], birthday: '1990-05-01' })
    expect(body.custom).toEqual({ industry: '制造业', employees: null, channels: [] })
  })

  it('uses revealed values and sends them back when editable', () => {
    const revealed = { phone: '13812345678', phones: [{ number: '13812345678', label: '手机', primary: true }], id_number: '11010519491231002X' }
    const form = customerToForm(customer, fields, revealed)
    expect(form.phones[0]!.number).toBe('13812345678')
    expect(form.id_number).toBe('11010519491231002X')
    form.phones.push({ number: ' 010-62345678 ', label: '办公', primary: false }, { number: '', label: '', primary: false })
    form.tags = [' 理财 ', '理财', '', '贵宾']
    form.anniversaries.push({ label: '空', date: '' })
    form.custom.employees = 12
    form.custom.industry = ''
    const body = formToInput(form, { pii: true })
    expect(body.phones).toEqual([
      { number: '13812345678', label: '手机', primary: true },
      { number: '010-62345678', label: '办公', primary: false },
    ])
    expect(body.id_type).toBe('resident_id')
    expect(body.tags).toEqual(['理财', '贵宾'])
    expect(body.anniversaries).toEqual([{ label: '开户纪念日', date: '2019-03-08' }])
    expect(body.custom).toMatchObject({ employees: 12, industry: null })
  })

  it('clears the ID type when no ID number is given', () => {
    const form = emptyCustomerForm()
    form.name = ' 李雷 '
    form.org_id = 3
    form.phones[0]!.number = '13912345678'
    const body = formToInput(form, { pii: true })
    expect(body).toMatchObject({ name: '李雷', org_id: 3, id_type: '', id_number: '', birthday: null, manager_id: null })
  })

  it('picks the first server field error among alternative names', () => {
    expect(fieldError({ 'custom.industry': '必填' }, 'cf.industry', 'custom.industry')).toBe('必填')
    expect(fieldError({}, 'a', 'b')).toBeUndefined()
  })
})
