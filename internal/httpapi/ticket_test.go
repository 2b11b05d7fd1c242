package httpapi_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func TestTicketLifecycle(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 6})
		admin := a.Admin()
		orgs := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		users := map[string]int64{}
		for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
			users[u["login"].(string)] = int64(u["id"].(float64))
		}
		station := orgs["ADWB-BJ1"]
		dev := admin.Do("POST", "/api/v1/assets", map[string]any{"type": "ATM", "brand": "广电运通", "model": "GRG H68N", "serial": "T-0001", "org_id": orgs["HXB-BJ-HD-01"], "vendor_org_id": station})
		if dev.Status != 201 {
			t.Fatalf("device: %d %s", dev.Status, dev.Body)
		}
		agent := a.Login("agent01", demo.Password)
		start := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
		at := func(m int) string { return start.Add(time.Duration(m) * time.Minute).Format(time.RFC3339) }
		created := agent.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "ATM 吞卡", "priority": "high", "asset_id": dev.Int("id"), "reported_at": at(-40)})
		if created.Status != 201 {
			t.Fatalf("create: %d %s", created.Status, created.Body)
		}
		id := created.Int("id")
		if !regexp.MustCompile(`^GD\d{8}-\d{6}$`).MatchString(created.String("number")) || created.Int("org_id") != orgs["HXB-BJ-HD-01"] || created.Int("vendor_org_id") != station || created.String("status") != "new" {
			t.Fatalf("created ticket: %s", created.Body)
		}
		path := fmt.Sprintf("/api/v1/tickets/%d", id)
		testutil.Run(t, []testutil.Scenario{
			{Name: "bad input", As: agent, Method: "POST", Path: "/api/v1/tickets", Body: map[string]any{"type": "teleport", "title": "", "priority": "asap"}, Status: 422, Contains: []string{`"type"`, `"title"`, `"priority"`}},
			{Name: "future reported_at", As: agent, Method: "POST", Path: "/api/v1/tickets", Body: map[string]any{"type": "repair", "title": "x", "org_id": orgs["HXB-BJ-HD-01"], "reported_at": time.Now().Add(time.Hour).Format(time.RFC3339)}, Status: 422},
			{Name: "illegal transition", As: agent, Method: "POST", Path: path + "/transitions", Body: map[string]any{"to": "pending", "reason": "waiting_parts"}, Status: 409, Code: "conflict"},
			{Name: "field event before assignment", As: agent, Method: "POST", Path: path + "/events", Body: map[string]any{"kind": "departed"}, Status: 409},
			{Name: "agent cannot assign", As: agent, Method: "POST", Path: path + "/assign", Body: map[string]any{"org_id": station}, Status: 403},
		})
		sup := a.Login("supervisor01", demo.Password)
		if r := sup.Do("POST", path+"/assign", map[string]any{"org_id": station, "at": at(-30)}); r.Status != 200 || r.String("status") != "assigned" || r.Int("station_id") != station {
			t.Fatalf("assign to station: %d %s", r.Status, r.Body)
		}
		head := a.Login("bj1.head", demo.Password)
		if r := head.Do("GET", "/api/v1/tickets?station_id="+fmt.Sprint(station), nil); !strings.Contains(string(r.Body), created.String("number")) {
			t.Fatalf("station head does not see the station's ticket: %s", r.Body)
		}
		eng := users["eng.bj1a"]
		if r := head.Do("POST", path+"/assign", map[string]any{"user_id": eng, "at": at(-20)}); r.Status != 200 || r.Int("assignee_id") != eng {
			t.Fatalf("assign to engineer: %d %s", r.Status, r.Body)
		}
		e := a.Login("eng.bj1a", demo.Password)
		steps := []struct {
			path string
			body map[string]any
			want int
		}{
			{"/events", map[string]any{"kind": "departed", "at": at(0)}, 200},
			{"/events", map[string]any{"kind": "arrived", "at": at(45), "distance_km": 18.5}, 200},
			{"/events", map[string]any{"kind": "repaired", "at": at(30)}, 422}, // before arrival
			{"/transitions", map[string]any{"to": "pending"}, 422},             // reason missing
			{"/transitions", map[string]any{"to": "pending", "reason": "waiting_parts", "at": at(60)}, 200},
			{"/transitions", map[string]any{"to": "in_progress", "at": at(120)}, 200},
			{"/events", map[string]any{"kind": "repaired", "at": at(150)}, 200},
			{"/transitions", map[string]any{"to": "resolved", "at": at(150)}, 200},
		}
		for _, st := range steps {
			if r := e.Do("POST", path+st.path, st.body); r.Status != st.want {
				t.Fatalf("%s %v: %d %s", st.path, st.body, r.Status, r.Body)
			}
		}
		got := e.Do("GET", path, nil)
		d := got.JSON.(map[string]any)["durations"].(map[string]any)
		if d["response_minutes"] != float64(10) || d["fault_minutes"] != float64(130) || d["travel_minutes"] != float64(45) || d["repair_minutes"] != float64(105) || d["pending_minutes"] != float64(60) || got.JSON.(map[string]any)["distance_km"] != 18.5 {
			t.Fatalf("durations: %v distance %v", d, got.JSON.(map[string]any)["distance_km"])
		}
		tl := e.Do("GET", path+"/events", nil)
		kinds := []string{}
		for _, ev := range tl.Items() {
			kinds = append(kinds, ev["kind"].(string))
		}
		if strings.Join(kinds, ",") != "reported,assigned,assigned,departed,arrived,status,status,repaired,status" {
			t.Fatalf("timeline order: %v", kinds)
		}
		if r := e.Do("POST", path+"/comments", map[string]any{"body": "已更换读卡器", "internal": true}); r.Status != 201 {
			t.Fatalf("comment: %d %s", r.Status, r.Body)
		}
		if r := agent.Do("GET", path+"/comments", nil); r.Total() != 1 {
			t.Fatalf("comments: %s", r.Body)
		}
		au := admin.Do("GET", fmt.Sprintf("/api/v1/audit?entity=ticket&entity_id=%d", id), nil)
		if !strings.Contains(string(au.Body), "补录时间") {
			t.Fatalf("entered times not audited as such: %s", au.Body)
		}
	})
}

