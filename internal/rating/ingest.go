package rating

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"lingting/internal/store"
)

// Group commit of device events. Every event used to be its own write
// transaction, and on SQLite the commit alone cost about as much CPU as the
// event's statements. One goroutine per service now takes the events that
// arrive together (up to maxEventBatch, waiting up to eventLinger) and applies
// them in one transaction; an event that fails is answered with its error and
// the others go on (commit says how).
// Every request is answered only after the commit that contains its event,
// so nothing acknowledged can be lost; a failed commit fails every event of
// the batch, none of which was acknowledged. Idempotency is unchanged: the
// event row (device, event_id) is written with the event's effects, and a
// resend in the same batch finds it there.

const (
	maxEventBatch  = 64
	eventLinger    = time.Millisecond // how long a batch waits for more events
	eventIdle      = 2 * time.Second  // the goroutine ends after this long without events
	eventTxTimeout = 30 * time.Second // bound of one batch's transaction
)

type eventJob struct {
	ctx  context.Context
	d    *Device
	ev   DeviceEvent
	out  *EventResult
	err  error
	done chan struct{}
}

type eventBatcher struct {
	s     *Service
	queue chan *eventJob

	followups atomic.Bool // the batch queued a follow-up (followup_outbox.go)

	mu      sync.Mutex
	running bool
	pending int // submitted, not yet taken by the goroutine
	largest int // the largest batch so far
	batches int // transactions so far
	events  int // events in them
	careful int // batches applied again with a savepoint per event
}

// EventBatchStats says how device events shared transactions so far: the
// number of transactions, of events, and the largest batch (for the bench
// and tests).
func (s *Service) EventBatchStats() (batches, events, largest int) {
	b := s.events
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.batches, b.events, b.largest
}

func newEventBatcher(s *Service) *eventBatcher {
	return &eventBatcher{s: s, queue: make(chan *eventJob, 4*maxEventBatch)}
}

// submit queues an event and waits for its batch to commit. The wait does not
// end with the request: the event may be committed, and its answer is what a
// resend will get.
func (b *eventBatcher) submit(ctx context.Context, d *Device, ev DeviceEvent) (*EventResult, error) {
	j := &eventJob{ctx: ctx, d: d, ev: ev, done: make(chan struct{})}
	b.mu.Lock()
	b.pending++
	if !b.running {
		b.running = true
		go b.run()
	}
	b.mu.Unlock()
	b.queue <- j
	<-j.done
	return j.out, j.err
}

func (b *eventBatcher) run() {
	idle := time.NewTimer(eventIdle)
	defer idle.Stop()
	for {
		var first *eventJob
		select {
		case first = <-b.queue:
		case <-idle.C:
			b.mu.Lock()
			if b.pending == 0 {
				b.running = false
				b.mu.Unlock()
				return
			}
			b.mu.Unlock()
			idle.Reset(eventIdle)
			continue
		}
		n := b.commit(first)
		b.mu.Lock()
		b.pending -= n
		b.largest = max(b.largest, n)
		b.batches++
		b.events += n
		b.mu.Unlock()
		idle.Reset(eventIdle)
	}
}

// errEventFailed ends the optimistic attempt of a batch: one of its events
// failed, and the batch is applied again with a savepoint per event.
var errEventFailed = errors.New("rating: an event of the batch failed")

