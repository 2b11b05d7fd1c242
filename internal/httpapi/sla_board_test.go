package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// The supervisor board's SLA columns (R-TKT-07): GET /tickets?sla=warning
// lists open tickets whose warning fired and that are not breached yet,
// sla=breached open tickets with an unmet target past its deadline — within
// the caller's scope, with their counts.
func TestSLABoardFilters(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		orgs := ids(t, admin, "/api/v1/orgs?page_size=500", "code")
		cals := ids(t, admin, "/api/v1/calendars", "name")
		if r := admin.Do("POST", "/api/v1/sla/policies", map[string]any{"name": "看板报修", "order": 1, "calendar_id": cals[demo.AlwaysCalendar],
			"match": map[string]any{"types": []string{"repair"}}, "targets": map[string]any{"resolution": 60},
			"warnings": []any{map[string]any{"at_percent": 50}}}); r.Status != 201 {
			t.Fatalf("policy: %d %s", r.Status, r.Body)
		}
		agent := a.Login("agent01", demo.Password)
		sup := a.Login("supervisor01", demo.Password)
		now := time.Now().UTC().Truncate(time.Second)
		open := func(org string, reported time.Duration) *testutil.Response {
			r := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "看板 " + org, "org_id": orgs[org], "reported_at": now.Add(reported).Format(time.RFC3339)})
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			return r
		}
		warned := open("HXB-BJ-HD-01", -40*time.Minute) // 50 % passed 10 minutes ago
		fresh := open("HXB-BJ-HD-01", -5*time.Minute)
		bjLate := open("HXB-BJ-HD-02", -90*time.Minute)
		shLate := open("HXB-SH-PD-01", -90*time.Minute)
		doneLate := open("HXB-BJ-HD-03", -90*time.Minute)
		for _, to := range []string{"in_progress", "resolved"} {
			if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", doneLate.Int("id")), map[string]any{"to": to}); r.Status != 200 {
				t.Fatalf("%s: %d %s", to, r.Status, r.Body)
			}
		}
		numbers := func(r *testutil.Response) []string {
			out := []string{}
			for _, it := range r.Items() {
				out = append(out, it["number"].(string))
			}
			slices.Sort(out)
			return out
		}
		want := func(rs ...*testutil.Response) []string {
			out := []string{}
			for _, r := range rs {
				out = append(out, r.String("number"))
			}
			slices.Sort(out)
			return out
		}
		list := func(c *testutil.Client, q string, exp []string) testutil.Scenario {
			return testutil.Scenario{Name: q, As: c, Method: "GET", Path: "/api/v1/tickets?" + q, Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if got := numbers(r); !slices.Equal(got, exp) || r.Total() != len(exp) {
					t.Fatalf("%s: %v (total %d), want %v", q, got, r.Total(), exp)
				}
			}}
		}
		// Before the scanner runs, the running targets past due are breached
		// already; no warning has fired yet.
		testutil.Run(t, []testutil.Scenario{
			list(sup, "sla=breached", want(bjLate, shLate)),
			list(sup, "sla=warning", want()),
		})
		for range 2 {
			if _, err := a.SLATimers.Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		bj := a.Login("bj.admin", demo.Password) // the Beijing branch's subtree
		testutil.Run(t, []testutil.Scenario{
			list(sup, "sla=breached", want(bjLate, shLate)),
			list(sup, "sla=warning", want(warned)),
			list(sup, "sla=breached&org_id="+fmt.Sprint(orgs["HXB-BJ"]), want(bjLate)),
			list(bj, "sla=breached", want(bjLate)),
			list(bj, "sla=warning", want(warned)),
			list(a.Login("sh.admin", demo.Password), "sla=breached", want(shLate)),
			list(a.Login("sh.admin", demo.Password), "sla=warning", want()),
			{Name: "bad sla", As: sup, Method: "GET", Path: "/api/v1/tickets?sla=late", Status: 422, Contains: []string{`"sla"`}},
		})
		// The resolved ticket is breached in the history, not on the board;
		// the fresh one is on neither column.
		all := numbers(sup.Do("GET", "/api/v1/tickets?breached=true", nil))
		if !slices.Contains(all, doneLate.String("number")) || slices.Contains(all, fresh.String("number")) {
			t.Fatalf("breached=true: %v", all)
		}
		// Meeting the target takes the ticket off the warning column.
		path := fmt.Sprintf("/api/v1/tickets/%d/transitions", warned.Int("id"))
		for _, to := range []string{"in_progress", "resolved"} {
			if r := sup.Do("POST", path, map[string]any{"to": to}); r.Status != 200 {
				t.Fatalf("%s: %d %s", to, r.Status, r.Body)
			}
		}
		testutil.Run(t, []testutil.Scenario{list(bj, "sla=warning", want())})
	})
}
