package httpapi_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lingting/internal/demo"
	"lingting/internal/importer"
	"lingting/internal/testutil"
)

const assetHeader = "机具类型,品牌,型号,序列号,所属网点编码,服务商编码,安装日期,到保日期,合同编号,状态,安放位置"

// assetXLSX writes rows (comma-separated cells under assetHeader) as a real
// workbook; dates given as numbers become Excel date serials.
func assetXLSX(t *testing.T, rows []string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, line := range append([]string{assetHeader}, rows...) {
		for j, cell := range strings.Split(line, ",") {
			name, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if d, err := time.Parse(time.DateOnly, cell); err == nil && j == 6 {
				_ = f.SetCellValue("Sheet1", name, d) // a real date cell
				continue
			}
			_ = f.SetCellStr("Sheet1", name, cell)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAssetImport(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 2})
		admin := a.Admin()
		bj := a.Login("bj.admin", demo.Password)
		year := time.Now().Year()
		bjContract, shContract := fmt.Sprintf("HT-%d-BJ", year), fmt.Sprintf("HT-%d-SH", year)
		existing := admin.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d&page_size=1", orgIDByCode(t, admin, "HXB-BJ-HD-01")), nil).Items()
		if len(existing) != 1 {
			t.Fatal("no demo device to duplicate")
		}
		dupBrand, dupSerial := existing[0]["brand"].(string), existing[0]["serial"].(string)
		byserial := func(c *testutil.Client, serial string) []map[string]any {
			return c.Do("GET", "/api/v1/assets?q="+url.QueryEscape(serial), nil).Items()
		}

		t.Run("template", func(t *testing.T) {
			tpl := bj.Do("GET", "/api/v1/imports/templates/assets.xlsx", nil)
			if tpl.Status != 200 || !bytes.HasPrefix(tpl.Body, []byte("PK")) {
				t.Fatalf("template: %d", tpl.Status)
			}
			x, err := excelize.OpenReader(bytes.NewReader(tpl.Body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := x.GetRows(x.GetSheetName(0))
			var labels []string
			for _, c := range importer.AssetColumns() {
				labels = append(labels, c.Label)
			}
			if len(rows) < 3 || strings.Join(rows[0], ",") != strings.Join(labels, ",") {
				t.Fatalf("template header: %v", rows)
			}
		})

		t.Run("a branch's file: scope, codes, dates, duplicates, review", func(t *testing.T) {
			rows := []string{
				"ATM,广电运通,H68N,grg-0001,HXB-BJ-HD-01,ADWB-BJ1,2024-06-12,2027-06-11," + bjContract + ",在用,大堂左侧", // 2 good
				"存取款一体机,御银,VTM-8,YY0002,HXB-BJ-HD-02,,2023-01-05,,,故障,",                                         // 3 good, no vendor
				"ATM,广电运通,H68N,SH0003,HXB-SH-PD-01,ADWB-SH,,,,,",                                                // 4 outside the branch's scope
				"ATM,广电运通,H68N,V0004,HXB-BJ-HD-01,HXB-BJ-HD-02,,,,,",                                            // 5 vendor code is an outlet
				"ATM,广电运通,,W0005,HXB-BJ-HD-01,,2025-03-01,2024-03-01,,坏了,",                                      // 6 no model, warranty before install, bad status
				"ATM,广电运通,H68N,K0006,HXB-BJ-HD-01,ADWB-BJ1,,," + shContract + ",,",                              // 7 a Shanghai contract
				"ATM,广电运通,H68N,GRG-0001,HXB-BJ-HD-03,,,,,,",                                                     // 8 duplicate of row 2 in the file
				"ATM," + dupBrand + ",X1," + dupSerial + ",HXB-BJ-HD-01,,,,,,",                                  // 9 already in the archive
				"ATM,广电运通,H68N,NOORG,NO-SUCH,,2999-01-01,,,,",                                                   // 10 unknown outlet, install in the future
			}
			up := bj.Upload("/api/v1/imports", map[string]string{"kind": "assets", "duplicate_policy": "skip"}, "机具.xlsx", assetXLSX(t, rows))
			if up.Status != 202 || up.String("kind") != "assets" {
				t.Fatalf("upload: %d %s", up.Status, up.Body)
			}
			id := up.Int("id")
			r := waitImport(t, bj, id)
			if r.String("status") != "pending_review" || r.Int("total") != 9 || r.Int("accepted") != 2 || r.Int("rejected") != 5 || r.Int("duplicates") != 2 {
				t.Fatalf("report: %s", r.Body)
			}
			body := string(r.Body)
			for _, want := range []string{"HXB-SH-PD-01", "不是服务商", "型号必填", "早于安装日期", "状态无效", "合同编号不存在", "晚于今天", "NO-SUCH", `"field":"所属网点编码"`} {
				if !strings.Contains(body, want) {
					t.Errorf("report lacks %q: %s", want, body)
				}
			}
			bj.Lang = "en"
			if en := bj.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil); !strings.Contains(string(en.Body), "outside your scope") {
				t.Errorf("English messages: %s", en.Body)
			}
			bj.Lang = ""
			rep := bj.Do("GET", fmt.Sprintf("/api/v1/imports/%d/rejected.xlsx", id), nil)
			if x, err := excelize.OpenReader(bytes.NewReader(rep.Body)); err != nil {
				t.Fatal(err)
			} else if got, _ := x.GetRows(x.GetSheetName(0)); len(got) != 6 || !strings.Contains(strings.Join(got[0], ","), "错误原因") {
				t.Fatalf("rejected report rows: %v", got)
			}
			if len(byserial(admin, "GRG-0001")) != 0 {
				t.Fatal("rows visible before review")
			}
			if r := bj.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); r.Status != 409 {
				t.Fatalf("branch applied its own pending import: %d", r.Status)
			}
			sup := a.Login("supervisor01", demo.Password)
			ap := sup.Do("POST", fmt.Sprintf("/api/v1/imports/%d/approve", id), map[string]any{"note": "ok"})
			if ap.Status != 200 || ap.String("status") != "applied" {
				t.Fatalf("approve: %d %s", ap.Status, ap.Body)
			}
			got := byserial(bj, "GRG-0001")
			if len(got) != 1 || got[0]["vendor_org_id"] != float64(orgIDByCode(t, admin, "ADWB-BJ1")) || got[0]["contract_id"] == nil ||
				got[0]["installed_on"] != "2024-06-12" || got[0]["warranty_until"] != "2027-06-11" || got[0]["location"] != "大堂左侧" || !strings.HasPrefix(got[0]["code"].(string), "SB") {
				t.Fatalf("imported device: %v", got)
			}
			if got := byserial(bj, "YY0002"); len(got) != 1 || got[0]["status"] != "faulty" {
				t.Fatalf("second device: %v", got)
			}
			// The vendor's station sees the device it services.
			if got := byserial(a.Login("bj1.head", demo.Password), "GRG-0001"); len(got) != 1 {
				t.Fatalf("station does not see its imported device: %v", got)
			}
			au := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=import&entity_id=%d", id), nil)
			if !strings.Contains(string(au.Body), "导入机具") || !strings.Contains(string(au.Body), "新增 2") {
				t.Fatalf("import not audited: %s", au.Body)
			}
		})

		t.Run("update policy, and one transaction on apply", func(t *testing.T) {
			rows := []string{
				"ATM," + dupBrand + ",NEW-MODEL," + dupSerial + ",HXB-BJ-HD-01,,,,,,新位置",
				"ATM,怡化,Y9,RACE0001,HXB-BJ-HD-02,,,,,,",
			}
			up := admin.Upload("/api/v1/imports", map[string]string{"kind": "assets", "duplicate_policy": "update"}, "u.xlsx", assetXLSX(t, rows))
			r := waitImport(t, admin, up.Int("id"))
			if r.String("status") != "ready" || r.Int("accepted") != 2 || r.Int("duplicates") != 1 {
				t.Fatalf("report: %s", r.Body)
			}
			// Someone registers RACE0001 between validation and apply: nothing is applied.
			if c := admin.Do("POST", "/api/v1/assets", map[string]any{"type": "ATM", "brand": "怡化", "model": "Y9", "serial": "RACE0001", "org_id": orgIDByCode(t, admin, "HXB-BJ-HD-02")}); c.Status != 201 {
				t.Fatalf("create: %d %s", c.Status, c.Body)
			}
			ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", up.Int("id")), nil)
			if ap.Status != 409 || !strings.Contains(ap.ErrorMessage(), "第 3 行") {
				t.Fatalf("apply over a taken serial: %d %s", ap.Status, ap.Body)
			}
			if got := byserial(admin, dupSerial); len(got) != 1 || got[0]["model"] == "NEW-MODEL" {
				t.Fatalf("the update of row 2 was not rolled back: %v", got)
			}
			// A fresh upload of the same file: the new serial is now a duplicate too.
			up = admin.Upload("/api/v1/imports", map[string]string{"kind": "assets", "duplicate_policy": "update"}, "u2.xlsx", assetXLSX(t, rows))
			waitImport(t, admin, up.Int("id"))
			if ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", up.Int("id")), nil); ap.String("status") != "applied" {
				t.Fatalf("apply: %s", ap.Body)
			}
			if got := byserial(admin, dupSerial); len(got) != 1 || got[0]["model"] != "NEW-MODEL" || got[0]["location"] != "新位置" {
				t.Fatalf("update policy did not update: %v", got)
			}
		})

		t.Run("permissions and bad input", func(t *testing.T) {
			file := assetXLSX(t, []string{"ATM,广电运通,H68N,P0001,HXB-BJ-HD-01,,,,,,"})
			// 客服坐席 may import customers but not create devices.
			if r := a.Login("agent01", demo.Password).Upload("/api/v1/imports", map[string]string{"kind": "assets"}, "a.xlsx", file); r.Status != 403 {
				t.Fatalf("import without asset.create: %d %s", r.Status, r.Body)
			}
			if r := a.Login("eng.bj1a", demo.Password).Upload("/api/v1/imports", map[string]string{"kind": "assets"}, "a.xlsx", file); r.Status != 403 {
				t.Fatalf("import without import.create: %d", r.Status)
			}
			if r := admin.Upload("/api/v1/imports", map[string]string{"kind": "printers"}, "a.xlsx", file); r.Status != 422 {
				t.Fatalf("unknown kind: %d", r.Status)
			}
			up := admin.Upload("/api/v1/imports", map[string]string{"kind": "assets"}, "x.csv", []byte("机具类型,品牌\r\nATM,X\r\n"))
			if r := waitImport(t, admin, up.Int("id")); r.String("status") != "failed" || !strings.Contains(string(r.Body), "序列号") {
				t.Fatalf("missing columns: %s", r.Body)
			}
			// The template as downloaded imports its sample row.
			tpl := admin.Do("GET", "/api/v1/imports/templates/assets.xlsx", nil)
			up = admin.Upload("/api/v1/imports", map[string]string{"kind": "assets"}, "template.xlsx", tpl.Body)
			if r := waitImport(t, admin, up.Int("id")); r.String("status") != "ready" || r.Int("total") != 1 {
				t.Fatalf("the template itself does not validate: %s", r.Body)
			}
		})
	})
}
