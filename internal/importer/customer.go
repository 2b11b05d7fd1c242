package importer

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"lingting/internal/apperr"
)

// Customer kinds and ID types as stored.
const (
	KindIndividual   = "individual"
	KindOrganization = "organization"

	IDResident = "resident_id"
	IDPassport = "passport"
	IDUSCC     = "uscc"
	IDOther    = "other"
)

// Length limits of customer fields, in characters.
const (
	MaxNameLen    = 64
	MaxAddressLen = 200
	MaxCodeLen    = 64 // 所属机构编码, 客户等级, 客户经理工号, 证件号码 of type other
	MaxTagLen     = 32
)

// CustomerRow is one validated row of a customer import. Fields hold normalised
// values; empty means the cell was empty.
type CustomerRow struct {
	Line         int               // row number in the file, as Excel shows it
	Name         string            // full-width parentheses kept, other full-width characters made half-width
	Kind         string            // KindIndividual (also when empty) or KindOrganization
	Mobile       string            // 11-digit mobile, or landline as 010-12345678[-ext]
	IDType       string            // IDResident, IDPassport, IDUSCC, IDOther, or "" without an ID number
	IDNumber     string            // upper case for resident IDs, USCC and passports
	Email        string            // domain in lower case
	Address      string            //
	OrgCode      string            // to be checked against the org tree by the caller
	Grade        string            // to be checked against the grades by the caller
	ManagerJobNo string            // to be checked against the staff by the caller
	Tags         []string          // split on ，,、;； trimmed, de-duplicated, in order
	Birthday     *time.Time        // midnight UTC; taken from the resident ID when the cell is empty
	Extra        map[string]string // non-empty cells of columns outside the template, by label; nil if none
}

// RowError is one problem with a row (or, with Line 1 from MapCustomerHeader, with
// the file).
type RowError struct {
	Line    int
	Column  string // template label (手机号码…), or "第 N 列" for a cell without a header
	Value   string // the cell as it was in the file
	Message apperr.Msg
}

// Error implements error, in Chinese: "第 3 行 手机号码：…".
func (e RowError) Error() string {
	return fmt.Sprintf("第 %d 行 %s：%s", e.Line, e.Column, e.Message.ZH)
}

// rowCheck accumulates a row's problems.
type rowCheck struct {
	line  int
	cells []string
	cols  Columns
	errs  []RowError

	idBirthday *time.Time // from a valid resident ID
}

func (c *rowCheck) raw(f field) string {
	if i := c.cols.index[f]; i >= 0 && i < len(c.cells) {
		return c.cells[i]
	}
	return ""
}

func (c *rowCheck) fail(f field, msg apperr.Msg) {
	c.errs = append(c.errs, RowError{Line: c.line, Column: customerColumns[f].Label, Value: c.raw(f), Message: msg})
}

func (c *rowCheck) failf(f field, zh, en string, args ...any) {
	c.fail(f, apperr.Msg{ZH: fmt.Sprintf(zh, args...), EN: fmt.Sprintf(en, args...)})
}

// text returns a normalised cell, reporting it when longer than max characters.
func (c *rowCheck) text(f field, max int) string {
	v := Normalize(c.raw(f))
	if n := utf8.RuneCountInString(v); n > max {
		l := customerColumns[f].Label
		c.failf(f, "%s不能超过 %d 个字（实际 %d 个）", "%s must be at most %d characters (got %d)", l, max, n)
	}
	return v
}

