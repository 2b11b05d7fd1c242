package analytics

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Roll-ups (DESIGN.md "Analytics at scale"). Every ticket contributes one row
// to each family of roll-ups, per report day (…_days) and per month
// (…_months): analytics_ticket_* is keyed by everything the reports group or
// filter by — the client org, servicing vendor and station, assignee, type,
// status, fault category, SLA policy and the device's type, brand, model,
// outlet and vendor — and the narrower families drop what makes rows many
// (rollFamilies), so a whole bank's year is thousands of rows. Engineers'
// field work also goes, per day, to analytics_engineer_days (and _org_days),
// and tickets on devices to analytics_asset_days (and _months). The ticket
// hook keeps them exact inside the ticket's transaction: the contribution of
// the ticket as it was before the change (SLAChange.Before) is subtracted and
// the new one added, so re-timed steps, reassignments and reopenings move a
// ticket between rows instead of counting it twice. A row whose count
// reaches zero is deleted.
//
// What the ticket row alone does not say is kept so that the subtraction
// always uses the key the ticket was added with: tickets.analytics_state is
// the SLA outcome the ticket was counted with (NULL: not counted yet), and
// analytics_assets the device's properties as first met.
//
// Tickets written without the hook (before migration 00018, or by a bulk
// loader) have a NULL analytics_state; Backfill counts them, and the reports
// call it (through catchUp) before they read, so a roll-up never misses one.

// rollKey is one row of the ticket roll-ups (Period: a day or a month).
type rollKey struct {
	Period                    int
	OrgID, VendorOrgID        int64
	StationID, AssigneeID     int64
	Type, Status              string
	CategoryID, PolicyID      int64
	AssetOrgID, AssetVendorID int64
	AssetType, AssetBrand     string
	AssetModel                string
}

// col is the value of a key column.
func (k *rollKey) col(name string) any {
	switch name {
	case "org_id":
		return k.OrgID
	case "vendor_org_id":
		return k.VendorOrgID
	case "station_id":
		return k.StationID
	case "assignee_id":
		return k.AssigneeID
	case "type":
		return k.Type
	case "status":
		return k.Status
	case "category_id":
		return k.CategoryID
	case "policy_id":
		return k.PolicyID
	case "asset_org_id":
		return k.AssetOrgID
	case "asset_vendor_id":
		return k.AssetVendorID
	case "asset_type":
		return k.AssetType
	case "asset_brand":
		return k.AssetBrand
	case "asset_model":
		return k.AssetModel
	}
	panic("analytics: no key column " + name)
}

// rollFamily is a family of roll-up tables (per day and per month) with a
// part of the key columns; AssetsOnly families hold tickets on devices only.
type rollFamily struct {
	Name       string
	Cols       []string
	AssetsOnly bool
	has        map[string]bool
}

func (f *rollFamily) table(grain string) string { return "analytics_" + f.Name + "_" + grain + "s" }

// project keeps the family's columns of a full key.
func (f *rollFamily) project(k rollKey) rollKey {
	p := rollKey{Period: k.Period, Type: k.Type, Status: k.Status}
	for _, c := range f.Cols {
		switch c {
		case "org_id":
			p.OrgID = k.OrgID
		case "vendor_org_id":
			p.VendorOrgID = k.VendorOrgID
		case "station_id":
			p.StationID = k.StationID
		case "assignee_id":
			p.AssigneeID = k.AssigneeID
		case "category_id":
			p.CategoryID = k.CategoryID
		case "policy_id":
			p.PolicyID = k.PolicyID
		case "asset_org_id":
			p.AssetOrgID = k.AssetOrgID
		case "asset_vendor_id":
			p.AssetVendorID = k.AssetVendorID
		case "asset_type":
			p.AssetType = k.AssetType
		case "asset_brand":
			p.AssetBrand = k.AssetBrand
		case "asset_model":
			p.AssetModel = k.AssetModel
		}
	}
	return p
}

// rollFamilies, narrowest first: a report reads the first one that has every
// column it needs. type and status are in all of them.
var rollFamilies = func() []*rollFamily {
	fs := []*rollFamily{
		{Name: "vendor", Cols: []string{"vendor_org_id", "station_id", "assignee_id", "type", "status", "policy_id", "category_id"}},
		{Name: "device", Cols: []string{"vendor_org_id", "station_id", "type", "status", "category_id", "asset_vendor_id", "asset_type", "asset_brand", "asset_model"}, AssetsOnly: true},
		{Name: "ticket", Cols: rollKeyCols},
	}
	for _, f := range fs {
		f.has = map[string]bool{}
		for _, c := range f.Cols {
			f.has[c] = true
		}
	}
	return fs
}()

