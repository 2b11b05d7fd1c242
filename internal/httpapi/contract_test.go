package httpapi_test

import (
	"fmt"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

func TestContracts(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		all := sup.Do("GET", "/api/v1/contracts", nil)
		if all.Total() != 2 {
			t.Fatalf("demo contracts: %s", all.Body)
		}
		byBranch := map[string]map[string]any{}
		for _, k := range all.Items() {
			byBranch[k["client_org_name"].(string)] = k
		}
		bj, sh := byBranch["北京分行"], byBranch["上海分行"]
		if bj == nil || sh == nil || sh["status"] != "expiring" || bj["devices"].(float64) == 0 {
			t.Fatalf("contracts: %s", all.Body)
		}
		if r := sup.Do("GET", "/api/v1/contracts?expiring_within=30", nil); r.Total() != 1 || r.Items()[0]["id"] != sh["id"] {
			t.Fatalf("expiring: %s", r.Body)
		}
		bjID, shID := int64(bj["id"].(float64)), int64(sh["id"].(float64))
		devices := sup.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/assets", bjID), nil)
		if devices.Total() != int(bj["devices"].(float64)) {
			t.Fatalf("covered devices: %s", devices.Body)
		}
		shDevices := sup.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/assets", shID), nil).Items()

		// Scope: each branch sees its own contract, the vendor both; nobody else's by id.
		for _, tc := range []struct {
			login string
			see   []int64
			not   []int64
		}{
			{"bj.admin", []int64{bjID}, []int64{shID}},
			{"sh.admin", []int64{shID}, []int64{bjID}},
			{"adwb.manager", []int64{bjID, shID}, nil},
		} {
			c := a.Login(tc.login, demo.Password)
			if r := c.Do("GET", "/api/v1/contracts", nil); r.Total() != len(tc.see) {
				t.Errorf("%s lists %s", tc.login, r.Body)
			}
			for _, id := range tc.not {
				if r := c.Do("GET", fmt.Sprintf("/api/v1/contracts/%d", id), nil); r.Status != 404 {
					t.Errorf("%s reads contract %d: %d", tc.login, id, r.Status)
				}
				if r := c.Do("GET", fmt.Sprintf("/api/v1/contracts/%d/assets", id), nil); r.Status != 404 {
					t.Errorf("%s reads contract %d's devices: %d", tc.login, id, r.Status)
				}
			}
		}

		bjOrg, vendorOrg := int64(bj["client_org_id"].(float64)), int64(bj["vendor_org_id"].(float64))
		good := map[string]any{"code": "HT-TEST-1", "name": "测试合同", "client_org_id": bjOrg, "vendor_org_id": vendorOrg, "starts_on": "2026-01-01", "ends_on": "2027-12-31",
			"commitments": map[string]any{"arrival_minutes": 120}}
		bad := func(change map[string]any) map[string]any {
			m := map[string]any{}
			for k, v := range good {
				m[k] = v
			}
			for k, v := range change {
				m[k] = v
			}
			return m
		}
		testutil.Run(t, []testutil.Scenario{
			{Name: "branch admin cannot create", As: a.Login("bj.admin", demo.Password), Method: "POST", Path: "/api/v1/contracts", Body: good, Status: 403},
			{Name: "ends before it starts", As: sup, Method: "POST", Path: "/api/v1/contracts", Body: bad(map[string]any{"ends_on": "2025-01-01"}), Status: 422, Contains: []string{`"ends_on"`}},
			{Name: "vendor is a client org", As: sup, Method: "POST", Path: "/api/v1/contracts", Body: bad(map[string]any{"vendor_org_id": bjOrg}), Status: 422, Contains: []string{`"vendor_org_id"`}},
			{Name: "bad date", As: sup, Method: "POST", Path: "/api/v1/contracts", Body: bad(map[string]any{"starts_on": "2026/01/01"}), Status: 422, Contains: []string{`"starts_on"`}},
			{Name: "unknown policy", As: sup, Method: "POST", Path: "/api/v1/contracts", Body: bad(map[string]any{"sla_policy_id": 99999}), Status: 422, Contains: []string{`"sla_policy_id"`}},
			{Name: "created", As: sup, Method: "POST", Path: "/api/v1/contracts", Body: good, Status: 201},
			{Name: "duplicate code", As: sup, Method: "POST", Path: "/api/v1/contracts", Body: good, Status: 422, Contains: []string{`"code"`}},
			{Name: "a Shanghai device cannot join the Beijing contract", As: sup, Method: "PUT", Path: fmt.Sprintf("/api/v1/contracts/%d/assets", bjID),
				Body: map[string]any{"asset_ids": []any{devices.Items()[0]["id"], shDevices[0]["id"]}}, Status: 422, Contains: []string{`asset_ids[1]`}},
			{Name: "vendor cannot change while devices are covered", As: sup, Method: "PUT", Path: fmt.Sprintf("/api/v1/contracts/%d", bjID),
				Body: bad(map[string]any{"code": bj["code"], "vendor_org_id": orgIDByCode(t, admin, "ADWB-BJ1")}), Status: 422, Contains: []string{`"vendor_org_id"`}},
		})
		if r := sup.Do("GET", fmt.Sprintf("/api/v1/contracts/%d", bjID), nil); r.Int("devices") != int64(bj["devices"].(float64)) {
			t.Fatalf("a refused cover changed the contract: %s", r.Body)
		}
		one := sup.Do("PUT", fmt.Sprintf("/api/v1/contracts/%d/assets", bjID), map[string]any{"asset_ids": []any{devices.Items()[0]["id"]}})
		if one.Status != 200 || one.Int("devices") != 1 {
			t.Fatalf("cover one device: %d %s", one.Status, one.Body)
		}
		if r := admin.Do("GET", "/api/v1/audit?entity=contract", nil); r.Total() < 4 { // 2 demo + 1 created + 1 cover (demo covers too)
			t.Fatalf("contract audit: %s", r.Body)
		}
	})
}
