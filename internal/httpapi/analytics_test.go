package httpapi_test

import (
	"bytes"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// The analytics tests build a small world of their own next to the demo data:
// devices of type 测试机 (so the demo's devices and tickets stay out of every
// figure filtered by type=测试机), a second vendor 其他维保, and tickets with
// entered times in the previous month. Every expected figure below is worked out
// by hand from the timeline written next to it.

type anaWorld struct {
	a                  *testutil.TestApp
	admin              *testutil.Client
	orgs               map[string]int64
	users              map[string]int64
	d1, d2, d3, d4     int64 // devices
	t1, t2, t3, t4, t5 string
	t6                 string           // open now
	ids                map[string]int64 // ticket id by number
	c1, c2, c3         string           // complaint, suggestion, complaint
	month              time.Time
	monthDays          int
	period             string // from=…&to=… covering the month
}

var cst = func() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return z
}()

func must(t *testing.T, r *testutil.Response, status int, what string) *testutil.Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s", what, r.Status, r.Body)
	}
	return r
}

func findCategory(nodes []any, name string) int64 {
	for _, n := range nodes {
		m := n.(map[string]any)
		if m["name"] == name {
			return int64(m["id"].(float64))
		}
		if ch, ok := m["children"].([]any); ok {
			if id := findCategory(ch, name); id != 0 {
				return id
			}
		}
	}
	return 0
}

func buildAnaWorld(t *testing.T, engine string) *anaWorld {
	t.Helper()
	w := &anaWorld{a: testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 20})}
	w.admin = w.a.Admin()
	admin := w.admin
	w.orgs, w.users, w.ids = map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, o := range admin.Do("GET", "/api/v1/orgs?page_size=500", nil).Items() {
		w.orgs[o["code"].(string)] = int64(o["id"].(float64))
	}
	for _, u := range admin.Do("GET", "/api/v1/users?page_size=500", nil).Items() {
		w.users[u["login"].(string)] = int64(u["id"].(float64))
	}
	other := must(t, admin.Do("POST", "/api/v1/orgs", map[string]any{"kind": "vendor", "code": "QTWB", "name": "其他维保", "region": "北京"}), 201, "vendor")
	w.orgs["QTWB"] = other.Int("id")
	device := func(model, outlet, vendor, serial string) int64 {
		return must(t, admin.Do("POST", "/api/v1/assets", map[string]any{"type": "测试机", "brand": "聆听", "model": model, "serial": serial,
			"org_id": w.orgs[outlet], "vendor_org_id": w.orgs[vendor], "installed_on": "2020-01-01"}), 201, "device").Int("id")
	}
	w.d1 = device("LT-1", "HXB-BJ-HD-01", "ADWB-BJ1", "A-1")
	w.d2 = device("LT-2", "HXB-SH-PD-01", "ADWB-SH", "A-2")
	w.d3 = device("LT-1", "HXB-BJ-CY-01", "ADWB-BJ2", "A-3")
	w.d4 = device("LT-2", "HXB-BJ-HD-02", "QTWB", "A-4")
	cats := admin.Do("GET", "/api/v1/kb/categories", nil).JSON.(map[string]any)["items"].([]any)
	swallow, reader := findCategory(cats, "吞卡"), findCategory(cats, "读卡器故障")
	if swallow == 0 || reader == 0 {
		t.Fatalf("demo fault categories missing")
	}

	now := time.Now().In(cst)
	w.month = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cst).AddDate(0, -1, 0)
	w.monthDays = w.month.AddDate(0, 1, -1).Day()
	w.period = "from=" + w.month.Format(time.DateOnly) + "&to=" + w.month.AddDate(0, 1, -1).Format(time.DateOnly)
	at := func(day, hh, mm, plus int) string {
		return time.Date(w.month.Year(), w.month.Month(), day, hh, mm, 0, 0, cst).Add(time.Duration(plus) * time.Minute).Format(time.RFC3339)
	}
	// step posts one timeline step at minute m after the report.
	type step struct {
		path string
		m    int
		body map[string]any
	}
	open := func(kind string, asset int64, org string, cat int64, day, hh int, steps []step) string {
		body := map[string]any{"type": kind, "title": kind + " 测试", "reported_at": at(day, hh, 0, 0)}
		if asset != 0 {
			body["asset_id"] = asset
		} else {
			body["org_id"] = w.orgs[org]
		}
		if cat != 0 {
			body["category_id"] = cat
		}
		tk := must(t, admin.Do("POST", "/api/v1/tickets", body), 201, "ticket")
		w.ids[tk.String("number")] = tk.Int("id")
		for _, s := range steps {
			b := map[string]any{"at": at(day, hh, 0, s.m)}
			for k, v := range s.body {
				b[k] = v
			}
			must(t, admin.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", tk.Int("id"), s.path), b), 200, fmt.Sprintf("%s %v", s.path, b))
		}
		return tk.String("number")
	}
	assign := func(login string, m int) step { return step{"assign", m, map[string]any{"user_id": w.users[login]}} }
	ev := func(kind string, m int, km float64) step {
		b := map[string]any{"kind": kind}
		if km > 0 {
			b["distance_km"] = km
		}
		return step{"events", m, b}
	}
	to := func(status string, m int, reason string) step {
		b := map[string]any{"to": status}
		if reason != "" {
			b["reason"] = reason
		}
		return step{"transitions", m, b}
	}
	// T1 (D1, 吞卡): report day 3 09:00, assigned +10, departed +20, arrived +50 (10 km), repaired +110.
	//   fault 110 min, response 10, travel 30, repair 60, work 90.
	w.t1 = open("repair", w.d1, "", swallow, 3, 9, []step{assign("eng.bj1a", 10), ev("departed", 20, 0), ev("arrived", 50, 10), ev("repaired", 110, 0), to("resolved", 110, "")})
	// T2 (D1, 吞卡): day 5 09:00, assigned +30, departed +40, arrived +100 (20 km), waiting for parts +120 … +240,
	//   repaired +300. fault 300−120 = 180, response 30, travel 60, repair 200, work (300−40)−120 = 140.
	w.t2 = open("repair", w.d1, "", swallow, 5, 9, []step{assign("eng.bj1a", 30), ev("departed", 40, 0), ev("arrived", 100, 20),
		to("pending", 120, "waiting_parts"), to("in_progress", 240, ""), ev("repaired", 300, 0), to("resolved", 300, "")})
	// T3 (D1, 读卡器故障): day 10 09:00, assigned +15 (eng.bj1b), departed +15, arrived +45 (5.5 km), repaired +75.
	//   fault 75, response 15, travel 30, repair 30, work 60.
	w.t3 = open("repair", w.d1, "", reader, 10, 9, []step{assign("eng.bj1b", 15), ev("departed", 15, 0), ev("arrived", 45, 5.5), ev("repaired", 75, 0), to("resolved", 75, "")})
	// T4 (D2 in Shanghai, 吞卡): day 4 10:00, assigned +20 (eng.sha), departed +30, arrived +90 (30 km), repaired +210.
	//   fault 210, response 20, travel 60, repair 120, work 180.
	w.t4 = open("repair", w.d2, "", swallow, 4, 10, []step{assign("eng.sha", 20), ev("departed", 30, 0), ev("arrived", 90, 30), ev("repaired", 210, 0), to("resolved", 210, "")})
	// T5 (D4, other vendor, no category): day 6 09:00, assigned to 其他维保 +60, departed +60, arrived +120 (8 km), repaired +180.
	//   fault 180, response 60, travel 60, repair 60, work 120.
	w.t5 = open("repair", w.d4, "", 0, 6, 9, []step{{"assign", 60, map[string]any{"org_id": w.orgs["QTWB"]}}, ev("departed", 60, 0), ev("arrived", 120, 8), ev("repaired", 180, 0), to("resolved", 180, "")})
	// C1: a complaint about D1's service, day 7 09:00, handled 10:00 → resolved 13:00 (4 h).
	w.c1 = open("complaint", w.d1, "", 0, 7, 9, []step{to("in_progress", 60, ""), to("resolved", 240, "")})
	// C2: a suggestion at a Shanghai outlet, day 8 10:00, open. C3: a complaint at HXB-BJ-HD-02, day 8 11:00, open.
	w.c2 = open("suggestion", 0, "HXB-SH-PD-01", 0, 8, 10, nil)
	w.c3 = open("complaint", 0, "HXB-BJ-HD-02", 0, 8, 11, nil)
	// T6: open now on D1, assigned to eng.bj1b (this month, so outside the period).
	t6 := must(t, admin.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "repair 测试", "asset_id": w.d1,
		"reported_at": time.Now().Add(-2 * time.Minute).Format(time.RFC3339)}), 201, "t6")
	w.t6 = t6.String("number")
	must(t, admin.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", t6.Int("id")), map[string]any{"user_id": w.users["eng.bj1b"]}), 200, "t6 assign")
	return w
}

