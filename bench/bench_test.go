package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"lingting/internal/customer"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// engines: SQLite always, PostgreSQL when LINGTING_TEST_POSTGRES_URL is set.
func engines() []string {
	out := []string{"sqlite"}
	if os.Getenv(postgresEnv) != "" {
		out = append(out, "postgres")
	}
	return out
}

func tinyOptions(engine string) options {
	opt := defaultOptions()
	opt.Engine, opt.Out, opt.Log = engine, io.Discard, io.Discard
	opt.Batch, opt.TxRows = 37, 100 // partial batches and several transactions
	opt.Requests, opt.Warmup, opt.Rows = 3, 1, 60
	opt.Timeout = 2 * time.Minute
	return opt
}

// TestBulkMatchesService loads the same 200 generated customers through
// customer.Service.Seed (full validation) and through BulkLoad, then checks
// that both stored the same rows, phones, tags and search documents, and that
// searching each customer through the API (name, name fragment, address
// fragment, phone suffix, pinyin initials) finds the seeded and the bulk copy
// alike. This guards the bulk loader's restatement of the search-term rule.
// It also runs the archive, export and import scenarios on tiny sizes.
func TestBulkMatchesService(t *testing.T) {
	for _, engine := range engines() {
		t.Run(engine, func(t *testing.T) {
			opt := tinyOptions(engine)
			ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout)
			defer cancel()
			e, err := NewEnv(ctx, opt, "")
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			const n, first = 200, 5000
			gen := NewGenerator(opt.Seed, e.Outlets)
			ins := make([]Record, n)
			for i := range ins {
				ins[i] = gen.Record(first + i)
			}
			inputs := make([]customer.Input, n)
			for i, r := range ins {
				inputs[i] = r.Input()
			}
			seeded, err := e.App.Customers.Seed(scope.With(ctx, scope.System()), inputs)
			if err != nil {
				t.Fatal(err)
			}
			st, err := BulkLoad(ctx, e, n, opt.Seed, first)
			if err != nil {
				t.Fatal(err)
			}
			if st.Customers != n || st.LastID-st.FirstID+1 != n {
				t.Fatalf("bulk load wrote %d customers, ids %d–%d", st.Customers, st.FirstID, st.LastID)
			}
			// 1. The stored shapes are the same.
			for i := range n {
				a, b := storedCustomer(t, ctx, e.App.DB, seeded[i]), storedCustomer(t, ctx, e.App.DB, st.FirstID+int64(i))
				if a != b {
					t.Fatalf("customer %d differs:\nservice %s\nbulk    %s", first+i, a, b)
				}
			}
			// 2. Searching through the API finds the service's and the bulk copy alike.
			index := map[int64]int{}
			for i := range n {
				index[seeded[i]] = i
				index[st.FirstID+int64(i)] = i
			}
			isBulk := func(id int64) bool { return id >= st.FirstID && id <= st.LastID }
			for i, rec := range ins {
				name := []rune(rec.Name)
				ph := rec.Phones[0].Number
				addr := addressFragment(rec)
				ini := strings.Fields(initialsOf(rec.Name))[0]
				for _, q := range []string{rec.Name, string(name[:2]), addr, ph[len(ph)-4:], ini[:min(3, len(ini))]} {
					var res list[struct {
						ID int64 `json:"id"`
					}]
					if err := e.Admin.JSON(ctx, "GET", "/api/v1/customers?page_size=500&q="+url.QueryEscape(q), nil, &res); err != nil {
						t.Fatal(err)
					}
					if res.Total > len(res.Items) {
						t.Fatalf("q=%s: %d matches, more than a page", q, res.Total)
					}
					var fromSeed, fromBulk []int
					for _, it := range res.Items {
						k, ours := index[it.ID]
						switch {
						case !ours: // a demo customer
						case isBulk(it.ID):
							fromBulk = append(fromBulk, k)
						default:
							fromSeed = append(fromSeed, k)
						}
					}
					sort.Ints(fromSeed)
					sort.Ints(fromBulk)
					if !slices.Equal(fromSeed, fromBulk) || !slices.Contains(fromBulk, i) {
						t.Fatalf("q=%s (customer %d %s): service copies found %v, bulk copies %v", q, first+i, rec.Name, fromSeed, fromBulk)
					}
				}
			}
			// 3. The scenarios run end to end on tiny sizes.
			if ls, err := RunArchive(ctx, e, opt); err != nil || len(ls) == 0 || ls[0].N != opt.Requests {
				t.Fatalf("archive: %v %+v", err, ls)
			}
			if rs, err := RunExport(ctx, e, opt); err != nil || len(rs) != 2 || rs[1].Bytes == 0 {
				t.Fatalf("export: %v %+v", err, rs)
			}
			rs, err := RunImport(ctx, opt)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.Accepted != opt.Rows || r.Customers != int64(opt.Rows) {
					t.Fatalf("import %s: accepted %d, added %d, want %d", r.Format, r.Accepted, r.Customers, opt.Rows)
				}
			}
		})
	}
}

