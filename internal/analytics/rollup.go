package analytics

import (
	"cmp"
	"math"
	"time"

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
//
// This file holds the keys, families and a ticket's contribution;
// rollup_hook.go writes them per ticket change, rollup_bulk.go in bulk,
// rollquery.go reads them, faultroll.go keeps the per-device roll-ups.

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
