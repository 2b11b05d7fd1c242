package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
	"lingting/internal/ticket"
)

// A ticket written by ticket.Service.BulkLoad reads back through the API
// exactly like the same history worked through the API: every field of the
// ticket (status, station, assignee, vendor, times, distance, version,
// durations), the list row, and each timeline event with its actor and data.
func TestBulkLoadedTicketReadsLikeServiceOne(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		orgs, users := map[string]int64{}, map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
			users[u["login"].(string)] = int64(u["id"].(float64))
		}
		station := orgs["ADWB-BJ1"]
		dev := admin.Do("POST", "/api/v1/assets", map[string]any{"type": "ATM", "brand": "日立", "model": "HT-2845-V", "serial": "BULK-1",
			"org_id": orgs["HXB-BJ-HD-01"], "vendor_org_id": station})
		if dev.Status != 201 {
			t.Fatalf("device: %d %s", dev.Status, dev.Body)
		}
		devID := dev.Int("id")
		cat := bulkCategory(admin.Do("GET", "/api/v1/kb/categories", nil).JSON.(map[string]any)["items"].([]any), "吞卡")
		if cat == 0 {
			t.Fatal("demo fault category 吞卡 missing")
		}
		start := time.Now().Add(-30 * time.Hour).UTC().Truncate(time.Second)
		at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
		km1, km2 := 18.5, 37.0
		// One history: who does what, when.
		history := []struct {
			login string
			step  ticket.BulkStep
		}{
			{"supervisor01", ticket.BulkStep{Kind: ticket.StepAssign, At: at(10), OrgID: station, Note: "派往北京第一服务站"}},
			{"bj1.head", ticket.BulkStep{Kind: ticket.StepAssign, At: at(20), UserID: users["eng.bj1a"]}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepDeparted, At: at(30)}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepArrived, At: at(55), DistanceKM: &km1}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepStatus, At: at(70), To: ticket.StatusPending, Reason: ticket.ReasonWaitingParts, Note: "缺读卡器"}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepStatus, At: at(190), To: ticket.StatusInProgress}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepDeparted, At: at(200)}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepArrived, At: at(230), DistanceKM: &km2}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepRepaired, At: at(260)}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepStatus, At: at(262), To: ticket.StatusResolved}},
			{"supervisor01", ticket.BulkStep{Kind: ticket.StepStatus, At: at(400), To: ticket.StatusInProgress, Note: "故障复发"}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepRepaired, At: at(430)}},
			{"eng.bj1a", ticket.BulkStep{Kind: ticket.StepStatus, At: at(431), To: ticket.StatusResolved}},
			{"supervisor01", ticket.BulkStep{Kind: ticket.StepStatus, At: at(500), To: ticket.StatusClosed}},
		}

		// Through the API, each step as its actor, every time entered.
		clients := map[string]*testutil.Client{}
		as := func(login string) *testutil.Client {
			if clients[login] == nil {
				clients[login] = a.Login(login, demo.Password)
			}
			return clients[login]
		}
		created := as("agent01").Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 吞卡", "description": "网点来电报修",
			"priority": "high", "asset_id": devID, "category_id": cat, "channel": "phone", "reported_at": start.Format(time.RFC3339)})
		if created.Status != 201 {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		viaAPI := created.Int("id")
		for _, h := range history {
			s := h.step
			var path string
			body := map[string]any{"at": s.At.Format(time.RFC3339), "note": s.Note}
			switch s.Kind {
			case ticket.StepAssign:
				path = "/assign"
				if s.UserID != 0 {
					body["user_id"] = s.UserID
				} else {
					body["org_id"] = s.OrgID
				}
			case ticket.StepStatus:
				path, body["to"] = "/transitions", s.To
				if s.Reason != "" {
					body["reason"] = s.Reason
				}
			default:
				path, body["kind"] = "/events", s.Kind
				if s.DistanceKM != nil {
					body["distance_km"] = *s.DistanceKM
				}
			}
			if r := as(h.login).Do("POST", fmt.Sprintf("/api/v1/tickets/%d%s", viaAPI, path), body); r.Status != 200 {
				t.Fatalf("%s %s: %d %s", h.login, s.Kind, r.Status, r.Body)
			}
		}

		// The same history through the bulk loader.
		bt := ticket.BulkTicket{Type: "repair", Title: "ATM 吞卡", Description: "网点来电报修", Priority: "high", Channel: "phone",
			AssetID: &devID, CategoryID: &cat, ReportedAt: start, Entered: true, CreatedBy: users["agent01"]}
		for _, h := range history {
			s := h.step
			s.Entered, s.ActorID = true, users[h.login]
			bt.Steps = append(bt.Steps, s)
		}
		ctx := context.Background()
		st, err := a.App.Tickets.BulkLoad(ctx, slices.Values([]ticket.BulkTicket{bt}), ticket.BulkOptions{})
		if err != nil {
			t.Fatalf("bulk load: %v", err)
		}
		if st.Tickets != 1 || st.Events != len(history)+1 || st.FirstID != st.LastID {
			t.Fatalf("bulk stats: %+v", st)
		}
		viaBulk := st.FirstID

		// The ticket: every field equal but the identity and the recording times.
		strip := func(m map[string]any, keys ...string) map[string]any {
			m = maps.Clone(m)
			for _, k := range keys {
				delete(m, k)
			}
			return m
		}
		read := func(id int64) map[string]any {
			r := admin.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), nil)
			if r.Status != 200 {
				t.Fatalf("read %d: %d %s", id, r.Status, r.Body)
			}
			return r.JSON.(map[string]any)
		}
		apiT, bulkT := read(viaAPI), read(viaBulk)
		// The SLA is the SLA module's: bulk-loaded history carries none.
		ignore := []string{"id", "number", "created_at", "updated_at", "sla"}
		if got, want := strip(bulkT, ignore...), strip(apiT, ignore...); !reflect.DeepEqual(got, want) {
			t.Fatalf("bulk ticket differs from the service one:\nbulk %s\napi  %s", bulkJSON(got), bulkJSON(want))
		}
		d := bulkT["durations"].(map[string]any)
		if d["response_minutes"] != float64(10) || d["travel_minutes"] != float64(30) || d["repair_minutes"] != float64(200) ||
			d["pending_minutes"] != float64(120) || d["fault_minutes"] != float64(310) || bulkT["distance_km"] != 37.0 ||
			bulkT["status"] != "closed" || bulkT["version"] != float64(len(history)+1) || bulkT["station_id"] != float64(station) {
			t.Fatalf("bulk ticket: %s", bulkJSON(bulkT))
		}
		if !regexp.MustCompile(`^GD\d{8}-\d{6}$`).MatchString(bulkT["number"].(string)) || bulkT["number"] == apiT["number"] {
			t.Fatalf("numbers: bulk %v, api %v", bulkT["number"], apiT["number"])
		}
		if bulkT["created_at"] != start.Format(time.RFC3339) || bulkT["updated_at"] != at(500).Format(time.RFC3339) {
			t.Fatalf("bulk created_at %v, updated_at %v: want the report and the last step", bulkT["created_at"], bulkT["updated_at"])
		}

		// The timeline: the same events, actors and data, in the same order.
		timeline := func(id int64) []map[string]any {
			var out []map[string]any
			for _, ev := range admin.Do("GET", fmt.Sprintf("/api/v1/tickets/%d/events", id), nil).Items() {
				if ev["kind"] != "sla" {
					out = append(out, strip(ev, "id", "recorded_at"))
				}
			}
			return out
		}
		if got, want := timeline(viaBulk), timeline(viaAPI); !reflect.DeepEqual(got, want) {
			t.Fatalf("bulk timeline differs:\nbulk %s\napi  %s", bulkJSON(got), bulkJSON(want))
		}

		// The list rows, as the station head sees them; other stations do not.
		head := as("bj1.head")
		row := func(number any) map[string]any {
			items := head.Do("GET", fmt.Sprintf("/api/v1/tickets?q=%v", number), nil).Items()
			if len(items) != 1 {
				t.Fatalf("list %v: %d rows", number, len(items))
			}
			return items[0]
		}
		if got, want := strip(row(bulkT["number"]), ignore...), strip(row(apiT["number"]), ignore...); !reflect.DeepEqual(got, want) {
			t.Fatalf("bulk list row differs:\nbulk %s\napi  %s", bulkJSON(got), bulkJSON(want))
		}
		// A list row is the ticket itself (the list reads its own column list).
		if got, want := strip(row(bulkT["number"]), "sla"), strip(bulkT, "sla"); !reflect.DeepEqual(got, want) {
			t.Fatalf("list row differs from the ticket:\nrow    %s\nticket %s", bulkJSON(got), bulkJSON(want))
		}
		if r := as("sh.station").Do("GET", fmt.Sprintf("/api/v1/tickets/%d", viaBulk), nil); r.Status != 404 {
			t.Fatalf("another station opens the bulk ticket: %d", r.Status)
		}

		// Numbers stay unique next to tickets created on the same day.
		var many []ticket.BulkTicket
		for i := range 30 {
			many = append(many, ticket.BulkTicket{Type: "consultation", Title: fmt.Sprintf("咨询 %d", i), OrgID: orgs["HXB-BJ-HD-01"], ReportedAt: start.Add(time.Duration(i) * time.Second)})
		}
		if _, err := a.App.Tickets.BulkLoad(ctx, slices.Values(many), ticket.BulkOptions{Chunk: 7}); err != nil {
			t.Fatalf("bulk load: %v", err)
		}
		for i := range 3 {
			if r := as("agent01").Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": fmt.Sprintf("同日 %d", i),
				"org_id": orgs["HXB-BJ-HD-01"], "reported_at": start.Add(time.Minute).Format(time.RFC3339)}); r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
		}
		prefix := apiT["number"].(string)[:len("GD20261122-")]
		seen, sameDay := map[string]bool{}, 0
		all := admin.Do("GET", "/api/v1/tickets?page_size=500", nil).Items()
		for _, it := range all {
			n := it["number"].(string)
			seen[n] = true
			if strings.HasPrefix(n, prefix) {
				sameDay++
			}
		}
		if len(seen) != len(all) || sameDay < 31 {
			t.Fatalf("%d tickets, %d distinct numbers, %d of them on %s", len(all), len(seen), sameDay, prefix)
		}

		// A history that breaks a rule stops the load and writes nothing of its chunk.
		before := admin.Do("GET", "/api/v1/tickets?page_size=1", nil).Total()
		bad := []ticket.BulkTicket{
			{Type: "consultation", Title: "好的", OrgID: orgs["HXB-BJ-HD-01"], ReportedAt: start},
			{Type: "repair", Title: "坏的", AssetID: &devID, ReportedAt: start, Steps: []ticket.BulkStep{
				{Kind: ticket.StepAssign, At: at(5), UserID: users["eng.bj1a"]},
				{Kind: ticket.StepRepaired, At: at(10)}, // before any arrival
			}},
		}
		if _, err := a.App.Tickets.BulkLoad(ctx, slices.Values(bad), ticket.BulkOptions{}); err == nil || !strings.Contains(err.Error(), "bulk ticket 1") {
			t.Fatalf("a repair before the arrival was loaded: %v", err)
		}
		if after := admin.Do("GET", "/api/v1/tickets?page_size=1", nil).Total(); after != before {
			t.Fatalf("a failed chunk wrote %d tickets", after-before)
		}
	})
}

