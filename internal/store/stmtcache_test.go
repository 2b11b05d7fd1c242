package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"lingting/internal/store"
	"lingting/internal/testutil"
)

// TestStmtCache holds the statement cache to the store contract on both
// engines (on PostgreSQL it is off unless turned on, as here): what a
// transaction writes is seen through cached statements inside it and not
// outside until commit, a rollback leaves nothing, statements first met in a
// transaction are cached after it, and concurrent transactions and reads
// through the same statements neither fail nor mix up their rows.
func TestStmtCache(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db, err := store.Open(ctx, testutil.DatabaseURL(t, engine))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		db.SetStmtCache(50)
		now := store.Now()
		const ins = "INSERT INTO orgs (path, kind, code, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"
		const byCode = "SELECT count(*) FROM orgs WHERE code LIKE ?"
		insert := func(ctx context.Context, code string) (int64, error) {
			return db.InsertID(ctx, ins, "/", "client", code, "名称"+code, now, now)
		}
		count := func(ctx context.Context, prefix string) int {
			var n int
			if err := db.Get(ctx, &n, byCode, prefix+"%"); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if w, r := db.CachedStatements(); w != 0 || r != 0 {
			t.Fatalf("cache not empty at start: %d %d", w, r)
		}

		// A first transaction meets the statements: they run uncached and are
		// prepared on the writer pool afterwards.
		err = db.WithTx(ctx, func(ctx context.Context) error {
			if _, err := insert(ctx, "SC-A1"); err != nil {
				return err
			}
			if count(ctx, "SC-A") != 1 {
				return errors.New("own write not visible in the transaction")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if w, _ := db.CachedStatements(); w < 2 {
			t.Fatalf("statements of the transaction not cached after it: %d", w)
		}
		// The next transactions run them through the cache.
		for round := range 3 {
			boom := errors.New("boom")
			err := db.WithTx(ctx, func(ctx context.Context) error {
				if _, err := insert(ctx, fmt.Sprintf("SC-B%d", round)); err != nil {
					return err
				}
				var ids []int64
				if err := db.Select(ctx, &ids, "SELECT id FROM orgs WHERE code LIKE ? ORDER BY id", "SC-%"); err != nil {
					return err
				}
				if len(ids) != 2+round {
					return fmt.Errorf("round %d: %d rows inside the transaction", round, len(ids))
				}
				if count(context.Background(), "SC-B") != round {
					return errors.New("uncommitted row visible outside the transaction")
				}
				if round == 1 {
					return boom // rolled back
				}
				return nil
			})
			if round == 1 && !errors.Is(err, boom) || round != 1 && err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if round == 1 {
				// the B1 row was rolled back: later rounds expect one row fewer
				if count(ctx, "SC-B1") != 0 {
					t.Fatal("rolled-back row persisted")
				}
				if _, err := insert(ctx, "SC-B1"); err != nil { // outside a transaction, cached on the writer
					t.Fatal(err)
				}
			}
		}
		// A statement first met in a transaction that rolls back is cached
		// after the rollback too (it is prepared once the writer is free).
		const probe = "SELECT count(*) FROM orgs WHERE name = ?"
		w0, _ := db.CachedStatements()
		boom := errors.New("boom")
		if err := db.WithTx(ctx, func(ctx context.Context) error {
			var n int
			if err := db.Get(ctx, &n, probe, "x"); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if w, _ := db.CachedStatements(); w != w0+1 {
			t.Fatalf("statement of a rolled-back transaction not cached: %d → %d", w0, w)
		}
		if count(ctx, "SC-") != 4 {
			t.Fatalf("rows: %d", count(ctx, "SC-"))
		}
		if _, err := insert(ctx, "SC-A1"); !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate through a cached statement: %v", err)
		}
		var missing int64
		if err := db.Get(ctx, &missing, "SELECT id FROM orgs WHERE code = ?", "nope"); !store.IsNoRows(err) {
			t.Fatalf("no rows through a cached statement: %v", err)
		}
		// What is not a single DML statement runs uncached, and the cache
		// stops growing at its limit while queries keep working.
		if _, err := db.Exec(ctx, "CREATE TABLE sc_tmp (x INTEGER)"); err != nil {
			t.Fatal(err)
		}
		for i := range 80 {
			var n int
			if err := db.Get(ctx, &n, fmt.Sprintf("SELECT %d + count(*) FROM sc_tmp WHERE x = ?", i), i); err != nil || n != i {
				t.Fatalf("query %d: %d %v", i, n, err)
			}
		}
		if w, r := db.CachedStatements(); w > 50 || r > 50 {
			t.Fatalf("cache grew past its limit: %d %d", w, r)
		}

		// Concurrent transactions and reads through the same statements.
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 15 {
					code := fmt.Sprintf("SC-C%d-%d", g, i)
					err := db.WithTx(ctx, func(ctx context.Context) error {
						id, err := insert(ctx, code)
						if err != nil {
							return err
						}
						var got string
						if err := db.Get(ctx, &got, "SELECT code FROM orgs WHERE id = ?", id); err != nil || got != code {
							return fmt.Errorf("read back %q as %q: %v", code, got, err)
						}
						_, err = db.Exec(ctx, "UPDATE orgs SET name = ? WHERE id = ?", "改"+code, id)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					var name string
					if err := db.Get(ctx, &name, "SELECT name FROM orgs WHERE code = ?", code); err != nil || name != "改"+code {
						errs <- fmt.Errorf("read %s: %q %v", code, name, err)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := count(ctx, "SC-C"); n != 8*15 {
			t.Fatalf("concurrent rows: %d", n)
		}
	})
}
