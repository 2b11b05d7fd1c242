package customer_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"lingting/internal/customer"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/testutil"
)

// The list counts up to a cap (lowered here to 5, and 3 for a search), pages
// through the same order whichever way a page is read (ids of the matches, or
// a walk of customers_updated once the count passed the cap), and a search
// never answers a customer outside the caller's scope or clearance, whichever
// source (full text, phone suffix, ID number, code) matched it.
func TestListCappedTotalAndSearchScope(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		t.Cleanup(customer.SetCapsForTest(5, 3))
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12})
		ctx := context.Background()
		sys := systemCtx()
		org := func(code string) (int64, string) {
			var o struct {
				ID   int64  `db:"id"`
				Path string `db:"path"`
			}
			if err := a.DB.Get(ctx, &o, "SELECT id, path FROM orgs WHERE code = ?", code); err != nil {
				t.Fatal(err)
			}
			return o.ID, o.Path
		}
		bj, _ := org("HXB-BJ-HD-01")
		_, bjPath := org("HXB-BJ") // the branch: HD-01 and CY-03 lie below it
		sh, _ := org("HXB-SH-PD-01")
		empty, _ := org("HXB-BJ-CY-03")
		mk := func(name, phone, idNumber string, orgID int64, level int) *customer.Customer {
			t.Helper()
			c, err := a.Customers.Create(sys, customer.Input{Name: name, Phone: phone, IDNumber: idNumber, OrgID: orgID, Confidentiality: level})
			if err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			return c
		}
		var inBJ []int64
		for i := range 7 {
			inBJ = append(inBJ, mk(fmt.Sprintf("郦璟%s", string(rune('甲'+i))), fmt.Sprintf("1390001%04d", 1000+i), "", bj, 1).ID)
		}
		outside := mk("郦璟外", "13900097531", residentID("19800101", 7), sh, 1)
		secret := mk("郦璟密", "13900087531", "", bj, 2)
		// Two customers in an otherwise empty org: a list below the cap.
		small := []int64{mk("郦璟小一", "13900000001", "", empty, 1).ID, mk("郦璟小二", "13900000002", "", empty, 1).ID}
		var inEmpty []int64 // with the demo's customers of that org
		if err := a.DB.Select(ctx, &inEmpty, "SELECT id FROM customers WHERE org_id = ? AND deleted_at IS NULL", empty); err != nil || len(inEmpty) > 5 {
			t.Fatalf("%d customers in %d (%v): the small list must stay below the cap", len(inEmpty), empty, err)
		}

		branch := scope.With(context.Background(), scope.Scope{Roots: []string{bjPath}, Axis: scope.AxisClient, UserID: 99})
		branch = perm.With(branch, perm.Set{"customer.read": true})
		emptyOrg := scope.With(context.Background(), scope.Scope{OrgIDs: []int64{empty}, Axis: scope.AxisClient, UserID: 99})
		emptyOrg = perm.With(emptyOrg, perm.Set{"customer.read": true})

		// newest first: the order every page must follow
		order := func(ids []int64) []int64 {
			q, args, err := store.In("SELECT id FROM customers WHERE id IN (?) ORDER BY updated_at DESC, id DESC", ids)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			if err := a.DB.Select(ctx, &out, q, args...); err != nil {
				t.Fatal(err)
			}
			return out
		}
		all := func(ctx context.Context, f customer.Filter) (ids []int64, first customer.Page) {
			t.Helper()
			f.Limit = 2
			for f.Offset = 0; ; f.Offset += f.Limit {
				p, err := a.Customers.ListPage(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if f.Offset == 0 {
					first = p
				}
				for _, c := range p.Items {
					ids = append(ids, c.ID)
					if c.Phone != "" && !c.Masked {
						t.Fatalf("unmasked phone in a list: %+v", c)
					}
				}
				if len(p.Items) < f.Limit {
					return ids, first
				}
			}
		}

		t.Run("search past the cap pages in order, scoped", func(t *testing.T) {
			ids, p := all(branch, customer.Filter{Q: "郦璟"})
			if p.Total != 3 || p.Exact {
				t.Fatalf("total %d exact %v, want 3 (the cap) and false", p.Total, p.Exact)
			}
			want := order(append(slices.Clone(inBJ), small...))
			if !slices.Equal(ids, want) {
				t.Fatalf("pages %v, want %v", ids, want)
			}
		})
		t.Run("search below the cap is exact", func(t *testing.T) {
			ids, p := all(emptyOrg, customer.Filter{Q: "郦璟"})
			if p.Total != 2 || !p.Exact || !slices.Equal(ids, order(small)) {
				t.Fatalf("total %d exact %v ids %v, want 2 exact %v", p.Total, p.Exact, ids, order(small))
			}
		})
		t.Run("list past the cap and below it", func(t *testing.T) {
			p, err := a.Customers.ListPage(branch, customer.Filter{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != 5 || p.Exact || len(p.Items) < 7 {
				t.Fatalf("branch list: total %d exact %v, %d items", p.Total, p.Exact, len(p.Items))
			}
			// A q without anything to search for is the list.
			if q, err := a.Customers.ListPage(branch, customer.Filter{Q: " !? ", Limit: 50}); err != nil || q.Total != 5 || q.Exact || len(q.Items) != len(p.Items) {
				t.Fatalf("q of punctuation: total %d exact %v, %d items, %v", q.Total, q.Exact, len(q.Items), err)
			}
			ids, q := all(emptyOrg, customer.Filter{})
			if q.Total != len(inEmpty) || !q.Exact || !slices.Equal(ids, order(inEmpty)) {
				t.Fatalf("small list: total %d exact %v ids %v, want %v", q.Total, q.Exact, ids, order(inEmpty))
			}
			ids, _ = all(branch, customer.Filter{OrgID: empty})
			if !slices.Equal(ids, order(inEmpty)) {
				t.Fatalf("org filter: %v, want %v", ids, order(inEmpty))
			}
		})
		t.Run("no source answers outside the scope or clearance", func(t *testing.T) {
			for _, q := range []string{"郦璟外", "郦璟密", "97531", "87531", residentID("19800101", 7), outside.Code, secret.Code} {
				for _, f := range []customer.Filter{{Q: q, Limit: 50}, {Q: q, Limit: 50, Sort: "name"}} {
					p, err := a.Customers.ListPage(branch, f)
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range p.Items {
						if c.ID == outside.ID || c.ID == secret.ID {
							t.Fatalf("q=%q sort=%q answers customer %d outside the scope or clearance", q, f.Sort, c.ID)
						}
					}
				}
				// The administrator finds each of them: the queries do match.
				p, err := a.Customers.ListPage(sys, customer.Filter{Q: q, Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(p.Items, func(c *customer.Customer) bool { return c.ID == outside.ID || c.ID == secret.ID }) {
					t.Fatalf("q=%q does not find the customer even unscoped", q)
				}
			}
		})
		t.Run("export sees the same customers", func(t *testing.T) {
			var got []int64
			if err := a.Customers.Each(branch, customer.Filter{Q: "郦璟"}, func(c *customer.Customer) error {
				got = append(got, c.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(inBJ), small...)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("export %v, want %v", got, want)
			}
		})
	})
}