func TestTicketScopeMatrix(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 40})
		admin := a.Admin()
		all := admin.Do("GET", "/api/v1/tickets?page_size=500", nil)
		if all.Total() != 40 {
			t.Fatalf("admin sees %d tickets, want 40", all.Total())
		}
		orgName := map[string]string{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgName[fmt.Sprint(o["id"])] = o["code"].(string)
		}
		cases := []struct {
			login   string
			allowed func(t map[string]any) bool
		}{
			{"bj.admin", func(t map[string]any) bool { return strings.HasPrefix(orgName[fmt.Sprint(t["org_id"])], "HXB-BJ") }},
			{"sh.admin", func(t map[string]any) bool { return strings.HasPrefix(orgName[fmt.Sprint(t["org_id"])], "HXB-SH") }},
			{"bjhd01.head", func(t map[string]any) bool { return orgName[fmt.Sprint(t["org_id"])] == "HXB-BJ-HD-01" }},
			{"adwb.manager", func(t map[string]any) bool { return strings.HasPrefix(orgName[fmt.Sprint(t["vendor_org_id"])], "ADWB") }},
			{"bj1.head", func(t map[string]any) bool { return orgName[fmt.Sprint(t["vendor_org_id"])] == "ADWB-BJ1" }},
			{"bj2.head", func(t map[string]any) bool { return orgName[fmt.Sprint(t["vendor_org_id"])] == "ADWB-BJ2" }},
		}
		for _, tc := range cases {
			t.Run(tc.login, func(t *testing.T) {
				c := a.Login(tc.login, demo.Password)
				mine := c.Do("GET", "/api/v1/tickets?page_size=500", nil)
				seen := map[float64]bool{}
				for _, it := range mine.Items() {
					seen[it["id"].(float64)] = true
					if !tc.allowed(it) {
						t.Errorf("%s sees %s (org %s, vendor %s)", tc.login, it["number"], orgName[fmt.Sprint(it["org_id"])], orgName[fmt.Sprint(it["vendor_org_id"])])
					}
				}
				want := 0
				for _, it := range all.Items() {
					if tc.allowed(it) {
						want++
						if !seen[it["id"].(float64)] {
							if r := c.Do("GET", fmt.Sprintf("/api/v1/tickets/%v", it["id"]), nil); r.Status != 200 {
								t.Errorf("%s cannot open its own %s", tc.login, it["number"])
							}
						}
					} else if r := c.Do("GET", fmt.Sprintf("/api/v1/tickets/%v", it["id"]), nil); r.Status != 404 {
						t.Errorf("%s opens foreign %s: %d", tc.login, it["number"], r.Status)
					}
				}
				if mine.Total() != want {
					t.Errorf("%s: %d tickets, want %d", tc.login, mine.Total(), want)
				}
				devs := c.Do("GET", "/api/v1/assets?page_size=500", nil)
				for _, d := range devs.Items() {
					if !tc.allowed(map[string]any{"org_id": d["org_id"], "vendor_org_id": d["vendor_org_id"]}) {
						t.Errorf("%s sees device %s", tc.login, d["code"])
					}
				}
			})
		}
		t.Run("engineer sees only its own work", func(t *testing.T) {
			e := a.Login("eng.bj1a", demo.Password)
			me := e.Do("GET", "/api/v1/auth/me", nil).JSON.(map[string]any)["user"].(map[string]any)["id"]
			for _, it := range e.Do("GET", "/api/v1/tickets?page_size=500", nil).Items() {
				if it["assignee_id"] != me {
					t.Errorf("engineer sees %s assigned to %v", it["number"], it["assignee_id"])
				}
			}
		})
	})
}

