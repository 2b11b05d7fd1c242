package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// The timeline's answer is kept between requests (ticket.Service.TimelineBody);
// every change must show on the next request all the same: a new event, an
// event that commits with an id below the newest (PostgreSQL sequences), an
// actor's new name, and the scope of the caller.
func TestTicketTimelineCache(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 6})
		admin := a.Admin()
		orgs := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		agent := a.Login("agent01", demo.Password)
		created := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "时间线缓存", "org_id": orgs["HXB-BJ-HD-01"]})
		if created.Status != 201 {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		id := created.Int("id")
		path := fmt.Sprintf("/api/v1/tickets/%d/events", id)
		read := func(c *testutil.Client) []map[string]any {
			t.Helper()
			r := c.Do("GET", path, nil)
			if r.Status != 200 {
				t.Fatalf("timeline: %d %s", r.Status, r.Body)
			}
			if r.Total() != len(r.Items()) {
				t.Fatalf("total %d for %d items", r.Total(), len(r.Items()))
			}
			return r.Items()
		}
		// The cached answer is byte for byte what the service's events encode to.
		same := func() {
			t.Helper()
			evs, err := a.App.Tickets.Timeline(scope.With(context.Background(), scope.System()), id)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(map[string]any{"items": evs, "total": len(evs)})
			var got, exp any
			body := agent.Do("GET", path, nil).Body
			_ = json.Unmarshal(body, &got)
			_ = json.Unmarshal(want.Bytes(), &exp)
			if fmt.Sprint(got) != fmt.Sprint(exp) {
				t.Fatalf("cached timeline differs from the events:\n%s\n%s", body, want.Bytes())
			}
		}
		if evs := read(agent); len(evs) != 1 || evs[0]["kind"] != "reported" || evs[0]["actor_name"] == nil {
			t.Fatalf("new ticket's timeline: %v", evs)
		}
		same()
		_ = read(agent) // answered from the cache now

		sup := a.Login("supervisor01", demo.Password)
		if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", id), map[string]any{"org_id": orgs["ADWB-BJ1"]}); r.Status != 200 {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		if evs := read(agent); len(evs) != 2 || evs[1]["kind"] != "assigned" {
			t.Fatalf("after assignment: %v", evs)
		}
		same()

		// An event committed with a smaller id than the newest one (ids from a
		// sequence commit out of order on PostgreSQL) still shows.
		db := a.App.DB
		ctx := context.Background()
		if _, err := db.Exec(ctx, `INSERT INTO ticket_events (ticket_id, kind, at, recorded_at, from_status, to_status, reason, data)
			SELECT ticket_id, 'sla', at, recorded_at, '', '', '', '{"note":"late commit"}' FROM ticket_events WHERE ticket_id = ? AND kind = 'reported'`, id); err != nil {
			t.Fatal(err)
		}
		var newest int64
		if err := db.Get(ctx, &newest, "SELECT max(id) FROM ticket_events"); err != nil {
			t.Fatal(err)
		}
		// Move the new event below the ticket's newest one: same largest id, one more event.
		free := int64(-1)
		if _, err := db.Exec(ctx, "UPDATE ticket_events SET id = ? WHERE id = ?", free, newest); err != nil {
			t.Fatal(err)
		}
		evs := read(agent)
		if len(evs) != 3 || !strings.Contains(fmt.Sprint(evs), "late commit") {
			t.Fatalf("an event below the newest id did not show: %v", evs)
		}
		if _, err := db.Exec(ctx, "DELETE FROM ticket_events WHERE id = ?", free); err != nil {
			t.Fatal(err)
		}

		// A new name of an actor shows at once (changed through this process).
		agentID := created.Int("created_by")
		if agentID == 0 {
			for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
				if u["login"] == "agent01" {
					agentID = int64(u["id"].(float64))
				}
			}
		}
		_ = read(agent)
		if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", agentID), map[string]any{"name": "改名坐席"}); r.Status != 200 {
			t.Fatalf("rename: %d %s", r.Status, r.Body)
		}
		if evs := read(agent); evs[0]["actor_name"] != "改名坐席" {
			t.Fatalf("renamed actor still shows as %v", evs[0]["actor_name"])
		}
		same()

		// Scope: a user who does not see the ticket gets 404, cached or not.
		other := a.Login("eng.bj1a", demo.Password)
		if r := other.Do("GET", path, nil); r.Status != 404 || r.ErrorCode() != "not_found" {
			t.Fatalf("out of scope: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("GET", "/api/v1/tickets/999999999/events", nil); r.Status != 404 {
			t.Fatalf("missing ticket: %d %s", r.Status, r.Body)
		}
	})
}

// List pages reuse ticket rows read before at the same version
// (ticket.Service.pageRows): a change of the ticket, and a new name of its
// org, customer or assignee, show on the next page all the same.
func TestTicketListRowCache(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 6})
		admin := a.Admin()
		orgs := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		cust := admin.Do("GET", "/api/v1/customers?page_size=1", nil).Items()[0]
		custID := int64(cust["id"].(float64))
		agent := a.Login("agent01", demo.Password)
		created := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "列表缓存", "customer_id": custID})
		if created.Status != 201 {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		id := created.Int("id")
		row := func() map[string]any {
			t.Helper()
			for _, it := range agent.Do("GET", "/api/v1/tickets?page=1&page_size=20", nil).Items() {
				if int64(it["id"].(float64)) == id {
					return it
				}
			}
			t.Fatalf("ticket %d not on the first page", id)
			return nil
		}
		if r := row(); r["status"] != "new" || r["customer_name"] != cust["name"] {
			t.Fatalf("first read: %v", r)
		}
		_ = row() // from the cache now
		sup := a.Login("supervisor01", demo.Password)
		if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", id), map[string]any{"org_id": orgs["ADWB-BJ1"]}); r.Status != 200 {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		if r := row(); r["status"] != "assigned" || int64(r["station_id"].(float64)) != orgs["ADWB-BJ1"] || r["station_name"] == nil {
			t.Fatalf("after assignment: %v", r)
		}
		if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/orgs/%d", orgs["ADWB-BJ1"]), map[string]any{"name": "改名服务站"}); r.Status != 200 {
			t.Fatalf("rename org: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", custID), map[string]any{"name": "改名客户"}); r.Status != 200 {
			t.Fatalf("rename customer: %d %s", r.Status, r.Body)
		}
		if r := row(); r["station_name"] != "改名服务站" || r["customer_name"] != "改名客户" || r["status"] != "assigned" {
			t.Fatalf("after renames: %v", r)
		}
		// The row equals the ticket read on its own.
		one := agent.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), nil)
		var full map[string]any
		_ = json.Unmarshal(one.Body, &full)
		if fmt.Sprint(full) != fmt.Sprint(row()) {
			t.Fatalf("list row and ticket differ:\n%v\n%v", row(), full)
		}
	})
}