// ParseCustomerRow validates one row against the columns of MapCustomerHeader and
// reports every problem it finds, not only the first. Messages quote the value.
// Org codes, grades, manager job numbers and duplicates need the database and are
// left to the caller; the returned row is meaningful only when there are no errors.
func ParseCustomerRow(cols Columns, line int, cells []string) (CustomerRow, []RowError) {
	c := &rowCheck{line: line, cells: cells, cols: cols}
	row := CustomerRow{Line: line}

	row.Name = normalizeName(c.raw(fName))
	if row.Name == "" {
		c.failf(fName, "客户名称必填", "customer name is required")
	} else if n := utf8.RuneCountInString(row.Name); n > MaxNameLen {
		c.failf(fName, "客户名称不能超过 %d 个字（实际 %d 个）", "customer name must be at most %d characters (got %d)", MaxNameLen, n)
	}
	row.Kind = c.kind()
	if v := Normalize(c.raw(fMobile)); v != "" {
		if p, msg, ok := phoneProblem(v); ok {
			row.Mobile = p
		} else {
			c.fail(fMobile, msg)
		}
	}
	row.IDType, row.IDNumber = c.id(row.Kind)
	if Normalize(c.raw(fMobile)) == "" && Normalize(c.raw(fIDNumber)) == "" {
		f := fMobile
		if cols.index[fMobile] < 0 {
			f = fIDNumber
		}
		c.failf(f, "手机号码和证件号码至少填写一项", "either the mobile number or the ID number is required")
	}
	if v := Normalize(c.raw(fEmail)); v != "" {
		if e, ok := Email(v); ok {
			row.Email = e
		} else {
			c.failf(fEmail, "电子邮箱格式无效：%s", "invalid email address: %s", truncate(v, 60))
		}
	}
	row.Address = c.text(fAddress, MaxAddressLen)
	if row.OrgCode = c.text(fOrgCode, MaxCodeLen); row.OrgCode == "" {
		c.failf(fOrgCode, "所属机构编码必填", "org code is required")
	}
	row.Grade = c.text(fGrade, MaxCodeLen)
	row.ManagerJobNo = c.text(fManager, MaxCodeLen)
	row.Tags = c.tags()
	row.Birthday = c.birthday()
	row.Extra = c.extra()
	c.unheaded()
	return row, c.errs
}

// kindLabels maps 客户类型 values (normalised, lower case) to kinds.
var kindLabels = map[string]string{
	"": KindIndividual, "个人": KindIndividual, "对私": KindIndividual, "individual": KindIndividual,
	"企业": KindOrganization, "单位": KindOrganization, "公司": KindOrganization, "对公": KindOrganization,
	"机构": KindOrganization, "organization": KindOrganization,
}

func (c *rowCheck) kind() string {
	v := Normalize(c.raw(fKind))
	if k, ok := kindLabels[strings.ToLower(v)]; ok {
		return k
	}
	c.failf(fKind, "客户类型无效：%s（应为 个人 或 企业）", "invalid customer type %s (expected 个人 or 企业)", truncate(v, 40))
	return KindIndividual
}

// idTypeLabels maps 证件类型 values (normalised, lower case) to ID types.
var idTypeLabels = map[string]string{
	"居民身份证": IDResident, "身份证": IDResident, "resident_id": IDResident,
	"护照": IDPassport, "passport": IDPassport,
	"统一社会信用代码": IDUSCC, "信用代码": IDUSCC, "营业执照": IDUSCC, "uscc": IDUSCC,
	"其他": IDOther, "其它": IDOther, "other": IDOther,
}

// id validates 证件类型 and 证件号码 together.
func (c *rowCheck) id(kind string) (idType, number string) {
	typeLabel := strings.ReplaceAll(Normalize(c.raw(fIDType)), " ", "")
	v := Normalize(c.raw(fIDNumber))
	if typeLabel != "" {
		t, ok := idTypeLabels[strings.ToLower(typeLabel)]
		if !ok {
			c.failf(fIDType, "证件类型无效：%s（可选：居民身份证、护照、统一社会信用代码、其他）",
				"invalid ID type %s (expected 居民身份证, 护照, 统一社会信用代码 or 其他)", truncate(typeLabel, 40))
			return "", ""
		}
		idType = t
	}
	if v == "" {
		return "", "" // a type without a number says nothing
	}
	var problem apperr.Msg
	ok := true
	switch idType {
	case IDResident:
		var b time.Time
		if number, b, ok, problem = ResidentID(v); ok {
			c.idBirthday = &b
		}
	case IDUSCC:
		number, ok, problem = USCC(v)
	case IDPassport:
		number, problem, ok = passport(v)
	case IDOther:
		number = v
		if n := utf8.RuneCountInString(v); n > MaxCodeLen {
			c.failf(fIDNumber, "证件号码不能超过 %d 个字（实际 %d 个）", "ID number must be at most %d characters (got %d)", MaxCodeLen, n)
		}
	default:
		return c.guessID(kind, v)
	}
	if !ok {
		c.fail(fIDNumber, problem)
	}
	return idType, number
}

