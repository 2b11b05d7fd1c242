package org

import (
	"context"
	"fmt"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/initials"
	"lingting/internal/scope"
	"lingting/internal/store"
)

var orgScopeCols = scope.Columns{Org: "o.id"}

// OrgInput creates an org or, with pointer semantics in OrgUpdate, changes one.
type OrgInput struct {
	ParentID *int64 `json:"parent_id"`
	Kind     Kind   `json:"kind"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	Address  string `json:"address"`
}

// OrgUpdate changes some fields of an org; nil fields stay.
type OrgUpdate struct {
	Kind     *Kind   `json:"kind"`
	Code     *string `json:"code"`
	Name     *string `json:"name"`
	Region   *string `json:"region"`
	Address  *string `json:"address"`
	ParentID *int64  `json:"parent_id"` // a change moves the subtree
}

// OrgFilter narrows the org list.
type OrgFilter struct {
	Q      string
	Kind   Kind
	Limit  int
	Offset int
}

func (s *Service) validateOrg(in OrgInput, v *apperr.Validation) {
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 64 {
		v.Add("name", "名称不能超过 64 个字", "name must be at most 64 characters")
	}
	if !codePattern.MatchString(in.Code) {
		v.Add("code", "编码由字母、数字、_ . - 组成，最长 32 位", "code: letters, digits, _ . -, at most 32")
	}
	if !in.Kind.Valid() {
		v.Add("kind", "机构类型无效", "unknown org kind")
	}
}

// GetOrg returns an org visible to the caller; not_found otherwise.
func (s *Service) GetOrg(ctx context.Context, id int64) (*Org, error) {
	pred, args := scope.From(ctx).Where(orgScopeCols)
	var o Org
	err := s.db.Get(ctx, &o, s.q.Get("org-select")+" WHERE o.id = ? AND "+pred, append([]any{id}, args...)...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("机构", "org")
	}
	return &o, err
}

// getOrgUnscoped reads an org regardless of scope (for internal rules).
func (s *Service) getOrgUnscoped(ctx context.Context, id int64) (*Org, error) {
	var o Org
	err := s.db.Get(ctx, &o, s.q.Get("org-select")+" WHERE o.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("机构", "org")
	}
	return &o, err
}

// ListOrgs returns visible orgs ordered by path, and their count.
func (s *Service) ListOrgs(ctx context.Context, f OrgFilter) ([]Org, int, error) {
	pred, args := scope.From(ctx).Where(orgScopeCols)
	where := " WHERE " + pred
	if q := strings.TrimSpace(f.Q); q != "" {
		p := likePattern(q)
		where += ` AND (lower(o.name) LIKE ? ESCAPE '\' OR lower(o.code) LIKE ? ESCAPE '\' OR o.initials LIKE ? ESCAPE '\')`
		args = append(args, p, p, p)
	}
	if f.Kind != "" {
		where += " AND o.kind = ?"
		args = append(args, f.Kind)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM orgs o"+where, args...); err != nil {
		return nil, 0, err
	}
	var out []Org
	err := s.db.Select(ctx, &out, s.q.Get("org-select")+where+" ORDER BY o.path LIMIT ? OFFSET ?",
		append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// Tree returns the visible part of the org tree: roots are visible orgs whose
// parent is not visible.
func (s *Service) Tree(ctx context.Context) ([]*Org, error) {
	pred, args := scope.From(ctx).Where(orgScopeCols)
	var all []*Org
	if err := s.db.Select(ctx, &all, s.q.Get("org-select")+" WHERE "+pred+" ORDER BY o.depth, o.sort_order, o.code", args...); err != nil {
		return nil, err
	}
	byID := make(map[int64]*Org, len(all))
	for _, o := range all {
		byID[o.ID] = o
	}
	var roots []*Org
	for _, o := range all {
		if o.ParentID != nil {
			if p, ok := byID[*o.ParentID]; ok {
				p.Children = append(p.Children, o)
				continue
			}
		}
		roots = append(roots, o)
	}
	return roots, nil
}

// CreateOrg adds a node. A root needs the all-data scope; a child needs its
// parent in the caller's scope.
func (s *Service) CreateOrg(ctx context.Context, in OrgInput) (*Org, error) {
	defer s.AccessChanged()
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	var v apperr.Validation
	s.validateOrg(in, &v)
	if in.Kind == KindOperator && in.ParentID != nil {
		v.Add("kind", "客服中心（运营方）只能是顶级机构", "an operator org must be a root")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var created *Org
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		parentPath, depth, rootID := "/", 0, int64(0)
		if in.ParentID != nil {
			parent, err := s.lockedOrg(ctx, *in.ParentID)
			if err != nil {
				return apperr.Field("parent_id", "上级机构不存在", "parent org not found")
			}
			parentPath, depth, rootID = parent.Path, parent.Depth+1, parent.RootID
		} else if !scope.From(ctx).All {
			return apperr.New(apperr.Forbidden, "只有全部数据权限的用户可以创建顶级机构", "only users with the all-data scope may create a root org")
		}
		now := store.Now()
		id, err := s.db.InsertID(ctx, s.q.Get("org-insert"), in.ParentID, rootID, parentPath, depth, in.Kind,
			in.Code, in.Name, initials.Of(in.Name), in.Region, in.Address, now, now)
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "机构编码已存在", "org code already exists")
		}
		if err != nil {
			return err
		}
		if rootID == 0 {
			rootID = id
		}
		if _, err := s.db.Exec(ctx, "UPDATE orgs SET path = ?, root_id = ? WHERE id = ?", fmt.Sprintf("%s%d/", parentPath, id), rootID, id); err != nil {
			return err
		}
		created, err = s.getOrgUnscoped(ctx, id)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "org", EntityID: id, OrgID: id,
			Summary: "新增机构 " + created.Name, After: created})
	})
	return created, err
}

