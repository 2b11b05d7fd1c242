package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"lingting/internal/store"
	"lingting/internal/testutil"
)

// TestGroupTx holds WithGroupTx to WithTx's contract on both engines while
// calls share transactions (SQLite): every call that succeeds is committed
// once, a call that fails leaves nothing and fails alone, a call that breaks
// the shared transaction (here: ends it) makes the others run again alone
// and still succeed, and a panic reaches the caller.
func TestGroupTx(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		db, err := store.Open(ctx, testutil.DatabaseURL(t, engine))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(ctx, "CREATE TABLE group_probe (k TEXT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		bad := errors.New("refused")
		const n = 40
		for round, breaker := range []bool{false, true} {
			// The first call holds the writer until the others have queued behind it.
			hold := make(chan struct{})
			var wg sync.WaitGroup
			errs := make([]error, n)
			panics := make([]any, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() { panics[i] = recover() }()
					errs[i] = db.WithGroupTx(ctx, func(ctx context.Context) error {
						if i == 0 {
							<-hold
						}
						if _, err := db.Exec(ctx, "INSERT INTO group_probe (k) VALUES (?)", fmt.Sprint(round, "-", i)); err != nil {
							return err
						}
						switch i % 10 {
						case 3:
							return bad // its row must go
						case 7:
							panic("boom")
						}
						if breaker && i == 25 {
							// Ends the shared transaction under the others' feet.
							_, err := db.Exec(ctx, "ROLLBACK")
							return err
						}
						return nil
					})
				}()
				if i == 0 {
					time.Sleep(20 * time.Millisecond)
				}
			}
			time.Sleep(200 * time.Millisecond)
			close(hold)
			wg.Wait()
			var rows []string
			if err := db.Select(ctx, &rows, "SELECT k FROM group_probe WHERE k LIKE ?", fmt.Sprint(round, "-%")); err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for _, k := range rows {
				got[k]++
			}
			for i := range n {
				k := fmt.Sprint(round, "-", i)
				switch {
				case i%10 == 3:
					if !errors.Is(errs[i], bad) || got[k] != 0 {
						t.Errorf("call %d: err %v, rows %d; want its own error and no row", i, errs[i], got[k])
					}
				case i%10 == 7:
					if panics[i] != "boom" || got[k] != 0 {
						t.Errorf("call %d: panic %v, rows %d; want the panic and no row", i, panics[i], got[k])
					}
				case breaker && i == 25:
					// (PostgreSQL's driver commits the ended transaction without an error.)
					if (engine == "sqlite" && errs[i] == nil) || got[k] != 0 {
						t.Errorf("call %d (ends the transaction): err %v, rows %d; want an error and no row", i, errs[i], got[k])
					}
				default:
					if errs[i] != nil || panics[i] != nil || got[k] != 1 {
						t.Errorf("call %d: err %v, panic %v, rows %d; want committed once", i, errs[i], panics[i], got[k])
					}
				}
			}
			if txs, calls := db.GroupStats(); !breaker && engine == "sqlite" && calls <= txs {
				t.Errorf("SQLite: %d calls in %d shared transactions; want calls grouped", calls, txs)
			}
		}
	})
}
