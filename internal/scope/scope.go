// Package scope carries the caller's data scope (数据权限) and renders it as SQL.
//
// It is a leaf package: the store and every domain import it, and org/auth build
// the value once per request. A context without a Scope sees nothing.
package scope

import (
	"context"
	"slices"
	"strings"
)

// Mode is a role's data-scope setting.
type Mode string

// The scopes a role may carry.
const (
	ModeAll     Mode = "all"     // every row
	ModeSubtree Mode = "subtree" // the user's org and everything below it
	ModeOrg     Mode = "org"     // the user's org only
	ModeSelf    Mode = "self"    // rows the user is responsible for
	ModeCustom  Mode = "custom"  // a chosen set of org subtrees
)

// Valid reports whether m is one of the known modes.
func (m Mode) Valid() bool {
	switch m {
	case ModeAll, ModeSubtree, ModeOrg, ModeSelf, ModeCustom:
		return true
	}
	return false
}

// Axis says which org column of a two-axis row matches the caller.
type Axis string

// Client-side users match on the owning org, vendor users on the servicing vendor,
// operator (service-centre) users on either.
const (
	AxisClient Axis = "client"
	AxisVendor Axis = "vendor"
	AxisBoth   Axis = "both"
)

// Scope is the union of the caller's roles' scopes.
type Scope struct {
	All      bool
	UserID   int64
	OwnOrgID int64
	Roots    []string // materialised paths of visible subtrees, e.g. "/1/4/"
	OrgIDs   []int64  // single visible orgs (mode org)
	Self     bool     // rows the user is responsible for
	Axis     Axis
}

// System is the scope of background work and bootstrapping: everything.
func System() Scope { return Scope{All: true, Axis: AxisBoth} }

// Mode summarises the scope for display (the broadest part wins).
func (s Scope) Mode() Mode {
	switch {
	case s.All:
		return ModeAll
	case len(s.Roots) > 0:
		return ModeSubtree
	case len(s.OrgIDs) > 0:
		return ModeOrg
	case s.Self:
		return ModeSelf
	}
	return ""
}

// Columns names the columns of a table that a scope is matched against.
type Columns struct {
	Org    string // owning org id (client side, or membership for users and orgs)
	Vendor string // servicing vendor org id; empty when the table has none
	Self   string // responsible user id; empty when the table has none
}

// Where renders the scope as a SQL boolean expression with ? placeholders.
// An empty scope renders as a predicate that matches nothing.
func (s Scope) Where(c Columns) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	var parts []string
	var args []any
	orgCols := []string{c.Org}
	if c.Vendor != "" {
		switch s.Axis {
		case AxisVendor:
			orgCols = []string{c.Vendor}
		case AxisBoth:
			orgCols = []string{c.Org, c.Vendor}
		}
	}
	for _, col := range orgCols {
		for _, root := range s.Roots {
			// (? || '') rather than a bare ?: SQLite marks a statement whose
			// LIKE pattern is a bound parameter to be compiled again whenever
			// that parameter is bound (for its LIKE optimisation, which the
			// BINARY path index cannot use anyway), so the cached prepared
			// statement of every scoped query was parsed and planned afresh on
			// each run — a fifth of a ticket list page's CPU.
			parts = append(parts, col+" IN (SELECT id FROM orgs WHERE path LIKE (? || ''))")
			args = append(args, root+"%")
		}
		if len(s.OrgIDs) > 0 {
			parts = append(parts, col+" IN ("+placeholders(len(s.OrgIDs))+")")
			for _, id := range s.OrgIDs {
				args = append(args, id)
			}
		}
	}
	if s.Self {
		if c.Self != "" {
			parts = append(parts, c.Self+" = ?")
			args = append(args, s.UserID)
		} else if s.OwnOrgID != 0 {
			// A table without a responsible user (orgs, devices) shows a self-scoped
			// user the rows of its own org, on the column of its axis.
			for _, col := range orgCols {
				parts = append(parts, col+" = ?")
				args = append(args, s.OwnOrgID)
			}
		}
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// CoversPath reports whether an org with the given materialised path is visible
// through the org-side columns (roots or single orgs), ignoring self scope.
func (s Scope) CoversPath(orgID int64, path string) bool {
	if s.All {
		return true
	}
	for _, r := range s.Roots {
		if strings.HasPrefix(path, r) {
			return true
		}
	}
	for _, id := range s.OrgIDs {
		if id == orgID {
			return true
		}
	}
	return false
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

type ctxKey struct{}

// With returns a context carrying s.
func With(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

// From returns the scope in ctx; without one, a scope that sees nothing.
func From(ctx context.Context) Scope {
	s, _ := ctx.Value(ctxKey{}).(Scope)
	return s
}

// InSubtree renders "col is the org given by the next ? argument, or below it".
func InSubtree(col string) string {
	return col + " IN (SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE id = ?) || '%')"
}

// Covers reports whether every row o shows is also visible through s. It is
// conservative: an org o names singly counts as covered only when s names it
// too (s's subtrees are not resolved here), so a false answer may be wrong in
// s's favour, never a true one.
func (s Scope) Covers(o Scope) bool {
	if s.All {
		return true
	}
	if o.All || (s.Axis != o.Axis && s.Axis != AxisBoth) {
		return false
	}
	for _, r := range o.Roots {
		if !slices.ContainsFunc(s.Roots, func(p string) bool { return strings.HasPrefix(r, p) }) {
			return false
		}
	}
	for _, id := range o.OrgIDs {
		if !slices.Contains(s.OrgIDs, id) {
			return false
		}
	}
	if o.Self && !(s.Self && s.UserID == o.UserID && s.OwnOrgID == o.OwnOrgID) {
		return false
	}
	return true
}
