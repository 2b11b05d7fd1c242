package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// serveAndRate has a teller serve one customer at her counter and record the
// customer's rating from the staff screen; it answers the rating id.
func serveAndRate(t *testing.T, admin, teller *testutil.Client, counter string, level int) int64 {
	t.Helper()
	id := counterID(t, admin, counter)
	s := teller.Do("POST", "/api/v1/service-sessions", map[string]any{"counter_id": id})
	if s.Status != 201 {
		t.Fatalf("start at %s: %d %s", counter, s.Status, s.Body)
	}
	teller.Do("POST", fmt.Sprintf("/api/v1/service-sessions/%d/end", s.Int("id")), nil)
	r := teller.Do("POST", "/api/v1/ratings", map[string]any{"session_id": s.Int("id"), "level": level})
	if r.Status != 201 || r.String("channel") != "staff" {
		t.Fatalf("rate at %s: %d %s", counter, r.Status, r.Body)
	}
	return r.Int("id")
}

// TestRatingScopeMatrix: a branch sees its own staff's ratings only, a vendor
// only the ratings of its own service, through lists, single reads,
// aggregates, rankings and exports alike.
func TestRatingScopeMatrix(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		bjTeller := a.Login("bjhd01.teller", demo.Password)
		shTeller := a.Login("shpd01.teller", demo.Password)
		bjRating := serveAndRate(t, admin, bjTeller, demo.CounterCode("HXB-BJ-HD-01", 1), 4)
		shRating := serveAndRate(t, admin, shTeller, demo.CounterCode("HXB-SH-PD-01", 1), 2)

		// The outlet HXB-BJ-CY-01 rates the vendor's repair of its device.
		sup := a.Login("supervisor01", demo.Password)
		assets := sup.Do("GET", fmt.Sprintf("/api/v1/assets?org_id=%d", orgIDByCode(t, admin, "HXB-BJ-CY-01")), nil)
		tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "存款机卡钞", "asset_id": assets.Items()[0]["id"]})
		for _, to := range []string{"in_progress", "resolved"} {
			sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.Int("id")), map[string]any{"to": to})
		}
		vendorRating := a.Login("cy.head", demo.Password).Do("POST", "/api/v1/ratings", map[string]any{"ticket_id": tk.Int("id"), "level": 4})
		if vendorRating.Status != 201 {
			t.Fatalf("ticket rating: %d %s", vendorRating.Status, vendorRating.Body)
		}
		today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
		period := "from=" + today + "&to=" + today

		cases := []struct {
			login     string
			see       []int64 // ratings visible, by id
			hidden    []int64
			sessions  int    // visible sessions
			staffName string // a staff name that must not appear in their exports ("" to skip)
		}{
			{"bj.admin", []int64{bjRating, vendorRating.Int("id")}, []int64{shRating}, 1, "shpd01"},
			{"sh.admin", []int64{shRating}, []int64{bjRating, vendorRating.Int("id")}, 1, "bjhd01"},
			{"bjhd01.head", []int64{bjRating}, []int64{shRating, vendorRating.Int("id")}, 1, "shpd01"},
			{"adwb.manager", []int64{vendorRating.Int("id")}, []int64{bjRating, shRating}, 0, "bjhd01"},
		}
		tellerName := map[string]string{}
		for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
			tellerName[strings.TrimSuffix(u["login"].(string), ".teller")] = u["name"].(string)
		}
		for _, tc := range cases {
			t.Run(tc.login, func(t *testing.T) {
				c := a.Login(tc.login, demo.Password)
				list := c.Do("GET", "/api/v1/ratings", nil)
				if list.Total() != len(tc.see) {
					t.Fatalf("ratings: want %d, got %s", len(tc.see), list.Body)
				}
				for _, id := range tc.see {
					if r := c.Do("GET", fmt.Sprintf("/api/v1/ratings/%d", id), nil); r.Status != 200 {
						t.Errorf("rating %d: %d", id, r.Status)
					}
				}
				for _, id := range tc.hidden {
					if r := c.Do("GET", fmt.Sprintf("/api/v1/ratings/%d", id), nil); r.Status != 404 {
						t.Errorf("foreign rating %d: %d", id, r.Status)
					}
					if r := c.Do("POST", fmt.Sprintf("/api/v1/ratings/%d/corrections", id), map[string]any{"level": 1, "note": "x"}); r.Status != 404 && r.Status != 403 {
						t.Errorf("correcting a foreign rating: %d", r.Status)
					}
				}
				if r := c.Do("GET", "/api/v1/service-sessions", nil); r.Total() != tc.sessions {
					t.Errorf("sessions: want %d, got %s", tc.sessions, r.Body)
				}
				rep := c.Do("GET", "/api/v1/analytics/satisfaction?"+period, nil)
				if rep.Status != 200 {
					t.Fatalf("report: %d %s", rep.Status, rep.Body)
				}
				if n := rep.JSON.(map[string]any)["totals"].(map[string]any)["n"].(float64); int(n) != len(tc.see) {
					t.Errorf("report totals: want %d, got %s", len(tc.see), rep.Body)
				}
				byOrg := c.Do("GET", "/api/v1/analytics/satisfaction?group_by=org&"+period, nil)
				sum := 0.0
				for _, it := range byOrg.Items() {
					sum += it["n"].(float64)
				}
				if int(sum) != len(tc.see) {
					t.Errorf("by org: want %d in all, got %s", len(tc.see), byOrg.Body)
				}
				rank := c.Do("GET", "/api/v1/analytics/rankings?by=staff&min_n=1&"+period, nil)
				for _, it := range rank.Items() {
					if it["name"] == tellerName[tc.staffName] {
						t.Errorf("ranking shows a foreign teller: %s", rank.Body)
					}
				}
				x := c.Do("GET", "/api/v1/analytics/satisfaction?group_by=staff&format=xlsx&"+period, nil)
				if x.Status != 200 {
					t.Fatalf("export: %d %s", x.Status, x.Body)
				}
				f, err := excelize.OpenReader(bytes.NewReader(x.Body))
				if err != nil {
					t.Fatal(err)
				}
				rows, _ := f.GetRows("Sheet1")
				for _, row := range rows {
					for _, cell := range row {
						if cell == tellerName[tc.staffName] {
							t.Errorf("export shows a foreign teller: %v", row)
						}
					}
				}
			})
		}
		// Engineers hold no rating permission at all.
		if r := a.Login("eng.bj1a", demo.Password).Do("GET", "/api/v1/ratings", nil); r.Status != 403 {
			t.Errorf("engineer lists ratings: %d", r.Status)
		}
	})
}
