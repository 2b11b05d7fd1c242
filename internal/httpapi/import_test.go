package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

const importHeader = "客户名称,客户类型,手机号码,证件类型,证件号码,电子邮箱,地址,所属机构编码,客户等级,客户经理工号,标签,生日"

// importRows: three good rows, a bad ID check digit, a 10-digit phone, an
// unknown outlet, and a duplicate of the first row inside the file.
var importRows = []string{
	"赵一,个人,13911110001,居民身份证,11010519491231002X,zhao@example.cn,北京市海淀区中关村大街1号,HXB-BJ-HD-01,金卡,D0024,理财，房贷,1949-12-31",
	"钱二,个人,13911110002,,,,北京市海淀区五道口2号,HXB-BJ-HD-02,普通,,,",
	"孙三科技有限公司,企业,010-62345678,,,,北京市海淀区学院路3号,HXB-BJ-HD-03,银卡,,,",
	"李四,个人,13911110004,居民身份证,110105194912310021,,,HXB-BJ-HD-01,,,,",
	"周五,个人,1391111000,,,,,HXB-BJ-HD-01,,,,",
	"吴六,个人,13911110006,,,,,NO-SUCH-OUTLET,,,,",
	"赵一,个人,13911110001,,,,,HXB-BJ-HD-01,,,,",
}

