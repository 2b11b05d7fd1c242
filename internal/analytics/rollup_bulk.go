package analytics

// Counting tickets into the roll-ups in bulk: tickets written without the
// hook (before the roll-ups existed, or by a bulk loader).

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"lingting/internal/store"
)

// backfillBatch is how many tickets one Backfill transaction counts.
const backfillBatch = 20000

// lockRollups is the PostgreSQL advisory lock between the hook (shared) and
// counting tickets in bulk (exclusive): the bulk statements touch many
// roll-up rows in their own order, so they never run next to a hook that
// could wait for one of them while holding another.
const lockRollups = int64(0x616e616c79) // "analy"

// Backfill counts the tickets the roll-ups do not hold yet (analytics_state
// NULL: created before the roll-ups existed, or written by a bulk loader such
// as ticket.BulkLoad), a batch per transaction, and answers how many it
// counted. It is idempotent and safe next to live ticket changes and other
// processes (see CountRange).
func (s *Service) Backfill(ctx context.Context) (int, error) {
	s.backfillMu.Lock()
	defer s.backfillMu.Unlock()
	total, start := 0, time.Now()
	defer func() {
		if total == 0 {
			return
		}
		slog.Info("analytics: tickets counted into the roll-ups", "tickets", total, "took", time.Since(start).Round(time.Millisecond))
		if s.db.Dialect == store.Postgres && total >= 10000 {
			// Counting rewrote many ticket rows: their old versions still sit
			// in the pending index (and slow its probe) until a vacuum.
			if _, err := s.db.Exec(context.WithoutCancel(ctx), "VACUUM (ANALYZE) tickets"); err != nil {
				slog.Warn("analytics: vacuum after counting", "err", err)
			}
		}
	}()
	var after int64
	for {
		var ids []int64
		if err := s.db.Select(ctx, &ids, "SELECT id FROM tickets WHERE analytics_state IS NULL AND id > ? ORDER BY id LIMIT 1", after); err != nil || len(ids) == 0 {
			return total, err
		}
		lo, hi := ids[0], int64(0)
		if err := s.db.Select(ctx, &ids, "SELECT id FROM tickets WHERE analytics_state IS NULL AND id >= ? ORDER BY id LIMIT 1 OFFSET ?", lo, backfillBatch-1); err != nil {
			return total, err
		}
		if len(ids) > 0 {
			hi = ids[0]
		} else if err := s.db.Get(ctx, &hi, "SELECT MAX(id) FROM tickets"); err != nil {
			return total, err
		}
		n, err := s.CountRange(ctx, lo, hi)
		if err != nil {
			return total, err
		}
		total += n
		after = hi
	}
}

