package httpapi_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// Saving a calendar moves the open deadlines of tickets whose policy uses it
// (a holiday pushes them, a make-up working day pulls them in), with an "sla"
// event on each ticket; met and breached targets keep their deadlines.
func TestCalendarChangeMovesDeadlines(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		orgs := ids(t, admin, "/api/v1/orgs?page_size=500", "code")
		users := ids(t, admin, "/api/v1/users?page_size=500", "login")
		day := [][]string{{"09:00", "12:00"}, {"13:00", "18:00"}}
		weekly := map[string]any{"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [][]string{}, "sun": [][]string{}}
		c := admin.Do("POST", "/api/v1/calendars", map[string]any{"name": "调休测试", "time_zone": "Asia/Shanghai", "weekly": weekly})
		if c.Status != 201 {
			t.Fatalf("calendar: %d %s", c.Status, c.Body)
		}
		calPath := fmt.Sprintf("/api/v1/calendars/%d", c.Int("id"))
		const minutes = 5 * 8 * 60 // five working days
		if r := admin.Do("POST", "/api/v1/sla/policies", map[string]any{"name": "日历策略", "order": 1, "calendar_id": c.Int("id"),
			"match": map[string]any{"types": []string{"repair"}}, "targets": map[string]any{"first_response": 60, "resolution": minutes}}); r.Status != 201 {
			t.Fatalf("policy: %d %s", r.Status, r.Body)
		}
		agent := a.Login("agent01", demo.Password)
		now := time.Now().UTC().Truncate(time.Second)
		open := func(reported time.Time) (*testutil.Response, string) {
			r := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "日历工单", "org_id": orgs["HXB-BJ-HD-01"], "reported_at": reported.Format(time.RFC3339)})
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			return r, fmt.Sprintf("/api/v1/tickets/%d", r.Int("id"))
		}
		reported := now.Add(-time.Minute)
		tk, path := open(reported)
		_, oldTargets := slaOf(t, tk)
		old := dueOf(t, oldTargets["resolution"])
		late, latePath := open(now.Add(-30 * 24 * time.Hour)) // long breached
		_, lateTargets := slaOf(t, late)
		if lateTargets["resolution"]["breached"] != true {
			t.Fatalf("the old ticket is not breached: %v", lateTargets)
		}
		// First response met: that deadline stays.
		if r := a.Login("supervisor01", demo.Password).Do("POST", path+"/assign", map[string]any{"user_id": users["eng.bj1a"]}); r.Status != 200 {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		preview := func() time.Time {
			r := admin.Do("GET", calPath+"/preview?minutes="+fmt.Sprint(minutes)+"&start="+reported.Format(time.RFC3339), nil)
			d, err := time.Parse(time.RFC3339Nano, r.String("deadline"))
			if r.Status != 200 || err != nil {
				t.Fatalf("preview: %d %s", r.Status, r.Body)
			}
			return d
		}
		if p := preview(); !p.Equal(old) {
			t.Fatalf("deadline %v, preview %v", old, p)
		}
		// The first working day after today becomes a holiday, the first
		// Saturday after it a make-up working day.
		sh, _ := time.LoadLocation("Asia/Shanghai")
		local := reported.In(sh)
		d := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, sh).AddDate(0, 0, 1)
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			d = d.AddDate(0, 0, 1)
		}
		holiday := d.Format(time.DateOnly)
		for d.Weekday() != time.Saturday {
			d = d.AddDate(0, 0, 1)
		}
		makeup := d.Format(time.DateOnly)

		save := func(holidays, workdays []string) time.Time {
			t.Helper()
			r := admin.Do("PUT", calPath, map[string]any{"name": "调休测试", "time_zone": "Asia/Shanghai", "weekly": weekly, "holidays": holidays, "workdays": workdays})
			if r.Status != 200 {
				t.Fatalf("save calendar: %d %s", r.Status, r.Body)
			}
			_, targets := slaOf(t, admin.Do("GET", path, nil))
			if got := dueOf(t, targets["first_response"]); !got.Equal(dueOf(t, oldTargets["first_response"])) {
				t.Fatalf("the met first response moved: %v", got)
			}
			_, lt := slaOf(t, admin.Do("GET", latePath, nil))
			if !dueOf(t, lt["resolution"]).Equal(dueOf(t, lateTargets["resolution"])) {
				t.Fatalf("the breached deadline moved: %v", lt["resolution"])
			}
			// The business time left does not change with the calendar (the
			// deadline moves instead): the target less the minute or two run.
			if rem, _ := targets["resolution"]["remaining_minutes"].(float64); rem < minutes-3 || rem > minutes {
				t.Fatalf("remaining business minutes %v of %d", targets["resolution"]["remaining_minutes"], minutes)
			}
			if _, ok := targets["first_response"]["remaining_minutes"]; ok {
				t.Fatalf("a met target has remaining minutes: %v", targets["first_response"])
			}
			return dueOf(t, targets["resolution"])
		}
		withHoliday := save([]string{holiday}, nil)
		if p := preview(); !withHoliday.Equal(p) || !withHoliday.After(old) {
			t.Fatalf("after the holiday %s: due %v (was %v), preview %v", holiday, withHoliday, old, p)
		}
		withMakeup := save([]string{holiday}, []string{makeup})
		if p := preview(); !withMakeup.Equal(p) || !withMakeup.Before(withHoliday) {
			t.Fatalf("after the make-up day %s: due %v (was %v), preview %v", makeup, withMakeup, withHoliday, p)
		}
		// The ticket's next deadline (lists sort on it) follows.
		var next time.Time
		if err := a.DB.Get(context.Background(), &next, "SELECT sla_due_at FROM tickets WHERE id = ?", tk.Int("id")); err != nil || !next.Equal(withMakeup) {
			t.Fatalf("tickets.sla_due_at %v (%v), want %v", next, err, withMakeup)
		}
		// History on the ticket: two recalculations naming the calendar.
		var evs []map[string]any
		for _, ev := range admin.Do("GET", path+"/events", nil).Items() {
			if ev["kind"] == "sla" {
				evs = append(evs, ev["data"].(map[string]any))
			}
		}
		if len(evs) != 2 || evs[0]["action"] != "recalculated" || evs[0]["calendar"] != "调休测试" {
			t.Fatalf("sla events: %v", evs)
		}
		ch := evs[1]["changes"].([]any)[0].(map[string]any)
		if ch["target"] != "resolution" || ch["to"] != withMakeup.Format(time.RFC3339) {
			t.Fatalf("change: %v", ch)
		}
		for _, ev := range admin.Do("GET", latePath+"/events", nil).Items() {
			if ev["kind"] == "sla" {
				t.Fatalf("the breached ticket got an event: %v", ev)
			}
		}
	})
}
