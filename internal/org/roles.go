package org

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Role carries permissions and a data scope.
type Role struct {
	ID          int64      `db:"id" json:"id"`
	Name        string     `db:"name" json:"name"`
	Description string     `db:"description" json:"description"`
	Scope       scope.Mode `db:"scope" json:"scope"`
	Builtin     bool       `db:"builtin" json:"builtin"`
	UserCount   int        `db:"user_count" json:"user_count"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updated_at"`
	Permissions []string   `db:"-" json:"permissions"`
	ScopeOrgIDs []int64    `db:"-" json:"scope_org_ids"`
}

// RoleInput creates or replaces a role's definition.
type RoleInput struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Permissions []string   `json:"permissions"`
	Scope       scope.Mode `json:"scope"`
	ScopeOrgIDs []int64    `json:"scope_org_ids"`
}

// RoleUpdate changes some fields of a role; nil fields stay.
type RoleUpdate struct {
	Name        *string     `json:"name"`
	Description *string     `json:"description"`
	Permissions *[]string   `json:"permissions"`
	Scope       *scope.Mode `json:"scope"`
	ScopeOrgIDs *[]int64    `json:"scope_org_ids"`
}

// AdminRoleName is the built-in role that holds every permission over all data.
const AdminRoleName = "系统管理员"

func (s *Service) validateRole(ctx context.Context, in *RoleInput) error {
	in.Name = strings.TrimSpace(in.Name)
	var v apperr.Validation
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 32 {
		v.Add("name", "角色名不能超过 32 个字", "role name must be at most 32 characters")
	}
	for _, c := range in.Permissions {
		if !s.perms.Known(c) {
			v.Add("permissions", "未知的权限："+c, "unknown permission: "+c)
		}
	}
	if !in.Scope.Valid() {
		v.Add("scope", "数据权限只能是 all/subtree/org/self/custom", "scope must be all, subtree, org, self or custom")
	}
	if in.Scope == scope.ModeCustom && len(in.ScopeOrgIDs) == 0 {
		v.Add("scope_org_ids", "自定义数据权限至少选择一个机构", "a custom scope needs at least one org")
	}
	if in.Scope != scope.ModeCustom {
		in.ScopeOrgIDs = nil
	}
	for _, id := range in.ScopeOrgIDs {
		if _, err := s.GetOrg(ctx, id); err != nil {
			v.Add("scope_org_ids", fmt.Sprintf("机构 %d 不存在或不在您的数据范围内", id), fmt.Sprintf("org %d not found or outside your scope", id))
		}
	}
	return v.Err()
}

// ListRoles returns every role with its permissions.
func (s *Service) ListRoles(ctx context.Context) ([]*Role, error) {
	var roles []*Role
	if err := s.db.Select(ctx, &roles, s.q.Get("role-select")+" ORDER BY r.id"); err != nil {
		return nil, err
	}
	return roles, s.fillRoleDetails(ctx, roles)
}

// GetRole returns one role.
func (s *Service) GetRole(ctx context.Context, id int64) (*Role, error) {
	var r Role
	err := s.db.Get(ctx, &r, s.q.Get("role-select")+" WHERE r.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("角色", "role")
	}
	if err != nil {
		return nil, err
	}
	return &r, s.fillRoleDetails(ctx, []*Role{&r})
}

func (s *Service) fillRoleDetails(ctx context.Context, roles []*Role) error {
	byID := map[int64]*Role{}
	for _, r := range roles {
		r.Permissions, r.ScopeOrgIDs = []string{}, []int64{}
		byID[r.ID] = r
	}
	var perms []struct {
		RoleID int64  `db:"role_id"`
		Code   string `db:"code"`
	}
	if err := s.db.Select(ctx, &perms, "SELECT role_id, code FROM role_permissions ORDER BY code"); err != nil {
		return err
	}
	for _, p := range perms {
		if r, ok := byID[p.RoleID]; ok {
			r.Permissions = append(r.Permissions, p.Code)
		}
	}
	var orgs []struct {
		RoleID int64 `db:"role_id"`
		OrgID  int64 `db:"org_id"`
	}
	if err := s.db.Select(ctx, &orgs, "SELECT role_id, org_id FROM role_scope_orgs ORDER BY org_id"); err != nil {
		return err
	}
	for _, o := range orgs {
		if r, ok := byID[o.RoleID]; ok {
			r.ScopeOrgIDs = append(r.ScopeOrgIDs, o.OrgID)
		}
	}
	return nil
}

// CreateRole adds a role holding no more than the caller holds itself (a nil
// caller is the system: bootstrap, demo data, the command line). Built-in roles
// are made only by bootstrapping.
func (s *Service) CreateRole(ctx context.Context, in RoleInput, caller perm.Set) (*Role, error) {
	defer s.AccessChanged()
	return s.createRole(ctx, in, false, caller)
}

