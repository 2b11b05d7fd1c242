package customer_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lingting/internal/customer"
	"lingting/internal/initials"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// Pinyin initials are searched in customer_initials (migration 00027), a
// table kept beside the search document by every write: create, update,
// delete, merge, and both kinds of import row (inserted in bulk, or updating
// a customer). After each step the customer is found by its initials exactly
// when it should be, and the table holds exactly the variants of the live
// customers' names (customers.initials).
func TestInitialsSearchFollowsWrites(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := bulkApp(t, engine) // imports in chunks of 3 rows
		ctx := context.Background()
		sys := systemCtx()
		orgID := func(code string) int64 {
			var id int64
			if err := a.DB.Get(ctx, &id, "SELECT id FROM orgs WHERE code = ?", code); err != nil {
				t.Fatal(err)
			}
			return id
		}
		hd, pd := orgID("HXB-BJ-HD-01"), orgID("HXB-SH-PD-01")
		var bjPath string
		if err := a.DB.Get(ctx, &bjPath, "SELECT path FROM orgs WHERE code = 'HXB-BJ'"); err != nil {
			t.Fatal(err)
		}
		branch := scope.With(ctx, scope.Scope{Roots: []string{bjPath}, Axis: scope.AxisClient, UserID: 99})
		branch = perm.With(branch, perm.Set{"customer.read": true})

		// found reports whether q finds customer id for the caller (every page).
		found := func(ctx context.Context, q string, id int64) bool {
			t.Helper()
			f := customer.Filter{Q: q, Limit: 50}
			for ; ; f.Offset += f.Limit {
				p, err := a.Customers.ListPage(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if slices.ContainsFunc(p.Items, func(c *customer.Customer) bool { return c.ID == id }) {
					return true
				}
				if len(p.Items) < f.Limit {
					return false
				}
			}
		}
		// first is the first initials variant of a name: what a user types.
		first := func(name string) string { return strings.Fields(initials.Of(name))[0] }
		// consistent checks the table against customers.initials.
		consistent := func(step string) {
			t.Helper()
			var rows []struct {
				Initials string `db:"initials"`
				ID       int64  `db:"customer_id"`
			}
			if err := a.DB.Select(ctx, &rows, "SELECT initials, customer_id FROM customer_initials ORDER BY customer_id, initials"); err != nil {
				t.Fatal(err)
			}
			var live []struct {
				ID       int64  `db:"id"`
				Initials string `db:"initials"`
			}
			if err := a.DB.Select(ctx, &live, "SELECT id, initials FROM customers WHERE deleted_at IS NULL ORDER BY id"); err != nil {
				t.Fatal(err)
			}
			var want, got []string
			for _, c := range live {
				vs := strings.Fields(c.Initials)
				slices.Sort(vs)
				for _, v := range vs {
					want = append(want, fmt.Sprint(c.ID, ":", v))
				}
			}
			for _, r := range rows {
				got = append(got, fmt.Sprint(r.ID, ":", r.Initials))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("after %s: customer_initials holds %v, want %v", step, got, want)
			}
		}
		consistent("the demo seed")

		// Create: found by the whole initials and by a prefix; a heteronym
		// (行: xíng/háng) gives both readings.
		c, err := a.Customers.Create(sys, customer.Input{Name: "綦行璆", Phone: "13911110001", OrgID: hd})
		if err != nil {
			t.Fatal(err)
		}
		if vs := strings.Fields(initials.Of(c.Name)); len(vs) < 2 {
			t.Fatalf("initials %v: the test wants a name with two readings", vs)
		}
		for _, v := range strings.Fields(initials.Of(c.Name)) {
			if !found(sys, v, c.ID) || !found(sys, v[:2], c.ID) || !found(sys, strings.ToUpper(v), c.ID) {
				t.Fatalf("created customer not found by %q or its prefix", v)
			}
		}
		if found(sys, first(c.Name)+"z", c.ID) {
			t.Fatal("found by a longer string than its initials")
		}
		consistent("create")

		// Rename: the new initials find it, the old ones no longer do.
		old := first(c.Name)
		if _, err := a.Customers.Update(sys, c.ID, []byte(`{"name":"蒯瓘翀"}`)); err != nil {
			t.Fatal(err)
		}
		if found(sys, old, c.ID) {
			t.Fatalf("renamed customer still found by its old initials %q", old)
		}
		if !found(sys, first("蒯瓘翀"), c.ID) {
			t.Fatalf("renamed customer not found by %q", first("蒯瓘翀"))
		}
		// An update that keeps the name keeps the rows.
		if _, err := a.Customers.Update(sys, c.ID, []byte(`{"address":"北京市海淀区"}`)); err != nil {
			t.Fatal(err)
		}
		if !found(sys, first("蒯瓘翀"), c.ID) {
			t.Fatal("not found after an update of the address")
		}
		consistent("update")

		// Scope: a branch user does not find a sibling branch's customer.
		other, err := a.Customers.Create(sys, customer.Input{Name: "蒯瓘翀", Phone: "13911110002", OrgID: pd})
		if err != nil {
			t.Fatal(err)
		}
		q := first(other.Name)
		if !found(sys, q, other.ID) || !found(branch, q, c.ID) {
			t.Fatalf("q=%q: the administrator finds both, the branch user its own", q)
		}
		if found(branch, q, other.ID) || found(branch, q[:2], other.ID) {
			t.Fatalf("the branch user finds customer %d of 上海分行 by %q", other.ID, q)
		}

		// Delete: gone from the initials.
		if err := a.Customers.Delete(sys, other.ID); err != nil {
			t.Fatal(err)
		}
		if found(sys, q, other.ID) {
			t.Fatal("deleted customer still found by its initials")
		}
		consistent("delete")

		// Merge: the duplicate goes, the survivor stays.
		dup, err := a.Customers.Create(sys, customer.Input{Name: "蒯瓘翀", Phone: "13911110003", OrgID: hd})
		if err != nil {
			t.Fatal(err)
		}
		if !found(sys, q, dup.ID) {
			t.Fatal("duplicate not found before the merge")
		}
		if _, err := a.Customers.Merge(sys, customer.MergeInput{SurvivorID: c.ID, MergedID: dup.ID}); err != nil {
			t.Fatal(err)
		}
		if found(sys, q, dup.ID) || !found(sys, q, c.ID) {
			t.Fatal("after the merge the survivor, and only it, is found")
		}
		consistent("merge")

		// Imports: a row inserted in bulk, and a row updating a customer
		// (same ID number) under a new name.
		idNum := residentID("19800505", 5)
		upd, err := a.Customers.Create(sys, customer.Input{Name: "郜翯", Phone: "13911110004", IDNumber: idNum, OrgID: hd})
		if err != nil {
			t.Fatal(err)
		}
		admin := a.Admin()
		row := func(name, phone, idNumber string) string {
			idType := ""
			if idNumber != "" {
				idType = "居民身份证"
			}
			return strings.Join([]string{name, "个人", phone, idType, idNumber, "", "", "HXB-BJ-HD-01", "", "", "", "", ""}, ",")
		}
		rows := []string{row("衎暻", "13911110005", ""), row("邶瑀", "13911110006", ""), row("盍鋆", "13911110007", ""),
			row("郇珣", "13911110008", ""), row("禚璈", "13911110009", idNum)}
		id, r := uploadCSV(t, admin, "update", rows)
		if r.String("status") != customer.ImportReady {
			t.Fatalf("report: %s", r.Body)
		}
		if ap := admin.Do("POST", fmt.Sprintf("/api/v1/imports/%d/apply", id), nil); ap.Status != 200 || ap.String("status") != customer.ImportApplied {
			t.Fatalf("apply: %d %s", ap.Status, ap.Body)
		}
		for _, name := range []string{"衎暻", "邶瑀", "盍鋆", "郇珣"} {
			var cid int64
			if err := a.DB.Get(ctx, &cid, "SELECT id FROM customers WHERE import_id = ? AND name = ?", id, name); err != nil {
				t.Fatalf("imported %s: %v", name, err)
			}
			if !found(sys, first(name), cid) || !found(branch, first(name), cid) {
				t.Fatalf("imported customer %s not found by %q", name, first(name))
			}
		}
		if found(sys, first("郜翯"), upd.ID) || !found(sys, first("禚璈"), upd.ID) {
			t.Fatalf("the customer an import renamed is found by %q, not %q", first("禚璈"), first("郜翯"))
		}
		consistent("the import")
	})
}

