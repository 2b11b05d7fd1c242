package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lingting/internal/app"
	"lingting/internal/config"
	"lingting/internal/notify"
	"lingting/internal/notify/notifytest"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/sla"
	"lingting/internal/testutil"
	"lingting/internal/ticket"
)

// world is the org tree, people and policy the notification tests share: a
// bank outlet, a vendor with a station, its head (ticket.assign) and
// engineers with e-mail addresses, a 24×7 policy whose resolution target is
// 60 minutes with a warning at 50 % and two escalation levels.
type world struct {
	outlet, station int64
	head            int64
	engineers       []int64
	policy          int64
}

func sys() context.Context { return scope.With(context.Background(), scope.System()) }

func buildWorld(t testing.TB, a *app.App, engineers int, tag string) world {
	t.Helper()
	ctx := sys()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var w world
	bank, err := a.Orgs.CreateOrg(ctx, org.OrgInput{Kind: org.KindClient, Code: "BANK" + tag, Name: "测试银行" + tag})
	must(err)
	outlet, err := a.Orgs.CreateOrg(ctx, org.OrgInput{ParentID: &bank.ID, Kind: org.KindOutlet, Code: "BANK" + tag + "-01", Name: "测试网点" + tag})
	must(err)
	vendor, err := a.Orgs.CreateOrg(ctx, org.OrgInput{Kind: org.KindVendor, Code: "VEND" + tag, Name: "测试维保" + tag})
	must(err)
	station, err := a.Orgs.CreateOrg(ctx, org.OrgInput{ParentID: &vendor.ID, Kind: org.KindStation, Code: "VEND" + tag + "-S1", Name: "测试服务站" + tag})
	must(err)
	w.outlet, w.station = outlet.ID, station.ID
	headRole, err := a.Orgs.CreateRole(ctx, org.RoleInput{Name: "站点主管" + tag, Scope: scope.ModeSubtree, Permissions: []string{"ticket.read", "ticket.assign"}}, nil)
	must(err)
	engRole, err := a.Orgs.CreateRole(ctx, org.RoleInput{Name: "工程师" + tag, Scope: scope.ModeSelf, Permissions: []string{"ticket.read", "ticket.update"}}, nil)
	must(err)
	head, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: "head" + tag, Name: "站长" + tag, OrgID: station.ID, Password: "Head@2026x", Email: "head" + tag + "@example.com", RoleIDs: []int64{headRole.ID}})
	must(err)
	w.head = head.ID
	for i := range engineers {
		u, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: fmt.Sprintf("eng%s%02d", tag, i), Name: fmt.Sprintf("工程师%s%02d", tag, i), OrgID: station.ID,
			Password: "Eng@2026xx", Email: fmt.Sprintf("eng%s%02d@example.com", tag, i), RoleIDs: []int64{engRole.ID}})
		must(err)
		w.engineers = append(w.engineers, u.ID)
	}
	cal, err := sla.TwentyFourSeven("全天"+tag, "")
	must(err)
	c, err := a.SLA.SaveCalendar(ctx, 0, sla.CalendarInput{Name: cal.Name, TimeZone: cal.TimeZone, Weekly: cal.Weekly})
	must(err)
	n := func(v int) *int { return &v }
	p, err := a.SLA.SavePolicy(ctx, 0, sla.PolicyInput{Name: "报修" + tag, CalendarID: c.ID, Match: sla.Conditions{Types: []string{"repair"}},
		Targets:  sla.Targets{Resolution: n(60)},
		Warnings: []sla.Warning{{AtPercent: n(50)}},
		Escalations: []sla.Escalation{{Level: 1, AfterMinutes: 0, Notify: sla.NotifyAssignee},
			{Level: 2, AfterMinutes: 30, Notify: sla.NotifyStationHead}}})
	must(err)
	w.policy = p.ID
	return w
}

