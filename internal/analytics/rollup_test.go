package analytics_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"lingting/internal/analytics"
	"lingting/internal/asset"
	"lingting/internal/audit"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/testutil"
	"lingting/internal/ticket"
)

// The recomputation: the roll-ups as the raw rows say they should be, written
// independently of the hook — durations as the reports used to sum them from
// tickets, the device as it is, the SLA outcome from ticket_sla_targets — per
// ticket in an inner query, then added up per key.
var recomputeKeys = map[string]string{"org_id": "t.org_id", "vendor_org_id": "COALESCE(t.vendor_org_id, 0)", "station_id": "COALESCE(t.station_id, 0)",
	"assignee_id": "COALESCE(t.assignee_id, 0)", "type": "t.type", "status": "t.status", "category_id": "COALESCE(t.category_id, 0)",
	"policy_id":    "COALESCE((SELECT MAX(s.policy_id) FROM ticket_sla_targets s WHERE s.ticket_id = t.id), 0)",
	"asset_org_id": "COALESCE(a.org_id, 0)", "asset_vendor_id": "COALESCE(a.vendor_org_id, 0)", "asset_type": "COALESCE(a.type, '')",
	"asset_brand": "COALESCE(a.brand, '')", "asset_model": "COALESCE(a.model, '')"}

// rollupFamilies are the roll-up families' key columns (as the migration
// creates them); assets-only families hold tickets on devices.
var rollupFamilies = []struct {
	name       string
	cols       []string
	assetsOnly bool
}{
	{"ticket", rollupKeys, false},
	{"vendor", []string{"vendor_org_id", "station_id", "assignee_id", "type", "status", "policy_id", "category_id"}, false},
	{"device", []string{"vendor_org_id", "station_id", "type", "status", "category_id", "asset_vendor_id", "asset_type", "asset_brand", "asset_model"}, true},
}

func slaFlag(target, outcome string) string {
	cond := "NOT s.breached AND s.met_at <= s.due_at"
	if outcome == "late" {
		cond = "(s.breached OR s.met_at > s.due_at)"
	}
	return `CASE WHEN EXISTS (SELECT 1 FROM ticket_sla_targets s WHERE s.ticket_id = t.id AND s.target = '` + target +
		`' AND s.met_at IS NOT NULL AND ` + cond + `) THEN 1 ELSE 0 END`
}

// recomputeMeasures are one ticket's figures, in the roll-ups' column order.
var recomputeMeasures = []string{
	"1",
	"CASE WHEN t.repaired_at IS NOT NULL OR t.resolved_at IS NOT NULL THEN 1 ELSE 0 END",
	`CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
	      WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds ELSE 0 END`,
	"CASE WHEN t.assigned_at IS NOT NULL THEN 1 ELSE 0 END",
	"CASE WHEN t.assigned_at IS NOT NULL THEN EPOCH(t.assigned_at) - EPOCH(t.reported_at) ELSE 0 END",
	"CASE WHEN t.departed_at IS NOT NULL AND t.arrived_at IS NOT NULL THEN 1 ELSE 0 END",
	"CASE WHEN t.departed_at IS NOT NULL AND t.arrived_at IS NOT NULL THEN EPOCH(t.arrived_at) - EPOCH(t.departed_at) ELSE 0 END",
	"CASE WHEN t.arrived_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 ELSE 0 END",
	"CASE WHEN t.arrived_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.arrived_at) ELSE 0 END",
	"CASE WHEN t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 ELSE 0 END",
	`CASE WHEN t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL AND EPOCH(t.repaired_at) - EPOCH(t.departed_at) > t.pending_seconds
	      THEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) - t.pending_seconds ELSE 0 END`,
	"CASE WHEN t.distance_km IS NOT NULL THEN 1 ELSE 0 END",
	"CASE WHEN t.distance_km IS NOT NULL THEN METRES(t.distance_km) ELSE 0 END", // whole metres, halves up
	"CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END",
	"CASE WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) ELSE 0 END",
	slaFlag("first_response", "met"), slaFlag("first_response", "late"),
	slaFlag("arrival", "met"), slaFlag("arrival", "late"),
	slaFlag("resolution", "met"), slaFlag("resolution", "late"),
}

