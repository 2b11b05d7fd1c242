// Package asset keeps the device archive (机具档案): where each device stands
// (owning outlet) and who services it (vendor org or station), which also
// decides who sees the device and its tickets.
package asset

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "asset.read", Group: "asset", LabelZH: "查看设备", LabelEN: "View devices"},
	{Code: "asset.create", Group: "asset", LabelZH: "新增设备", LabelEN: "Create devices"},
	{Code: "asset.update", Group: "asset", LabelZH: "修改设备", LabelEN: "Edit devices"},
}

// ScopeColumns are the scope columns of the assets table (alias a).
var ScopeColumns = scope.Columns{Org: "a.org_id", Vendor: "a.vendor_org_id"}

// Asset is one device.
type Asset struct {
	ID            int64     `db:"id" json:"id"`
	Code          string    `db:"code" json:"code"`
	Type          string    `db:"type" json:"type"`
	Brand         string    `db:"brand" json:"brand"`
	Model         string    `db:"model" json:"model"`
	Serial        string    `db:"serial" json:"serial"`
	OrgID         int64     `db:"org_id" json:"org_id"`
	OrgName       string    `db:"org_name" json:"org_name"`
	VendorOrgID   *int64    `db:"vendor_org_id" json:"vendor_org_id"`
	VendorOrgName *string   `db:"vendor_org_name" json:"vendor_org_name"`
	InstalledOn   *string   `db:"installed_on" json:"installed_on"`
	WarrantyUntil *string   `db:"warranty_until" json:"warranty_until"`
	ContractID    *int64    `db:"contract_id" json:"contract_id"`
	Status        string    `db:"status" json:"status"`
	Location      string    `db:"location" json:"location"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
}

// Input creates a device.
type Input struct {
	Type          string  `json:"type"`
	Brand         string  `json:"brand"`
	Model         string  `json:"model"`
	Serial        string  `json:"serial"`
	OrgID         int64   `json:"org_id"`
	VendorOrgID   *int64  `json:"vendor_org_id"`
	InstalledOn   *string `json:"installed_on"`
	WarrantyUntil *string `json:"warranty_until"`
	ContractID    *int64  `json:"contract_id"`
	Status        string  `json:"status"`
	Location      string  `json:"location"`
}

// Filter narrows the device list.
type Filter struct {
	Type, Brand, Model string
	OrgID, VendorOrgID int64 // subtrees
	ContractID         int64
	// ContractEndsFrom/To (YYYY-MM-DD): only devices whose contract ends in this
	// range (the expiring contracts' devices).
	ContractEndsFrom, ContractEndsTo string
	// What 机具分布 groups by, so its figures open the devices behind them:
	// the region of the device's org, the servicing org itself (a station,
	// not its subtree), the status, and the warranty on day Today ("in":
	// warranty_until >= Today, "out": before it; no end date is neither).
	Region    string
	StationID int64
	Status    string
	Warranty  string
	Today     string
	// What 运行情况 and 维护情况 count as a month's devices: not retired
	// (InUse) and installed by the end of month InstalledBy (YYYY-MM), or
	// installed on an unknown day.
	InUse         bool
	InstalledBy   string
	Q             string
	Limit, Offset int
}

// Service keeps devices.
type Service struct {
	db    *store.DB
	audit *audit.Log
	orgs  *org.Service
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service) *Service {
	return &Service{db: db, audit: log, orgs: orgs}
}

const selectSQL = `SELECT a.id, a.code, a.type, a.brand, a.model, a.serial, a.org_id, o.name AS org_name, a.vendor_org_id,
       v.name AS vendor_org_name, a.installed_on, a.warranty_until, a.contract_id, a.status, a.location, a.created_at, a.updated_at
FROM assets a JOIN orgs o ON o.id = a.org_id LEFT JOIN orgs v ON v.id = a.vendor_org_id`

var statuses = map[string]bool{"in_service": true, "faulty": true, "retired": true}

// Create adds a device at a visible outlet; the servicing org must be a vendor or station.
func (s *Service) Create(ctx context.Context, in Input) (*Asset, error) {
	var v apperr.Validation
	in.Type, in.Brand, in.Model, in.Serial = strings.TrimSpace(in.Type), strings.TrimSpace(in.Brand), strings.TrimSpace(in.Model), strings.TrimSpace(in.Serial)
	v.Required("type", in.Type)
	if in.Status == "" {
		in.Status = "in_service"
	}
	if !statuses[in.Status] {
		v.Add("status", "状态只能是 in_service、faulty、retired", "status must be in_service, faulty or retired")
	}
	for field, d := range map[string]*string{"installed_on": in.InstalledOn, "warranty_until": in.WarrantyUntil} {
		if d != nil && *d != "" {
			if _, err := time.Parse(time.DateOnly, *d); err != nil {
				v.Add(field, "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
			}
		}
	}
	if in.OrgID == 0 {
		v.Add("org_id", "必填", "required")
	} else if _, err := s.orgs.GetOrg(ctx, in.OrgID); err != nil {
		v.Add("org_id", "所属机构不存在或不在您的数据范围内", "org not found or outside your data scope")
	}
	if in.VendorOrgID != nil {
		o, err := s.orgs.GetOrg(scope.With(ctx, scope.System()), *in.VendorOrgID)
		if err != nil || (o.Kind != org.KindVendor && o.Kind != org.KindStation) {
			v.Add("vendor_org_id", "服务商须为服务商或服务站点", "the servicing org must be a vendor or a station")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Asset
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := store.Now()
		id, err := s.db.InsertID(ctx, `INSERT INTO assets (code, type, brand, model, serial, org_id, vendor_org_id, installed_on, warranty_until, contract_id, status, location, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			fmt.Sprintf("~%d", now.UnixNano()), in.Type, in.Brand, in.Model, in.Serial, in.OrgID, in.VendorOrgID, in.InstalledOn, in.WarrantyUntil, in.ContractID, in.Status, in.Location, now, now)
		if store.IsUniqueViolation(err) {
			var v apperr.Validation
			v.Add("serial", "该品牌下序列号已存在", "serial already exists for this brand")
			return v.Err()
		}
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE assets SET code = ? WHERE id = ?", fmt.Sprintf("SB%07d", id), id); err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "asset", EntityID: id, OrgID: in.OrgID, Summary: "新增设备 " + out.Code, After: out})
	})
	return out, err
}