// guessID handles an ID number without a type: a valid resident ID (or, for an
// organisation, a valid USCC) is taken as such; an ID-shaped number that fails the
// checks is reported as a resident ID; anything else needs a type.
func (c *rowCheck) guessID(kind, v string) (string, string) {
	id, b, ok, msg := ResidentID(v)
	if ok {
		c.idBirthday = &b
		return IDResident, id
	}
	if code, ok, _ := USCC(v); ok && kind == KindOrganization {
		return IDUSCC, code
	}
	d := strings.ToUpper(compact(v))
	if (len(d) == 18 && allDigits(d[:17]) && isDigitOrX(d[17])) || (len(d) == 15 && allDigits(d)) || looksScientific(d) {
		c.fail(fIDNumber, apperr.Msg{ZH: msg.ZH + "（如不是居民身份证，请填写证件类型）", EN: msg.EN + " (if it is not a resident ID, fill in the ID type)"})
		return "", ""
	}
	c.failf(fIDType, "请填写证件类型：证件号码 %s 不是有效的居民身份证号码", "fill in the ID type: %s is not a valid resident ID number", truncate(v, 40))
	return "", ""
}

// tags splits 标签 on Chinese and ASCII commas, 、 and semicolons.
func (c *rowCheck) tags() []string {
	v := Normalize(c.raw(fTags))
	if v == "" {
		return nil
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '、' || r == ';' || r == '；' })
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		if n := utf8.RuneCountInString(p); n > MaxTagLen {
			c.failf(fTags, "标签“%s”不能超过 %d 个字（实际 %d 个）", "tag %q must be at most %d characters (got %d)", truncate(p, 40), MaxTagLen, n)
		}
		out = append(out, p)
	}
	return out
}

// birthday parses 生日 and checks it against a resident ID; when the cell is empty
// the ID's birthday is used.
func (c *rowCheck) birthday() *time.Time {
	fromID := c.idBirthday
	v := Normalize(c.raw(fBirthday))
	if v == "" {
		return fromID
	}
	t, ok := Date(v)
	if ok && allDigits(v) && len(v) < 5 {
		ok = false // 1985 is a year, not Excel's serial for 1905-06-07
	}
	if !ok {
		c.failf(fBirthday, "日期无法识别：%s（请填写如 1985-06-12）", "unrecognised date %s (write e.g. 1985-06-12)", truncate(v, 40))
		return nil
	}
	if p := birthdayProblem(t); p != "" {
		c.failf(fBirthday, "生日无效：%s", "invalid birthday: %s", p)
		return nil
	}
	if fromID != nil && !fromID.Equal(t) {
		c.failf(fBirthday, "生日与身份证号不一致（生日 %s，身份证为 %s）", "birthday does not match the resident ID (%s; the ID says %s)",
			t.Format(time.DateOnly), fromID.Format(time.DateOnly))
		return nil
	}
	return &t
}

func (c *rowCheck) extra() map[string]string {
	var m map[string]string
	for _, e := range c.cols.extra {
		if e.index >= len(c.cells) {
			continue
		}
		if v := Normalize(c.cells[e.index]); v != "" {
			if m == nil {
				m = map[string]string{}
			}
			m[e.label] = v
		}
	}
	return m
}

// unheaded reports cells beyond the header: usually an unquoted comma in a CSV cell
// (an address) that shifted the row.
func (c *rowCheck) unheaded() {
	for i := len(c.cols.header); i < len(c.cells); i++ {
		if v := Normalize(c.cells[i]); v != "" {
			c.errs = append(c.errs, RowError{Line: c.line, Column: fmt.Sprintf("第 %d 列", i+1), Value: c.cells[i], Message: apperr.Msg{
				ZH: fmt.Sprintf("第 %d 列没有表头，却填写了内容：%s（可能是某个单元格中含有未加引号的逗号）", i+1, truncate(v, 40)),
				EN: fmt.Sprintf("column %d has no header but contains %s (perhaps a cell contains an unquoted comma)", i+1, truncate(v, 40)),
			}})
		}
	}
}
