package reportjob_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lingting/internal/app"
	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/rating"
	"lingting/internal/reportjob"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/testutil"
)

// fake renders a one-column report whose rows are the numbers 1..n (n from
// the query), counting how often each query was opened; block makes Open's
// rows wait for the context to end (a process being stopped).
type fake struct {
	mu    sync.Mutex
	opens map[string]int
	block bool
}

func (f *fake) Open(ctx context.Context, report, query string) (*reportjob.Doc, error) {
	f.mu.Lock()
	f.opens[query]++
	f.mu.Unlock()
	v, _ := url.ParseQuery(query)
	var n int
	fmt.Sscan(v.Get("n"), &n)
	return &reportjob.Doc{Name: "测试报表", Header: []string{"测试报表", query}, Columns: []string{"序号"}, Total: n,
		Rows: func(emit func([]string) error) error {
			if f.block {
				<-ctx.Done()
				return ctx.Err()
			}
			for i := 1; i <= n; i++ {
				if err := emit([]string{fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		}}, nil
}

type world struct {
	db    *store.DB
	log   *audit.Log
	orgs  *org.Service
	admin *auth.Principal
	dir   string
	now   atomic.Int64 // the clock, in UnixMicro
}

// newWorld is a migrated database with the first administrator, and no
// running app: the test's services are the only claimers.
func newWorld(t *testing.T, engine string) *world {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, testutil.DatabaseURL(t, engine))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{db: db, log: audit.New(db), dir: t.TempDir()}
	w.orgs = org.NewService(db, w.log, perm.NewRegistry(app.PermissionGroups, org.Permissions, reportjob.Permissions, rating.Permissions))
	if _, err := w.orgs.Bootstrap(ctx, "admin", "admin-pass-1"); err != nil {
		t.Fatal(err)
	}
	u, _, err := w.orgs.UserByLogin(scope.With(ctx, scope.System()), "admin")
	if err != nil {
		t.Fatal(err)
	}
	w.admin = &auth.Principal{User: u, Permissions: perm.Set{"analytics.read": true}, Scope: scope.System()}
	w.now.Store(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC).UnixMicro())
	return w
}

func (w *world) clock() time.Time { return time.UnixMicro(w.now.Load()).UTC() }

func (w *world) service(r reportjob.Renderer) *reportjob.Service {
	s := reportjob.NewService(w.db, w.log, w.orgs, nil, reportjob.Config{DataDir: w.dir, Lease: time.Minute}, w.clock)
	s.SetRenderer(r)
	return s
}

func (w *world) status(t *testing.T, id int64) (status string, attempts int, msg string) {
	t.Helper()
	var row struct {
		Status   string `db:"status"`
		Attempts int    `db:"attempts"`
		Error    string `db:"error"`
	}
	if err := w.db.Get(context.Background(), &row, "SELECT status, attempts, error FROM export_jobs WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	return row.Status, row.Attempts, row.Error
}

// Two processes claim from one queue at once: every job runs exactly once.
func TestClaimExactlyOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		ctx := context.Background()
		r := &fake{opens: map[string]int{}}
		s1, s2 := w.service(r), w.service(r)
		const jobs = 30
		rep, _ := reportjob.ReportByKey("tickets")
		for i := 0; i < jobs; i++ {
			if _, err := s1.Enqueue(ctx, w.admin, rep, "测试", fmt.Sprintf("n=%d&i=%d", 1+i%5, i), 1+i%5); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		ran := [2]int{}
		for k, s := range []*reportjob.Service{s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					ok, err := s.RunDue(ctx)
					if err != nil {
						t.Error(err)
						return
					}
					if !ok {
						return
					}
					ran[k]++
				}
			}()
		}
		wg.Wait()
		if ran[0]+ran[1] != jobs {
			t.Fatalf("claimed %d + %d, want %d", ran[0], ran[1], jobs)
		}
		for q, n := range r.opens {
			if n != 1 {
				t.Errorf("%s rendered %d times", q, n)
			}
		}
		if len(r.opens) != jobs {
			t.Fatalf("%d jobs rendered", len(r.opens))
		}
		var done int
		if err := w.db.Get(ctx, &done, "SELECT count(*) FROM export_jobs WHERE status = 'done' AND attempts = 1 AND rows_done = rows_total AND file_size > 0"); err != nil {
			t.Fatal(err)
		}
		if done != jobs {
			t.Fatalf("%d jobs done", done)
		}
		t.Logf("%s: process 1 ran %d, process 2 ran %d", engine, ran[0], ran[1])
	})
}