// CountRange adds the tickets with ids from first to last that the roll-ups
// do not hold yet, in one transaction — the caller's, when ctx carries one:
// a bulk loader that calls it for each chunk it writes has its tickets in the
// reports the moment they commit. Tickets counted already, or being changed
// meanwhile (their hook counts them), are skipped; it answers how many it
// counted. The figures are summed in SQL, the same arithmetic as contribute.
func (s *Service) CountRange(ctx context.Context, first, last int64) (int, error) {
	counted := 0
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		b := s.bulkSQL()
		claim := "INSERT INTO analytics_claim (id, state) SELECT id, 0 FROM tickets WHERE id >= ? AND id <= ? AND analytics_state IS NULL"
		if s.db.Dialect == store.Postgres {
			if _, err := s.db.Exec(ctx, "SELECT pg_advisory_xact_lock(?)", lockRollups); err != nil {
				return err
			}
			claim += " FOR UPDATE SKIP LOCKED"
		} else {
			// A bigger page cache for the writer while counting in bulk.
			if _, err := s.db.Exec(ctx, "PRAGMA cache_size = -131072"); err != nil {
				return err
			}
			defer func() { _, _ = s.db.Exec(context.WithoutCancel(ctx), "PRAGMA cache_size = -2000") }()
		}
		for _, q := range []string{b.createClaim, b.create, "DELETE FROM analytics_claim", b.clear} {
			if _, err := s.db.Exec(ctx, q); err != nil {
				return err
			}
		}
		res, err := s.db.Exec(ctx, claim, first, last)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if n == 0 {
			return nil
		}
		counted = int(n)
		// The SLA outcome of the claimed tickets with a policy.
		var withSLA []int64
		if err := s.db.Select(ctx, &withSLA, `SELECT DISTINCT s.ticket_id FROM ticket_sla_targets s JOIN analytics_claim c ON c.id = s.ticket_id
			ORDER BY s.ticket_id`); err != nil {
			return err
		}
		for part := range slices.Chunk(withSLA, 5000) {
			states, err := s.slaStates(ctx, part)
			if err != nil {
				return err
			}
			byState := map[int64][]int64{}
			for _, id := range part {
				byState[states[id]] = append(byState[states[id]], id)
			}
			for _, st := range slices.Sorted(maps.Keys(byState)) {
				q, args, err := store.In("UPDATE analytics_claim SET state = ? WHERE id IN (?)", st, byState[st])
				if err != nil {
					return err
				}
				if _, err := s.db.Exec(ctx, q, args...); err != nil {
					return err
				}
			}
		}
		for _, q := range []string{
			`INSERT INTO analytics_assets (asset_id, type, brand, model, org_id, vendor_org_id)
			 SELECT id, type, brand, model, org_id, COALESCE(vendor_org_id, 0) FROM assets
			 WHERE id IN (SELECT t.asset_id FROM analytics_claim c JOIN tickets t ON t.id = c.id WHERE t.asset_id IS NOT NULL) ORDER BY id
			 ON CONFLICT (asset_id) DO NOTHING`,
			`INSERT INTO analytics_orgs (org_id) SELECT DISTINCT t.org_id FROM analytics_claim c JOIN tickets t ON t.id = c.id WHERE t.org_id > 0
			 ON CONFLICT (org_id) DO NOTHING`,
			b.fill,
		} {
			if _, err := s.db.Exec(ctx, q); err != nil {
				return err
			}
		}
		for _, q := range b.add {
			if _, err := s.db.Exec(ctx, q); err != nil {
				return err
			}
		}
		for _, q := range []string{"UPDATE tickets SET analytics_state = c.state FROM analytics_claim c WHERE tickets.id = c.id",
			"DELETE FROM analytics_claim", b.clear} {
			if _, err := s.db.Exec(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	return counted, err
}

// bulkStmts are the statements that count the claimed tickets (their ids
// and SLA state in the temporary table analytics_claim): each ticket's keys
// and figures are computed once into the temporary table analytics_batch,
// then added up into every roll-up table from there.
type bulkStmts struct {
	createClaim, create, fill, clear string
	add                              []string
}

// bulkSQL renders the bulk statements once.
func (s *Service) bulkSQL() *bulkStmts {
	s.bulkOnce.Do(func() {
		st := "c.state"
		keyExpr := map[string]string{"org_id": "t.org_id", "vendor_org_id": "COALESCE(t.vendor_org_id, 0)", "station_id": "COALESCE(t.station_id, 0)",
			"assignee_id": "COALESCE(t.assignee_id, 0)", "type": "t.type", "status": "t.status", "category_id": "COALESCE(t.category_id, 0)",
			"policy_id": st + " / 64", "asset_org_id": "COALESCE(a.org_id, 0)", "asset_vendor_id": "COALESCE(a.vendor_org_id, 0)",
			"asset_type": "COALESCE(a.type, '')", "asset_brand": "COALESCE(a.brand, '')", "asset_model": "COALESCE(a.model, '')"}
		sla := func(shift, outcome int) string {
			return fmt.Sprintf("CASE WHEN (%s / %d) %% 4 = %d THEN 1 ELSE 0 END", st, 1<<shift, outcome)
		}
		measures := []string{"1",
			"CASE WHEN t.repaired_at IS NOT NULL OR t.resolved_at IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.reported_at) - t.pending_seconds " +
				"WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) - t.pending_seconds ELSE 0 END",
			"CASE WHEN t.assigned_at IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.assigned_at IS NOT NULL THEN EPOCH(t.assigned_at) - EPOCH(t.reported_at) ELSE 0 END",
			"CASE WHEN t.departed_at IS NOT NULL AND t.arrived_at IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.departed_at IS NOT NULL AND t.arrived_at IS NOT NULL THEN EPOCH(t.arrived_at) - EPOCH(t.departed_at) ELSE 0 END",
			"CASE WHEN t.arrived_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.arrived_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN EPOCH(t.repaired_at) - EPOCH(t.arrived_at) ELSE 0 END",
			"CASE WHEN t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL AND EPOCH(t.repaired_at) - EPOCH(t.departed_at) > t.pending_seconds " +
				"THEN EPOCH(t.repaired_at) - EPOCH(t.departed_at) - t.pending_seconds ELSE 0 END",
			"CASE WHEN t.distance_km IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.distance_km IS NOT NULL THEN METRES(t.distance_km) ELSE 0 END",
			"CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.resolved_at IS NOT NULL THEN EPOCH(t.resolved_at) - EPOCH(t.reported_at) ELSE 0 END",
			sla(0, slaMet), sla(0, slaLate), sla(2, slaMet), sla(2, slaLate), sla(4, slaMet), sla(4, slaLate)}
		// The batch table: the day, every key, the figures, and two flags.
		cols := append(append([]string{"day"}, rollKeyCols...), rollMeasureCols...)
		cols = append(cols, "asset_id", "on_device", "field_work")
		exprs := []string{"t.day"}
		for _, c := range rollKeyCols {
			exprs = append(exprs, keyExpr[c])
		}
		exprs = append(exprs, measures...)
		exprs = append(exprs, "COALESCE(t.asset_id, 0)", "CASE WHEN t.asset_id IS NOT NULL THEN 1 ELSE 0 END",
			"CASE WHEN t.assignee_id IS NOT NULL AND t.departed_at IS NOT NULL AND t.repaired_at IS NOT NULL THEN 1 ELSE 0 END")
		var defs []string
		for _, c := range cols {
			typ := "BIGINT"
			switch c {
			case "type", "status", "asset_type", "asset_brand", "asset_model":
				typ = "TEXT"
			}
			defs = append(defs, c+" "+typ+" NOT NULL")
		}
		b := &bulkStmts{create: "CREATE TEMP TABLE IF NOT EXISTS analytics_batch (" + strings.Join(defs, ", ") + ")", clear: "DELETE FROM analytics_batch",
			createClaim: "CREATE TEMP TABLE IF NOT EXISTS analytics_claim (id BIGINT PRIMARY KEY, state BIGINT NOT NULL)"}
		if s.db.Dialect == store.Postgres {
			b.create += " ON COMMIT DELETE ROWS"
			b.createClaim += " ON COMMIT DELETE ROWS"
		}
		b.fill = expandSQL("INSERT INTO analytics_batch ("+strings.Join(cols, ", ")+") SELECT "+strings.Join(exprs, ", ")+
			" FROM analytics_claim c JOIN tickets t ON t.id = c.id LEFT JOIN analytics_assets a ON a.asset_id = t.asset_id", s.db.Dialect)
		upsert := func(table string, keyCols, keys, mcols, sums []string, where string) string {
			var set []string
			for _, c := range mcols {
				set = append(set, c+" = "+table+"."+c+" + excluded."+c)
			}
			return "INSERT INTO " + table + " (" + strings.Join(append(append([]string{}, keyCols...), mcols...), ", ") + ")\n" +
				"SELECT " + strings.Join(append(append([]string{}, keys...), sums...), ", ") + " FROM analytics_batch WHERE " + where +
				"\nGROUP BY " + strings.Join(keys, ", ") + " ORDER BY " + strings.Join(keys, ", ") +
				"\nON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
		}
		var sums []string
		for _, m := range rollMeasureCols {
			sums = append(sums, "SUM("+m+")")
		}
		for _, fam := range rollFamilies {
			where := "1=1"
			if fam.AssetsOnly {
				where = "on_device = 1"
			}
			for _, g := range []struct{ grain, period string }{{"day", "day"}, {"month", "day / 100"}} {
				b.add = append(b.add, upsert(fam.table(g.grain), append([]string{g.grain}, fam.Cols...), append([]string{g.period}, fam.Cols...),
					rollMeasureCols, sums, where))
			}
		}
		for _, g := range []struct{ grain, period string }{{"day", "day"}, {"month", "day / 100"}} {
			b.add = append(b.add, upsert("analytics_asset_"+g.grain+"s", append([]string{g.grain}, assetKeyCols...), append([]string{g.period}, assetKeyCols...),
				[]string{"n"}, []string{"COUNT(*)"}, "on_device = 1"))
		}
		b.add = append(b.add, faultBulkSQL()...)
		for _, ef := range engFamilies {
			keys := append([]string{"day"}, ef.cols...)
			b.add = append(b.add, upsert(ef.table, keys, keys, engMeasureCols, []string{"COUNT(*)", "SUM(work_s)"}, "field_work = 1"))
		}
		s.bulk = b
	})
	return s.bulk
}

// catchUp counts tickets written without the hook before a report reads the
// roll-ups (one probe of a partial index when there are none).
func (s *Service) catchUp(ctx context.Context) error {
	// Not an index-only scan: a plain index scan marks the entries of rows
	// counted since (dead versions, on PostgreSQL) so later probes skip them.
	var rows []struct {
		ID    int64  `db:"id"`
		State *int64 `db:"analytics_state"`
	}
	if err := s.db.Select(ctx, &rows, "SELECT id, analytics_state FROM tickets WHERE analytics_state IS NULL LIMIT 1"); err != nil || len(rows) == 0 {
		return err
	}
	_, err := s.Backfill(ctx)
	return err
}

// Pending answers how many tickets the roll-ups do not hold yet.
func (s *Service) Pending(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Get(ctx, &n, "SELECT count(*) FROM tickets WHERE analytics_state IS NULL")
	return n, err
}
