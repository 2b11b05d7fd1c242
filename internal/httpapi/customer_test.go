package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// Full numbers used below; no answer may contain them unless revealed.
const (
	fullPhone = "13812345678"
	fullID    = "11010519491231002X"
)

func TestCustomers(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 24})
		admin := a.Admin()
		orgs := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		var id int64
		testutil.Run(t, []testutil.Scenario{
			{Name: "invalid numbers", As: admin, Method: "POST", Path: "/api/v1/customers", Body: map[string]any{"name": "坏数据", "org_id": orgs["HXB-BJ-HD-01"], "phone": "1381234567", "id_type": "resident_id", "id_number": "110105194912310021", "email": "x@"}, Status: 422,
				Contains: []string{`"phones"`, `"id_number"`, `"email"`, "校验"}},
			{Name: "outside scope org", As: a.Login("sh.admin", demo.Password), Method: "POST", Path: "/api/v1/customers", Body: map[string]any{"name": "越权", "org_id": orgs["HXB-BJ-HD-01"], "phone": "13900000001"}, Status: 422, Contains: []string{`"org_id"`}},
			{Name: "create", As: admin, Method: "POST", Path: "/api/v1/customers", Body: map[string]any{"name": "王芳", "org_id": orgs["HXB-BJ-HD-01"], "phone": "１３８ １２３４ ５６７８", "id_number": fullID,
				"address": "北京市海淀区中关村大街 27 号", "grade": "金卡", "tags": []string{"理财", "理财", "房贷"}, "notes": "喜欢电话联系"}, Status: 201,
				Contains: []string{`"phone":"138****5678"`, `"id_number":"110***********002X"`, `"birthday":"1949-12-31"`, `"grade":"gold"`, `"id_type":"resident_id"`, `"masked":true`},
				Lacks:    []string{fullPhone, fullID}, Check: func(t *testing.T, r *testutil.Response) { id = r.Int("id") }},
			{Name: "duplicate by ID number", As: admin, Method: "POST", Path: "/api/v1/customers", Body: map[string]any{"name": "王芳二", "org_id": orgs["HXB-BJ-HD-02"], "id_number": fullID}, Status: 409, Code: "conflict", Contains: []string{"duplicate_id"}},
			{Name: "duplicate by name and phone", As: admin, Method: "POST", Path: "/api/v1/customers", Body: map[string]any{"name": "王芳", "org_id": orgs["HXB-BJ-HD-02"], "phone": fullPhone}, Status: 409},
		})
		search := func(t *testing.T, c *testutil.Client, q string) []map[string]any {
			t.Helper()
			r := c.Do("GET", "/api/v1/customers?q="+url.QueryEscape(q), nil)
			if r.Status != 200 {
				t.Fatalf("search %q: %d %s", q, r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), fullPhone) || strings.Contains(string(r.Body), fullID) {
				t.Fatalf("search answer leaks a full number")
			}
			return r.Items()
		}
		t.Run("search", func(t *testing.T) {
			for _, q := range []string{"王芳", "中关村大街", "关村", "5678", "45678", "wf", fullID, fmt.Sprintf("KH%08d", id), "电话联系"} {
				found := false
				for _, it := range search(t, admin, q) {
					found = found || int64(it["id"].(float64)) == id
				}
				if !found {
					t.Errorf("q=%q does not find the customer", q)
				}
			}
			for _, q := range []string{"王芳芳芳", "9999", "上海浦东"} {
				for _, it := range search(t, admin, q) {
					if int64(it["id"].(float64)) == id {
						t.Errorf("q=%q finds the customer", q)
					}
				}
			}
		})
		t.Run("update keeps masked numbers and audits masked", func(t *testing.T) {
			cur := admin.Do("GET", fmt.Sprintf("/api/v1/customers/%d", id), nil)
			r := admin.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", id), map[string]any{"name": "王芳芳", "id_number": cur.String("id_number"), "phone": cur.String("phone")})
			if r.Status != 200 || !strings.Contains(string(r.Body), "王芳芳") {
				t.Fatalf("update: %d %s", r.Status, r.Body)
			}
			rev := admin.Do("POST", fmt.Sprintf("/api/v1/customers/%d/reveal", id), map[string]any{"reason": "核对"})
			if rev.String("phone") != fullPhone || rev.String("id_number") != fullID {
				t.Fatalf("masked echo overwrote numbers: %s", rev.Body)
			}
			au := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=customer&entity_id=%d&page_size=50", id), nil)
			if strings.Contains(string(au.Body), fullPhone) || strings.Contains(string(au.Body), fullID) {
				t.Fatalf("audit view leaks a full number: %s", au.Body)
			}
			if !strings.Contains(string(au.Body), `"action":"reveal"`) {
				t.Fatalf("reveal not audited: %s", au.Body)
			}
		})
		t.Run("access request, approval, expiry", func(t *testing.T) {
			agent := a.Login("agent01", demo.Password)
			if r := agent.Do("POST", fmt.Sprintf("/api/v1/customers/%d/reveal", id), map[string]any{"reason": "回访"}); r.Status != 403 {
				t.Fatalf("reveal without grant: %d", r.Status)
			}
			req := agent.Do("POST", "/api/v1/access-requests", map[string]any{"customer_id": id, "reason": "回访需要拨打电话", "hours": 24})
			if req.Status != 201 || req.String("status") != "pending" {
				t.Fatalf("request: %d %s", req.Status, req.Body)
			}
			if r := agent.Do("POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.Int("id")), nil); r.Status != 403 {
				t.Fatalf("agent approved its own request: %d", r.Status)
			}
			sup := a.Login("supervisor01", demo.Password)
			pending := sup.Do("GET", "/api/v1/access-requests?status=pending", nil)
			if pending.Total() != 1 {
				t.Fatalf("supervisor's queue: %s", pending.Body)
			}
			if r := sup.Do("POST", fmt.Sprintf("/api/v1/access-requests/%d/approve", req.Int("id")), map[string]any{"note": "同意"}); r.Status != 200 || r.String("status") != "approved" {
				t.Fatalf("approve: %d %s", r.Status, r.Body)
			}
			if r := sup.Do("POST", fmt.Sprintf("/api/v1/access-requests/%d/reject", req.Int("id")), nil); r.Status != 409 {
				t.Fatalf("second decision: %d", r.Status)
			}
			rev := agent.Do("POST", fmt.Sprintf("/api/v1/customers/%d/reveal", id), map[string]any{"reason": "回访"})
			if rev.Status != 200 || rev.String("phone") != fullPhone || rev.String("via") != "grant" {
				t.Fatalf("reveal with grant: %d %s", rev.Status, rev.Body)
			}
			if _, err := a.DB.Exec(context.Background(), "UPDATE access_grants SET expires_at = ? WHERE id = ?", time.Now().Add(-time.Minute).UTC(), req.Int("id")); err != nil {
				t.Fatal(err)
			}
			if r := agent.Do("POST", fmt.Sprintf("/api/v1/customers/%d/reveal", id), nil); r.Status != 403 {
				t.Fatalf("reveal after expiry: %d", r.Status)
			}
		})
		t.Run("scope", func(t *testing.T) {
			sh := a.Login("sh.admin", demo.Password)
			if r := sh.Do("GET", fmt.Sprintf("/api/v1/customers/%d", id), nil); r.Status != 404 {
				t.Fatalf("sibling branch reads a Beijing customer: %d", r.Status)
			}
			if len(search(t, sh, "王芳芳")) != 0 {
				t.Fatal("sibling branch finds a Beijing customer")
			}
			all := sh.Do("GET", "/api/v1/customers?page_size=500", nil)
			for _, it := range all.Items() {
				if !strings.Contains(it["org_name"].(string), "网点") && !strings.Contains(it["org_name"].(string), "上海") {
					t.Fatalf("sibling list holds %v", it["org_name"])
				}
				oid := int64(it["org_id"].(float64))
				if oid == orgs["HXB-BJ-HD-01"] {
					t.Fatal("Shanghai sees a Beijing outlet's customer")
				}
			}
			for _, r := range []string{"PATCH", "DELETE"} {
				if res := sh.Do(r, fmt.Sprintf("/api/v1/customers/%d", id), map[string]any{"name": "改"}); res.Status != 404 && res.Status != 403 {
					t.Fatalf("%s of a sibling's customer: %d", r, res.Status)
				}
			}
			// A vendor sees no customer even holding customer.read.
			role := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "服务商看客户", "permissions": []string{"customer.read", "org.read", "user.read", "audit.read"}, "scope": "subtree"}).Int("id")
			users := map[string]int64{}
			for _, u := range admin.Do("GET", "/api/v1/users?q=adwb.manager", nil).Items() {
				users[u["login"].(string)] = int64(u["id"].(float64))
			}
			admin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["adwb.manager"]), map[string]any{"role_ids": []int64{role}})
			vendor := a.Login("adwb.manager", demo.Password)
			if r := vendor.Do("GET", "/api/v1/customers", nil); r.Total() != 0 {
				t.Fatalf("vendor sees %d customers", r.Total())
			}
		})
		t.Run("confidentiality above clearance is hidden", func(t *testing.T) {
			secret := admin.Do("POST", "/api/v1/customers", map[string]any{"name": "机要客户", "org_id": orgs["HXB-BJ-HD-01"], "phone": "13655556666", "confidentiality": 2})
			if secret.Status != 201 {
				t.Fatalf("create: %d %s", secret.Status, secret.Body)
			}
			agent := a.Login("agent01", demo.Password) // no customer.level2
			if r := agent.Do("GET", fmt.Sprintf("/api/v1/customers/%d", secret.Int("id")), nil); r.Status != 404 {
				t.Fatalf("agent reads a level-2 customer: %d", r.Status)
			}
			if len(search(t, agent, "机要")) != 0 {
				t.Fatal("agent finds a level-2 customer")
			}
			if r := agent.Do("POST", "/api/v1/customers", map[string]any{"name": "自封机密", "org_id": orgs["HXB-BJ-HD-01"], "phone": "13655557777", "confidentiality": 3}); r.Status != 422 {
				t.Fatalf("agent created a record above its clearance: %d", r.Status)
			}
			sup := a.Login("supervisor01", demo.Password) // holds customer.level2
			if r := sup.Do("GET", fmt.Sprintf("/api/v1/customers/%d", secret.Int("id")), nil); r.Status != 200 {
				t.Fatalf("supervisor with clearance: %d", r.Status)
			}
		})
		t.Run("export", func(t *testing.T) {
			bj := a.Login("bj.admin", demo.Password)
			r := bj.Do("GET", "/api/v1/exports/customers.csv?q="+url.QueryEscape("王芳芳"), nil)
			body := string(r.Body)
			if r.Status != 200 || !strings.Contains(body, "王芳芳") || !strings.Contains(body, "138****5678") || strings.Contains(body, fullPhone) {
				t.Fatalf("masked CSV export: %d %s", r.Status, body)
			}
			sh := a.Login("sh.admin", demo.Password)
			if r := sh.Do("GET", "/api/v1/exports/customers.csv", nil); strings.Contains(string(r.Body), "王芳芳") {
				t.Fatal("sibling export holds a Beijing customer")
			}
			x := bj.Do("GET", "/api/v1/exports/customers.xlsx", nil)
			if x.Status != 200 || !strings.HasPrefix(string(x.Body), "PK") {
				t.Fatalf("xlsx export: %d", x.Status)
			}
			// The streamed workbook holds the rows of the CSV, masked alike.
			wb, err := excelize.OpenReader(bytes.NewReader(x.Body))
			if err != nil {
				t.Fatalf("xlsx export does not open: %v", err)
			}
			xrows, err := wb.GetRows(wb.GetSheetList()[0])
			wb.Close()
			if err != nil {
				t.Fatal(err)
			}
			crows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(bj.Do("GET", "/api/v1/exports/customers.csv", nil).Body), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(xrows) != len(crows) || len(crows) < 3 {
				t.Fatalf("xlsx has %d rows, csv %d", len(xrows), len(crows))
			}
			for i := range crows {
				for len(xrows[i]) < len(crows[i]) { // trailing empty cells are not stored
					xrows[i] = append(xrows[i], "")
				}
				if strings.Join(xrows[i], "|") != strings.Join(crows[i], "|") {
					t.Fatalf("row %d: xlsx %q, csv %q", i+1, xrows[i], crows[i])
				}
			}
			if strings.Contains(fmt.Sprint(xrows), fullPhone) || !strings.Contains(fmt.Sprint(xrows), "138****5678") {
				t.Fatal("xlsx export is not masked like the CSV")
			}
			if r := a.Login("agent01", demo.Password).Do("GET", "/api/v1/exports/customers.csv", nil); r.Status != 403 {
				t.Fatalf("export without permission: %d", r.Status)
			}
			full := admin.Do("GET", "/api/v1/exports/customers.csv?q="+url.QueryEscape("王芳芳"), nil)
			if !strings.Contains(string(full.Body), fullPhone) {
				t.Fatalf("an export by a revealer should carry full numbers: %s", full.Body)
			}
			au := admin.Do("GET", "/api/v1/audit?action=export", nil)
			if au.Total() < 4 {
				t.Fatalf("exports not audited: %s", au.Body)
			}
		})
		t.Run("contacts, interactions, merge", func(t *testing.T) {
			c := admin.Do("POST", fmt.Sprintf("/api/v1/customers/%d/contacts", id), map[string]any{"name": "李会计", "title": "财务", "phone": "13911112222", "primary": true})
			if c.Status != 201 || c.String("phone") != "139****2222" {
				t.Fatalf("contact: %d %s", c.Status, c.Body)
			}
			it := admin.Do("POST", fmt.Sprintf("/api/v1/customers/%d/interactions", id), map[string]any{"kind": "call", "content": "电话回访，满意", "next_step": "下月再访"})
			if it.Status != 201 || it.String("user_name") != "系统管理员" {
				t.Fatalf("interaction: %d %s", it.Status, it.Body)
			}
			if r := admin.Do("POST", fmt.Sprintf("/api/v1/customers/%d/interactions", id), map[string]any{"kind": "telepathy", "content": ""}); r.Status != 422 {
				t.Fatalf("bad interaction: %d", r.Status)
			}
			dup := admin.Do("POST", "/api/v1/customers", map[string]any{"name": "王芳（重复）", "org_id": orgs["HXB-BJ-HD-01"], "phone": "13700000000", "email": "wf@example.cn"})
			dupID := dup.Int("id")
			admin.Do("POST", fmt.Sprintf("/api/v1/customers/%d/interactions", dupID), map[string]any{"kind": "visit", "content": "来访"})
			m := admin.Do("POST", "/api/v1/customers/merge", map[string]any{"survivor_id": id, "merged_id": dupID})
			if m.Status != 200 || len(m.JSON.(map[string]any)["phones"].([]any)) != 2 || m.String("email") != "wf@example.cn" {
				t.Fatalf("merge: %d %s", m.Status, m.Body)
			}
			if r := admin.Do("GET", fmt.Sprintf("/api/v1/customers/%d", dupID), nil); r.Status != 404 {
				t.Fatalf("merged record still live: %d", r.Status)
			}
			if r := admin.Do("GET", fmt.Sprintf("/api/v1/customers/%d/interactions", id), nil); r.Total() != 2 {
				t.Fatalf("interactions not moved: %s", r.Body)
			}
		})
		t.Run("custom fields and grades", func(t *testing.T) {
			f := admin.Do("POST", "/api/v1/customer-fields", map[string]any{"code": "industry", "label": "行业", "type": "select", "options": []string{"制造业", "零售"}})
			if f.Status != 201 {
				t.Fatalf("field: %d %s", f.Status, f.Body)
			}
			if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", id), map[string]any{"custom": map[string]any{"industry": "航天"}}); r.Status != 422 {
				t.Fatalf("bad option accepted: %d", r.Status)
			}
			if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", id), map[string]any{"custom": map[string]any{"industry": "零售"}}); r.Status != 200 {
				t.Fatalf("custom value: %d %s", r.Status, r.Body)
			}
			if r := admin.Do("GET", "/api/v1/customers?cf.industry="+url.QueryEscape("零售"), nil); r.Total() != 1 {
				t.Fatalf("custom filter: %s", r.Body)
			}
			if r := admin.Do("PUT", "/api/v1/customer-grades", map[string]any{"items": []map[string]any{{"code": "normal", "name": "普通"}}}); r.Status != 409 {
				t.Fatalf("removing a grade in use: %d %s", r.Status, r.Body)
			}
		})
		t.Run("delete and purge", func(t *testing.T) {
			if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/customers/%d", id), nil); r.Status != 204 {
				t.Fatalf("delete: %d", r.Status)
			}
			if len(search(t, admin, "王芳芳")) != 0 {
				t.Fatal("deleted customer still found")
			}
			if _, err := a.DB.Exec(context.Background(), "UPDATE customers SET deleted_at = ? WHERE id = ?", time.Now().AddDate(-1, 0, 0).UTC(), id); err != nil {
				t.Fatal(err)
			}
			n, err := a.Customers.PurgeDeleted(context.Background())
			if err != nil || n != 1 {
				t.Fatalf("purge: %d %v", n, err)
			}
			var phone, idn, name string
			row := struct {
				Phone string `db:"phone"`
				IDN   string `db:"id_number"`
				Name  string `db:"name"`
			}{}
			if err := a.DB.Get(context.Background(), &row, "SELECT phone, id_number, name FROM customers WHERE id = ?", id); err != nil {
				t.Fatal(err)
			}
			phone, idn, name = row.Phone, row.IDN, row.Name
			if phone != "" || idn != "" || name != "已清除" {
				t.Fatalf("PII left after purge: %q %q %q", phone, idn, name)
			}
		})
	})
}
