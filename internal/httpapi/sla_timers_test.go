package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// slaOf reads a ticket's sla object.
func slaOf(t *testing.T, r *testutil.Response) (policy int64, targets map[string]map[string]any) {
	t.Helper()
	m, _ := r.JSON.(map[string]any)
	s, ok := m["sla"].(map[string]any)
	if !ok {
		t.Fatalf("no sla in %s", r.Body)
	}
	if p, ok := s["policy_id"].(float64); ok {
		policy = int64(p)
	}
	targets = map[string]map[string]any{}
	for k, v := range s["targets"].(map[string]any) {
		targets[k] = v.(map[string]any)
	}
	return policy, targets
}

func dueOf(t *testing.T, target map[string]any) time.Time {
	t.Helper()
	d, err := time.Parse(time.RFC3339Nano, target["due_at"].(string))
	if err != nil {
		t.Fatalf("due_at %v: %v", target["due_at"], err)
	}
	return d
}

func ids(t *testing.T, c *testutil.Client, path, key string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, it := range c.Do("GET", path, nil).Items() {
		out[it[key].(string)] = int64(it["id"].(float64))
	}
	return out
}

// Timers (R-SLA-03): matching order, deadlines on the policy's calendar,
// targets met by assignment / arrival / resolution, pauses pushing the
// deadline, re-application on a priority change with history, the breached
// filter and the due_at sort; then the scanner's warnings and escalations
// reach the assignee and the station head once (R-SLA-04).
func TestSLATimers(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		orgs := ids(t, admin, "/api/v1/orgs?page_size=500", "code")
		users := ids(t, admin, "/api/v1/users?page_size=500", "login")
		cals := ids(t, admin, "/api/v1/calendars", "name")
		always := cals[demo.AlwaysCalendar]

		policy := func(body map[string]any) int64 {
			r := admin.Do("POST", "/api/v1/sla/policies", body)
			if r.Status != 201 {
				t.Fatalf("policy %v: %d %s", body["name"], r.Status, r.Body)
			}
			return r.Int("id")
		}
		shanghai := policy(map[string]any{"name": "上海报修", "order": 5, "calendar_id": always, "match": map[string]any{"types": []string{"repair"}, "org_ids": []int64{orgs["HXB-SH"]}},
			"targets": map[string]any{"resolution": 30}})
		urgent := policy(map[string]any{"name": "紧急报修", "order": 10, "calendar_id": always, "match": map[string]any{"types": []string{"repair"}, "priorities": []string{"urgent"}},
			"targets":     map[string]any{"first_response": 15, "arrival": 60, "resolution": 120},
			"warnings":    []any{map[string]any{"at_percent": 50}},
			"escalations": []any{map[string]any{"level": 1, "after_minutes": 0, "notify": "assignee"}, map[string]any{"level": 2, "after_minutes": 30, "notify": "station_head"}}})
		normal := policy(map[string]any{"name": "普通报修", "order": 20, "calendar_id": always, "match": map[string]any{"types": []string{"repair"}},
			"targets": map[string]any{"first_response": 60, "arrival": 240, "resolution": 480}})

		agent := a.Login("agent01", demo.Password)
		now := time.Now().UTC().Truncate(time.Second)
		ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
		open := func(org, priority string, reported time.Duration) *testutil.Response {
			r := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 吞卡 " + org, "priority": priority, "org_id": orgs[org], "reported_at": ts(reported)})
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			return r
		}

		// Matching order: the Beijing ticket skips the Shanghai policy (org) and the urgent one (priority).
		bj := open("HXB-BJ-HD-01", "normal", -10*time.Minute)
		p, targets := slaOf(t, bj)
		if p != normal || len(targets) != 3 {
			t.Fatalf("Beijing ticket: policy %d (want %d) targets %v", p, normal, targets)
		}
		if due := dueOf(t, targets["resolution"]); !due.Equal(now.Add(-10*time.Minute + 480*time.Minute)) {
			t.Fatalf("resolution due %v, want reported + 480 min", due)
		}
		if targets["resolution"]["breached"] != false || targets["resolution"]["met_at"] != nil || targets["resolution"]["paused_minutes"] != float64(0) {
			t.Fatalf("fresh target: %v", targets["resolution"])
		}
		sh := open("HXB-SH-PD-01", "urgent", -5*time.Minute)
		if p, targets := slaOf(t, sh); p != shanghai || len(targets) != 1 || targets["resolution"] == nil {
			t.Fatalf("Shanghai ticket: policy %d (want %d, the lower order wins) %v", p, shanghai, targets)
		}
		bjPath := fmt.Sprintf("/api/v1/tickets/%d", bj.Int("id"))

		// A device's contract that names a policy (its service commitment) wins
		// over the ordered matching while the contract is in force.
		committed := policy(map[string]any{"name": "合同承诺", "order": 500, "calendar_id": always, "match": map[string]any{"types": []string{"complaint"}},
			"targets": map[string]any{"resolution": 90}})
		k := admin.Do("POST", "/api/v1/contracts", map[string]any{"code": "HT-SLA-1", "name": "ATM 维保合同", "client_org_id": orgs["HXB"], "vendor_org_id": orgs["ADWB"],
			"starts_on": now.AddDate(0, -1, 0).Format("2006-01-02"), "ends_on": now.AddDate(1, 0, 0).Format("2006-01-02"), "sla_policy_id": committed})
		if k.Status != 201 {
			t.Fatalf("contract: %d %s", k.Status, k.Body)
		}
		dev := admin.Do("POST", "/api/v1/assets", map[string]any{"type": "ATM", "brand": "广电运通", "model": "GRG H68N", "serial": "SLA-0001",
			"org_id": orgs["HXB-BJ-HD-03"], "vendor_org_id": orgs["ADWB-BJ1"], "contract_id": k.Int("id")})
		if dev.Status != 201 {
			t.Fatalf("device: %d %s", dev.Status, dev.Body)
		}
		onContract := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "合同设备报修", "asset_id": dev.Int("id")})
		if p, targets := slaOf(t, onContract); onContract.Status != 201 || p != committed || len(targets) != 1 {
			t.Fatalf("contract's policy: %d policy %d (want %d) %v", onContract.Status, p, committed, targets)
		}

		// Re-application on a priority change, recorded on the timeline.
		sup := a.Login("supervisor01", demo.Password)
		r := sup.Do("PATCH", bjPath, map[string]any{"priority": "urgent"})
		if p, targets := slaOf(t, r); r.Status != 200 || p != urgent || !dueOf(t, targets["resolution"]).Equal(now.Add(110*time.Minute)) {
			t.Fatalf("re-applied on priority urgent: %d policy %d %v", r.Status, p, targets)
		}
		r = sup.Do("PATCH", bjPath, map[string]any{"priority": "normal"})
		if p, _ := slaOf(t, r); p != normal {
			t.Fatalf("back to normal: policy %d", p)
		}
		sup.Do("PATCH", bjPath, map[string]any{"title": "ATM 吞卡（已核实）"}) // no matching field: no re-application
		var slaEvents []map[string]any
		for _, ev := range sup.Do("GET", bjPath+"/events", nil).Items() {
			if ev["kind"] == "sla" {
				slaEvents = append(slaEvents, ev["data"].(map[string]any))
			}
		}
		if len(slaEvents) != 2 || slaEvents[0]["from_policy_id"] != float64(normal) || slaEvents[0]["to_policy_id"] != float64(urgent) ||
			slaEvents[1]["to_policy_id"] != float64(normal) || slaEvents[1]["generation"] != float64(3) {
			t.Fatalf("sla history on the timeline: %v", slaEvents)
		}

		// First response by assignment; arrival by the field event; a pause
		// pushes the resolution deadline by its (24×7) length.
		eng := users["eng.bj1a"]
		if r := sup.Do("POST", bjPath+"/assign", map[string]any{"user_id": eng, "at": ts(-8 * time.Minute)}); r.Status != 200 {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		e := a.Login("eng.bj1a", demo.Password)
		for _, step := range []struct {
			path string
			body map[string]any
		}{
			{"/events", map[string]any{"kind": "departed", "at": ts(-7 * time.Minute)}},
			{"/events", map[string]any{"kind": "arrived", "at": ts(-6 * time.Minute)}},
			{"/transitions", map[string]any{"to": "pending", "reason": "waiting_parts", "at": ts(-5 * time.Minute)}},
		} {
			if r := e.Do("POST", bjPath+step.path, step.body); r.Status != 200 {
				t.Fatalf("%s %v: %d %s", step.path, step.body, r.Status, r.Body)
			}
		}
		_, targets = slaOf(t, e.Do("GET", bjPath, nil))
		if targets["first_response"]["met_at"] == nil || targets["arrival"]["met_at"] == nil || targets["resolution"]["met_at"] != nil {
			t.Fatalf("met targets: %v", targets)
		}
		if pm := targets["resolution"]["paused_minutes"].(float64); pm < 5 || pm > 10 {
			t.Fatalf("ongoing pause counts: %v", pm)
		}
		if r := e.Do("POST", bjPath+"/transitions", map[string]any{"to": "in_progress", "at": ts(-2 * time.Minute)}); r.Status != 200 {
			t.Fatalf("resume: %d %s", r.Status, r.Body)
		}
		_, targets = slaOf(t, e.Do("GET", bjPath, nil))
		if due := dueOf(t, targets["resolution"]); !due.Equal(now.Add(-10*time.Minute+480*time.Minute+3*time.Minute)) || targets["resolution"]["paused_minutes"] != float64(3) {
			t.Fatalf("after the pause: due %v paused %v", due, targets["resolution"]["paused_minutes"])
		}

		// An urgent ticket reported three hours ago is breached; the breached
		// filter and the due_at sort see it.
		late := open("HXB-BJ-HD-02", "urgent", -3*time.Hour)
		latePath := fmt.Sprintf("/api/v1/tickets/%d", late.Int("id"))
		if r := sup.Do("POST", latePath+"/assign", map[string]any{"user_id": eng}); r.Status != 200 {
			t.Fatalf("assign late: %d %s", r.Status, r.Body)
		}
		_, targets = slaOf(t, sup.Do("GET", latePath, nil))
		if targets["resolution"]["breached"] != true || targets["first_response"]["breached"] != true {
			t.Fatalf("late ticket not breached: %v", targets)
		}
		numbers := func(r *testutil.Response) []string {
			out := []string{}
			for _, it := range r.Items() {
				out = append(out, it["number"].(string))
			}
			return out
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "breached=true", As: sup, Method: "GET", Path: "/api/v1/tickets?breached=true", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				got := numbers(r)
				if !slices.Contains(got, late.String("number")) || slices.Contains(got, bj.String("number")) {
					t.Fatalf("breached list %v", got)
				}
			}},
			{Name: "breached=false", As: sup, Method: "GET", Path: "/api/v1/tickets?breached=false", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				got := numbers(r)
				if slices.Contains(got, late.String("number")) || !slices.Contains(got, bj.String("number")) {
					t.Fatalf("not-breached list %v", got)
				}
			}},
			{Name: "sort by due_at", As: sup, Method: "GET", Path: "/api/v1/tickets?sort=due_at", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				var last time.Time
				seenNone := false
				for _, it := range r.Items() {
					p, targets := slaOf(t, &testutil.Response{JSON: it})
					var next time.Time
					for _, tg := range targets {
						if tg["met_at"] == nil && (next.IsZero() || dueOf(t, tg).Before(next)) {
							next = dueOf(t, tg)
						}
					}
					if next.IsZero() {
						seenNone = true
						continue
					}
					if seenNone || next.Before(last) || p == 0 {
						t.Fatalf("not sorted by the next deadline: %s", r.Body)
					}
					last = next
				}
				if got := numbers(r); got[0] != late.String("number") {
					t.Fatalf("the overdue ticket is not first: %v", got)
				}
			}},
			{Name: "bad sort", As: sup, Method: "GET", Path: "/api/v1/tickets?sort=deadline", Status: 422, Contains: []string{`"sort"`}},
			{Name: "bad breached", As: sup, Method: "GET", Path: "/api/v1/tickets?breached=yes", Status: 422, Contains: []string{`"breached"`}},
		})

		// The scanner: the 50 % warning came due after the deadline had passed
		// (skipped), the breach and both escalation levels fire — level 1 to the
		// engineer, level 2 to the station head — once, however often it runs.
		for range 3 {
			if _, err := a.SLATimers.Scan(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		var fired []string
		if err := a.DB.Select(context.Background(), &fired, "SELECT target || ' ' || step || ' ' || skipped FROM sla_firings WHERE ticket_id = ? ORDER BY target, step", late.Int("id")); err != nil {
			t.Fatal(err)
		}
		want := []string{"arrival breach ", "arrival e1:0 ", "arrival e2:0 ", "arrival w:p50 late", "resolution breach ", "resolution e1:0 ", "resolution e2:0 ", "resolution w:p50 late"}
		if !slices.Equal(fired, want) {
			t.Fatalf("firings %q, want %q", fired, want)
		}
		inbox := e.Do("GET", "/api/v1/notifications", nil)
		if inbox.Total() != 2 || inbox.Int("unread") != 2 {
			t.Fatalf("engineer's notifications: %s", inbox.Body)
		}
		for _, n := range inbox.Items() {
			if n["kind"] != "sla.escalation" || n["level"] != float64(1) || !strings.Contains(n["title"].(string), late.String("number")) {
				t.Fatalf("engineer's notification: %v", n)
			}
		}
		head := a.Login("bj1.head", demo.Password)
		hi := head.Do("GET", "/api/v1/notifications?unread=true", nil)
		if hi.Total() != 2 || hi.Items()[0]["level"] != float64(2) || !strings.Contains(hi.Items()[0]["body"].(string), "高峰") {
			t.Fatalf("station head's notifications: %s", hi.Body)
		}
		first := int64(inbox.Items()[0]["id"].(float64))
		testutil.Run(t, []testutil.Scenario{
			{Name: "another user's notification", As: head, Method: "POST", Path: fmt.Sprintf("/api/v1/notifications/%d/read", first), Status: 404},
			{Name: "mark read", As: e, Method: "POST", Path: fmt.Sprintf("/api/v1/notifications/%d/read", first), Status: 200, Contains: []string{`"read":true`}},
			{Name: "one unread left", As: e, Method: "GET", Path: "/api/v1/notifications?unread=true", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 || r.Int("unread") != 1 {
					t.Fatalf("unread: %s", r.Body)
				}
			}},
			{Name: "read all", As: e, Method: "POST", Path: "/api/v1/notifications/read-all", Status: 200, Contains: []string{`"updated":1`}},
			{Name: "the engineer cannot read the delivery log", As: e, Method: "GET", Path: "/api/v1/notifications/deliveries", Status: 403},
			{Name: "the delivery log shows the in-app deliveries", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/notifications/deliveries?ticket_id=%d", late.Int("id")), Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 4 {
					t.Fatalf("deliveries: %s", r.Body)
				}
				for _, d := range r.Items() {
					if d["channel"] != "in_app" || d["status"] != "sent" || len(d["history"].([]any)) != 1 {
						t.Fatalf("delivery: %v", d)
					}
				}
			}},
		})

		// Meeting the resolution stops its clock: nothing is due any more.
		if r := sup.Do("POST", latePath+"/transitions", map[string]any{"to": "resolved"}); r.Status != 200 {
			t.Fatalf("resolve: %d %s", r.Status, r.Body)
		}
		var open2 int
		if err := a.DB.Get(context.Background(), &open2, "SELECT count(*) FROM ticket_sla_targets WHERE ticket_id = ? AND next_fire_at IS NOT NULL", late.Int("id")); err != nil || open2 != 0 {
			t.Fatalf("targets still scheduled after resolution: %d %v", open2, err)
		}
	})
}