// bulkCategory finds a knowledge-base category by name in the tree.
func bulkCategory(nodes []any, name string) int64 {
	for _, n := range nodes {
		m := n.(map[string]any)
		if m["name"] == name {
			return int64(m["id"].(float64))
		}
		if ch, ok := m["children"].([]any); ok {
			if id := bulkCategory(ch, name); id != 0 {
				return id
			}
		}
	}
	return 0
}

func bulkJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The demo's ticket history (bulk-loaded, the open tickets through the
// service) reads as real work: numbers and report days in the 13 months, one
// timeline event per change, durations that add up, pending time with its
// reason, distances on field visits, open work only among the newest tickets.
func TestDemoTicketHistory(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		const n = 400
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: n})
		admin := a.Admin()
		var all []map[string]any
		for page := 1; len(all) < n; page++ {
			r := admin.Do("GET", fmt.Sprintf("/api/v1/tickets?page_size=100&page=%d", page), nil)
			if r.Total() != n || len(r.Items()) == 0 {
				t.Fatalf("page %d: total %d, %d items", page, r.Total(), len(r.Items()))
			}
			all = append(all, r.Items()...)
		}
		now := time.Now()
		closed, pending, visits, open := 0, 0, 0, 0
		numbers := map[string]bool{}
		for i, tk := range all {
			num := tk["number"].(string)
			if numbers[num] || !regexp.MustCompile(`^GD\d{8}-\d{6}$`).MatchString(num) {
				t.Fatalf("number %s repeated or malformed", num)
			}
			numbers[num] = true
			reported, _ := time.Parse(time.RFC3339, tk["reported_at"].(string))
			if reported.Before(now.AddDate(0, -13, -2)) || reported.After(now) {
				t.Fatalf("%s reported %s, outside the 13 months", num, reported)
			}
			d := tk["durations"].(map[string]any)
			for _, k := range []string{"response_minutes", "travel_minutes", "repair_minutes", "fault_minutes"} {
				if v, ok := d[k].(float64); ok && v < 0 {
					t.Fatalf("%s: %s = %v", num, k, v)
				}
			}
			switch tk["status"] {
			case "closed":
				closed++
			case "resolved":
			default:
				open++
				if reported.Before(now.AddDate(0, 0, -10)) {
					t.Fatalf("%s is still %s after %s", num, tk["status"], now.Sub(reported).Round(time.Hour))
				}
			}
			if d["pending_minutes"].(float64) > 0 {
				pending++
			}
			if tk["distance_km"] != nil {
				visits++
				if d["travel_minutes"] == nil || tk["station_id"] == nil || tk["assignee_id"] == nil {
					t.Fatalf("%s: a visit without travel time, station or engineer: %s", num, bulkJSON(tk))
				}
			}
			if tk["type"] == "repair" && (tk["asset_id"] == nil || tk["category_id"] == nil || tk["vendor_org_id"] == nil) {
				t.Fatalf("%s: a repair without device, fault category or vendor", num)
			}
			if i%40 == 0 { // one timeline event per change, the reason kept with the pending time
				var events []map[string]any
				for _, ev := range admin.Do("GET", fmt.Sprintf("/api/v1/tickets/%v/events", tk["id"]), nil).Items() {
					if ev["kind"] != "sla" {
						events = append(events, ev)
					}
				}
				if len(events) != int(tk["version"].(float64)) || events[0]["kind"] != "reported" {
					t.Fatalf("%s: version %v, %d events", num, tk["version"], len(events))
				}
			}
		}
		if closed < n*8/10 || pending == 0 || visits < n/2 || len(numbers) != n {
			t.Fatalf("%d tickets: %d closed, %d open, %d with pending time, %d field visits", n, closed, open, pending, visits)
		}
		// Pending time is the sum of the intervals the timeline records, each with its reason.
		for _, tk := range all {
			pm := tk["durations"].(map[string]any)["pending_minutes"].(float64)
			if pm == 0 {
				continue
			}
			secs := 0.0
			for _, ev := range admin.Do("GET", fmt.Sprintf("/api/v1/tickets/%v/events", tk["id"]), nil).Items() {
				if ev["kind"] == "status" && ev["from_status"] == "pending" {
					data := ev["data"].(map[string]any)
					if r := data["pending_reason"]; r != "waiting_parts" && r != "waiting_customer" && r != "sent_for_repair" {
						t.Fatalf("%s: left pending without its reason: %s", tk["number"], bulkJSON(ev))
					}
					secs += data["pending_seconds"].(float64)
				}
			}
			if float64(int(secs)/60) != pm {
				t.Fatalf("%s: %v pending minutes, the timeline says %v s", tk["number"], pm, secs)
			}
			break
		}
	})
}