// item finds the report item whose labels match all of want.
func item(t *testing.T, r *testutil.Response, want map[string]string) map[string]any {
	t.Helper()
	for _, it := range r.Items() {
		labels := it["labels"].(map[string]any)
		ok := true
		for k, v := range want {
			if labels[k] != v {
				ok = false
			}
		}
		if ok {
			return it
		}
	}
	t.Fatalf("no item %v in %s", want, r.Body)
	return nil
}

func hasItem(r *testutil.Response, dim, label string) bool {
	for _, it := range r.Items() {
		if it["labels"].(map[string]any)[dim] == label {
			return true
		}
	}
	return false
}

// expect compares figures (nil for JSON null).
func expect(t *testing.T, what string, m map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		got := m[k]
		switch x := v.(type) {
		case nil:
			if got != nil {
				t.Errorf("%s.%s = %v, want null", what, k, got)
			}
		case int:
			if g, ok := got.(float64); !ok || g != float64(x) {
				t.Errorf("%s.%s = %v, want %d", what, k, got, x)
			}
		case float64:
			if g, ok := got.(float64); !ok || math.Abs(g-x) > 1e-9 {
				t.Errorf("%s.%s = %v, want %v", what, k, got, x)
			}
		case bool:
			if got != x {
				t.Errorf("%s.%s = %v, want %v", what, k, got, x)
			}
		default:
			t.Fatalf("bad expectation %T", v)
		}
	}
}

func r2(x float64) float64 { return math.Round(x*100) / 100 }

