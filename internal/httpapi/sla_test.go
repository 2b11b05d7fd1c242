package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/sla"
	"lingting/internal/testutil"
)

func fieldsOf(r *testutil.Response) map[string]any {
	m, _ := r.JSON.(map[string]any)
	e, _ := m["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	f, _ := d["fields"].(map[string]any)
	return f
}

func strs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestSLACalendarsAndPolicies(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		agent := a.Login("agent01", demo.Password)
		orgs := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		hours := [][]string{{"09:00", "12:00"}, {"13:30", "17:30"}}
		weekly := map[string]any{"mon": hours, "tue": hours, "wed": hours, "thu": hours, "fri": hours, "sat": [][]string{}, "sun": [][]string{}}

		created := admin.Do("POST", "/api/v1/calendars", map[string]any{"name": "测试工作日", "weekly": weekly, "holidays": []string{"2026-12-25"}})
		if created.Status != 201 || created.String("time_zone") != "Asia/Shanghai" || created.String("workday_hours_from") != "mon" {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		calID := created.Int("id")
		cal := fmt.Sprintf("/api/v1/calendars/%d", calID)
		always := admin.Do("POST", "/api/v1/calendars", map[string]any{"name": "测试 7×24", "time_zone": "Asia/Shanghai", "weekly": map[string]any{
			"mon": [][]string{{"00:00", "24:00"}}, "tue": [][]string{{"00:00", "24:00"}}, "wed": [][]string{{"00:00", "24:00"}}, "thu": [][]string{{"00:00", "24:00"}},
			"fri": [][]string{{"00:00", "24:00"}}, "sat": [][]string{{"00:00", "24:00"}}, "sun": [][]string{{"00:00", "24:00"}}}})
		if always.Status != 201 {
			t.Fatalf("24×7: %d %s", always.Status, always.Body)
		}

		badCal := map[string]any{"name": "坏日历", "time_zone": "Mars/Olympus",
			"weekly":   map[string]any{"mon": [][]string{{"09:00", "12:00"}, {"11:00", "13:00"}}, "tue": [][]string{{"9:00", "12:00"}}, "wed": [][]string{{"18:00", "09:00"}}},
			"holidays": []string{"2026-02-30", "2026-10-01"}, "workdays": []string{"2026-10-01"}}
		testutil.Run(t, []testutil.Scenario{
			{Name: "agent cannot read calendars", As: agent, Method: "GET", Path: "/api/v1/calendars", Status: 403},
			{Name: "agent cannot create calendars", As: agent, Method: "POST", Path: "/api/v1/calendars", Body: map[string]any{"name": "x", "weekly": weekly}, Status: 403},
			{Name: "agent cannot read policies", As: agent, Method: "GET", Path: "/api/v1/sla/policies", Status: 403},
			{Name: "every bad field is named", As: admin, Method: "POST", Path: "/api/v1/calendars", Body: badCal, Status: 422, Check: func(t *testing.T, r *testutil.Response) {
				f := fieldsOf(r)
				for _, k := range []string{"time_zone", "weekly.mon", "weekly.tue[0]", "weekly.wed[0]", "holidays[0]", "workdays[0]"} {
					if f[k] == nil {
						t.Errorf("no error for %s: %v", k, f)
					}
				}
			}},
			{Name: "unknown weekday key", As: admin, Method: "POST", Path: "/api/v1/calendars", Body: map[string]any{"name": "x", "weekly": map[string]any{"monday": hours}}, Status: 422},
			{Name: "no working hours at all", As: admin, Method: "POST", Path: "/api/v1/calendars", Body: map[string]any{"name": "x", "weekly": map[string]any{}}, Status: 422, Contains: []string{`"weekly"`}},
			{Name: "duplicate name", As: admin, Method: "POST", Path: "/api/v1/calendars", Body: map[string]any{"name": "测试工作日", "weekly": weekly}, Status: 422, Contains: []string{`"name"`}},
			{Name: "nothing was created by the bad calls", As: admin, Method: "GET", Path: "/api/v1/calendars", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 4 { // the demo's two and the two above
					t.Fatalf("calendars: %s", r.Body)
				}
			}},
			{Name: "unknown calendar", As: admin, Method: "GET", Path: "/api/v1/calendars/99999", Status: 404},
			{Name: "year the library does not know", As: admin, Method: "POST", Path: cal + "/china-holidays?year=2099", Status: 422, Contains: []string{`"year"`}},
			{Name: "year missing", As: admin, Method: "POST", Path: cal + "/china-holidays", Status: 422, Contains: []string{`"year"`}},
		})

		// 2026's official arrangement merged in.
		r := admin.Do("POST", cal+"/china-holidays?year=2026", nil)
		if r.Status != 200 {
			t.Fatalf("china-holidays: %d %s", r.Status, r.Body)
		}
		m := r.JSON.(map[string]any)
		hol, work := strs(m["holidays"]), strs(m["workdays"])
		if !slices.Contains(hol, "2026-10-01") || !slices.Contains(hol, "2026-10-07") || slices.Contains(hol, "2026-10-08") || !slices.Contains(hol, "2026-12-25") ||
			!slices.Equal(work, []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}) {
			t.Fatalf("merged arrangement: holidays %v workdays %v", hol, work)
		}

		// Deadlines on the calendar: Wed 09-30 17:00 + 120 = 30 that day, 国庆 off,
		// Thu 10-08 09:00 + 90 = 10:30.
		pv := admin.Do("GET", cal+"/preview?start="+url.QueryEscape("2026-09-30T17:00:00+08:00")+"&minutes=120&end="+url.QueryEscape("2026-10-09T09:00:00+08:00"), nil)
		if pv.Status != 200 || pv.String("deadline_local") != "2026-10-08T10:30:00+08:00" || pv.String("deadline") != "2026-10-08T02:30:00Z" || pv.Int("elapsed_minutes") != 30+420 {
			t.Fatalf("preview: %d %s", pv.Status, pv.Body)
		}
		// Saturday 10-10 is a make-up day: the clock starts at 09:00 there.
		if pv := admin.Do("GET", cal+"/preview?start="+url.QueryEscape("2026-10-09T18:00:00+08:00")+"&minutes=0", nil); pv.String("clock_start_local") != "2026-10-10T09:00:00+08:00" {
			t.Fatalf("preview at a make-up day: %s", pv.Body)
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "preview needs minutes or end", As: admin, Method: "GET", Path: cal + "/preview", Status: 422, Contains: []string{`"minutes"`}},
			{Name: "preview with a bad start", As: admin, Method: "GET", Path: cal + "/preview?minutes=5&start=yesterday", Status: 422, Contains: []string{`"start"`}},
		})

		// CSV export and import.
		exp := admin.Do("GET", cal+"/export.csv", nil)
		lines := strings.Split(strings.TrimSpace(string(exp.Body)), "\n")
		if exp.Status != 200 || !strings.HasPrefix(exp.Header.Get("Content-Type"), "text/csv") || lines[0] != "date,kind" ||
			!slices.Contains(lines, "2026-10-01,holiday") || !slices.Contains(lines, "2026-10-10,workday") || len(lines) != 1+len(hol)+len(work) {
			t.Fatalf("export: %d %s", exp.Status, exp.Body)
		}
		before := admin.Do("GET", cal, nil)
		bad := admin.Upload(cal+"/import", nil, "bad.csv", []byte("date,kind\n2026-12-24,holiday\n2026-13-01,holiday\n2026-12-31,vacation\n"))
		if bad.Status != 422 || fieldsOf(bad)["line 3"] == nil || fieldsOf(bad)["line 4"] == nil {
			t.Fatalf("bad import: %d %s", bad.Status, bad.Body)
		}
		if after := admin.Do("GET", cal, nil); string(after.Body) != string(before.Body) {
			t.Fatalf("a rejected import changed the calendar:\n%s\n%s", before.Body, after.Body)
		}
		up := admin.Upload(cal+"/import", nil, "marks.csv", []byte("\xef\xbb\xbfdate,kind\n2026-12-24,holiday\n2026-10-07,调休\n"))
		hol, work = strs(up.JSON.(map[string]any)["holidays"]), strs(up.JSON.(map[string]any)["workdays"])
		if up.Status != 200 || !slices.Contains(hol, "2026-12-24") || slices.Contains(hol, "2026-10-07") || !slices.Contains(work, "2026-10-07") {
			t.Fatalf("import: %d %s", up.Status, up.Body)
		}
		// The raw text/csv body, with a bearer token (no CSRF), replacing every mark.
		tok := admin.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "sla-test"}).String("token")
		req, _ := http.NewRequest("POST", a.URL+cal+"/import?mode=replace", strings.NewReader("2027-01-01,holiday\n"))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"holidays":["2027-01-01"],"workdays":[]`) {
			t.Fatalf("replace import: %d %s", resp.StatusCode, body)
		}
		req, _ = http.NewRequest("POST", a.URL+cal+"/import", strings.NewReader(`{"date":"2027-01-01"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 415 {
			t.Fatalf("JSON import body: %v %v", resp, err)
		}

		// Policies.
		n := func(v int) *int { return &v }
		repair := map[string]any{"name": "ATM 报修（北京）", "order": 10, "calendar_id": calID,
			"match":       map[string]any{"types": []string{"repair"}, "org_ids": []int64{orgs["HXB-BJ"]}},
			"targets":     map[string]any{"first_response": 30, "arrival": 240, "resolution": 480},
			"warnings":    []map[string]any{{"before_minutes": 120}, {"at_percent": 75}},
			"escalations": []map[string]any{{"level": 2, "after_minutes": 60, "notify": "station_head"}, {"level": 1, "after_minutes": 0, "notify": "assignee", "repeat_every_minutes": 120}}}
		p := admin.Do("POST", "/api/v1/sla/policies", repair)
		if p.Status != 201 || !strings.Contains(string(p.Body), `"escalations":[{"level":1,`) || !strings.Contains(string(p.Body), `"active":true`) {
			t.Fatalf("create policy: %d %s", p.Status, p.Body)
		}
		polID := p.Int("id")
		catchAll := admin.Do("POST", "/api/v1/sla/policies", map[string]any{"name": "默认", "order": 100, "calendar_id": always.Int("id"), "targets": map[string]any{"resolution": 1440}})
		if catchAll.Status != 201 {
			t.Fatalf("catch-all: %d %s", catchAll.Status, catchAll.Body)
		}
		pol := fmt.Sprintf("/api/v1/sla/policies/%d", polID)
		testutil.Run(t, []testutil.Scenario{
			{Name: "bad policy names every field", As: admin, Method: "POST", Path: "/api/v1/sla/policies", Body: map[string]any{"name": "坏策略", "calendar_id": 99999,
				"match":       map[string]any{"types": []string{"teleport"}, "priorities": []string{"asap"}, "grades": []string{"platinum"}, "org_ids": []int64{99999}},
				"targets":     map[string]any{"resolution": 0},
				"warnings":    []map[string]any{{"before_minutes": 10, "at_percent": 50}},
				"escalations": []map[string]any{{"level": 1, "after_minutes": 0, "notify": "ceo"}}}, Status: 422, Check: func(t *testing.T, r *testutil.Response) {
				f := fieldsOf(r)
				for _, k := range []string{"calendar_id", "match.types[0]", "match.priorities[0]", "match.grades[0]", "match.org_ids[0]", "targets.resolution", "warnings[0]", "escalations[0].notify"} {
					if f[k] == nil {
						t.Errorf("no error for %s: %v", k, f)
					}
				}
			}},
			{Name: "no targets", As: admin, Method: "POST", Path: "/api/v1/sla/policies", Body: map[string]any{"name": "x", "calendar_id": calID}, Status: 422, Contains: []string{`"targets"`}},
			{Name: "unknown field", As: admin, Method: "POST", Path: "/api/v1/sla/policies", Body: map[string]any{"name": "x", "calendar_id": calID, "targets": map[string]any{"resolution": 5}, "priority": 1}, Status: 422},
			{Name: "duplicate name", As: admin, Method: "POST", Path: "/api/v1/sla/policies", Body: repair, Status: 422, Contains: []string{`"name"`}},
			{Name: "list in matching order", As: admin, Method: "GET", Path: "/api/v1/sla/policies", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if items := r.Items(); r.Total() != 2 || int64(items[0]["id"].(float64)) != polID {
					t.Fatalf("policies: %s", r.Body)
				}
			}},
			{Name: "a repair at a Beijing outlet gets the Beijing policy", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/sla/match?type=repair&org_id=%d", orgs["HXB-BJ-HD-01"]), Status: 200, Contains: []string{`"name":"ATM 报修（北京）"`}},
			{Name: "a repair in Shanghai falls through", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/sla/match?type=repair&org_id=%d", orgs["HXB-SH-PD-01"]), Status: 200, Contains: []string{`"name":"默认"`}},
			{Name: "calendar in use cannot be deleted", As: admin, Method: "DELETE", Path: cal, Status: 409, Code: "conflict"},
			{Name: "replace: deactivate and reorder", As: admin, Method: "PUT", Path: pol, Body: map[string]any{"name": "ATM 报修（北京）", "order": 5, "calendar_id": calID, "active": false,
				"match": map[string]any{"types": []string{"repair"}}, "targets": map[string]any{"resolution": 480, "arrival": n(240)}}, Status: 200, Contains: []string{`"active":false`, `"order":5`, `"first_response":null`}},
			{Name: "an inactive policy matches nothing", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/sla/match?type=repair&org_id=%d", orgs["HXB-BJ-HD-01"]), Status: 200, Contains: []string{`"name":"默认"`}},
			{Name: "active only", As: admin, Method: "GET", Path: "/api/v1/sla/policies?active=true", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 {
					t.Fatalf("active policies: %s", r.Body)
				}
			}},
			{Name: "agent cannot delete", As: agent, Method: "DELETE", Path: pol, Status: 403},
			{Name: "delete the policy", As: admin, Method: "DELETE", Path: pol, Status: 204},
			{Name: "it is gone", As: admin, Method: "GET", Path: pol, Status: 404},
			{Name: "now the calendar can go", As: admin, Method: "DELETE", Path: cal, Status: 204},
			{Name: "the calendar is gone", As: admin, Method: "GET", Path: cal, Status: 404},
		})

		// Every write is in the audit log.
		actions := map[string]int{}
		for _, e := range admin.Do("GET", "/api/v1/audit?page_size=500", nil).Items() {
			if e["entity"] == "calendar" || e["entity"] == "sla_policy" {
				actions[e["entity"].(string)+"."+e["action"].(string)]++
			}
		}
		// The demo's two calendars were created too.
		want := map[string]int{"calendar.create": 4, "calendar.import_holidays": 1, "calendar.import": 2, "calendar.delete": 1,
			"sla_policy.create": 2, "sla_policy.update": 1, "sla_policy.delete": 1}
		for k, v := range want {
			if actions[k] != v {
				t.Errorf("audit %s: %d entries, want %d (all: %v)", k, actions[k], v, actions)
			}
		}
	})
}

