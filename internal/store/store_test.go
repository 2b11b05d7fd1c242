package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"lingting/internal/store"
	"lingting/internal/testutil"
)

// The store contract, on every engine.
func TestStoreContract(t *testing.T) {
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
		if ok, err := db.MigrationsCurrent(ctx); err != nil || !ok {
			t.Fatalf("migrations current: %v %v", ok, err)
		}
		// Migrating twice is a no-op.
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		now := store.Now()
		insertOrg := func(ctx context.Context, code string) (int64, error) {
			return db.InsertID(ctx, "INSERT INTO orgs (path, kind, code, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
				"/", "client", code, "名称"+code, now, now)
		}
		count := func(code string) int {
			var n int
			if err := db.Get(ctx, &n, "SELECT count(*) FROM orgs WHERE code = ?", code); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("rollback on error undoes every step", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.WithTx(ctx, func(ctx context.Context) error {
				if _, err := insertOrg(ctx, "RB1"); err != nil {
					return err
				}
				// A nested WithTx joins the outer transaction.
				if err := db.WithTx(ctx, func(ctx context.Context) error {
					_, err := insertOrg(ctx, "RB2")
					return err
				}); err != nil {
					return err
				}
				if count("RB2") != 0 {
					// Readers outside the transaction must not see uncommitted rows.
					return errors.New("uncommitted row visible outside the transaction")
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("WithTx returned %v", err)
			}
			if count("RB1")+count("RB2") != 0 {
				t.Fatal("rolled-back rows persisted")
			}
		})

		t.Run("commit keeps every step", func(t *testing.T) {
			err := db.WithTx(ctx, func(ctx context.Context) error {
				if _, err := insertOrg(ctx, "C1"); err != nil {
					return err
				}
				_, err := insertOrg(ctx, "C2")
				return err
			})
			if err != nil || count("C1") != 1 || count("C2") != 1 {
				t.Fatalf("commit: %v", err)
			}
		})

		t.Run("panic rolls back", func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				_ = db.WithTx(ctx, func(ctx context.Context) error {
					if _, err := insertOrg(ctx, "P1"); err != nil {
						return err
					}
					panic("mid-transaction")
				})
			}()
			if count("P1") != 0 {
				t.Fatal("row of a panicking transaction persisted")
			}
		})

		t.Run("unique violation is recognised", func(t *testing.T) {
			_, err := insertOrg(ctx, "C1")
			if !store.IsUniqueViolation(err) {
				t.Fatalf("duplicate code: %v", err)
			}
		})

		t.Run("times round-trip in UTC", func(t *testing.T) {
			var got time.Time
			if err := db.Get(ctx, &got, "SELECT created_at FROM orgs WHERE code = ?", "C1"); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(now) {
				t.Fatalf("time %v came back as %v", now, got)
			}
		})

		t.Run("no rows", func(t *testing.T) {
			var n int64
			if err := db.Get(ctx, &n, "SELECT id FROM orgs WHERE code = ?", "nope"); !store.IsNoRows(err) {
				t.Fatalf("want no rows, got %v", err)
			}
		})
	})
}

func TestQueriesDialectOverride(t *testing.T) {
	text := "-- name: a\nSELECT 1\n\n-- name: a@postgres\nSELECT 2\n-- name: b\nSELECT 3\n"
	if got := store.ParseQueries(text, store.SQLite).Get("a"); got != "SELECT 1" {
		t.Fatalf("sqlite a = %q", got)
	}
	if got := store.ParseQueries(text, store.Postgres).Get("a"); got != "SELECT 2" {
		t.Fatalf("postgres a = %q", got)
	}
	if got := store.ParseQueries(text, store.Postgres).Get("b"); got != "SELECT 3" {
		t.Fatalf("postgres b = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("missing query did not panic")
		}
	}()
	store.ParseQueries(text, store.SQLite).Get("missing")
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	if _, err := store.Open(context.Background(), "mysql://x"); err == nil {
		t.Fatal("mysql URL accepted")
	}
}

// PostgreSQL plans every statement for its parameters (see openPostgres).
func TestPostgresCustomPlans(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		if engine != "postgres" {
			t.Skip("a PostgreSQL setting")
		}
		ctx := context.Background()
		db, err := store.Open(ctx, testutil.DatabaseURL(t, engine))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var mode string
		if err := db.Get(ctx, &mode, "SELECT current_setting('plan_cache_mode')"); err != nil || mode != "force_custom_plan" {
			t.Fatalf("plan_cache_mode = %q, %v", mode, err)
		}
	})
}

// The writer leaves WAL checkpoints to a background goroutine on SQLite: what
// is committed reaches the database file without a commit paying for it, and
// Close stops the goroutine.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, testutil.DatabaseURL(t, "sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var auto int // the writer's setting (readers never write)
	if err := db.WithTx(ctx, func(ctx context.Context) error { return db.WriteGet(ctx, &auto, "PRAGMA wal_autocheckpoint") }); err != nil {
		t.Fatal(err)
	}
	if auto <= 1000 {
		t.Fatalf("the writer still checkpoints every %d pages", auto)
	}
	before := db.CheckpointedFrames()
	now := store.Now()
	for i := range 20 {
		if _, err := db.Exec(ctx, "INSERT INTO orgs (path, kind, code, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			"/", "client", fmt.Sprintf("CK%d", i), "检查点", now, now); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for db.CheckpointedFrames() == before {
		if time.Now().After(deadline) {
			t.Fatal("no background checkpoint within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	done := make(chan error, 1)
	go func() { done <- db.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop the checkpointer")
	}
}
