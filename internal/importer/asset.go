package importer

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Labels of the device (机具) template's columns, in template order.
const (
	ColAssetType     = "机具类型"
	ColAssetBrand    = "品牌"
	ColAssetModel    = "型号"
	ColAssetSerial   = "序列号"
	ColAssetOrg      = "所属网点编码"
	ColAssetVendor   = "服务商编码"
	ColAssetInstall  = "安装日期"
	ColAssetWarranty = "到保日期"
	ColAssetContract = "合同编号"
	ColAssetStatus   = "状态"
	ColAssetLocation = "安放位置"
)

// Length limits of device fields, in characters.
const (
	MaxAssetText     = 64
	MaxAssetLocation = 200
)

var assetColumns = [...]ColumnSpec{
	{ColAssetType, "type", true, "（必填）如 ATM、存取款一体机、自助终端", "机具类型，如 ATM、存取款一体机、自助终端、智能柜员机。", "存取款一体机"},
	{ColAssetBrand, "brand", true, "（必填）", "品牌（厂商），如 广电运通、御银、怡化。同一品牌下序列号不能重复。", "广电运通"},
	{ColAssetModel, "model", true, "（必填）", "型号。", "CRS-H68N"},
	{ColAssetSerial, "serial", true, "（必填）同一品牌下唯一，请设为文本格式", "机身序列号；同一品牌下唯一，用于判断重复。请保持单元格为文本格式。", "GRG2024000123"},
	{ColAssetOrg, "org_code", true, "（必填）机具所在网点的机构编码", "机具所在网点（或支行）的机构编码，须在您的数据范围内。", "HXB-BJ-HD-01"},
	{ColAssetVendor, "vendor_code", false, "（选填）服务商或服务站点的机构编码", "负责维护的服务商或服务站点的机构编码；填写后服务商可以看到该机具及其工单。", "ADWB-BJ1"},
	{ColAssetInstall, "installed_on", false, "（选填）如 2024-06-12", "安装日期，如 2024-06-12、2024/6/12 或 2024年6月12日；不能晚于今天。", "2024-06-12"},
	{ColAssetWarranty, "warranty_until", false, "（选填）如 2027-06-11", "到保日期（保修截止日），不能早于安装日期。", "2027-06-11"},
	{ColAssetContract, "contract_code", false, "（选填）系统中的维保合同编号", "维保合同编号；机具须在合同甲方机构之下、由合同乙方维护。", "WB-2026-001"},
	{ColAssetStatus, "status", false, "（选填）在用 / 故障 / 报废，默认在用", "在用、故障 或 报废，留空按在用处理。", "在用"},
	{ColAssetLocation, "location", false, "（选填）不超过 200 个字", "安放位置，如 大堂左侧、24 小时自助区。", "24 小时自助区"},
}

// AssetColumns returns the device template's columns in order.
func AssetColumns() []ColumnSpec { return append([]ColumnSpec(nil), assetColumns[:]...) }

// assetStatusLabels maps 状态 values (normalised, lower case) to stored statuses.
var assetStatusLabels = map[string]string{
	"": "in_service", "在用": "in_service", "正常": "in_service", "使用中": "in_service", "in_service": "in_service",
	"故障": "faulty", "faulty": "faulty",
	"报废": "retired", "停用": "retired", "retired": "retired",
}

// AssetRow is one validated row of a device import; codes are to be resolved by
// the caller against the org tree and the contracts.
type AssetRow struct {
	Type, Brand, Model, Serial string
	OrgCode, VendorCode        string
	InstalledOn, WarrantyUntil string // YYYY-MM-DD or empty
	ContractCode               string
	Status                     string // in_service, faulty or retired
	Location                   string
}

// ParseAssetRow validates one device row against a header mapped with
// MapHeader(AssetColumns(), …), reporting every problem. today (YYYY-MM-DD)
// bounds the install date.
func ParseAssetRow(h Header, line int, cells []string, today string) (AssetRow, []RowError) {
	c := &RowErrors{H: h, Line: line, Cells: cells}
	var r AssetRow
	r.Type = c.Text(ColAssetType, true, MaxAssetText)
	r.Brand = c.Text(ColAssetBrand, true, MaxAssetText)
	r.Model = c.Text(ColAssetModel, true, MaxAssetText)
	r.Serial = strings.ToUpper(strings.ReplaceAll(c.Text(ColAssetSerial, true, MaxAssetText), " ", ""))
	if r.Serial != "" && looksScientific(r.Serial) {
		c.Fail(ColAssetSerial, "序列号 %s 像是被 Excel 改成了科学计数法，请把该列设为文本格式后重新填写", "serial %s looks like Excel scientific notation; format the column as text and fill it in again", truncate(r.Serial, 40))
	}
	r.OrgCode = c.Text(ColAssetOrg, true, MaxAssetText)
	r.VendorCode = c.Text(ColAssetVendor, false, MaxAssetText)
	r.ContractCode = c.Text(ColAssetContract, false, MaxAssetText)
	r.Location = c.Text(ColAssetLocation, false, MaxAssetLocation)
	r.InstalledOn = c.Date(ColAssetInstall)
	r.WarrantyUntil = c.Date(ColAssetWarranty)
	if r.InstalledOn != "" && today != "" && r.InstalledOn > today {
		c.Fail(ColAssetInstall, "安装日期 %s 晚于今天", "the install date %s is in the future", r.InstalledOn)
	}
	if r.InstalledOn != "" && r.WarrantyUntil != "" && r.WarrantyUntil < r.InstalledOn {
		c.Fail(ColAssetWarranty, "到保日期 %s 早于安装日期 %s", "the warranty end %s is before the install date %s", r.WarrantyUntil, r.InstalledOn)
	}
	st := h.Cell(cells, ColAssetStatus)
	if s, ok := assetStatusLabels[strings.ToLower(st)]; ok {
		r.Status = s
	} else {
		c.Fail(ColAssetStatus, "状态无效：%s（应为 在用、故障 或 报废）", "invalid status %s (expected 在用, 故障 or 报废)", truncate(st, 40))
	}
	return r, c.Errs
}

