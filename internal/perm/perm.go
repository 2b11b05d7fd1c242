// Package perm describes permission codes (`domain.action`) that domain packages
// declare and roles carry. It is a leaf package.
package perm

import (
	"context"
	"sort"
)

// Def is one permission with its group and labels for the role editor.
type Def struct {
	Code    string `json:"code"`
	Group   string `json:"group"`
	LabelZH string `json:"label_zh"`
	LabelEN string `json:"label_en"`
}

// Group labels a set of permissions in the role editor.
type Group struct {
	Code    string `json:"code"`
	LabelZH string `json:"label_zh"`
	LabelEN string `json:"label_en"`
}

// Registry is the set of permissions known to this build, assembled at wiring time.
type Registry struct {
	defs   []Def
	byCode map[string]Def
	groups []Group
}

// NewRegistry builds a registry from groups and the definitions each domain declares.
func NewRegistry(groups []Group, defs ...[]Def) *Registry {
	r := &Registry{byCode: map[string]Def{}, groups: groups}
	for _, ds := range defs {
		for _, d := range ds {
			if _, dup := r.byCode[d.Code]; dup {
				continue
			}
			r.byCode[d.Code] = d
			r.defs = append(r.defs, d)
		}
	}
	sort.SliceStable(r.defs, func(i, j int) bool { return r.defs[i].Group < r.defs[j].Group })
	return r
}

// Known reports whether code is a registered permission.
func (r *Registry) Known(code string) bool {
	_, ok := r.byCode[code]
	return ok
}

// All returns every definition, grouped.
func (r *Registry) All() []Def { return r.defs }

// Groups returns the group labels.
func (r *Registry) Groups() []Group { return r.groups }

// Codes returns every registered code.
func (r *Registry) Codes() []string {
	out := make([]string, len(r.defs))
	for i, d := range r.defs {
		out[i] = d.Code
	}
	return out
}

// Set is a permission set held by a caller.
type Set map[string]bool

// Has reports whether the set grants code.
func (s Set) Has(code string) bool { return s[code] }

// Sorted lists the codes in order.
func (s Set) Sorted() []string {
	out := make([]string, 0, len(s))
	for c := range s {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

type ctxKey struct{}

// With returns a context carrying the caller's permissions.
func With(ctx context.Context, s Set) context.Context { return context.WithValue(ctx, ctxKey{}, s) }

// From returns the caller's permissions in ctx (empty without a caller).
func From(ctx context.Context) Set {
	s, _ := ctx.Value(ctxKey{}).(Set)
	return s
}
