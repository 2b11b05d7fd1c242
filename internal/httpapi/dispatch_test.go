package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
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
		// Round-robin takes BJ1's two engineers (dispatch.receive) in turn, never
		// the station head (胡斌), who also works tickets but dispatches them.
		var got []string
		var lastTicket int64
		for range 4 {
			lastTicket = newTicket("HXB-BJ-HD-01")
			r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/auto-assign", lastTicket), nil)
			if r.Status != 200 || r.Int("rule_id") != bjRule.Int("id") {
				t.Fatalf("auto-assign: %d %s", r.Status, r.Body)
			}
			tk := r.JSON.(map[string]any)["ticket"].(map[string]any)
			if tk["assign_rule_id"] != float64(bjRule.Int("id")) || tk["assign_rule_name"] != "北京报修轮派" {
				t.Fatalf("the rule is not kept on the ticket: %s", r.Body)
			}
			got = append(got, tk["assignee_name"].(string))
		}
		if got[0] == got[1] || got[2] != got[0] || got[3] != got[1] || slices.Contains(got, "胡斌") {
			t.Fatalf("round robin over the two engineers: %v", got)
		}
		// The detail and the timeline say which rule assigned the ticket.
		if d := sup.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", lastTicket), nil); d.String("assign_rule_name") != "北京报修轮派" {
			t.Fatalf("detail: %s", d.Body)
		}
		if ev := sup.Do("GET", fmt.Sprintf("/api/v1/tickets/%d/events", lastTicket), nil); !strings.Contains(string(ev.Body), `"rule":"北京报修轮派"`) {
			t.Fatalf("timeline lacks the rule: %s", ev.Body)
		}
		// A manual reassignment clears it.
		eng := sup.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", lastTicket), nil).Int("assignee_id")
		if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", lastTicket), map[string]any{"user_id": eng}); r.Status != 200 || r.JSON.(map[string]any)["assign_rule_id"] != nil {
			t.Fatalf("manual assignment keeps the rule: %d %s", r.Status, r.Body)
		}
		// Roles that predate dispatch.receive: the engineers are those who work
		// tickets without dispatching them, still never the head.
		roles := admin.Do("GET", "/api/v1/roles", nil).Items()
		for _, role := range roles {
			if role["name"] == "服务工程师" {
				var perms []string
				for _, p := range role["permissions"].([]any) {
					if p != "dispatch.receive" {
						perms = append(perms, p.(string))
					}
				}
				if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/roles/%d", int64(role["id"].(float64))), map[string]any{"permissions": perms}); r.Status != 200 {
					t.Fatalf("role update: %d %s", r.Status, r.Body)
				}
			}
		}
		got = got[:0]
		for range 3 {
			r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/auto-assign", newTicket("HXB-BJ-HD-01")), nil)
			if r.Status != 200 {
				t.Fatalf("auto-assign without dispatch.receive: %d %s", r.Status, r.Body)
			}
			got = append(got, r.JSON.(map[string]any)["ticket"].(map[string]any)["assignee_name"].(string))
		}
		if got[0] == got[1] || got[2] != got[0] || slices.Contains(got, "胡斌") {
			t.Fatalf("fallback round robin: %v", got)
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
