package analytics

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"lingting/internal/store"
)

// The device roll-ups (migration 00029): tickets on devices per device, day
// (analytics_fault_days) and month (_months), with the client org, vendor,
// station, engineer and ticket type for scopes and filters, and the repairs'
// figures 异常服务 shows per device: count, fault and repair time summed and
// their maxima. A maximum cannot be taken back by subtraction, so the ticket
// hook does not add deltas here as it does for the other roll-ups: it
// recomputes every row the change touches (the ticket's key before and after)
// from the counted tickets of that device, day or month and key — a handful
// of rows through tickets_asset_day. Backfill adds tickets in bulk (sums
// added, maxima merged), like the other roll-ups.

// faultKey is one row of the device roll-ups (Period: a day or a month).
type faultKey struct {
	AssetID, OrgID, VendorID, StationID, AssigneeID int64
	Period                                          int
	Type                                            string
}

func compareFaultKeys(a, b faultKey) int {
	return cmp.Or(cmp.Compare(a.AssetID, b.AssetID), cmp.Compare(a.Period, b.Period), cmp.Compare(a.OrgID, b.OrgID),
		cmp.Compare(a.VendorID, b.VendorID), cmp.Compare(a.StationID, b.StationID), cmp.Compare(a.AssigneeID, b.AssigneeID),
		cmp.Compare(a.Type, b.Type))
}

// faultFamily names the device roll-up tables for Filter.sources.
var faultFamily = &rollFamily{Name: "fault"}

// lockFaultClass is the first key of the PostgreSQL advisory lock per device.
const lockFaultClass = 0x616e66 // "anf"

// faultRow is a recomputed row.
type faultRow struct {
	N          int64  `db:"n"`
	FaultS     int64  `db:"fault_s"`
	MaxFaultS  *int64 `db:"max_fault_s"`
	RepairS    int64  `db:"repair_s"`
	MaxRepairS *int64 `db:"max_repair_s"`
}

// applyFaults recomputes the device roll-up rows of the facts (a ticket as it
// was and as it is) from the tickets counted in the roll-ups, and the ticket
// itself (its analytics_state is set after this).
func (s *Service) applyFaults(ctx context.Context, ticketID int64, facts ...*fact) error {
	keys := map[faultKey]bool{}
	id := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	for _, f := range facts {
		if f == nil || f.AssetID == nil {
			continue
		}
		k := faultKey{AssetID: *f.AssetID, OrgID: f.OrgID, VendorID: id(f.VendorOrgID), StationID: id(f.StationID), AssigneeID: id(f.AssigneeID),
			Period: f.Day, Type: f.Type}
		keys[k] = true
		k.Period /= 100
		k.Period = -k.Period // months apart from days in one set
		keys[k] = true
	}
	if len(keys) == 0 {
		return nil
	}
	list := slices.SortedFunc(func(yield func(faultKey) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}, compareFaultKeys)
	if s.db.Dialect == store.Postgres {
		// Two changes on one device recompute its rows one after the other, the
		// second seeing the first's tickets (read committed: each statement
		// sees what committed before it began).
		var locked int64 = -1
		for _, k := range list {
			if k.AssetID != locked {
				if _, err := s.db.Exec(ctx, "SELECT pg_advisory_xact_lock(?, ?)", lockFaultClass, int32(k.AssetID)); err != nil {
					return err
				}
				locked = k.AssetID
			}
		}
	}
	recompute := s.sql("fault-recompute", nil)
	for _, k := range list {
		table, col, lo, hi := "analytics_fault_days", "day", k.Period, k.Period
		if k.Period < 0 {
			table, col = "analytics_fault_months", "month"
			m := -k.Period
			lo, hi = m*100, m*100+99
		}
		var r faultRow
		if err := s.db.Get(ctx, &r, recompute, k.AssetID, lo, hi, k.OrgID, k.VendorID, k.StationID, k.AssigneeID, k.Type, ticketID); err != nil {
			return err
		}
		period := k.Period
		if period < 0 {
			period = -period
		}
		key := []any{k.AssetID, period, k.OrgID, k.VendorID, k.StationID, k.AssigneeID, k.Type}
		keyCols := []string{"asset_id", col, "org_id", "vendor_org_id", "station_id", "assignee_id", "type"}
		if r.N == 0 {
			if _, err := s.db.Exec(ctx, "DELETE FROM "+table+" WHERE "+strings.Join(keyCols, " = ? AND ")+" = ?", key...); err != nil {
				return err
			}
			continue
		}
		q := "INSERT INTO " + table + " (" + strings.Join(keyCols, ", ") + ", n, fault_s, max_fault_s, repair_s, max_repair_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" +
			" ON CONFLICT (" + strings.Join(keyCols, ", ") + ") DO UPDATE SET n = excluded.n, fault_s = excluded.fault_s, max_fault_s = excluded.max_fault_s," +
			" repair_s = excluded.repair_s, max_repair_s = excluded.max_repair_s"
		if _, err := s.db.Exec(ctx, q, append(key, r.N, r.FaultS, r.MaxFaultS, r.RepairS, r.MaxRepairS)...); err != nil {
			return err
		}
	}
	return nil
}

