package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"lingting/internal/testutil"
)

func TestOrgs(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		admin := a.Admin()
		ops := rootOrgID(t, admin)
		create := func(parent int64, kind, code, name string) int64 {
			t.Helper()
			r := admin.Do("POST", "/api/v1/orgs", map[string]any{"parent_id": parent, "kind": kind, "code": code, "name": name, "region": "北京"})
			if r.Status != 201 {
				t.Fatalf("create %s: %d %s", code, r.Status, r.Body)
			}
			return r.Int("id")
		}
		bankR := admin.Do("POST", "/api/v1/orgs", map[string]any{"kind": "client", "code": "BANK", "name": "示范银行"})
		if bankR.Status != 201 {
			t.Fatalf("create root: %d %s", bankR.Status, bankR.Body)
		}
		bank := bankR.Int("id")
		bj := create(bank, "client", "BJ", "北京分行")
		sh := create(bank, "client", "SH", "上海分行")
		hd := create(bj, "client", "BJ-HD", "海淀支行")
		outlet := create(hd, "outlet", "BJ-HD-01", "中关村网点")

		testutil.Run(t, []testutil.Scenario{
			{Name: "duplicate code", As: admin, Method: "POST", Path: "/api/v1/orgs", Body: map[string]any{"parent_id": bank, "kind": "client", "code": "BJ", "name": "重复"}, Status: 422, Code: "invalid", Contains: []string{`"code"`}},
			{Name: "bad kind and empty name", As: admin, Method: "POST", Path: "/api/v1/orgs", Body: map[string]any{"parent_id": bank, "kind": "planet", "code": "X1", "name": ""}, Status: 422, Contains: []string{`"kind"`, `"name"`}},
			{Name: "unknown parent", As: admin, Method: "POST", Path: "/api/v1/orgs", Body: map[string]any{"parent_id": 99999, "kind": "client", "code": "X2", "name": "孤儿"}, Status: 422, Contains: []string{`"parent_id"`}},
			{Name: "operator only at root", As: admin, Method: "POST", Path: "/api/v1/orgs", Body: map[string]any{"parent_id": bank, "kind": "operator", "code": "X3", "name": "假客服中心"}, Status: 422},
			{Name: "pinyin initials", As: admin, Method: "GET", Path: "/api/v1/orgs?q=bjfh", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 || r.Items()[0]["code"] != "BJ" {
					t.Fatalf("bjfh should find 北京分行 only: %s", r.Body)
				}
			}},
			{Name: "search by code", As: admin, Method: "GET", Path: "/api/v1/orgs?q=bj-hd", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 2 {
					t.Fatalf("bj-hd should find 海淀支行 and its outlet: %s", r.Body)
				}
			}},
			{Name: "search by chinese name", As: admin, Method: "GET", Path: "/api/v1/orgs?q=" + urlq("中关村"), Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 {
					t.Fatalf("中关村: %s", r.Body)
				}
			}},
			{Name: "like wildcards are literal", As: admin, Method: "GET", Path: "/api/v1/orgs?q=%25", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 0 {
					t.Fatalf("%% matched everything: %s", r.Body)
				}
			}},
			{Name: "tree", As: admin, Method: "GET", Path: "/api/v1/orgs?format=tree", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if !strings.Contains(string(r.Body), `"children":[{`) || r.Total() != 2 {
					t.Fatalf("tree should have two roots with children: %s", r.Body)
				}
			}},
			{Name: "page size bound", As: admin, Method: "GET", Path: "/api/v1/orgs?page_size=501", Status: 422, Code: "invalid"},
			{Name: "update", As: admin, Method: "PATCH", Path: fmt.Sprintf("/api/v1/orgs/%d", hd), Body: map[string]any{"name": "海淀中心支行", "address": "中关村大街 1 号"}, Status: 200, Contains: []string{"海淀中心支行", `"initials":"hdzxzx`}},
			{Name: "move into own subtree", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/orgs/%d/move", bj), Body: map[string]any{"parent_id": outlet}, Status: 409, Code: "conflict"},
			{Name: "move across roots", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/orgs/%d/move", hd), Body: map[string]any{"parent_id": ops}, Status: 409, Code: "conflict"},
			{Name: "move subtree", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/orgs/%d/move", hd), Body: map[string]any{"parent_id": sh}, Status: 200, Contains: []string{fmt.Sprintf(`"path":"/%d/%d/%d/"`, bank, sh, hd)}},
			{Name: "descendant path rewritten", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/orgs/%d", outlet), Status: 200, Contains: []string{fmt.Sprintf(`"path":"/%d/%d/%d/%d/"`, bank, sh, hd, outlet), `"depth":3`}},
			{Name: "delete with children", As: admin, Method: "DELETE", Path: fmt.Sprintf("/api/v1/orgs/%d", hd), Status: 409, Code: "conflict"},
			{Name: "create user in outlet", As: admin, Method: "POST", Path: "/api/v1/users", Body: map[string]any{"login": "teller1", "name": "柜员", "org_id": outlet}, Status: 201, Contains: []string{`"initial_password"`}},
			{Name: "delete with users", As: admin, Method: "DELETE", Path: fmt.Sprintf("/api/v1/orgs/%d", outlet), Status: 409, Code: "conflict"},
			{Name: "delete leaf", As: admin, Method: "DELETE", Path: fmt.Sprintf("/api/v1/orgs/%d", create(bj, "department", "BJ-IT", "科技部")), Status: 204},
			{Name: "missing org", As: admin, Method: "GET", Path: "/api/v1/orgs/99999", Status: 404, Code: "not_found"},
			{Name: "non-numeric id", As: admin, Method: "GET", Path: "/api/v1/orgs/abc", Status: 404, Code: "not_found"},
		})
	})
}

func urlq(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func TestOrgWithCustomersCannotBeDeleted(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		admin := a.Admin()
		ops := rootOrgID(t, admin)
		leaf := admin.Do("POST", "/api/v1/orgs", map[string]any{"parent_id": ops, "kind": "department", "code": "LEAF", "name": "末级"}).Int("id")
		if r := admin.Do("POST", "/api/v1/customers", map[string]any{"name": "某客户", "org_id": leaf, "phone": "13800001111"}); r.Status != 201 {
			t.Fatalf("customer: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/orgs/%d", leaf), nil); r.Status != 409 || r.ErrorCode() != "conflict" {
			t.Fatalf("deleting an org holding customers: %d %s", r.Status, r.Body)
		}
	})
}
