package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// Each pause of a target is listed on the ticket (issue #5 item 8: the
// ticket page shows the pauses): pause, resume, pause again gives two pauses,
// the first closed with its minutes, the second open and measured up to now;
// after the second resume both are closed and add up to paused_minutes.
func TestSLAPausesListed(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		orgs := ids(t, admin, "/api/v1/orgs?page_size=500", "code")
		users := ids(t, admin, "/api/v1/users?page_size=500", "login")
		cals := ids(t, admin, "/api/v1/calendars", "name")
		if r := admin.Do("POST", "/api/v1/sla/policies", map[string]any{"name": "暂停测试", "order": 1, "calendar_id": cals[demo.AlwaysCalendar],
			"match": map[string]any{"types": []string{"repair"}}, "targets": map[string]any{"first_response": 30, "resolution": 480}}); r.Status != 201 {
			t.Fatalf("policy: %d %s", r.Status, r.Body)
		}
		now := time.Now().UTC().Truncate(time.Second)
		ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
		agent := a.Login("agent01", demo.Password)
		tk := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 暂停", "priority": "normal", "org_id": orgs["HXB-BJ-HD-01"], "reported_at": ts(-90 * time.Minute)})
		if tk.Status != 201 {
			t.Fatalf("create: %d %s", tk.Status, tk.Body)
		}
		path := fmt.Sprintf("/api/v1/tickets/%d", tk.Int("id"))
		if _, targets := slaOf(t, tk); len(targets["resolution"]["pauses"].([]any)) != 0 {
			t.Fatalf("a new ticket has no pauses: %v", targets["resolution"])
		}
		sup := a.Login("supervisor01", demo.Password)
		if r := sup.Do("POST", path+"/assign", map[string]any{"user_id": users["eng.bj1a"], "at": ts(-80 * time.Minute)}); r.Status != 200 {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		e := a.Login("eng.bj1a", demo.Password)
		move := func(body map[string]any) {
			t.Helper()
			if r := e.Do("POST", path+"/transitions", body); r.Status != 200 {
				t.Fatalf("transition %v: %d %s", body, r.Status, r.Body)
			}
		}
		pausesOf := func(target map[string]any) []map[string]any {
			var out []map[string]any
			for _, p := range target["pauses"].([]any) {
				out = append(out, p.(map[string]any))
			}
			return out
		}
		move(map[string]any{"to": "pending", "reason": "waiting_parts", "at": ts(-60 * time.Minute)})
		move(map[string]any{"to": "in_progress", "at": ts(-50 * time.Minute)})
		move(map[string]any{"to": "pending", "reason": "waiting_customer", "at": ts(-30 * time.Minute)})

		_, targets := slaOf(t, e.Do("GET", path, nil))
		ps := pausesOf(targets["resolution"])
		if len(ps) != 2 || ps[0]["started_at"] != ts(-60*time.Minute) || ps[0]["ended_at"] != ts(-50*time.Minute) || ps[0]["paused_minutes"] != float64(10) ||
			ps[1]["started_at"] != ts(-30*time.Minute) || ps[1]["ended_at"] != nil {
			t.Fatalf("pause, resume, pause again: %v", ps)
		}
		if m := ps[1]["paused_minutes"].(float64); m < 30 || m > 35 {
			t.Fatalf("the ongoing pause counts up to now: %v", m)
		}
		// first_response was met by the assignment, before any pause
		if fr := pausesOf(targets["first_response"]); len(fr) != 0 {
			t.Fatalf("a met target does not pause: %v", fr)
		}

		move(map[string]any{"to": "in_progress", "at": ts(-5 * time.Minute)})
		_, targets = slaOf(t, e.Do("GET", path, nil))
		ps = pausesOf(targets["resolution"])
		if len(ps) != 2 || ps[1]["ended_at"] != ts(-5*time.Minute) || ps[1]["paused_minutes"] != float64(25) || targets["resolution"]["paused_minutes"] != float64(35) {
			t.Fatalf("after the second resume: %v (total %v)", ps, targets["resolution"]["paused_minutes"])
		}
		if due := dueOf(t, targets["resolution"]); !due.Equal(now.Add(-90*time.Minute + 480*time.Minute + 35*time.Minute)) {
			t.Fatalf("due %v, want pushed by 35 minutes", due)
		}
		// lists carry the pauses too
		found := false
		for _, it := range sup.Do("GET", "/api/v1/tickets?page_size=100", nil).Items() {
			if int64(it["id"].(float64)) == tk.Int("id") {
				res := it["sla"].(map[string]any)["targets"].(map[string]any)["resolution"].(map[string]any)
				found = len(res["pauses"].([]any)) == 2
			}
		}
		if !found {
			t.Fatal("the list does not show the two pauses")
		}
	})
}