// TestSLADemoCalendars loads the demo calendars (as of 2026-11-22: the
// library knows 2026, not 2027) twice and reads them through the API.
func TestSLADemoCalendars(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		svc := sla.NewService(a.DB, a.Audit)
		now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
		for range 2 {
			if err := demo.LoadSLA(context.Background(), svc, now); err != nil {
				t.Fatal(err)
			}
		}
		admin := a.Admin()
		list := admin.Do("GET", "/api/v1/calendars", nil)
		if list.Total() != 2 {
			t.Fatalf("calendars: %s", list.Body)
		}
		for _, c := range list.Items() {
			path := fmt.Sprintf("/api/v1/calendars/%v/preview?start=%s&minutes=120", c["id"], url.QueryEscape("2026-09-30T17:00:00+08:00"))
			want := map[string]string{demo.OutletCalendar: "2026-10-08T10:30:00+08:00", demo.AlwaysCalendar: "2026-09-30T19:00:00+08:00"}[c["name"].(string)]
			if pv := admin.Do("GET", path, nil); pv.String("deadline_local") != want {
				t.Errorf("%s: %s, want %s", c["name"], pv.Body, want)
			}
			if c["name"] == demo.OutletCalendar && (len(strs(c["holidays"])) != 33 || len(strs(c["workdays"])) != 6) {
				t.Errorf("2026 arrangement: %v %v", c["holidays"], c["workdays"])
			}
		}
	})
}
