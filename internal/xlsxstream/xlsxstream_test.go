package xlsxstream_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"lingting/internal/xlsxstream"
)

// A streamed workbook opens with excelize and holds exactly the rows written,
// whatever the text: markup characters, quotes, CJK, spaces kept at the ends,
// empty cells in between, more than 26 columns; control characters become
// U+FFFD instead of breaking the XML.
func TestWorkbookRoundTrip(t *testing.T) {
	rows := [][]string{
		{"客户编号", "客户名称", "备注"},
		{"KH00000001", "王芳 & <李> \"引号\" 'x'", "  前后空格  "},
		{"", "中间为空", "", "第四列"},
		{"控制\x01字符", "tab\there", "换行\n第二行"},
	}
	wide := make([]string, 30)
	for i := range wide {
		wide[i] = fmt.Sprintf("c%d", i)
	}
	rows = append(rows, wide)
	for i := range 2000 {
		rows = append(rows, []string{fmt.Sprintf("KH%08d", i), strings.Repeat("长", i%50), "138****5678"})
	}
	var buf bytes.Buffer
	w, err := xlsxstream.New(&buf, "客户 \"导出\"")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("excelize cannot open the workbook: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != "客户 \"导出\"" {
		t.Fatalf("sheets %q", sheets)
	}
	got, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	rows[3][0] = "控制\uFFFD字符"
	if len(got) != len(rows) {
		t.Fatalf("%d rows, want %d", len(got), len(rows))
	}
	for i := range rows {
		if fmt.Sprintf("%q", got[i]) != fmt.Sprintf("%q", rows[i]) {
			t.Fatalf("row %d: %q, want %q", i+1, got[i], rows[i])
		}
	}
}
