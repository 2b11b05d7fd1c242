package importer

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"lingting/internal/apperr"
)

var templateHeader = []string{"客户名称", "客户类型", "手机号码", "证件类型", "证件号码", "电子邮箱", "地址", "所属机构编码", "客户等级", "客户经理工号", "标签", "生日"}

func TestMapCustomerHeader(t *testing.T) {
	cols, errs := MapCustomerHeader(templateHeader)
	if len(errs) != 0 || len(cols.Extra()) != 0 {
		t.Fatalf("template header: errs %v, extra %v", errs, cols.Extra())
	}
	for _, c := range CustomerColumns() {
		if !cols.Has(c.Label) {
			t.Errorf("Has(%s) = false", c.Label)
		}
	}

	// Any order, spaces, full width, "*" markers, report columns, extra columns.
	cols, errs = MapCustomerHeader([]string{" 所属机构编码 ", "*客户名称", "手机\u3000号码", "", "车牌号", "错误原因", "原行号", "ＶＩＰ备注"})
	if len(errs) != 0 {
		t.Fatalf("errs = %v", errs)
	}
	if !cols.Has(ColMobile) || cols.Has(ColIDNumber) {
		t.Errorf("Has: mobile %v, id %v", cols.Has(ColMobile), cols.Has(ColIDNumber))
	}
	if got, want := cols.Extra(), []string{"车牌号", "VIP备注"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Extra = %q, want %q", got, want)
	}
	row, rerrs := ParseCustomerRow(cols, 2, []string{"BJ01", "张伟", "13800138000", "", "京A12345", "", "", "大客户"})
	if len(rerrs) != 0 || row.Name != "张伟" || row.OrgCode != "BJ01" ||
		!reflect.DeepEqual(row.Extra, map[string]string{"车牌号": "京A12345", "VIP备注": "大客户"}) {
		t.Errorf("row = %+v, errs %v", row, rerrs)
	}

	tests := []struct {
		header []string
		want   []string // ZH messages, in order
	}{
		{[]string{"手机号码"}, []string{"缺少必填列“客户名称”", "缺少必填列“所属机构编码”"}},
		{[]string{"客户名称", "所属机构编码", "地址"}, []string{"缺少“手机号码”和“证件号码”列"}},
		{[]string{"客户名称", "所属机构编码", "证件号码", "客户名称 "}, []string{"表头“客户名称”重复出现"}},
		{nil, []string{"客户名称", "所属机构编码", "手机号码"}},
	}
	for _, tt := range tests {
		_, errs := MapCustomerHeader(tt.header)
		if len(errs) != len(tt.want) {
			t.Errorf("MapCustomerHeader(%q) = %v, want %d errors", tt.header, errs, len(tt.want))
			continue
		}
		for i, e := range errs {
			if e.Line != 1 || !strings.Contains(e.Message.ZH, tt.want[i]) || e.Message.EN == "" {
				t.Errorf("MapCustomerHeader(%q)[%d] = %+v, want %q", tt.header, i, e, tt.want[i])
			}
		}
	}
}

// customerCells builds a template row from a map of label → value.
func customerCells(values map[string]string) []string {
	cells := make([]string, len(templateHeader))
	for i, h := range templateHeader {
		cells[i] = values[h]
	}
	return cells
}

