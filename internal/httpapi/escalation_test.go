package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// A scoped administrator can neither widen its own reach nor take over users
// who hold more than it does.
func TestNoEscalationThroughRolesOrTakeover(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true})
		admin := a.Admin()
		ids := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			ids[o["code"].(string)] = int64(o["id"].(float64))
		}
		users := map[string]int64{}
		for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
			users[u["login"].(string)] = int64(u["id"].(float64))
		}
		roles := map[string]int64{}
		for _, r := range admin.Do("GET", "/api/v1/roles", nil).Items() {
			roles[r["name"].(string)] = int64(r["id"].(float64))
		}
		shCustom := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "上海只读", "permissions": []string{"org.read"}, "scope": "custom", "scope_org_ids": []int64{ids["HXB-SH"]}}).Int("id")
		bj := a.Login("bj.admin", demo.Password)

		r := bj.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["bj.admin"]), map[string]any{"role_ids": []int64{roles["分行管理员"], shCustom}})
		if r.Status != 403 {
			t.Fatalf("bj.admin granted itself a custom Shanghai scope: %d %s", r.Status, r.Body)
		}
		if g := bj.Do("GET", fmt.Sprintf("/api/v1/users/%d", users["sh.admin"]), nil); g.Status != 404 {
			t.Fatalf("bj.admin sees sh.admin after the refused grant: %d", g.Status)
		}

		// An outlet user with user.assign_roles may not hand itself a subtree role.
		assigner := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "网点授权员", "permissions": []string{"org.read", "user.read", "user.assign_roles"}, "scope": "org"}).Int("id")
		admin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["bjhd01.head"]), map[string]any{"role_ids": []int64{roles["网点用户"], assigner}})
		head := a.Login("bjhd01.head", demo.Password)
		subtreeRole := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "子树只读", "permissions": []string{"org.read"}, "scope": "subtree"}).Int("id")
		// A subtree reaches orgs added below the outlet later: more than "this org only".
		if r := head.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["bjhd01.head"]), map[string]any{"role_ids": []int64{roles["网点用户"], assigner, subtreeRole}}); r.Status != 403 {
			t.Fatalf("an org-scoped user granted itself a subtree role: %d %s", r.Status, r.Body)
		}
		orgRole := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "本网点只读", "permissions": []string{"org.read"}, "scope": "org"}).Int("id")
		if r := head.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["bjhd01.teller"]), map[string]any{"role_ids": []int64{orgRole}}); r.Status != 200 {
			t.Fatalf("granting an org-only role within the outlet: %d %s", r.Status, r.Body)
		}

		// Takeover: the admin gives a Beijing outlet user an all-data role; bj.admin
		// may no longer reset, disable or change that user.
		admin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["bjhd02.head"]), map[string]any{"role_ids": []int64{roles["客服主管"]}})
		for _, call := range []struct {
			method, path string
			body         any
		}{
			{"POST", fmt.Sprintf("/api/v1/users/%d/reset-password", users["bjhd02.head"]), nil},
			{"PATCH", fmt.Sprintf("/api/v1/users/%d", users["bjhd02.head"]), map[string]any{"status": "disabled"}},
			{"PUT", fmt.Sprintf("/api/v1/users/%d/roles", users["bjhd02.head"]), map[string]any{"role_ids": []int64{}}},
		} {
			if r := bj.Do(call.method, call.path, call.body); r.Status != 403 {
				t.Errorf("%s %s on a more privileged user: %d %s", call.method, call.path, r.Status, r.Body)
			}
		}
		if r := bj.Do("PATCH", fmt.Sprintf("/api/v1/roles/%d", roles["网点用户"]), map[string]any{"description": "改"}); r.Status != 403 {
			t.Errorf("a scoped admin changed a shared role: %d", r.Status)
		}
	})
}

func TestLockoutUnderConcurrentAttempts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"login": "admin", "password": fmt.Sprintf("wrong-%d", i)})
			}()
		}
		wg.Wait()
		r := a.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"login": "admin", "password": testutil.AdminPassword})
		if r.Status != 403 || r.ErrorCode() != "account_locked" {
			t.Fatalf("12 concurrent failures did not lock the account: %d %s", r.Status, r.Body)
		}
	})
}

func TestLoginNeedsJSON(t *testing.T) {
	a := testutil.NewApp(t, "sqlite", testutil.Options{})
	req, _ := http.NewRequest("POST", a.URL+"/api/v1/auth/login", strings.NewReader(`{"login":"admin","password":"`+testutil.AdminPassword+`"}`))
	req.Header.Set("Content-Type", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("a text/plain login (cross-site form) answered %d with cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
}

func TestResetRevokesTokens(t *testing.T) {
	a := testutil.NewApp(t, "sqlite", testutil.Options{})
	admin := a.Admin()
	ops := rootOrgID(t, admin)
	u := admin.Do("POST", "/api/v1/users", map[string]any{"login": "victim", "name": "受害者", "org_id": ops, "password": "victim-pass-1"})
	c := a.Login("victim", "victim-pass-1")
	c.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": "victim-pass-1", "new_password": "victim-pass-2"})
	token := c.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "脚本"}).String("token")
	if r := a.WithToken(token).Do("GET", "/api/v1/auth/me", nil); r.Status != 200 {
		t.Fatalf("token before reset: %d", r.Status)
	}
	admin.Do("POST", fmt.Sprintf("/api/v1/users/%d/reset-password", u.Int("id")), nil)
	if r := a.WithToken(token).Do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
		t.Fatalf("token survived a password reset: %d", r.Status)
	}
}