// UpdateOrg changes fields of a visible org; a new parent moves the subtree.
func (s *Service) UpdateOrg(ctx context.Context, id int64, u OrgUpdate) (*Org, error) {
	defer s.AccessChanged()
	var updated *Org
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.GetOrg(ctx, id)
		if err != nil {
			return err
		}
		in := OrgInput{Kind: before.Kind, Code: before.Code, Name: before.Name, Region: before.Region, Address: before.Address}
		setIf(&in.Kind, u.Kind)
		setIf(&in.Code, u.Code)
		setIf(&in.Name, u.Name)
		setIf(&in.Region, u.Region)
		setIf(&in.Address, u.Address)
		in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
		var v apperr.Validation
		s.validateOrg(in, &v)
		if (in.Kind == KindOperator) != (before.Kind == KindOperator) {
			v.Add("kind", "客服中心（运营方）类型不能修改", "the operator kind cannot be set or removed")
		}
		if err := v.Err(); err != nil {
			return err
		}
		_, err = s.db.Exec(ctx, s.q.Get("org-update"), in.Kind, in.Code, in.Name, initials.Of(in.Name), in.Region, in.Address, store.Now(), id)
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "机构编码已存在", "org code already exists")
		}
		if err != nil {
			return err
		}
		if u.ParentID != nil && (before.ParentID == nil || *before.ParentID != *u.ParentID) {
			locked, err := s.lockedOrg(ctx, id)
			if err != nil {
				return err
			}
			if _, err := s.moveOrg(ctx, locked, *u.ParentID); err != nil {
				return err
			}
		}
		if updated, err = s.getOrgUnscoped(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "org", EntityID: id, OrgID: id,
			Summary: "修改机构 " + updated.Name, Before: before, After: updated})
	})
	return updated, err
}

// MoveOrg re-parents a visible org and its subtree in one transaction.
// Moving under its own subtree is a conflict.
func (s *Service) MoveOrg(ctx context.Context, id, newParentID int64) (*Org, error) {
	defer s.AccessChanged()
	var moved *Org
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		o, err := s.lockedOrg(ctx, id)
		if err != nil {
			return err
		}
		if moved, err = s.moveOrg(ctx, o, newParentID); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "move", Entity: "org", EntityID: id, OrgID: id,
			Summary: "移动机构 " + o.Name, Before: map[string]any{"parent_id": o.ParentID, "path": o.Path},
			After: map[string]any{"parent_id": moved.ParentID, "path": moved.Path}})
	})
	return moved, err
}

