package org

import (
	"context"
	"lingting/internal/apperr"

	"lingting/internal/password"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// BootstrapResult says what the first start created.
type BootstrapResult struct {
	Created           bool
	Login             string
	GeneratedPassword string // set only when the password was generated (and must be changed)
}

// Bootstrap prepares an empty database: the operator root org (客服中心), the
// built-in administrator role, and an administrator. It does nothing when any
// user exists. A password chosen by the operator (adminPassword) is not forced
// to change; a generated one is.
func (s *Service) Bootstrap(ctx context.Context, adminLogin, adminPassword string) (BootstrapResult, error) {
	ctx = scope.With(ctx, scope.System())
	var res BootstrapResult
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var users int
		if err := s.db.Get(ctx, &users, "SELECT count(*) FROM users"); err != nil {
			return err
		}
		if users > 0 {
			return nil
		}
		if err := s.SyncAdminRole(ctx); err != nil {
			return err
		}
		var adminRole int64
		if err := s.db.Get(ctx, &adminRole, "SELECT id FROM roles WHERE name = ?", AdminRoleName); err != nil {
			return err
		}
		var rootID int64
		err := s.db.Get(ctx, &rootID, "SELECT id FROM orgs WHERE parent_id IS NULL AND kind = ? ORDER BY id LIMIT 1", KindOperator)
		if store.IsNoRows(err) {
			root, err := s.CreateOrg(ctx, OrgInput{Kind: KindOperator, Code: "OPS", Name: "客服中心", Region: "北京"})
			if err != nil {
				return err
			}
			rootID = root.ID
		} else if err != nil {
			return err
		}
		if adminLogin == "" {
			adminLogin = "admin"
		}
		generated := adminPassword == ""
		if generated {
			adminPassword = password.Generate()
		}
		if _, err := s.createUser(ctx, UserInput{Login: adminLogin, Name: "系统管理员", OrgID: rootID, Password: adminPassword,
			RoleIDs: []int64{adminRole}}, generated, false); err != nil {
			return err
		}
		res = BootstrapResult{Created: true, Login: adminLogin}
		if generated {
			res.GeneratedPassword = adminPassword
		}
		return nil
	})
	return res, err
}

// SyncAdminRole makes sure the built-in administrator role exists and holds every
// registered permission, so permissions added by a new version reach administrators.
func (s *Service) SyncAdminRole(ctx context.Context) error {
	defer s.AccessChanged()
	ctx = scope.With(ctx, scope.System())
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		var id int64
		err := s.db.Get(ctx, &id, "SELECT id FROM roles WHERE name = ? AND builtin = ?", AdminRoleName, true)
		if store.IsNoRows(err) {
			_, err = s.createRole(ctx, RoleInput{Name: AdminRoleName, Description: "全部功能、全部数据", Permissions: s.perms.Codes(), Scope: scope.ModeAll}, true, nil)
			return err
		}
		if err != nil {
			return err
		}
		return s.writeRoleGrants(ctx, id, RoleInput{Permissions: s.perms.Codes(), Scope: scope.ModeAll})
	})
}

// SeedUser creates a user whose password is the operator's choice (demo data,
// command-line provisioning): it is validated but not forced to change.
func (s *Service) SeedUser(ctx context.Context, in UserInput) (*User, error) {
	defer s.AccessChanged()
	if zh, en := password.Problem(in.Password); zh != "" {
		return nil, apperr.Field("password", zh, en)
	}
	return s.createUser(ctx, in, false, false)
}