// engFamilies are the engineer-day tables, without and with the client org.
var engFamilies = []struct {
	table string
	cols  []string
}{
	{"analytics_engineer_days", []string{"assignee_id", "vendor_org_id", "station_id", "type"}},
	{"analytics_engineer_org_days", []string{"assignee_id", "org_id", "vendor_org_id", "station_id", "type"}},
}

func compareRollKeys(a, b rollKey) int {
	return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.OrgID, b.OrgID), cmp.Compare(a.VendorOrgID, b.VendorOrgID),
		cmp.Compare(a.StationID, b.StationID), cmp.Compare(a.AssigneeID, b.AssigneeID), cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.Status, b.Status), cmp.Compare(a.CategoryID, b.CategoryID), cmp.Compare(a.PolicyID, b.PolicyID),
		cmp.Compare(a.AssetOrgID, b.AssetOrgID), cmp.Compare(a.AssetVendorID, b.AssetVendorID), cmp.Compare(a.AssetType, b.AssetType),
		cmp.Compare(a.AssetBrand, b.AssetBrand), cmp.Compare(a.AssetModel, b.AssetModel))
}

// rollMeasures are the additive figures of a roll-up row.
type rollMeasures struct {
	N                                  int64
	FaultN, FaultS, RespN, RespS       int64
	TravelN, TravelS, RepairN, RepairS int64
	WorkN, WorkS, DistN, DistM         int64
	HandleN, HandleS                   int64
	FRMet, FRLate, ARMet, ARLate       int64
	RSMet, RSLate                      int64
}

func (m *rollMeasures) fields() []*int64 {
	return []*int64{&m.N, &m.FaultN, &m.FaultS, &m.RespN, &m.RespS, &m.TravelN, &m.TravelS, &m.RepairN, &m.RepairS, &m.WorkN, &m.WorkS,
		&m.DistN, &m.DistM, &m.HandleN, &m.HandleS, &m.FRMet, &m.FRLate, &m.ARMet, &m.ARLate, &m.RSMet, &m.RSLate}
}

// add adds sign × b.
func (m *rollMeasures) add(b *rollMeasures, sign int64) {
	bf := b.fields()
	for i, p := range m.fields() {
		*p += sign * *bf[i]
	}
}

func (m *rollMeasures) zero() bool {
	for _, p := range m.fields() {
		if *p != 0 {
			return false
		}
	}
	return true
}

var (
	rollKeyCols = []string{"org_id", "vendor_org_id", "station_id", "assignee_id", "type", "status", "category_id", "policy_id",
		"asset_org_id", "asset_vendor_id", "asset_type", "asset_brand", "asset_model"}
	rollMeasureCols = []string{"n", "fault_n", "fault_s", "resp_n", "resp_s", "travel_n", "travel_s", "repair_n", "repair_s", "work_n", "work_s",
		"dist_n", "dist_m", "handle_n", "handle_s", "fr_met", "fr_late", "ar_met", "ar_late", "rs_met", "rs_late"}
	engMeasureCols = []string{"n", "work_s"}
)

// engKey is one row of analytics_engineer_days.
type engKey struct {
	Day                         int
	AssigneeID, OrgID, VendorID int64
	StationID                   int64
	Type                        string
}

func (k *engKey) col(name string) any {
	switch name {
	case "assignee_id":
		return k.AssigneeID
	case "org_id":
		return k.OrgID
	case "vendor_org_id":
		return k.VendorID
	case "station_id":
		return k.StationID
	case "type":
		return k.Type
	}
	panic("analytics: no engineer column " + name)
}

func compareEngKeys(a, b engKey) int {
	return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.AssigneeID, b.AssigneeID), cmp.Compare(a.OrgID, b.OrgID),
		cmp.Compare(a.VendorID, b.VendorID), cmp.Compare(a.StationID, b.StationID), cmp.Compare(a.Type, b.Type))
}

type engMeasures struct{ N, WorkS int64 }

// assetKey is one row of analytics_asset_days / _months: tickets per device
// (the dashboard's devices with most repairs).
type assetKey struct {
	Period                   int
	AssetID, OrgID, VendorID int64
	Type                     string
}