// commit applies first and the events arriving after it in one transaction,
// answers every one, and says how many it took.
//
// The events are applied as they arrive: the batch stays open for eventLinger
// after the first (the commit's cost is mostly the pages it writes, which the
// events of one batch share) and for as long as more are already waiting, up
// to maxEventBatch, and the time spent applying counts towards the linger
// instead of adding to it.
//
// Nearly every event succeeds and is no resend, so a batch is first applied
// without savepoints (on SQLite a savepoint copies every page an event
// touches to the sub-journal first, which cost about a sixth of the batch)
// and without looking for the event row first (applyEvent). When an event
// fails, or turns out to be a resend, that attempt is rolled back (nothing of
// it was committed or answered) and the events taken so far are applied
// again, each in its own savepoint and after the look-up, so that a failing
// one is rolled back alone and a resend answered with its first answer.
func (b *eventBatcher) commit(first *eventJob) int {
	s := b.s
	ctx, cancel := context.WithTimeout(context.Background(), eventTxTimeout)
	defer cancel()
	batch := []*eventJob{first}
	err := b.inTx(ctx, func(tx context.Context) error {
		rb := newRollBuf()
		tx = withRollBuf(tx, rb)
		if err := b.take(tx, &batch); err != nil {
			return err
		}
		// The batch's roll-ups and event rows (rollbuf.go); a resend refused
		// by the event row's key fails the attempt into the careful one.
		if err := s.flushRolls(tx, rb); err != nil {
			if ctx.Err() != nil {
				return err
			}
			return errEventFailed
		}
		return nil
	})
	if errors.Is(err, errEventFailed) {
		b.mu.Lock()
		b.careful++
		b.mu.Unlock()
		err = b.inTx(ctx, func(tx context.Context) error {
			for _, j := range batch {
				jctx := joinedCtx{Context: tx, values: j.ctx}
				if _, err := s.db.Exec(jctx, "SAVEPOINT device_event"); err != nil {
					return err
				}
				j.out, j.err = s.applyEvent(jctx, j.d, j.ev, true)
				if j.err != nil {
					j.out = nil
					if _, err := s.db.Exec(jctx, "ROLLBACK TO SAVEPOINT device_event"); err != nil {
						return err
					}
				}
				if _, err := s.db.Exec(jctx, "RELEASE SAVEPOINT device_event"); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if b.followups.Swap(false) && err == nil {
		s.kickFollowups()
	}
	for _, j := range batch {
		if err != nil { // nothing of the batch was committed
			j.out, j.err = nil, err
		}
		if j.err != nil && store.IsUniqueViolation(j.err) {
			// A concurrent resend (another process) stored the event first, or
			// the session was rated by another channel meanwhile.
			if prior, perr := s.priorEvent(system(j.ctx), j.d.ID, j.ev.EventID); perr == nil && prior != nil {
				j.out, j.err = prior, nil
			} else if j.ev.Type == "key" {
				j.err = alreadyRated()
			}
		}
		close(j.done)
	}
	return len(batch)
}

// take applies the batch's events without savepoints as they arrive (see
// commit), adding those that arrive to batch.
func (b *eventBatcher) take(tx context.Context, batch *[]*eventJob) error {
	linger := time.NewTimer(eventLinger)
	defer linger.Stop()
	for i := 0; ; i++ {
		j := (*batch)[i]
		if j.out, j.err = b.s.applyEvent(joinedCtx{Context: tx, values: j.ctx}, j.d, j.ev, false); j.err != nil {
			return errEventFailed
		}
		if len(*batch) == maxEventBatch {
			return nil
		}
		select {
		case j := <-b.queue: // already waiting
			*batch = append(*batch, j)
			continue
		default:
		}
		select {
		case j := <-b.queue:
			*batch = append(*batch, j)
		case <-linger.C:
			return nil
		}
	}
}

// inTx runs fn in a transaction; a panic (which the HTTP handler's recoverer
// would have caught when events ran in their requests) rolls the batch back
// and fails its events instead of ending the process.
func (b *eventBatcher) inTx(ctx context.Context, fn func(context.Context) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			slog.Error("rating: device event batch panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("rating: device event batch: %v", p)
		}
	}()
	return b.s.db.WithTx(ctx, fn)
}

// joinedCtx runs one event in the batch's transaction (its Context) with the
// values of the event's own request: scope, audit actor, request id. The
// transaction's context carries nothing but the transaction.
type joinedCtx struct {
	context.Context
	values context.Context
}

func (c joinedCtx) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.values.Value(key)
}
