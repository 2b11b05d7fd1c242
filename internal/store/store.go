// Package store opens SQLite or PostgreSQL behind one API, applies migrations,
// and runs queries with ? placeholders on both engines.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/jmoiron/sqlx"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine.
type Dialect string

// The supported engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application's database: one writer and a reader pool on SQLite,
// one pool for both on PostgreSQL.
type DB struct {
	Dialect Dialect
	w       *sqlx.DB
	r       *sqlx.DB
	wc, rc  *stmtCache // prepared statements per pool (stmtcache.go); nil: none

	// SQLite: the checkpointer's own connection (checkpoint.go).
	ck             *sqlx.DB
	ckStop, ckDone chan struct{}
	ckFrames       atomic.Int64

	group groupQueue // WithGroupTx's waiting calls (group.go)
}

// Open connects to the database named by a URL: sqlite://path/to/file.db or postgres://….
func Open(ctx context.Context, rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"), strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		return openSQLite(ctx, path)
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	}
	return nil, fmt.Errorf("store: unsupported database URL %q (want sqlite://… or postgres://…)", redact(rawURL))
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("store: empty sqlite path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
	}
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	// The writer takes the lock at BEGIN so a transaction never fails on upgrade.
	// The writer does not checkpoint on commit (checkpointer below does, in
	// the background) unless the WAL grew far beyond SQLite's 1,000 pages.
	w, err := sqlx.Open("sqlite", "file:"+path+"?"+pragmas+"&_txlock=immediate"+fmt.Sprintf("&_pragma=wal_autocheckpoint(%d)", walBackstopPages))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sqlx.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(4)
	// Keep every reader open: database/sql keeps 2 idle by default, so under
	// concurrency readers were closed and reopened (pragmas applied, prepared
	// statements lost) all the time.
	r.SetMaxIdleConns(4)
	ck, err := sqlx.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	ck.SetMaxOpenConns(1)
	ck.SetConnMaxIdleTime(0)
	db := &DB{Dialect: SQLite, w: w, r: r, ck: ck}
	if err := w.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	db.SetStmtCache(DefaultStmtCache)
	db.ckStop, db.ckDone = make(chan struct{}), make(chan struct{})
	go db.checkpointer(walCheckpointEvery)
	return db, nil
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	// Plans for the parameters at hand: pgx prepares statements, and after five
	// runs PostgreSQL may keep a generic plan that cannot use an index for
	// "LIKE $1" (a phone suffix: 10 s at 10^6 customers) nor see how many rows
	// an org or a status holds. A URL that sets plan_cache_mode keeps its value.
	if !strings.Contains(rawURL, "plan_cache_mode=") {
		rawURL += map[bool]string{true: "&", false: "?"}[strings.Contains(rawURL, "?")] + "plan_cache_mode=force_custom_plan"
	}
	p, err := sqlx.Open("pgx", rawURL)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(10)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("store: connect postgres %s: %w", redact(rawURL), err)
	}
	return &DB{Dialect: Postgres, w: p, r: p}, nil
}

// Close closes every pool.
func (db *DB) Close() error {
	db.SetStmtCache(0)
	var err error
	if db.ck != nil {
		if db.ckStop != nil {
			close(db.ckStop)
			<-db.ckDone
		}
		err = db.ck.Close()
	}
	err = errors.Join(err, db.w.Close())
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Writer exposes the writer pool (for migrations and metrics).
func (db *DB) Writer() *sql.DB { return db.w.DB }

// Reader exposes the reader pool (for metrics).
func (db *DB) Reader() *sql.DB { return db.r.DB }

// Ping checks the connection.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

type txKey struct{}

// InTx reports whether ctx carries a transaction (what is read there may
// still be rolled back).
func InTx(ctx context.Context) bool { return txFrom(ctx) != nil }

// WithTx runs fn in a transaction. A transaction already in ctx is joined, so
// services compose; only the outermost call commits.
func (db *DB) WithTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if txFrom(ctx) != nil {
		return fn(ctx)
	}
	t := &txState{}
	if db.Dialect == Postgres {
		// A transaction on a connection of its own, so that Raw can reach the
		// driver's connection (the job queue inserts through it).
		conn, err := db.w.Connx(ctx)
		if err != nil {
			return fmt.Errorf("store: connect: %w", err)
		}
		defer conn.Close()
		t.conn = conn
		t.tx, err = conn.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
	} else {
		t.tx, err = db.w.BeginTxx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
	}
	tx := t.tx
	// Statements this transaction met first are prepared once it is over,
	// committed or rolled back: deferred first so that it runs last, when
	// the writer connection is free again (on SQLite the pool has only it).
	defer db.prepareAfter(ctx, t)
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(context.WithValue(ctx, txKey{}, t)); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// SQLTx is the transaction in ctx, or nil outside one.
func SQLTx(ctx context.Context) *sql.Tx {
	if t := txFrom(ctx); t != nil {
		return t.tx.Tx
	}
	return nil
}

// Raw runs fn with the driver connection of the PostgreSQL transaction in
// ctx (a *stdlib.Conn of pgx): statements sent through it run inside that
// transaction. It fails outside a transaction and on SQLite.
func Raw(ctx context.Context, fn func(driverConn any) error) error {
	t := txFrom(ctx)
	if t == nil || t.conn == nil {
		return errors.New("store: no PostgreSQL transaction in the context")
	}
	return t.conn.Raw(fn)
}

// Rebind turns ? placeholders into the engine's form.
func (db *DB) Rebind(q string) string {
	if db.Dialect == Postgres {
		return sqlx.Rebind(sqlx.DOLLAR, q)
	}
	return q
}

// Get scans one row into dest; sql.ErrNoRows when there is none.
func (db *DB) Get(ctx context.Context, dest any, q string, args ...any) error {
	return db.getRow(ctx, false, dest, q, args...)
}

// Select scans every row into the slice dest.
func (db *DB) Select(ctx context.Context, dest any, q string, args ...any) error {
	return db.selectRows(ctx, dest, q, args...)
}

// Exec runs a statement on the writer (or the transaction in ctx).
func (db *DB) Exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = db.Rebind(q)
	if t := txFrom(ctx); t != nil {
		if st := db.txStmt(ctx, t, q); st != nil {
			defer st.Close()
			return st.ExecContext(ctx, args...)
		}
		return t.tx.ExecContext(ctx, q, args...)
	}
	if st := db.wc.get(ctx, q); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.w.ExecContext(ctx, q, args...)
}

