package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// addOpenRepair adds T7 to the analytics world: a repair on D3 (LT-1, 朝阳)
// reported on day 12 09:00, assigned to eng.bj2a at +30 and departed at +40,
// still open — so 维护情况 has a fault that is not maintained yet.
func addOpenRepair(t *testing.T, w *anaWorld) string {
	t.Helper()
	at := func(m int) string {
		return time.Date(w.month.Year(), w.month.Month(), 12, 9, 0, 0, 0, cst).Add(time.Duration(m) * time.Minute).Format(time.RFC3339)
	}
	tk := must(t, w.admin.Do("POST", "/api/v1/tickets", map[string]any{"type": "repair", "title": "repair 测试", "asset_id": w.d3, "reported_at": at(0)}), 201, "t7")
	id := tk.Int("id")
	must(t, w.admin.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/assign", id), map[string]any{"user_id": w.users["eng.bj2a"], "at": at(30)}), 200, "t7 assign")
	must(t, w.admin.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/events", id), map[string]any{"kind": "departed", "at": at(40)}), 200, "t7 departed")
	return tk.String("number")
}

// monthRange is the ticket list's created_from/created_to for the world's month.
func (w *anaWorld) monthRange() string {
	last := w.month.AddDate(0, 1, 0).Add(-time.Second)
	return "created_from=" + url.QueryEscape(w.month.Format(time.RFC3339)) + "&created_to=" + url.QueryEscape(last.Format(time.RFC3339))
}

// TestAnalyticsMaintenance: 维护情况 on the analytics world plus T7. Work time
// is departed → repaired less pending (from the timelines in buildAnaWorld):
// T1 90, T2 140, T3 60 (D1, LT-1); T4 180 (D2, LT-2), T5 120 (D4, LT-2).
// Response: T1 10, T2 30, T3 15, T4 20, T5 60, T7 30. Travel: T1 30, T2 60,
// T3 30, T4 60, T5 60. Repair (arrived → repaired): 60, 200, 30, 120, 60.
func TestAnalyticsMaintenance(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		t7 := addOpenRepair(t, w)
		admin := w.admin
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period

		r := must(t, admin.Do("GET", "/api/v1/analytics/devices/maintenance?group_by=model&"+q, nil), 200, "maintenance")
		// LT-1: D1 and D3. Faults T1, T2, T3, T7; maintained (resolved) T1–T3; work 290 min;
		// response 10+30+15+30 = 85 over 4; travel 120 over 3; repair 290 over 3.
		expect(t, "LT-1", item(t, r, map[string]string{"model": "LT-1"}), map[string]any{
			"devices": 2, "faults": 4, "maintenances": 3, "open": 1, "completion_rate": 0.75,
			"maintenance_hours": r2(290.0 / 60), "avg_maintenance_hours_per_device": r2(290.0 / 60 / 2), "avg_maintenances_per_device": 1.5,
			"avg_maintenance_hours": r2(290.0 / 3 / 60), "avg_response_hours": r2(85.0 / 4 / 60), "avg_travel_hours": r2(120.0 / 3 / 60),
			"avg_repair_hours": r2(290.0 / 3 / 60)})
		// LT-2: D2 and D4. T4 and T5, both resolved: work 300 min, response 80, travel 120, repair 180.
		expect(t, "LT-2", item(t, r, map[string]string{"model": "LT-2"}), map[string]any{
			"devices": 2, "faults": 2, "maintenances": 2, "open": 0, "completion_rate": 1.0,
			"maintenance_hours": 5.0, "avg_maintenance_hours_per_device": 2.5, "avg_maintenances_per_device": 1.0,
			"avg_maintenance_hours": 2.5, "avg_response_hours": r2(80.0 / 2 / 60), "avg_travel_hours": 1.0, "avg_repair_hours": 1.5})
		// Totals: 4 devices, 6 faults, 5 maintained, 590 min of work.
		expect(t, "totals", r.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{
			"devices": 4, "faults": 6, "maintenances": 5, "open": 1, "maintenance_hours": r2(590.0 / 60),
			"avg_maintenance_hours_per_device": r2(590.0 / 60 / 4), "avg_maintenances_per_device": 1.25, "completion_rate": 0.8333})
		if r.Total() != 2 {
			t.Errorf("models: %s", r.Body)
		}
		// The default grouping is month × type × brand × model.
		m := must(t, admin.Do("GET", "/api/v1/analytics/devices/maintenance?"+q, nil), 200, "by month")
		expect(t, "month LT-1", item(t, m, map[string]string{"month": w.month.Format("2006-01"), "model": "LT-1", "brand": "聆听"}),
			map[string]any{"devices": 2, "maintenances": 3})
		// A period without tickets still counts the devices, with null averages of nothing.
		e := must(t, admin.Do("GET", "/api/v1/analytics/devices/maintenance?group_by=model&type="+url.QueryEscape("测试机")+"&from=2021-03-01&to=2021-03-31", nil), 200, "empty")
		expect(t, "empty LT-1", item(t, e, map[string]string{"model": "LT-1"}), map[string]any{"devices": 2, "maintenances": 0, "completion_rate": nil, "avg_maintenance_hours": nil})

		// The export has the JSON's numbers and the filters in its header.
		rows := xlsxRows(t, admin.Do("GET", "/api/v1/analytics/devices/maintenance?group_by=model&format=xlsx&"+q, nil))
		if rows[0][0] != "维护情况" || !strings.Contains(strings.Join(rows[0], " "), "测试机") {
			t.Errorf("xlsx header: %v", rows[0])
		}
		if got := column(t, rows, "型号", "LT-2", "维护总时长(时)"); got != "5" {
			t.Errorf("xlsx LT-2 hours %q", got)
		}
		if got := column(t, rows, "型号", "LT-1", "台均维护次数(次)"); got != "1.5" {
			t.Errorf("xlsx LT-1 per device %q", got)
		}
		if got := column(t, rows, "型号", "LT-1", "完成率"); got != "75.00%" {
			t.Errorf("xlsx LT-1 rate %q", got)
		}
		if got := column(t, rows, "序号", "合计", "维护总次数(次)"); got != "5" {
			t.Errorf("xlsx totals %q", got)
		}

		// Drill-through: the ticket list behind a figure has as many tickets as the figure.
		base := "/api/v1/tickets?type=repair&asset_type=" + url.QueryEscape("测试机") + "&" + w.monthRange()
		numbers := func(c *testutil.Client, path string) []string {
			t.Helper()
			var out []string
			for _, it := range must(t, c.Do("GET", path, nil), 200, path).Items() {
				out = append(out, it["number"].(string))
			}
			return out
		}
		if got := numbers(admin, base+"&asset_model=LT-1&done=true"); len(got) != 3 {
			t.Errorf("LT-1 maintained: %v", got)
		}
		if got := numbers(admin, base+"&asset_model=LT-1&done=false"); fmt.Sprint(got) != fmt.Sprint([]string{t7}) {
			t.Errorf("LT-1 open: %v, want %s", got, t7)
		}
		if got := numbers(admin, base+"&asset_model=LT-2&asset_brand="+url.QueryEscape("聆听")); len(got) != 2 {
			t.Errorf("LT-2 faults: %v", got)
		}
		if got := numbers(admin, base+"&region="+url.QueryEscape("上海")); fmt.Sprint(got) != fmt.Sprint([]string{w.t4}) {
			t.Errorf("Shanghai faults: %v, want %s", got, w.t4)
		}
		if got := numbers(admin, base+"&asset_brand="+url.QueryEscape("其他")); len(got) != 0 {
			t.Errorf("another brand: %v", got)
		}

		testutil.Run(t, []testutil.Scenario{
			{Name: "unknown group_by", As: admin, Method: "GET", Path: "/api/v1/analytics/devices/maintenance?group_by=engineer", Status: 422, Contains: []string{`"group_by"`}},
			{Name: "from after to", As: admin, Method: "GET", Path: "/api/v1/analytics/devices/maintenance?from=2026-10-02&to=2026-10-01", Status: 422, Contains: []string{`"to"`}},
			{Name: "bad format", As: admin, Method: "GET", Path: "/api/v1/analytics/devices/maintenance?format=csv", Status: 422, Contains: []string{`"format"`}},
			{Name: "engineers may not", As: w.a.Login("eng.bj1a", demo.Password), Method: "GET", Path: "/api/v1/analytics/devices/maintenance", Status: 403},
			{Name: "bad done", As: admin, Method: "GET", Path: "/api/v1/tickets?done=yes", Status: 422, Contains: []string{`"done"`}},
			{Name: "bad category", As: admin, Method: "GET", Path: "/api/v1/tickets?category_id=x", Status: 422, Contains: []string{`"category_id"`}},
		})
	})
}