func TestParseCustomerRowValid(t *testing.T) {
	cols, _ := MapCustomerHeader(templateHeader)
	birthday := time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC)
	row, errs := ParseCustomerRow(cols, 7, customerCells(map[string]string{
		"客户名称": " 张\u3000伟 ", "客户类型": "个人", "手机号码": "+86 138 0013 8000", "证件类型": "居民身份证",
		"证件号码": "11010519491231002x", "电子邮箱": "ZhangWei@Example.COM", "地址": "北京市  西城区\n金融大街 1 号",
		"所属机构编码": "ＢＪ０１", "客户等级": "金卡", "客户经理工号": "A1024", "标签": "代发工资，理财、 VIP,理财", "生日": "1949年12月31日",
	}))
	want := CustomerRow{
		Line: 7, Name: "张 伟", Kind: KindIndividual, Mobile: "13800138000", IDType: IDResident, IDNumber: "11010519491231002X",
		Email: "ZhangWei@example.com", Address: "北京市 西城区 金融大街 1 号", OrgCode: "BJ01", Grade: "金卡", ManagerJobNo: "A1024",
		Tags: []string{"代发工资", "理财", "VIP"}, Birthday: &birthday,
	}
	if len(errs) != 0 || !reflect.DeepEqual(row, want) {
		t.Errorf("row = %+v\nwant  %+v\nerrs %v", row, want, errs)
	}
}

func TestParseCustomerRowDerived(t *testing.T) {
	cols, _ := MapCustomerHeader(templateHeader)
	tests := []struct {
		name         string
		values       map[string]string
		kind, idType string
		idNumber     string
		birthday     string
		mobile       string
	}{
		{"id type guessed, birthday from ID", map[string]string{"证件号码": "11010519491231002X"}, KindIndividual, IDResident, "11010519491231002X", "1949-12-31", ""},
		{"15-digit ID", map[string]string{"证件号码": "110105491231002"}, KindIndividual, IDResident, "110105491231002", "1949-12-31", ""},
		{"organisation USCC guessed", map[string]string{"客户类型": "企业", "证件号码": "91350100M000100Y43"}, KindOrganization, IDUSCC, "91350100M000100Y43", "", ""},
		{"USCC typed", map[string]string{"客户类型": "公司", "证件类型": "统一社会信用代码", "证件号码": "914403001922038216"}, KindOrganization, IDUSCC, "914403001922038216", "", ""},
		{"passport", map[string]string{"证件类型": "护照", "证件号码": "e12345678", "手机号码": "010-12345678转8"}, KindIndividual, IDPassport, "E12345678", "", "010-12345678-8"},
		{"other", map[string]string{"证件类型": "其他", "证件号码": "军字第 123 号"}, KindIndividual, IDOther, "军字第 123 号", "", ""},
		{"type without number", map[string]string{"证件类型": "居民身份证", "手机号码": "13800138000"}, KindIndividual, "", "", "", "13800138000"},
		{"excel serial birthday", map[string]string{"手机号码": "13800138000", "生日": "31210"}, KindIndividual, "", "", "1985-06-12", "13800138000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := map[string]string{"客户名称": "某客户", "所属机构编码": "BJ01"}
			for k, x := range tt.values {
				v[k] = x
			}
			row, errs := ParseCustomerRow(cols, 2, customerCells(v))
			if len(errs) != 0 {
				t.Fatalf("errs = %v", errs)
			}
			b := ""
			if row.Birthday != nil {
				b = row.Birthday.Format(time.DateOnly)
			}
			if row.Kind != tt.kind || row.IDType != tt.idType || row.IDNumber != tt.idNumber || b != tt.birthday || row.Mobile != tt.mobile {
				t.Errorf("row = %+v (birthday %s)", row, b)
			}
		})
	}
}

