package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lingting/internal/store"
)

// The bulk loader writes generated customers straight into the tables, in the
// shapes customer.Service.create writes them (row, KH%08d code, initials,
// phones with reversed digits, tags, search document, initials rows), with multi-row INSERTs
// in transactions of opt.TxRows customers. The service's Seed validates every
// row (about 15 statements each), far too slow for 10^6 customers; this loader
// skips validation because the generator only makes valid, canonical records.
// TestBulkMatchesService checks that both paths store the same thing.

// LoadStats says what a bulk load wrote and how long it took.
type LoadStats struct {
	Customers, Phones, Tags int
	FirstID, LastID         int64
	Elapsed                 time.Duration // inserts and commits
	Post                    time.Duration // checkpoint / ANALYZE / sequence after the load
}

var customerCols = []string{"id", "code", "kind", "name", "initials", "phone", "id_type", "id_number", "email", "address", "region", "org_id",
	"manager_id", "grade", "source", "status", "birthday", "anniversaries", "confidentiality", "custom", "notes", "created_at", "updated_at"}

// insertSQL renders "INSERT INTO table (cols) VALUES (row),(row),…" with rows
// copies of row (a parenthesised tuple of ? placeholders).
func insertSQL(table string, cols []string, row string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

func tuple(n int) string { return "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")" }

// batchSQL caches the statements of one batch size.
type batchSQL struct {
	customers, phones, tags, inits, search func(rows int) string
	cache                                  map[string]string
}

func newBatchSQL(pg bool) *batchSQL {
	b := &batchSQL{cache: map[string]string{}}
	memo := func(key string, f func(rows int) string) func(int) string {
		return func(rows int) string {
			k := fmt.Sprintf("%s/%d", key, rows)
			if s, ok := b.cache[k]; ok {
				return s
			}
			s := f(rows)
			b.cache[k] = s
			return s
		}
	}
	b.customers = memo("c", func(n int) string { return insertSQL("customers", customerCols, tuple(len(customerCols)), n) })
	b.phones = memo("p", func(n int) string {
		return insertSQL("customer_phones", []string{"customer_id", "number", "number_rev", "label", "is_primary"}, tuple(5), n)
	})
	b.tags = memo("t", func(n int) string { return insertSQL("customer_tags", []string{"customer_id", "tag"}, tuple(2), n) })
	b.inits = memo("i", func(n int) string {
		return insertSQL("customer_initials", []string{"initials", "customer_id"}, tuple(2), n)
	})
	if pg {
		b.search = memo("s", func(n int) string {
			return insertSQL("customer_search", []string{"customer_id", "doc"}, "(?, array_to_tsvector(?::text[]))", n)
		})
	} else {
		b.search = memo("s", func(n int) string { return insertSQL("customer_search", []string{"rowid", "doc"}, tuple(2), n) })
	}
	return b
}

// BulkLoad appends n generated customers, records first..first+n-1 of the
// generator; first < 0 means the archive's current size, so a kept database is
// topped up with new records. A goroutine generates and renders the rows
// while this one writes them.
func BulkLoad(ctx context.Context, e *Env, n int, seed uint64, first int) (LoadStats, error) {
	db := e.App.DB
	pg := db.Dialect == store.Postgres
	st := LoadStats{}
	if first < 0 {
		have, err := e.CountCustomers(ctx)
		if err != nil {
			return st, err
		}
		first = have
	}
	var maxID int64
	if err := db.Get(ctx, &maxID, "SELECT COALESCE(max(id), 0) FROM customers"); err != nil {
		return st, err
	}
	if !pg {
		// A bigger page cache for the writer while loading: the secondary indexes
		// take keys in random order. Restored afterwards.
		if _, err := db.Exec(ctx, "PRAGMA cache_size = -262144"); err != nil {
			return st, err
		}
		defer func() { _, _ = db.Exec(context.Background(), "PRAGMA cache_size = -2000") }()
	}
	gen := NewGenerator(seed, e.Outlets)
	sqls := newBatchSQL(pg)
	batch := max(1, e.Opt.Batch)
	txRows := max(batch, e.Opt.TxRows)
	st.FirstID = maxID + 1

	// The producer renders batches; the channel bounds how far it runs ahead.
	batches := make(chan *rowBatch, 8)
	pctx, stopProducer := context.WithCancel(ctx)
	defer stopProducer()
	go func() {
		defer close(batches)
		for k := 0; k < n; k += batch {
			rows := min(batch, n-k)
			b := renderBatch(gen, pg, first+k, maxID+int64(k)+1, rows)
			select {
			case batches <- b:
			case <-pctx.Done():
				return
			}
		}
	}()

	start := time.Now()
	lastReport := start
	for done := 0; done < n; {
		got := 0 // customers written by this transaction: whole batches, about txRows
		err := db.WithTx(ctx, func(ctx context.Context) error {
			// FTS5 flushes its pending terms to a new segment at every statement,
			// so search documents go in bigger statements than the rest.
			var search []*rowBatch
			searchRows := 0
			flushSearch := func() error {
				if searchRows == 0 {
					return nil
				}
				var args []any
				for _, b := range search {
					args = append(args, b.search...)
				}
				if _, err := db.Exec(ctx, sqls.search(searchRows), args...); err != nil {
					return fmt.Errorf("insert search documents: %w", err)
				}
				search, searchRows = search[:0], 0
				return nil
			}
			for got < txRows && done+got < n {
				b, ok := <-batches
				if !ok {
					if err := ctx.Err(); err != nil {
						return err
					}
					return fmt.Errorf("bulk load: the generator stopped after %d of %d rows", done+got, n)
				}
				if err := execBatch(ctx, db, sqls, b, &st); err != nil {
					return err
				}
				search = append(search, b)
				searchRows += b.rows
				got += b.rows
				if searchRows >= searchBatch {
					if err := flushSearch(); err != nil {
						return err
					}
				}
			}
			return flushSearch()
		})
		if err != nil {
			return st, err
		}
		done += got
		if time.Since(lastReport) > 10*time.Second || done == n {
			lastReport = time.Now()
			el := time.Since(start)
			fmt.Fprintf(e.Opt.Log, "  bulk load: %d/%d customers, %s, %.0f rows/s\n", done, n, el.Round(time.Second), float64(done)/el.Seconds())
		}
	}
	st.Elapsed = time.Since(start)
	st.LastID = maxID + int64(n)
	post := time.Now()
	if pg {
		// An identity column does not follow explicit ids: move the sequence on.
		if _, err := db.Exec(ctx, "SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT max(id) FROM customers))"); err != nil {
			return st, err
		}
		// Autovacuum would do this a little later on a live server; doing it now
		// makes the measurement independent of when autovacuum wakes.
		if _, err := db.Writer().ExecContext(ctx, "VACUUM ANALYZE customers, customer_phones, customer_tags, customer_search, customer_initials"); err != nil {
			return st, err
		}
	} else {
		if _, err := db.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
			return st, err
		}
		if e.Opt.Analyze {
			if _, err := db.Exec(ctx, "ANALYZE"); err != nil {
				return st, err
			}
		}
	}
	st.Post = time.Since(post)
	return st, nil
}

