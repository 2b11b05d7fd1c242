package httpapi_test

import (
	"fmt"
	"net/url"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func TestKnowledgeBase(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		agent := a.Login("agent01", demo.Password)
		sup := a.Login("supervisor01", demo.Password)
		tree := agent.Do("GET", "/api/v1/kb/categories", nil)
		roots := tree.Items()
		if len(roots) != 1 || roots[0]["name"] != "自助设备故障" || len(roots[0]["children"].([]any)) != 8 {
			t.Fatalf("category tree: %s", tree.Body)
		}
		swallow := roots[0]["children"].([]any)[0].(map[string]any)
		catID := int64(swallow["id"].(float64))
		sol := agent.Do("GET", fmt.Sprintf("/api/v1/kb/articles?category_id=%d", catID), nil)
		if sol.Total() != 1 {
			t.Fatalf("solutions of %v: %s", swallow["name"], sol.Body)
		}
		if r := agent.Do("GET", "/api/v1/kb/articles?public=true&q="+url.QueryEscape("吞卡"), nil); r.Total() != 1 {
			t.Fatalf("public FAQ search: %s", r.Body)
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "agent cannot edit", As: agent, Method: "POST", Path: "/api/v1/kb/articles", Body: map[string]any{"title": "x", "body": "y"}, Status: 403},
			{Name: "bad kind", As: sup, Method: "POST", Path: "/api/v1/kb/articles", Body: map[string]any{"title": "x", "body": "y", "kind": "poem"}, Status: 422},
			{Name: "new category", As: sup, Method: "POST", Path: "/api/v1/kb/categories", Body: map[string]any{"name": "网络设备", "parent_id": nil}, Status: 201},
			{Name: "unknown parent", As: sup, Method: "POST", Path: "/api/v1/kb/categories", Body: map[string]any{"name": "孤儿", "parent_id": 99999}, Status: 422},
			{Name: "ticket with category", As: agent, Method: "POST", Path: "/api/v1/tickets", Body: map[string]any{"type": "repair", "title": "吞卡", "org_id": 1, "category_id": catID}, Status: 201},
			{Name: "ticket with unknown category", As: agent, Method: "POST", Path: "/api/v1/tickets", Body: map[string]any{"type": "repair", "title": "吞卡", "org_id": 1, "category_id": 99999}, Status: 422},
		})
		art := sol.Items()[0]
		r := sup.Do("PUT", fmt.Sprintf("/api/v1/kb/articles/%v", art["id"]), map[string]any{"title": art["title"], "body": "更新后的处理步骤", "category_id": catID})
		if r.Status != 200 || r.String("body") != "更新后的处理步骤" {
			t.Fatalf("update article: %d %s", r.Status, r.Body)
		}
	})
}