func compareAssetKeys(a, b assetKey) int {
	return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.AssetID, b.AssetID), cmp.Compare(a.OrgID, b.OrgID),
		cmp.Compare(a.VendorID, b.VendorID), cmp.Compare(a.Type, b.Type))
}

var assetKeyCols = []string{"asset_id", "org_id", "vendor_org_id", "type"}

// assetSnap is a device as the roll-ups count it.
type assetSnap struct {
	Type   string `db:"type"`
	Brand  string `db:"brand"`
	Model  string `db:"model"`
	OrgID  int64  `db:"org_id"`
	Vendor int64  `db:"vendor_org_id"`
}

// fact is what a ticket contributes from: its row and the SLA outcome.
type fact struct {
	ID          int64      `db:"id"`
	Type        string     `db:"type"`
	Status      string     `db:"status"`
	OrgID       int64      `db:"org_id"`
	VendorOrgID *int64     `db:"vendor_org_id"`
	StationID   *int64     `db:"station_id"`
	AssigneeID  *int64     `db:"assignee_id"`
	CategoryID  *int64     `db:"category_id"`
	AssetID     *int64     `db:"asset_id"`
	Day         int        `db:"day"`
	ReportedAt  time.Time  `db:"reported_at"`
	AssignedAt  *time.Time `db:"assigned_at"`
	DepartedAt  *time.Time `db:"departed_at"`
	ArrivedAt   *time.Time `db:"arrived_at"`
	RepairedAt  *time.Time `db:"repaired_at"`
	ResolvedAt  *time.Time `db:"resolved_at"`
	DistanceKM  *float64   `db:"distance_km"`
	PendingSecs int64      `db:"pending_seconds"`
}

func (s *Service) factOf(t *ticket.Ticket) fact {
	return fact{ID: t.ID, Type: t.Type, Status: t.Status, OrgID: t.OrgID, VendorOrgID: t.VendorOrgID, StationID: t.StationID,
		AssigneeID: t.AssigneeID, CategoryID: t.CategoryID, AssetID: t.AssetID, Day: s.day(t.ReportedAt), ReportedAt: t.ReportedAt,
		AssignedAt: t.AssignedAt, DepartedAt: t.DepartedAt, ArrivedAt: t.ArrivedAt, RepairedAt: t.RepairedAt, ResolvedAt: t.ResolvedAt,
		DistanceKM: t.DistanceKM, PendingSecs: int64(t.PendingSecs)}
}

// SLA outcomes of one target, two bits each in analytics_state.
const (
	slaMet  = 1
	slaLate = 2
)

// slaTargetBits orders the targets in analytics_state.
var slaTargetBits = map[string]uint{"first_response": 0, "arrival": 2, "resolution": 4}

// slaState encodes the policy and the met targets: policy × 64 + outcomes.
func slaState(policy int64, outcomes map[string]int) int64 {
	st := policy * 64
	for target, o := range outcomes {
		if shift, ok := slaTargetBits[target]; ok {
			st |= int64(o) << shift
		}
	}
	return st
}

// contribution is what one ticket adds to the roll-ups.
type contribution struct {
	key   rollKey // Period is the day
	m     rollMeasures
	eng   *engKey
	engM  engMeasures
	asset *assetKey
}

func epoch(t time.Time) int64 { return t.Unix() }

// metres turns a distance in km into whole metres, halves up (as METRES in SQL).
func metres(km float64) int64 { return int64(math.Floor(km*1000 + 0.5)) }