// recompute renders the recomputation of a ticket roll-up with the given key
// columns, whose period is the given expression of t.day.
func recompute(period string, cols []string, assetsOnly bool) string {
	inner := []string{period + " AS k0"}
	keys := []string{"x.k0"}
	for i, c := range cols {
		inner = append(inner, fmt.Sprintf("%s AS k%d", recomputeKeys[c], i+1))
		keys = append(keys, fmt.Sprintf("x.k%d", i+1))
	}
	var sums []string
	for i, m := range recomputeMeasures {
		inner = append(inner, fmt.Sprintf("%s AS m%d", m, i))
		sums = append(sums, fmt.Sprintf("SUM(x.m%d)", i))
	}
	where := "t.analytics_state IS NOT NULL"
	if assetsOnly {
		where += " AND t.asset_id IS NOT NULL"
	}
	return "SELECT " + textRow(keys) + " AS k, " + textRow(sums) + " AS v FROM (SELECT " + strings.Join(inner, ", ") +
		" FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id WHERE " + where + ") x GROUP BY " + strings.Join(keys, ", ")
}

var rollupMeasures = []string{"n", "fault_n", "fault_s", "resp_n", "resp_s", "travel_n", "travel_s", "repair_n", "repair_s", "work_n", "work_s",
	"dist_n", "dist_m", "handle_n", "handle_s", "fr_met", "fr_late", "ar_met", "ar_late", "rs_met", "rs_late"}

var rollupKeys = []string{"org_id", "vendor_org_id", "station_id", "assignee_id", "type", "status", "category_id", "policy_id",
	"asset_org_id", "asset_vendor_id", "asset_type", "asset_brand", "asset_model"}

var (
	epochRe  = regexp.MustCompile(`EPOCH\(([a-z_.]+)\)`)
	metresRe = regexp.MustCompile(`METRES\(([a-z_.]+)\)`)
)

// textRow renders expressions as one text, a|b|c, on either engine.
func textRow(exprs []string) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = "CAST(" + e + " AS TEXT)"
	}
	return strings.Join(parts, " || '|' || ")
}

