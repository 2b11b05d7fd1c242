package scope

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	ticket := Columns{Org: "t.org_id", Vendor: "t.vendor_org_id", Self: "t.assignee_id"}
	users := Columns{Org: "u.org_id", Self: "u.id"}
	orgs := Columns{Org: "o.id"}
	cases := []struct {
		name  string
		s     Scope
		c     Columns
		where string
		args  []any
	}{
		{"nothing", Scope{}, ticket, "1=0", nil},
		{"all", Scope{All: true}, ticket, "1=1", nil},
		{"client subtree on a two-axis table", Scope{Roots: []string{"/2/3/"}, Axis: AxisClient}, ticket,
			"(t.org_id IN (SELECT id FROM orgs WHERE path LIKE (? || '')))", []any{"/2/3/%"}},
		{"vendor subtree matches the vendor column", Scope{Roots: []string{"/9/"}, Axis: AxisVendor}, ticket,
			"(t.vendor_org_id IN (SELECT id FROM orgs WHERE path LIKE (? || '')))", []any{"/9/%"}},
		{"operator subtree matches either", Scope{Roots: []string{"/1/"}, Axis: AxisBoth}, ticket,
			"(t.org_id IN (SELECT id FROM orgs WHERE path LIKE (? || '')) OR t.vendor_org_id IN (SELECT id FROM orgs WHERE path LIKE (? || '')))", []any{"/1/%", "/1/%"}},
		{"vendor user on a membership table uses the org column", Scope{Roots: []string{"/9/"}, Axis: AxisVendor}, users,
			"(u.org_id IN (SELECT id FROM orgs WHERE path LIKE (? || '')))", []any{"/9/%"}},
		{"single org", Scope{OrgIDs: []int64{5, 6}, Axis: AxisClient}, users, "(u.org_id IN (?,?))", []any{int64(5), int64(6)}},
		{"self", Scope{Self: true, UserID: 7, Axis: AxisClient}, users, "(u.id = ?)", []any{int64(7)}},
		{"self on orgs means own org", Scope{Self: true, UserID: 7, OwnOrgID: 4}, orgs, "(o.id = ?)", []any{int64(4)}},
		{"self vendor user on devices: own station on the vendor column", Scope{Self: true, UserID: 7, OwnOrgID: 9, Axis: AxisVendor},
			Columns{Org: "a.org_id", Vendor: "a.vendor_org_id"}, "(a.vendor_org_id = ?)", []any{int64(9)}},
		{"union", Scope{Roots: []string{"/2/"}, Self: true, UserID: 7, Axis: AxisClient}, users,
			"(u.org_id IN (SELECT id FROM orgs WHERE path LIKE (? || '')) OR u.id = ?)", []any{"/2/%", int64(7)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			where, args := c.s.Where(c.c)
			if where != c.where || !reflect.DeepEqual(args, c.args) {
				t.Fatalf("Where = %q %v\nwant    %q %v", where, args, c.where, c.args)
			}
		})
	}
}

func TestCoversPath(t *testing.T) {
	s := Scope{Roots: []string{"/2/3/"}, OrgIDs: []int64{9}}
	for path, want := range map[string]bool{"/2/3/": true, "/2/3/7/": true, "/2/4/": false, "/2/33/": false} {
		if got := s.CoversPath(0, path); got != want {
			t.Errorf("CoversPath(%s) = %v", path, got)
		}
	}
	if !s.CoversPath(9, "/8/9/") {
		t.Error("single org not covered")
	}
}

func TestCovers(t *testing.T) {
	branch := Scope{Roots: []string{"/1/4/"}, Axis: AxisClient}
	station := Scope{Roots: []string{"/1/4/9/"}, Axis: AxisClient}
	sibling := Scope{Roots: []string{"/1/5/"}, Axis: AxisClient}
	self := Scope{Self: true, UserID: 7, OwnOrgID: 9, Axis: AxisClient}
	cases := []struct {
		name string
		s, o Scope
		want bool
	}{
		{"all covers a branch", System(), branch, true},
		{"a branch does not cover all", branch, System(), false},
		{"a branch covers its station", branch, station, true},
		{"a station does not cover its branch", station, branch, false},
		{"a branch does not cover its sibling", branch, sibling, false},
		{"the same single orgs", Scope{OrgIDs: []int64{3, 4}, Axis: AxisClient}, Scope{OrgIDs: []int64{4}, Axis: AxisClient}, true},
		{"a single org not named", Scope{OrgIDs: []int64{3}, Axis: AxisClient}, Scope{OrgIDs: []int64{4}, Axis: AxisClient}, false},
		{"self covers the same self", self, self, true},
		{"self of another user", Scope{Self: true, UserID: 8, OwnOrgID: 9, Axis: AxisClient}, self, false},
		{"a branch does not cover self (conservative)", branch, self, false},
		{"client axis does not cover vendor axis", Scope{Roots: []string{"/1/"}, Axis: AxisClient}, Scope{Roots: []string{"/1/4/"}, Axis: AxisVendor}, false},
		{"both axes cover one", Scope{Roots: []string{"/1/"}, Axis: AxisBoth}, Scope{Roots: []string{"/1/4/"}, Axis: AxisVendor}, true},
		{"nothing covers nothing", Scope{}, Scope{}, true},
	}
	for _, c := range cases {
		if got := c.s.Covers(c.o); got != c.want {
			t.Errorf("%s: Covers = %v, want %v", c.name, got, c.want)
		}
	}
}
