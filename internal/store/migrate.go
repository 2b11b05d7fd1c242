package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrations embed.FS

func (db *DB) provider() (*goose.Provider, error) { return db.providerOn(db.w.DB) }

// providerOn builds the migration provider over a pool: the writer applies
// migrations, the reader answers readiness checks without waiting for writes.
func (db *DB) providerOn(pool *sql.DB) (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	// Several features land in parallel with reserved numbers, so a database
	// may have a later migration applied before an earlier one arrives: apply
	// the missing one rather than refuse to start.
	return goose.NewProvider(dialect, pool, sub, goose.WithAllowOutofOrder(true))
}

// Migrate applies every pending migration.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	return nil
}

// MigrationsCurrent reports whether the database is at the newest migration.
func (db *DB) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := db.providerOn(db.r.DB)
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, err
	}
	return !pending, nil
}

// ApplyMigration applies one migration up or down, whatever the others'
// state (tests re-run a migration's back-fill with it).
func (db *DB) ApplyMigration(ctx context.Context, version int64, up bool) error {
	p, err := db.provider()
	if err != nil {
		return err
	}
	if _, err := p.ApplyVersion(ctx, version, up); err != nil {
		return fmt.Errorf("store: migration %d: %w", version, err)
	}
	return nil
}