// TestInitialsBackfill runs migration 00027's back-fill over customers whose
// rows it lost, and finds them again.
func TestInitialsBackfill(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12})
		ctx := context.Background()
		sys := systemCtx()
		var orgID int64
		if err := a.DB.Get(ctx, &orgID, "SELECT id FROM orgs WHERE code = 'HXB-BJ-HD-01'"); err != nil {
			t.Fatal(err)
		}
		c, err := a.Customers.Create(sys, customer.Input{Name: "綦行璆", Phone: "13911110001", OrgID: orgID})
		if err != nil {
			t.Fatal(err)
		}
		gone, err := a.Customers.Create(sys, customer.Input{Name: "綦行璆", Phone: "13911110002", OrgID: orgID})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Customers.Delete(sys, gone.ID); err != nil {
			t.Fatal(err)
		}
		var before []string
		if err := a.DB.Select(ctx, &before, "SELECT initials || ':' || customer_id FROM customer_initials ORDER BY 1"); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.ApplyMigration(ctx, 27, false); err != nil { // down: the table goes
			t.Fatal(err)
		}
		if err := a.DB.ApplyMigration(ctx, 27, true); err != nil { // up: back-filled
			t.Fatal(err)
		}
		var after []string
		if err := a.DB.Select(ctx, &after, "SELECT initials || ':' || customer_id FROM customer_initials ORDER BY 1"); err != nil {
			t.Fatal(err)
		}
		if len(before) < 13 || !slices.Equal(before, after) {
			t.Fatalf("back-filled %v, want %v", after, before)
		}
		p, err := a.Customers.ListPage(sys, customer.Filter{Q: strings.Fields(initials.Of(c.Name))[1], Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		ids := []int64{}
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if !slices.Contains(ids, c.ID) || slices.Contains(ids, gone.ID) {
			t.Fatalf("after the back-fill q finds %v: want %d and not %d", ids, c.ID, gone.ID)
		}
	})
}

