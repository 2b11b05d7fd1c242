package importer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"lingting/internal/apperr"
)

type readRow struct {
	line  int
	cells []string
}

// readAll opens data and returns the header and every row.
func readAll(t *testing.T, data []byte, filename string) ([]string, []readRow) {
	t.Helper()
	r, err := Open(bytes.NewReader(data), int64(len(data)), filename)
	if err != nil {
		t.Fatalf("Open(%s): %v", filename, err)
	}
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	var rows []readRow
	for {
		line, cells, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		rows = append(rows, readRow{line, cells})
	}
	return r.Header(), rows
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

const sampleCSV = "客户名称,手机号码,所属机构编码\r\n张伟,13800138000,BJ01\r\n王芳,+86 139 0000 1111,SH02\r\n"

var sampleHeader = []string{"客户名称", "手机号码", "所属机构编码"}
var sampleRows = []readRow{
	{2, []string{"张伟", "13800138000", "BJ01"}},
	{3, []string{"王芳", "+86 139 0000 1111", "SH02"}},
}

func TestOpenCSVEncodings(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"utf8", []byte(sampleCSV)},
		{"utf8 bom", append([]byte("\xEF\xBB\xBF"), sampleCSV...)},
		{"gbk", encode(t, simplifiedchinese.GBK, sampleCSV)},
		{"gb18030", encode(t, simplifiedchinese.GB18030, sampleCSV)},
		{"utf16le bom tabs", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), strings.ReplaceAll(sampleCSV, ",", "\t"))},
		{"utf16be bom", encode(t, unicode.UTF16(unicode.BigEndian, unicode.UseBOM), sampleCSV)},
		{"semicolons", []byte(strings.ReplaceAll(sampleCSV, ",", ";"))},
		{"lf only", []byte(strings.ReplaceAll(sampleCSV, "\r\n", "\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header, rows := readAll(t, tt.data, "customers.csv")
			if !reflect.DeepEqual(header, sampleHeader) {
				t.Errorf("header = %q, want %q", header, sampleHeader)
			}
			if !reflect.DeepEqual(rows, sampleRows) {
				t.Errorf("rows = %v, want %v", rows, sampleRows)
			}
		})
	}
}

func TestOpenGB18030BeyondGBK(t *testing.T) {
	// 䶮 (U+4DAE) and 𠀀 (U+20000) have four-byte GB18030 codes and no GBK code.
	data := encode(t, simplifiedchinese.GB18030, "客户名称,所属机构编码\n刘䶮,BJ01\n𠀀公司,BJ02\n")
	_, rows := readAll(t, data, "x.csv")
	if len(rows) != 2 || rows[0].cells[0] != "刘䶮" || rows[1].cells[0] != "𠀀公司" {
		t.Errorf("rows = %v", rows)
	}
}

