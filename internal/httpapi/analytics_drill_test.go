package httpapi_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// TestDeviceMonthCountsDrill: 运行情况 and 维护情况 count a month's devices as
// those not retired and installed by the month's end (or on an unknown day);
// the device list with in_use=true&installed_by=<month> (and the report's
// device filters) lists exactly the devices behind each figure.
func TestDeviceMonthCountsDrill(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := buildAnaWorld(t, engine)
		admin := w.admin
		prev := w.month.AddDate(0, -1, 0)
		add := func(model, installed, status string) {
			t.Helper()
			in := map[string]any{"type": "台数测试", "brand": "聆听", "model": model, "serial": fmt.Sprintf("N-%s-%s-%s", model, installed, status),
				"org_id": w.orgs["HXB-SH-PD-01"], "vendor_org_id": w.orgs["ADWB-SH"], "status": status}
			if installed != "" {
				in["installed_on"] = installed
			}
			must(t, admin.Do("POST", "/api/v1/assets", in), 201, "device")
		}
		add("N-1", "2020-01-01", "in_service")
		add("N-1", "", "faulty")                                                  // unknown install day: every month
		add("N-1", w.month.AddDate(0, 0, 14).Format(time.DateOnly), "in_service") // from the later month on
		add("N-1", "2020-01-01", "retired")                                       // never
		add("N-2", prev.Format(time.DateOnly), "in_service")
		add("N-2", w.month.AddDate(0, 1, 0).Format(time.DateOnly), "in_service") // after the period
		typ := url.QueryEscape("台数测试")
		period := "from=" + prev.Format(time.DateOnly) + "&to=" + w.month.AddDate(0, 1, -1).Format(time.DateOnly)
		count := func(c *testutil.Client, q string) int {
			t.Helper()
			return must(t, c.Do("GET", "/api/v1/assets?"+q, nil), 200, q).Total()
		}
		for _, path := range []string{"/api/v1/analytics/devices/operation", "/api/v1/analytics/devices/maintenance"} {
			r := must(t, admin.Do("GET", path+"?group_by=month,model&type="+typ+"&"+period, nil), 200, path)
			want := map[string]int{}
			for _, m := range []time.Time{prev, w.month} {
				month := m.Format("2006-01")
				for _, model := range []string{"N-1", "N-2"} {
					got := int(item(t, r, map[string]string{"month": month, "model": model})["devices"].(float64))
					list := count(admin, "type="+typ+"&model="+model+"&in_use=true&installed_by="+month)
					if got != list {
						t.Errorf("%s %s %s: report %d devices, list %d", path, month, model, got, list)
					}
					want[month+model] = got
				}
			}
			if fmt.Sprint(want) != fmt.Sprint(map[string]int{prev.Format("2006-01") + "N-1": 2, prev.Format("2006-01") + "N-2": 1, w.month.Format("2006-01") + "N-1": 3, w.month.Format("2006-01") + "N-2": 1}) {
				t.Errorf("%s devices per month and model: %v", path, want)
			}
			// without a month grouping a group's devices are those of the period's last month
			tot := must(t, admin.Do("GET", path+"?group_by=model&type="+typ+"&"+period, nil), 200, path).JSON.(map[string]any)["totals"].(map[string]any)
			if got, list := int(tot["devices"].(float64)), count(admin, "type="+typ+"&in_use=true&installed_by="+w.month.Format("2006-01")); got != list || got != 4 {
				t.Errorf("%s totals: report %d devices, list %d, want 4", path, got, list)
			}
		}
		// scope still applies: the Beijing branch sees none of these Shanghai devices
		if n := count(w.a.Login("bj.admin", demo.Password), "type="+typ+"&in_use=true&installed_by="+w.month.Format("2006-01")); n != 0 {
			t.Errorf("bj.admin sees %d", n)
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "bad month", As: admin, Method: "GET", Path: "/api/v1/assets?installed_by=2026-13", Status: 422, Contains: []string{`"installed_by"`}},
			{Name: "a day is not a month", As: admin, Method: "GET", Path: "/api/v1/assets?installed_by=2026-01-01", Status: 422, Contains: []string{`"installed_by"`}},
			{Name: "bad in_use", As: admin, Method: "GET", Path: "/api/v1/assets?in_use=yes", Status: 422, Contains: []string{`"in_use"`}},
		})
	})
}

// checkSLADrill: SLA 达标's ticket counts open the ticket list with
// sla_policy_id (a policy, or any for the groupings other than policy) and
// the report's period: as many tickets as the figure. TestAnalyticsSLA's
// world has a consultation under no policy at the Beijing test outlet, which
// the list must leave out.
func checkSLADrill(t *testing.T, admin *testutil.Client, period string, beijing, urgent int64) {
	t.Helper()
	q, err := url.ParseQuery(period)
	if err != nil {
		t.Fatal(err)
	}
	from, _ := time.ParseInLocation(time.DateOnly, q.Get("from"), cst)
	to, _ := time.ParseInLocation(time.DateOnly, q.Get("to"), cst)
	created := "created_from=" + url.QueryEscape(from.Format(time.RFC3339)) + "&created_to=" + url.QueryEscape(to.AddDate(0, 0, 1).Add(-time.Second).Format(time.RFC3339))
	list := func(q string) int {
		t.Helper()
		return must(t, admin.Do("GET", "/api/v1/tickets?"+created+"&"+q, nil), 200, q).Total()
	}
	r := must(t, admin.Do("GET", "/api/v1/analytics/sla?"+period, nil), 200, "sla")
	for _, it := range r.Items() {
		id := it["keys"].(map[string]any)["policy"].(string)
		if got, want := list("sla_policy_id="+id), int(it["tickets"].(float64)); got != want {
			t.Errorf("policy %s: list %d, report %d", id, got, want)
		}
	}
	b := must(t, admin.Do("GET", "/api/v1/analytics/sla?group_by=org&"+period, nil), 200, "by org")
	bj := int(item(t, b, map[string]string{"org": "北京分行"})["tickets"].(float64))
	if got := list(fmt.Sprintf("sla_policy_id=any&org_id=%d", beijing)); got != bj {
		t.Errorf("北京分行 under a policy: list %d, report %d", got, bj)
	}
	if all := list(fmt.Sprintf("org_id=%d", beijing)); all <= bj {
		t.Errorf("北京分行 all tickets %d: the consultation under no policy is missing (report %d)", all, bj)
	}
	if got := list(fmt.Sprintf("sla_policy_id=%d", urgent)); got != 3 {
		t.Errorf("urgent: %d tickets, want 3", got)
	}
	testutil.Run(t, []testutil.Scenario{
		{Name: "bad policy", As: admin, Method: "GET", Path: "/api/v1/tickets?sla_policy_id=some", Status: 422, Contains: []string{`"sla_policy_id"`}},
	})
}
