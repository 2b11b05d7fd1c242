package importer

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Sheet names of the customer template.
const (
	TemplateSheet     = "客户导入"
	TemplateHelpSheet = "说明"
)

// templateRows is how far down the template's column formats and drop-down lists
// reach.
const templateRows = 100001

// CustomerTemplate writes the customer import template as .xlsx. Its first sheet,
// 客户导入, has:
//
//   - row 1, the header: the exact labels ParseCustomerRow expects, bold, with the
//     required ones (客户名称, 所属机构编码) in red;
//   - row 2, the notes row: per column a short note in grey that starts with "（"
//     such as "（必填）不超过 64 个字". The reader skips it (IsNotesRow), so users may
//     leave it in place;
//   - row 3, one sample customer with realistic data, which users are told to
//     replace; it is imported like any other row if left in place.
//
// 手机号码, 证件号码, 所属机构编码 and 客户经理工号 are formatted as text so Excel keeps
// leading zeros and 18-digit ID numbers; 生日 as a yyyy-mm-dd date (read back as an
// Excel serial, which Date understands); 客户类型 and 证件类型 have drop-down lists.
// The second sheet, 说明, explains every column in Chinese.
func CustomerTemplate(w io.Writer) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", TemplateSheet); err != nil {
		return err
	}
	if err := writeImportSheet(f); err != nil {
		return fmt.Errorf("template sheet: %w", err)
	}
	if err := writeHelpSheet(f); err != nil {
		return fmt.Errorf("help sheet: %w", err)
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func writeImportSheet(f *excelize.File) error {
	const sh = TemplateSheet
	text := "@"
	date := "yyyy-mm-dd"
	styles := []*excelize.Style{
		{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		{Font: &excelize.Font{Bold: true, Color: "#C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		{Font: &excelize.Font{Color: "#808080", Size: 9}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}},
		{CustomNumFmt: &text},
		{CustomNumFmt: &date},
	}
	ids := make([]int, len(styles))
	for i, s := range styles {
		id, err := f.NewStyle(s)
		if err != nil {
			return err
		}
		ids[i] = id
	}
	headStyle, requiredStyle, noteStyle, textStyle, dateStyle := ids[0], ids[1], ids[2], ids[3], ids[4]

	header, notes, sample := []any{}, []any{}, []any{}
	for _, c := range customerColumns {
		header, notes, sample = append(header, c.Label), append(notes, c.Note), append(sample, c.Example)
	}
	for i, c := range customerColumns {
		col, _ := excelize.ColumnNumberToName(i + 1)
		width := 16.0
		switch c.Label {
		case ColIDNumber, ColAddress, ColIDType:
			width = 24
		}
		if err := f.SetColWidth(sh, col, col, width); err != nil {
			return err
		}
		switch c.Label {
		case ColMobile, ColIDNumber, ColOrgCode, ColManager:
			if err := f.SetColStyle(sh, col, textStyle); err != nil {
				return err
			}
		case ColBirthday:
			if err := f.SetColStyle(sh, col, dateStyle); err != nil {
				return err
			}
		}
		hs := headStyle
		if c.Required {
			hs = requiredStyle
		}
		if err := f.SetCellStyle(sh, col+"1", col+"1", hs); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(customerColumns))
	for _, r := range []struct {
		row    int
		values []any
	}{{1, header}, {2, notes}, {3, sample}} {
		if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", r.row), &r.values); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sh, "A2", last+"2", noteStyle); err != nil {
		return err
	}
	if err := f.SetRowHeight(sh, 2, 36); err != nil {
		return err
	}
	if err := dropDown(f, sh, "B", []string{"个人", "企业"}); err != nil {
		return err
	}
	if err := dropDown(f, sh, "D", []string{"居民身份证", "护照", "统一社会信用代码", "其他"}); err != nil {
		return err
	}
	return f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
}

// dropDown offers a list in a column below the notes row, warning (not refusing) on
// other values since the importer accepts synonyms.
func dropDown(f *excelize.File, sh, col string, values []string) error {
	dv := excelize.NewDataValidation(true)
	dv.SetSqref(fmt.Sprintf("%s3:%s%d", col, col, templateRows))
	if err := dv.SetDropList(values); err != nil {
		return err
	}
	dv.SetError(excelize.DataValidationErrorStyleWarning, "请从列表中选择", "建议从下拉列表中选择。")
	return f.AddDataValidation(sh, dv)
}

// helpIntro is the general part of the 说明 sheet.
var helpIntro = []string{
	"客户批量导入说明",
	"1. 在“客户导入”工作表中从第 3 行起每行填写一位客户；第 1 行为表头，请勿修改列名（列的顺序可以调整）。",
	"2. 第 2 行为填写说明（以“（”开头），导入时会自动忽略，可以保留；第 3 行为示例数据，请替换或删除，否则会作为客户导入。",
	"3. 客户名称、所属机构编码必填，手机号码与证件号码至少填写一项。",
	"4. 模板以外的列按列名对应自定义字段；系统中没有的列会在导入结果中提示。",
	"5. 也可以上传 CSV 文件（UTF-8 或 Excel 另存的 GBK 编码均可），第一行须为同样的表头。",
	"6. 有问题的行不会导入，可下载“未导入的行”，按“错误原因”修改后重新上传。",
}

func writeHelpSheet(f *excelize.File) error {
	const sh = TemplateHelpSheet
	if _, err := f.NewSheet(sh); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	row := 1
	for _, line := range helpIntro {
		if err := f.SetCellStr(sh, fmt.Sprintf("A%d", row), line); err != nil {
			return err
		}
		row++
	}
	if err := f.SetCellStyle(sh, "A1", "A1", bold); err != nil {
		return err
	}
	row++
	head := []any{"列名", "是否必填", "填写说明", "示例"}
	if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", row), &head); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, fmt.Sprintf("A%d", row), fmt.Sprintf("D%d", row), bold); err != nil {
		return err
	}
	first := row + 1
	for _, c := range customerColumns {
		row++
		req := "选填"
		switch {
		case c.Required:
			req = "必填"
		case c.Label == ColMobile || c.Label == ColIDNumber:
			req = "与另一项至少填一项"
		}
		values := []any{c.Label, req, c.Help, c.Example}
		if err := f.SetSheetRow(sh, fmt.Sprintf("A%d", row), &values); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sh, fmt.Sprintf("A%d", first), fmt.Sprintf("D%d", row), wrap); err != nil {
		return err
	}
	for col, width := range map[string]float64{"A": 16, "B": 18, "C": 70, "D": 26} {
		if err := f.SetColWidth(sh, col, col, width); err != nil {
			return err
		}
	}
	return nil
}
