package importer

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func templateBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := CustomerTemplate(&buf); err != nil {
		t.Fatalf("CustomerTemplate: %v", err)
	}
	return buf.Bytes()
}

// parseAll imports a whole file and fails the test on any problem.
func parseAll(t *testing.T, data []byte) []CustomerRow {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), "customers.xlsx")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer func() { _ = r.Close() }()
	cols, errs := MapCustomerHeader(r.Header())
	if len(errs) != 0 {
		t.Fatalf("header %q: %v", r.Header(), errs)
	}
	var rows []CustomerRow
	for {
		line, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		row, errs := ParseCustomerRow(cols, line, cells)
		if len(errs) != 0 {
			t.Fatalf("line %d %q: %v", line, cells, errs)
		}
		rows = append(rows, row)
	}
}

func TestCustomerTemplate(t *testing.T) {
	data := templateBytes(t)
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if got, want := f.GetSheetList(), []string{TemplateSheet, TemplateHelpSheet}; !reflect.DeepEqual(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	rows, err := f.GetRows(TemplateSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], templateHeader) {
		t.Errorf("header = %q, want %q", rows[0], templateHeader)
	}
	if !IsNotesRow(rows[1]) {
		t.Errorf("row 2 is not a notes row: %q", rows[1])
	}
	style, _ := f.GetCellStyle(TemplateSheet, "A1")
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("A1 style = %+v, %v; want bold", s, err)
	}
	if dvs, err := f.GetDataValidations(TemplateSheet); err != nil || len(dvs) != 2 {
		t.Errorf("data validations = %d, %v", len(dvs), err)
	}
	help, _ := f.GetRows(TemplateHelpSheet)
	text := ""
	for _, r := range help {
		text += strings.Join(r, "|") + "\n"
	}
	for _, c := range CustomerColumns() {
		if !strings.Contains(text, c.Label+"|") || !strings.Contains(text, c.Help) {
			t.Errorf("说明 sheet does not explain %s", c.Label)
		}
	}

	// As downloaded: the notes row is skipped and the sample row is valid.
	got := parseAll(t, data)
	if len(got) != 1 || got[0].Line != 3 || got[0].Name != "张伟" || got[0].IDType != IDResident || got[0].Birthday == nil {
		t.Errorf("sample rows = %+v", got)
	}
}

// TestFilledTemplateImports fills the template the way a user does in Excel: the
// sample row overwritten, more rows added, a number typed into a general cell, a date
// cell holding an Excel serial, the notes row left in place.
func TestFilledTemplateImports(t *testing.T) {
	f, err := excelize.OpenReader(bytes.NewReader(templateBytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	const sh = TemplateSheet
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow(sh, "A3", &[]any{"李娜", "个人", "13912345678", "居民身份证", withCheck("32010219880808123"), "", "南京市玄武区中山路 1 号", "NJ01", "", "", "", ""}))
	must(f.SetSheetRow(sh, "A4", &[]any{"南京某某科技有限公司", "企业", "025-84561234", "统一社会信用代码", usccWithCheck("91320102MA1XYW123"), "info@example.cn", "", "NJ01", "", "A2001", "对公,重点", ""}))
	must(f.SetCellValue(sh, "A6", "王强"))
	must(f.SetCellValue(sh, "C6", 13700001111)) // typed as a number
	must(f.SetCellValue(sh, "H6", "NJ02"))
	must(f.SetCellValue(sh, "L6", 31210)) // 生日 column has a date format; Excel stores serials
	var buf bytes.Buffer
	must(f.Write(&buf))

	rows := parseAll(t, buf.Bytes())
	if len(rows) != 3 {
		t.Fatalf("rows = %+v", rows)
	}
	if rows[0].Line != 3 || rows[0].Birthday == nil || rows[0].Birthday.Format("2006-01-02") != "1988-08-08" {
		t.Errorf("row 3 = %+v", rows[0])
	}
	if rows[1].Line != 4 || rows[1].Kind != KindOrganization || rows[1].Mobile != "025-84561234" || !reflect.DeepEqual(rows[1].Tags, []string{"对公", "重点"}) {
		t.Errorf("row 4 = %+v", rows[1])
	}
	if rows[2].Line != 6 || rows[2].Mobile != "13700001111" || rows[2].Birthday.Format("2006-01-02") != "1985-06-12" {
		t.Errorf("row 6 = %+v", rows[2])
	}
}

func TestWriteRejectedReport(t *testing.T) {
	header := []string{"客户名称", "手机号码", "所属机构编码", "车牌号"}
	rows := []RejectedRow{
		{Line: 5, Cells: []string{"张伟", "1380013800", "", "京A1\x00"}, Errors: []RowError{
			{Line: 5, Column: ColMobile, Value: "1380013800", Message: msgOf("手机号码应为 11 位（实际 10 位）：1380013800")},
			{Line: 5, Column: ColOrgCode, Message: msgOf("所属机构编码必填")},
		}},
		{Line: 9, Cells: []string{"", "110105194912310021", "BJ01", "", "多出来的"}, Errors: []RowError{
			{Line: 9, Column: ColName, Message: msgOf("客户名称必填")},
			{Line: 9, Column: "第 5 列", Message: msgOf("第 5 列没有表头")},
		}},
	}
	var buf bytes.Buffer
	if err := WriteRejectedReport(&buf, header, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	got, err := f.GetRows(ReportSheet)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"客户名称", "手机号码", "所属机构编码", "车牌号", "", "错误原因", "原行号"},
		{"张伟", "1380013800", "", "京A1", "", "手机号码应为 11 位（实际 10 位）：1380013800\n所属机构编码必填", "5"},
		{"", "110105194912310021", "BJ01", "", "多出来的", "客户名称必填\n第 5 列没有表头", "9"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report =\n%q\nwant\n%q", got, want)
	}
	style, _ := f.GetCellStyle(ReportSheet, "B2")
	if s, _ := f.GetStyle(style); s == nil || len(s.Fill.Color) == 0 {
		t.Errorf("B2 (the bad mobile) is not highlighted: %+v", s)
	}
	if style, _ := f.GetCellStyle(ReportSheet, "A2"); style != 0 {
		t.Errorf("A2 is styled (%d) but has no error", style)
	}

	// A corrected report imports again: the added columns are ignored.
	r, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "未导入的行.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	cols, errs := MapCustomerHeader(r.Header())
	if len(errs) != 0 || !reflect.DeepEqual(cols.Extra(), []string{"车牌号"}) {
		t.Errorf("re-import header: errs %v, extra %q", errs, cols.Extra())
	}
}

func TestWriteRejectedReportEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteRejectedReport(&buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := excelize.OpenReader(&buf); err != nil {
		t.Fatal(err)
	}
}
