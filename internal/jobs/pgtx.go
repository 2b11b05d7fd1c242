package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// sessionTx presents the transaction a *pgx.Conn is already in (begun by
// database/sql in store.WithTx) as a pgx.Tx, so that River can insert jobs
// inside our transaction: a job then exists exactly when the change that
// asked for it commits. Begin nests with a savepoint; the outer transaction
// is never committed or rolled back here — store.WithTx owns it.
type sessionTx struct {
	conn  *pgx.Conn
	depth int // 0: the outer transaction; n: savepoint n
}

var errNotOwned = errors.New("jobs: the transaction belongs to store.WithTx")

func (t sessionTx) savepoint() string { return fmt.Sprintf("river_sp_%d", t.depth) }

func (t sessionTx) Begin(ctx context.Context) (pgx.Tx, error) {
	inner := sessionTx{conn: t.conn, depth: t.depth + 1}
	if _, err := t.conn.Exec(ctx, "SAVEPOINT "+inner.savepoint()); err != nil {
		return nil, err
	}
	return inner, nil
}

func (t sessionTx) Commit(ctx context.Context) error {
	if t.depth == 0 {
		return errNotOwned
	}
	_, err := t.conn.Exec(ctx, "RELEASE SAVEPOINT "+t.savepoint())
	return err
}

func (t sessionTx) Rollback(ctx context.Context) error {
	if t.depth == 0 {
		return errNotOwned
	}
	_, err := t.conn.Exec(ctx, "ROLLBACK TO SAVEPOINT "+t.savepoint())
	return err
}

func (t sessionTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, cols, src)
}

func (t sessionTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

func (t sessionTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t sessionTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t sessionTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}

func (t sessionTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

func (t sessionTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}

func (t sessionTx) Conn() *pgx.Conn { return t.conn }
