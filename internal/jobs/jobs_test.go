package jobs_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"lingting/internal/jobs"
	"lingting/internal/store"
	"lingting/internal/testutil"
)

type markArgs struct {
	Name string `json:"name"`
}

func (markArgs) Kind() string { return "test.mark" }

type markWorker struct {
	river.WorkerDefaults[markArgs]
	mu   sync.Mutex
	seen map[string]int
	ch   chan string
}

func (w *markWorker) Work(_ context.Context, j *river.Job[markArgs]) error {
	w.mu.Lock()
	w.seen[j.Args.Name]++
	w.mu.Unlock()
	w.ch <- j.Args.Name
	return nil
}

type tickArgs struct{}

func (tickArgs) Kind() string { return "test.tick" }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	ch chan string
}

func (w *tickWorker) Work(context.Context, *river.Job[tickArgs]) error {
	w.ch <- "tick"
	return nil
}

// A job inserted in a transaction exists exactly when the transaction
// commits; periodic jobs run; both on each engine.
func TestInsertFollowsTransaction(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		url := testutil.DatabaseURL(t, engine)
		db, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		q := jobs.New(db, url, jobs.Config{Poll: 50 * time.Millisecond})
		w := &markWorker{seen: map[string]int{}, ch: make(chan string, 10)}
		jobs.Add(q, w)
		tick := &tickWorker{ch: make(chan string, 10)}
		jobs.Add(q, tick)
		q.Every(time.Hour, tickArgs{})
		if err := q.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Close()

		boom := errors.New("boom")
		if err := db.WithTx(ctx, func(ctx context.Context) error {
			if err := q.Insert(ctx, markArgs{Name: "rolled-back"}, nil); err != nil {
				t.Fatal(err)
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("want boom, got %v", err)
		}
		if err := db.WithTx(ctx, func(ctx context.Context) error {
			return q.Insert(ctx, markArgs{Name: "committed"}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if err := q.Insert(ctx, markArgs{Name: "outside"}, nil); err != nil {
			t.Fatal(err)
		}

		run, stop := context.WithCancel(ctx)
		if err := q.Start(run); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		timeout := time.After(20 * time.Second)
		for len(got) < 3 {
			select {
			case n := <-w.ch:
				got[n] = true
			case n := <-tick.ch:
				got[n] = true
			case <-timeout:
				t.Fatalf("jobs worked: %v", got)
			}
		}
		// Give a stray run of the rolled-back job time to show up.
		time.Sleep(300 * time.Millisecond)
		stop()
		q.Wait()
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.seen["rolled-back"] != 0 || w.seen["committed"] != 1 || w.seen["outside"] != 1 {
			t.Fatalf("runs per job: %v", w.seen)
		}
		if !got["tick"] {
			t.Fatal("the periodic job did not run at start")
		}
	})
}
