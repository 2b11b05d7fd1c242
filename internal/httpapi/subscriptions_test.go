package httpapi_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/notify"
	"lingting/internal/notify/notifytest"
	"lingting/internal/testutil"
)

// attachment reads the one attached file of a multipart e-mail: its
// decoded file name and content.
func attachment(t *testing.T, m notifytest.Mail) (string, []byte, string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("content type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var text string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(p)
		data, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(raw)))
		if err != nil {
			t.Fatalf("part not base64: %v", err)
		}
		disp, dp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
		if disp != "attachment" {
			text = string(data)
			continue
		}
		// mime.ParseMediaType reads the RFC 2231 filename* (continuations
		// included); the RFC 2047 word is checked apart.
		word, err := new(mime.WordDecoder).DecodeHeader(strings.Trim(strings.SplitN(strings.SplitN(p.Header.Get("Content-Disposition"), "filename=\"", 2)[1], "\"", 2)[0], " "))
		if err != nil || word != dp["filename"] {
			t.Fatalf("RFC 2047 name %q vs RFC 2231 name %q (%v)", word, dp["filename"], err)
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); !strings.Contains(ct, "spreadsheetml") {
			t.Fatalf("attachment type %q", ct)
		}
		return dp["filename"], data, text
	}
	t.Fatalf("no attachment in %s", m.Data)
	return "", nil, ""
}