func (s *Service) createRole(ctx context.Context, in RoleInput, builtin bool, caller perm.Set) (*Role, error) {
	var created *Role
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.validateRole(ctx, &in); err != nil {
			return err
		}
		if err := withinCaller(ctx, in, caller); err != nil {
			return err
		}
		now := store.Now()
		id, err := s.db.InsertID(ctx, s.q.Get("role-insert"), in.Name, in.Description, in.Scope, builtin, now, now)
		if store.IsUniqueViolation(err) {
			return apperr.Field("name", "角色名已存在", "role name already exists")
		}
		if err != nil {
			return err
		}
		if err := s.writeRoleGrants(ctx, id, in); err != nil {
			return err
		}
		if created, err = s.GetRole(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "role", EntityID: id, Summary: "新增角色 " + in.Name, After: created})
	})
	return created, err
}

func (s *Service) writeRoleGrants(ctx context.Context, id int64, in RoleInput) error {
	if _, err := s.db.Exec(ctx, "DELETE FROM role_permissions WHERE role_id = ?", id); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM role_scope_orgs WHERE role_id = ?", id); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range in.Permissions {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, err := s.db.Exec(ctx, "INSERT INTO role_permissions (role_id, code) VALUES (?, ?)", id, c); err != nil {
			return err
		}
	}
	seenOrg := map[int64]bool{}
	for _, o := range in.ScopeOrgIDs {
		if seenOrg[o] {
			continue
		}
		seenOrg[o] = true
		if _, err := s.db.Exec(ctx, "INSERT INTO role_scope_orgs (role_id, org_id) VALUES (?, ?)", id, o); err != nil {
			return err
		}
	}
	return nil
}

// withinCaller refuses a role definition that would give more than the caller
// holds: a permission it lacks, or the all-data scope when its scope is narrower.
func withinCaller(ctx context.Context, in RoleInput, caller perm.Set) error {
	if caller == nil {
		return nil
	}
	for _, c := range in.Permissions {
		if !caller.Has(c) {
			return apperr.New(apperr.Forbidden, "不能授予自己没有的权限："+c, "cannot grant a permission you do not hold: "+c)
		}
	}
	sc := scope.From(ctx)
	if in.Scope == scope.ModeAll && !sc.All {
		return apperr.New(apperr.Forbidden, "不能设置超出自己范围的全部数据权限", "cannot grant the all-data scope you do not have")
	}
	return nil
}

// UpdateRole changes a role within the caller's own permissions (nil caller: the
// system). The built-in administrator role keeps every permission.
func (s *Service) UpdateRole(ctx context.Context, id int64, u RoleUpdate, caller perm.Set) (*Role, error) {
	defer s.AccessChanged()
	var updated *Role
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.GetRole(ctx, id)
		if err != nil {
			return err
		}
		if caller != nil && !scope.From(ctx).All {
			return apperr.New(apperr.Forbidden, "角色为全系统共用，只有全部数据权限的用户可以修改", "roles are shared system-wide; only users with the all-data scope may change them")
		}
		in := RoleInput{Name: before.Name, Description: before.Description, Permissions: before.Permissions, Scope: before.Scope, ScopeOrgIDs: before.ScopeOrgIDs}
		setIf(&in.Name, u.Name)
		setIf(&in.Description, u.Description)
		setIf(&in.Permissions, u.Permissions)
		setIf(&in.Scope, u.Scope)
		setIf(&in.ScopeOrgIDs, u.ScopeOrgIDs)
		if before.Builtin && before.Name == AdminRoleName && (u.Permissions != nil || u.Scope != nil || (u.Name != nil && *u.Name != before.Name)) {
			return apperr.New(apperr.Conflict, "内置管理员角色的名称、权限和数据范围不能修改", "the built-in administrator role's name, permissions and scope cannot change")
		}
		if err := s.validateRole(ctx, &in); err != nil {
			return err
		}
		if err := withinCaller(ctx, in, caller); err != nil {
			return err
		}
		_, err = s.db.Exec(ctx, "UPDATE roles SET name = ?, description = ?, scope = ?, updated_at = ? WHERE id = ?", in.Name, in.Description, in.Scope, store.Now(), id)
		if store.IsUniqueViolation(err) {
			return apperr.Field("name", "角色名已存在", "role name already exists")
		}
		if err != nil {
			return err
		}
		if err := s.writeRoleGrants(ctx, id, in); err != nil {
			return err
		}
		if updated, err = s.GetRole(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "role", EntityID: id, Summary: "修改角色 " + in.Name, Before: before, After: updated})
	})
	return updated, err
}

