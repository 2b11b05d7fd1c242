package httpapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func TestScreenPop(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 20})
		admin := a.Admin()
		orgs := map[string]int64{}
		for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
			orgs[o["code"].(string)] = int64(o["id"].(float64))
		}
		admin.Do("POST", "/api/v1/customers", map[string]any{"name": "来电客户", "org_id": orgs["HXB-BJ-HD-01"], "phone": "13712345678"})
		head := admin.Do("GET", "/api/v1/users?q=bjhd01.head", nil).Items()[0]
		agent := a.Login("agent01", demo.Password)

		pop := agent.Do("GET", "/api/v1/screen-pop?phone=13712345678", nil)
		if pop.Status != 200 || !strings.Contains(string(pop.Body), "来电客户") {
			t.Fatalf("customer pop: %d %s", pop.Status, pop.Body)
		}
		if strings.Contains(string(pop.Body), `"number":"13712345678"`) || strings.Contains(string(pop.Body), `"phone":"13712345678","phones"`) {
			t.Fatalf("screen pop leaks the unmasked number: %s", pop.Body)
		}
		outlet := agent.Do("GET", "/api/v1/screen-pop?phone="+head["phone"].(string), nil)
		var body struct {
			Callers []struct {
				OrgName string           `json:"org_name"`
				Devices []map[string]any `json:"devices"`
			} `json:"callers"`
		}
		_ = json.Unmarshal(outlet.Body, &body)
		if len(body.Callers) != 1 || body.Callers[0].OrgName != "中关村网点" || len(body.Callers[0].Devices) == 0 {
			t.Fatalf("outlet pop: %s", outlet.Body)
		}
		if r := agent.Do("GET", "/api/v1/screen-pop?phone=12", nil); r.Status != 422 {
			t.Fatalf("bad number: %d", r.Status)
		}
		// A user without telephony.answer (a branch admin may create tickets
		// but does not answer calls) gets 403 on the pop and the call stream.
		sh := a.Login("sh.admin", demo.Password)
		if r := sh.Do("GET", "/api/v1/screen-pop?phone=13712345678", nil); r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Fatalf("screen pop without telephony.answer: %d %s", r.Status, r.Body)
		}
		if r := sh.Do("GET", "/api/v1/telephony/events", nil); r.Status != 403 {
			t.Fatalf("call stream without telephony.answer: %d %s", r.Status, r.Body)
		}
		// A sibling branch's agent sees nothing of a Beijing caller.
		role := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "分行坐席", "scope": "subtree", "permissions": []string{"telephony.answer", "customer.read", "ticket.read"}})
		if u := admin.Do("POST", "/api/v1/users", map[string]any{"login": "sh.agent", "name": "上海坐席", "org_id": orgs["HXB-SH"], "password": demo.Password, "role_ids": []int64{role.Int("id")}}); u.Status != 201 {
			t.Fatalf("user: %d %s", u.Status, u.Body)
		}
		shAgent := a.Login("sh.agent", demo.Password)
		shAgent.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": demo.Password, "new_password": "better-pass-9"})
		if r := shAgent.Do("GET", "/api/v1/screen-pop?phone=13712345678", nil); r.Status != 200 || strings.Contains(string(r.Body), "来电客户") {
			t.Fatalf("sibling sees the Beijing customer: %d %s", r.Status, r.Body)
		}

		t.Run("a webhook call reaches the agent's event stream", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			stream := agent.Stream(ctx, "/api/v1/telephony/events")
			defer stream.Body.Close()
			if stream.StatusCode != 200 || !strings.HasPrefix(stream.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("stream: %d %s", stream.StatusCode, stream.Header.Get("Content-Type"))
			}
			lines := bufio.NewScanner(stream.Body)
			lines.Buffer(make([]byte, 1<<20), 1<<20)
			if !lines.Scan() || !strings.HasPrefix(lines.Text(), ": connected") {
				t.Fatalf("no greeting: %q", lines.Text())
			}
			pbx := a.WithToken(admin.Do("POST", "/api/v1/auth/tokens", map[string]any{"name": "PBX"}).String("token"))
			if r := pbx.Do("POST", "/api/v1/telephony/calls", map[string]any{"caller": "137-1234-5678", "callee": "95588", "agent_login": "agent01"}); r.Status != 202 {
				t.Fatalf("webhook: %d %s", r.Status, r.Body)
			}
			if r := agent.Do("POST", "/api/v1/telephony/calls", map[string]any{"caller": "13712345678", "agent_login": "agent01"}); r.Status != 403 {
				t.Fatalf("an agent without telephony.notify pushed a call: %d", r.Status)
			}
			for lines.Scan() {
				if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
					if !strings.Contains(data, "来电客户") || !strings.Contains(data, `"call_id"`) {
						t.Fatalf("event without the customer card: %s", data)
					}
					return
				}
			}
			t.Fatalf("no call event arrived: %v", lines.Err())
		})
	})
}