// addressFragment is 3 characters of the record's street.
func addressFragment(rec Record) string {
	for _, s := range districtOf(rec.Outlet.Code).streets {
		if strings.Contains(rec.Address, s) {
			return string([]rune(s)[:3])
		}
	}
	return ""
}

// storedCustomer renders what the database holds for a customer, without the
// id, code, timestamps and the code's search term (which differ by design).
func storedCustomer(t *testing.T, ctx context.Context, db *store.DB, id int64) string {
	t.Helper()
	var c struct {
		Kind            string  `db:"kind"`
		Name            string  `db:"name"`
		Initials        string  `db:"initials"`
		Phone           string  `db:"phone"`
		IDType          string  `db:"id_type"`
		IDNumber        string  `db:"id_number"`
		Email           string  `db:"email"`
		Address         string  `db:"address"`
		Region          string  `db:"region"`
		OrgID           int64   `db:"org_id"`
		ManagerID       *int64  `db:"manager_id"`
		Grade           string  `db:"grade"`
		Source          string  `db:"source"`
		Status          string  `db:"status"`
		Birthday        *string `db:"birthday"`
		Anniversaries   string  `db:"anniversaries"`
		Confidentiality int     `db:"confidentiality"`
		Custom          string  `db:"custom"`
		Notes           string  `db:"notes"`
		ImportID        *int64  `db:"import_id"`
		Code            string  `db:"code"`
	}
	if err := db.Get(ctx, &c, "SELECT kind, name, initials, phone, id_type, id_number, email, address, region, org_id, manager_id, grade, source, status, birthday, anniversaries, confidentiality, custom, notes, import_id, code FROM customers WHERE id = ?", id); err != nil {
		t.Fatalf("customer %d: %v", id, err)
	}
	if c.Code != fmt.Sprintf("KH%08d", id) {
		t.Fatalf("customer %d has code %s", id, c.Code)
	}
	var phones []struct {
		Number  string `db:"number"`
		Rev     string `db:"number_rev"`
		Label   string `db:"label"`
		Primary bool   `db:"is_primary"`
	}
	if err := db.Select(ctx, &phones, "SELECT number, number_rev, label, is_primary FROM customer_phones WHERE customer_id = ? ORDER BY number", id); err != nil {
		t.Fatal(err)
	}
	var tags []string
	if err := db.Select(ctx, &tags, "SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag", id); err != nil {
		t.Fatal(err)
	}
	var doc string
	q := "SELECT doc FROM customer_search WHERE rowid = ?"
	if db.Dialect == store.Postgres {
		q = "SELECT array_to_string(tsvector_to_array(doc), ' ') FROM customer_search WHERE customer_id = ?"
	}
	if err := db.Get(ctx, &doc, q, id); err != nil {
		t.Fatalf("search document of %d: %v", id, err)
	}
	terms := strings.Fields(doc)
	terms = slices.DeleteFunc(terms, func(s string) bool { return s == strings.ToLower(c.Code) })
	sort.Strings(terms)
	c.Code = ""
	mgr, bday := "nil", "nil"
	if c.ManagerID != nil {
		mgr = fmt.Sprint(*c.ManagerID)
	}
	if c.Birthday != nil {
		bday = *c.Birthday
	}
	c.ManagerID, c.Birthday = nil, nil
	return fmt.Sprintf("%+v manager=%s birthday=%s phones=%+v tags=%v doc=%v", c, mgr, bday, phones, tags, terms)
}

func TestMain(m *testing.M) {
	quietLogs()
	os.Exit(m.Run())
}