// openTickets opens n repair tickets at the outlet, assigned round-robin to the engineers.
func openTickets(t testing.TB, a *app.App, w world, n int) []int64 {
	t.Helper()
	ctx := sys()
	out := make([]int64, 0, n)
	for i := range n {
		tk, err := a.Tickets.Create(ctx, ticket.CreateInput{Type: "repair", Title: fmt.Sprintf("ATM 故障 %d", i), OrgID: &w.outlet})
		if err != nil {
			t.Fatal(err)
		}
		eng := w.engineers[i%len(w.engineers)]
		if _, err := a.Tickets.Assign(ctx, tk.ID, ticket.AssignInput{UserID: &eng}); err != nil {
			t.Fatal(err)
		}
		out = append(out, tk.ID)
	}
	return out
}

func count(t testing.TB, a *app.App, q string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.Get(context.Background(), &n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if err := notifytest.WaitFor(timeout, cond); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// The outbox (R-SLA-05): the SMTP server down for a while — the e-mail is
// retried with back-off and delivered when it is back; a recipient the
// server refuses ends failed with the error shown; a webhook that keeps
// failing uses up its attempts; resend; de-duplication; quiet hours.
func TestNotificationOutbox(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		admin := a.Admin()
		w := buildWorld(t, a.App, 2, "")
		ctx := sys()
		sink, err := notifytest.NewSMTPSink()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sink.Stop)
		bad := "eng01@example.com"
		refuse := atomic.Bool{}
		refuse.Store(true)
		sink.Reject = func(rcpt string) bool { return refuse.Load() && rcpt == bad }
		a.Notify.SetSender(notify.ChannelEmail, &notify.SMTPSender{Config: notify.SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", From: "sla@lingting.example"}})
		hook := notifytest.NewWebhookReceiver("hook-secret")
		t.Cleanup(hook.Close)
		hook.Now = a.Clock.Now
		ep := admin.Do("POST", "/api/v1/notifications/endpoints", map[string]any{"name": "客户系统", "kind": "webhook", "url": hook.URL + "/lingting", "secret": "hook-secret", "events": []string{"sla.escalation"}})
		if ep.Status != 201 || ep.String("url") != hook.URL+"/lingting" || ep.JSON.(map[string]any)["has_secret"] != true {
			t.Fatalf("endpoint: %d %s", ep.Status, ep.Body)
		}

		sink.Stop() // the mail server is down
		hook.FailNext.Store(1000)
		enqueue := func(key string, urgent bool, users ...int64) int {
			var n int
			err := a.DB.WithTx(ctx, func(ctx context.Context) error {
				var err error
				n, err = a.Notify.Enqueue(ctx, notify.Event{Key: key, Kind: notify.KindSLAEscalation, Level: 2, Urgent: urgent, Users: users,
					Vars: map[string]string{"ticket_number": "GD20261122-000001", "target": "解决", "overdue_hours": "1.0", "level": "2"}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		// Two users: in-app and e-mail each, plus the webhook.
		if n := enqueue("test:1", false, w.engineers...); n != 5 {
			t.Fatalf("deliveries written: %d", n)
		}
		if n := enqueue("test:1", false, w.engineers...); n != 0 {
			t.Fatalf("the same event enqueued twice wrote %d deliveries", n)
		}
		deliveries := func(q string) []map[string]any {
			r := admin.Do("GET", "/api/v1/notifications/deliveries?event_key=test:1&"+q, nil)
			if r.Status != 200 {
				t.Fatalf("deliveries: %d %s", r.Status, r.Body)
			}
			return r.Items()
		}
		// Three tries while the server is down, the clock moved past each back-off.
		for i := 1; i <= 3; i++ {
			if _, err := a.Notify.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "attempts", 10*time.Second, func() bool {
				return count(t, a.App, "SELECT count(*) FROM notification_deliveries WHERE channel = 'email' AND attempts = ? AND status = 'pending'", i) == 2
			})
			a.Clock.Advance(time.Duration(30<<i) * time.Second)
		}
		for _, d := range deliveries("channel=email") {
			h := d["history"].([]any)
			if len(h) != 3 || h[0].(map[string]any)["ok"] != false || !strings.Contains(d["error"].(string), "connect") || d["next_attempt_at"] == nil {
				t.Fatalf("email while the server is down: %v", d)
			}
		}
		if err := sink.Start(); err != nil { // back
			t.Fatal(err)
		}
		a.Clock.Advance(10 * time.Minute)
		a.Notify.Kick()
		waitFor(t, "email delivered after the server came back", 20*time.Second, func() bool {
			return count(t, a.App, "SELECT count(*) FROM notification_deliveries WHERE channel = 'email' AND status IN ('sent', 'failed')") == 2
		})
		for _, d := range deliveries("channel=email") {
			switch d["recipient"] {
			case bad:
				if d["status"] != "failed" || !strings.Contains(d["error"].(string), "550") || d["attempts"] != float64(4) {
					t.Fatalf("refused recipient: %v", d)
				}
			default:
				if d["status"] != "sent" || d["attempts"] != float64(4) || d["error"] != "" || d["sent_at"] == nil {
					t.Fatalf("delivered email: %v", d)
				}
			}
		}
		if sink.Count() != 1 || !strings.Contains(sink.Messages()[0].Subject, "GD20261122-000001") {
			t.Fatalf("sink: %d %+v", sink.Count(), sink.Messages())
		}

		// The webhook keeps answering 503: every attempt is used, then failed.
		for range 10 {
			a.Clock.Advance(2 * time.Hour)
			if _, err := a.Notify.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "webhook failed", 10*time.Second, func() bool {
			return count(t, a.App, "SELECT count(*) FROM notification_deliveries WHERE channel = 'webhook' AND status = 'failed'") == 1
		})
		hookD := deliveries("channel=webhook")[0]
		if hookD["attempts"] != float64(8) || !strings.Contains(hookD["error"].(string), "HTTP 503") || len(hookD["history"].([]any)) != 8 {
			t.Fatalf("webhook: %v", hookD)
		}

		// Resend both failures once the causes are gone.
		refuse.Store(false)
		hook.FailNext.Store(0)
		failedMail := deliveries("status=failed&channel=email")[0]
		testutil.Run(t, []testutil.Scenario{
			{Name: "resend the refused e-mail", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/notifications/deliveries/%d/resend", int64(failedMail["id"].(float64))), Status: 200, Contains: []string{`"status":"pending"`}},
			{Name: "resend the webhook", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/notifications/deliveries/%d/resend", int64(hookD["id"].(float64))), Status: 200},
			{Name: "in-app is not resent", As: admin, Method: "POST", Path: fmt.Sprintf("/api/v1/notifications/deliveries/%d/resend", int64(deliveries("channel=in_app")[0]["id"].(float64))), Status: 409},
			{Name: "unknown delivery", As: admin, Method: "GET", Path: "/api/v1/notifications/deliveries/999999", Status: 404},
			{Name: "bad filter", As: admin, Method: "GET", Path: "/api/v1/notifications/deliveries?status=lost&channel=pigeon", Status: 422, Contains: []string{`"status"`, `"channel"`}},
		})
		waitFor(t, "resent", 20*time.Second, func() bool {
			return count(t, a.App, "SELECT count(*) FROM notification_deliveries WHERE status = 'sent' AND channel <> 'in_app'") == 3
		})
		if sink.Count() != 2 || hook.Count() != 1 {
			t.Fatalf("after resend: sink %d webhook %d", sink.Count(), hook.Count())
		}
		if r := admin.Do("GET", "/api/v1/audit?entity=notification_delivery", nil); r.Total() != 2 {
			t.Fatalf("resends not audited: %s", r.Body)
		}

		// Quiet hours hold e-mail (not in-app) until they end; the top level ignores them.
		u := w.engineers[0]
		local := a.Clock.Now().In(time.FixedZone("CST", 8*3600))
		from, to := local.Add(-time.Hour).Format("15:04"), local.Add(2*time.Hour).Format("15:04")
		if _, err := a.Notify.SavePrefs(ctx, u, notify.Prefs{Email: true, SMS: true, QuietStart: from, QuietEnd: to}); err != nil {
			t.Fatal(err)
		}
		enqueue("test:quiet", false, u)
		enqueue("test:urgent", true, u)
		var quietAt, urgentAt time.Time
		_ = a.DB.Get(ctx, &quietAt, "SELECT d.next_attempt_at FROM notification_deliveries d JOIN notifications_outbox o ON o.id = d.outbox_id WHERE o.event_key = 'test:quiet' AND d.channel = 'email'")
		_ = a.DB.Get(ctx, &urgentAt, "SELECT d.next_attempt_at FROM notification_deliveries d JOIN notifications_outbox o ON o.id = d.outbox_id WHERE o.event_key = 'test:urgent' AND d.channel = 'email'")
		if d := quietAt.Sub(a.Clock.Now()); d < 110*time.Minute || d > 121*time.Minute {
			t.Fatalf("quiet hours: e-mail due in %v", d)
		}
		if d := urgentAt.Sub(a.Clock.Now()); d > time.Minute {
			t.Fatalf("urgent e-mail held by quiet hours: %v", d)
		}
		if n := count(t, a.App, "SELECT count(*) FROM notifications WHERE user_id = ?", u); n != 3 {
			t.Fatalf("in-app notifications: %d", n)
		}
	})
}

// Templates and endpoints: validation answers 422 naming the field, every
// change is audited, previews fill sample values, URLs are answered masked.
func TestNotificationAdminAPI(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		admin := a.Admin()
		w := buildWorld(t, a.App, 1, "")
		eng := a.Login("eng00", "Eng@2026xx")
		tpl := "/api/v1/notifications/templates/sla.escalation"
		testutil.Run(t, []testutil.Scenario{
			{Name: "templates with variables", As: admin, Method: "GET", Path: "/api/v1/notifications/templates", Status: 200, Contains: []string{`"kind":"sla.warning"`, `"name":"ticket_number"`, `"custom":false`}},
			{Name: "an engineer cannot edit templates", As: eng, Method: "PUT", Path: tpl, Body: map[string]any{"subject": "x", "body": "y"}, Status: 403},
			{Name: "unknown variable and empty subject", As: admin, Method: "PUT", Path: tpl, Body: map[string]any{"subject": "", "body": "工单 {{ticket_no}}"}, Status: 422, Check: func(t *testing.T, r *testutil.Response) {
				f := fieldsOf(r)
				if f["subject"] == nil || !strings.Contains(fmt.Sprint(f["body"]), "ticket_no") {
					t.Fatalf("fields: %v", f)
				}
			}},
			{Name: "unknown kind", As: admin, Method: "PUT", Path: "/api/v1/notifications/templates/sla.pigeon", Body: map[string]any{"subject": "x", "body": "y"}, Status: 404},
			{Name: "edit", As: admin, Method: "PUT", Path: tpl, Body: map[string]any{"subject": "督办 {{ticket_number}}", "body": "{{customer}} 的工单超时 {{overdue_hours}} 小时"}, Status: 200, Contains: []string{`"custom":true`}},
			{Name: "preview", As: admin, Method: "POST", Path: tpl + "/preview", Body: map[string]any{}, Status: 200, Contains: []string{`"subject":"督办 GD20261122-000123"`, `张三 的工单超时 1.5 小时`}},
			{Name: "audited", As: admin, Method: "GET", Path: "/api/v1/audit?entity=notification_template", Status: 200, Contains: []string{`修改通知模板 超时督办`}},
			{Name: "reset", As: admin, Method: "DELETE", Path: tpl, Status: 200, Contains: []string{`"custom":false`, `超时督办`}},
			{Name: "endpoint needs a secret and a URL", As: admin, Method: "POST", Path: "/api/v1/notifications/endpoints", Body: map[string]any{"name": "x", "kind": "webhook", "url": "ftp://x", "events": []string{"sla.nothing"}}, Status: 422, Check: func(t *testing.T, r *testutil.Response) {
				f := fieldsOf(r)
				for _, k := range []string{"url", "secret", "events[0]"} {
					if f[k] == nil {
						t.Errorf("no error for %s: %v", k, f)
					}
				}
			}},
			{Name: "robots never get scheduled reports or ticket notices", As: admin, Method: "POST", Path: "/api/v1/notifications/endpoints", Body: map[string]any{"name": "报表群", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1", "events": []string{"sla.warning", "report.scheduled", "ticket.comment"}}, Status: 422, Check: func(t *testing.T, r *testutil.Response) {
				f := fieldsOf(r)
				if f["events[0]"] != nil || !strings.Contains(fmt.Sprint(f["events[1]"]), "report.scheduled") || !strings.Contains(fmt.Sprint(f["events[2]"]), "ticket.comment") {
					t.Errorf("fields: %v", f)
				}
			}},
			{Name: "nothing was stored", As: admin, Method: "GET", Path: "/api/v1/notifications/endpoints", Status: 200, Lacks: []string{"报表群"}},
			{Name: "a WeCom robot", As: admin, Method: "POST", Path: "/api/v1/notifications/endpoints", Body: map[string]any{"name": "运维群", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", "min_level": 2}, Status: 201, Contains: []string{`key=***`}, Lacks: []string{"693a91f6"}},
			{Name: "duplicate name", As: admin, Method: "POST", Path: "/api/v1/notifications/endpoints", Body: map[string]any{"name": "运维群", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/x?key=1"}, Status: 422, Contains: []string{`"name"`}},
			{Name: "list", As: admin, Method: "GET", Path: "/api/v1/notifications/endpoints", Status: 200, Lacks: []string{"693a91f6"}},
			{Name: "endpoint audited", As: admin, Method: "GET", Path: "/api/v1/audit?entity=notification_endpoint", Status: 200, Contains: []string{"新增通知端点 运维群"}, Lacks: []string{"693a91f6"}},
			{Name: "preferences", As: eng, Method: "PUT", Path: "/api/v1/notifications/preferences", Body: map[string]any{"email": true, "sms": false, "quiet_start": "22:00", "quiet_end": "7:00"}, Status: 422, Contains: []string{`"quiet_end"`}},
			{Name: "preferences saved", As: eng, Method: "PUT", Path: "/api/v1/notifications/preferences", Body: map[string]any{"email": true, "sms": false, "quiet_start": "22:00", "quiet_end": "07:00"}, Status: 200},
			{Name: "preferences read", As: eng, Method: "GET", Path: "/api/v1/notifications/preferences", Status: 200, Contains: []string{`"sms":false`, `"quiet_start":"22:00"`}},
			{Name: "empty inbox", As: eng, Method: "GET", Path: "/api/v1/notifications", Status: 200, Contains: []string{`"unread":0`}},
			{Name: "bad unread filter", As: eng, Method: "GET", Path: "/api/v1/notifications?unread=maybe", Status: 422},
		})
		id := ids(t, admin, "/api/v1/notifications/endpoints", "name")["运维群"]
		testutil.Run(t, []testutil.Scenario{
			{Name: "change keeps the URL", As: admin, Method: "PUT", Path: fmt.Sprintf("/api/v1/notifications/endpoints/%d", id), Body: map[string]any{"name": "运维群", "kind": "wecom", "active": false}, Status: 200, Contains: []string{`key=***`, `"active":false`}},
			{Name: "delete an unused endpoint", As: admin, Method: "DELETE", Path: fmt.Sprintf("/api/v1/notifications/endpoints/%d", id), Status: 204},
			{Name: "gone", As: admin, Method: "GET", Path: fmt.Sprintf("/api/v1/notifications/endpoints/%d", id), Status: 404},
		})
		_ = w
	})
}

// The bell over Server-Sent Events: the unread count at once, then each new
// notification and the new count.
func TestNotificationStream(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{})
		w := buildWorld(t, a.App, 1, "")
		eng := a.Login("eng00", "Eng@2026xx")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		stream := eng.Stream(ctx, "/api/v1/notifications/stream")
		defer stream.Body.Close()
		if stream.StatusCode != 200 || !strings.HasPrefix(stream.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("stream: %d %s", stream.StatusCode, stream.Header.Get("Content-Type"))
		}
		lines := bufio.NewScanner(stream.Body)
		var got []string
		next := func(prefix string) string {
			t.Helper()
			for lines.Scan() {
				got = append(got, lines.Text())
				if v, ok := strings.CutPrefix(lines.Text(), prefix); ok {
					return v
				}
			}
			t.Fatalf("no %q in %q: %v", prefix, got, lines.Err())
			return ""
		}
		if d := next("data: "); d != `{"unread":0}` {
			t.Fatalf("first count %s", d)
		}
		err := a.DB.WithTx(sys(), func(ctx context.Context) error {
			_, err := a.Notify.Enqueue(ctx, notify.Event{Key: "stream:1", Kind: notify.KindSLAWarning, Users: w.engineers,
				Vars: map[string]string{"ticket_number": "GD20261122-000009", "target": "解决", "remaining_hours": "2.0"}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ev := next("event: "); ev != "notification" {
			t.Fatalf("event %s", ev)
		}
		if d := next("data: "); !strings.Contains(d, "GD20261122-000009") || !strings.Contains(d, `"kind":"sla.warning"`) {
			t.Fatalf("notification %s", d)
		}
		if d := next("data: "); d != `{"unread":1}` {
			t.Fatalf("new count %s", d)
		}
	})
}

// instance is one Lingting process (an app with its workers).
type instance struct {
	*app.App
	stop context.CancelFunc
}

// Exactly once (R-SLA-04/05): two processes on one database, tickets driven
// past their warning and breach instants with the clock, each warning and
// escalation delivered exactly once — counted at the SMTP server and the
// webhook receiver — with one process replaced between the phases and
// another stopped in the middle of delivering.
func TestSLAExactlyOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		n := 1000
		if engine == "sqlite" {
			n = 200
		}
		if testing.Short() {
			n = 50
		}
		sink, err := notifytest.NewSMTPSink()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sink.Stop)
		var offset atomic.Int64
		hook := notifytest.NewWebhookReceiver("once-secret")
		hook.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
		t.Cleanup(hook.Close)
		cfg := config.Config{Addr: "127.0.0.1:0", DatabaseURL: testutil.DatabaseURL(t, engine), AdminLogin: "admin", AdminPassword: testutil.AdminPassword,
			LogLevel: "error", LogFormat: "text", LoginRate: 1000,
			SMTPHost: "127.0.0.1", SMTPPort: sink.Port(), SMTPTLS: "none", SMTPFrom: "sla@lingting.example",
			SLAScanInterval: 100 * time.Millisecond, JobPoll: 100 * time.Millisecond, NotifyRetryBase: 200 * time.Millisecond}
		start := func() *instance {
			a, err := app.New(context.Background(), cfg, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			a.Clock.Advance(time.Duration(offset.Load()))
			ctx, cancel := context.WithCancel(context.Background())
			a.StartWorkers(ctx)
			return &instance{App: a, stop: cancel}
		}
		halt := func(i *instance) {
			i.stop()
			if err := i.Close(); err != nil {
				t.Error(err)
			}
		}
		procs := []*instance{start(), start()}
		t.Cleanup(func() {
			for _, p := range procs {
				if p != nil {
					halt(p)
				}
			}
		})
		setClock := func(d time.Duration) {
			offset.Store(int64(d))
			for _, p := range procs {
				p.Clock.Reset()
				p.Clock.Advance(d)
			}
		}
		w := buildWorld(t, procs[0].App, 10, "")
		if _, err := procs[0].Notify.SaveEndpoint(sys(), 0, notify.EndpointInput{Name: "客户系统", Kind: notify.ChannelWebhook, URL: ptr(hook.URL), Secret: ptr("once-secret")}); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		openTickets(t, procs[0].App, w, n)
		t.Logf("%s: %d tickets opened in %v", engine, n, time.Since(began))

		settled := func(emails int) func() bool {
			return func() bool {
				return sink.Count() >= emails && hook.Count() >= emails &&
					count(t, procs[0].App, "SELECT count(*) FROM notification_deliveries WHERE status IN ('pending', 'sending')") == 0
			}
		}
		// Phase 1: 40 minutes on — past the 50 % warning (30 min), before the deadline (60).
		setClock(40 * time.Minute)
		waitFor(t, "warnings delivered", 3*time.Minute, settled(n))
		if sink.Count() != n || hook.Count() != n {
			t.Fatalf("after the warnings: %d e-mails, %d webhooks, want %d", sink.Count(), hook.Count(), n)
		}
		// One process is replaced by a new one between the phases.
		halt(procs[1])
		procs[1] = start()

		// Phase 2: 100 minutes on — the breach (60), level 1 (60) to the
		// engineer, level 2 (90) to the station head. The first process is
		// stopped while it delivers and another takes its place.
		setClock(100 * time.Minute)
		waitFor(t, "delivery under way", 3*time.Minute, func() bool { return sink.Count() > n+n/4 })
		halt(procs[0])
		procs[0] = start()
		waitFor(t, "escalations delivered", 3*time.Minute, settled(3*n))
		time.Sleep(500 * time.Millisecond) // a few more scan and delivery cycles: nothing new may appear
		if sink.Count() != 3*n || hook.Count() != 3*n {
			t.Fatalf("%d e-mails and %d webhooks, want %d each", sink.Count(), hook.Count(), 3*n)
		}
		perKey := map[string]int{}
		perRcpt := map[string]int{}
		for _, m := range sink.Messages() {
			perKey[m.Header.Get("X-Lingting-Delivery")]++
			perRcpt[m.To[0]]++
		}
		if len(perKey) != 3*n {
			t.Fatalf("repeated e-mails: %d distinct of %d", len(perKey), sink.Count())
		}
		if len(hook.Keys()) != 3*n {
			t.Fatalf("repeated webhooks: %d distinct of %d", len(hook.Keys()), hook.Count())
		}
		if perRcpt["head@example.com"] != n || perRcpt["eng00@example.com"] != 2*n/10 {
			t.Fatalf("e-mails per recipient: head %d, eng00 %d", perRcpt["head@example.com"], perRcpt["eng00@example.com"])
		}
		a := procs[0].App
		if f := count(t, a, "SELECT count(*) FROM sla_firings"); f != 4*n {
			t.Fatalf("firings %d, want %d", f, 4*n)
		}
		if f := count(t, a, "SELECT count(*) FROM notification_deliveries WHERE status <> 'sent'"); f != 0 {
			t.Fatalf("%d deliveries not sent", f)
		}
		if f := count(t, a, "SELECT count(*) FROM notifications"); f != 3*n {
			t.Fatalf("in-app notifications %d, want %d", f, 3*n)
		}
		t.Logf("%s: %d e-mails and %d webhooks, each once, in %v", engine, sink.Count(), hook.Count(), time.Since(began))
	})
}

func ptr[T any](v T) *T { return &v }
