package httpapi_test

import (
	"fmt"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func TestBulkTicketsAndSavedViews(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		var ids []int64
		for i := range 3 {
			tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": fmt.Sprintf("批量 %d", i), "org_id": orgIDByCode(t, admin, "HXB-BJ-HD-01")})
			ids = append(ids, tk.Int("id"))
		}
		shTicket := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "上海", "org_id": orgIDByCode(t, admin, "HXB-SH-PD-01")}).Int("id")
		station := orgIDByCode(t, admin, "ADWB-BJ1")
		r := sup.Do("POST", "/api/v1/tickets/bulk", map[string]any{"ids": ids, "action": "assign", "org_id": station})
		if r.Status != 200 || r.Int("succeeded") != 3 {
			t.Fatalf("bulk assign: %d %s", r.Status, r.Body)
		}
		// Closing straight from assigned is illegal in the default workflow: every
		// ticket reports 409 and none changes.
		r = sup.Do("POST", "/api/v1/tickets/bulk", map[string]any{"ids": ids, "action": "transition", "to": "closed"})
		if r.Int("failed") != 3 || r.JSON.(map[string]any)["results"].([]any)[0].(map[string]any)["error"].(map[string]any)["code"] != "conflict" {
			t.Fatalf("illegal bulk transition: %s", r.Body)
		}
		// A bulk action reaches only tickets in the caller's scope: the station
		// head works its station's ticket; the Shanghai one does not exist for it.
		bj := a.Login("bj.admin", demo.Password)
		if r := bj.Do("POST", "/api/v1/tickets/bulk", map[string]any{"ids": []int64{ids[0]}, "action": "transition", "to": "in_progress"}); r.Status != 403 {
			t.Fatalf("bulk without ticket.update: %d %s", r.Status, r.Body)
		}
		head := a.Login("bj1.head", demo.Password)
		r = head.Do("POST", "/api/v1/tickets/bulk", map[string]any{"ids": []int64{ids[2], shTicket}, "action": "transition", "to": "in_progress"})
		res := r.JSON.(map[string]any)["results"].([]any)
		if r.Int("succeeded") != 1 || res[1].(map[string]any)["error"].(map[string]any)["code"] != "not_found" {
			t.Fatalf("scoped bulk: %s", r.Body)
		}
		r = sup.Do("POST", "/api/v1/tickets/bulk", map[string]any{"ids": []int64{ids[0], ids[1]}, "action": "transition", "to": "in_progress"})
		if r.Int("succeeded") != 2 {
			t.Fatalf("bulk transition: %s", r.Body)
		}
		for _, bad := range []map[string]any{
			{"ids": []int64{}, "action": "assign", "org_id": station},
			{"ids": []int64{ids[0], ids[0]}, "action": "assign", "org_id": station},
			{"ids": ids, "action": "delete"},
			{"ids": ids, "action": "transition"},
		} {
			if r := sup.Do("POST", "/api/v1/tickets/bulk", bad); r.Status != 422 {
				t.Errorf("%v: %d %s", bad, r.Status, r.Body)
			}
		}

		// Saved views belong to their owner.
		v := sup.Do("POST", "/api/v1/saved-views", map[string]any{"kind": "tickets", "name": "北京待处理", "query": "status=assigned&org_id=2"})
		if v.Status != 201 {
			t.Fatalf("save view: %d %s", v.Status, v.Body)
		}
		if again := sup.Do("POST", "/api/v1/saved-views", map[string]any{"kind": "tickets", "name": "北京待处理", "query": "status=in_progress"}); again.Int("id") != v.Int("id") || again.String("query") != "status=in_progress" {
			t.Fatalf("same name replaces: %s", again.Body)
		}
		if r := sup.Do("POST", "/api/v1/saved-views", map[string]any{"kind": "tickets", "name": "坏", "query": "a=%zz"}); r.Status != 422 {
			t.Fatalf("bad query: %d", r.Status)
		}
		if r := bj.Do("GET", "/api/v1/saved-views?kind=tickets", nil); r.Total() != 0 {
			t.Fatalf("someone else's views: %s", r.Body)
		}
		if r := bj.Do("DELETE", fmt.Sprintf("/api/v1/saved-views/%d", v.Int("id")), nil); r.Status != 404 {
			t.Fatalf("deleting someone else's view: %d", r.Status)
		}
		if r := sup.Do("DELETE", fmt.Sprintf("/api/v1/saved-views/%d", v.Int("id")), nil); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
	})
}
