package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/notify"
	"lingting/internal/notify/notifytest"
	"lingting/internal/testutil"
)

// Notifications to customers (external recipients): the survey link made on
// resolution reaches the ticket's customer by e-mail (a real SMTP server) and
// SMS (a local HTTP gateway checking the signature); 已受理 / 已解决 follow
// the global and per-org switches; each event reaches each customer once per
// channel; the delivery log masks the customer's number for an administrator
// without customer.pii.reveal.
func TestCustomerNotifications(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		ctx := sys()
		sink, err := notifytest.NewSMTPSink()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sink.Stop)
		a.Notify.SetSender(notify.ChannelEmail, &notify.SMTPSender{Config: notify.SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", From: "service@lingting.example"}})
		gw := notifytest.NewWebhookReceiver("gw-secret")
		t.Cleanup(gw.Close)
		a.Notify.SetSender(notify.ChannelSMS, notify.NewSMSSender(notify.SMSConfig{Provider: "http", Endpoint: gw.URL + "/sms", AccessKeySecret: "gw-secret"}, http.DefaultClient, nil))

		orgs := ids(t, admin, "/api/v1/orgs?page_size=500", "code")
		customer := func(name, org, phone, email string) int64 {
			r := admin.Do("POST", "/api/v1/customers", map[string]any{"name": name, "org_id": orgs[org], "phone": phone, "email": email})
			if r.Status != 201 {
				t.Fatalf("customer: %d %s", r.Status, r.Body)
			}
			return r.Int("id")
		}
		bjCustomer := customer("王客户", "HXB-BJ-HD-01", "13912345678", "wang@example.com")
		shCustomer := customer("李客户", "HXB-SH-PD-01", "13698765432", "")
		sup := a.Login("supervisor01", demo.Password)
		open := func(customer int64) int64 {
			r := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "咨询理财产品", "customer_id": customer})
			if r.Status != 201 {
				t.Fatalf("ticket: %d %s", r.Status, r.Body)
			}
			return r.Int("id")
		}
		resolve := func(id int64) {
			for _, to := range []string{"in_progress", "resolved"} {
				if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", id), map[string]any{"to": to}); r.Status != 200 {
					t.Fatalf("%s: %d %s", to, r.Status, r.Body)
				}
			}
		}
		deliveries := func(c *testutil.Client, ticket int64) []map[string]any {
			r := c.Do("GET", fmt.Sprintf("/api/v1/notifications/deliveries?page_size=100&ticket_id=%d", ticket), nil)
			if r.Status != 200 {
				t.Fatalf("deliveries: %d %s", r.Status, r.Body)
			}
			var out []map[string]any
			for _, d := range r.Items() {
				if d["external"] == true {
					out = append(out, d)
				}
			}
			return out
		}
		keys := func(ds []map[string]any) []string {
			var out []string
			for _, d := range ds {
				out = append(out, d["kind"].(string)+" "+d["channel"].(string)+" "+d["recipient"].(string))
			}
			return out
		}

		// Defaults: no 已受理 on creation; the survey link on resolution.
		first := open(bjCustomer)
		if ds := deliveries(admin, first); len(ds) != 0 {
			t.Fatalf("deliveries before resolution: %v", keys(ds))
		}
		resolve(first)
		got := strings.Join(keys(deliveries(admin, first)), "; ")
		if got != "customer.survey email wang@example.com; customer.survey sms 13912345678" && got != "customer.survey sms 13912345678; customer.survey email wang@example.com" {
			t.Fatalf("survey deliveries: %s", got)
		}

		// Switched on globally, off for the Shanghai branch.
		testutil.Run(t, []testutil.Scenario{
			{Name: "an agent may not change them", As: a.Login("agent01", demo.Password), Method: "PUT", Path: "/api/v1/notifications/customer-settings/0",
				Body: map[string]any{"ticket_received": true, "ticket_resolved": true, "survey": true}, Status: 403},
			{Name: "every flag is required", As: admin, Method: "PUT", Path: "/api/v1/notifications/customer-settings/0", Body: map[string]any{"ticket_received": true}, Status: 422,
				Contains: []string{`"ticket_resolved"`, `"survey"`}},
			{Name: "unknown org", As: admin, Method: "PUT", Path: "/api/v1/notifications/customer-settings/999999", Body: map[string]any{"ticket_received": true, "ticket_resolved": true, "survey": true}, Status: 404},
			{Name: "nothing stored by the refusals", As: admin, Method: "GET", Path: "/api/v1/notifications/customer-settings", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 1 || r.Items()[0]["default"] != true || r.Items()[0]["survey"] != true || r.Items()[0]["ticket_received"] != false {
					t.Fatalf("settings: %s", r.Body)
				}
			}},
			{Name: "globally on", As: admin, Method: "PUT", Path: "/api/v1/notifications/customer-settings/0", Body: map[string]any{"ticket_received": true, "ticket_resolved": true, "survey": true}, Status: 200},
			{Name: "Shanghai off", As: admin, Method: "PUT", Path: fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-SH"]),
				Body: map[string]any{"ticket_received": false, "ticket_resolved": false, "survey": false}, Status: 200, Contains: []string{`"org_name":"上海分行"`}},
			{Name: "listed", As: admin, Method: "GET", Path: "/api/v1/notifications/customer-settings", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 2 || r.Items()[0]["org_id"] != float64(0) || r.Items()[0]["default"] != false || r.Items()[1]["org_name"] != "上海分行" {
					t.Fatalf("settings: %s", r.Body)
				}
			}},
		})
		second := open(bjCustomer)
		resolve(second)
		sh := open(shCustomer)
		resolve(sh)
		if ds := deliveries(admin, sh); len(ds) != 0 {
			t.Fatalf("the Shanghai customer was notified: %v", keys(ds))
		}
		if ds := deliveries(admin, second); len(ds) != 6 {
			t.Fatalf("received, resolved and survey by e-mail and SMS: %v", keys(ds))
		}
		// The same event again writes nothing (one delivery per event and recipient).
		err = a.DB.WithTx(ctx, func(ctx context.Context) error {
			n, err := a.Notify.NotifyCustomer(ctx, notify.CustomerNotice{Kind: notify.KindCustomerResolved, TicketID: second, OrgID: orgs["HXB-BJ-HD-01"], CustomerID: bjCustomer})
			if err == nil && n != 0 {
				err = fmt.Errorf("%d deliveries written again", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		// Delivered: e-mails at the SMTP server, SMS at the gateway.
		waitFor(t, "customer deliveries sent", 30*time.Second, func() bool {
			if _, err := a.Notify.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			return count(t, a.App, "SELECT count(*) FROM notification_deliveries WHERE user_id IS NULL AND endpoint_id IS NULL AND status = 'sent'") == 8
		})
		var survey, received int
		for _, m := range sink.Messages() {
			if len(m.To) != 1 || m.To[0] != "wang@example.com" {
				continue
			}
			if strings.Contains(m.Subject, "满意度评价") && strings.Contains(m.Body, "/r/") && strings.Contains(m.Body, "尊敬的王客户") {
				survey++
			}
			if strings.Contains(m.Subject, "已受理") {
				received++
			}
		}
		if survey != 2 || received != 1 {
			t.Fatalf("mails: %d survey, %d received of %d", survey, received, sink.Count())
		}
		phones := map[string]int{}
		for _, m := range gw.Received() {
			var body struct {
				Phone string `json:"phone"`
				Text  string `json:"text"`
			}
			_ = json.Unmarshal(m.Body, &body)
			phones[body.Phone]++
		}
		if phones["13912345678"] != 4 || phones["13698765432"] != 0 { // (staff get the survey by SMS too)
			t.Fatalf("SMS: %v", phones)
		}

		// The delivery log: the number in full for an administrator who may
		// reveal customers' data, masked for one who may not.
		role := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "通知管理", "scope": "all", "permissions": []string{"notify.admin"}})
		if u := admin.Do("POST", "/api/v1/users", map[string]any{"login": "notify.admin", "name": "通知管理员", "org_id": orgs["OPS"], "password": demo.Password, "role_ids": []int64{role.Int("id")}}); u.Status != 201 {
			t.Fatalf("user: %d %s", u.Status, u.Body)
		}
		na := a.Login("notify.admin", demo.Password)
		na.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": demo.Password, "new_password": "better-pass-9"})
		for _, d := range deliveries(na, first) {
			if d["channel"] == "sms" && d["recipient"] != "139****5678" {
				t.Fatalf("unmasked for notify.admin alone: %v", d)
			}
			if r := na.Do("GET", fmt.Sprintf("/api/v1/notifications/deliveries/%d", int64(d["id"].(float64))), nil); d["channel"] == "sms" && r.String("recipient") != "139****5678" {
				t.Fatalf("one delivery unmasked: %s", r.Body)
			}
		}
		if !strings.Contains(strings.Join(keys(deliveries(admin, first)), ";"), "13912345678") {
			t.Fatal("the administrator with customer.pii.reveal sees the number masked")
		}
		// A notification administrator of the Beijing branch sees and changes
		// Beijing's settings only, and not the global ones.
		bjRole := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "北京通知管理", "scope": "custom", "scope_org_ids": []int64{orgs["HXB-BJ"]}, "permissions": []string{"notify.admin"}})
		if u := admin.Do("POST", "/api/v1/users", map[string]any{"login": "bj.notify", "name": "北京通知管理员", "org_id": orgs["HXB-BJ"], "password": demo.Password, "role_ids": []int64{bjRole.Int("id")}}); u.Status != 201 {
			t.Fatalf("user: %d %s", u.Status, u.Body)
		}
		bjn := a.Login("bj.notify", demo.Password)
		bjn.Do("POST", "/api/v1/auth/password", map[string]string{"current_password": demo.Password, "new_password": "better-pass-9"})
		on := map[string]any{"ticket_received": true, "ticket_resolved": true, "survey": true}
		orgIDs := func(r *testutil.Response) []float64 {
			var out []float64
			for _, it := range r.Items() {
				out = append(out, it["org_id"].(float64))
			}
			return out
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "Shanghai's override is not listed to Beijing", As: bjn, Method: "GET", Path: "/api/v1/notifications/customer-settings", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if got := orgIDs(r); len(got) != 1 || got[0] != 0 {
					t.Fatalf("settings seen by Beijing: %s", r.Body)
				}
			}},
			{Name: "Beijing may not change Shanghai", As: bjn, Method: "PUT", Path: fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-SH"]), Body: on, Status: 404},
			{Name: "nor delete it", As: bjn, Method: "DELETE", Path: fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-SH"]), Status: 404},
			{Name: "nor the global settings", As: bjn, Method: "PUT", Path: "/api/v1/notifications/customer-settings/0", Body: map[string]any{"ticket_received": false, "ticket_resolved": false, "survey": false}, Status: 403, Contains: []string{`"forbidden"`}},
			{Name: "Shanghai and the global settings unchanged", As: admin, Method: "GET", Path: "/api/v1/notifications/customer-settings", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if r.Total() != 2 || r.Items()[0]["ticket_received"] != true || r.Items()[1]["org_name"] != "上海分行" || r.Items()[1]["survey"] != false {
					t.Fatalf("settings: %s", r.Body)
				}
			}},
			{Name: "Beijing changes a Beijing outlet", As: bjn, Method: "PUT", Path: fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-BJ-HD-01"]), Body: on, Status: 200},
			{Name: "and sees it", As: bjn, Method: "GET", Path: "/api/v1/notifications/customer-settings", Status: 200, Check: func(t *testing.T, r *testutil.Response) {
				if got := orgIDs(r); len(got) != 2 || got[1] != float64(orgs["HXB-BJ-HD-01"]) {
					t.Fatalf("settings seen by Beijing: %s", r.Body)
				}
			}},
			{Name: "and removes it", As: bjn, Method: "DELETE", Path: fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-BJ-HD-01"]), Status: 204},
		})
		if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-SH"]), nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/notifications/customer-settings/%d", orgs["HXB-SH"]), nil); r.Status != 404 {
			t.Fatalf("delete again: %d %s", r.Status, r.Body)
		}
	})
}
