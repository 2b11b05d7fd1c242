package httpapi_test

import (
	"bytes"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// waitJob polls an export job until it leaves queued/running.
func waitJob(t *testing.T, c *testutil.Client, id int64) map[string]any {
	t.Helper()
	var last *testutil.Response
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		last = must(t, c.Do("GET", fmt.Sprintf("/api/v1/export-jobs/%d", id), nil), 200, "job")
		if s := last.String("status"); s != "queued" && s != "running" {
			return last.JSON.(map[string]any)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %d still %s: %s", id, last.String("status"), last.Body)
	return nil
}

func fileRows(t *testing.T, body []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// exportViaJob asks for an export over the (lowered) threshold: the answer is
// 202 with a job, which the worker finishes; the file is downloaded by its
// owner and opened with excelize.
func exportViaJob(t *testing.T, c *testutil.Client, path string) (map[string]any, [][]string) {
	t.Helper()
	r := must(t, c.Do("GET", path, nil), 202, "export over the threshold")
	if r.String("status") != "queued" && r.String("status") != "running" && r.String("status") != "done" {
		t.Fatalf("job answer: %s", r.Body)
	}
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/export-jobs/%d", r.Int("id")) {
		t.Fatalf("Location %q", loc)
	}
	j := waitJob(t, c, r.Int("id"))
	if j["status"] != "done" || j["percent"] != float64(100) || j["download_url"] == nil || j["file_size"].(float64) <= 0 {
		t.Fatalf("finished job: %v", j)
	}
	f := c.Do("GET", j["download_url"].(string), nil)
	if f.Status != 200 || !strings.Contains(f.Header.Get("Content-Type"), "spreadsheetml") || !strings.Contains(f.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("download: %d %v", f.Status, f.Header)
	}
	return j, fileRows(t, f.Body)
}

// TestExportJobs (issue #7 item 13): exports over the threshold run as
// background jobs with the requester's scope, produce exactly the rows of the
// synchronous export (and the JSON's numbers), are downloaded by their owner
// or an administrator only, and are audited.
func TestExportJobs(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		admin, jobs := w.admin, w.a.ReportJobs
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period

		// Below the threshold: synchronous, as before.
		jobs.SetThreshold(1000)
		syncTickets := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/tickets.xlsx?"+q, nil))
		syncST := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/service-time?group_by=station&format=xlsx&"+q, nil))
		stJSON := must(t, admin.Do("GET", "/api/v1/analytics/service-time?group_by=station&"+q, nil), 200, "service-time json")

		// Over it: a job, with the same rows.
		jobs.SetThreshold(3)
		j, rows := exportViaJob(t, admin, "/api/v1/analytics/tickets.xlsx?"+q)
		if !reflect.DeepEqual(rows, syncTickets) {
			t.Fatalf("job rows differ from the synchronous export:\n%v\n%v", rows, syncTickets)
		}
		if j["rows_done"] != float64(6) || j["rows_total"] != float64(6) || j["report"] != "tickets" || j["title"] != "任务明细" {
			t.Fatalf("ticket job: %v", j)
		}
		if !strings.HasPrefix(j["file_name"].(string), "任务明细-") {
			t.Fatalf("file name %v", j["file_name"])
		}
		_, stRows := exportViaJob(t, admin, "/api/v1/analytics/service-time?group_by=station&format=xlsx&"+q)
		if !reflect.DeepEqual(stRows, syncST) {
			t.Fatalf("service-time job differs:\n%v\n%v", stRows, syncST)
		}
		// The same numbers as the JSON (station 北京第一服务站: T1, T2, T3 and the complaint C1 on D1; 10 + 20 + 5.5 km).
		it := item(t, stJSON, map[string]string{"station": "北京第一服务站"})
		expect(t, "json", it, map[string]any{"tickets": 4, "distance_km": 35.5})
		if got := column(t, stRows, "服务站点", "北京第一服务站", "工单数"); got != "4" {
			t.Errorf("工单数 in the job's file: %q", got)
		}

		// Owner only: another user sees neither the job nor its file; the admin
		// (export.admin) may.
		bj := w.a.Login("bj.admin", demo.Password)
		id := int64(j["id"].(float64))
		if r := bj.Do("GET", fmt.Sprintf("/api/v1/export-jobs/%d", id), nil); r.Status != 404 || r.ErrorCode() != "not_found" {
			t.Fatalf("foreign job: %d %s", r.Status, r.Body)
		}
		if r := bj.Do("GET", fmt.Sprintf("/api/v1/export-jobs/%d/file", id), nil); r.Status != 404 {
			t.Fatalf("foreign file: %d %s", r.Status, r.Body)
		}
		if n := bj.Do("GET", "/api/v1/export-jobs", nil).Total(); n != 0 {
			t.Fatalf("bj.admin lists %d jobs", n)
		}
		if n := must(t, admin.Do("GET", "/api/v1/export-jobs", nil), 200, "list").Total(); n != 2 {
			t.Fatalf("admin lists %d jobs", n)
		}

		// Scope: bj.admin's job holds only the Beijing tickets.
		bjJob, bjRows := exportViaJob(t, bj, "/api/v1/analytics/tickets.xlsx?"+q)
		got := map[string]bool{}
		for _, row := range bjRows[2:] {
			got[row[0]] = true
		}
		want := []string{w.t1, w.t2, w.t3, w.t5, w.c1}
		if len(got) != len(want) || got[w.t4] {
			t.Fatalf("bj.admin's job: %v, want %v", got, want)
		}
		for _, n := range want {
			if !got[n] {
				t.Errorf("bj.admin's job lacks %s", n)
			}
		}
		// The admin may download anybody's file.
		must(t, admin.Do("GET", bjJob["download_url"].(string), nil), 200, "admin downloads bj's file")
		// export.admin without the all-data scope does not: a file holds what its owner's scope saw.
		exportAdmin := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "分行导出管理", "permissions": []string{"export.admin", "analytics.read", "org.read"}, "scope": "subtree"}).Int("id")
		var shID int64
		for _, u := range admin.Do("GET", "/api/v1/users?q=sh.admin", nil).Items() {
			if u["login"] == "sh.admin" {
				shID = int64(u["id"].(float64))
			}
		}
		must(t, admin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", shID), map[string]any{"role_ids": []int64{exportAdmin}}), 200, "grant export.admin in a subtree")
		sh := w.a.Login("sh.admin", demo.Password)
		if r := sh.Do("GET", bjJob["download_url"].(string), nil); r.Status != 404 {
			t.Fatalf("a subtree export.admin downloads bj's file: %d", r.Status)
		}
		if n := sh.Do("GET", "/api/v1/export-jobs?all=true", nil).Total(); n != 0 {
			t.Fatalf("a subtree export.admin lists %d jobs of others", n)
		}
		if r := admin.Do("GET", "/api/v1/export-jobs?all=true", nil); r.Total() != 3 {
			t.Fatalf("all jobs: %s", r.Body)
		}

		// POST /export-jobs: explicit background export; bad input changes nothing.
		r := admin.Do("POST", "/api/v1/export-jobs", map[string]any{"report": "nope"})
		if r.Status != 422 || r.ErrorCode() != "invalid" {
			t.Fatalf("unknown report: %d %s", r.Status, r.Body)
		}
		r = admin.Do("POST", "/api/v1/export-jobs", map[string]any{"report": "tickets", "query": "from=2026-13-01"})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"from"`) {
			t.Fatalf("bad filter: %d %s", r.Status, r.Body)
		}
		if n := must(t, admin.Do("GET", "/api/v1/export-jobs?all=true", nil), 200, "list").Total(); n != 3 {
			t.Fatalf("a refused job was written: %d", n)
		}
		jobs.SetThreshold(1000)
		r = must(t, admin.Do("POST", "/api/v1/export-jobs", map[string]any{"report": "manpower", "query": q}), 202, "explicit job")
		if j := waitJob(t, admin, r.Int("id")); j["status"] != "done" {
			t.Fatalf("manpower job: %v", j)
		}

		// Audited: each job's request and each download.
		au := must(t, admin.Do("GET", "/api/v1/audit?entity=export_job&page_size=100", nil), 200, "audit")
		exports, downloads := 0, 0
		for _, e := range au.Items() {
			switch e["action"] {
			case "export":
				exports++
			case "download":
				downloads++
			}
		}
		if exports != 4 || downloads != 4 {
			t.Fatalf("audit: %d exports, %d downloads: %s", exports, downloads, au.Body)
		}

		// Access is checked again at download: once bj.admin sees only their own
		// rows, the file made with the branch's scope is refused, and so is a
		// new run of a job they asked for before.
		var bjID int64
		for _, u := range admin.Do("GET", "/api/v1/users?q=bj.admin", nil).Items() {
			if u["login"] == "bj.admin" {
				bjID = int64(u["id"].(float64))
			}
		}
		jobs.SetThreshold(3)
		pending := must(t, bj.Do("GET", "/api/v1/analytics/tickets.xlsx?"+q, nil), 202, "bj.admin asks again")
		self := admin.Do("POST", "/api/v1/roles", map[string]any{"name": "本人分析", "permissions": []string{"analytics.read"}, "scope": "self"}).Int("id")
		must(t, admin.Do("PUT", fmt.Sprintf("/api/v1/users/%d/roles", bjID), map[string]any{"role_ids": []int64{self}}), 200, "narrow bj.admin")
		if r := bj.Do("GET", bjJob["download_url"].(string), nil); r.Status != 403 || r.ErrorCode() != "forbidden" {
			t.Fatalf("download after the scope narrowed: %d %s", r.Status, r.Body)
		}
		if j := waitJob(t, bj, pending.Int("id")); j["status"] != "failed" && j["status"] != "done" {
			t.Fatalf("job asked before the change: %v", j)
		} else if j["status"] == "done" {
			// It ran before the change reached it: its file is refused all the same.
			if r := bj.Do("GET", j["download_url"].(string), nil); r.Status != 403 {
				t.Fatalf("download of a job finished before the change: %d", r.Status)
			}
		}
	})
}