func (s *Service) moveOrg(ctx context.Context, o *Org, newParentID int64) (*Org, error) {
	if o.ParentID == nil {
		return nil, apperr.New(apperr.Conflict, "顶级机构不能移动", "a root org cannot be moved")
	}
	parent, err := s.GetOrg(ctx, newParentID)
	if err != nil {
		return nil, apperr.Field("parent_id", "目标上级机构不存在", "target parent org not found")
	}
	if strings.HasPrefix(parent.Path, o.Path) {
		return nil, apperr.New(apperr.Conflict, "不能移动到自身或其下级机构之下", "cannot move an org under itself or its own descendant")
	}
	if parent.RootID != o.RootID {
		return nil, apperr.New(apperr.Conflict, "不能跨顶级机构移动", "cannot move an org to another top-level organisation")
	}
	newPath := fmt.Sprintf("%s%d/", parent.Path, o.ID)
	depthDelta := parent.Depth + 1 - o.Depth
	if _, err := s.db.Exec(ctx, s.q.Get("org-move-subtree"), newPath, len(o.Path)+1, depthDelta, o.Path+"%"); err != nil {
		return nil, err
	}
	if _, err := s.db.Exec(ctx, "UPDATE orgs SET parent_id = ?, updated_at = ? WHERE id = ?", parent.ID, store.Now(), o.ID); err != nil {
		return nil, err
	}
	return s.getOrgUnscoped(ctx, o.ID)
}

// DeleteOrg removes a visible leaf org that holds no users (or other data).
func (s *Service) DeleteOrg(ctx context.Context, id int64) error {
	defer s.AccessChanged()
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		o, err := s.GetOrg(ctx, id)
		if err != nil {
			return err
		}
		var children, users, roleRefs int
		if err := s.db.Get(ctx, &children, "SELECT count(*) FROM orgs WHERE parent_id = ?", id); err != nil {
			return err
		}
		if err := s.db.Get(ctx, &users, "SELECT count(*) FROM users WHERE org_id = ?", id); err != nil {
			return err
		}
		if err := s.db.Get(ctx, &roleRefs, "SELECT count(*) FROM role_scope_orgs WHERE org_id = ?", id); err != nil {
			return err
		}
		switch {
		case children > 0:
			return apperr.New(apperr.Conflict, fmt.Sprintf("该机构下还有 %d 个下级机构，不能删除", children), fmt.Sprintf("the org still has %d child orgs", children))
		case users > 0:
			return apperr.New(apperr.Conflict, fmt.Sprintf("该机构下还有 %d 个用户，不能删除", users), fmt.Sprintf("the org still has %d users", users))
		case roleRefs > 0:
			return apperr.New(apperr.Conflict, "有角色的自定义数据权限引用该机构，不能删除", "a role's custom data scope refers to this org")
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM orgs WHERE id = ?", id); err != nil {
			if store.IsForeignKeyViolation(err) {
				// Rows of other domains (customers, devices, tickets…) still belong to the org.
				return apperr.New(apperr.Conflict, "该机构下还有业务数据（客户等），不能删除", "the org still holds data (customers, …)")
			}
			return err
		}
		// The entry is filed under the parent so scoped readers can still find it.
		var parentID int64
		if o.ParentID != nil {
			parentID = *o.ParentID
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "org", EntityID: id, OrgID: parentID,
			Summary: "删除机构 " + o.Name, Before: o})
	})
}

// orgTreeLock namespaces the advisory locks that serialise changes of one org tree.
const orgTreeLock = 1

// lockedOrg reads a visible org, locks its whole tree (paths of a subtree are
// read and rewritten together), and reads it again under the lock so a path
// changed by a concurrent move is never used.
func (s *Service) lockedOrg(ctx context.Context, id int64) (*Org, error) {
	o, err := s.GetOrg(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.db.Lock(ctx, orgTreeLock, o.RootID); err != nil {
		return nil, err
	}
	return s.GetOrg(ctx, id)
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