// Get returns a visible device; not_found otherwise.
func (s *Service) Get(ctx context.Context, id int64) (*Asset, error) { return s.get(ctx, id, true) }

func (s *Service) get(ctx context.Context, id int64, scoped bool) (*Asset, error) {
	q, args := selectSQL+" WHERE a.id = ?", []any{id}
	if scoped {
		pred, a := scope.From(ctx).Where(ScopeColumns)
		q += " AND " + pred
		args = append(args, a...)
	}
	var a Asset
	err := s.db.Get(ctx, &a, q, args...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("设备", "device")
	}
	return &a, err
}

// List returns visible devices and their count.
func (s *Service) List(ctx context.Context, f Filter) ([]Asset, int, error) {
	pred, args := scope.From(ctx).Where(ScopeColumns)
	w := " WHERE " + pred
	for col, val := range map[string]string{"a.type": f.Type, "a.brand": f.Brand, "a.model": f.Model} {
		if val != "" {
			w += " AND " + col + " = ?"
			args = append(args, val)
		}
	}
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("a.org_id")
		args = append(args, f.OrgID)
	}
	if f.VendorOrgID != 0 {
		w += " AND " + scope.InSubtree("a.vendor_org_id")
		args = append(args, f.VendorOrgID)
	}
	if f.Region != "" {
		w += " AND a.org_id IN (SELECT r.id FROM orgs r WHERE r.region = ?)"
		args = append(args, f.Region)
	}
	if f.StationID != 0 {
		w += " AND a.vendor_org_id = ?"
		args = append(args, f.StationID)
	}
	if f.Status != "" {
		w += " AND a.status = ?"
		args = append(args, f.Status)
	}
	if f.InUse {
		w += " AND a.status <> 'retired'"
	}
	if f.InstalledBy != "" {
		w += " AND (LENGTH(COALESCE(a.installed_on, '')) < 7 OR SUBSTR(a.installed_on, 1, 7) <= ?)"
		args = append(args, f.InstalledBy)
	}
	switch f.Warranty {
	case "in":
		w += " AND a.warranty_until >= ?"
		args = append(args, f.Today)
	case "out":
		w += " AND a.warranty_until < ?"
		args = append(args, f.Today)
	}
	if f.ContractID != 0 {
		w += " AND a.contract_id = ?"
		args = append(args, f.ContractID)
	}
	if f.ContractEndsFrom != "" {
		w += " AND a.contract_id IN (SELECT k.id FROM contracts k WHERE k.starts_on <= ? AND k.ends_on >= ? AND k.ends_on <= ?)"
		args = append(args, f.ContractEndsFrom, f.ContractEndsFrom, f.ContractEndsTo)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w += " AND (a.code = ? OR a.serial = ? OR a.model LIKE ?)"
		args = append(args, strings.ToUpper(q), q, "%"+q+"%")
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM assets a"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Asset{}
	err := s.db.Select(ctx, &out, selectSQL+w+" ORDER BY a.id LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	return out, total, err
}