func readMap(t *testing.T, a *testutil.TestApp, q string) map[string]string {
	t.Helper()
	if a.DB.Dialect == store.Postgres {
		q = epochRe.ReplaceAllString(q, "CAST(FLOOR(EXTRACT(EPOCH FROM $1)) AS BIGINT)")
		q = metresRe.ReplaceAllString(q, "CAST(FLOOR(CAST($1 AS DOUBLE PRECISION) * 1000 + 0.5) AS BIGINT)")
	} else {
		q = epochRe.ReplaceAllString(q, "unixepoch($1)")
		q = metresRe.ReplaceAllString(q, "CAST(FLOOR($1 * 1000 + 0.5) AS INTEGER)")
	}
	var rows []struct {
		K string `db:"k"`
		V string `db:"v"`
	}
	if err := a.DB.Select(context.Background(), &rows, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := map[string]string{}
	for _, r := range rows {
		if _, dup := out[r.K]; dup {
			t.Fatalf("duplicate key %s", r.K)
		}
		out[r.K] = r.V
	}
	return out
}

// checkRollups compares every roll-up table with its recomputation.
func checkRollups(t *testing.T, a *testutil.TestApp, when string) {
	t.Helper()
	var rms []string
	for _, m := range rollupMeasures {
		rms = append(rms, "r."+m)
	}
	type check struct{ name, got, want string }
	var checks []check
	for _, fam := range rollupFamilies {
		var keys []string
		for _, k := range fam.cols {
			keys = append(keys, "r."+k)
		}
		for _, g := range []struct{ grain, period string }{{"day", "t.day"}, {"month", "t.day / 100"}} {
			table := "analytics_" + fam.name + "_" + g.grain + "s"
			checks = append(checks, check{table,
				"SELECT " + textRow(append([]string{"r." + g.grain}, keys...)) + " AS k, " + textRow(rms) + " AS v FROM " + table + " r",
				recompute(g.period, fam.cols, fam.assetsOnly)})
		}
	}
	work := `SUM(CASE WHEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) > t.pending_seconds THEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) - t.pending_seconds ELSE 0 END)`
	for _, e := range []struct {
		table string
		cols  []string
	}{
		{"analytics_engineer_days", []string{"assignee_id", "vendor_org_id", "station_id", "type"}},
		{"analytics_engineer_org_days", []string{"assignee_id", "org_id", "vendor_org_id", "station_id", "type"}},
	} {
		got, want := []string{"r.day"}, []string{"t.day"}
		for _, c := range e.cols {
			got, want = append(got, "r."+c), append(want, recomputeKeys[c])
		}
		checks = append(checks, check{e.table,
			"SELECT " + textRow(got) + " AS k, " + textRow([]string{"r.n", "r.work_s"}) + " AS v FROM " + e.table + " r",
			"SELECT " + textRow(want) + " AS k, " + textRow([]string{"COUNT(*)", work}) + ` AS v FROM tickets t
				WHERE t.analytics_state IS NOT NULL AND t.assignee_id IS NOT NULL AND t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL
				GROUP BY ` + strings.Join(want, ", ")})
	}
	for _, g := range []struct{ grain, period string }{{"day", "t.day"}, {"month", "t.day / 100"}} {
		table := "analytics_asset_" + g.grain + "s"
		keys := []string{g.period, "t.asset_id", "t.org_id", "COALESCE(t.vendor_org_id, 0)", "t.type"}
		checks = append(checks, check{table,
			"SELECT " + textRow([]string{"r." + g.grain, "r.asset_id", "r.org_id", "r.vendor_org_id", "r.type"}) + " AS k, CAST(r.n AS TEXT) AS v FROM " + table + " r",
			"SELECT " + textRow(keys) + " AS k, CAST(COUNT(*) AS TEXT) AS v FROM tickets t WHERE t.analytics_state IS NOT NULL AND t.asset_id IS NOT NULL GROUP BY " +
				strings.Join(keys, ", ")})
	}
	// The device roll-ups (00029): per device and key, the count, fault and
	// repair seconds summed, and their maxima (empty: none has the time yet).
	fault := `CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
		WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds END`
	repair := "EPOCH(t.repaired_at) - EPOCH(t.arrived_at)"
	for _, g := range []struct{ grain, period string }{{"day", "t.day"}, {"month", "t.day / 100"}} {
		table := "analytics_fault_" + g.grain + "s"
		keys := []string{"t.asset_id", g.period, "t.org_id", "COALESCE(t.vendor_org_id, 0)", "COALESCE(t.station_id, 0)", "COALESCE(t.assignee_id, 0)", "t.type"}
		checks = append(checks, check{table,
			"SELECT " + textRow([]string{"r.asset_id", "r." + g.grain, "r.org_id", "r.vendor_org_id", "r.station_id", "r.assignee_id", "r.type"}) + " AS k, " +
				textRow([]string{"r.n", "r.fault_s", "COALESCE(CAST(r.max_fault_s AS TEXT), '-')", "r.repair_s", "COALESCE(CAST(r.max_repair_s AS TEXT), '-')"}) + " AS v FROM " + table + " r",
			"SELECT " + textRow(keys) + " AS k, " + textRow([]string{"COUNT(*)", "COALESCE(SUM(" + fault + "), 0)", "COALESCE(CAST(MAX(" + fault + ") AS TEXT), '-')",
				"COALESCE(SUM(" + repair + "), 0)", "COALESCE(CAST(MAX(" + repair + ") AS TEXT), '-')"}) +
				" AS v FROM tickets t WHERE t.analytics_state IS NOT NULL AND t.asset_id IS NOT NULL GROUP BY " + strings.Join(keys, ", ")})
	}
	var orgs []int64
	if err := a.DB.Select(context.Background(), &orgs, `SELECT DISTINCT t.org_id FROM tickets t WHERE t.analytics_state IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM analytics_orgs o WHERE o.org_id = t.org_id)`); err != nil || len(orgs) > 0 {
		t.Errorf("%s: orgs with tickets missing from analytics_orgs: %v %v", when, orgs, err)
	}
	for _, tc := range checks {
		got, want := readMap(t, a, tc.got), readMap(t, a, tc.want)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s row %s = %q, recomputed %q", when, tc.name, k, got[k], v)
			}
		}
		for k, v := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: %s row %s = %q has no tickets", when, tc.name, k, v)
			}
		}
		if len(want) == 0 {
			t.Errorf("%s: %s is empty", when, tc.name)
		}
	}
}

