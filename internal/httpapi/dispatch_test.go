package httpapi_test

import (
	"fmt"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func TestAutoAssignByRules(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		bj1, sh := orgIDByCode(t, admin, "ADWB-BJ1"), orgIDByCode(t, admin, "ADWB-SH")
		if r := sup.Do("POST", "/api/v1/assignment-rules", map[string]any{"name": "坏策略", "station_id": bj1, "strategy": "random"}); r.Status != 422 {
			t.Fatalf("bad strategy: %d", r.Status)
		}
		if r := sup.Do("POST", "/api/v1/assignment-rules", map[string]any{"name": "派给网点", "station_id": orgIDByCode(t, admin, "HXB-BJ-HD-01"), "strategy": "station"}); r.Status != 422 {
			t.Fatalf("rule targeting an outlet: %d", r.Status)
		}
		shRule := sup.Do("POST", "/api/v1/assignment-rules", map[string]any{"name": "上海报修", "sort": 1, "conditions": map[string]any{"types": []string{"repair"}, "regions": []string{"上海"}},
			"station_id": sh, "strategy": "least_loaded"})
		bjRule := sup.Do("POST", "/api/v1/assignment-rules", map[string]any{"name": "北京报修轮派", "sort": 2, "conditions": map[string]any{"types": []string{"repair"}, "regions": []string{"北京"}},
			"station_id": bj1, "strategy": "round_robin"})
		if shRule.Status != 201 || bjRule.Status != 201 {
			t.Fatalf("rules: %s %s", shRule.Body, bjRule.Body)
		}
		newTicket := func(outlet string) int64 {
			return sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "故障", "org_id": orgIDByCode(t, admin, outlet)}).Int("id")
		}
		// Round-robin takes the BJ1 staff who work tickets (head and two engineers) in turn.
		var got []string
		for range 4 {
			r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/auto-assign", newTicket("HXB-BJ-HD-01")), nil)
			if r.Status != 200 || r.Int("rule_id") != bjRule.Int("id") {
				t.Fatalf("auto-assign: %d %s", r.Status, r.Body)
			}
			got = append(got, r.JSON.(map[string]any)["ticket"].(map[string]any)["assignee_name"].(string))
		}
		if got[0] == got[1] || got[1] == got[2] || got[0] == got[2] || got[3] != got[0] {
			t.Fatalf("round robin over three: %v", got)
		}
		// Least loaded in Shanghai: give one engineer a ticket by hand, the rule picks the other.
		first := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/auto-assign", newTicket("HXB-SH-PD-01")), nil)
		busy := first.JSON.(map[string]any)["ticket"].(map[string]any)["assignee_id"]
		second := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/auto-assign", newTicket("HXB-SH-XH-01")), nil)
		if second.JSON.(map[string]any)["ticket"].(map[string]any)["assignee_id"] == busy {
			t.Fatalf("least loaded gave the busy engineer a second ticket: %s", second.Body)
		}
		// Nothing matches a consultation.
		c := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "咨询", "org_id": orgIDByCode(t, admin, "HXB-BJ-HD-01")})
		if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/auto-assign", c.Int("id")), nil); r.Status != 409 {
			t.Fatalf("no rule: %d %s", r.Status, r.Body)
		}
		if r := a.Login("bj.admin", demo.Password).Do("GET", "/api/v1/assignment-rules", nil); r.Status != 403 {
			t.Fatalf("rules without ticket.assign: %d", r.Status)
		}
		if r := sup.Do("DELETE", fmt.Sprintf("/api/v1/assignment-rules/%d", shRule.Int("id")), nil); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := admin.Do("GET", "/api/v1/audit?entity=assignment_rule", nil); r.Total() != 3 {
			t.Fatalf("rule audit: %s", r.Body)
		}
	})
}
