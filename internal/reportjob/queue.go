package reportjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"lingting/internal/jobs"
)

// ExportArgs is the River job that renders one export job's file. It is
// inserted in the transaction that writes the export_jobs row.
type ExportArgs struct {
	JobID int64 `json:"job_id"`
}

// Kind names the job kind.
func (ExportArgs) Kind() string { return "report.export" }

// SweepArgs is the periodic job that writes due subscriptions' jobs, hands
// back jobs whose process died (lease run out), queues River jobs for
// export jobs that have none (written before River ran them, or whose River
// job was discarded) and removes expired files.
type SweepArgs struct{}

// Kind names the job kind.
func (SweepArgs) Kind() string { return "report.sweep" }

// Register installs the workers on q and has q run the sweep every Poll.
func Register(q *jobs.Queue, s *Service) {
	s.queue = q
	jobs.Add(q, &exportWorker{s: s})
	jobs.Add(q, &sweepWorker{s: s})
	q.Every(s.cfg.Poll, SweepArgs{})
}

// errReleased makes River try a job again that a stop handed back.
var errReleased = errors.New("reportjob: handed back at a stop")

type exportWorker struct {
	river.WorkerDefaults[ExportArgs]
	s *Service
}

// Timeout lets a large export run as long as it writes rows (the lease is
// renewed with its progress).
func (w *exportWorker) Timeout(*river.Job[ExportArgs]) time.Duration { return time.Hour }

func (w *exportWorker) Work(ctx context.Context, job *river.Job[ExportArgs]) error {
	return w.s.RunJob(ctx, job.Args.JobID)
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	if _, err := w.s.ScheduleDue(ctx); err != nil {
		return fmt.Errorf("report subscriptions: %w", err)
	}
	if err := w.s.requeue(ctx); err != nil {
		return err
	}
	if time.Since(w.s.lastClean) > time.Hour {
		w.s.lastClean = time.Now()
		if _, err := w.s.Cleanup(ctx); err != nil {
			slog.Warn("export cleanup", "err", err)
		}
	}
	return nil
}

// enqueueRun has the job run by a worker: a River job in the transaction of
// ctx. Without a queue (tests of the claim itself) RunDue does it.
func (s *Service) enqueueRun(ctx context.Context, id int64) error {
	if s.queue == nil {
		return nil
	}
	return s.queue.Insert(ctx, ExportArgs{JobID: id}, nil)
}

// RunJob runs export job id if it is still queued; a job another worker
// holds, or one that has finished, is left alone.
func (s *Service) RunJob(ctx context.Context, id int64) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	keep := context.WithoutCancel(ctx)
	j, err := s.claimID(keep, id)
	if err != nil || j == nil {
		return err
	}
	if err := s.run(ctx, keep, j); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errReleased
	}
	return nil
}

// requeue hands back jobs whose lease ran out and queues a River job for
// every export job queued over a minute ago (its River job was lost, or it
// predates River; a duplicate finds the job taken and does nothing).
func (s *Service) requeue(ctx context.Context) error {
	now := s.now()
	var ids []int64
	if err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := s.recoverLeases(ctx, now); err != nil {
			return err
		}
		if err := s.db.Select(ctx, &ids, "SELECT id FROM export_jobs WHERE status = ? AND run_at <= ? ORDER BY id LIMIT 100",
			StatusQueued, now.Add(-time.Minute)); err != nil {
			return err
		}
		for _, id := range ids {
			if err := s.enqueueRun(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("requeue exports: %w", err)
	}
	return nil
}
