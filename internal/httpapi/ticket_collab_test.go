package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// collabWorld is a device at a Beijing outlet serviced by station ADWB-BJ1.
type collabWorld struct {
	orgs  map[string]int64
	users map[string]int64
	asset int64
}

func newCollabWorld(t *testing.T, a *testutil.TestApp, serial string) collabWorld {
	t.Helper()
	admin := a.Admin()
	w := collabWorld{orgs: map[string]int64{}, users: map[string]int64{}}
	for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
		w.orgs[o["code"].(string)] = int64(o["id"].(float64))
	}
	for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
		w.users[u["login"].(string)] = int64(u["id"].(float64))
	}
	dev := admin.Do("POST", "/api/v1/assets", map[string]any{"type": "ATM", "brand": "广电运通", "model": "GRG H68N", "serial": serial, "org_id": w.orgs["HXB-BJ-HD-01"], "vendor_org_id": w.orgs["ADWB-BJ1"]})
	if dev.Status != 201 {
		t.Fatalf("device: %d %s", dev.Status, dev.Body)
	}
	w.asset = dev.Int("id")
	return w
}

func TestTicketCustomFields(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 4})
		w := newCollabWorld(t, a, "CF-0001")
		admin, agent := a.Admin(), a.Login("agent01", demo.Password)
		fields := []map[string]any{
			{"key": "fault_code", "label": "故障代码", "kind": "select", "required": true, "options": []string{"E01 吞卡", "E02 卡钞", "E03 黑屏"}, "sort": 1},
			{"key": "cash_left", "label": "剩余现金（元）", "kind": "number", "sort": 2},
			{"key": "visit_on", "label": "预约日期", "kind": "date", "sort": 3},
			{"key": "parts", "label": "更换部件", "kind": "multi_select", "options": []string{"读卡器", "出钞模块", "屏幕"}, "sort": 4},
			{"key": "vip", "label": "重要客户", "kind": "boolean", "sort": 5},
			{"key": "note", "label": "现场备注", "kind": "text", "sort": 6},
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "agent cannot manage types", As: agent, Method: "PUT", Path: "/api/v1/ticket-types/repair", Body: map[string]any{"fields": fields}, Status: 403},
			{Name: "bad field definitions", As: admin, Method: "PUT", Path: "/api/v1/ticket-types/repair", Body: map[string]any{"fields": []map[string]any{
				{"key": "Bad Key", "label": "", "kind": "colour"}, {"key": "s", "label": "下拉", "kind": "select"}}}, Status: 422,
				Contains: []string{`"fields[0].key"`, `"fields[0].label"`, `"fields[0].kind"`, `"fields[1].options"`}},
			{Name: "built-in keeps its name", As: admin, Method: "PUT", Path: "/api/v1/ticket-types/repair", Body: map[string]any{"name": "修理"}, Status: 422, Contains: []string{"内置类型不能改名"}},
		})
		r := admin.Do("PUT", "/api/v1/ticket-types/repair", map[string]any{"fields": fields})
		if r.Status != 200 || len(r.JSON.(map[string]any)["fields"].([]any)) != 6 {
			t.Fatalf("add fields to 报修: %d %s", r.Status, r.Body)
		}
		create := func(custom map[string]any) *testutil.Response {
			return agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 吞卡", "asset_id": w.asset, "custom": custom})
		}
		for name, tc := range map[string]struct {
			custom map[string]any
			field  string
			msg    string
		}{
			"required missing": {map[string]any{"cash_left": 100}, "custom.fault_code", "「故障代码」必填"},
			"not an option":    {map[string]any{"fault_code": "E99"}, "custom.fault_code", "须为以下选项之一"},
			"number as text":   {map[string]any{"fault_code": "E01 吞卡", "cash_left": "很多"}, "custom.cash_left", "须为数字"},
			"bad date":         {map[string]any{"fault_code": "E01 吞卡", "visit_on": "2026-13-40"}, "custom.visit_on", "须为日期"},
			"multi not listed": {map[string]any{"fault_code": "E01 吞卡", "parts": []string{"读卡器", "键盘"}}, "custom.parts", "只能选择"},
			"boolean as text":  {map[string]any{"fault_code": "E01 吞卡", "vip": "yes"}, "custom.vip", "须为是或否"},
			"unknown key":      {map[string]any{"fault_code": "E01 吞卡", "colour": "red"}, "custom.colour", "没有字段"},
		} {
			before := admin.Do("GET", "/api/v1/tickets?page_size=1", nil).Total()
			r := create(tc.custom)
			if r.Status != 422 || !strings.Contains(string(r.Body), `"`+tc.field+`"`) || !strings.Contains(string(r.Body), tc.msg) {
				t.Errorf("%s: %d %s", name, r.Status, r.Body)
			}
			if after := admin.Do("GET", "/api/v1/tickets?page_size=1", nil).Total(); after != before {
				t.Errorf("%s: a refused ticket was stored (%d → %d)", name, before, after)
			}
		}
		en := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "x", "asset_id": w.asset})
		if en.Status != 422 || !strings.Contains(string(en.Body), "custom.fault_code") {
			t.Fatalf("no custom at all: %d %s", en.Status, en.Body)
		}
		ok := create(map[string]any{"fault_code": "E01 吞卡", "cash_left": 2500.5, "visit_on": "2026-11-30", "parts": []string{"屏幕", "读卡器", "屏幕"}, "vip": true, "note": "  大堂左侧  "})
		if ok.Status != 201 {
			t.Fatalf("create with custom values: %d %s", ok.Status, ok.Body)
		}
		id := ok.Int("id")
		got := agent.Do("GET", fmt.Sprintf("/api/v1/tickets/%d", id), nil).JSON.(map[string]any)["custom"].(map[string]any)
		if got["fault_code"] != "E01 吞卡" || got["cash_left"] != 2500.5 || got["visit_on"] != "2026-11-30" || fmt.Sprint(got["parts"]) != "[读卡器 屏幕]" || got["vip"] != true || got["note"] != "大堂左侧" {
			t.Fatalf("stored custom values: %v", got)
		}
		other := create(map[string]any{"fault_code": "E03 黑屏"})
		if other.Status != 201 {
			t.Fatalf("second ticket: %s", other.Body)
		}
		// edit: change one value, clear another, keep the rest; a bad value changes nothing
		path := fmt.Sprintf("/api/v1/tickets/%d", id)
		if r := agent.Do("PATCH", path, map[string]any{"custom": map[string]any{"fault_code": "nope"}}); r.Status != 422 || !strings.Contains(string(r.Body), "custom.fault_code") {
			t.Fatalf("bad edit: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("PATCH", path, map[string]any{"custom": map[string]any{"fault_code": nil}}); r.Status != 422 {
			t.Fatalf("clearing a required field: %d %s", r.Status, r.Body)
		}
		r = agent.Do("PATCH", path, map[string]any{"custom": map[string]any{"fault_code": "E02 卡钞", "note": nil}})
		c := r.JSON.(map[string]any)["custom"].(map[string]any)
		if r.Status != 200 || c["fault_code"] != "E02 卡钞" || c["note"] != nil || c["cash_left"] != 2500.5 {
			t.Fatalf("edit custom values: %d %s", r.Status, r.Body)
		}
		// filter by equality on a select field
		list := agent.Do("GET", "/api/v1/tickets?type=repair&custom.fault_code="+urlq("E02 卡钞"), nil)
		if list.Status != 200 || list.Total() != 1 || list.Items()[0]["number"] != ok.String("number") {
			t.Fatalf("custom filter: %d %s", list.Status, list.Body)
		}
		if r := agent.Do("GET", "/api/v1/tickets?custom.Bad-Key=1", nil); r.Status != 422 {
			t.Fatalf("bad custom filter key: %d %s", r.Status, r.Body)
		}
		// every kind compares as its kind: numbers as numbers, yes/no, a multi-select by containment
		for q, want := range map[string]int{
			"custom.cash_left=2500.5":             1,
			"custom.cash_left=2500.50":            1,
			"custom.cash_left=2500":               0,
			"custom.vip=true":                     1,
			"custom.vip=false":                    0,
			"custom.visit_on=2026-11-30":          1,
			"custom.parts=" + urlq("屏幕"):          1,
			"custom.parts=" + urlq("键盘"):          0,
			"custom.note=" + urlq("大堂左侧"):         0, // cleared above
			"custom.fault_code=" + urlq("E03 黑屏"): 1,
		} {
			for _, typ := range []string{"type=repair&", ""} { // the kind from the type, or from every type
				r := agent.Do("GET", "/api/v1/tickets?"+typ+q, nil)
				if r.Status != 200 || r.Total() != want {
					t.Errorf("%s%s: %d, total %d, want %d", typ, q, r.Status, r.Total(), want)
				}
			}
		}
		for _, q := range []string{"custom.cash_left=many", "custom.vip=yes"} {
			if r := agent.Do("GET", "/api/v1/tickets?type=repair&"+q, nil); r.Status != 422 || !strings.Contains(string(r.Body), strings.SplitN(q, "=", 2)[0]) {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
		}
		// a custom type with its own workflow
		wf := map[string]any{"statuses": []map[string]any{{"code": "new", "name_zh": "新建", "name_en": "New"}, {"code": "reviewing", "name_zh": "审核中", "name_en": "Reviewing", "pauses_sla": true},
			{"code": "closed", "name_zh": "已关闭", "name_en": "Closed", "final": true}},
			"transitions": []map[string]any{{"from": "new", "to": "reviewing"}, {"from": "reviewing", "to": "closed"}}, "reopen_days": 0}
		nt := admin.Do("POST", "/api/v1/ticket-types", map[string]any{"code": "inspection", "name": "巡检", "workflow": wf,
			"fields": []map[string]any{{"key": "round", "label": "巡检轮次", "kind": "number", "required": true}}})
		if nt.Status != 201 || nt.String("name") != "巡检" {
			t.Fatalf("create type: %d %s", nt.Status, nt.Body)
		}
		if r := admin.Do("POST", "/api/v1/ticket-types", map[string]any{"code": "inspection", "name": "再来"}); r.Status != 422 || !strings.Contains(string(r.Body), `"code"`) {
			t.Fatalf("duplicate code: %d %s", r.Status, r.Body)
		}
		it := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "inspection", "title": "季度巡检", "asset_id": w.asset, "custom": map[string]any{"round": 3}})
		if it.Status != 201 {
			t.Fatalf("custom-type ticket: %d %s", it.Status, it.Body)
		}
		ip := fmt.Sprintf("/api/v1/tickets/%d/transitions", it.Int("id"))
		if r := agent.Do("POST", ip, map[string]any{"to": "closed"}); r.Status != 409 || r.ErrorCode() != "conflict" {
			t.Fatalf("custom workflow: new → closed should be refused: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("POST", ip, map[string]any{"to": "reviewing"}); r.Status != 200 || r.String("status") != "reviewing" {
			t.Fatalf("custom workflow: new → reviewing: %d %s", r.Status, r.Body)
		}
		// a problem in one row is reported on that row (the workflow editor shows it there); nothing changes
		bad := map[string]any{"statuses": []map[string]any{{"code": "new"}, {"code": "Re View"}, {"code": "reviewing"}, {"code": "closed"}},
			"transitions": []map[string]any{{"from": "new", "to": "reviewing"}, {"from": "reviewing", "to": "gone"}}, "reopen_days": 0}
		if r := admin.Do("PUT", "/api/v1/ticket-types/inspection", map[string]any{"workflow": bad}); r.Status != 422 ||
			!strings.Contains(string(r.Body), `"workflow.statuses[1].code"`) || !strings.Contains(string(r.Body), `"workflow.transitions[1]"`) ||
			strings.Contains(string(r.Body), `"workflow.transitions[0]"`) {
			t.Fatalf("workflow row errors: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("GET", "/api/v1/ticket-types", nil); strings.Contains(string(r.Body), "Re View") {
			t.Fatalf("a refused workflow was stored: %s", r.Body)
		}
		wf["statuses"] = wf["statuses"].([]map[string]any)[:1]
		wf["transitions"] = []map[string]any{}
		if r := admin.Do("PUT", "/api/v1/ticket-types/inspection", map[string]any{"workflow": wf}); r.Status != 422 || !strings.Contains(string(r.Body), "reviewing") {
			t.Fatalf("dropping a status in use: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("DELETE", "/api/v1/ticket-types/inspection", nil); r.Status != 409 {
			t.Fatalf("deleting a type in use: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("POST", "/api/v1/ticket-types", map[string]any{"code": "spare", "name": "备用"}); r.Status != 201 {
			t.Fatalf("spare type: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("DELETE", "/api/v1/ticket-types/spare", nil); r.Status != 204 {
			t.Fatalf("delete unused type: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("DELETE", "/api/v1/ticket-types/repair", nil); r.Status != 409 {
			t.Fatalf("delete built-in: %d %s", r.Status, r.Body)
		}
		types := agent.Do("GET", "/api/v1/ticket-types", nil)
		if !strings.Contains(string(types.Body), "fault_code") || strings.Contains(string(types.Body), `"spare"`) {
			t.Fatalf("types: %s", types.Body)
		}
		au := admin.Do("GET", "/api/v1/audit?entity=ticket_type", nil)
		if au.Total() < 4 {
			t.Fatalf("type changes not audited: %s", au.Body)
		}
	})
}

// inbox answers a user's notifications of one kind (title list).
func inbox(c *testutil.Client, kind string) []string {
	out := []string{}
	for _, n := range c.Do("GET", "/api/v1/notifications?page_size=100", nil).Items() {
		if n["kind"] == kind {
			out = append(out, n["title"].(string))
		}
	}
	return out
}

func TestTicketWatchersAndMentions(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 4})
		w := newCollabWorld(t, a, "WM-0001")
		agent, sup := a.Login("agent01", demo.Password), a.Login("supervisor01", demo.Password)
		eng, outsider := a.Login("eng.bj1a", demo.Password), a.Login("sh.admin", demo.Password)
		created := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 黑屏", "asset_id": w.asset})
		if created.Status != 201 {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		path := fmt.Sprintf("/api/v1/tickets/%d", created.Int("id"))
		if r := sup.Do("POST", path+"/assign", map[string]any{"user_id": w.users["eng.bj1a"]}); r.Status != 200 {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		ws := agent.Do("GET", path+"/watchers", nil)
		reasons := map[string]string{}
		for _, it := range ws.Items() {
			reasons[it["login"].(string)] = it["reason"].(string)
		}
		if reasons["agent01"] != "creator" || reasons["eng.bj1a"] != "assignee" || len(reasons) != 2 || ws.JSON.(map[string]any)["watching"] != true {
			t.Fatalf("creator and assignee watch: %s", ws.Body)
		}
		if r := outsider.Do("GET", path+"/watchers", nil); r.Status != 404 {
			t.Fatalf("outsider reads watchers: %d", r.Status)
		}
		if r := outsider.Do("PUT", path+"/watch", nil); r.Status != 404 {
			t.Fatalf("outsider watches: %d", r.Status)
		}
		// suggestions only name users who can see the ticket
		sug := eng.Do("GET", path+"/mentionable?q=admin", nil)
		if strings.Contains(string(sug.Body), "sh.admin") || !strings.Contains(string(sug.Body), `"bj.admin"`) {
			t.Fatalf("mention suggestions: %s", sug.Body)
		}
		// a catch-all robot (no kinds listed) must not receive ticket notices
		if r := a.Admin().Do("POST", "/api/v1/notifications/endpoints", map[string]any{"name": "全行运维群", "kind": "webhook", "url": "http://127.0.0.1:9/hook", "secret": "hook-secret"}); r.Status != 201 {
			t.Fatalf("catch-all endpoint: %d %s", r.Status, r.Body)
		}
		// the engineer mentions the supervisor and an outsider in an internal comment
		c := eng.Do("POST", path+"/comments", map[string]any{"body": "读卡器故障，@supervisor01 请协调备件；抄送 @SH.Admin 和 @nobody，邮件 x@agent02", "internal": true})
		if c.Status != 201 {
			t.Fatalf("comment: %d %s", c.Status, c.Body)
		}
		got := map[string]map[string]any{}
		for _, m := range c.JSON.(map[string]any)["mentions"].([]any) {
			mm := m.(map[string]any)
			got[mm["login"].(string)] = mm
		}
		if len(got) != 3 || got["supervisor01"]["notified"] != true || got["nobody"]["reason"] != "unknown_user" {
			t.Fatalf("mention answers: %s", c.Body)
		}
		// sh.admin exists but is outside the engineer's scope and cannot see the
		// ticket: the answer is the unknown login's, word for word.
		same := func(m map[string]any, login string) string {
			b, _ := json.Marshal(m)
			return strings.ReplaceAll(string(b), login, "<login>")
		}
		if same(got["SH.Admin"], "SH.Admin") != same(got["nobody"], "nobody") {
			t.Fatalf("a login outside the caller's scope is told apart from an unknown one:\n%v\n%v", got["SH.Admin"], got["nobody"])
		}
		var toEndpoints int
		if err := a.DB.Get(context.Background(), &toEndpoints, "SELECT count(*) FROM notification_deliveries WHERE endpoint_id IS NOT NULL"); err != nil || toEndpoints != 0 {
			t.Fatalf("ticket notices reached a robot or webhook: %d (%v)", toEndpoints, err)
		}
		if n := inbox(sup, "ticket.mention"); len(n) != 1 || !strings.Contains(n[0], "提到了您") {
			t.Fatalf("supervisor's mention notice: %v", n)
		}
		if n := inbox(sup, "ticket.comment"); len(n) != 0 {
			t.Fatalf("the mentioned get one notice, not two: %v", n)
		}
		if n := inbox(outsider, "ticket.mention"); len(n) != 0 {
			t.Fatalf("a user outside the ticket's scope was notified: %v", n)
		}
		if n := inbox(agent, "ticket.comment"); len(n) != 1 {
			t.Fatalf("the creator (watcher) hears of the comment: %v", n)
		}
		if n := inbox(eng, "ticket.comment"); len(n) != 0 {
			t.Fatalf("the author is not notified of their own comment: %v", n)
		}
		ws = sup.Do("GET", path+"/watchers", nil)
		if !strings.Contains(string(ws.Body), `"mention"`) || ws.JSON.(map[string]any)["watching"] != true {
			t.Fatalf("the mentioned user watches: %s", ws.Body)
		}
		// the creator unwatches; a status change reaches the remaining watchers only
		if r := agent.Do("DELETE", path+"/watch", nil); r.Status != 200 || r.JSON.(map[string]any)["watching"] != false {
			t.Fatalf("unwatch: %d %s", r.Status, r.Body)
		}
		if r := eng.Do("POST", path+"/transitions", map[string]any{"to": "in_progress"}); r.Status != 200 {
			t.Fatalf("transition: %d %s", r.Status, r.Body)
		}
		if n := inbox(sup, "ticket.status"); len(n) != 1 || !strings.Contains(n[0], "处理中") {
			t.Fatalf("watcher's status notice: %v", n)
		}
		if n := inbox(agent, "ticket.status"); len(n) != 0 {
			t.Fatalf("an unwatched creator was notified: %v", n)
		}
		// a watcher who can no longer see the ticket (reassigned away from the station's scope) hears nothing
		bj2 := a.Login("bj2.head", demo.Password)
		if _, err := a.DB.Exec(sys(), "INSERT INTO ticket_watchers (ticket_id, user_id, watching, reason, created_at) VALUES (?, ?, ?, 'manual', ?)",
			created.Int("id"), w.users["bj2.head"], true, a.Clock.Now()); err != nil {
			t.Fatal(err)
		}
		if r := sup.Do("POST", path+"/comments", map[string]any{"body": "内部：备件已发出", "internal": true}); r.Status != 201 {
			t.Fatalf("internal comment: %d %s", r.Status, r.Body)
		}
		if n := inbox(bj2, "ticket.comment"); len(n) != 0 {
			t.Fatalf("an internal comment reached a watcher outside the ticket's scope: %v", n)
		}
		if n := inbox(eng, "ticket.comment"); len(n) != 1 {
			t.Fatalf("assignee hears of the supervisor's comment: %v", n)
		}
		if r := agent.Do("PUT", path+"/watch", nil); r.Status != 200 || r.JSON.(map[string]any)["watching"] != true {
			t.Fatalf("watch again: %d %s", r.Status, r.Body)
		}
		// the agent sees every user: sh.admin is reported as unable to see the ticket
		c = agent.Do("POST", path+"/comments", map[string]any{"body": "抄送 @sh.admin", "internal": true})
		ms := c.JSON.(map[string]any)["mentions"].([]any)
		if c.Status != 201 || len(ms) != 1 {
			t.Fatalf("agent's mention: %d %s", c.Status, c.Body)
		}
		m := ms[0].(map[string]any)
		if m["reason"] != "no_access" || m["notified"] != false || !strings.Contains(m["message_zh"].(string), "无权查看") || m["name"] != "" || m["user_id"] != nil {
			t.Fatalf("mention of a user in the caller's scope who cannot see the ticket: %s", c.Body)
		}
		if n := inbox(outsider, "ticket.mention"); len(n) != 0 {
			t.Fatalf("a user outside the ticket's scope was notified: %v", n)
		}
	})
}

func TestTicketSubtasks(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 4})
		w := newCollabWorld(t, a, "ST-0001")
		agent := a.Login("agent01", demo.Password)
		parent := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "网点多台设备故障", "asset_id": w.asset})
		path := fmt.Sprintf("/api/v1/tickets/%d", parent.Int("id"))
		child := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "更换读卡器", "parent_id": parent.Int("id")})
		if child.Status != 201 || child.Int("org_id") != w.orgs["HXB-BJ-HD-01"] || child.Int("vendor_org_id") != w.orgs["ADWB-BJ1"] || child.Int("parent_id") != parent.Int("id") {
			t.Fatalf("a sub-task takes its parent's place: %d %s", child.Status, child.Body)
		}
		subs := agent.Do("GET", path+"/subtasks", nil)
		if subs.Status != 200 || subs.Total() != 1 || subs.Items()[0]["title"] != "更换读卡器" {
			t.Fatalf("sub-tasks: %d %s", subs.Status, subs.Body)
		}
		if r := a.Login("sh.admin", demo.Password).Do("GET", path+"/subtasks", nil); r.Status != 404 {
			t.Fatalf("outsider lists sub-tasks: %d", r.Status)
		}
		r := agent.Do("POST", path+"/transitions", map[string]any{"to": "closed"})
		if r.Status != 409 || !strings.Contains(r.ErrorMessage(), "子任务") {
			t.Fatalf("closing with an open sub-task: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", child.Int("id")), map[string]any{"to": "closed"}); r.Status != 200 {
			t.Fatalf("close sub-task: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("POST", path+"/transitions", map[string]any{"to": "closed"}); r.Status != 200 {
			t.Fatalf("close parent after its sub-task: %d %s", r.Status, r.Body)
		}
	})
}
