package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"lingting/internal/testutil"
)

func TestAuth(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		admin := a.Admin()
		anon := a.Anonymous()
		ops := rootOrgID(t, admin)
		created := admin.Do("POST", "/api/v1/users", map[string]any{"login": "clerk", "name": "柜员甲", "org_id": ops, "password": "initial123"})
		if created.Status != http.StatusCreated {
			t.Fatalf("create user: %d %s", created.Status, created.Body)
		}
		clerkID := created.Int("id")
		english := a.Anonymous()
		english.Lang = "en"
		noCSRF := a.Admin()
		noCSRF.NoCSRF = true
		testutil.Run(t, []testutil.Scenario{
			{Name: "health", As: anon, Method: "GET", Path: "/healthz", Status: 200, Contains: []string{`"ok"`}},
			{Name: "ready", As: anon, Method: "GET", Path: "/readyz", Status: 200, Contains: []string{`"ready"`}},
			{Name: "anonymous me", As: anon, Method: "GET", Path: "/api/v1/auth/me", Status: 401, Code: "unauthenticated"},
			{Name: "wrong password zh", As: anon, Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login": "admin", "password": "nope"}, Status: 401, Code: "unauthenticated", Contains: []string{"账号或密码错误"}},
			{Name: "wrong password en", As: english, Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login": "admin", "password": "nope"}, Status: 401, Contains: []string{"wrong login or password"}},
			{Name: "unknown login", As: anon, Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login": "ghost", "password": "x"}, Status: 401, Code: "unauthenticated"},
			{Name: "missing fields", As: anon, Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{}, Status: 422, Code: "invalid", Contains: []string{`"login"`, `"password"`}},
			{Name: "malformed json", As: anon, Method: "POST", Path: "/api/v1/auth/login", Body: "{", Status: 400, Code: "invalid"},
			{Name: "unknown field", As: anon, Method: "POST", Path: "/api/v1/auth/login", Body: `{"login":"a","password":"b","x":1}`, Status: 422, Code: "invalid", Contains: []string{`"x"`}},
			{Name: "me", As: admin, Method: "GET", Path: "/api/v1/auth/me", Status: 200, Contains: []string{`"org.create"`, `"mode":"all"`}},
			{Name: "write without csrf", As: noCSRF, Method: "POST", Path: "/api/v1/orgs", Body: map[string]any{"parent_id": ops, "kind": "department", "code": "NOCSRF", "name": "无令牌"}, Status: 403, Code: "forbidden", Contains: []string{"CSRF"}},
			{Name: "nothing created without csrf", As: admin, Method: "GET", Path: "/api/v1/orgs?q=NOCSRF", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 0 {
					t.Fatalf("org created despite CSRF failure: %s", r.Body)
				}
			}},
			{Name: "unknown endpoint", As: admin, Method: "GET", Path: "/api/v1/nope", Status: 404, Code: "not_found"},
		})

		t.Run("forced password change", func(t *testing.T) {
			clerk := a.Login("clerk", "initial123")
			me := clerk.Do("GET", "/api/v1/auth/me", nil)
			if !strings.Contains(string(me.Body), `"must_change_password":true`) {
				t.Fatalf("admin-set password not marked for change: %s", me.Body)
			}
			if r := clerk.Do("GET", "/api/v1/orgs", nil); r.Status != 403 || r.ErrorCode() != "password_change_required" {
				t.Fatalf("before change: %d %s", r.Status, r.Body)
			}
			if r := clerk.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": "initial123", "new_password": "short"}); r.Status != 422 {
				t.Fatalf("weak password accepted: %d %s", r.Status, r.Body)
			}
			if r := clerk.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": "wrong", "new_password": "better-pass-9"}); r.Status != 422 || !strings.Contains(string(r.Body), "current_password") {
				t.Fatalf("wrong current password accepted: %d %s", r.Status, r.Body)
			}
			if r := clerk.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": "initial123", "new_password": "better-pass-9"}); r.Status != 204 {
				t.Fatalf("change: %d %s", r.Status, r.Body)
			}
			if r := clerk.Do("GET", "/api/v1/auth/me", nil); strings.Contains(string(r.Body), `"must_change_password":true`) {
				t.Fatalf("flag not cleared: %s", r.Body)
			}
			a.Login("clerk", "better-pass-9")
		})

		t.Run("lockout after five failures", func(t *testing.T) {
			for i := 1; i <= 5; i++ {
				r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"login": "clerk", "password": fmt.Sprintf("bad-%d", i)})
				want := "unauthenticated"
				if i == 5 {
					want = "account_locked"
				}
				if r.ErrorCode() != want {
					t.Fatalf("attempt %d: %s, want %s", i, r.Body, want)
				}
			}
			r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"login": "clerk", "password": "better-pass-9"})
			if r.Status != 403 || r.ErrorCode() != "account_locked" {
				t.Fatalf("correct password during lockout: %d %s", r.Status, r.Body)
			}
			list := admin.Do("GET", "/api/v1/users?status=locked", nil)
			if list.Total() != 1 || list.Items()[0]["login"] != "clerk" {
				t.Fatalf("locked filter: %s", list.Body)
			}
			if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", clerkID), map[string]string{"status": "active"}); r.Status != 200 {
				t.Fatalf("unlock: %d %s", r.Status, r.Body)
			}
			a.Login("clerk", "better-pass-9")
		})

		t.Run("disabled user cannot log in and loses sessions", func(t *testing.T) {
			clerk := a.Login("clerk", "better-pass-9")
			if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", clerkID), map[string]string{"status": "disabled"}); r.Status != 200 {
				t.Fatalf("disable: %d %s", r.Status, r.Body)
			}
			if r := clerk.Do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
				t.Fatalf("session of disabled user still works: %d", r.Status)
			}
			if r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"login": "clerk", "password": "better-pass-9"}); r.Status != 403 {
				t.Fatalf("disabled login: %d %s", r.Status, r.Body)
			}
			admin.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", clerkID), map[string]string{"status": "active"})
		})

		t.Run("api token", func(t *testing.T) {
			r := admin.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "集成测试"})
			if r.Status != 201 || !strings.HasPrefix(r.String("token"), "lt_") {
				t.Fatalf("create token: %d %s", r.Status, r.Body)
			}
			secret, id := r.String("token"), r.Int("id")
			bearer := a.WithToken(secret)
			if r := bearer.Do("GET", "/api/v1/auth/me", nil); r.Status != 200 {
				t.Fatalf("token me: %d %s", r.Status, r.Body)
			}
			// Bearer writes need no CSRF header.
			if r := bearer.Do("POST", "/api/v1/orgs", map[string]any{"parent_id": ops, "kind": "department", "code": "TOKDEPT", "name": "令牌部门"}); r.Status != 201 {
				t.Fatalf("token write: %d %s", r.Status, r.Body)
			}
			listed := admin.Do("GET", "/api/v1/auth/tokens", nil)
			if strings.Contains(string(listed.Body), secret) || listed.Total() != 1 {
				t.Fatalf("token list leaks the secret or is wrong: %s", listed.Body)
			}
			if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/auth/tokens/%d", id), nil); r.Status != 204 {
				t.Fatalf("revoke: %d", r.Status)
			}
			if r := bearer.Do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
				t.Fatalf("revoked token still works: %d", r.Status)
			}
			if r := a.WithToken("lt_forged").Do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
				t.Fatalf("forged token: %d", r.Status)
			}
			past := admin.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "过期", "expires_at": "2000-01-01T00:00:00Z"})
			if past.Status != 422 {
				t.Fatalf("token expiring in the past: %d %s", past.Status, past.Body)
			}
		})

		t.Run("logout ends the session", func(t *testing.T) {
			c := a.Admin()
			if r := c.Do("POST", "/api/v1/auth/logout", nil); r.Status != 204 {
				t.Fatalf("logout: %d", r.Status)
			}
			if r := c.Do("GET", "/api/v1/auth/me", nil); r.Status != 401 {
				t.Fatalf("after logout: %d", r.Status)
			}
		})

		t.Run("session cookie flags", func(t *testing.T) {
			r := anon.Do("POST", "/api/v1/auth/login", map[string]string{"login": "admin", "password": testutil.AdminPassword})
			ck := r.Header.Get("Set-Cookie")
			if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") {
				t.Fatalf("cookie flags: %s", ck)
			}
			if r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("security headers missing: %v", r.Header)
			}
		})
	})
}

func TestLoginRateLimit(t *testing.T) {
	a := testutil.NewApp(t, "sqlite", testutil.Options{LoginRate: 20})
	anon := a.Anonymous()
	var last *testutil.Response
	for i := range 21 {
		last = anon.Do("POST", "/api/v1/auth/login", map[string]string{"login": fmt.Sprintf("ghost%d", i), "password": "x"})
	}
	if last.Status != 429 || last.ErrorCode() != "rate_limited" {
		t.Fatalf("21st attempt in a minute: %d %s", last.Status, last.Body)
	}
}

// rootOrgID returns the id of the operator root (客服中心).
func rootOrgID(t *testing.T, c *testutil.Client) int64 {
	t.Helper()
	r := c.Do("GET", "/api/v1/orgs?kind=operator", nil)
	items := r.Items()
	if len(items) == 0 {
		t.Fatalf("no operator org: %s", r.Body)
	}
	return int64(items[0]["id"].(float64))
}
