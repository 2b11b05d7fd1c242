package analytics

// Writing the roll-ups, one ticket change at a time: the ticket hook moves
// the ticket's contribution (rollup.go) between rows inside the change's
// transaction.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"lingting/internal/store"
	"lingting/internal/ticket"
)

// TicketChanged is the ticket hook (internal/app installs it after the SLA
// timers, so the ticket's SLA targets are already up to date): it moves the
// ticket's contribution in the roll-ups, inside the change's transaction.
func (s *Service) TicketChanged(ctx context.Context, c ticket.SLAChange) error {
	if c.After == nil {
		return nil
	}
	if s.db.Dialect == store.Postgres {
		if _, err := s.db.Exec(ctx, "SELECT pg_advisory_xact_lock_shared(?)", lockRollups); err != nil {
			return err
		}
	}
	var old *int64
	if err := s.db.Get(ctx, &old, "SELECT analytics_state FROM tickets WHERE id = ?", c.After.ID); err != nil {
		return err
	}
	states, err := s.slaStates(ctx, []int64{c.After.ID})
	if err != nil {
		return err
	}
	state := states[c.After.ID]
	d := newDelta()
	after := s.factOf(c.After)
	snap, err := s.assetSnaps(ctx, []*fact{&after})
	if err != nil {
		return err
	}
	d.add(contribute(&after, state, snapOf(snap, after.AssetID)), 1)
	if old != nil && c.Before != nil {
		before := s.factOf(c.Before)
		if before.AssetID != nil && snap[*before.AssetID] == nil {
			if snap, err = s.assetSnaps(ctx, []*fact{&before, &after}); err != nil {
				return err
			}
		}
		d.add(contribute(&before, *old, snapOf(snap, before.AssetID)), -1)
	}
	if err := s.apply(ctx, d); err != nil {
		return err
	}
	var before *fact
	if c.Before != nil {
		b := s.factOf(c.Before)
		before = &b
	}
	if before == nil && old == nil && after.RepairedAt == nil && after.ResolvedAt == nil {
		// A new ticket not yet repaired or resolved adds one to its device
		// rows and nothing to their sums or maxima (its fault and repair
		// times are NULL): no recomputation from the device's tickets.
		err = s.countFault(ctx, &after)
	} else {
		err = s.applyFaults(ctx, c.After.ID, before, &after)
	}
	if err != nil {
		return err
	}
	if old == nil || c.Before == nil || c.Before.OrgID != c.After.OrgID {
		if err := s.noteOrgs(ctx, []int64{c.After.OrgID}); err != nil {
			return err
		}
	}
	if old == nil || *old != state {
		_, err = s.db.Exec(ctx, "UPDATE tickets SET analytics_state = ? WHERE id = ?", state, c.After.ID)
	}
	return err
}

func snapOf(m map[int64]*assetSnap, id *int64) *assetSnap {
	if id == nil {
		return nil
	}
	return m[*id]
}

type slaRow struct {
	TicketID int64      `db:"ticket_id"`
	Target   string     `db:"target"`
	PolicyID int64      `db:"policy_id"`
	DueAt    time.Time  `db:"due_at"`
	MetAt    *time.Time `db:"met_at"`
	Breached bool       `db:"breached"`
}

// slaStates reads the SLA outcome of tickets as analytics_state encodes it
// (0: no policy).
func (s *Service) slaStates(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	q, args, err := store.In("SELECT ticket_id, target, policy_id, due_at, met_at, breached FROM ticket_sla_targets WHERE ticket_id IN (?)", ids)
	if err != nil {
		return nil, err
	}
	var rows []slaRow
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	policy := map[int64]int64{}
	outcomes := map[int64]map[string]int{}
	for _, r := range rows {
		policy[r.TicketID] = r.PolicyID
		if outcomes[r.TicketID] == nil {
			outcomes[r.TicketID] = map[string]int{}
		}
		if r.MetAt != nil {
			o := slaMet
			if r.Breached || r.MetAt.After(r.DueAt) {
				o = slaLate
			}
			outcomes[r.TicketID][r.Target] = o
		}
	}
	for id, p := range policy {
		out[id] = slaState(p, outcomes[id])
	}
	return out, nil
}

// assetSnaps returns the roll-up properties of the facts' devices, taking a
// snapshot of each device analytics has not met before.
func (s *Service) assetSnaps(ctx context.Context, facts []*fact) (map[int64]*assetSnap, error) {
	ids := map[int64]bool{}
	for _, f := range facts {
		if f.AssetID != nil {
			ids[*f.AssetID] = true
		}
	}
	out := map[int64]*assetSnap{}
	if len(ids) == 0 {
		return out, nil
	}
	list := slices.Sorted(maps.Keys(ids))
	read := func() ([]int64, error) {
		q, args, err := store.In("SELECT asset_id, type, brand, model, org_id, vendor_org_id FROM analytics_assets WHERE asset_id IN (?)", list)
		if err != nil {
			return nil, err
		}
		var rows []struct {
			ID int64 `db:"asset_id"`
			assetSnap
		}
		if err := s.db.Select(ctx, &rows, q, args...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.ID] = &r.assetSnap
		}
		var missing []int64
		for _, id := range list {
			if out[id] == nil {
				missing = append(missing, id)
			}
		}
		return missing, nil
	}
	missing, err := read()
	if err != nil || len(missing) == 0 {
		return out, err
	}
	q, args, err := store.In(`INSERT INTO analytics_assets (asset_id, type, brand, model, org_id, vendor_org_id)
		SELECT id, type, brand, model, org_id, COALESCE(vendor_org_id, 0) FROM assets WHERE id IN (?) ORDER BY id
		ON CONFLICT (asset_id) DO NOTHING`, missing)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.Exec(ctx, q, args...); err != nil {
		return nil, err
	}
	if missing, err = read(); err == nil && len(missing) > 0 {
		err = fmt.Errorf("analytics: devices %v not found", missing)
	}
	return out, err
}