// countFault adds a new ticket without fault or repair time (neither
// repaired nor resolved) to its device's day and month rows: one more, sums
// and maxima unchanged, which is what applyFaults would recompute from the
// device's tickets. On PostgreSQL it takes the device's lock as applyFaults
// does, so a concurrent recomputation of the same rows waits for this
// ticket's commit and then counts it.
func (s *Service) countFault(ctx context.Context, f *fact) error {
	if f.AssetID == nil {
		return nil
	}
	id := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	if s.db.Dialect == store.Postgres {
		if _, err := s.db.Exec(ctx, "SELECT pg_advisory_xact_lock(?, ?)", lockFaultClass, int32(*f.AssetID)); err != nil {
			return err
		}
	}
	for _, g := range []struct {
		table, col string
		period     int
	}{{"analytics_fault_days", "day", f.Day}, {"analytics_fault_months", "month", f.Day / 100}} {
		keyCols := "asset_id, " + g.col + ", org_id, vendor_org_id, station_id, assignee_id, type"
		q := "INSERT INTO " + g.table + " (" + keyCols + ", n, fault_s, max_fault_s, repair_s, max_repair_s) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, NULL, 0, NULL)" +
			" ON CONFLICT (" + keyCols + ") DO UPDATE SET n = " + g.table + ".n + 1"
		if _, err := s.db.Exec(ctx, q, *f.AssetID, g.period, f.OrgID, id(f.VendorOrgID), id(f.StationID), id(f.AssigneeID), f.Type); err != nil {
			return err
		}
	}
	return nil
}

// faultBulkSQL adds the batch's tickets on devices to the device roll-ups
// (Backfill): sums added, maxima merged (NULL: none yet).
func faultBulkSQL() []string {
	var out []string
	for _, g := range []struct{ grain, period string }{{"day", "day"}, {"month", "day / 100"}} {
		table := "analytics_fault_" + g.grain + "s"
		keyCols := []string{"asset_id", g.grain, "org_id", "vendor_org_id", "station_id", "assignee_id", "type"}
		keys := []string{"asset_id", g.period, "org_id", "vendor_org_id", "station_id", "assignee_id", "type"}
		greatest := func(c string) string {
			return c + " = CASE WHEN excluded." + c + " IS NULL OR " + table + "." + c + " >= excluded." + c + " THEN " + table + "." + c + " ELSE excluded." + c + " END"
		}
		out = append(out, "INSERT INTO "+table+" ("+strings.Join(keyCols, ", ")+", n, fault_s, max_fault_s, repair_s, max_repair_s)\n"+
			"SELECT "+strings.Join(keys, ", ")+", COUNT(*), SUM(fault_s), MAX(CASE WHEN fault_n = 1 THEN fault_s END), SUM(repair_s), MAX(CASE WHEN repair_n = 1 THEN repair_s END)"+
			" FROM analytics_batch WHERE on_device = 1\nGROUP BY "+strings.Join(keys, ", ")+" ORDER BY "+strings.Join(keys, ", ")+
			"\nON CONFLICT ("+strings.Join(keyCols, ", ")+") DO UPDATE SET n = "+table+".n + excluded.n, fault_s = "+table+".fault_s + excluded.fault_s, "+
			greatest("max_fault_s")+", repair_s = "+table+".repair_s + excluded.repair_s, "+greatest("max_repair_s"))
	}
	return out
}

// faultSelect renders the device roll-up rows of the period in the caller's
// scope and the filters (tickets of the fault type), grouped per device, as
// the FROM of a query: asset_id, repairs, fault_s, max_fault_s, repair_s,
// max_repair_s.
func (s *Service) faultSelect(ctx context.Context, f *Filter) (string, []any, error) {
	all, err := s.seesAll(ctx)
	if err != nil {
		return "", nil, err
	}
	g := *f
	g.Type, g.Brand, g.Model = "", "", "" // the device's as it is now, as the raw queries read it
	var branches []string
	var args []any
	for _, src := range f.sources(faultFamily) {
		w, wargs := rollWhere(ctx, &g, all)
		w += " AND " + src.where + " AND r.type = ?"
		wargs = append(append(wargs, src.args...), faultType(f))
		join := ""
		for _, x := range []struct{ col, v string }{{"a.type", f.Type}, {"a.brand", f.Brand}, {"a.model", f.Model}} {
			if x.v != "" {
				join = " JOIN assets a ON a.id = r.asset_id"
				w += " AND " + x.col + " = ?"
				wargs = append(wargs, x.v)
			}
		}
		branches = append(branches, "SELECT r.asset_id, r.n, r.fault_s, r.max_fault_s, r.repair_s, r.max_repair_s FROM "+src.table+" r"+join+" WHERE "+w)
		args = append(args, wargs...)
	}
	from := "(" + strings.Join(branches, " UNION ALL ") + ")"
	return `(SELECT r.asset_id AS asset_id, CAST(SUM(r.n) AS BIGINT) AS repairs, CAST(SUM(r.fault_s) AS BIGINT) AS fault_s,
		CAST(COALESCE(MAX(r.max_fault_s), 0) AS BIGINT) AS max_fault_s, CAST(SUM(r.repair_s) AS BIGINT) AS repair_s,
		CAST(COALESCE(MAX(r.max_repair_s), 0) AS BIGINT) AS max_repair_s
		FROM ` + from + ` r GROUP BY r.asset_id)`, args, nil
}
