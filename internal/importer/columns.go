package importer

import (
	"fmt"
	"strings"

	"lingting/internal/apperr"
)

// Labels of the customer template's columns, in template order (API.md, "Customer
// import template").
const (
	ColName      = "客户名称"
	ColKind      = "客户类型"
	ColMobile    = "手机号码"
	ColIDType    = "证件类型"
	ColIDNumber  = "证件号码"
	ColEmail     = "电子邮箱"
	ColAddress   = "地址"
	ColOrgCode   = "所属机构编码"
	ColGrade     = "客户等级"
	ColManager   = "客户经理工号"
	ColTags      = "标签"
	ColBirthday  = "生日"
	ColErrors    = "错误原因" // added by WriteRejectedReport; ignored on import
	ColSourceRow = "原行号"  // added by WriteRejectedReport; ignored on import
)

// ColumnSpec describes one column of the customer template.
type ColumnSpec struct {
	Label    string // header label, e.g. 手机号码
	Key      string // stable field name for API errors, e.g. mobile
	Required bool   // the column must be present and the cell filled
	Note     string // the template's notes-row text, starting with "（"
	Help     string // longer explanation for the 说明 sheet
	Example  string // the template's sample value
}

// customerColumns is read-only; CustomerColumns hands out copies.
var customerColumns = [...]ColumnSpec{
	{ColName, "name", true, "（必填）不超过 64 个字", "个人填姓名，企业填营业执照上的全称，不超过 64 个字。", "张伟"},
	{ColKind, "kind", false, "（选填）个人 / 企业，默认个人", "个人 或 企业（也可填 单位、公司、对公、对私）。留空按个人处理。", "个人"},
	{ColMobile, "mobile", false, "（与证件号码至少填一项）手机或固话", "11 位手机号码（可带 +86），或固定电话如 010-12345678、0755-1234567-801。与证件号码至少填写一项。", "13812345678"},
	{ColIDType, "id_type", false, "（选填）居民身份证 / 护照 / 统一社会信用代码 / 其他", "居民身份证、护照、统一社会信用代码 或 其他。留空时，18 位或 15 位且校验正确的号码按居民身份证处理。", "居民身份证"},
	{ColIDNumber, "id_number", false, "（与手机号码至少填一项）请设为文本格式", "证件号码。居民身份证核对出生日期和校验位，统一社会信用代码核对校验位。请保持单元格为文本格式，否则 Excel 会把长数字改成科学计数法。", "110102198506120019"},
	{ColEmail, "email", false, "（选填）如 name@example.com", "电子邮箱地址。", "zhangwei@example.com"},
	{ColAddress, "address", false, "（选填）不超过 200 个字", "联系地址，不超过 200 个字。", "北京市西城区金融大街 1 号"},
	{ColOrgCode, "org_code", true, "（必填）系统中的机构编码", "客户所属机构（网点、支行）的编码，须是系统中已有的机构。", "BJ0101"},
	{ColGrade, "grade", false, "（选填）系统中的客户等级", "客户等级名称或编码，须是系统中已有的等级。", "金卡"},
	{ColManager, "manager_job_no", false, "（选填）客户经理的工号", "负责该客户的客户经理工号。", "A1024"},
	{ColTags, "tags", false, "（选填）多个标签用逗号分隔", "多个标签用中文或英文逗号（也可用顿号、分号）分隔，每个不超过 32 个字。", "代发工资，理财"},
	{ColBirthday, "birthday", false, "（选填）如 1985-06-12", "出生日期，如 1985-06-12、1985/6/12、1985年6月12日 或 19850612。与身份证号同时填写时必须一致；留空时从身份证号读取。", "1985-06-12"},
}

// CustomerColumns returns the template's columns in order.
func CustomerColumns() []ColumnSpec {
	return append([]ColumnSpec(nil), customerColumns[:]...)
}

// field indexes customerColumns.
type field int

const (
	fName field = iota
	fKind
	fMobile
	fIDType
	fIDNumber
	fEmail
	fAddress
	fOrgCode
	fGrade
	fManager
	fTags
	fBirthday
	numFields
)

// Columns is a header mapped to the customer template: where each known column is,
// and which other columns there are.
type Columns struct {
	header []string
	index  [numFields]int // cell index, or -1 when the column is absent
	extra  []extraColumn
}

type extraColumn struct {
	index int
	label string
}

// Has reports whether the file has the column with a template label.
func (c Columns) Has(label string) bool {
	for i, s := range customerColumns {
		if s.Label == label {
			return c.index[i] >= 0
		}
	}
	return false
}

// Extra returns the labels of columns that are not in the template, in file order.
// They arrive in CustomerRow.Extra; the caller maps them to custom fields or reports
// them as unknown.
func (c Columns) Extra() []string {
	out := make([]string, len(c.extra))
	for i, e := range c.extra {
		out[i] = e.label
	}
	return out
}

// Header returns the header the columns were mapped from.
func (c Columns) Header() []string { return c.header }

// headerKey is what header labels are compared by: normalised, without spaces and
// without the "*" that marks required columns in many home-made templates.
func headerKey(s string) string {
	s = strings.ReplaceAll(Normalize(s), " ", "")
	return strings.Trim(s, "*")
}

// MapCustomerHeader maps a header row to the template's columns, matching labels
// whatever their order, surrounding spaces, full-width characters or a "*" marker.
// Columns with an empty label are ignored, and so are 错误原因 and 原行号 (added by
// WriteRejectedReport, so a corrected report can be imported again). File-level
// problems have Line 1: a missing 客户名称 or 所属机构编码 column, neither 手机号码
// nor 证件号码, or a label that appears twice. The caller should not import a file
// with such problems.
func MapCustomerHeader(header []string) (Columns, []RowError) {
	cols := Columns{header: header}
	for i := range cols.index {
		cols.index[i] = -1
	}
	known := make(map[string]field, numFields)
	for i, s := range customerColumns {
		known[s.Label] = field(i)
	}
	var errs []RowError
	seen := map[string]bool{}
	for i, h := range header {
		key := headerKey(h)
		if key == "" || key == ColErrors || key == ColSourceRow {
			continue
		}
		if seen[key] {
			errs = append(errs, RowError{Line: 1, Column: key, Value: h, Message: apperr.Msg{
				ZH: fmt.Sprintf("表头“%s”重复出现", key),
				EN: fmt.Sprintf("the header %q appears more than once", key),
			}})
			continue
		}
		seen[key] = true
		if f, ok := known[key]; ok {
			cols.index[f] = i
		} else {
			cols.extra = append(cols.extra, extraColumn{index: i, label: key})
		}
	}
	for _, f := range []field{fName, fOrgCode} {
		if cols.index[f] < 0 {
			l := customerColumns[f].Label
			errs = append(errs, RowError{Line: 1, Column: l, Message: apperr.Msg{
				ZH: fmt.Sprintf("缺少必填列“%s”，请使用导入模板", l),
				EN: fmt.Sprintf("the required column %q is missing; use the import template", l),
			}})
		}
	}
	if cols.index[fMobile] < 0 && cols.index[fIDNumber] < 0 {
		errs = append(errs, RowError{Line: 1, Column: ColMobile, Message: apperr.Msg{
			ZH: "缺少“手机号码”和“证件号码”列，至少需要其中一列",
			EN: "both the 手机号码 (mobile) and 证件号码 (ID number) columns are missing; at least one is needed",
		}})
	}
	return cols, errs
}
