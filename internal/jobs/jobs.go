// Package jobs runs Lingting's background work on River (riverqueue.com), a
// maintained job library with drivers for both of our engines: riversqlite
// on the SQLite writer connection, riverpgxv5 on a small pgx pool.
//
// Work that follows a change (deliver a notification, render an export) is
// inserted as a job inside the change's transaction, so the job exists
// exactly when the change commits. Periodic work (the SLA scan, due report
// subscriptions, housekeeping) is a River periodic job: only the elected
// leader among the processes sharing a database inserts it, and each run is
// one job worked by one process. Workers still claim their rows with
// conditional updates, so a job that River runs twice (a process died while
// working it) repeats nothing that was recorded.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"lingting/internal/store"
)

// Config sizes the queue.
type Config struct {
	Workers int           // jobs worked at once by this process (default 16)
	Poll    time.Duration // how often to look for jobs other processes inserted (default 200 ms)
}

// Queue is the job queue of one process.
type Queue struct {
	db       *store.DB
	url      string
	cfg      Config
	workers  *river.Workers
	periodic []*river.PeriodicJob

	sqlite *river.Client[*sql.Tx]
	pg     *river.Client[pgx.Tx]
	pool   *pgxpool.Pool

	mu      sync.Mutex
	stopped chan struct{} // closed when the client of Start has stopped
}

// New prepares a queue on db, whose URL is dbURL (PostgreSQL opens its own
// pool for River). Register workers and periodic jobs, then Open.
func New(db *store.DB, dbURL string, cfg Config) *Queue {
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 200 * time.Millisecond
	}
	return &Queue{db: db, url: dbURL, cfg: cfg, workers: river.NewWorkers()}
}

// Add registers the worker of one kind of job. Call it before Open.
func Add[T river.JobArgs](q *Queue, w river.Worker[T]) { river.AddWorker(q.workers, w) }

// Every has args's job run every interval (first at start), by one process.
func (q *Queue) Every(interval time.Duration, args river.JobArgs) {
	q.periodic = append(q.periodic, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args, periodicOpts },
		&river.PeriodicJobOpts{ID: args.Kind(), RunOnStart: true}))
}

// periodicOpts keep runs of a periodic job from piling up behind a slow one
// (a run is skipped while another waits or runs) and drop a failed run
// instead of retrying it: the next period is the retry.
var periodicOpts = &river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}

// Open creates River's tables (its own migrations, versioned apart from
// ours) and the client. Jobs can be inserted from then on; they are worked
// once Start runs.
func (q *Queue) Open(ctx context.Context) error {
	cfg := &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.cfg.Workers}},
		Workers:           q.workers,
		PeriodicJobs:      q.periodic,
		FetchCooldown:     20 * time.Millisecond,
		FetchPollInterval: q.cfg.Poll,
		JobTimeout:        10 * time.Minute,
		Logger:            riverLogger(),
	}
	if q.db.Dialect == store.Postgres {
		pc, err := pgxpool.ParseConfig(q.url)
		if err != nil {
			return fmt.Errorf("jobs: %w", err)
		}
		pc.MaxConns = 4
		if q.pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			return fmt.Errorf("jobs: connect: %w", err)
		}
		drv := riverpgxv5.New(q.pool)
		if err := migrate(ctx, riverdriver.Driver[pgx.Tx](drv)); err != nil {
			return err
		}
		q.pg, err = river.NewClient(drv, cfg)
		return err
	}
	drv := riversqlite.New(q.db.Writer())
	if err := migrate(ctx, riverdriver.Driver[*sql.Tx](drv)); err != nil {
		return err
	}
	var err error
	q.sqlite, err = river.NewClient(drv, cfg)
	return err
}

func migrate[TTx any](ctx context.Context, drv riverdriver.Driver[TTx]) error {
	m, err := rivermigrate.New[TTx](drv, nil)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// Insert adds a job: inside the transaction in ctx when there is one (the
// job exists only if it commits), else on its own.
func (q *Queue) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	_, err := q.insert(ctx, args, opts)
	return err
}

func (q *Queue) insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	switch {
	case q.sqlite != nil:
		if tx := store.SQLTx(ctx); tx != nil {
			return q.sqlite.InsertTx(ctx, tx, args, opts)
		}
		return q.sqlite.Insert(ctx, args, opts)
	case q.pg != nil:
		if store.SQLTx(ctx) == nil {
			return q.pg.Insert(ctx, args, opts)
		}
		var res *rivertype.JobInsertResult
		err := store.Raw(ctx, func(dc any) error {
			c, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("jobs: unexpected driver connection %T", dc)
			}
			var err error
			res, err = q.pg.InsertTx(ctx, sessionTx{conn: c.Conn()}, args, opts)
			return err
		})
		return res, err
	}
	return nil, errors.New("jobs: the queue is not open")
}

// Start works jobs until ctx ends, then stops gracefully: running jobs get
// SoftStop time to finish, after which they are cancelled (River hands them
// back to be worked again).
func (q *Queue) Start(ctx context.Context) error {
	var start func(context.Context) error
	var stop func(context.Context) error
	switch {
	case q.sqlite != nil:
		start, stop = q.sqlite.Start, q.softStop(q.sqlite.Stop, q.sqlite.StopAndCancel)
	case q.pg != nil:
		start, stop = q.pg.Start, q.softStop(q.pg.Stop, q.pg.StopAndCancel)
	default:
		return errors.New("jobs: the queue is not open")
	}
	// River's own context must outlive ctx: its cancellation would stop
	// the client hard, before running jobs could record what they did.
	if err := start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	done := make(chan struct{})
	q.mu.Lock()
	q.stopped = done
	q.mu.Unlock()
	go func() {
		<-ctx.Done()
		if err := stop(context.Background()); err != nil {
			slog.Warn("jobs: stop", "err", err)
		}
		close(done)
	}()
	return nil
}

// SoftStop is how long running jobs may take to finish at a stop.
const SoftStop = 10 * time.Second

func (q *Queue) softStop(stop, cancel func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		soft, done := context.WithTimeout(ctx, SoftStop)
		defer done()
		if err := stop(soft); err == nil || !errors.Is(err, context.DeadlineExceeded) {
			return err
		}
		return cancel(ctx)
	}
}

// Wait returns once the client started by Start has stopped (at once when
// it never started).
func (q *Queue) Wait() {
	q.mu.Lock()
	done := q.stopped
	q.mu.Unlock()
	if done != nil {
		<-done
	}
}

// Close releases River's PostgreSQL pool; call it after Wait.
func (q *Queue) Close() {
	if q.pool != nil {
		q.pool.Close()
	}
}