// TestAnalyticsMaintenanceScope: a branch sees its devices' maintenance only,
// a vendor the devices it services — in JSON, in the export and in the
// ticket list a figure opens.
func TestAnalyticsMaintenanceScope(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		addOpenRepair(t, w)
		q := "type=" + url.QueryEscape("测试机") + "&" + w.period
		cases := []struct {
			login   string
			devices int
			models  map[string][2]int // model → devices, maintenances
			faults  int
			foreign string
		}{
			{"admin", 4, map[string][2]int{"LT-1": {2, 3}, "LT-2": {2, 2}}, 6, ""},
			// 北京分行: D1, D3 and D4 (its outlet, serviced by 其他维保); T1–T3, T5, T7.
			{"bj.admin", 3, map[string][2]int{"LT-1": {2, 3}, "LT-2": {1, 1}}, 5, "上海"},
			// 安达维保: D1, D2, D3; T1–T4, T7.
			{"adwb.manager", 3, map[string][2]int{"LT-1": {2, 3}, "LT-2": {1, 1}}, 5, "其他维保"},
		}
		for _, tc := range cases {
			t.Run(tc.login, func(t *testing.T) {
				c := w.admin
				if tc.login != "admin" {
					c = w.a.Login(tc.login, demo.Password)
				}
				r := must(t, c.Do("GET", "/api/v1/analytics/devices/maintenance?group_by=model&"+q, nil), 200, "maintenance")
				for model, want := range tc.models {
					expect(t, model, item(t, r, map[string]string{"model": model}), map[string]any{"devices": want[0], "maintenances": want[1]})
				}
				expect(t, "totals", r.JSON.(map[string]any)["totals"].(map[string]any), map[string]any{"devices": tc.devices, "faults": tc.faults})
				list := must(t, c.Do("GET", "/api/v1/tickets?type=repair&asset_type="+url.QueryEscape("测试机")+"&"+w.monthRange(), nil), 200, "tickets")
				if list.Total() != tc.faults {
					t.Errorf("ticket list behind the faults: %d, want %d", list.Total(), tc.faults)
				}
				if tc.foreign == "" {
					return
				}
				for _, row := range xlsxRows(t, c.Do("GET", "/api/v1/analytics/devices/maintenance?group_by=region,vendor&format=xlsx&"+q, nil))[2:] {
					for _, cell := range row {
						if strings.Contains(cell, tc.foreign) {
							t.Errorf("foreign %q in %v", tc.foreign, row)
						}
					}
				}
			})
		}
	})
}