// A process killed while running a job leaves it running under a lease; once
// the lease runs out another process runs it again (the file anew), and after
// MaxAttempts interrupted runs the job fails with the reason. A graceful stop
// hands the job back at once, without using up an attempt.
func TestRestartRecovery(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		ctx := context.Background()
		r := &fake{opens: map[string]int{}}
		s := w.service(r)
		rep, _ := reportjob.ReportByKey("tickets")
		enqueue := func(q string) int64 {
			j, err := s.Enqueue(ctx, w.admin, rep, "测试", q, 3)
			if err != nil {
				t.Fatal(err)
			}
			return j.ID
		}
		// What a killed process leaves: running, its lease (from its clock) in the past.
		killed := func(id int64, attempts int) {
			if _, err := w.db.Exec(ctx, "UPDATE export_jobs SET status = 'running', worker = 'dead-host-1-abc', attempts = ?, lease_until = ?, started_at = ? WHERE id = ?",
				attempts, w.clock().Add(time.Minute), w.clock(), id); err != nil {
				t.Fatal(err)
			}
		}
		a, b := enqueue("n=3&job=a"), enqueue("n=3&job=b")
		killed(a, 1)
		killed(b, 3)
		// Within the lease nobody touches them.
		if ok, err := s.RunDue(ctx); ok || err != nil {
			t.Fatalf("ran a leased job: %v %v", ok, err)
		}
		w.now.Add((2 * time.Minute).Microseconds())
		if ok, err := s.RunDue(ctx); !ok || err != nil {
			t.Fatalf("recovery: %v %v", ok, err)
		}
		if st, n, _ := w.status(t, a); st != "done" || n != 2 {
			t.Fatalf("job a after recovery: %s, %d attempts", st, n)
		}
		if st, _, msg := w.status(t, b); st != "failed" || msg == "" {
			t.Fatalf("job b after its third interruption: %s %q", st, msg)
		}
		if r.opens["n=3&job=a"] != 1 || r.opens["n=3&job=b"] != 0 {
			t.Fatalf("opens: %v", r.opens)
		}

		// Graceful stop: the job goes back to the queue with its attempt returned.
		blocking := &fake{opens: map[string]int{}, block: true}
		s.SetRenderer(blocking)
		c := enqueue("n=3&job=c")
		stop, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { _, err := s.RunDue(stop); done <- err }()
		deadline := time.Now().Add(10 * time.Second)
		for blocking.count() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		if st, n, _ := w.status(t, c); st != "queued" || n != 0 {
			t.Fatalf("job c after a graceful stop: %s, %d attempts", st, n)
		}
		s.SetRenderer(r)
		if ok, err := s.RunDue(ctx); !ok || err != nil {
			t.Fatalf("rerun: %v %v", ok, err)
		}
		if st, n, _ := w.status(t, c); st != "done" || n != 1 {
			t.Fatalf("job c: %s, %d attempts", st, n)
		}
	})
}

func (f *fake) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, v := range f.opens {
		n += v
	}
	return n
}

// Two processes' schedulers at once: one run per subscription and due time;
// the subscription moves to its next due time.
func TestScheduleExactlyOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		ctx := context.Background()
		r := &fake{opens: map[string]int{}}
		s1, s2 := w.service(r), w.service(r)
		str := func(v string) *string { return &v }
		const subs = 12
		for i := 0; i < subs; i++ {
			// Due at 08:00 Shanghai = 00:00 UTC; the clock stands at 2026-11-23 00:00 UTC.
			if _, err := s1.CreateSubscription(ctx, w.admin, reportjob.SubscriptionInput{Report: str("tickets"), Query: str(fmt.Sprintf("n=1&i=%d", i)),
				Frequency: str("daily"), TimeOfDay: str("08:00")}); err != nil {
				t.Fatal(err)
			}
		}
		var next time.Time
		if err := w.db.Get(ctx, &next, "SELECT next_run_at FROM report_subscriptions ORDER BY id LIMIT 1"); err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC); !next.Equal(want) {
			t.Fatalf("first due time %s, want %s", next, want)
		}
		w.now.Add((24*time.Hour + time.Second).Microseconds())
		for round := 0; round < 3; round++ {
			var wg sync.WaitGroup
			for _, s := range []*reportjob.Service{s1, s2, s1, s2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := s.ScheduleDue(ctx); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		var n, distinct int
		if err := w.db.Get(ctx, &n, "SELECT count(*) FROM export_jobs WHERE subscription_id IS NOT NULL"); err != nil {
			t.Fatal(err)
		}
		if err := w.db.Get(ctx, &distinct, "SELECT count(DISTINCT subscription_id) FROM export_jobs WHERE due_at = ?", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if n != subs || distinct != subs {
			t.Fatalf("%d runs written (%d subscriptions), want %d", n, distinct, subs)
		}
		var moved int
		if err := w.db.Get(ctx, &moved, "SELECT count(*) FROM report_subscriptions WHERE next_run_at = ?", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if moved != subs {
			t.Fatalf("%d subscriptions moved to the next day", moved)
		}
	})
}

// Files expire: after KeepDays the file is removed and the job shows expired;
// its owner's download then answers not_found; another user never sees it.
func TestCleanupAndOwnership(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		w := newWorld(t, engine)
		ctx := context.Background()
		s := w.service(&fake{opens: map[string]int{}})
		rep, _ := reportjob.ReportByKey("tickets")
		j, err := s.Enqueue(ctx, w.admin, rep, "测试", "n=2", 2)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := s.RunDue(ctx); !ok || err != nil {
			t.Fatalf("run: %v %v", ok, err)
		}
		got, f, err := s.Open(ctx, w.admin, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		path := filepath.Join(w.dir, got.FilePath)
		other := &auth.Principal{User: &org.User{ID: w.admin.User.ID + 1000}, Permissions: perm.Set{"analytics.read": true}}
		if _, _, err := s.Open(ctx, other, j.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("another user's download: %v", err)
		}
		if n, err := s.Cleanup(ctx); n != 0 || err != nil {
			t.Fatalf("cleanup before expiry: %d %v", n, err)
		}
		w.now.Add((7*24*time.Hour + time.Minute).Microseconds())
		if n, err := s.Cleanup(ctx); n != 1 || err != nil {
			t.Fatalf("cleanup: %d %v", n, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("file still there: %v", err)
		}
		if st, _, _ := w.status(t, j.ID); st != "expired" {
			t.Fatalf("status %s", st)
		}
		if _, _, err := s.Open(ctx, w.admin, j.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("expired download: %v", err)
		}
	})
}