// TestRollupsEqualRecomputation drives a random workload through the ticket
// service — creates with entered times, assignments to engineers and stations,
// pending and resume, field events (re-timed too), resolution, closing,
// reopening, priority and category changes under SLA policies — and checks
// after it that the daily, monthly and engineer-day roll-ups equal a
// recomputation from the raw rows; then tickets written without the hook (as
// the bulk loader writes them) are changed and backfilled, and still equal.
func TestRollupsEqualRecomputation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		ctx := scope.With(context.Background(), scope.System())
		ids := func(path, key string) map[string]int64 {
			out := map[string]int64{}
			for _, it := range admin.Do("GET", path, nil).Items() {
				out[it[key].(string)] = int64(it["id"].(float64))
			}
			return out
		}
		orgs, users, cals := ids("/api/v1/orgs?page_size=500", "code"), ids("/api/v1/users?page_size=500", "login"), ids("/api/v1/calendars", "name")
		ctx = audit.WithActor(ctx, audit.Actor{UserID: users["admin"], Name: "admin"})
		var always int64
		for name, id := range cals {
			if strings.Contains(name, "7") {
				always = id
			}
		}
		for _, p := range []map[string]any{
			{"name": "紧急报修", "order": 10, "calendar_id": always, "match": map[string]any{"types": []string{"repair"}, "priorities": []string{"urgent"}},
				"targets": map[string]any{"first_response": 10, "arrival": 60, "resolution": 120}},
			{"name": "普通报修", "order": 20, "calendar_id": always, "match": map[string]any{"types": []string{"repair"}},
				"targets": map[string]any{"first_response": 30, "arrival": 240, "resolution": 600}},
			{"name": "投诉", "order": 30, "calendar_id": always, "match": map[string]any{"types": []string{"complaint"}}, "targets": map[string]any{"resolution": 480}},
		} {
			if r := admin.Do("POST", "/api/v1/sla/policies", p); r.Status != 201 {
				t.Fatalf("policy: %d %s", r.Status, r.Body)
			}
		}
		devices, _, err := a.Assets.List(ctx, asset.Filter{Limit: 12})
		if err != nil || len(devices) < 4 {
			t.Fatalf("devices: %v %d", err, len(devices))
		}
		engineers := []int64{users["eng.bj1a"], users["eng.bj1b"], users["eng.bj2a"], users["eng.sha"]}
		stations := []int64{orgs["ADWB-BJ1"], orgs["ADWB-SH"]}
		outlets := []int64{orgs["HXB-BJ-HD-01"], orgs["HXB-SH-PD-01"], orgs["HXB-BJ-CY-01"]}
		var cats []int64
		for _, c := range admin.Do("GET", "/api/v1/kb/categories", nil).JSON.(map[string]any)["items"].([]any) {
			cats = append(cats, int64(c.(map[string]any)["id"].(float64)))
		}

		rng := rand.New(rand.NewPCG(2026, uint64(len(engine))))
		now := time.Now().UTC().Truncate(time.Second)
		type tk struct {
			id     int64
			cursor time.Time
		}
		var tickets []*tk
		done := map[int]int{} // successful steps by kind
		ptr := func(v int64) *int64 { return &v }
		at := func(x *tk) *time.Time {
			step := time.Duration(rng.IntN(180)+1) * time.Minute
			if rng.IntN(8) == 0 {
				step = -step / 2 // entered out of order: re-timed steps
			}
			x.cursor = x.cursor.Add(step)
			if x.cursor.After(now) {
				x.cursor = now
			}
			v := x.cursor
			return &v
		}
		create := func() {
			reported := now.Add(-time.Duration(rng.IntN(70*24*60)) * time.Minute)
			in := ticket.CreateInput{Title: "性质测试", ReportedAt: &reported, Priority: []string{"low", "normal", "high", "urgent"}[rng.IntN(4)]}
			switch rng.IntN(5) {
			case 0:
				in.Type, in.OrgID = "complaint", ptr(outlets[rng.IntN(len(outlets))])
			case 1:
				in.Type, in.OrgID = "consultation", ptr(outlets[rng.IntN(len(outlets))])
			default:
				in.Type, in.AssetID = "repair", ptr(devices[rng.IntN(len(devices))].ID)
			}
			if rng.IntN(3) > 0 && len(cats) > 0 {
				in.CategoryID = ptr(cats[rng.IntN(len(cats))])
			}
			tc, err := a.Tickets.Create(ctx, in)
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			tickets = append(tickets, &tk{id: tc.ID, cursor: reported})
		}
		// next picks a step that fits the ticket's state.
		next := func(c *ticket.Ticket) int {
			switch {
			case c.Status == "new":
				return 0
			case c.Status == "pending":
				return []int{6, 7, 11}[rng.IntN(3)]
			case c.Status == "resolved" || c.Status == "closed":
				return []int{6, 9, 10, 11}[rng.IntN(4)]
			case c.DepartedAt == nil:
				return []int{2, 2, 1, 10}[rng.IntN(4)]
			case c.ArrivedAt == nil:
				return 3
			case c.RepairedAt == nil:
				return []int{4, 4, 5, 11}[rng.IntN(4)]
			}
			return []int{8, 8, 3, 4, 9, 11}[rng.IntN(6)]
		}
		step := func(x *tk) {
			var err error
			kind := rng.IntN(12)
			if cur, err := a.Tickets.Get(ctx, x.id); err == nil && rng.IntN(3) > 0 {
				kind = next(cur) // mostly follow the lifecycle, sometimes anything
			}
			defer func() {
				if err == nil {
					done[kind]++
				}
			}()
			switch kind {
			case 0, 1:
				in := ticket.AssignInput{At: at(x)}
				if rng.IntN(4) == 0 {
					in.OrgID = ptr(stations[rng.IntN(len(stations))])
				} else {
					in.UserID = ptr(engineers[rng.IntN(len(engineers))])
				}
				_, err = a.Tickets.Assign(ctx, x.id, in)
			case 2:
				_, err = a.Tickets.RecordEvent(ctx, x.id, ticket.EventInput{Kind: "departed", At: at(x)})
			case 3:
				km := float64(rng.IntN(400)) / 10
				_, err = a.Tickets.RecordEvent(ctx, x.id, ticket.EventInput{Kind: "arrived", At: at(x), DistanceKM: &km})
			case 4:
				_, err = a.Tickets.RecordEvent(ctx, x.id, ticket.EventInput{Kind: "repaired", At: at(x)})
			case 5:
				_, err = a.Tickets.Transition(ctx, x.id, ticket.TransitionInput{To: "pending", Reason: []string{"waiting_parts", "waiting_customer", "sent_for_repair"}[rng.IntN(3)], At: at(x)})
			case 6, 7:
				_, err = a.Tickets.Transition(ctx, x.id, ticket.TransitionInput{To: "in_progress", At: at(x)})
			case 8:
				_, err = a.Tickets.Transition(ctx, x.id, ticket.TransitionInput{To: "resolved", At: at(x)})
			case 9:
				_, err = a.Tickets.Transition(ctx, x.id, ticket.TransitionInput{To: "closed", At: at(x)})
			case 10:
				in := ticket.UpdateInput{Priority: ptr2([]string{"normal", "urgent"}[rng.IntN(2)])}
				if len(cats) > 0 && rng.IntN(2) == 0 {
					in.CategoryID = ptr(cats[rng.IntN(len(cats))])
				}
				_, err = a.Tickets.Update(ctx, x.id, in)
			case 11:
				_, err = a.Tickets.AddComment(ctx, x.id, ticket.CommentInput{Body: "进展", Internal: rng.IntN(2) == 0})
			}
			// steps the workflow refuses change nothing
		}
		for range 40 {
			create()
		}
		for range 500 {
			if rng.IntN(10) == 0 {
				create()
			}
			step(tickets[rng.IntN(len(tickets))])
		}
		t.Logf("steps done by kind (0–1 assign, departed, arrived, repaired, pending, 6–7 resume, resolved, closed, update, comment): %v", done)
		for kind := range 12 {
			if done[kind] < 3 {
				t.Fatalf("the workload did too few steps of kind %d: %v", kind, done)
			}
		}
		if _, err := a.Analytics.Backfill(ctx); err != nil { // the demo's bulk-loaded history
			t.Fatal(err)
		}
		checkRollups(t, a, "after the workload")

		// Tickets written without the hook, as ticket.BulkLoad writes them:
		// copies of some tickets with a NULL analytics_state. Changing one
		// through the service adds it (nothing to subtract); Backfill counts
		// the rest, once.
		var copies []int64
		for i, x := range tickets[:6] {
			id, err := a.DB.InsertID(ctx, `INSERT INTO tickets (number, type, title, description, priority, status, pending_reason, channel, customer_id, asset_id,
				org_id, vendor_org_id, station_id, assignee_id, category_id, reported_at, assigned_at, departed_at, arrived_at, repaired_at, resolved_at,
				closed_at, distance_km, pending_seconds, pending_since, created_by, version, day, created_at, updated_at)
				SELECT number || '-B`+fmt.Sprint(i)+`', type, title, description, priority, status, pending_reason, channel, customer_id, asset_id,
				org_id, vendor_org_id, station_id, assignee_id, category_id, reported_at, assigned_at, departed_at, arrived_at, repaired_at, resolved_at,
				closed_at, distance_km, pending_seconds, pending_since, created_by, version, day, created_at, updated_at FROM tickets WHERE id = ? RETURNING id`, x.id)
			if err != nil {
				t.Fatal(err)
			}
			copies = append(copies, id)
		}
		if n, err := a.Analytics.Pending(ctx); err != nil || n != int64(len(copies)) {
			t.Fatalf("pending %d (%v), want %d", n, err, len(copies))
		}
		for _, id := range copies[:3] {
			x := &tk{id: id, cursor: now.Add(-time.Hour)}
			for range 4 {
				step(x)
			}
		}
		n, err := a.Analytics.Backfill(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := a.Analytics.Pending(ctx); p != 0 || n < 3 || n > len(copies) {
			t.Fatalf("backfill counted %d, %d left", n, p)
		}
		if n, err := a.Analytics.Backfill(ctx); err != nil || n != 0 {
			t.Fatalf("a second backfill counted %d (%v)", n, err)
		}
		for _, id := range copies {
			x := &tk{id: id, cursor: now.Add(-30 * time.Minute)}
			for range 3 {
				step(x)
			}
		}
		checkRollups(t, a, "after backfilling")

		// Counted again from scratch in bulk (SQL), SLA outcomes included, the
		// roll-ups are the same; changes through the hook then subtract from
		// what the bulk count added.
		var tables []string
		for _, fam := range rollupFamilies {
			tables = append(tables, "analytics_"+fam.name+"_days", "analytics_"+fam.name+"_months")
		}
		for _, q := range append([]string{"UPDATE tickets SET analytics_state = NULL"},
			"DELETE FROM "+strings.Join(append(tables, "analytics_engineer_days", "analytics_engineer_org_days", "analytics_asset_days", "analytics_asset_months",
				"analytics_fault_days", "analytics_fault_months"), ";DELETE FROM ")) {
			for _, stmt := range strings.Split(q, ";") {
				if _, err := a.DB.Exec(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
		}
		if n, err := a.Analytics.Backfill(ctx); err != nil || n < len(tickets) {
			t.Fatalf("recount: %d (%v)", n, err)
		}
		checkRollups(t, a, "after counting everything again in bulk")
		for range 150 {
			step(tickets[rng.IntN(len(tickets))])
		}
		checkRollups(t, a, "after more changes")
		checkDeviceReports(t, a, ctx, now)
	})
}

