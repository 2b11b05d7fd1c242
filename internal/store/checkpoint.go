package store

import (
	"context"
	"log/slog"
	"time"
)

// CheckpointedFrames says how many WAL frames the background checkpointer
// found copied into the database file so far (SQLite; tests).
func (db *DB) CheckpointedFrames() int64 { return db.ckFrames.Load() }

// WAL checkpoints on SQLite. By default the connection that commits copies the
// WAL back into the database file whenever the WAL passes 1,000 pages, inside
// its COMMIT: the transaction that happened to cross the line paid for the
// pages of all the ones before it (on the device-event path, about a tenth of
// a batch's time on average, all of it in the single writer). The writer now
// leaves that to a goroutine with its own connection, which runs a PASSIVE
// checkpoint (it never blocks the writer or readers, and copies only what no
// reader still needs) every walCheckpointEvery. The writer still checkpoints
// by itself past walBackstopPages, should the goroutine fall behind.
const (
	walCheckpointEvery = 200 * time.Millisecond
	walBackstopPages   = 10_000 // ~40 MB of 4 KiB pages
)

func (db *DB) checkpointer(every time.Duration) {
	defer close(db.ckDone)
	t := time.NewTicker(every)
	defer t.Stop()
	failed := false
	for {
		select {
		case <-db.ckStop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var busy, frames, copied int64
		err := db.ck.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		cancel()
		if err == nil && copied > 0 {
			db.ckFrames.Add(copied)
		}
		// Logged once per run of failures: the backstop keeps the WAL bounded.
		if err != nil && !failed {
			slog.Warn("store: background WAL checkpoint failed", "err", err)
		}
		failed = err != nil
	}
}
