package auth_test

import (
	"context"
	"testing"
	"time"

	"lingting/internal/auth"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// TestPrincipalCache: a session's permissions come from the cache within
// PrincipalTTL, changes made through this process show at once, and changes
// made behind its back (another process) show once the TTL has passed.
func TestPrincipalCache(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		ctx := scope.With(context.Background(), scope.System())
		var rootID, roleID int64
		if err := a.DB.Get(ctx, &rootID, "SELECT id FROM orgs WHERE parent_id IS NULL ORDER BY id LIMIT 1"); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Get(ctx, &roleID, "SELECT r.id FROM roles r JOIN role_permissions rp ON rp.role_id = r.id WHERE rp.code = 'org.read' ORDER BY r.id LIMIT 1"); err != nil {
			t.Fatal(err)
		}
		u, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: "cache.user", Name: "缓存测试", OrgID: rootID, Password: "Cache@2026-x"})
		if err != nil {
			t.Fatal(err)
		}
		login, err := a.Auth.Login(ctx, "cache.user", "Cache@2026-x", "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		can := func(code string) bool {
			t.Helper()
			p, err := a.Auth.Session(ctx, login.SessionToken)
			if err != nil {
				t.Fatalf("session: %v", err)
			}
			return p.Can(code)
		}
		if can("org.read") {
			t.Fatal("a user without roles reads orgs")
		}
		all := perm.Set{}
		for _, d := range a.Perms.All() {
			all[d.Code] = true
		}
		if _, err := a.Orgs.SetUserRoles(ctx, u.ID, []int64{roleID}, all); err != nil {
			t.Fatal(err)
		}
		if !can("org.read") {
			t.Fatal("a role granted through this process is not seen at once")
		}
		// Another process takes the role away: seen within the TTL at most.
		if _, err := a.DB.Exec(ctx, "DELETE FROM user_roles WHERE user_id = ?", u.ID); err != nil {
			t.Fatal(err)
		}
		if !can("org.read") {
			t.Fatal("the cached principal was not used") // the point of the cache: no reads within the TTL
		}
		time.Sleep(auth.PrincipalTTL + 100*time.Millisecond)
		if can("org.read") {
			t.Fatal("a role removed elsewhere is still granted after the TTL")
		}
		disabled := org.StatusDisabled
		if _, err := a.Orgs.UpdateUser(ctx, u.ID, org.UserUpdate{Status: &disabled}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Auth.Session(ctx, login.SessionToken); err == nil {
			t.Fatal("a disabled user's session still works")
		}
	})
}