func xlsxRows(t *testing.T, r *testutil.Response) [][]string {
	t.Helper()
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("xlsx: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
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

// column returns the cell of the row whose cell `key` equals label, under header name.
func column(t *testing.T, rows [][]string, keyCol, label, name string) string {
	t.Helper()
	header := rows[1]
	ki, ci := -1, -1
	for i, h := range header {
		if h == keyCol {
			ki = i
		}
		if h == name {
			ci = i
		}
	}
	if ki < 0 || ci < 0 {
		t.Fatalf("columns %q/%q not in %v", keyCol, name, header)
	}
	for _, row := range rows[2:] {
		if len(row) > ki && row[ki] == label {
			if ci < len(row) {
				return row[ci]
			}
			return ""
		}
	}
	t.Fatalf("no row %q in %v", label, rows)
	return ""
}

func TestAnalyticsFigures(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		admin := w.admin
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period

		t.Run("service time per vendor", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/service-time?ticket_type=repair&overload_hours=2&"+q, nil), 200, "service-time")
			// 安达维保: T1–T4. fault 110+180+75+210 = 575 min; travel 30+60+30+60 = 180; repair 60+200+30+120 = 410;
			// work 90+140+60+180 = 470; response 10+30+15+20 = 75; distance 10+20+5.5+30 = 65.5 km.
			// Over 2 h of work in a day: eng.bj1a on day 5 (140 min) and eng.sha on day 4 (180 min).
			expect(t, "安达维保", item(t, r, map[string]string{"vendor": "安达维保"}), map[string]any{
				"tickets": 4, "resolved": 4, "open": 0, "fault_hours": r2(575.0 / 60), "avg_fault_hours": r2(575.0 / 4 / 60),
				"travel_hours": 3.0, "avg_travel_hours": 0.75, "repair_hours": r2(410.0 / 60), "avg_repair_hours": r2(410.0 / 4 / 60),
				"work_hours": r2(470.0 / 60), "avg_response_hours": r2(75.0 / 4 / 60), "distance_km": 65.5, "avg_distance_km": 16.38,
				"engineers": 3, "overload_days": 2, "overloaded_engineers": 2})
			// 其他维保: T5 only, assigned to the vendor itself (no engineer).
			expect(t, "其他维保", item(t, r, map[string]string{"vendor": "其他维保"}), map[string]any{
				"tickets": 1, "fault_hours": 3.0, "travel_hours": 1.0, "repair_hours": 1.0, "work_hours": 2.0, "distance_km": 8.0,
				"avg_response_hours": 1.0, "engineers": 0, "overload_days": 0})
			if r.Total() != 2 {
				t.Errorf("vendors: %s", r.Body)
			}
			expect(t, "totals", r.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"tickets": 5, "fault_hours": r2(755.0 / 60), "distance_km": 73.5})
			// The export carries the same numbers, with the filters in its header.
			rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/service-time?ticket_type=repair&overload_hours=2&format=xlsx&"+q, nil))
			if rows[0][0] != "服务时长" || !strings.Contains(strings.Join(rows[0], " "), "工单类型：报修") {
				t.Errorf("xlsx header: %v", rows[0])
			}
			if got := column(t, rows, "服务商", "安达维保", "故障总时长(时)"); got != strconv.FormatFloat(r2(575.0/60), 'f', -1, 64) {
				t.Errorf("xlsx fault hours %q", got)
			}
			if got := column(t, rows, "服务商", "安达维保", "往返总路程(公里)"); got != "65.5" {
				t.Errorf("xlsx distance %q", got)
			}
			if got := column(t, rows, "序号", "合计", "工单数"); got != "5" {
				t.Errorf("xlsx totals %q", got)
			}
		})

		t.Run("manpower per station and engineer", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/manpower?ticket_type=repair&overload_open=0&"+q, nil), 200, "manpower")
			// 北京第一服务站: T1–T3 by two engineers; T6 is open now (eng.bj1b), so with overload_open=0 someone is overloaded.
			expect(t, "北京第一服务站", item(t, r, map[string]string{"station": "北京第一服务站"}), map[string]any{
				"tickets": 3, "engineers": 2, "fault_hours": r2(365.0 / 60), "open_now": 1, "overloaded": true,
				"tickets_per_engineer_day": r2(3.0 / 2 / float64(w.monthDays)), "overloaded_engineers": 1})
			expect(t, "上海服务站", item(t, r, map[string]string{"station": "上海服务站"}), map[string]any{
				"tickets": 1, "engineers": 1, "work_hours": 3.0, "open_now": 0, "overloaded": false})
			e := must(t, admin.Do("GET", "/api/v1/analytics/manpower?group_by=engineer&ticket_type=repair&"+q, nil), 200, "by engineer")
			// eng.bj1a: T1 + T2 — work 90 + 140 = 230 min, travel 30 + 60, distance 30 km.
			expect(t, "高峰", item(t, e, map[string]string{"engineer": "高峰"}), map[string]any{
				"tickets": 2, "work_hours": r2(230.0 / 60), "travel_hours": 1.5, "distance_km": 30.0, "open_now": 0, "overloaded": false})
			expect(t, "林涛", item(t, e, map[string]string{"engineer": "林涛"}), map[string]any{"tickets": 1, "open_now": 1, "overloaded": false})
		})

		t.Run("operation by model", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/devices/operation?group_by=model&"+q, nil), 200, "operation")
			hoursInMonth := float64(w.monthDays * 24)
			// LT-1: D1 and D3; faults T1–T3 (the complaint is not a fault): 365 min; repairs 60+200+30.
			expect(t, "LT-1", item(t, r, map[string]string{"model": "LT-1"}), map[string]any{
				"devices": 2, "faults": 3, "fault_hours": r2(365.0 / 60), "avg_fault_hours_per_device": r2(365.0 / 60 / 2),
				"avg_faults_per_device": 1.5, "avg_fault_hours": r2(365.0 / 3 / 60), "avg_repair_hours": r2(290.0 / 3 / 60),
				"availability": math.Round((1-365.0/60/(2*hoursInMonth))*10000) / 10000})
			// LT-2: D2 and D4; faults T4, T5: 210 + 180 = 390 min; repairs 120 + 60.
			expect(t, "LT-2", item(t, r, map[string]string{"model": "LT-2"}), map[string]any{
				"devices": 2, "faults": 2, "fault_hours": 6.5, "avg_fault_hours_per_device": 3.25, "avg_faults_per_device": 1.0,
				"avg_repair_hours": 1.5})
			expect(t, "totals", r.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"devices": 4, "faults": 5})
			m := must(t, admin.Do("GET", "/api/v1/analytics/devices/operation?"+q, nil), 200, "operation by month")
			expect(t, "month", item(t, m, map[string]string{"month": w.month.Format("2006-01"), "model": "LT-1"}), map[string]any{"devices": 2, "faults": 3})
			rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/devices/operation?group_by=model&format=xlsx&"+q, nil))
			if got := column(t, rows, "型号", "LT-2", "故障总时长(时)"); got != "6.5" {
				t.Errorf("xlsx: %q", got)
			}
		})

		t.Run("faults by category and model", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/faults?"+q, nil), 200, "faults")
			expect(t, "吞卡 LT-1", item(t, r, map[string]string{"category": "吞卡", "model": "LT-1"}), map[string]any{"faults": 2, "devices": 2, "avg_faults_per_device": 1.0})
			expect(t, "读卡器 LT-1", item(t, r, map[string]string{"category": "读卡器故障", "model": "LT-1"}), map[string]any{"faults": 1, "avg_faults_per_device": 0.5})
			expect(t, "吞卡 LT-2", item(t, r, map[string]string{"category": "吞卡", "model": "LT-2"}), map[string]any{"faults": 1, "devices": 2, "avg_faults_per_device": 0.5})
			expect(t, "none LT-2", item(t, r, map[string]string{"category": "（未指定）", "model": "LT-2"}), map[string]any{"faults": 1, "fault_hours": 3.0})
			if r.Total() != 4 {
				t.Errorf("groups: %s", r.Body)
			}
			c := must(t, admin.Do("GET", "/api/v1/analytics/faults?view=causes&page_size=2&"+q, nil), 200, "causes")
			if c.Total() != 5 || len(c.Items()) != 2 || c.Items()[0]["number"] != w.t3 || c.Items()[0]["branch"] != "海淀支行" || c.Items()[0]["category"] != "读卡器故障" ||
				!strings.HasPrefix(c.Items()[0]["resolution"].(string), "已解决") {
				t.Errorf("causes: %s", c.Body)
			}
		})

		t.Run("abnormal service", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/abnormal?min_repairs=3&"+q, nil), 200, "abnormal")
			if r.Total() != 1 {
				t.Fatalf("a device repaired three times: %s", r.Body)
			}
			// D1: T1–T3. fault 365 min (longest T2: 180), repair 290 (longest T2: 200), waiting for parts 120.
			it := r.Items()[0]
			expect(t, "D1", it, map[string]any{"asset_id": int(w.d1), "repairs": 3, "fault_hours": r2(365.0 / 60), "max_fault_hours": 3.0,
				"repair_hours": r2(290.0 / 60), "max_repair_hours": r2(200.0 / 60), "waiting_parts_hours": 2.0, "waiting_customer_hours": 0.0})
			if len(it["tickets"].([]any)) != 3 || fmt.Sprint(it["reasons"]) != "[repairs]" || it["branch"] != "海淀支行" {
				t.Errorf("D1: %v", it)
			}
			// A repair over 1.9 h also lists D2 (T4: 120 min), for that reason only.
			l := must(t, admin.Do("GET", "/api/v1/analytics/abnormal?min_repairs=3&min_repair_hours=1.9&"+q, nil), 200, "abnormal by repair hours")
			if l.Total() != 2 || l.Items()[1]["asset_id"] != float64(w.d2) || fmt.Sprint(l.Items()[1]["reasons"]) != "[repair_hours]" {
				t.Errorf("by repair hours: %s", l.Body)
			}
			rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/abnormal?min_repairs=3&format=xlsx&"+q, nil))
			if len(rows) != 3 || column(t, rows, "返修次数", "3", "等待配件时长(时)") != "2" {
				t.Errorf("xlsx: %v", rows)
			}
		})

		t.Run("complaints per org", func(t *testing.T) {
			r := must(t, admin.Do("GET", "/api/v1/analytics/complaints?"+w.period, nil), 200, "complaints")
			// C1 and C3 in Beijing (C1 resolved in 4 h), C2 in Shanghai (open).
			expect(t, "北京分行", item(t, r, map[string]string{"org": "北京分行"}), map[string]any{"tickets": 2, "complaints": 2, "suggestions": 0,
				"open": 1, "resolved": 1, "handle_hours": 4.0, "avg_handle_hours": 4.0})
			expect(t, "上海分行", item(t, r, map[string]string{"org": "上海分行"}), map[string]any{"tickets": 1, "suggestions": 1, "open": 1, "avg_handle_hours": nil})
			k := must(t, admin.Do("GET", "/api/v1/analytics/complaints?group_by=ticket_type&"+w.period, nil), 200, "by type")
			expect(t, "投诉", item(t, k, map[string]string{"ticket_type": "投诉"}), map[string]any{"tickets": 2})
		})

		t.Run("devices and dashboard", func(t *testing.T) {
			d := must(t, admin.Do("GET", "/api/v1/analytics/devices?group_by=model,region&type="+url.QueryEscape("测试机"), nil), 200, "devices")
			expect(t, "LT-1 北京", item(t, d, map[string]string{"model": "LT-1", "region": "北京"}), map[string]any{"devices": 2, "in_service": 2, "in_warranty": 0})
			expect(t, "LT-2 上海", item(t, d, map[string]string{"model": "LT-2", "region": "上海"}), map[string]any{"devices": 1})
			today := time.Now().In(cst).Format(time.DateOnly)
			dash := must(t, admin.Do("GET", "/api/v1/analytics/dashboard?overdue_hours=0.01&from="+today+"&to="+today+"&type="+url.QueryEscape("测试机"), nil), 200, "dashboard").JSON.(map[string]any)
			expect(t, "today", dash["today"].(map[string]any), map[string]any{"reported": 1})
			expect(t, "open", dash["open"].(map[string]any), map[string]any{"open": 1, "overdue": 1, "unassigned": 0})
			expect(t, "devices", dash["devices"].(map[string]any), map[string]any{"total": 4})
			if n := len(dash["satisfaction"].(map[string]any)["trend"].([]any)); n != 12 {
				t.Errorf("satisfaction trend has %d months", n)
			}
			if top := dash["worst_devices"].([]any); len(top) != 1 || top[0].(map[string]any)["n"] != float64(1) {
				t.Errorf("worst devices today (T6 only): %v", top)
			}
		})

		t.Run("ticket history export", func(t *testing.T) {
			rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/tickets.xlsx?"+q, nil))
			if rows[1][0] != "工单号" || len(rows) != 2+6 {
				t.Fatalf("T1–T5 and C1 under the header: %d rows %v", len(rows), rows[1])
			}
			if got := column(t, rows, "工单号", w.t2, "故障时长(分)"); got != "180" {
				t.Errorf("T2 fault minutes %q", got)
			}
			if got := column(t, rows, "工单号", w.t2, "挂起时长(分)"); got != "120" {
				t.Errorf("T2 pending minutes %q", got)
			}
		})

		testutil.Run(t, []testutil.Scenario{
			{Name: "bad date", As: admin, Method: "GET", Path: "/api/v1/analytics/service-time?from=2026-13-01", Status: 422, Contains: []string{`"from"`}},
			{Name: "from after to", As: admin, Method: "GET", Path: "/api/v1/analytics/manpower?from=2026-10-02&to=2026-10-01", Status: 422, Contains: []string{`"to"`}},
			{Name: "unknown group_by", As: admin, Method: "GET", Path: "/api/v1/analytics/faults?group_by=weekday", Status: 422, Contains: []string{`"group_by"`}},
			{Name: "manpower by month", As: admin, Method: "GET", Path: "/api/v1/analytics/manpower?group_by=month", Status: 422, Contains: []string{`"group_by"`}},
			{Name: "bad threshold", As: admin, Method: "GET", Path: "/api/v1/analytics/abnormal?min_fault_hours=-1", Status: 422, Contains: []string{`"min_fault_hours"`}},
			{Name: "bad format", As: admin, Method: "GET", Path: "/api/v1/analytics/complaints?format=pdf", Status: 422, Contains: []string{`"format"`}},
			{Name: "bad view", As: admin, Method: "GET", Path: "/api/v1/analytics/faults?view=pie", Status: 422, Contains: []string{`"view"`}},
			{Name: "unknown org", As: admin, Method: "GET", Path: "/api/v1/analytics/devices?org_id=999999", Status: 422, Contains: []string{`"org_id"`}},
			{Name: "engineers may not", As: w.a.Login("eng.bj1a", demo.Password), Method: "GET", Path: "/api/v1/analytics/dashboard", Status: 403},
		})
	})
}

