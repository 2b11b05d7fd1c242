package importer

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// ReportSheet is the name of the sheet WriteRejectedReport writes.
const ReportSheet = "未导入的行"

// RejectedRow is a row that was not imported: the cells as read, and why.
type RejectedRow struct {
	Line   int
	Cells  []string
	Errors []RowError
}

// WriteRejectedReport writes the rejected rows as .xlsx (streamed, so large reports
// use little memory): the original header and cells, written as text so numbers
// keep their digits, then a column 错误原因 listing every problem of the row (one per
// line) and a column 原行号 with the row number in the uploaded file. Cells named by
// an error are highlighted. MapCustomerHeader ignores the two added columns, so
// users can correct the report and upload it again.
func WriteRejectedReport(w io.Writer, header []string, rows []RejectedRow) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", ReportSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(ReportSheet)
	if err != nil {
		return err
	}
	headStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}})
	if err != nil {
		return err
	}
	badStyle, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#FFC7CE"}}})
	if err != nil {
		return err
	}
	reasonStyle, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "#C00000"},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}

	width := len(header)
	for _, r := range rows {
		width = max(width, len(r.Cells))
	}
	if err := sw.SetColWidth(1, max(width, 1), 16); err != nil {
		return err
	}
	if err := sw.SetColWidth(width+1, width+1, 60); err != nil {
		return err
	}

	// Errors name template labels; find their cells through the header.
	colOf := map[string]int{}
	for i, h := range header {
		if k := headerKey(h); k != "" {
			colOf[k] = i
		}
	}
	head := make([]any, 0, width+2)
	for i := range width {
		label := ""
		if i < len(header) {
			label = header[i]
		}
		head = append(head, excelize.Cell{StyleID: headStyle, Value: xmlSafe(label)})
	}
	head = append(head, excelize.Cell{StyleID: headStyle, Value: ColErrors}, excelize.Cell{StyleID: headStyle, Value: ColSourceRow})
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for n, r := range rows {
		bad := map[int]bool{}
		reasons := make([]string, 0, len(r.Errors))
		for _, e := range r.Errors {
			if i, ok := colOf[e.Column]; ok {
				bad[i] = true
			}
			reasons = append(reasons, e.Message.ZH)
		}
		values := make([]any, 0, width+2)
		for i := range width {
			v := ""
			if i < len(r.Cells) {
				v = xmlSafe(r.Cells[i])
			}
			if bad[i] {
				values = append(values, excelize.Cell{StyleID: badStyle, Value: v})
			} else {
				values = append(values, v)
			}
		}
		values = append(values, excelize.Cell{StyleID: reasonStyle, Value: xmlSafe(strings.Join(reasons, "\n"))}, r.Line)
		if err := sw.SetRow(fmt.Sprintf("A%d", n+2), values); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}

// xmlSafe drops characters XML 1.0 cannot carry (controls other than tab and line
// breaks, invalid UTF-8), which would make the workbook unreadable.
func xmlSafe(s string) string {
	bad := func(r rune) bool {
		return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF
	}
	if utf8.ValidString(s) && strings.IndexFunc(s, bad) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if bad(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}