func TestOpenCSVQuotedCellsAndBlankRows(t *testing.T) {
	data := "客户名称,地址,所属机构编码\n" + // row 1
		"\"北京银行, 总行\",\"北京市西城区\n金融大街 1 号\",BJ01\n" + // rows 2 (two physical lines)
		",,\n" + // row 3: blank cells
		"\n" + // row 4: empty line
		"  ,\t, \n" + // row 5: only spaces
		"\"说\"\"明\"\"\",\"a\r\nb\r\nc\",SH02\n" + // row 6 (three physical lines)
		"李四,上海,SH03" // row 7, no final line break
	_, rows := readAll(t, []byte(data), "x.csv")
	want := []readRow{
		{2, []string{"北京银行, 总行", "北京市西城区\n金融大街 1 号", "BJ01"}},
		{6, []string{"说\"明\"", "a\nb\nc", "SH02"}},
		{7, []string{"李四", "上海", "SH03"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %+v\nwant   %+v", rows, want)
	}
}

func TestOpenSkipsNotesRow(t *testing.T) {
	data := "客户名称,所属机构编码\n（必填）不超过 64 个字,（必填）系统中的机构编码\n张伟,BJ01\n（不是说明行）,BJ02\n"
	_, rows := readAll(t, []byte(data), "x.csv")
	want := []readRow{{3, []string{"张伟", "BJ01"}}, {4, []string{"（不是说明行）", "BJ02"}}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %+v, want %+v", rows, want)
	}
}

func TestIsNotesRow(t *testing.T) {
	tests := []struct {
		cells []string
		want  bool
	}{
		{[]string{"（必填）", "", " （选填）"}, true},
		{[]string{"（必填）", "BJ01"}, false},
		{[]string{"", ""}, false},
		{[]string{"(必填)"}, false},
	}
	for _, tt := range tests {
		if got := IsNotesRow(tt.cells); got != tt.want {
			t.Errorf("IsNotesRow(%q) = %v, want %v", tt.cells, got, tt.want)
		}
	}
}

// makeXLSX writes rows (by row number, so gaps are possible) to a workbook.
func makeXLSX(t *testing.T, rows map[int][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for n, values := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", n), &values); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenXLSX(t *testing.T) {
	data := makeXLSX(t, map[int][]any{
		1: {" 客户名称 ", "手机号码", "所属机构编码", "生日"},
		2: {"张伟", 13800138000, "BJ01", 46348},
		3: {"", "", "", ""},
		5: {"王芳", "13900001111", "SH02"},
		6: {"", nil, "SH03"},
	})
	header, rows := readAll(t, data, "客户.xlsx")
	if want := []string{"客户名称", "手机号码", "所属机构编码", "生日"}; !reflect.DeepEqual(header, want) {
		t.Errorf("header = %q, want %q", header, want)
	}
	want := []readRow{
		{2, []string{"张伟", "13800138000", "BJ01", "46348"}},
		{5, []string{"王芳", "13900001111", "SH02"}},
		{6, []string{"", "", "SH03"}},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows = %+v, want %+v", rows, want)
	}
}

func TestOpenXLSXDateCellsComeAsSerials(t *testing.T) {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"客户名称", "生日"})
	_ = f.SetCellStr("Sheet1", "A2", "张伟")
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	_ = f.SetCellValue("Sheet1", "B2", 46348)
	_ = f.SetCellStyle("Sheet1", "B2", "B2", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	_, rows := readAll(t, buf.Bytes(), "x.xlsx")
	if len(rows) != 1 || rows[0].cells[1] != "46348" {
		t.Fatalf("rows = %+v", rows)
	}
	if d, ok := Date(rows[0].cells[1]); !ok || d.Format("2006-01-02") != "2026-11-22" {
		t.Errorf("Date(%q) = %v, %v", rows[0].cells[1], d, ok)
	}
}

func TestOpenDetectsByContent(t *testing.T) {
	xlsx := makeXLSX(t, map[int][]any{1: {"客户名称", "手机号码", "所属机构编码"}, 2: {"张伟", "13800138000", "BJ01"}, 3: {"王芳", "+86 139 0000 1111", "SH02"}})
	for _, tt := range []struct {
		name, filename string
		data           []byte
	}{
		{"xlsx named csv", "customers.csv", xlsx},
		{"xlsx without extension", "upload", xlsx},
		{"csv named xlsx", "customers.xlsx", []byte(sampleCSV)},
		{"gbk csv named xls", "customers.xls", encode(t, simplifiedchinese.GBK, sampleCSV)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			header, rows := readAll(t, tt.data, tt.filename)
			if !reflect.DeepEqual(header, sampleHeader) || !reflect.DeepEqual(rows, sampleRows) {
				t.Errorf("got %q %+v", header, rows)
			}
		})
	}
}

func TestOpenRefuses(t *testing.T) {
	tests := []struct {
		name   string
		data   []byte
		wantZH string
	}{
		{"empty", nil, "是空的"},
		{"only blank", []byte(" \r\n\r\n"), "是空的"},
		{"bom only", []byte("\xEF\xBB\xBF"), "是空的"},
		{"blank rows only", []byte(",,\n,,\n"), "没有表头"},
		{"xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), ".xls"},
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "不是 Excel"},
		{"broken zip", []byte("PK\x03\x04garbage"), "无法读取 Excel 文件"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)), "f")
			if err == nil {
				_ = r.Close()
				t.Fatal("Open succeeded")
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid || !strings.Contains(e.Message.ZH, tt.wantZH) || e.Message.EN == "" {
				t.Errorf("err = %v (%+v), want invalid with %q", err, e, tt.wantZH)
			}
		})
	}
}

// TestOpenLargeUTF8 checks that a character cut by the 64 KiB detection window does
// not make a UTF-8 file look like GB18030.
func TestOpenLargeUTF8(t *testing.T) {
	var b strings.Builder
	b.WriteString("客户名称,所属机构编码\n")
	for i := 0; b.Len() < 3*sniffSize; i++ {
		fmt.Fprintf(&b, "客户%d号,编%d\n", i, i)
	}
	for shift := range 3 { // move the window's edge through a three-byte character
		data := []byte(strings.Repeat(" ", shift) + b.String())
		_, rows := readAll(t, data, "x.csv")
		if rows[0].cells[0] != "客户0号" || rows[len(rows)-1].cells[1] != fmt.Sprintf("编%d", len(rows)-1) {
			t.Fatalf("shift %d: first %q last %q", shift, rows[0].cells, rows[len(rows)-1].cells)
		}
	}
}

func TestOpenUnknownSize(t *testing.T) {
	r, err := Open(strings.NewReader(sampleCSV), -1, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	if _, cells, err := r.Next(); err != nil || cells[0] != "张伟" {
		t.Errorf("Next = %q, %v", cells, err)
	}
}

func TestOpenProgress(t *testing.T) {
	var b strings.Builder
	b.WriteString("客户名称,所属机构编码\n")
	for i := 0; b.Len() < 10*sniffSize; i++ {
		fmt.Fprintf(&b, "客户%d,BJ01\n", i)
	}
	data := []byte(b.String())
	r, err := Open(bytes.NewReader(data), int64(len(data)), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.Close() }()
	p, ok := r.(interface{ Progress() float64 })
	if !ok {
		t.Fatal("a CSV of known size has no Progress")
	}
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	if got := p.Progress(); got <= 0 || got >= 0.5 {
		t.Errorf("Progress after one row = %v", got)
	}
	for {
		if _, _, err := r.Next(); err != nil {
			break
		}
	}
	if got := p.Progress(); got != 1 {
		t.Errorf("Progress at the end = %v", got)
	}
	if r, _ := Open(bytes.NewReader(data), -1, "x.csv"); r != nil {
		if _, ok := r.(interface{ Progress() float64 }); ok {
			t.Error("a CSV of unknown size has Progress")
		}
	}
}
