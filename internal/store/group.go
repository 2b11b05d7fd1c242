package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit (SQLite): WithGroupTx runs fn in a transaction it may share
// with other WithGroupTx calls waiting at the same moment. SQLite has one
// writer, so concurrent writes queue for it anyway; run as one transaction,
// they pay one BEGIN and one COMMIT, and the pages they share (the tail of a
// table, of its indexes, of the audit log) are written to the WAL once.
//
// Each call is acknowledged only after the commit that holds its writes.
// Each runs inside a SAVEPOINT of its own: one that fails is rolled back to
// it alone and gets its own error, the others go on. If the commit itself
// fails (or a savepoint cannot be undone), every call whose work was in the
// transaction runs again alone, in a transaction of its own (WithTx), so one
// bad call never fails the others. fn must therefore, like any WithTx body,
// be safe to run again after a rollback.
//
// On PostgreSQL, and inside a transaction already in ctx, it is WithTx.

// groupMax bounds the calls of one group transaction.
const groupMax = 64

type groupMember struct {
	ctx  context.Context
	fn   func(ctx context.Context) error
	done chan groupResult
}

type groupResult struct {
	err   error
	alone bool // run again alone: the group's transaction did not commit
	panic any
}

type groupQueue struct {
	mu      sync.Mutex
	queue   []*groupMember
	running bool
	// shared transactions committed and the calls they held
	txs, calls atomic.Int64
}

// GroupStats reports how many shared transactions WithGroupTx committed and
// how many calls they held (calls/txs is the mean group size).
func (db *DB) GroupStats() (txs, calls int64) { return db.group.txs.Load(), db.group.calls.Load() }

// WithGroupTx runs fn in a transaction shared with other concurrent calls
// (SQLite; see above), returning once that transaction committed.
func (db *DB) WithGroupTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.Dialect != SQLite || txFrom(ctx) != nil {
		return db.WithTx(ctx, fn)
	}
	m := &groupMember{ctx: ctx, fn: fn, done: make(chan groupResult, 1)}
	g := &db.group
	g.mu.Lock()
	g.queue = append(g.queue, m)
	if !g.running {
		g.running = true
		go db.runGroups()
	}
	g.mu.Unlock()
	r := <-m.done
	switch {
	case r.panic != nil:
		panic(r.panic)
	case r.alone:
		return db.WithTx(ctx, fn)
	}
	return r.err
}

// runGroups runs queued calls, up to groupMax per transaction, until none wait.
func (db *DB) runGroups() {
	g := &db.group
	for {
		g.mu.Lock()
		batch := g.queue
		if len(batch) > groupMax {
			batch = batch[:groupMax]
		}
		g.queue = g.queue[len(batch):]
		if len(batch) == 0 {
			g.running = false
			g.queue = nil
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		db.runGroup(batch)
	}
}

// runGroup runs one batch in one transaction and acknowledges each member.
func (db *DB) runGroup(batch []*groupMember) {
	if len(batch) == 1 {
		// Nothing to share: the member's own transaction, with its own context.
		m := batch[0]
		var r groupResult
		func() {
			defer func() {
				if p := recover(); p != nil {
					r = groupResult{panic: p}
				}
			}()
			r.err = db.WithTx(m.ctx, m.fn)
		}()
		m.done <- r
		return
	}
	// The transaction outlives any one member's request.
	base := context.WithoutCancel(batch[0].ctx)
	t := &txState{}
	tx, err := db.w.BeginTxx(base, nil)
	if err != nil {
		for _, m := range batch {
			m.done <- groupResult{err: fmt.Errorf("store: begin: %w", err)}
		}
		return
	}
	t.tx = tx
	defer db.prepareAfter(base, t)
	results := make([]groupResult, len(batch))
	aborted := false
	for i, m := range batch {
		if err := m.ctx.Err(); err != nil {
			results[i].err = err
			continue
		}
		if _, err := tx.ExecContext(base, "SAVEPOINT lt_group"); err != nil {
			aborted = true
			break
		}
		p, err := runMember(context.WithValue(m.ctx, txKey{}, t), m.fn)
		if err == nil && p == nil {
			if _, err := tx.ExecContext(base, "RELEASE lt_group"); err != nil {
				aborted = true
				break
			}
			continue
		}
		results[i] = groupResult{err: err, panic: p}
		if _, err := tx.ExecContext(base, "ROLLBACK TO lt_group"); err != nil {
			aborted = true
			break
		}
		if _, err := tx.ExecContext(base, "RELEASE lt_group"); err != nil {
			aborted = true
			break
		}
	}
	if !aborted {
		if err := tx.Commit(); err != nil {
			aborted = true
		} else {
			db.group.txs.Add(1)
			db.group.calls.Add(int64(len(batch)))
		}
	}
	if aborted {
		_ = tx.Rollback()
		for i := range batch {
			if results[i].err == nil && results[i].panic == nil {
				// Its work is lost (or was never run): alone, in its own transaction.
				results[i] = groupResult{alone: true}
			}
		}
	}
	for i, m := range batch {
		m.done <- results[i]
	}
}

func runMember(ctx context.Context, fn func(ctx context.Context) error) (p any, err error) {
	defer func() {
		if r := recover(); r != nil {
			p = r
		}
	}()
	return nil, fn(ctx)
}