// contribute computes a ticket's contribution, as the raw queries did: fault
// reported → repaired (or resolved) less pending; response reported →
// assigned; travel departed → arrived; repair arrived → repaired; work
// departed → repaired less pending, never below zero; handling reported →
// resolved; distance in metres.
func contribute(f *fact, state int64, a *assetSnap) contribution {
	var c contribution
	id := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	c.key = rollKey{Period: f.Day, OrgID: f.OrgID, VendorOrgID: id(f.VendorOrgID), StationID: id(f.StationID), AssigneeID: id(f.AssigneeID),
		Type: f.Type, Status: f.Status, CategoryID: id(f.CategoryID), PolicyID: state / 64}
	if a != nil {
		c.key.AssetOrgID, c.key.AssetVendorID, c.key.AssetType, c.key.AssetBrand, c.key.AssetModel = a.OrgID, a.Vendor, a.Type, a.Brand, a.Model
	}
	m := &c.m
	m.N = 1
	rep := epoch(f.ReportedAt)
	switch {
	case f.RepairedAt != nil:
		m.FaultN, m.FaultS = 1, epoch(*f.RepairedAt)-rep-f.PendingSecs
	case f.ResolvedAt != nil:
		m.FaultN, m.FaultS = 1, epoch(*f.ResolvedAt)-rep-f.PendingSecs
	}
	if f.AssignedAt != nil {
		m.RespN, m.RespS = 1, epoch(*f.AssignedAt)-rep
	}
	if f.DepartedAt != nil && f.ArrivedAt != nil {
		m.TravelN, m.TravelS = 1, epoch(*f.ArrivedAt)-epoch(*f.DepartedAt)
	}
	if f.ArrivedAt != nil && f.RepairedAt != nil {
		m.RepairN, m.RepairS = 1, epoch(*f.RepairedAt)-epoch(*f.ArrivedAt)
	}
	if f.DepartedAt != nil && f.RepairedAt != nil {
		m.WorkN = 1
		if w := epoch(*f.RepairedAt) - epoch(*f.DepartedAt); w > f.PendingSecs {
			m.WorkS = w - f.PendingSecs
		}
		if f.AssigneeID != nil {
			c.eng = &engKey{Day: f.Day, AssigneeID: *f.AssigneeID, OrgID: f.OrgID, VendorID: id(f.VendorOrgID), StationID: id(f.StationID), Type: f.Type}
			c.engM = engMeasures{N: 1, WorkS: m.WorkS}
		}
	}
	if f.AssetID != nil {
		c.asset = &assetKey{Period: f.Day, AssetID: *f.AssetID, OrgID: f.OrgID, VendorID: id(f.VendorOrgID), Type: f.Type}
	}
	if f.DistanceKM != nil {
		m.DistN, m.DistM = 1, metres(*f.DistanceKM)
	}
	if f.ResolvedAt != nil {
		m.HandleN, m.HandleS = 1, epoch(*f.ResolvedAt)-rep
	}
	bits := state % 64
	for _, x := range []struct {
		shift     uint
		met, late *int64
	}{{0, &m.FRMet, &m.FRLate}, {2, &m.ARMet, &m.ARLate}, {4, &m.RSMet, &m.RSLate}} {
		switch (bits >> x.shift) & 3 {
		case slaMet:
			*x.met = 1
		case slaLate:
			*x.late = 1
		}
	}
	return c
}

// delta accumulates signed contributions per roll-up row: per family and
// grain (days, months), and per engineer table.
type delta struct {
	rows   [][2]map[rollKey]*rollMeasures // index of rollFamilies, then days / months
	eng    []map[engKey]*engMeasures      // index of engFamilies
	assets [2]map[assetKey]int64          // days, months
}

func newDelta() *delta {
	d := &delta{rows: make([][2]map[rollKey]*rollMeasures, len(rollFamilies)), eng: make([]map[engKey]*engMeasures, len(engFamilies))}
	for i := range d.rows {
		d.rows[i] = [2]map[rollKey]*rollMeasures{{}, {}}
	}
	for i := range d.eng {
		d.eng[i] = map[engKey]*engMeasures{}
	}
	d.assets = [2]map[assetKey]int64{{}, {}}
	return d
}

func (d *delta) add(c contribution, sign int64) {
	for i, fam := range rollFamilies {
		if fam.AssetsOnly && c.key.AssetOrgID == 0 {
			continue
		}
		day := fam.project(c.key)
		month := day
		month.Period /= 100
		for g, k := range []rollKey{day, month} {
			m := d.rows[i][g][k]
			if m == nil {
				m = &rollMeasures{}
				d.rows[i][g][k] = m
			}
			m.add(&c.m, sign)
		}
	}
	if c.asset != nil {
		k := *c.asset
		d.assets[0][k] += sign
		k.Period /= 100
		d.assets[1][k] += sign
	}
	if c.eng != nil {
		for i := range engFamilies {
			k := *c.eng
			if i == 0 {
				k.OrgID = 0
			}
			m := d.eng[i][k]
			if m == nil {
				m = &engMeasures{}
				d.eng[i][k] = m
			}
			m.N += sign * c.engM.N
			m.WorkS += sign * c.engM.WorkS
		}
	}
}

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
	if err := s.applyFaults(ctx, c.After.ID, before, &after); err != nil {
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