func csvOf(rows []string) string { return importHeader + "\r\n" + strings.Join(rows, "\r\n") + "\r\n" }

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func xlsxOf(t *testing.T, rows []string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, line := range append([]string{importHeader}, rows...) {
		for j, cell := range strings.Split(line, ",") {
			name, _ := excelize.CoordinatesToCellName(j+1, i+1)
			_ = f.SetCellStr("Sheet1", name, cell)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitImport polls until validation has finished.
func waitImport(t *testing.T, c *testutil.Client, id int64) *testutil.Response {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := c.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil)
		if r.String("status") != "validating" {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d still validating: %s", id, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestImports(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12})
		admin := a.Admin()
		count := func(q string) int {
			return admin.Do("GET", "/api/v1/customers?q="+q, nil).Total()
		}
		t.Run("GBK CSV from a branch waits for the service centre", func(t *testing.T) {
			bj := a.Login("bj.admin", demo.Password)
			up := bj.Upload("/api/v1/imports", map[string]string{"kind": "customers", "duplicate_policy": "skip"}, "客户.csv", gbk(t, csvOf(importRows)))
			if up.Status != 202 {
				t.Fatalf("upload: %d %s", up.Status, up.Body)
			}
			id := up.Int("id")
			r := waitImport(t, bj, id)
			if r.String("status") != "pending_review" || r.Int("total") != 7 || r.Int("accepted") != 3 || r.Int("rejected") != 3 || r.Int("duplicates") != 1 {
				t.Fatalf("report: %s", r.Body)
			}
			body := string(r.Body)
			for _, want := range []string{"校验", "11 位", "NO-SUCH-OUTLET", `"row":5`} {
				if !strings.Contains(body, want) {
					t.Errorf("report lacks %q: %s", want, body)
				}
			}
			if count("zy") != 0 {
				t.Fatal("rows visible before review")
			}
			rep := bj.Do("GET", fmt.Sprintf("/api/v1/imports/%d/rejected.xlsx", id), nil)
			if rep.Status != 200 || !bytes.HasPrefix(rep.Body, []byte("PK")) {
				t.Fatalf("rejected report: %d", rep.Status)
			}
			if x, err := excelize.OpenReader(bytes.NewReader(rep.Body)); err != nil {
				t.Fatal(err)
			} else if rows, _ := x.GetRows(x.GetSheetName(0)); len(rows) != 4 || !strings.Contains(strings.Join(rows[0], ","), "错误原因") {
				t.Fatalf("rejected report rows: %v", rows)
			}
			if r := bj.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); r.Status != 409 {
				t.Fatalf("branch applied its own pending import: %d", r.Status)
			}
			if r := bj.Do("POST", fmt.Sprintf("/api/v1/imports/%d/approve", id), nil); r.Status != 403 {
				t.Fatalf("branch approved: %d", r.Status)
			}
			sup := a.Login("supervisor01", demo.Password)
			if r := sup.Do("GET", "/api/v1/imports?status=pending_review", nil); r.Total() != 1 {
				t.Fatalf("review queue: %s", r.Body)
			}
			ap := sup.Do("POST", fmt.Sprintf("/api/v1/imports/%d/approve", id), map[string]any{"note": "核对无误"})
			if ap.Status != 200 || ap.String("status") != "applied" {
				t.Fatalf("approve: %d %s", ap.Status, ap.Body)
			}
			if count("zy") != 1 || count("qe") != 1 || count("62345678") != 1 {
				t.Fatalf("applied rows not all visible")
			}
			if r := sup.Do("POST", fmt.Sprintf("/api/v1/imports/%d/approve", id), nil); r.Status != 409 {
				t.Fatalf("second approval: %d", r.Status)
			}
			au := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=import&entity_id=%d", id), nil)
			if !strings.Contains(string(au.Body), "新增 3") {
				t.Fatalf("import not audited with counts: %s", au.Body)
			}
		})
		t.Run("UTF-8 with BOM, update policy, applied directly", func(t *testing.T) {
			rows := []string{"赵一,个人,13911110001,居民身份证,11010519491231002X,new@example.cn,北京市海淀区新地址9号,HXB-BJ-HD-01,钻石,,,"}
			up := admin.Upload("/api/v1/imports", map[string]string{"kind": "customers", "duplicate_policy": "update"}, "u.csv", []byte("\xEF\xBB\xBF"+csvOf(rows)))
			r := waitImport(t, admin, up.Int("id"))
			if r.String("status") != "ready" || r.Int("accepted") != 1 || r.Int("duplicates") != 1 {
				t.Fatalf("report: %s", r.Body)
			}
			if ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", up.Int("id")), nil); ap.String("status") != "applied" {
				t.Fatalf("apply: %s", ap.Body)
			}
			got := admin.Do("GET", "/api/v1/customers?q=zy", nil).Items()
			if len(got) != 1 || got[0]["grade"] != "diamond" || got[0]["email"] != "new@example.cn" {
				t.Fatalf("update policy did not update: %v", got)
			}
			au := admin.Do("GET", "/api/v1/audit?entity=customer&action=update", nil)
			if au.Total() == 0 {
				t.Fatal("per-record audit entry for an imported update is missing")
			}
		})
		t.Run("xlsx with reject policy", func(t *testing.T) {
			rows := []string{"钱二,个人,13911110002,,,,,HXB-BJ-HD-02,,,,", "郑七,个人,13911110007,,,,,HXB-BJ-HD-02,,,,"}
			up := admin.Upload("/api/v1/imports", map[string]string{"kind": "customers", "duplicate_policy": "reject"}, "k.xlsx", xlsxOf(t, rows))
			r := waitImport(t, admin, up.Int("id"))
			if r.Int("accepted") != 1 || r.Int("rejected") != 1 {
				t.Fatalf("xlsx report: %s", r.Body)
			}
		})
		t.Run("bad files", func(t *testing.T) {
			up := admin.Upload("/api/v1/imports", map[string]string{"kind": "customers"}, "x.csv", []byte("名字,电话\r\n张三,139\r\n"))
			if r := waitImport(t, admin, up.Int("id")); r.String("status") != "failed" || !strings.Contains(string(r.Body), "所属机构编码") {
				t.Fatalf("missing columns: %s", r.Body)
			}
			if r := admin.Upload("/api/v1/imports", map[string]string{"kind": "customers", "duplicate_policy": "merge"}, "x.csv", []byte(csvOf(nil))); r.Status != 422 {
				t.Fatalf("bad policy: %d", r.Status)
			}
			if r := admin.Upload("/api/v1/imports", map[string]string{"kind": "customers"}, "x.csv", nil); r.Status != 422 {
				t.Fatalf("empty file: %d", r.Status)
			}
			if r := a.Login("eng.bj1a", demo.Password).Upload("/api/v1/imports", map[string]string{"kind": "customers"}, "x.csv", []byte(csvOf(nil))); r.Status != 403 {
				t.Fatalf("upload without permission: %d", r.Status)
			}
			tpl := admin.Do("GET", "/api/v1/imports/templates/customers.xlsx", nil)
			if tpl.Status != 200 || !bytes.HasPrefix(tpl.Body, []byte("PK")) {
				t.Fatalf("template: %d", tpl.Status)
			}
			// The template, filled in and uploaded as it is, imports its sample row.
			up = admin.Upload("/api/v1/imports", map[string]string{"kind": "customers"}, "template.xlsx", tpl.Body)
			if r := waitImport(t, admin, up.Int("id")); r.String("status") == "failed" {
				t.Fatalf("the template itself does not import: %s", r.Body)
			}
		})
	})
}