// TestInitialsSearchCapped: a search by initials keeps the shape of every
// search (caps lowered to 5 and 3): past its cap the total is the cap with
// total_exact false and the pages follow updated_at; below it the total is
// exact; customers outside the scope or clearance never show.
func TestInitialsSearchCapped(t *testing.T) {
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
		hd, _ := org("HXB-BJ-HD-01")
		_, bjPath := org("HXB-BJ")
		cy, _ := org("HXB-BJ-CY-03")
		sh, _ := org("HXB-SH-PD-01")
		mk := func(i int, orgID int64, level int) int64 {
			c, err := a.Customers.Create(sys, customer.Input{Name: "綦璆蒯翀" + string(rune('甲'+i)), Phone: fmt.Sprintf("1390002%04d", i), OrgID: orgID, Confidentiality: level})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		var inBJ []int64
		for i := range 6 {
			inBJ = append(inBJ, mk(i, hd, 1))
		}
		small := []int64{mk(6, cy, 1), mk(7, cy, 1)}
		outside, secret := mk(8, sh, 1), mk(9, hd, 2)
		// The newest customer of the branch matches nothing: a page walked
		// newest first (PostgreSQL) skips it.
		if _, err := a.Customers.Create(sys, customer.Input{Name: "另一位", Phone: "13900029999", OrgID: hd}); err != nil {
			t.Fatal(err)
		}
		q := strings.Fields(initials.Of("綦璆蒯翀"))[0]
		as := func(sc scope.Scope) context.Context {
			return perm.With(scope.With(ctx, sc), perm.Set{"customer.read": true})
		}
		branch := as(scope.Scope{Roots: []string{bjPath}, Axis: scope.AxisClient, UserID: 99})
		outlet := as(scope.Scope{OrgIDs: []int64{cy}, Axis: scope.AxisClient, UserID: 99})
		pages := func(ctx context.Context, q string) (ids []int64, first customer.Page) {
			t.Helper()
			f := customer.Filter{Q: q, Limit: 2}
			for ; ; f.Offset += f.Limit {
				p, err := a.Customers.ListPage(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if f.Offset == 0 {
					first = p
				}
				for _, c := range p.Items {
					ids = append(ids, c.ID)
				}
				if len(p.Items) < f.Limit {
					return ids, first
				}
			}
		}
		newestFirst := func(ids []int64) []int64 {
			var out []int64
			for _, id := range ids {
				out = append([]int64{id}, out...) // created in id order, one after another
			}
			return out
		}
		for _, typed := range []string{q, q[:2], strings.ToUpper(q[:3])} {
			ids, p := pages(branch, typed)
			if p.Total != 3 || p.Exact {
				t.Fatalf("q=%q: total %d exact %v, want the cap 3 and false", typed, p.Total, p.Exact)
			}
			want := newestFirst(append(slices.Clone(inBJ), small...))
			if typed != q {
				ids = slices.DeleteFunc(ids, func(id int64) bool { return !slices.Contains(want, id) }) // demo customers may share 2-3 letters
			}
			if !slices.Equal(ids, want) || slices.Contains(ids, outside) || slices.Contains(ids, secret) {
				t.Fatalf("q=%q: pages %v, want %v (never %d or %d)", typed, ids, want, outside, secret)
			}
		}
		ids, p := pages(outlet, q)
		if p.Total != 2 || !p.Exact || !slices.Equal(ids, newestFirst(small)) {
			t.Fatalf("below the cap: total %d exact %v ids %v, want 2 exact %v", p.Total, p.Exact, ids, newestFirst(small))
		}
		all, _ := pages(sys, q)
		if len(all) != 10 {
			t.Fatalf("the administrator finds %v, want all 10", all)
		}
	})
}