// TestAnalyticsScopeMatrix: a branch never sees another branch's figures, a
// vendor only its own devices' — in every report, in JSON and in the exports.
func TestAnalyticsScopeMatrix(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period
		cases := []struct {
			login            string
			tickets          []string // visible tickets reported in the period (type 测试机)
			hidden           []string
			devices          int
			stations, absent []string // station labels present / absent in manpower
			vendors          []string
			faultModels      map[string]int // faults per model
			abnormal         []int64        // min_repairs=3 or repair > 1.9 h
			complaints       int
			foreign          string // a word that must not appear in their exports
		}{
			{"admin", []string{w.t1, w.t2, w.t3, w.t4, w.t5, w.c1}, nil, 4, []string{"北京第一服务站", "上海服务站", "其他维保"}, nil,
				[]string{"安达维保", "其他维保"}, map[string]int{"LT-1": 3, "LT-2": 2}, []int64{w.d1, w.d2}, 3, ""},
			{"bj.admin", []string{w.t1, w.t2, w.t3, w.t5, w.c1}, []string{w.t4}, 3, []string{"北京第一服务站", "其他维保"}, []string{"上海服务站"},
				[]string{"安达维保", "其他维保"}, map[string]int{"LT-1": 3, "LT-2": 1}, []int64{w.d1}, 2, "上海"},
			{"adwb.manager", []string{w.t1, w.t2, w.t3, w.t4, w.c1}, []string{w.t5}, 3, []string{"北京第一服务站", "上海服务站"}, []string{"其他维保"},
				[]string{"安达维保"}, map[string]int{"LT-1": 3, "LT-2": 1}, []int64{w.d1, w.d2}, 1, "其他维保"},
		}
		for _, tc := range cases {
			t.Run(tc.login, func(t *testing.T) {
				c := w.admin
				if tc.login != "admin" {
					c = w.a.Login(tc.login, demo.Password)
				}
				st := must(t, c.Do("GET", "/api/v1/analytics/service-time?"+q, nil), 200, "service-time")
				if got := int(st.JSON.(map[string]any)["totals"].(map[string]any)["tickets"].(float64)); got != len(tc.tickets) {
					t.Errorf("service-time tickets %d, want %d: %s", got, len(tc.tickets), st.Body)
				}
				for _, v := range tc.vendors {
					if !hasItem(st, "vendor", v) {
						t.Errorf("vendor %s missing: %s", v, st.Body)
					}
				}
				if st.Total() != len(tc.vendors) {
					t.Errorf("vendors: %s", st.Body)
				}
				mp := must(t, c.Do("GET", "/api/v1/analytics/manpower?"+q, nil), 200, "manpower")
				for _, s := range tc.stations {
					if !hasItem(mp, "station", s) {
						t.Errorf("station %s missing: %s", s, mp.Body)
					}
				}
				for _, s := range tc.absent {
					if hasItem(mp, "station", s) {
						t.Errorf("foreign station %s shown: %s", s, mp.Body)
					}
				}
				dv := must(t, c.Do("GET", "/api/v1/analytics/devices?type="+url.QueryEscape("测试机"), nil), 200, "devices")
				if got := dv.JSON.(map[string]any)["totals"].(map[string]any)["devices"]; got != float64(tc.devices) {
					t.Errorf("devices %v, want %d", got, tc.devices)
				}
				op := must(t, c.Do("GET", "/api/v1/analytics/devices/operation?group_by=model&"+q, nil), 200, "operation")
				for model, n := range tc.faultModels {
					expect(t, model, item(t, op, map[string]string{"model": model}), map[string]any{"faults": n})
				}
				ab := must(t, c.Do("GET", "/api/v1/analytics/abnormal?min_repairs=3&min_repair_hours=1.9&"+q, nil), 200, "abnormal")
				var got []int64
				for _, it := range ab.Items() {
					got = append(got, int64(it["asset_id"].(float64)))
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.abnormal) {
					t.Errorf("abnormal devices %v, want %v", got, tc.abnormal)
				}
				cp := must(t, c.Do("GET", "/api/v1/analytics/complaints?"+w.period, nil), 200, "complaints")
				if n := cp.JSON.(map[string]any)["totals"].(map[string]any)["tickets"]; n != float64(tc.complaints) {
					t.Errorf("complaints %v, want %d: %s", n, tc.complaints, cp.Body)
				}
				causes := must(t, c.Do("GET", "/api/v1/analytics/faults?view=causes&"+q, nil), 200, "causes")
				for _, h := range tc.hidden {
					if strings.Contains(string(causes.Body), h) {
						t.Errorf("cause list shows foreign %s", h)
					}
				}
				must(t, c.Do("GET", "/api/v1/analytics/dashboard?type="+url.QueryEscape("测试机"), nil), 200, "dashboard")
				// Exports: the ticket history holds exactly the visible tickets; the
				// reports hold nothing foreign.
				rows := xlsxRows(t, c.Do("GET", "/api/v1/analytics/tickets.xlsx?"+q, nil))
				numbers := map[string]bool{}
				for _, row := range rows[2:] {
					numbers[row[0]] = true
				}
				for _, n := range tc.tickets {
					if !numbers[n] {
						t.Errorf("export lacks %s", n)
					}
				}
				if len(numbers) != len(tc.tickets) {
					t.Errorf("export has %d tickets, want %d", len(numbers), len(tc.tickets))
				}
				if tc.foreign == "" {
					return
				}
				for _, path := range []string{"/api/v1/analytics/tickets.xlsx?" + q, "/api/v1/analytics/manpower?format=xlsx&" + q,
					"/api/v1/analytics/service-time?group_by=station&format=xlsx&" + q, "/api/v1/analytics/devices?group_by=region,station&format=xlsx&type=" + url.QueryEscape("测试机"),
					"/api/v1/analytics/abnormal?min_repairs=1&format=xlsx&" + q, "/api/v1/analytics/faults?view=causes&format=xlsx&" + q} {
					for _, row := range xlsxRows(t, c.Do("GET", path, nil))[2:] {
						for _, cell := range row {
							if strings.Contains(cell, tc.foreign) {
								t.Errorf("%s: foreign %q in %v", path, tc.foreign, row)
							}
						}
					}
				}
			})
		}
	})
}

