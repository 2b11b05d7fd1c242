package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"lingting/internal/jobs"
	"lingting/internal/store"
)

// DeliverArgs is the River job that delivers the deliveries of some outbox
// events. EnqueueMany inserts one in the transaction that writes the events,
// so the job exists exactly when they do.
type DeliverArgs struct {
	Outbox []int64 `json:"outbox"`
}

// Kind names the job kind.
func (DeliverArgs) Kind() string { return "notify.deliver" }

// SweepArgs is the periodic job that delivers whatever is due and has no
// job waiting for it: deliveries whose process died while sending (lease
// run out), deliveries written before River ran them, a resend. Kick
// inserts one to run at once.
type SweepArgs struct{}

// Kind names the job kind.
func (SweepArgs) Kind() string { return "notify.sweep" }

// sweepEvery is how often the sweep runs; the deliver jobs do the work.
const sweepEvery = time.Minute

// jobChunk bounds the events of one deliver job.
const jobChunk = 500

// Register installs the delivery workers on q and has q run the sweep.
func Register(q *jobs.Queue, s *Service) {
	s.queue = q
	jobs.Add(q, &deliverWorker{s: s})
	jobs.Add(q, &sweepWorker{s: s})
	q.Every(sweepEvery, SweepArgs{})
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// Work sends the due deliveries of the job's events, then sleeps (River's
// snooze) until the earliest one still pending is due: a retry after its
// back-off, or the end of a recipient's quiet hours.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	for ctx.Err() == nil {
		n, err := w.s.deliver(ctx, job.Args.Outbox)
		if err != nil {
			return err
		}
		if n < w.s.cfg.BatchSize {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return err // stopping: River works the job again later
	}
	next, err := w.s.nextPending(ctx, job.Args.Outbox)
	if err != nil || next == nil {
		return err
	}
	return river.JobSnooze(max(time.Second, next.Sub(w.s.now())))
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	for ctx.Err() == nil {
		n, err := w.s.DeliverDue(ctx)
		if err != nil || n < w.s.cfg.BatchSize {
			return err
		}
	}
	return ctx.Err()
}

// enqueueJobs inserts the deliver jobs of new events, in the transaction of
// ctx. Without a queue (tests of delivery itself) DeliverDue does the work.
func (s *Service) enqueueJobs(ctx context.Context, outbox []int64) error {
	if s.queue == nil {
		return nil
	}
	for lo := 0; lo < len(outbox); lo += jobChunk {
		if err := s.queue.Insert(ctx, DeliverArgs{Outbox: outbox[lo:min(lo+jobChunk, len(outbox))]}, nil); err != nil {
			return err
		}
	}
	return nil
}

// nextPending is when the earliest pending delivery of the events is due
// (nil: none is pending).
func (s *Service) nextPending(ctx context.Context, outbox []int64) (*time.Time, error) {
	q, args, err := store.In("SELECT MIN(next_attempt_at) FROM notification_deliveries WHERE status = ? AND outbox_id IN (?)", StatusPending, outbox)
	if err != nil {
		return nil, err
	}
	var next *time.Time
	if err := s.db.Get(ctx, &next, q, args...); err != nil {
		return nil, err
	}
	return next, nil
}

// Kick has the sweep run now: deliveries that became due by a clock moved
// forward (tests) or were handed back are sent without waiting for it.
func (s *Service) Kick() {
	if s.queue == nil {
		return
	}
	if err := s.queue.Insert(context.Background(), SweepArgs{}, nil); err != nil {
		slog.Warn("notification sweep", "err", err)
	}
}