func TestTicketConcurrency(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		url := testutil.DatabaseURL(t, engine)
		one := testutil.NewApp(t, engine, testutil.Options{DatabaseURL: url, Demo: true, DemoCustomers: 12, DemoTickets: 1})
		two := testutil.NewApp(t, engine, testutil.Options{DatabaseURL: url})
		c1, c2 := one.Admin(), two.Admin()
		org := rootOrgID(t, c1)
		tk := c1.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "并发", "org_id": org})
		id, version := tk.Int("id"), tk.Int("version")
		users := c1.Do("GET", "/api/v1/users?q=eng.bj1", nil).Items()
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, c := range []*testutil.Client{c1, c2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", id), map[string]any{"user_id": users[i]["id"], "version": version}).Status
			}()
		}
		wg.Wait()
		if !((statuses[0] == 200 && statuses[1] == 409) || (statuses[0] == 409 && statuses[1] == 200)) {
			t.Fatalf("two assignments of one version: %v, want one 200 and one 409", statuses)
		}
		// Ticket numbers stay unique when two processes create at once.
		numbers := make(chan string, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := c1
				if i%2 == 1 {
					c = c2
				}
				r := c.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": fmt.Sprint("并发", i), "org_id": org})
				numbers <- r.String("number")
			}()
		}
		wg.Wait()
		close(numbers)
		seen := map[string]bool{}
		for n := range numbers {
			if n == "" || seen[n] {
				t.Fatalf("missing or duplicate ticket number %q", n)
			}
			seen[n] = true
		}
		// A refused create takes no number (on PostgreSQL the number is
		// allocated outside the transaction, after the look-ups that refuse).
		seq := func(n string) int {
			v, err := strconv.Atoi(n[strings.LastIndex(n, "-")+1:])
			if err != nil {
				t.Fatalf("ticket number %q: %v", n, err)
			}
			return v
		}
		a := c1.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "编号甲", "org_id": org}).String("number")
		if r := c1.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "无此设备", "asset_id": 999999999}); r.Status != 422 {
			t.Fatalf("create on an unknown device: %d %s, want 422", r.Status, r.Body)
		}
		b := c1.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "编号乙", "org_id": org}).String("number")
		if seq(b) != seq(a)+1 {
			t.Fatalf("numbers %s then %s around a refused create; want consecutive", a, b)
		}
	})
}
