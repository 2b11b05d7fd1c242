package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var assetHeader = strings.Split("序列号,*机具类型, 品牌 ,型号,所属网点编码,状态,安装日期,到保日期,备注", ",")

func TestParseAssetRow(t *testing.T) {
	h, errs := MapHeader(AssetColumns(), assetHeader)
	if len(errs) != 0 {
		t.Fatalf("header: %v", errs)
	}
	cases := []struct {
		cells string
		want  string // joined columns with errors, or the parsed row
	}{
		{"ab 12,ATM,广电运通,H68N,BJ01,,46348,2029-01-01,x", "AB12|in_service|2026-11-22|2029-01-01"},
		{"S1,ATM,御银,V8,BJ01,报废,,,", "S1|retired||"},
		{"S2,,御银,,BJ01,,,,", "机具类型,型号"},
		{"1.23E+15,ATM,御银,V8,BJ01,,,,", "序列号"},
		{"S3,ATM,御银,V8,,修理中,2027-01-01,2026-01-01,", "所属网点编码,安装日期,到保日期,状态"},
		{"S4,ATM,御银,V8,BJ01,,1985,,", "安装日期"},
	}
	for _, c := range cases {
		r, errs := ParseAssetRow(h, 3, strings.Split(c.cells, ","), "2026-11-23")
		var got string
		if len(errs) > 0 {
			var cols []string
			for _, e := range errs {
				if e.Message.ZH == "" || e.Message.EN == "" || e.Line != 3 {
					t.Errorf("incomplete error %+v", e)
				}
				cols = append(cols, e.Column)
			}
			got = strings.Join(cols, ",")
		} else {
			got = strings.Join([]string{r.Serial, r.Status, r.InstalledOn, r.WarrantyUntil}, "|")
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.cells, got, c.want)
		}
	}
	if _, errs := MapHeader(AssetColumns(), []string{"机具类型", "品牌", "品牌"}); len(errs) != 4 { // duplicate + 型号, 序列号, 所属网点编码 missing
		t.Errorf("header problems: %v", errs)
	}
}

func TestAssetTemplateReadsBack(t *testing.T) {
	var buf bytes.Buffer
	if err := AssetTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	rr, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "t.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	h, errs := MapHeader(AssetColumns(), rr.Header())
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	line, cells, err := rr.Next() // the notes row is skipped
	if err != nil || line != 3 {
		t.Fatalf("sample row: %d %v", line, err)
	}
	if r, errs := ParseAssetRow(h, line, cells, "2026-11-23"); len(errs) != 0 || r.Serial != "GRG2024000123" {
		t.Fatalf("sample: %+v %v", r, errs)
	}
	f, _ := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if f.GetSheetName(1) != TemplateHelpSheet {
		t.Fatalf("sheets: %v", f.GetSheetList())
	}
}

func FuzzParseAssetRow(f *testing.F) {
	f.Add("ATM\t广电运通\tH68N\tGRG1\tBJ01\tADWB\t2024-06-12\t2027-06-11\tHT-1\t在用\t大堂")
	f.Add("\t\t\t1E+10\t\t\t46348\t60\t\t坏\t")
	h, _ := MapHeader(AssetColumns(), strings.Split(strings.Join(labelsOf(AssetColumns()), "\t"), "\t"))
	f.Fuzz(func(t *testing.T, line string) {
		r, errs := ParseAssetRow(h, 2, strings.Split(line, "\t"), "2026-11-23")
		for _, e := range errs {
			if e.Message.ZH == "" || e.Message.EN == "" || e.Column == "" || e.Line != 2 {
				t.Fatalf("incomplete error %+v", e)
			}
		}
		if len(errs) > 0 {
			return
		}
		if r.Type == "" || r.Brand == "" || r.Model == "" || r.Serial == "" || r.OrgCode == "" || r.Status == "" {
			t.Fatalf("accepted a row without required fields: %+v", r)
		}
		if r.InstalledOn != "" && r.WarrantyUntil != "" && r.WarrantyUntil < r.InstalledOn {
			t.Fatalf("warranty before install accepted: %+v", r)
		}
	})
}

func labelsOf(specs []ColumnSpec) []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.Label
	}
	return out
}