// checkDeviceReports compares 异常服务 and the 故障原因 pages, which read the
// roll-ups, with the same figures from the raw tickets.
func checkDeviceReports(t *testing.T, a *testutil.TestApp, ctx context.Context, now time.Time) {
	t.Helper()
	zone, _ := time.LoadLocation("Asia/Shanghai")
	day := func(t time.Time) int { y, m, d := t.In(zone).Date(); return y*10000 + int(m)*100 + d }
	from, to := day(now.AddDate(0, 0, -50)), day(now) // ragged ends: months and days
	var want []int64
	if err := a.DB.Select(ctx, &want, `SELECT id FROM tickets WHERE asset_id IS NOT NULL AND type = 'repair' AND day >= ? AND day <= ?
		ORDER BY reported_at DESC, id DESC`, from, to); err != nil || len(want) < 10 {
		t.Fatalf("raw faults: %d %v", len(want), err)
	}
	for _, limit := range []int{3, 7, 50} {
		var got []int64
		for off := 0; off < len(want)+limit; off += limit {
			r, err := a.Analytics.Causes(ctx, analytics.Filter{From: from, To: to, Limit: limit, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != len(want) {
				t.Fatalf("causes total %d, raw %d", r.Total, len(want))
			}
			for _, it := range r.Items {
				got = append(got, it.TicketID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("causes by %d:\n got %v\nwant %v", limit, got, want)
		}
	}
	fault := `CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds
		WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds END`
	repair := "EPOCH(t.repaired_at) - EPOCH(t.arrived_at)"
	for _, th := range []struct {
		repairs    int
		fault, rep float64
		having     string
	}{{2, 0, 0, "COUNT(*) >= 2"}, {3, 2, 0, "COUNT(*) >= 3 OR MAX(" + fault + ") > 7200"}, {9, 0, 1, "COUNT(*) >= 9 OR MAX(" + repair + ") > 3600"}} {
		raw := readMap(t, a, fmt.Sprintf(`SELECT CAST(t.asset_id AS TEXT) AS k, %s AS v FROM tickets t
			WHERE t.asset_id IS NOT NULL AND t.type = 'repair' AND t.day >= %d AND t.day <= %d GROUP BY t.asset_id HAVING %s`,
			textRow([]string{"COUNT(*)", "COALESCE(SUM(" + fault + "), 0)", "COALESCE(MAX(" + fault + "), 0)", "COALESCE(SUM(" + repair + "), 0)",
				"COALESCE(MAX(" + repair + "), 0)"}), from, to, th.having))
		got := map[string]string{}
		for off := 0; ; off += 4 {
			r, err := a.Analytics.Abnormal(ctx, analytics.Filter{From: from, To: to, MinRepairs: th.repairs, MinFaultHours: th.fault, MinRepairHours: th.rep, Limit: 4, Offset: off})
			if err != nil {
				t.Fatal(err)
			}
			if r.Total != len(raw) {
				t.Fatalf("abnormal %+v: total %d, raw %d", th, r.Total, len(raw))
			}
			if len(r.Items) == 0 {
				break
			}
			for _, it := range r.Items {
				got[fmt.Sprint(it.AssetID)] = fmt.Sprintf("%d|%g|%g|%g|%g", it.Repairs, it.FaultHours, it.MaxFaultHours, it.RepairHours, it.MaxRepairHours)
			}
		}
		for k, v := range raw {
			var n, fs, mf, rs, mr float64
			fmt.Sscanf(strings.ReplaceAll(v, "|", " "), "%g %g %g %g %g", &n, &fs, &mf, &rs, &mr)
			h := func(s float64) float64 { return math.Round(s/36) / 100 }
			if w := fmt.Sprintf("%d|%g|%g|%g|%g", int(n), h(fs), h(mf), h(rs), h(mr)); got[k] != w {
				t.Errorf("abnormal %+v device %s: %q, raw %q", th, k, got[k], w)
			}
		}
		if len(raw) == 0 && th.repairs == 2 {
			t.Errorf("no abnormal devices to compare")
		}
	}
}

func ptr2(s string) *string { return &s }
