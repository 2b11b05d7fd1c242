package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/riverqueue/river"

	"lingting/internal/jobs"
	"lingting/internal/notify"
	"lingting/internal/reportjob"
	"lingting/internal/sla"
)

// openJobs builds the job queue (River), registers every background job and
// opens it, so that what the demo loader and the services insert is kept.
func (a *App) openJobs(ctx context.Context) error {
	a.Jobs = jobs.New(a.DB, a.Config.DatabaseURL, jobs.Config{Poll: a.Config.JobPoll, Workers: a.Config.JobWorkers})
	notify.Register(a.Jobs, a.Notify)
	reportjob.Register(a.Jobs, a.ReportJobs)
	every := a.Config.SLAScanInterval
	if every <= 0 {
		every = 15 * time.Second
	}
	sla.Register(a.Jobs, a.SLATimers, every)
	jobs.Add(a.Jobs, &housekeepingWorker{a: a})
	a.Jobs.Every(10*time.Minute, HousekeepingArgs{})
	jobs.Add(a.Jobs, &deviceWatchWorker{a: a})
	a.Jobs.Every(time.Minute, DeviceWatchArgs{})
	jobs.Add(a.Jobs, &importWorker{a: a, worker: fmt.Sprintf("%s-%d", hostname(), os.Getpid())})
	a.Jobs.Every(5*time.Second, ImportArgs{})
	return a.Jobs.Open(ctx)
}

// HousekeepingArgs is the periodic job that purges expired sessions and the
// personal data of customers deleted long enough ago.
type HousekeepingArgs struct{}

// Kind names the job kind.
func (HousekeepingArgs) Kind() string { return "app.housekeeping" }

type housekeepingWorker struct {
	river.WorkerDefaults[HousekeepingArgs]
	a *App
}

func (w *housekeepingWorker) Work(ctx context.Context, _ *river.Job[HousekeepingArgs]) error {
	n, err := w.a.Auth.PurgeExpiredSessions(ctx)
	if err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	if n > 0 {
		slog.Info("purged expired sessions", "count", n)
	}
	purged, err := w.a.Customers.PurgeDeleted(ctx)
	if err != nil {
		return fmt.Errorf("purge deleted customers: %w", err)
	}
	if purged > 0 {
		slog.Info("purged personal data of deleted customers", "count", purged)
	}
	return nil
}

// DeviceWatchArgs is the periodic job that alerts administrators about
// rating devices gone offline, and opens the follow-ups of device ratings
// left in the rating outbox (by a crash after the commit, or a failure: the
// ingest batcher drains it right after every commit that queued one).
type DeviceWatchArgs struct{}

// Kind names the job kind.
func (DeviceWatchArgs) Kind() string { return "rating.device_watch" }

type deviceWatchWorker struct {
	river.WorkerDefaults[DeviceWatchArgs]
	a *App
}

func (w *deviceWatchWorker) Work(ctx context.Context, _ *river.Job[DeviceWatchArgs]) error {
	if _, err := w.a.Ratings.AlertOfflineDevices(ctx); err != nil {
		return fmt.Errorf("device watch: %w", err)
	}
	if _, err := w.a.Ratings.DrainFollowups(ctx); err != nil {
		return fmt.Errorf("rating follow-up outbox: %w", err)
	}
	return nil
}

// ImportArgs is the job that validates uploaded imports: inserted after an
// upload, and periodically for uploads left behind by a process that died.
// Claims in the database make each import's run exactly once.
type ImportArgs struct{}

// Kind names the job kind.
func (ImportArgs) Kind() string { return "customer.imports" }

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	a      *App
	worker string
}

// Timeout lets a large import's validation finish.
func (w *importWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return time.Hour }

func (w *importWorker) Work(ctx context.Context, _ *river.Job[ImportArgs]) error {
	return w.a.Customers.ProcessPending(ctx, w.worker)
}

// KickImports has the uploaded imports validated now.
func (a *App) KickImports() {
	if err := a.Jobs.Insert(context.Background(), ImportArgs{}, nil); err != nil {
		slog.Warn("import job", "err", err)
	}
}