func TestParseCustomerRowErrors(t *testing.T) {
	cols, _ := MapCustomerHeader(templateHeader)
	type want struct{ column, zh string }
	tests := []struct {
		name   string
		values map[string]string
		extra  []string // cells beyond the header
		want   []want
	}{
		{"everything missing", map[string]string{}, nil, []want{
			{"客户名称", "客户名称必填"}, {"手机号码", "手机号码和证件号码至少填写一项"}, {"所属机构编码", "所属机构编码必填"}}},
		{"every problem reported", map[string]string{
			"客户名称": strings.Repeat("名", 65), "客户类型": "外星人", "手机号码": "1380013800", "证件类型": "居民身份证",
			"证件号码": "110105194912310021", "电子邮箱": "zhang@qq", "所属机构编码": "BJ01", "标签": strings.Repeat("长", 33), "生日": "2026-13-01",
		}, []string{"多出来的"}, []want{
			{"客户名称", "客户名称不能超过 64 个字（实际 65 个）"},
			{"客户类型", "客户类型无效：外星人"},
			{"手机号码", "手机号码应为 11 位（实际 10 位）：1380013800"},
			{"证件号码", "证件号码校验位错误（应为 X）"},
			{"电子邮箱", "电子邮箱格式无效：zhang@qq"},
			{"标签", "不能超过 32 个字（实际 33 个）"},
			{"生日", "日期无法识别：2026-13-01"},
			{"第 13 列", "第 13 列没有表头，却填写了内容：多出来的"},
		}},
		{"birthday differs from ID", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "证件号码": "11010519491231002X", "生日": "1950-01-01"},
			nil, []want{{"生日", "生日与身份证号不一致（生日 1950-01-01，身份证为 1949-12-31）"}}},
		{"birthday in the future", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "手机号码": "13800138000", "生日": "2999-01-01"},
			nil, []want{{"生日", "晚于今天"}}},
		{"year only", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "手机号码": "13800138000", "生日": "1985"},
			nil, []want{{"生日", "日期无法识别：1985"}}},
		{"ID-shaped without type", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "证件号码": "110105194912310021"},
			nil, []want{{"证件号码", "校验位错误（应为 X）：110105194912310021（如不是居民身份证，请填写证件类型）"}}},
		{"unknown number without type", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "证件号码": "E12345678"},
			nil, []want{{"证件类型", "请填写证件类型"}}},
		{"bad id type", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "手机号码": "13800138000", "证件类型": "驾照", "证件号码": "123"},
			nil, []want{{"证件类型", "证件类型无效：驾照"}}},
		{"bad USCC", map[string]string{"客户名称": "某公司", "所属机构编码": "BJ01", "证件类型": "统一社会信用代码", "证件号码": "91350100M000100Y44"},
			nil, []want{{"证件号码", "统一社会信用代码校验位错误（应为 3）"}}},
		{"ID as Excel number", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "证件号码": "1.10105E+17"},
			nil, []want{{"证件号码", "科学计数法"}}},
		{"long address", map[string]string{"客户名称": "张伟", "所属机构编码": "BJ01", "手机号码": "13800138000", "地址": strings.Repeat("路", 201)},
			nil, []want{{"地址", "地址不能超过 200 个字（实际 201 个）"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cells := append(customerCells(tt.values), tt.extra...)
			_, errs := ParseCustomerRow(cols, 9, cells)
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tt.want), errs)
			}
			for i, e := range errs {
				if e.Line != 9 || e.Column != tt.want[i].column || !strings.Contains(e.Message.ZH, tt.want[i].zh) || e.Message.EN == "" {
					t.Errorf("error %d = %+v, want %s %q", i, e, tt.want[i].column, tt.want[i].zh)
				}
			}
		})
	}
}

func TestParseCustomerRowShortRow(t *testing.T) {
	cols, _ := MapCustomerHeader(templateHeader)
	row, errs := ParseCustomerRow(cols, 3, []string{"张伟", "", "13800138000"})
	if len(errs) != 1 || errs[0].Column != ColOrgCode || row.Mobile != "13800138000" {
		t.Errorf("row = %+v, errs = %v", row, errs)
	}
}

func TestRowErrorString(t *testing.T) {
	e := RowError{Line: 3, Column: "手机号码", Message: msgOf("手机号码应为 11 位")}
	if got := e.Error(); got != "第 3 行 手机号码：手机号码应为 11 位" {
		t.Errorf("Error() = %q", got)
	}
}

func msgOf(zh string) apperr.Msg { return apperr.Msg{ZH: zh, EN: zh} }