// apply writes one ticket change's delta to the roll-up tables: one
// multi-row upsert per table, rows in key order (so concurrent writers lock
// them in the same order), then the rows the ticket left are deleted if no
// ticket is left in them.
func (s *Service) apply(ctx context.Context, d *delta) error {
	for i, fam := range rollFamilies {
		for g, grain := range []string{"day", "month"} {
			rows := d.rows[i][g]
			keys := slices.SortedFunc(maps.Keys(rows), compareRollKeys)
			keys = slices.DeleteFunc(keys, func(k rollKey) bool { return rows[k].zero() })
			keyCols := append([]string{grain}, fam.Cols...)
			var args []any
			var left [][]any
			for _, k := range keys {
				key := []any{k.Period}
				for _, c := range fam.Cols {
					key = append(key, k.col(c))
				}
				args = append(args, key...)
				for _, p := range rows[k].fields() {
					args = append(args, *p)
				}
				if rows[k].N < 0 {
					left = append(left, key)
				}
			}
			if err := s.upsert(ctx, fam.table(grain), keyCols, rollMeasureCols, args, left); err != nil {
				return err
			}
		}
	}
	for g, grain := range []string{"day", "month"} {
		rows := d.assets[g]
		keys := slices.SortedFunc(maps.Keys(rows), compareAssetKeys)
		keys = slices.DeleteFunc(keys, func(k assetKey) bool { return rows[k] == 0 })
		var args []any
		var left [][]any
		for _, k := range keys {
			key := []any{k.Period, k.AssetID, k.OrgID, k.VendorID, k.Type}
			args = append(append(args, key...), rows[k])
			if rows[k] < 0 {
				left = append(left, key)
			}
		}
		if err := s.upsert(ctx, "analytics_asset_"+grain+"s", append([]string{grain}, assetKeyCols...), []string{"n"}, args, left); err != nil {
			return err
		}
	}
	for i, ef := range engFamilies {
		rows := d.eng[i]
		keys := slices.SortedFunc(maps.Keys(rows), compareEngKeys)
		keys = slices.DeleteFunc(keys, func(k engKey) bool { return *rows[k] == engMeasures{} })
		var args []any
		var left [][]any
		for _, k := range keys {
			key := []any{k.Day}
			for _, c := range ef.cols {
				key = append(key, k.col(c))
			}
			args = append(append(args, key...), rows[k].N, rows[k].WorkS)
			if rows[k].N < 0 {
				left = append(left, key)
			}
		}
		if err := s.upsert(ctx, ef.table, append([]string{"day"}, ef.cols...), engMeasureCols, args, left); err != nil {
			return err
		}
	}
	return nil
}

// upsert adds rows (key columns, then measures, in args) to a roll-up table,
// then deletes the rows of the keys in left whose count is zero.
func (s *Service) upsert(ctx context.Context, table string, keyCols, measureCols []string, args []any, left [][]any) error {
	if len(args) == 0 {
		return nil
	}
	cols := append(append([]string{}, keyCols...), measureCols...)
	var set []string
	for _, c := range measureCols {
		set = append(set, c+" = "+table+"."+c+" + excluded."+c)
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", len(args)/len(cols)), ", ") +
		" ON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO UPDATE SET " + strings.Join(set, ", ")
	if _, err := s.db.Exec(ctx, q, args...); err != nil {
		return err
	}
	if len(left) == 0 {
		return nil
	}
	match := "(" + strings.Join(keyCols, " = ? AND ") + " = ?)"
	var conds []string
	var dargs []any
	for _, k := range left {
		conds = append(conds, match)
		dargs = append(dargs, k...)
	}
	_, err := s.db.Exec(ctx, "DELETE FROM "+table+" WHERE n = 0 AND ("+strings.Join(conds, " OR ")+")", dargs...)
	return err
}

// noteOrgs records client orgs that have tickets (analytics_orgs).
func (s *Service) noteOrgs(ctx context.Context, ids []int64) error {
	for part := range slices.Chunk(ids, 1000) {
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		q := "INSERT INTO analytics_orgs (org_id) VALUES " + strings.TrimSuffix(strings.Repeat("(?), ", len(part)), ", ") + " ON CONFLICT (org_id) DO NOTHING"
		if _, err := s.db.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}
