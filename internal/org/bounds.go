package org

import (
	"context"
	"fmt"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/perm"
	"lingting/internal/scope"
)

// A caller may hand out, or act on, only access it holds itself. These checks
// keep a scoped administrator from widening anyone's reach, its own included.

var errBeyondCaller = func(zh, en string) error { return apperr.New(apperr.Forbidden, zh, en) }

// grantedScope is the scope a role gives a holder whose org is target.
func (s *Service) grantedScope(ctx context.Context, r *Role, target *Org) (scope.Scope, error) {
	sc := scope.Scope{}
	switch r.Scope {
	case scope.ModeAll:
		sc.All = true
	case scope.ModeSubtree:
		sc.Roots = []string{target.Path}
	case scope.ModeOrg:
		sc.OrgIDs = []int64{target.ID}
	case scope.ModeCustom:
		for _, id := range r.ScopeOrgIDs {
			o, err := s.getOrgUnscoped(ctx, id)
			if err != nil {
				return sc, err
			}
			sc.Roots = append(sc.Roots, o.Path)
		}
	}
	return sc, nil
}

// within compares two scopes, resolving single orgs to their paths.
func (s *Service) within(ctx context.Context, inner, outer scope.Scope) (bool, error) {
	if outer.All {
		return true, nil
	}
	if inner.All {
		return false, nil
	}
	for _, id := range inner.OrgIDs {
		o, err := s.getOrgUnscoped(ctx, id)
		if err != nil {
			return false, err
		}
		if !outer.CoversPath(o.ID, o.Path) {
			return false, nil
		}
	}
	for _, r := range inner.Roots {
		covered := false
		for _, o := range outer.Roots {
			covered = covered || strings.HasPrefix(r, o)
		}
		if !covered {
			return false, nil
		}
	}
	return true, nil
}

// checkGrantable refuses roles whose permissions the caller lacks, or whose data
// scope, for a holder in target, would reach beyond the caller's own scope.
func (s *Service) checkGrantable(ctx context.Context, roleIDs []int64, target *Org, caller perm.Set) error {
	for _, rid := range roleIDs {
		r, err := s.GetRole(ctx, rid)
		if err != nil {
			return apperr.Field("role_ids", fmt.Sprintf("角色 %d 不存在", rid), fmt.Sprintf("role %d not found", rid))
		}
		if caller == nil {
			continue // the system itself
		}
		for _, c := range r.Permissions {
			if !caller.Has(c) {
				return errBeyondCaller("不能分配超出自己权限的角色："+r.Name, "cannot grant a role with permissions you do not hold: "+r.Name)
			}
		}
		granted, err := s.grantedScope(ctx, r, target)
		if err != nil {
			return err
		}
		ok, err := s.within(ctx, granted, scope.From(ctx))
		if err != nil {
			return err
		}
		if !ok {
			return errBeyondCaller("不能分配数据范围超出自己的角色："+r.Name, "cannot grant a role whose data scope exceeds yours: "+r.Name)
		}
	}
	return nil
}

// accessWithin refuses to act on a user (reset, disable, move, change roles)
// whose current access exceeds the caller's: that would be a takeover.
func (s *Service) accessWithin(ctx context.Context, target *User, caller perm.Set) error {
	if caller == nil {
		return nil
	}
	perms, sc, err := s.Access(ctx, target)
	if err != nil {
		return err
	}
	for c := range perms {
		if !caller.Has(c) {
			return errBeyondCaller("该用户的权限超出您的权限，不能操作", "this user holds permissions you do not; you cannot act on it")
		}
	}
	sc.Self = false
	ok, err := s.within(ctx, sc, scope.From(ctx))
	if err != nil {
		return err
	}
	if !ok {
		return errBeyondCaller("该用户的数据范围超出您的范围，不能操作", "this user's data scope exceeds yours; you cannot act on it")
	}
	return nil
}
