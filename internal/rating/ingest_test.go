package rating_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/demo"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

// TestDeviceEventsGroupCommit sends device events from many goroutines at
// once, so that they share transactions: each event sent three times at once
// counts once and all three answers agree, events that fail (nothing to end,
// nothing to rate) fail alone, every acknowledged event is stored with its
// effects, and the roll-ups still equal a recomputation.
func TestDeviceEventsGroupCommit(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		svc := a.Ratings
		var devices []*rating.Device
		var tokens []string
		for _, outlet := range []string{"HXB-BJ-HD-01", "HXB-BJ-HD-02", "HXB-BJ-CY-01", "HXB-BJ-CY-02", "HXB-SH-PD-01", "HXB-SH-PD-02", "HXB-SH-XH-01", "HXB-SH-XH-03"} {
			k, err := svc.CounterByCode(ctx, demo.CounterCode(outlet, 1))
			if err != nil {
				t.Fatal(err)
			}
			d, err := svc.RegisterDevice(ctx, rating.DeviceInput{CounterID: k.ID})
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, d.Token)
			if d, err = svc.DeviceByToken(ctx, d.Token); err != nil {
				t.Fatal(err)
			}
			devices = append(devices, d)
		}
		type answer struct {
			res *rating.EventResult
			err error
		}
		// send posts the events of every device at once, each event three times.
		send := func(events func(i int) []rating.DeviceEvent) [][]answer {
			out := make([][]answer, len(devices))
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i, d := range devices {
				for _, ev := range events(i) {
					for range 3 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							res, err := svc.HandleEvent(ctx, d, ev)
							mu.Lock()
							out[i] = append(out[i], answer{res, err})
							mu.Unlock()
						}()
					}
				}
			}
			wg.Wait()
			return out
		}
		// agree checks that the three answers of one event are one success,
		// two duplicates, with the same ids.
		agree := func(step string, as []answer) *rating.EventResult {
			t.Helper()
			if len(as) == 0 || len(as) > 3 {
				t.Fatalf("%s: %d answers", step, len(as))
			}
			firsts := 0
			for _, x := range as {
				if x.err != nil {
					t.Fatalf("%s: %v", step, x.err)
				}
				if !x.res.Duplicate {
					firsts++
				}
				if fmt.Sprint(deref(x.res.SessionID), deref(x.res.RatingID)) != fmt.Sprint(deref(as[0].res.SessionID), deref(as[0].res.RatingID)) {
					t.Fatalf("%s: answers differ: %+v %+v", step, x.res, as[0].res)
				}
			}
			if firsts != 1 {
				t.Fatalf("%s: %d answers were not duplicates", step, firsts)
			}
			return as[0].res
		}
		ev := func(id, typ string, key int) rating.DeviceEvent {
			return rating.DeviceEvent{EventID: id, Type: typ, Key: key}
		}
		// Round 1: every device starts a session; half of them also end a session
		// that is not open yet — those fail with 409 on their own, or end it.
		for i, as := range send(func(int) []rating.DeviceEvent { return []rating.DeviceEvent{ev("s1", "session_start", 0)} }) {
			if len(as) != 3 {
				t.Fatalf("device %d start: %d answers", i, len(as))
			}
			agree(fmt.Sprintf("device %d start", i), as)
		}
		// Round 2: the even devices press a key with nothing to rate (fails),
		// every device ends its session (succeeds), in the same batches.
		got := send(func(i int) []rating.DeviceEvent {
			evs := []rating.DeviceEvent{ev("e1", "session_end", 0)}
			if i%2 == 0 {
				evs = append(evs, ev("k0", "key", 4))
			}
			return evs
		})
		for i, as := range got {
			var ends, keys []answer
			for _, x := range as {
				if x.res != nil && x.res.Type == "session_end" {
					ends = append(ends, x)
					continue
				}
				var e *apperr.Error
				switch {
				case x.err == nil && x.res.Type == "key":
					keys = append(keys, x) // the end came first in its batch: the key rated it
				case errors.As(x.err, &e) && e.Code == apperr.Conflict:
					// nothing ended yet when the key came: refused alone
				default:
					t.Fatalf("device %d round 2: %+v %v", i, x.res, x.err)
				}
			}
			if len(ends) != 3 {
				t.Fatalf("device %d end: %d answers", i, len(ends))
			}
			agree(fmt.Sprintf("device %d end", i), ends)
			if len(keys) > 0 { // a key sent before the end failed alone; a later resend rated
				agree(fmt.Sprintf("device %d early key", i), keys)
			}
		}
		// Round 3: every device rates; a device whose early key already rated
		// the session is refused (409), the others are counted once.
		rated := 0
		for i, as := range send(func(i int) []rating.DeviceEvent { return []rating.DeviceEvent{ev("k1", "key", 1+i%4)} }) {
			if as[0].err != nil || as[1].err != nil || as[2].err != nil {
				continue
			}
			agree(fmt.Sprintf("device %d key", i), as)
			rated++
		}
		if rated < len(devices)/2 {
			t.Fatalf("only %d of %d devices rated", rated, len(devices))
		}
		largest := func() int { _, _, l := svc.EventBatchStats(); return l }
		if largest() < 2 {
			t.Fatalf("events never shared a transaction (largest batch %d)", largest())
		}
		// What was acknowledged is stored: one session per device, one rating per
		// rated session, one event row per distinct acknowledged event.
		var sessions, ratings, events, ended int
		for q, dst := range map[string]*int{
			"SELECT count(*) FROM service_sessions WHERE channel = 'device'":                          &sessions,
			"SELECT count(*) FROM service_sessions WHERE channel = 'device' AND ended_at IS NOT NULL": &ended,
			"SELECT count(*) FROM ratings WHERE channel = 'device'":                                   &ratings,
			"SELECT count(*) FROM rating_device_events":                                               &events,
		} {
			if err := a.DB.Get(ctx, dst, q); err != nil {
				t.Fatal(err)
			}
		}
		var early int
		if err := a.DB.Get(ctx, &early, "SELECT count(*) FROM rating_device_events WHERE event_id = 'k0'"); err != nil {
			t.Fatal(err)
		}
		if sessions != len(devices) || ended != len(devices) || ratings != rated+early || events != 2*len(devices)+early+rated {
			t.Fatalf("stored: %d sessions (%d ended), %d ratings, %d events; want %d, %d ratings (%d early), %d events",
				sessions, ended, ratings, events, len(devices), rated+early, early, 2*len(devices)+early+rated)
		}
		checkRollups(t, a.DB)
		// Every poor rating (level 1 or 2 of 4) gets one 回访 ticket, through
		// the outbox after its commit.
		var poor, followups, queued int
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			for q, dst := range map[string]*int{
				"SELECT count(*) FROM ratings WHERE channel = 'device' AND level <= 2": &poor,
				`SELECT count(*) FROM rating_followups f JOIN ratings r ON r.id = f.rating_id JOIN tickets t ON t.id = f.ticket_id
					WHERE r.channel = 'device' AND t.type = 'follow_up'`: &followups,
				"SELECT count(*) FROM rating_followup_outbox": &queued,
			} {
				if err := a.DB.Get(ctx, dst, q); err != nil {
					t.Fatal(err)
				}
			}
			if poor > 0 && followups == poor && queued == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d poor device ratings, %d follow-ups, %d queued", poor, followups, queued)
			}
		}

		// A revoked device is refused at once, though its token was just cached.
		if _, err := svc.DeviceByToken(ctx, tokens[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RevokeDevice(ctx, devices[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.DeviceByToken(ctx, tokens[0]); err == nil {
			t.Fatal("a revoked token was accepted")
		}
	})
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestDeviceEventBatchRollups drives many devices through whole cycles at
// once, so that batches of distinct events commit in their optimistic
// attempt, whose roll-ups and event rows are written per batch with
// multi-row statements (rollbuf.go): every event is stored once with its
// effects and the roll-ups equal a recomputation. Then resends of committed
// events arrive in the same batches as new ones: they answer their first
// answer and count nothing again.
func TestDeviceEventBatchRollups(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		svc := a.Ratings
		var devices []*rating.Device
		for _, outlet := range []string{"HXB-BJ-HD-01", "HXB-BJ-HD-02", "HXB-BJ-CY-01", "HXB-BJ-CY-02", "HXB-SH-PD-01", "HXB-SH-PD-02", "HXB-SH-XH-01", "HXB-SH-XH-03"} {
			for n := 1; n <= 2; n++ {
				k, err := svc.CounterByCode(ctx, demo.CounterCode(outlet, n))
				if err != nil {
					t.Fatal(err)
				}
				if k.StaffID == nil {
					continue // nobody signed in there
				}
				d, err := svc.RegisterDevice(ctx, rating.DeviceInput{CounterID: k.ID})
				if err != nil {
					t.Fatal(err)
				}
				if d, err = svc.DeviceByToken(ctx, d.Token); err != nil {
					t.Fatal(err)
				}
				devices = append(devices, d)
			}
		}
		if len(devices) < 4 {
			t.Fatalf("only %d counters with staff signed in", len(devices))
		}
		count := func() (sessions, ratings, events int) {
			t.Helper()
			for q, dst := range map[string]*int{
				"SELECT count(*) FROM service_sessions WHERE channel = 'device'": &sessions,
				"SELECT count(*) FROM ratings WHERE channel = 'device'":          &ratings,
				"SELECT count(*) FROM rating_device_events":                      &events,
			} {
				if err := a.DB.Get(ctx, dst, q); err != nil {
					t.Fatal(err)
				}
			}
			return
		}
		const rounds = 5
		first := make([]*rating.EventResult, len(devices)) // each device's first session_start
		var wg sync.WaitGroup
		errs := make(chan error, len(devices))
		for i, d := range devices {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					for _, typ := range []string{"session_start", "session_end", "key"} {
						res, err := svc.HandleEvent(ctx, d, rating.DeviceEvent{EventID: fmt.Sprintf("%s-%d", typ, r), Type: typ, Key: 1 + (i+r)%4})
						if err != nil {
							errs <- fmt.Errorf("device %d round %d %s: %w", i, r, typ, err)
							return
						}
						if res.Duplicate {
							errs <- fmt.Errorf("device %d round %d %s: a first event answered as a duplicate", i, r, typ)
							return
						}
						if r == 0 && typ == "session_start" {
							first[i] = res
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		_, _, largest := svc.EventBatchStats()
		if largest < 2 {
			t.Fatalf("events never shared a transaction (largest batch %d)", largest)
		}
		if n := svc.CarefulBatches(); n != 0 {
			t.Fatalf("%d batches were applied event by event, though no event failed or was resent", n)
		}
		sessions, ratings, events := count()
		if want := len(devices) * rounds; sessions != want || ratings != want || events != 3*want {
			t.Fatalf("stored %d sessions, %d ratings, %d events; want %d, %d, %d", sessions, ratings, events, want, want, 3*want)
		}
		checkRollups(t, a.DB)

		// Resends of committed events in the same batches as new sessions.
		wg = sync.WaitGroup{}
		errs = make(chan error, 2*len(devices))
		for i, d := range devices {
			for _, id := range []string{"session_start-0", "session_start-new"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := svc.HandleEvent(ctx, d, rating.DeviceEvent{EventID: id, Type: "session_start"})
					switch {
					case err != nil:
						errs <- fmt.Errorf("device %d %s: %w", i, id, err)
					case id == "session_start-0" && (!res.Duplicate || *res.SessionID != *first[i].SessionID):
						errs <- fmt.Errorf("device %d: the resend answered %+v, first %+v", i, res, first[i])
					case id == "session_start-new" && res.Duplicate:
						errs <- fmt.Errorf("device %d: a new event answered as a duplicate", i)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := svc.CarefulBatches(); n == 0 {
			t.Fatal("resends of committed events never failed a batch's optimistic attempt")
		}
		s2, r2, e2 := count()
		if s2 != sessions+len(devices) || r2 != ratings || e2 != events+len(devices) {
			t.Fatalf("after resends: %d sessions, %d ratings, %d events; want %d, %d, %d", s2, r2, e2, sessions+len(devices), ratings, events+len(devices))
		}
		checkRollups(t, a.DB)
	})
}
