package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// TestDataScopeMatrix proves that users at operator, branch, sibling branch,
// outlet, vendor and engineer level see exactly their part of the org tree and
// its users, through list, search, get, update and the audit log.
func TestDataScopeMatrix(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true})
		admin := a.Admin()
		orgs := admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items()
		codeOf, idOf := map[int64]string{}, map[string]int64{}
		for _, o := range orgs {
			id := int64(o["id"].(float64))
			codeOf[id], idOf[o["code"].(string)] = o["code"].(string), id
		}
		users := admin.Do("GET", "/api/v1/users?page_size=500", nil).Items()
		userID := map[string]int64{}
		for _, u := range users {
			userID[u["login"].(string)] = int64(u["id"].(float64))
		}

		// inSubtree reports whether an org code lies under (or is) one of the roots.
		inSubtree := func(code string, roots ...string) bool {
			for _, r := range roots {
				if code == r || strings.HasPrefix(code, r+"-") {
					return true
				}
			}
			return false
		}
		cases := []struct {
			login      string
			visible    func(code string) bool
			orgCount   int    // visible orgs
			foreignOrg string // an org the user must not see
			foreignUsr string // a user the user must not see
			ownOrg     string // an org the user may update ("" when none)
			canUsers   bool
		}{
			{"agent01", func(string) bool { return true }, len(orgs), "", "", "", true},
			{"bj.admin", func(c string) bool { return inSubtree(c, "HXB-BJ") }, 9, "HXB-SH", "sh.admin", "HXB-BJ-HD-01", true},
			{"sh.admin", func(c string) bool { return inSubtree(c, "HXB-SH") }, 9, "HXB-BJ", "bj.admin", "HXB-SH-PD-01", true},
			{"bjhd01.head", func(c string) bool { return c == "HXB-BJ-HD-01" }, 1, "HXB-BJ-HD-02", "bjhd02.head", "", true},
			{"adwb.manager", func(c string) bool { return inSubtree(c, "ADWB") }, 4, "HXB", "bj.admin", "", true},
			{"bj1.head", func(c string) bool { return c == "ADWB-BJ1" }, 1, "ADWB-BJ2", "eng.bj2a", "", true},
			{"eng.bj1a", func(c string) bool { return c == "ADWB-BJ1" }, 1, "ADWB-SH", "eng.bj1b", "", false},
		}
		for _, tc := range cases {
			t.Run(tc.login, func(t *testing.T) {
				c := a.Login(tc.login, demo.Password)
				list := c.Do("GET", "/api/v1/orgs?page_size=500", nil)
				if list.Total() != tc.orgCount || len(list.Items()) != tc.orgCount {
					t.Errorf("org list: total %d items %d, want %d", list.Total(), len(list.Items()), tc.orgCount)
				}
				for _, o := range list.Items() {
					if !tc.visible(o["code"].(string)) {
						t.Errorf("org list leaks %s", o["code"])
					}
				}
				tree := c.Do("GET", "/api/v1/orgs?format=tree", nil)
				if tc.foreignOrg != "" && strings.Contains(string(tree.Body), `"code":"`+tc.foreignOrg+`"`) {
					t.Errorf("org tree leaks %s", tc.foreignOrg)
				}
				if tc.foreignOrg != "" {
					search := c.Do("GET", "/api/v1/orgs?q="+tc.foreignOrg, nil)
					for _, o := range search.Items() {
						if !tc.visible(o["code"].(string)) {
							t.Errorf("org search leaks %s", o["code"])
						}
					}
					fid := idOf[tc.foreignOrg]
					if r := c.Do("GET", fmt.Sprintf("/api/v1/orgs/%d", fid), nil); r.Status != 404 {
						t.Errorf("get foreign org: %d, want 404", r.Status)
					}
					if r := c.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", fid), map[string]any{"name": "篡改"}); r.Status != 404 && r.Status != 403 {
						t.Errorf("update foreign org: %d, want 404 or 403", r.Status)
					}
					if r := c.Do("POST", "/api/v1/orgs", map[string]any{"parent_id": fid, "kind": "department", "code": "EVIL-" + tc.login, "name": "越权"}); r.Status != 422 && r.Status != 403 {
						t.Errorf("create under foreign org: %d %s", r.Status, r.Body)
					}
				}
				if tc.ownOrg != "" {
					if r := c.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", idOf[tc.ownOrg]), map[string]any{"address": "新地址 1 号"}); r.Status != 200 {
						t.Errorf("update own-subtree org: %d %s", r.Status, r.Body)
					}
				}
				ul := c.Do("GET", "/api/v1/users?page_size=500", nil)
				if !tc.canUsers {
					if ul.Status != 403 {
						t.Errorf("user list without user.read: %d", ul.Status)
					}
					return
				}
				if ul.Total() == 0 {
					t.Errorf("user list is empty")
				}
				for _, u := range ul.Items() {
					if !tc.visible(codeOf[int64(u["org_id"].(float64))]) {
						t.Errorf("user list leaks %s of %s", u["login"], codeOf[int64(u["org_id"].(float64))])
					}
				}
				if tc.foreignUsr != "" {
					search := c.Do("GET", "/api/v1/users?q="+tc.foreignUsr, nil)
					if search.Total() != 0 {
						t.Errorf("user search finds %s: %s", tc.foreignUsr, search.Body)
					}
					fid := userID[tc.foreignUsr]
					if r := c.Do("GET", fmt.Sprintf("/api/v1/users/%d", fid), nil); r.Status != 404 {
						t.Errorf("get foreign user: %d, want 404", r.Status)
					}
					if r := c.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", fid), map[string]any{"name": "篡改"}); r.Status != 404 && r.Status != 403 {
						t.Errorf("update foreign user: %d", r.Status)
					}
					if r := c.Do("POST", fmt.Sprintf("/api/v1/users/%d/reset-password", fid), nil); r.Status != 404 && r.Status != 403 {
						t.Errorf("reset foreign password: %d", r.Status)
					}
				}
				au := c.Do("GET", "/api/v1/audit?page_size=500", nil)
				if au.Status == 200 {
					for _, e := range au.Items() {
						oid, _ := e["org_id"].(float64)
						aid, _ := e["actor_id"].(float64)
						if int64(aid) != userID[tc.login] && !tc.visible(codeOf[int64(oid)]) {
							t.Errorf("audit leaks an entry about %s: %v", codeOf[int64(oid)], e["summary"])
						}
					}
				}
			})
		}

		t.Run("branch admin cannot escalate", func(t *testing.T) {
			bjAdmin := a.Login("bj.admin", demo.Password)
			roles := admin.Do("GET", "/api/v1/roles", nil).Items()
			var adminRole int64
			for _, r := range roles {
				if r["name"] == "系统管理员" {
					adminRole = int64(r["id"].(float64))
				}
			}
			target := userID["bjhd01.teller"]
			r := bjAdmin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", target), map[string]any{"role_ids": []int64{adminRole}})
			if r.Status != 403 {
				t.Fatalf("granting the admin role: %d %s", r.Status, r.Body)
			}
			r = bjAdmin.Do("POST", "/api/v1/users", map[string]any{"login": "sneaky", "name": "越权", "org_id": idOf["HXB-BJ-HD-01"], "role_ids": []int64{adminRole}})
			if r.Status != 403 {
				t.Fatalf("creating a user with the admin role: %d %s", r.Status, r.Body)
			}
			r = bjAdmin.Do("POST", "/api/v1/users", map[string]any{"login": "sibling", "name": "越权", "org_id": idOf["HXB-SH-PD-01"]})
			if r.Status != 422 {
				t.Fatalf("creating a user in a sibling branch: %d %s", r.Status, r.Body)
			}
		})

		t.Run("role editor cannot grant beyond itself", func(t *testing.T) {
			editor := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "角色维护", "permissions": []string{"role.read", "role.create", "role.update", "org.read"}, "scope": "subtree"}).Int("id")
			u := admin.Do("POST", "/api/v1/users", map[string]any{"login": "roleeditor", "name": "角色维护员", "org_id": idOf["HXB-BJ"], "password": "editor-pass-1", "role_ids": []int64{editor}})
			if u.Status != 201 {
				t.Fatalf("create editor: %d %s", u.Status, u.Body)
			}
			c := a.Login("roleeditor", "editor-pass-1")
			c.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": "editor-pass-1", "new_password": "editor-pass-2"})
			testutil.Run(t, []testutil.Scenario{
				{Name: "permission it lacks", As: c, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "越权角色", "permissions": []string{"user.create"}, "scope": "subtree"}, Status: 403, Code: "forbidden"},
				{Name: "all-data scope", As: c, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "越权范围", "permissions": []string{"org.read"}, "scope": "all"}, Status: 403},
				{Name: "widen own role", As: c, Method: "PATCH", Path: fmt.Sprintf("/api/v1/roles/%d", editor), Body: map[string]any{"permissions": []string{"role.read", "role.create", "role.update", "org.read", "audit.read"}}, Status: 403},
				{Name: "within itself", As: c, Method: "POST", Path: "/api/v1/roles", Body: map[string]any{"name": "只读", "permissions": []string{"org.read"}, "scope": "org"}, Status: 201},
			})
		})
	})
}