// DeleteRole removes a role that is neither built in nor held by any user.
// Roles are shared system-wide, so only all-scope callers delete them.
func (s *Service) DeleteRole(ctx context.Context, id int64) error {
	defer s.AccessChanged()
	if !scope.From(ctx).All {
		return apperr.New(apperr.Forbidden, "角色为全系统共用，只有全部数据权限的用户可以删除", "roles are shared system-wide; only users with the all-data scope may delete them")
	}
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.GetRole(ctx, id)
		if err != nil {
			return err
		}
		if r.Builtin {
			return apperr.New(apperr.Conflict, "内置角色不能删除", "built-in roles cannot be deleted")
		}
		if r.UserCount > 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("还有 %d 个用户拥有该角色，不能删除", r.UserCount), fmt.Sprintf("%d users still hold this role", r.UserCount))
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM roles WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "role", EntityID: id, Summary: "删除角色 " + r.Name, Before: r})
	})
}

// SetUserRoles replaces a visible user's roles. A caller may grant only roles whose
// permissions it holds itself, and the all-data scope only when it has it.
func (s *Service) SetUserRoles(ctx context.Context, userID int64, roleIDs []int64, caller perm.Set) (*User, error) {
	defer s.AccessChanged()
	var updated *User
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		if err := s.accessWithin(ctx, before, caller); err != nil {
			return err
		}
		target, err := s.getOrgUnscoped(ctx, before.OrgID)
		if err != nil {
			return err
		}
		if err := s.checkGrantable(ctx, roleIDs, target, caller); err != nil {
			return err
		}
		if err := s.setRoles(ctx, userID, roleIDs); err != nil {
			return err
		}
		if updated, err = s.UserByID(ctx, userID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "assign_roles", Entity: "user", EntityID: userID, OrgID: before.OrgID,
			Summary: "分配角色 " + before.Login, Before: map[string]any{"roles": before.Roles}, After: map[string]any{"roles": updated.Roles}})
	})
	return updated, err
}

func (s *Service) setRoles(ctx context.Context, userID int64, roleIDs []int64) error {
	if _, err := s.db.Exec(ctx, "DELETE FROM user_roles WHERE user_id = ?", userID); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, rid := range roleIDs {
		if seen[rid] {
			continue
		}
		seen[rid] = true
		if _, err := s.db.Exec(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", userID, rid); err != nil {
			if strings.Contains(strings.ToLower(err.Error()), "foreign key") {
				return apperr.Field("role_ids", fmt.Sprintf("角色 %d 不存在", rid), fmt.Sprintf("role %d not found", rid))
			}
			return err
		}
	}
	return nil
}

// Access resolves a user's roles into a permission set and a data scope.
// The axis follows the kind of the user's top-level org.
func (s *Service) Access(ctx context.Context, u *User) (perm.Set, scope.Scope, error) {
	var grants []struct {
		RoleID int64      `db:"role_id"`
		Scope  scope.Mode `db:"scope"`
		Code   string     `db:"code"`
	}
	if err := s.db.Select(ctx, &grants, s.q.Get("caller-grants"), u.ID); err != nil {
		return nil, scope.Scope{}, err
	}
	own, err := s.getOrgUnscoped(ctx, u.OrgID)
	if err != nil {
		return nil, scope.Scope{}, err
	}
	root := own
	if own.RootID != own.ID {
		if root, err = s.getOrgUnscoped(ctx, own.RootID); err != nil {
			return nil, scope.Scope{}, err
		}
	}
	sc := scope.Scope{UserID: u.ID, OwnOrgID: u.OrgID, Axis: scope.AxisClient}
	switch root.Kind {
	case KindOperator:
		sc.Axis = scope.AxisBoth
	case KindVendor:
		sc.Axis = scope.AxisVendor
	}
	perms := perm.Set{}
	customRoles := map[int64]bool{}
	seenRole := map[int64]bool{}
	for _, g := range grants {
		if g.Code != "" {
			perms[g.Code] = true
		}
		if seenRole[g.RoleID] {
			continue
		}
		seenRole[g.RoleID] = true
		switch g.Scope {
		case scope.ModeAll:
			sc.All = true
		case scope.ModeSubtree:
			sc.Roots = append(sc.Roots, own.Path)
		case scope.ModeOrg:
			sc.OrgIDs = append(sc.OrgIDs, own.ID)
		case scope.ModeSelf:
			sc.Self = true
		case scope.ModeCustom:
			customRoles[g.RoleID] = true
		}
	}
	if len(customRoles) > 0 {
		ids := make([]int64, 0, len(customRoles))
		for id := range customRoles {
			ids = append(ids, id)
		}
		q, args, err := store.In("SELECT DISTINCT o.path FROM role_scope_orgs rs JOIN orgs o ON o.id = rs.org_id WHERE rs.role_id IN (?)", ids)
		if err != nil {
			return nil, scope.Scope{}, err
		}
		var paths []string
		if err := s.db.Select(ctx, &paths, q, args...); err != nil {
			return nil, scope.Scope{}, err
		}
		sc.Roots = append(sc.Roots, paths...)
	}
	sort.Strings(sc.Roots)
	return perms, sc, nil
}
