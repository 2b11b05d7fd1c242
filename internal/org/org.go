// Package org keeps the org tree (机构树), users and roles, and resolves a
// caller's roles into permissions and a data scope.
package org

import (
	_ "embed"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "org.read", Group: "org", LabelZH: "查看机构", LabelEN: "View orgs"},
	{Code: "org.create", Group: "org", LabelZH: "新增机构", LabelEN: "Create orgs"},
	{Code: "org.update", Group: "org", LabelZH: "修改/移动机构", LabelEN: "Edit and move orgs"},
	{Code: "org.delete", Group: "org", LabelZH: "删除机构", LabelEN: "Delete orgs"},
	{Code: "user.read", Group: "user", LabelZH: "查看用户", LabelEN: "View users"},
	{Code: "user.create", Group: "user", LabelZH: "新增用户", LabelEN: "Create users"},
	{Code: "user.update", Group: "user", LabelZH: "修改/禁用用户、重置密码", LabelEN: "Edit, disable users, reset passwords"},
	{Code: "user.assign_roles", Group: "user", LabelZH: "分配角色", LabelEN: "Assign roles"},
	{Code: "role.read", Group: "role", LabelZH: "查看角色", LabelEN: "View roles"},
	{Code: "role.create", Group: "role", LabelZH: "新增角色", LabelEN: "Create roles"},
	{Code: "role.update", Group: "role", LabelZH: "修改角色", LabelEN: "Edit roles"},
	{Code: "role.delete", Group: "role", LabelZH: "删除角色", LabelEN: "Delete roles"},
}

// Kind is the kind of an org node.
type Kind string

// The org kinds (R-FND-03).
const (
	KindOperator   Kind = "operator"   // the service centre running Lingting
	KindClient     Kind = "client"     // a client organisation and its branches
	KindVendor     Kind = "vendor"     // a service company
	KindDepartment Kind = "department" // an internal department
	KindStation    Kind = "station"    // a vendor's service station
	KindOutlet     Kind = "outlet"     // a client's outlet (网点)
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindOperator, KindClient, KindVendor, KindDepartment, KindStation, KindOutlet:
		return true
	}
	return false
}

// Org is a node of the org tree.
type Org struct {
	ID        int64     `db:"id" json:"id"`
	ParentID  *int64    `db:"parent_id" json:"parent_id"`
	RootID    int64     `db:"root_id" json:"root_id"`
	Path      string    `db:"path" json:"path"`
	Depth     int       `db:"depth" json:"depth"`
	Kind      Kind      `db:"kind" json:"kind"`
	Code      string    `db:"code" json:"code"`
	Name      string    `db:"name" json:"name"`
	Initials  string    `db:"initials" json:"initials"`
	Region    string    `db:"region" json:"region"`
	Address   string    `db:"address" json:"address"`
	SortOrder int       `db:"sort_order" json:"sort_order"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
	Children  []*Org    `db:"-" json:"children,omitempty"`
}

// Service holds the org tree, users and roles.
type Service struct {
	db    *store.DB
	q     *store.Queries
	audit *audit.Log
	perms *perm.Registry
	// accessGen counts changes to users, roles and orgs made through this
	// service, so a cache of what users may do (auth's principals) can tell
	// it is stale.
	accessGen atomic.Uint64
}

// AccessGeneration changes whenever this service changes a user, a role, a
// grant or the org tree.
func (s *Service) AccessGeneration() uint64 { return s.accessGen.Load() }

// AccessChanged marks every cached principal stale; for writes to users made
// outside this service (a password change).
func (s *Service) AccessChanged() { s.accessGen.Add(1) }

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log, perms *perm.Registry) *Service {
	return &Service{db: db, q: store.ParseQueries(queriesSQL, db.Dialect), audit: log, perms: perms}
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// likePattern escapes s for a LIKE … ESCAPE '\' match anywhere in a value.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}