// searchBatch is how many search documents one INSERT carries (at most 32766
// parameters on SQLite, 65535 on PostgreSQL).
const searchBatch = 2000

// rowBatch is the rendered arguments of a batch of customers and their children.
type rowBatch struct {
	rows, phones, tags, inits     int
	customers, ph, tg, in, search []any
}

// renderBatch generates records index… and renders them with ids firstID….
func renderBatch(gen *Generator, pg bool, index int, firstID int64, rows int) *rowBatch {
	b := &rowBatch{rows: rows, customers: make([]any, 0, rows*len(customerCols)), search: make([]any, 0, rows*2)}
	for j := range rows {
		rec := gen.Record(index + j)
		id := firstID + int64(j)
		code := fmt.Sprintf("KH%08d", id)
		ini := initialsOf(rec.Name)
		var manager, birthday any
		if rec.ManagerID != nil {
			manager = *rec.ManagerID
		}
		if rec.Birthday != nil {
			birthday = *rec.Birthday
		}
		b.customers = append(b.customers, id, code, rec.Kind, rec.Name, ini, rec.Phones[0].Number, rec.IDType, rec.IDNumber, rec.Email,
			rec.Address, rec.Region, rec.Outlet.ID, manager, rec.Grade, rec.Source, rec.Status, birthday, "[]",
			rec.Confidentiality, "{}", rec.Notes, rec.CreatedAt, rec.UpdatedAt)
		for _, p := range rec.Phones {
			b.ph = append(b.ph, id, p.Number, reverseDigits(p.Number), p.Label, p.Primary)
			b.phones++
		}
		for _, t := range rec.Tags {
			b.tg = append(b.tg, id, t)
			b.tags++
		}
		for _, v := range strings.Fields(ini) { // customer_initials: one row per variant
			b.in = append(b.in, v, id)
			b.inits++
		}
		terms := docTerms(rec.Name, rec.Address, rec.Notes, rec.Email, code, ini)
		if pg {
			b.search = append(b.search, id, terms)
		} else {
			b.search = append(b.search, id, strings.Join(terms, " "))
		}
	}
	return b
}

// execBatch inserts a batch's customers, phones and tags (not the search documents).
func execBatch(ctx context.Context, db *store.DB, sqls *batchSQL, b *rowBatch, st *LoadStats) error {
	if _, err := db.Exec(ctx, sqls.customers(b.rows), b.customers...); err != nil {
		return fmt.Errorf("insert customers: %w", err)
	}
	if b.phones > 0 {
		if _, err := db.Exec(ctx, sqls.phones(b.phones), b.ph...); err != nil {
			return fmt.Errorf("insert phones: %w", err)
		}
	}
	if b.tags > 0 {
		if _, err := db.Exec(ctx, sqls.tags(b.tags), b.tg...); err != nil {
			return fmt.Errorf("insert tags: %w", err)
		}
	}
	if b.inits > 0 {
		if _, err := db.Exec(ctx, sqls.inits(b.inits), b.in...); err != nil {
			return fmt.Errorf("insert initials: %w", err)
		}
	}
	st.Customers += b.rows
	st.Phones += b.phones
	st.Tags += b.tags
	return nil
}

// reverseDigits is customer_phones.number_rev: the digits of a number, reversed.
func reverseDigits(s string) string {
	b := make([]byte, 0, len(s))
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}
