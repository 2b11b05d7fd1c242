package rating

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"lingting/internal/store"
)

// The 回访 (follow-up) ticket of a poor rating from a hardware evaluator is
// opened after the rating commits, not inside its transaction: the ticket,
// its SLA timers, analytics and assignment cost about a quarter of a batch of
// device events, and every event of the batch waited for them. The event's
// transaction writes a rating_followup_outbox row instead (queueFollowup).
// DrainFollowups turns each row into the ticket in one transaction that
// deletes the row first: a row deleted by someone else (another process) is
// skipped, a failure rolls the ticket back and leaves the row for the next
// drain. So every acknowledged poor rating gets its follow-up exactly once,
// also across a crash: what was committed is either still in the outbox or
// has its ticket. The batcher wakes the drainer after each commit that queued
// one; the app's device watch drains every minute (rows left by a crash or a
// failure).

// queueFollowup records in the rating's transaction that it needs a follow-up.
func (s *Service) queueFollowup(ctx context.Context, ratingID int64) error {
	_, err := s.db.Exec(ctx, "INSERT INTO rating_followup_outbox (rating_id, created_at) VALUES (?, ?)", ratingID, store.Now())
	if err == nil {
		s.events.followups.Store(true)
	}
	return err
}

// followupDrainer runs DrainFollowups in one goroutine at a time, again if
// woken meanwhile.
type followupDrainer struct {
	wg             sync.WaitGroup // the running drain (WaitFollowups)
	mu             sync.Mutex
	running, again bool
	off            bool                       // tests: queue only, as if the process stopped after the commit
	fault          func(ratingID int64) error // tests: fail a follow-up inside its transaction
}

// kickFollowups drains the outbox in the background.
func (s *Service) kickFollowups() {
	d := &s.drainer
	d.mu.Lock()
	if d.off {
		d.mu.Unlock()
		return
	}
	if d.running {
		d.again = true
		d.mu.Unlock()
		return
	}
	d.running = true
	d.wg.Add(1)
	d.mu.Unlock()
	go func() {
		defer d.wg.Done()
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			if _, err := s.DrainFollowups(ctx); err != nil {
				slog.Warn("rating: follow-up outbox", "err", err)
			}
			cancel()
			d.mu.Lock()
			if !d.again {
				d.running = false
				d.mu.Unlock()
				return
			}
			d.again = false
			d.mu.Unlock()
		}
	}()
}

// WaitFollowups waits for a background drain to finish (before the database
// is closed; what it has not done stays queued for the next start).
func (s *Service) WaitFollowups() { s.drainer.wg.Wait() }

// DrainFollowups opens the follow-up ticket of every rating in the outbox
// and says how many it opened. A follow-up that fails stays in the outbox
// with its error and attempts counted, for the next drain; the others go on.
func (s *Service) DrainFollowups(ctx context.Context) (int, error) {
	ctx = system(ctx)
	opened, after := 0, int64(0)
	var errs []error
	for {
		var ids []int64
		if err := s.db.Select(ctx, &ids, "SELECT rating_id FROM rating_followup_outbox WHERE rating_id > ? ORDER BY rating_id LIMIT 100", after); err != nil {
			return opened, err
		}
		if len(ids) == 0 {
			return opened, errors.Join(errs...)
		}
		for _, id := range ids {
			after = id
			done, err := s.followupFromOutbox(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					return opened, err
				}
				errs = append(errs, err)
				if _, uerr := s.db.Exec(ctx, "UPDATE rating_followup_outbox SET attempts = attempts + 1, last_error = ? WHERE rating_id = ?", err.Error(), id); uerr != nil {
					return opened, errors.Join(err, uerr)
				}
				continue
			}
			if done {
				opened++
			}
		}
	}
}

// followupFromOutbox opens the follow-up of one queued rating, in the
// transaction that takes it out of the outbox; false if another drain took it.
func (s *Service) followupFromOutbox(ctx context.Context, ratingID int64) (bool, error) {
	done := false
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Exec(ctx, "DELETE FROM rating_followup_outbox WHERE rating_id = ?", ratingID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // taken (and committed) by another drain
		}
		r, err := s.get(ctx, ratingID, false)
		if err != nil {
			return err
		}
		if err := s.openFollowup(ctx, ratingID, r); err != nil {
			return err
		}
		s.drainer.mu.Lock()
		f := s.drainer.fault
		s.drainer.mu.Unlock()
		if f != nil {
			if err := f(ratingID); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return done, nil
}
