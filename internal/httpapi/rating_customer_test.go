package httpapi_test

import (
	"fmt"
	"testing"

	"lingting/internal/demo"
	"lingting/internal/testutil"
)

// TestRatingsByCustomer: GET /ratings?customer_id= lists the ratings of that
// customer's tickets, newest first, and nothing else; the ratings stay scoped
// by their own org, so another branch's user gets none of them; a bad value
// is refused.
func TestRatingsByCustomer(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		admin := a.Admin()
		sup := a.Login("supervisor01", demo.Password)
		// rateTicket opens a ticket for the customer, resolves it and has the
		// outlet's head rate it; it answers the rating id.
		rateTicket := func(customer int64, head string, level int) int64 {
			t.Helper()
			tk := sup.Do("POST", "/api/v1/tickets", map[string]any{"type": "consultation", "title": "咨询理财", "customer_id": customer})
			if tk.Status != 201 {
				t.Fatalf("ticket: %d %s", tk.Status, tk.Body)
			}
			for _, to := range []string{"in_progress", "resolved"} {
				if r := sup.Do("POST", fmt.Sprintf("/api/v1/tickets/%d/transitions", tk.Int("id")), map[string]any{"to": to}); r.Status != 200 {
					t.Fatalf("%s: %d %s", to, r.Status, r.Body)
				}
			}
			r := a.Login(head, demo.Password).Do("POST", "/api/v1/ratings", map[string]any{"ticket_id": tk.Int("id"), "level": level, "comment": "客户评价"})
			if r.Status != 201 || r.Int("ticket_id") != tk.Int("id") {
				t.Fatalf("rate: %d %s", r.Status, r.Body)
			}
			return r.Int("id")
		}
		bjCust := admin.Do("POST", "/api/v1/customers", map[string]any{"name": "北京评价客户", "org_id": orgIDByCode(t, admin, "HXB-BJ-HD-01"), "phone": "13812340001"})
		shCust := admin.Do("POST", "/api/v1/customers", map[string]any{"name": "上海评价客户", "org_id": orgIDByCode(t, admin, "HXB-SH-PD-01"), "phone": "13812340002"})
		if bjCust.Status != 201 || shCust.Status != 201 {
			t.Fatalf("customers: %s / %s", bjCust.Body, shCust.Body)
		}
		bj1 := rateTicket(bjCust.Int("id"), "hd.head", 2)
		bj2 := rateTicket(bjCust.Int("id"), "hd.head", 4)
		sh1 := rateTicket(shCust.Int("id"), "pd.head", 3)

		ids := func(c *testutil.Client, customer int64) []int64 {
			t.Helper()
			r := c.Do("GET", fmt.Sprintf("/api/v1/ratings?customer_id=%d", customer), nil)
			if r.Status != 200 {
				t.Fatalf("list: %d %s", r.Status, r.Body)
			}
			out := []int64{}
			for _, it := range r.Items() {
				out = append(out, int64(it["id"].(float64)))
			}
			if r.Total() != len(out) {
				t.Fatalf("total %d but %d items: %s", r.Total(), len(out), r.Body)
			}
			return out
		}
		cases := []struct {
			login    string
			customer int64
			want     []int64 // newest first
		}{
			{"admin", bjCust.Int("id"), []int64{bj2, bj1}},
			{"admin", shCust.Int("id"), []int64{sh1}},
			{"bj.admin", bjCust.Int("id"), []int64{bj2, bj1}},
			{"hd.head", bjCust.Int("id"), []int64{bj2, bj1}},
			{"bj.admin", shCust.Int("id"), []int64{}},
			{"sh.admin", bjCust.Int("id"), []int64{}},
			{"sh.admin", shCust.Int("id"), []int64{sh1}},
			{"pd.head", bjCust.Int("id"), []int64{}},
		}
		for _, tc := range cases {
			c := admin
			if tc.login != "admin" {
				c = a.Login(tc.login, demo.Password)
			}
			if got := ids(c, tc.customer); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("%s, customer %d: want %v, got %v", tc.login, tc.customer, tc.want, got)
			}
		}
		// The filter combines with the others.
		if r := admin.Do("GET", fmt.Sprintf("/api/v1/ratings?customer_id=%d&level=4", bjCust.Int("id")), nil); r.Total() != 1 || int64(r.Items()[0]["id"].(float64)) != bj2 {
			t.Errorf("customer and level: %s", r.Body)
		}
		// A bad value is refused and changes nothing.
		before := admin.Do("GET", "/api/v1/ratings", nil).Total()
		for _, bad := range []string{"abc", "-3", "1.5"} {
			r := admin.Do("GET", "/api/v1/ratings?customer_id="+bad, nil)
			if r.Status != 422 || r.ErrorCode() != "invalid" {
				t.Errorf("customer_id=%s: %d %s", bad, r.Status, r.Body)
			}
		}
		if after := admin.Do("GET", "/api/v1/ratings", nil).Total(); after != before {
			t.Errorf("ratings changed: %d then %d", before, after)
		}
		if got := ids(admin, bjCust.Int("id")); len(got) != 2 {
			t.Errorf("after the bad requests: %v", got)
		}
	})
}