// InsertID runs an INSERT … RETURNING id and returns the new id.
func (db *DB) InsertID(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := db.getRow(ctx, true, &id, q, args...)
	return id, err
}

// WriteGet runs a statement that returns one row on the writer (… RETURNING).
func (db *DB) WriteGet(ctx context.Context, dest any, q string, args ...any) error {
	return db.getRow(ctx, true, dest, q, args...)
}

// Lock takes a transaction-scoped lock on key, serialising writers of one
// resource (an org tree) across processes. It must run inside WithTx. On SQLite
// the single writer already serialises every write transaction.
func (db *DB) Lock(ctx context.Context, namespace uint16, key int64) error {
	if db.Dialect != Postgres {
		return nil
	}
	_, err := db.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", int64(namespace)<<48|key&(1<<48-1))
	return err
}

// In expands slice arguments of an IN (?) clause.
func In(q string, args ...any) (string, []any, error) { return sqlx.In(q, args...) }

// IsNoRows reports whether err means "no row".
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// IsUniqueViolation reports whether err is a unique-constraint violation on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// IsForeignKeyViolation reports whether err is a foreign-key violation on either engine.
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

// Now is the store's notion of the current instant: UTC, microsecond precision
// (what PostgreSQL keeps), so values round-trip identically on both engines.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Stmts caches prepared statements for batches that run the same SQL for every
// row. Inside a transaction they are prepared on it and close with it; outside,
// they are prepared on the reader pool and Close releases them.
type Stmts struct {
	byQuery map[string]*sqlx.Stmt
	pooled  []*sqlx.Stmt
}

// Close releases the statements prepared outside a transaction.
func (c *Stmts) Close() {
	for _, st := range c.pooled {
		_ = st.Close()
	}
	c.pooled = nil
}

// NewStmts returns an empty statement cache.
func NewStmts() *Stmts { return &Stmts{byQuery: map[string]*sqlx.Stmt{}} }

func (db *DB) stmt(ctx context.Context, c *Stmts, q string) (*sqlx.Stmt, error) {
	if st, ok := c.byQuery[q]; ok {
		return st, nil
	}
	var st *sqlx.Stmt
	var err error
	if t := txFrom(ctx); t != nil {
		st, err = t.tx.PreparexContext(ctx, db.Rebind(q))
	} else {
		st, err = db.r.PreparexContext(ctx, db.Rebind(q))
		if err == nil {
			c.pooled = append(c.pooled, st)
		}
	}
	if err != nil {
		return nil, err
	}
	c.byQuery[q] = st
	return st, nil
}

// ExecCached is Exec through a statement cache (plain Exec when c is nil).
func (db *DB) ExecCached(ctx context.Context, c *Stmts, q string, args ...any) (sql.Result, error) {
	if c == nil {
		return db.Exec(ctx, q, args...)
	}
	st, err := db.stmt(ctx, c, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// GetCached is Get through a statement cache (plain Get when c is nil).
func (db *DB) GetCached(ctx context.Context, c *Stmts, dest any, q string, args ...any) error {
	if c == nil {
		return db.Get(ctx, dest, q, args...)
	}
	st, err := db.stmt(ctx, c, q)
	if err != nil {
		return err
	}
	return st.GetContext(ctx, dest, args...)
}