// TestAnalyticsSLA: SLA compliance per policy, engineer and branch (R-SLA-06)
// on a 7×24 calendar, so every deadline below is reported time + target
// minutes (+ paused minutes); "now" is the SLA timers' clock, which the test
// moves to turn an open target into a breached one. The dashboard counts
// overdue tickets from the same state.
func TestAnalyticsSLA(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3, SLAScanInterval: time.Hour})
		admin := a.Admin()
		orgs, users, cals := ids(t, admin, "/api/v1/orgs?page_size=500", "code"), ids(t, admin, "/api/v1/users?page_size=500", "login"), ids(t, admin, "/api/v1/calendars", "name")
		policy := func(body map[string]any) int64 {
			return must(t, admin.Do("POST", "/api/v1/sla/policies", body), 201, "policy").Int("id")
		}
		urgent := policy(map[string]any{"name": "紧急报修", "order": 1, "calendar_id": cals[demo.AlwaysCalendar],
			"match": map[string]any{"types": []string{"repair"}, "priorities": []string{"urgent"}}, "targets": map[string]any{"first_response": 30, "arrival": 120, "resolution": 240}})
		normal := policy(map[string]any{"name": "普通报修", "order": 2, "calendar_id": cals[demo.AlwaysCalendar],
			"match": map[string]any{"types": []string{"repair"}}, "targets": map[string]any{"first_response": 60, "resolution": 480}})
		outlet := must(t, admin.Do("POST", "/api/v1/orgs", map[string]any{"parent_id": orgs["HXB-BJ-HD"], "kind": "outlet", "code": "HXB-BJ-HD-T", "name": "测试网点", "region": "北京"}), 201, "outlet").Int("id")

		now := a.Clock.Now().Truncate(time.Minute)
		at := func(m int) string { return now.Add(time.Duration(m) * time.Minute).Format(time.RFC3339) }
		open := func(org int64, priority string, reported int, steps ...[]any) string {
			tk := must(t, admin.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "SLA 测试", "priority": priority, "org_id": org, "reported_at": at(reported)}), 201, "ticket")
			for _, s := range steps {
				body := map[string]any{"at": at(reported + s[1].(int))}
				switch s[0] {
				case "assign":
					body["user_id"] = users[s[2].(string)]
				case "events":
					body["kind"] = s[2]
				case "transitions":
					body["to"] = s[2]
					if len(s) > 3 {
						body["reason"] = s[3]
					}
				}
				must(t, admin.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/%s", tk.Int("id"), s[0]), body), 200, fmt.Sprint(s))
			}
			return tk.String("number")
		}
		// Urgent (30 / 120 / 240 min), at the test outlet, reported 10 h ago:
		// A assigned +20, arrived +100, resolved +200: all three met.
		open(outlet, "urgent", -600, []any{"assign", 20, "eng.bj1a"}, []any{"events", 30, "departed"}, []any{"events", 100, "arrived"},
			[]any{"events", 200, "repaired"}, []any{"transitions", 200, "resolved"})
		// B assigned +45 (late), arrived +150 (late), resolved +230 (met).
		open(outlet, "urgent", -600, []any{"assign", 45, "eng.bj1b"}, []any{"events", 50, "departed"}, []any{"events", 150, "arrived"},
			[]any{"events", 220, "repaired"}, []any{"transitions", 230, "resolved"})
		// D reported 150 min ago, untouched: response due −120, arrival −30 (both
		// breached now), resolution +90 (open in time).
		open(outlet, "urgent", -150)
		// Normal (60 / — / 480 min). C in Shanghai, 10 h ago: assigned +30 (met),
		// waiting for parts +70 … +190 pushes the resolution to +600; resolved +590 (met).
		open(orgs["HXB-SH-PD-01"], "normal", -600, []any{"assign", 30, "eng.sha"}, []any{"events", 40, "departed"}, []any{"events", 60, "arrived"},
			[]any{"transitions", 70, "pending", "waiting_parts"}, []any{"transitions", 190, "in_progress"}, []any{"events", 580, "repaired"},
			[]any{"transitions", 590, "resolved"})
		// E at a Chaoyang outlet, 100 min ago: assigned +10 (met); resolution due +380.
		open(orgs["HXB-BJ-CY-01"], "normal", -100, []any{"assign", 10, "eng.bj2a"})
		// F: a consultation (no policy) at the test outlet, open for 30 h.
		must(t, admin.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "咨询", "org_id": outlet, "reported_at": at(-30 * 60)}), 201, "F")

		period := "from=" + now.In(cst).AddDate(0, 0, -2).Format(time.DateOnly) + "&to=" + now.In(cst).AddDate(0, 0, 1).Format(time.DateOnly)
		target := func(it map[string]any, name string) map[string]any { return it[name].(map[string]any) }
		byPolicy := func(c *testutil.Client, id int64) map[string]any {
			t.Helper()
			r := must(t, c.Do("GET", "/api/v1/analytics/sla?"+period, nil), 200, "sla")
			for _, it := range r.Items() {
				if it["keys"].(map[string]any)["policy"] == strconv.FormatInt(id, 10) {
					return it
				}
			}
			t.Fatalf("no policy %d in %s", id, r.Body)
			return nil
		}
		third := math.Round(10000.0/3) / 10000
		u := byPolicy(admin, urgent)
		if u["labels"].(map[string]any)["policy"] != "紧急报修" {
			t.Errorf("label: %v", u["labels"])
		}
		expect(t, "urgent", u, map[string]any{"tickets": 3, "met": 4, "breached": 4, "rate": 0.5})
		expect(t, "urgent first response", target(u, "first_response"), map[string]any{"total": 3, "met": 1, "met_late": 1, "overdue": 1, "breached": 2, "open": 0, "rate": third})
		expect(t, "urgent arrival", target(u, "arrival"), map[string]any{"total": 3, "met": 1, "met_late": 1, "overdue": 1, "breached": 2, "open": 0})
		expect(t, "urgent resolution", target(u, "resolution"), map[string]any{"total": 3, "met": 2, "met_late": 0, "overdue": 0, "open": 1, "rate": 1.0})
		n := byPolicy(admin, normal)
		expect(t, "normal", n, map[string]any{"tickets": 2, "met": 3, "breached": 0, "rate": 1.0})
		expect(t, "normal first response", target(n, "first_response"), map[string]any{"total": 2, "met": 2, "rate": 1.0})
		expect(t, "normal arrival", target(n, "arrival"), map[string]any{"total": 0, "met": 0, "rate": nil})
		expect(t, "normal resolution", target(n, "resolution"), map[string]any{"total": 2, "met": 1, "open": 1, "breached": 0})

		// Per engineer: 林涛 answered B late and arrived late; D has nobody.
		e := must(t, admin.Do("GET", "/api/v1/analytics/sla?group_by=engineer&"+period, nil), 200, "by engineer")
		expect(t, "林涛", target(item(t, e, map[string]string{"engineer": "林涛"}), "first_response"), map[string]any{"met": 0, "met_late": 1, "rate": 0.0})
		expect(t, "nobody", target(item(t, e, map[string]string{"engineer": "（未指定）"}), "arrival"), map[string]any{"total": 1, "overdue": 1})
		expect(t, "totals", e.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"tickets": 5, "met": 7, "breached": 4})
		// Per branch.
		b := must(t, admin.Do("GET", "/api/v1/analytics/sla?group_by=org&"+period, nil), 200, "by org")
		expect(t, "北京分行", item(t, b, map[string]string{"org": "北京分行"}), map[string]any{"tickets": 4})
		expect(t, "上海分行", target(item(t, b, map[string]string{"org": "上海分行"}), "resolution"), map[string]any{"total": 1, "met": 1})
		checkSLADrill(t, admin, period, orgs["HXB-BJ"], urgent)
		// The export has the JSON's numbers.
		rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/sla?format=xlsx&"+period, nil))
		if got := column(t, rows, "SLA 策略", "紧急报修", "首次响应超时"); got != "2" {
			t.Errorf("xlsx first response breached %q", got)
		}
		if got := column(t, rows, "SLA 策略", "紧急报修", "总达标率"); got != "50.00%" {
			t.Errorf("xlsx rate %q", got)
		}

		// The dashboard at the test outlet: D is overdue by its SLA, F by age.
		dash := func() map[string]any {
			return must(t, admin.Do("GET", fmt.Sprintf("/api/v1/analytics/dashboard?org_id=%d&%s", outlet, period), nil), 200, "dashboard").JSON.(map[string]any)
		}
		d := dash()
		expect(t, "open", d["open"].(map[string]any), map[string]any{"open": 2, "overdue": 2, "sla_breached": 1, "aged": 1})
		expect(t, "sla tile", d["sla"].(map[string]any), map[string]any{"tickets": 3, "met": 4, "breached": 4})

		// Two hours later D's resolution (due +90) is breached too; E's (+380) is not.
		a.Clock.Advance(2 * time.Hour)
		u = byPolicy(admin, urgent)
		expect(t, "urgent resolution later", target(u, "resolution"), map[string]any{"total": 3, "met": 2, "overdue": 1, "breached": 1, "open": 0, "rate": math.Round(20000.0/3) / 10000})
		expect(t, "urgent later", u, map[string]any{"met": 4, "breached": 5})
		expect(t, "normal later", target(byPolicy(admin, normal), "resolution"), map[string]any{"open": 1, "breached": 0})
		expect(t, "open later", dash()["open"].(map[string]any), map[string]any{"overdue": 2, "sla_breached": 1})

		// Scope: the Beijing branch does not see C; the vendor does not see D.
		bj := a.Login("bj.admin", demo.Password)
		expect(t, "bj normal", byPolicy(bj, normal), map[string]any{"tickets": 1})
		expect(t, "bj urgent", byPolicy(bj, urgent), map[string]any{"tickets": 3})
		vendor := a.Login("adwb.manager", demo.Password)
		vu := byPolicy(vendor, urgent)
		expect(t, "vendor urgent", vu, map[string]any{"tickets": 2})
		expect(t, "vendor urgent arrival", target(vu, "arrival"), map[string]any{"total": 2, "overdue": 0, "met_late": 1})
		expect(t, "vendor normal", byPolicy(vendor, normal), map[string]any{"tickets": 2})

		testutil.Run(t, []testutil.Scenario{
			{Name: "unknown group_by", As: admin, Method: "GET", Path: "/api/v1/analytics/sla?group_by=target", Status: 422, Contains: []string{`"group_by"`}},
			{Name: "engineers may not", As: a.Login("eng.bj1a", demo.Password), Method: "GET", Path: "/api/v1/analytics/sla", Status: 403},
		})
	})
}
