package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// TestContractExpiringFilters: status=expiring on the contract list agrees
// with each contract's computed status, takes a configurable window, and keeps
// to the caller's scope; the device list filters by contract and by expiring
// contract, scoped too.
func TestContractExpiringFilters(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 6, DemoTickets: 2})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		zone, _ := time.LoadLocation("Asia/Shanghai")
		today := time.Now().In(zone)
		in45 := sup.Do("POST", "/api/v1/contracts", map[string]any{"code": "HT-EXP-45", "name": "45 天后到期", "client_org_id": orgIDByCode(t, admin, "HXB-BJ-HD"),
			"vendor_org_id": orgIDByCode(t, admin, "ADWB"), "starts_on": today.AddDate(-1, 0, 0).Format(time.DateOnly), "ends_on": today.AddDate(0, 0, 45).Format(time.DateOnly)})
		if in45.Status != 201 || in45.String("status") != "active" {
			t.Fatalf("create: %d %s", in45.Status, in45.Body)
		}
		ids := func(r *testutil.Response) map[float64]bool {
			out := map[float64]bool{}
			for _, k := range r.Items() {
				out[k["id"].(float64)] = true
			}
			return out
		}
		all := sup.Do("GET", "/api/v1/contracts?page_size=100", nil)
		want := map[float64]bool{}
		var shID float64
		for _, k := range all.Items() {
			if k["status"] == "expiring" {
				want[k["id"].(float64)] = true
			}
			if k["client_org_name"] == "上海分行" {
				shID = k["id"].(float64)
			}
		}
		if !want[shID] {
			t.Fatalf("the demo's Shanghai contract (ending in 20 days) is not expiring: %s", all.Body)
		}
		got := sup.Do("GET", "/api/v1/contracts?status=expiring", nil)
		if fmt.Sprint(ids(got)) != fmt.Sprint(want) || got.Total() != len(want) {
			t.Fatalf("status=expiring %v, computed statuses say %v: %s", ids(got), want, got.Body)
		}
		if ids(got)[in45.JSON.(map[string]any)["id"].(float64)] {
			t.Fatal("a contract ending in 45 days is expiring with the 30-day default")
		}
		if r := sup.Do("GET", "/api/v1/contracts?status=expiring&expiring_within=60", nil); !ids(r)[in45.JSON.(map[string]any)["id"].(float64)] || !ids(r)[shID] {
			t.Fatalf("a 60-day window: %s", r.Body)
		}
		// Beijing's admin never sees Shanghai's contract, expiring or not.
		if r := a.Login("bj.admin", demo.Password).Do("GET", "/api/v1/contracts?status=expiring&expiring_within=60", nil); ids(r)[shID] || r.Total() == 0 {
			t.Fatalf("bj.admin's expiring contracts: %s", r.Body)
		}
		for _, bad := range []string{"status=soon", "expiring_within=-3", "expiring_within=x"} {
			if r := sup.Do("GET", "/api/v1/contracts?"+bad, nil); r.Status != 422 {
				t.Errorf("%s: %d", bad, r.Status)
			}
		}

		// Devices by contract.
		covered := sup.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/assets", int64(shID)), nil).Total()
		if covered == 0 {
			t.Fatal("the Shanghai contract covers no devices")
		}
		if r := sup.Do("GET", fmt.Sprintf("/api/v1/assets?contract_id=%d&page_size=100", int64(shID)), nil); r.Total() != covered {
			t.Fatalf("devices of the contract: %d, want %d", r.Total(), covered)
		}
		if r := a.Login("bj.admin", demo.Password).Do("GET", fmt.Sprintf("/api/v1/assets?contract_id=%d", int64(shID)), nil); r.Status != 200 || r.Total() != 0 {
			t.Fatalf("bj.admin lists Shanghai's covered devices: %s", r.Body)
		}
		if r := a.Login("sh.admin", demo.Password).Do("GET", fmt.Sprintf("/api/v1/assets?contract_id=%d&page_size=100", int64(shID)), nil); r.Total() != covered {
			t.Fatalf("sh.admin sees %d of its %d covered devices", r.Total(), covered)
		}
		expiringDevices := 0
		for id := range want {
			expiringDevices += sup.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/assets", int64(id)), nil).Total()
		}
		if r := sup.Do("GET", "/api/v1/assets?contract_status=expiring&page_size=100", nil); r.Total() != expiringDevices {
			t.Fatalf("devices under expiring contracts: %d, want %d", r.Total(), expiringDevices)
		}
		if r := sup.Do("GET", "/api/v1/assets?contract_status=later", nil); r.Status != 422 {
			t.Fatalf("bad contract_status: %d", r.Status)
		}
	})
}