// TestDeviceListDrillFilters: the device list filters 机具分布 groups by, so a
// count opens exactly the devices behind it.
func TestDeviceListDrillFilters(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		admin := w.admin
		for i, until := range []string{"2020-06-30", "2099-12-31"} {
			must(t, admin.Do("POST", "/api/v1/assets", map[string]any{"type": "保修测试", "brand": "聆听", "model": "W-1", "serial": fmt.Sprintf("W-%d", i),
				"org_id": w.orgs["HXB-SH-PD-01"], "vendor_org_id": w.orgs["ADWB-SH"], "warranty_until": until}), 201, "device")
		}
		typ := url.QueryEscape("测试机")
		count := func(c *testutil.Client, q string) int {
			t.Helper()
			return must(t, c.Do("GET", "/api/v1/assets?"+q, nil), 200, q).Total()
		}
		if n := count(admin, "type="+typ+"&region="+url.QueryEscape("北京")); n != 3 {
			t.Errorf("Beijing: %d, want 3 (D1, D3, D4)", n)
		}
		if n := count(admin, fmt.Sprintf("type=%s&station_id=%d", typ, w.orgs["ADWB-SH"])); n != 1 {
			t.Errorf("Shanghai station: %d, want 1 (D2)", n)
		}
		// A vendor company's own id as a station: only devices serviced by the company itself (D4 by 其他维保), not its stations'.
		if n := count(admin, fmt.Sprintf("type=%s&station_id=%d", typ, w.orgs["ADWB"])); n != 0 {
			t.Errorf("the vendor itself: %d, want 0", n)
		}
		if n := count(admin, "type="+typ+"&status=in_service"); n != 4 {
			t.Errorf("in service: %d", n)
		}
		if n := count(admin, "type="+typ+"&status=faulty"); n != 0 {
			t.Errorf("faulty: %d", n)
		}
		w1 := url.QueryEscape("保修测试")
		d := must(t, admin.Do("GET", "/api/v1/analytics/devices?group_by=model&type="+w1, nil), 200, "distribution")
		expect(t, "W-1", item(t, d, map[string]string{"model": "W-1"}), map[string]any{"devices": 2, "in_warranty": 1, "out_of_warranty": 1})
		if n := count(admin, "type="+w1+"&warranty=in"); n != 1 {
			t.Errorf("in warranty: %d", n)
		}
		if n := count(admin, "type="+w1+"&warranty=out"); n != 1 {
			t.Errorf("out of warranty: %d", n)
		}
		// Scope still applies: the Beijing branch sees no Shanghai device.
		if n := count(w.a.Login("bj.admin", demo.Password), "type="+w1+"&region="+url.QueryEscape("上海")); n != 0 {
			t.Errorf("bj.admin sees %d Shanghai devices", n)
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "bad status", As: admin, Method: "GET", Path: "/api/v1/assets?status=broken", Status: 422, Contains: []string{`"status"`}},
			{Name: "bad warranty", As: admin, Method: "GET", Path: "/api/v1/assets?warranty=maybe", Status: 422, Contains: []string{`"warranty"`}},
			{Name: "bad station", As: admin, Method: "GET", Path: "/api/v1/assets?station_id=x", Status: 422, Contains: []string{`"station_id"`}},
		})
	})
}
