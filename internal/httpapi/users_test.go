package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"lingting/internal/testutil"
)

func TestUsersRolesAudit(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		admin := a.Admin()
		ops := rootOrgID(t, admin)
		dept := admin.Do("POST", "/api/v1/orgs", map[string]any{"parent_id": ops, "kind": "department", "code": "CS", "name": "客户服务部"}).Int("id")
		var roleID, userID int64
		testutil.Run(t, []testutil.Scenario{
			{Name: "permissions catalogue", As: admin, Method: "GET", Path: "/api/v1/permissions", Status: 200, Contains: []string{`"org.create"`, `"label_zh":"新增机构"`, `"groups"`}},
			{Name: "role with unknown permission", As: admin, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "坏角色", "permissions": []string{"nuclear.launch"}, "scope": "all"}, Status: 422, Contains: []string{"nuclear.launch"}},
			{Name: "custom scope needs orgs", As: admin, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "自定义", "permissions": []string{"org.read"}, "scope": "custom"}, Status: 422, Contains: []string{"scope_org_ids"}},
			{Name: "bad scope", As: admin, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "x", "permissions": []string{}, "scope": "galaxy"}, Status: 422},
			{Name: "create role", As: admin, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "坐席", "description": "接听电话", "permissions": []string{"org.read", "user.read"}, "scope": "subtree"}, Status: 201, Check: func(t *testing.T, r *testutil.Response) {
				roleID = r.Int("id")
			}},
			{Name: "duplicate role", As: admin, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "坐席", "permissions": []string{}, "scope": "self"}, Status: 422},
			{Name: "invalid user", As: admin, Method: "POST", Path: "/api/v1/users", Body: map[string]any{"login": "a b", "name": "", "org_id": dept, "phone": "12345", "email": "not-mail", "password": "short"}, Status: 422, Check: func(t *testing.T, r *testutil.Response) {
				for _, f := range []string{"login", "name", "phone", "email", "password"} {
					if !strings.Contains(string(r.Body), `"`+f+`"`) {
						t.Errorf("no error for %s: %s", f, r.Body)
					}
				}
			}},
			{Name: "create user with generated password", As: admin, Method: "POST", Path: "/api/v1/users", Body: map[string]any{"login": "wangfang", "name": "王芳", "org_id": dept, "job_no": "A001", "phone": "13800138000", "email": "wf@example.cn"}, Status: 201, Check: func(t *testing.T, r *testutil.Response) {
				userID = r.Int("id")
				if len(r.String("initial_password")) < 8 {
					t.Fatalf("no generated password: %s", r.Body)
				}
				if !strings.Contains(string(r.Body), `"must_change_password":true`) {
					t.Fatalf("generated password not forced to change: %s", r.Body)
				}
			}},
			{Name: "duplicate login", As: admin, Method: "POST", Path: "/api/v1/users", Body: map[string]any{"login": "WangFang", "name": "重名", "org_id": dept}, Status: 422, Contains: []string{`"login"`}},
			{Name: "duplicate job number", As: admin, Method: "POST", Path: "/api/v1/users", Body: map[string]any{"login": "other", "name": "别人", "org_id": dept, "job_no": "A001"}, Status: 422, Contains: []string{`"job_no"`}},
			{Name: "search by pinyin", As: admin, Method: "GET", Path: "/api/v1/users?q=wf", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 || r.Items()[0]["login"] != "wangfang" {
					t.Fatalf("wf should find 王芳: %s", r.Body)
				}
			}},
			{Name: "search by job number", As: admin, Method: "GET", Path: "/api/v1/users?q=a001", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 {
					t.Fatalf("A001: %s", r.Body)
				}
			}},
			{Name: "filter by org subtree", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/users?org_id=%d", ops), Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 2 {
					t.Fatalf("operator subtree has admin and wangfang: %s", r.Body)
				}
			}},
		})
		testutil.Run(t, []testutil.Scenario{
			{Name: "assign role", As: admin, Method: "PUT", Path: fmt.Sprintf("/api/v1/users/%d/roles", userID), Body: map[string]any{"role_ids": []int64{roleID}}, Status: 200, Contains: []string{`"name":"坐席"`}},
			{Name: "role_ids required", As: admin, Method: "PUT", Path: fmt.Sprintf("/api/v1/users/%d/roles", userID), Body: map[string]any{}, Status: 422, Contains: []string{"role_ids"}},
			{Name: "assign unknown role", As: admin, Method: "PUT", Path: fmt.Sprintf("/api/v1/users/%d/roles", userID), Body: map[string]any{"role_ids": []int64{9999}}, Status: 422},
			{Name: "role in use cannot be deleted", As: admin, Method: "DELETE", Path: fmt.Sprintf("/api/v1/roles/%d", roleID), Status: 409, Code: "conflict"},
			{Name: "builtin role cannot be deleted", As: admin, Method: "DELETE", Path: "/api/v1/roles/1", Status: 409},
			{Name: "admin role keeps its permissions", As: admin, Method: "PATCH", Path: "/api/v1/roles/1", Body: map[string]any{"permissions": []string{"org.read"}}, Status: 409},
			{Name: "update role", As: admin, Method: "PATCH", Path: fmt.Sprintf("/api/v1/roles/%d", roleID), Body: map[string]any{"permissions": []string{"org.read"}}, Status: 200},
			{Name: "update user", As: admin, Method: "PATCH", Path: fmt.Sprintf("/api/v1/users/%d", userID), Body: map[string]any{"phone": "13900139000", "name": "王芳芳"}, Status: 200, Contains: []string{"王芳芳"}},
			{Name: "bad status", As: admin, Method: "PATCH", Path: fmt.Sprintf("/api/v1/users/%d", userID), Body: map[string]any{"status": "deleted"}, Status: 422},
			{Name: "reset password", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/users/%d/reset-password", userID), Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				pw := r.String("password")
				c := a.Login("wangfang", pw)
				if me := c.Do("GET", "/api/v1/auth/me", nil); !strings.Contains(string(me.Body), `"must_change_password":true`) {
					t.Fatalf("reset password not forced to change: %s", me.Body)
				}
			}},
		})

		t.Run("permission checks", func(t *testing.T) {
			pw := admin.Do("POST", fmt.Sprintf("/api/v1/users/%d/reset-password", userID), nil).String("password")
			c := a.Login("wangfang", pw)
			c.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": pw, "new_password": "wangfang-2026"})
			for _, call := range [][2]string{{"GET", "/api/v1/roles"}, {"POST", "/api/v1/orgs"}, {"GET", "/api/v1/audit"}, {"POST", "/api/v1/users"}} {
				r := c.Do(call[0], call[1], map[string]any{})
				if call[0] == "GET" {
					r = c.Do(call[0], call[1], nil)
				}
				if r.Status != 403 || r.ErrorCode() != "forbidden" {
					t.Errorf("%s %s without permission: %d %s", call[0], call[1], r.Status, r.Body)
				}
			}
		})

		t.Run("audit before and after", func(t *testing.T) {
			r := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=user&entity_id=%d&action=update", userID), nil)
			if r.Total() != 1 {
				t.Fatalf("one update of the user expected: %s", r.Body)
			}
			e := r.Items()[0]
			before, _ := e["before"].(map[string]any)
			after, _ := e["after"].(map[string]any)
			if before["name"] != "王芳" || after["name"] != "王芳芳" || before["phone"] != "13800138000" || after["phone"] != "13900139000" {
				t.Fatalf("before/after wrong: %v → %v", before, after)
			}
			if _, has := after["email"]; has {
				t.Fatalf("unchanged field recorded: %v", after)
			}
			if e["actor_name"] != "系统管理员" || e["ip"] == "" {
				t.Fatalf("actor or ip missing: %v", e)
			}
			if all := admin.Do("GET", "/api/v1/audit?action=create&entity=org", nil); all.Total() < 2 {
				t.Fatalf("org creations not audited: %s", all.Body)
			}
			if bad := admin.Do("GET", "/api/v1/audit?from=yesterday", nil); bad.Status != 422 {
				t.Fatalf("bad time filter: %d", bad.Status)
			}
			raw, _ := json.Marshal(e)
			if strings.Contains(string(raw), "password_hash") {
				t.Fatalf("audit holds a password hash: %s", raw)
			}
		})

		t.Run("audit log is append-only in the database", func(t *testing.T) {
			ctx := context.Background()
			if _, err := a.DB.Exec(ctx, "UPDATE audit_log SET summary = 'rewritten'"); err == nil {
				t.Fatal("UPDATE of audit_log succeeded")
			}
			if _, err := a.DB.Exec(ctx, "DELETE FROM audit_log"); err == nil {
				t.Fatal("DELETE from audit_log succeeded")
			}
			var n int
			if err := a.DB.Get(ctx, &n, "SELECT count(*) FROM audit_log WHERE summary = 'rewritten'"); err != nil || n != 0 {
				t.Fatalf("rewritten rows: %d %v", n, err)
			}
		})
	})
}
