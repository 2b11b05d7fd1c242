package rating_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// TestDeviceFollowupsExactlyOnce: a poor rating from a hardware evaluator
// gets its 回访 ticket through the outbox, after the commit: exactly one,
// whether the drain runs right after the commit, after a crash left the row
// queued, after a failed attempt, or in several drains at once.
func TestDeviceFollowupsExactlyOnce(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		svc := a.Ratings
		k, err := svc.CounterByCode(ctx, demo.CounterCode("HXB-BJ-HD-01", 1))
		if err != nil {
			t.Fatal(err)
		}
		d, err := svc.RegisterDevice(ctx, rating.DeviceInput{CounterID: k.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d, err = svc.DeviceByToken(ctx, d.Token); err != nil {
			t.Fatal(err)
		}
		seq := 0
		send := func(typ string, key int) *rating.EventResult {
			t.Helper()
			seq++
			res, err := svc.HandleEvent(ctx, d, rating.DeviceEvent{EventID: fmt.Sprintf("f%d", seq), Type: typ, Key: key})
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			return res
		}
		rate := func(level int) int64 {
			send("session_start", 0)
			send("session_end", 0)
			return *send("key", level).RatingID
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := a.DB.Get(ctx, &n, q, args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		// state: follow-up tickets of the rating, and its outbox rows.
		state := func(id int64) [2]int {
			return [2]int{count(`SELECT count(*) FROM rating_followups f JOIN tickets t ON t.id = f.ticket_id
				WHERE f.rating_id = ? AND t.type = 'follow_up'`, id), count("SELECT count(*) FROM rating_followup_outbox WHERE rating_id = ?", id)}
		}
		tickets := func() int { return count("SELECT count(*) FROM tickets") }

		// Right after the commit, in the background.
		r1 := rate(1)
		for deadline := time.Now().Add(15 * time.Second); state(r1) != [2]int{1, 0}; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("follow-up of rating %d: %v (tickets, queued)", r1, state(r1))
			}
		}
		got, err := svc.Get(ctx, r1)
		if err != nil || got.FollowupTicketID == nil {
			t.Fatalf("rating %d shows no follow-up: %+v %v", r1, got, err)
		}
		// A satisfied rating queues nothing.
		if r2 := rate(4); state(r2) != [2]int{0, 0} {
			t.Fatalf("satisfied rating %d: %v", r2, state(r2))
		}

		// The process stops right after the commit: the rating is stored and
		// its follow-up queued with it, not lost.
		svc.StopFollowupDrain(true)
		r3 := rate(2)
		if state(r3) != [2]int{0, 1} {
			t.Fatalf("queued follow-up of rating %d: %v", r3, state(r3))
		}
		// A failing attempt opens nothing and leaves the row, counted.
		svc.FailFollowups(func(int64) error { return errors.New("模拟故障") })
		before := tickets()
		if n, err := svc.DrainFollowups(ctx); err == nil || n != 0 {
			t.Fatalf("failing drain: %d opened, %v", n, err)
		}
		var attempts int
		var lastErr string
		if err := a.DB.Get(ctx, &attempts, "SELECT attempts FROM rating_followup_outbox WHERE rating_id = ?", r3); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Get(ctx, &lastErr, "SELECT last_error FROM rating_followup_outbox WHERE rating_id = ?", r3); err != nil {
			t.Fatal(err)
		}
		if tickets() != before || state(r3) != [2]int{0, 1} || attempts != 1 || !strings.Contains(lastErr, "模拟故障") {
			t.Fatalf("after a failed attempt: %d tickets (before %d), %v, attempts %d, error %q", tickets(), before, state(r3), attempts, lastErr)
		}
		svc.FailFollowups(nil)
		// Several drains at once (a restarted process, its device watch,
		// another process): one ticket.
		var opened atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := svc.DrainFollowups(ctx)
				if err != nil {
					t.Error(err)
				}
				opened.Add(int64(n))
			}()
		}
		wg.Wait()
		if opened.Load() != 1 || state(r3) != [2]int{1, 0} || tickets() != before+1 {
			t.Fatalf("concurrent drains: %d opened, %v, %d tickets (before %d)", opened.Load(), state(r3), tickets(), before)
		}
		if n, err := svc.DrainFollowups(ctx); n != 0 || err != nil {
			t.Fatalf("drained again: %d, %v", n, err)
		}
		svc.StopFollowupDrain(false)
	})
}
