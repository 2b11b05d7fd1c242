package sla

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"lingting/internal/jobs"
)

// ScanArgs is the periodic River job that fires due warnings and
// escalations. River's leader inserts it every interval; one process works
// each run, and the firings table keeps every step exactly once even when
// runs overlap.
type ScanArgs struct{}

// Kind names the job kind.
func (ScanArgs) Kind() string { return "sla.scan" }

// Register has q run the scan every interval.
func Register(q *jobs.Queue, tm *Timers, every time.Duration) {
	jobs.Add(q, &scanWorker{tm: tm})
	q.Every(every, ScanArgs{})
}

type scanWorker struct {
	river.WorkerDefaults[ScanArgs]
	tm *Timers
}

func (w *scanWorker) Work(ctx context.Context, _ *river.Job[ScanArgs]) error {
	_, err := w.tm.Scan(ctx)
	return err
}