// TestReportSubscriptions (R-ANA-11): a branch administrator subscribes to
// 服务时长 with the report page's filters; when due, the .xlsx is generated
// with the subscriber's scope and e-mailed with the file attached to the
// real SMTP sink — the same rows as the report's own export; once per due
// time; a history of runs; a subscriber who lost the permission gets no
// report (the run is failed); validation, ownership and audit.
func TestReportSubscriptions(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		a, admin := w.a, w.admin
		sink, err := notifytest.NewSMTPSink()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sink.Stop)
		a.Notify.SetSender(notify.ChannelEmail, &notify.SMTPSender{Config: notify.SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", From: "reports@lingting.example"}})
		bjID := w.users["bj.admin"]
		must(t, admin.Do("PATCH", fmt.Sprintf("/api/v1/users/%d", bjID), map[string]any{"email": "huang.lei@example.com"}), 200, "e-mail")
		bj := a.Login("bj.admin", demo.Password)
		q := "group_by=station&type=" + url.QueryEscape("测试机") + "&" + w.period

		// Validation (Chinese by default, English on request), permission.
		bad := func(c *testutil.Client, body map[string]any, status int, field string) {
			t.Helper()
			r := c.Do("POST", "/api/v1/report-subscriptions", body)
			if r.Status != status || (field != "" && !strings.Contains(string(r.Body), `"`+field+`"`)) {
				t.Fatalf("%v: %d %s", body, r.Status, r.Body)
			}
		}
		bad(bj, map[string]any{"report": "service-time", "frequency": "hourly", "time_of_day": "08:00"}, 422, "frequency")
		bad(bj, map[string]any{"report": "service-time", "frequency": "weekly", "weekday": 9, "time_of_day": "08:00"}, 422, "weekday")
		bad(bj, map[string]any{"report": "service-time", "frequency": "monthly", "month_day": 32, "time_of_day": "8 点"}, 422, "month_day")
		bad(bj, map[string]any{"report": "nope", "frequency": "daily", "time_of_day": "08:00"}, 422, "report")
		bad(bj, map[string]any{"report": "service-time", "query": "from=2026-13-01", "frequency": "daily", "time_of_day": "08:00"}, 422, "query.from")
		bad(bj, map[string]any{"report": "service-time", "query": "period=last_year", "frequency": "daily", "time_of_day": "08:00"}, 422, "query.period")
		bad(bj, map[string]any{"report": "service-time", "frequency": "daily", "time_of_day": "08:00", "extra": 1}, 422, "extra")
		en := a.Login("bj.admin", demo.Password)
		en.Lang = "en"
		if r := en.Do("POST", "/api/v1/report-subscriptions", map[string]any{"report": "service-time", "frequency": "daily", "time_of_day": "25:00"}); r.Status != 422 ||
			!strings.Contains(string(r.Body), "HH:MM") {
			t.Fatalf("English error: %s", r.Body)
		}
		zh := bj.Do("POST", "/api/v1/report-subscriptions", map[string]any{"report": "service-time", "frequency": "daily", "time_of_day": "25:00"})
		if !strings.Contains(string(zh.Body), "时间格式") {
			t.Fatalf("Chinese error: %s", zh.Body)
		}
		eng := a.Login("eng.bj1a", demo.Password) // no analytics.read
		bad(eng, map[string]any{"report": "service-time", "frequency": "daily", "time_of_day": "08:00"}, 403, "")
		if n := must(t, admin.Do("GET", "/api/v1/report-subscriptions?all=true", nil), 200, "list").Total(); n != 0 {
			t.Fatalf("refused subscriptions were written: %d", n)
		}

		sub := must(t, bj.Do("POST", "/api/v1/report-subscriptions", map[string]any{"report": "service-time", "name": "每周服务时长（北京）", "query": "?format=xlsx&" + q,
			"frequency": "weekly", "weekday": 1, "time_of_day": "08:00"}), 201, "subscribe")
		id := sub.Int("id")
		// The next Monday 08:00 in Shanghai after now, counted by hand.
		now := a.Clock.Now().In(cst)
		want := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, cst)
		for want.Weekday() != time.Monday || !want.After(now) {
			want = want.AddDate(0, 0, 1)
		}
		next, _ := time.Parse(time.RFC3339, sub.String("next_run_at"))
		if !next.Equal(want) || sub.String("report_name") != "服务时长" || sub.String("email") != "huang.lei@example.com" || strings.Contains(sub.String("query"), "format") {
			t.Fatalf("subscription: next %s want %s; %s", next, want, sub.Body)
		}
		// Not the admin's nor anybody else's to see, except with export.admin.
		other := a.Login("sh.admin", demo.Password)
		if r := other.Do("GET", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), nil); r.Status != 404 {
			t.Fatalf("foreign subscription: %d", r.Status)
		}
		if r := other.Do("PATCH", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), map[string]any{"active": false}); r.Status != 404 {
			t.Fatalf("foreign change: %d", r.Status)
		}
		must(t, admin.Do("GET", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), nil), 200, "admin sees it")
		// The run reads with the subscriber's scope, so only they choose what it reads.
		if r := admin.Do("PATCH", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), map[string]any{"report": "tickets"}); r.Status != 403 {
			t.Fatalf("the admin changed another user's report: %d %s", r.Status, r.Body)
		}

		// Due: the clock moves past the due time; the worker writes one run,
		// renders it as bj.admin and mails it.
		a.Clock.Set(next.Add(time.Second))
		a.ReportJobs.Kick()
		var run map[string]any
		waitFor(t, "the run is e-mailed", 30*time.Second, func() bool {
			runs := bj.Do("GET", fmt.Sprintf("/api/v1/report-subscriptions/%d/runs", id), nil)
			if runs.Status != 200 || runs.Total() != 1 {
				return false
			}
			run = runs.Items()[0]
			a.Notify.Kick()
			return run["status"] == "failed" || (run["status"] == "done" && run["email_status"] == "sent")
		})
		if run["status"] != "done" || run["rows_done"].(float64) < 3 || run["file_size"].(float64) <= 0 || run["download_url"] == nil {
			t.Fatalf("run: %v", run)
		}
		if due, _ := time.Parse(time.RFC3339, run["due_at"].(string)); !due.Equal(next) {
			t.Fatalf("run due at %v, want %s", run["due_at"], next)
		}
		msgs := sink.Messages()
		if len(msgs) != 1 || msgs[0].To[0] != "huang.lei@example.com" || msgs[0].Subject != "【定时报表】每周服务时长（北京）" {
			t.Fatalf("mail: %d %v", len(msgs), msgs)
		}
		name, data, text := attachment(t, msgs[0])
		if name != "服务时长-"+next.In(cst).Format("20060102-1504")+".xlsx" || !strings.Contains(text, "每周服务时长（北京）") {
			t.Fatalf("attachment %q, text %q", name, text)
		}
		mailed := fileRows(t, data)
		// The same rows as bj.admin's own export of the report with these filters.
		direct := xlsxRows(t, bj.Do("GET", "/api/v1/analytics/service-time?format=xlsx&"+q, nil))
		if !reflect.DeepEqual(mailed, direct) {
			t.Fatalf("mailed report differs from the export:\n%v\n%v", mailed, direct)
		}
		// bj.admin's scope: Shanghai's station is not in it.
		for _, row := range mailed {
			for _, cell := range row {
				if strings.Contains(cell, "上海") {
					t.Fatalf("foreign row mailed: %v", row)
				}
			}
		}
		if got := column(t, mailed, "服务站点", "北京第一服务站", "工单数"); got != "4" {
			t.Fatalf("工单数 %q", got)
		}
		f := bj.Do("GET", run["download_url"].(string), nil)
		if f.Status != 200 || !reflect.DeepEqual(fileRows(t, f.Body), mailed) {
			t.Fatalf("history download: %d", f.Status)
		}

		// Once per due time: more scheduler passes write nothing; the
		// subscription waits for the next Monday.
		for i := 0; i < 3; i++ {
			if _, err := a.ReportJobs.ScheduleDue(sys()); err != nil {
				t.Fatal(err)
			}
		}
		got := must(t, bj.Do("GET", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), nil), 200, "subscription")
		if n := bj.Do("GET", fmt.Sprintf("/api/v1/report-subscriptions/%d/runs", id), nil).Total(); n != 1 {
			t.Fatalf("%d runs for one due time", n)
		}
		if nx, _ := time.Parse(time.RFC3339, got.String("next_run_at")); !nx.Equal(next.AddDate(0, 0, 7)) || got.String("last_status") != "done" {
			t.Fatalf("after the run: %s", got.Body)
		}

		// Paused: no next run. Resumed: the next Monday again.
		p := must(t, bj.Do("PATCH", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), map[string]any{"active": false}), 200, "pause")
		if p.JSON.(map[string]any)["next_run_at"] != nil || p.JSON.(map[string]any)["active"] != false {
			t.Fatalf("paused: %s", p.Body)
		}
		must(t, bj.Do("PATCH", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), map[string]any{"active": true}), 200, "resume")

		// The subscriber loses the permission: the next run fails, nothing is sent.
		must(t, admin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", bjID), map[string]any{"role_ids": []int64{}}), 200, "roles removed")
		r := must(t, admin.Do("POST", fmt.Sprintf("/api/v1/report-subscriptions/%d/run", id), nil), 202, "run now")
		j := waitJob(t, admin, r.Int("id"))
		if j["status"] != "failed" || !strings.Contains(j["error"].(string), "没有权限") || j["download_url"] != nil {
			t.Fatalf("run without the permission: %v", j)
		}
		time.Sleep(300 * time.Millisecond)
		a.Notify.Kick()
		if sink.Count() != 1 {
			t.Fatalf("%d mails after the refused run", sink.Count())
		}

		// Audit: created, changed, run, mailed, refused.
		au := must(t, admin.Do("GET", "/api/v1/audit?entity=report_subscription&page_size=100", nil), 200, "audit")
		actions := map[string]int{}
		for _, e := range au.Items() {
			actions[e["action"].(string)]++
		}
		if actions["create"] != 1 || actions["update"] != 2 || actions["export"] != 1 || actions["run"] != 1 || actions["export_failed"] != 1 {
			t.Fatalf("audit: %v", actions)
		}
		// Deleted with its history.
		if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/report-subscriptions/%d", id), nil); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if n := admin.Do("GET", "/api/v1/export-jobs?all=true&subscription_id="+fmt.Sprint(id), nil).Total(); n != 0 {
			t.Fatalf("%d runs left", n)
		}
	})
}