// assetIntro is the general part of the device template's 说明 sheet.
var assetIntro = []string{
	"机具批量导入说明",
	"1. 在“机具导入”工作表中从第 3 行起每行填写一台机具；第 1 行为表头，请勿修改列名（列的顺序可以调整）。",
	"2. 第 2 行为填写说明（以“（”开头），导入时会自动忽略；第 3 行为示例数据，请替换或删除。",
	"3. 机具类型、品牌、型号、序列号、所属网点编码必填；同一品牌下序列号相同视为同一台机具（重复处理方式在上传时选择）。",
	"4. 服务商编码填写服务商或服务站点的机构编码；合同编号须是系统中已有的维保合同。",
	"5. 也可以上传 CSV 文件（UTF-8 或 GBK 编码），第一行须为同样的表头。",
	"6. 有问题的行不会导入，可下载“未导入的行”，按“错误原因”修改后重新上传。",
}

// AssetTemplate writes the device import template: sheet 机具导入 with header,
// notes row and a sample, and a 说明 sheet, like CustomerTemplate.
func AssetTemplate(w io.Writer) error {
	return writeTemplate(w, "机具导入", assetIntro, assetColumns[:],
		[]string{ColAssetSerial, ColAssetOrg, ColAssetVendor, ColAssetContract}, []string{ColAssetInstall, ColAssetWarranty},
		map[string][]string{ColAssetStatus: {"在用", "故障", "报废"}, ColAssetType: {"ATM", "存取款一体机", "自助终端", "智能柜员机"}})
}

// writeTemplate writes a template sheet and a 说明 sheet for any column list.
func writeTemplate(w io.Writer, sheet string, intro []string, specs []ColumnSpec, textCols, dateCols []string, drops map[string][]string) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	text, date := "@", "yyyy-mm-dd"
	mk := func(s *excelize.Style) int {
		id, _ := f.NewStyle(s)
		return id
	}
	head := mk(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}})
	req := mk(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "#C00000"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"#DDEBF7"}}})
	note := mk(&excelize.Style{Font: &excelize.Font{Color: "#808080", Size: 9}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	textStyle, dateStyle := mk(&excelize.Style{CustomNumFmt: &text}), mk(&excelize.Style{CustomNumFmt: &date})
	has := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	var header, notes, sample []any
	for i, c := range specs {
		header, notes, sample = append(header, c.Label), append(notes, c.Note), append(sample, c.Example)
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, 18); err != nil {
			return err
		}
		switch {
		case has(textCols, c.Label):
			_ = f.SetColStyle(sheet, col, textStyle)
		case has(dateCols, c.Label):
			_ = f.SetColStyle(sheet, col, dateStyle)
		}
		if values, ok := drops[c.Label]; ok {
			if err := dropDown(f, sheet, col, values); err != nil {
				return err
			}
		}
		hs := head
		if c.Required {
			hs = req
		}
		if err := f.SetCellStyle(sheet, col+"1", col+"1", hs); err != nil {
			return err
		}
	}
	for i, values := range [][]any{header, notes, sample} {
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &values); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(len(specs))
	if err := f.SetCellStyle(sheet, "A2", last+"2", note); err != nil {
		return err
	}
	if _, err := f.NewSheet(TemplateHelpSheet); err != nil {
		return err
	}
	row := 1
	for _, line := range intro {
		if err := f.SetCellStr(TemplateHelpSheet, fmt.Sprintf("A%d", row), line); err != nil {
			return err
		}
		row++
	}
	row++
	for _, c := range append([]ColumnSpec{{Label: "列名", Help: "填写说明", Example: "示例"}}, specs...) {
		need := "选填"
		if c.Label == "列名" {
			need = "是否必填"
		} else if c.Required {
			need = "必填"
		}
		values := []any{c.Label, need, c.Help, c.Example}
		if err := f.SetSheetRow(TemplateHelpSheet, fmt.Sprintf("A%d", row), &values); err != nil {
			return err
		}
		row++
	}
	_ = f.SetColWidth(TemplateHelpSheet, "C", "C", 70)
	f.SetActiveSheet(0)
	return f.Write(w)
}

// TodayIn returns today's date in China, as device dates are written.
func TodayIn(now time.Time) string {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		zone = time.FixedZone("CST", 8*3600)
	}
	return now.In(zone).Format(time.DateOnly)
}
