package rating_test

import (
	"context"
	"testing"
	"time"

	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// TestReportPathsKeepScope: over a year of demo history, reports read the
// monthly roll-ups (rating_org_monthly when they need no staff or counter,
// session_monthly) and may leave out a scope predicate the org filter
// implies. Every combination of scope and filter must count exactly the raw
// ratings and sessions the caller may see.
func TestReportPathsKeepScope(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3, DemoRatings: 3000})
		sys := scope.With(context.Background(), scope.System())
		db, svc := a.DB, a.Ratings
		type org struct {
			ID   int64  `db:"id"`
			Path string `db:"path"`
		}
		orgOf := func(code string) org {
			var o org
			if err := db.Get(sys, &o, "SELECT id, path FROM orgs WHERE code = ?", code); err != nil {
				t.Fatalf("org %s: %v", code, err)
			}
			return o
		}
		bj, hd, sh := orgOf("HXB-BJ"), orgOf("HXB-BJ-HD"), orgOf("HXB-SH")
		var staff int64 // a teller with ratings in the history
		if err := db.Get(sys, &staff, "SELECT staff_id FROM ratings WHERE staff_id IS NOT NULL ORDER BY id LIMIT 1"); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		from, to := svc.Day(now.AddDate(-1, 0, -3)), svc.Day(now.AddDate(0, 0, -1))
		// What a caller may see, from the raw rows.
		current := ` FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM ratings c WHERE c.corrects_id = r.id) AND r.day BETWEEN ? AND ?`
		count := func(q string, args ...any) int64 {
			var n int64
			if err := db.Get(sys, &n, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		// rcount counts the raw ratings of q, and those of them tied to a staff member (what a staff ranking lists).
		rcount := func(q string, args ...any) [2]int64 {
			return [2]int64{count(q, args...), count(q+" AND r.staff_id IS NOT NULL", args...)}
		}
		under := func(col, path string) string {
			return col + " IN (SELECT id FROM orgs WHERE path LIKE '" + path + "%')"
		}
		cases := []struct {
			name     string
			sc       scope.Scope
			orgID    int64
			ratings  [2]int64 // all, with a staff member
			sessions int64
		}{
			{"bank subtree, org filter of a sub-branch", scope.Scope{Roots: []string{orgOf("HXB").Path}, Axis: scope.AxisClient}, hd.ID,
				rcount("SELECT count(*)"+current+" AND "+under("r.org_id", hd.Path), from, to),
				count("SELECT count(*) FROM service_sessions WHERE day BETWEEN ? AND ? AND "+under("org_id", hd.Path), from, to)},
			{"branch subtree, whole scope", scope.Scope{Roots: []string{bj.Path}, Axis: scope.AxisBoth}, 0,
				rcount("SELECT count(*)"+current+" AND ("+under("r.org_id", bj.Path)+" OR "+under("r.vendor_org_id", bj.Path)+")", from, to),
				count("SELECT count(*) FROM service_sessions WHERE day BETWEEN ? AND ? AND "+under("org_id", bj.Path), from, to)},
			{"the branch org only, org filter of the branch: not its children", scope.Scope{OrgIDs: []int64{bj.ID}, Axis: scope.AxisClient}, bj.ID,
				rcount("SELECT count(*)"+current+" AND r.org_id = ?", from, to, bj.ID),
				count("SELECT count(*) FROM service_sessions WHERE day BETWEEN ? AND ? AND org_id = ?", from, to, bj.ID)},
			{"another branch's subtree, org filter outside it", scope.Scope{Roots: []string{sh.Path}, Axis: scope.AxisClient}, hd.ID, [2]int64{}, 0},
			{"vendor axis rooted at the branch, org filter of the branch", scope.Scope{Roots: []string{bj.Path}, Axis: scope.AxisVendor}, bj.ID,
				rcount("SELECT count(*)"+current+" AND "+under("r.org_id", bj.Path)+" AND "+under("r.vendor_org_id", bj.Path), from, to), -1},
			{"self scope: own ratings only", scope.Scope{Self: true, UserID: staff, Axis: scope.AxisClient}, 0,
				rcount("SELECT count(*)"+current+" AND r.staff_id = ?", from, to, staff),
				count("SELECT count(*) FROM service_sessions WHERE day BETWEEN ? AND ? AND staff_id = ?", from, to, staff)},
			{"self scope with an org filter", scope.Scope{Self: true, UserID: staff, Axis: scope.AxisClient}, bj.ID,
				rcount("SELECT count(*)"+current+" AND r.staff_id = ? AND "+under("r.org_id", bj.Path), from, to, staff),
				count("SELECT count(*) FROM service_sessions WHERE day BETWEEN ? AND ? AND staff_id = ? AND "+under("org_id", bj.Path), from, to, staff)},
		}
		for _, tc := range cases {
			ctx := scope.With(context.Background(), tc.sc)
			for _, g := range []string{"month", "", "business_type", "staff"} {
				rep, err := svc.Satisfaction(ctx, rating.ReportFilter{From: from, To: to, OrgID: tc.orgID, GroupBy: g})
				if err != nil {
					t.Fatalf("%s (group_by=%q): %v", tc.name, g, err)
				}
				if rep.Totals.N != tc.ratings[0] || (tc.sessions >= 0 && rep.Totals.Sessions != tc.sessions) {
					t.Errorf("%s (group_by=%q): n=%d sessions=%d; raw %d, %d", tc.name, g, rep.Totals.N, rep.Totals.Sessions, tc.ratings[0], tc.sessions)
				}
				var n int64
				for _, it := range rep.Items {
					n += it.N
				}
				if g != "" && n != tc.ratings[0] {
					t.Errorf("%s (group_by=%q): items add up to %d; raw %d", tc.name, g, n, tc.ratings[0])
				}
			}
			// Staff rankings read rating_staff_monthly; with a channel filter
			// they read rating_monthly. Both count what the caller may see.
			for _, ch := range []string{"", rating.ChannelKiosk} {
				rk, err := svc.Rankings(ctx, "staff", rating.ReportFilter{From: from, To: to, OrgID: tc.orgID, Channel: ch})
				if err != nil {
					t.Fatalf("%s (ranking, channel %q): %v", tc.name, ch, err)
				}
				var n int64
				for _, it := range rk.Items {
					n += it.N
				}
				want := tc.ratings[1]
				if ch != "" {
					want = -1
					for _, it := range rk.Items {
						if it.Satisfied > it.N {
							t.Errorf("%s (ranking, channel %q): %+v", tc.name, ch, it)
						}
					}
				}
				if want >= 0 && n != want {
					t.Errorf("%s (ranking): items add up to %d; raw %d", tc.name, n, want)
				}
			}
		}
		if cases[0].ratings[1] == 0 || cases[2].ratings[0] != 0 && cases[2].ratings[0] == cases[1].ratings[0] || cases[5].ratings[1] == 0 {
			t.Fatalf("the history does not exercise the cases: %+v", cases)
		}
	})
}
