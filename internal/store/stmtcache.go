package store

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// The statement cache keeps one prepared statement per query text and pool,
// so that Get, Select, Exec, InsertID and WriteGet stop compiling the same
// SQL on every call. On SQLite (modernc.org/sqlite) compiling a statement was
// ~40 % of a small write transaction's CPU (docs/PERFORMANCE.md, issue #6).
//
// A database/sql Stmt is prepared on each pool connection the first time it
// runs there. Inside a transaction the pool statement is bound to the
// transaction's connection with Tx.StmtContext, which reuses the statement
// already prepared on that connection. A statement first met inside a
// transaction cannot be prepared on the pool then (the SQLite writer pool has
// one connection, held by that very transaction): it runs uncached, and is
// prepared on the pool when the outermost transaction has ended.
//
// On PostgreSQL pgx already keeps prepared statements per connection (its
// default statement cache), so the cache is off there unless SetStmtCache
// turns it on (the tests do, to hold both engines to the same contract).
//
// Only single DML statements are cached (SELECT, INSERT, UPDATE, DELETE,
// WITH), at most maxStmtText long, and at most limit of them per pool: past
// that, queries run as before. Statements are never closed while the DB is
// open, so a statement in use by another goroutine cannot be pulled away.
// No method of DB leaves rows open, so one connection never runs the same
// prepared statement twice at once.

// DefaultStmtCache is the number of statements cached per pool on SQLite.
const DefaultStmtCache = 1000

const maxStmtText = 8 << 10

type stmtCache struct {
	pool  *sqlx.DB
	limit int

	mu      sync.RWMutex
	byQuery map[string]*sqlx.Stmt
	refused map[string]bool // failed to prepare (e.g. several statements on PostgreSQL): run uncached
}

func newStmtCache(pool *sqlx.DB, limit int) *stmtCache {
	return &stmtCache{pool: pool, limit: limit, byQuery: map[string]*sqlx.Stmt{}, refused: map[string]bool{}}
}

// cacheable says whether q is worth a prepared statement.
func cacheable(q string) bool {
	if len(q) > maxStmtText {
		return false
	}
	q = strings.TrimLeft(q, " \t\r\n(")
	if len(q) < 6 {
		return false
	}
	switch strings.ToUpper(q[:4]) {
	case "SELE", "INSE", "UPDA", "DELE", "WITH":
		return true
	}
	return false
}

// lookup returns the cached statement of q, or nil.
func (c *stmtCache) lookup(q string) (st *sqlx.Stmt, known bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	st = c.byQuery[q]
	return st, st != nil || c.refused[q]
}

// get returns the statement of q, preparing it on the pool when it is new.
// nil: run q uncached.
func (c *stmtCache) get(ctx context.Context, q string) *sqlx.Stmt {
	if c == nil || !cacheable(q) {
		return nil
	}
	if st, known := c.lookup(q); known {
		return st
	}
	c.mu.RLock()
	full := len(c.byQuery)+len(c.refused) >= c.limit
	c.mu.RUnlock()
	if full {
		return nil
	}
	st, err := c.pool.PreparexContext(ctx, q)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			c.refused[q] = true
		}
		return nil
	}
	if old := c.byQuery[q]; old != nil { // prepared concurrently: keep the first
		_ = st.Close()
		return old
	}
	c.byQuery[q] = st
	return st
}

// cached returns the statement of q only if it is already prepared.
func (c *stmtCache) cached(q string) *sqlx.Stmt {
	if c == nil {
		return nil
	}
	st, _ := c.lookup(q)
	return st
}

func (c *stmtCache) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.byQuery)
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.byQuery {
		_ = st.Close()
		delete(c.byQuery, q)
	}
}

// SetStmtCache caches up to limit prepared statements per pool (0: none).
// Call it before the DB is in use.
func (db *DB) SetStmtCache(limit int) {
	db.wc.close()
	if db.rc != db.wc {
		db.rc.close()
	}
	db.wc, db.rc = nil, nil
	if limit <= 0 {
		return
	}
	db.wc = newStmtCache(db.w, limit)
	db.rc = db.wc
	if db.r != db.w {
		db.rc = newStmtCache(db.r, limit)
	}
}

// CachedStatements is the number of prepared statements cached on the
// writer and reader pools (for tests and metrics).
func (db *DB) CachedStatements() (writer, reader int) {
	return db.wc.len(), db.rc.len()
}

// txState is what a transaction carries for the statement cache.
type txState struct {
	tx      *sqlx.Tx
	conn    *sqlx.Conn // PostgreSQL: the connection the transaction runs on (see Raw)
	mu      sync.Mutex
	pending map[string]bool // texts to prepare on the writer pool after the transaction
}

func txFrom(ctx context.Context) *txState {
	st, _ := ctx.Value(txKey{}).(*txState)
	return st
}

// txStmt returns q bound to the transaction through the writer pool's cached
// statement, or nil (run it on tx directly). A text not prepared yet is noted
// for preparing once the transaction is over.
func (db *DB) txStmt(ctx context.Context, t *txState, q string) *sqlx.Stmt {
	if db.wc == nil || !cacheable(q) {
		return nil
	}
	if st := db.wc.cached(q); st != nil {
		return t.tx.StmtxContext(ctx, st)
	}
	t.mu.Lock()
	if t.pending == nil {
		t.pending = map[string]bool{}
	}
	t.pending[q] = true
	t.mu.Unlock()
	return nil
}

// prepareAfter prepares, on the writer pool, the statements a finished
// transaction met for the first time.
func (db *DB) prepareAfter(ctx context.Context, t *txState) {
	if db.wc == nil || len(t.pending) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for q := range t.pending {
		db.wc.get(ctx, q)
	}
}

// rowsQuery is a query on the transaction in ctx or on a pool, through the
// statement cache when it can.
func (db *DB) getRow(ctx context.Context, write bool, dest any, q string, args ...any) error {
	q = db.Rebind(q)
	if t := txFrom(ctx); t != nil {
		if st := db.txStmt(ctx, t, q); st != nil {
			defer st.Close()
			return st.GetContext(ctx, dest, args...)
		}
		return t.tx.GetContext(ctx, dest, q, args...)
	}
	pool, cache := db.r, db.rc
	if write {
		pool, cache = db.w, db.wc
	}
	if st := cache.get(ctx, q); st != nil {
		return st.GetContext(ctx, dest, args...)
	}
	return pool.GetContext(ctx, dest, q, args...)
}

func (db *DB) selectRows(ctx context.Context, dest any, q string, args ...any) error {
	q = db.Rebind(q)
	if t := txFrom(ctx); t != nil {
		if st := db.txStmt(ctx, t, q); st != nil {
			defer st.Close()
			return st.SelectContext(ctx, dest, args...)
		}
		return t.tx.SelectContext(ctx, dest, q, args...)
	}
	if st := db.rc.get(ctx, q); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return db.r.SelectContext(ctx, dest, q, args...)
}
