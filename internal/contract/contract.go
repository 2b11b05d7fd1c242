// Package contract keeps service contracts (维保合同): which vendor services
// which client org's devices, for what period, under which commitments (mapped
// to an SLA policy).
package contract

import (
	"context"
	"encoding/json"
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
	{Code: "contract.read", Group: "contract", LabelZH: "查看合同", LabelEN: "View contracts"},
	{Code: "contract.create", Group: "contract", LabelZH: "新增合同", LabelEN: "Create contracts"},
	{Code: "contract.update", Group: "contract", LabelZH: "修改合同与覆盖设备", LabelEN: "Edit contracts and covered devices"},
}

// ScopeColumns: the client sees its contracts, the vendor its own.
var ScopeColumns = scope.Columns{Org: "k.client_org_id", Vendor: "k.vendor_org_id"}

// Commitments are the service promises of a contract, in business minutes.
type Commitments struct {
	ResponseMinutes   int    `json:"response_minutes,omitempty"`
	ArrivalMinutes    int    `json:"arrival_minutes,omitempty"`
	ResolutionMinutes int    `json:"resolution_minutes,omitempty"`
	Hours             string `json:"hours,omitempty"` // e.g. 5×8, 7×24
}

// Contract is one service contract.
type Contract struct {
	ID              int64       `db:"id" json:"id"`
	Code            string      `db:"code" json:"code"`
	Name            string      `db:"name" json:"name"`
	ClientOrgID     int64       `db:"client_org_id" json:"client_org_id"`
	ClientOrgName   string      `db:"client_org_name" json:"client_org_name"`
	VendorOrgID     int64       `db:"vendor_org_id" json:"vendor_org_id"`
	VendorOrgName   string      `db:"vendor_org_name" json:"vendor_org_name"`
	StartsOn        string      `db:"starts_on" json:"starts_on"`
	EndsOn          string      `db:"ends_on" json:"ends_on"`
	Status          string      `db:"-" json:"status"` // pending, active, expiring, expired
	DaysLeft        int         `db:"-" json:"days_left"`
	SLAPolicyID     *int64      `db:"sla_policy_id" json:"sla_policy_id"`
	CommitmentsJSON string      `db:"commitments" json:"-"`
	Commitments     Commitments `db:"-" json:"commitments"`
	Notes           string      `db:"notes" json:"notes"`
	Devices         int         `db:"devices" json:"devices"`
	CreatedAt       time.Time   `db:"created_at" json:"created_at"`
	UpdatedAt       time.Time   `db:"updated_at" json:"updated_at"`
}

// Input creates or changes a contract.
type Input struct {
	Code        string      `json:"code"`
	Name        string      `json:"name"`
	ClientOrgID int64       `json:"client_org_id"`
	VendorOrgID int64       `json:"vendor_org_id"`
	StartsOn    string      `json:"starts_on"`
	EndsOn      string      `json:"ends_on"`
	SLAPolicyID *int64      `json:"sla_policy_id"`
	Commitments Commitments `json:"commitments"`
	Notes       string      `json:"notes"`
}

// Filter narrows the contract list.
type Filter struct {
	ClientOrgID, VendorOrgID int64
	ExpiringWithin           int // days; 0 = any
	Status                   string
	Q                        string
	Limit, Offset            int
}

// ExpiringDays is the default of Service.ExpiringDays.
const ExpiringDays = 30

// Service keeps contracts.
type Service struct {
	db    *store.DB
	audit *audit.Log
	orgs  *org.Service
	now   func() time.Time
	// ExpiringDays: a contract ending within this many days shows as expiring
	// (LINGTING_CONTRACT_EXPIRING_DAYS).
	ExpiringDays int
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service) *Service {
	return &Service{db: db, audit: log, orgs: orgs, now: time.Now, ExpiringDays: ExpiringDays}
}

// ExpiringRange is the range of end dates (YYYY-MM-DD, inclusive) of contracts
// expiring within days (Service.ExpiringDays when 0): from today to today + days.
func (s *Service) ExpiringRange(days int) (from, to string) {
	if days <= 0 {
		days = s.ExpiringDays
	}
	today := s.today()
	t, _ := time.Parse(time.DateOnly, today)
	return today, t.AddDate(0, 0, days).Format(time.DateOnly)
}

const selectSQL = `SELECT k.id, k.code, k.name, k.client_org_id, c.name AS client_org_name, k.vendor_org_id, v.name AS vendor_org_name,
       k.starts_on, k.ends_on, k.sla_policy_id, k.commitments, k.notes, k.created_at, k.updated_at,
       (SELECT count(*) FROM assets a WHERE a.contract_id = k.id) AS devices
FROM contracts k JOIN orgs c ON c.id = k.client_org_id JOIN orgs v ON v.id = k.vendor_org_id`

func (s *Service) today() string {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		zone = time.FixedZone("CST", 8*3600)
	}
	return s.now().In(zone).Format(time.DateOnly)
}

func (s *Service) fill(k *Contract) {
	_ = json.Unmarshal([]byte(k.CommitmentsJSON), &k.Commitments)
	today := s.today()
	end, _ := time.Parse(time.DateOnly, k.EndsOn)
	now, _ := time.Parse(time.DateOnly, today)
	k.DaysLeft = int(end.Sub(now).Hours() / 24)
	switch {
	case today < k.StartsOn:
		k.Status = "pending"
	case today > k.EndsOn:
		k.Status = "expired"
	case k.DaysLeft <= s.ExpiringDays:
		k.Status = "expiring"
	default:
		k.Status = "active"
	}
}

func (s *Service) validate(ctx context.Context, in *Input) error {
	var v apperr.Validation
	in.Code, in.Name, in.Notes = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Notes)
	v.Required("code", in.Code)
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 100 {
		v.Add("name", "名称不能超过 100 字", "name must be at most 100 characters")
	}
	start, err1 := time.Parse(time.DateOnly, in.StartsOn)
	if err1 != nil {
		v.Add("starts_on", "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
	}
	end, err2 := time.Parse(time.DateOnly, in.EndsOn)
	if err2 != nil {
		v.Add("ends_on", "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
	}
	if err1 == nil && err2 == nil && end.Before(start) {
		v.Add("ends_on", "结束日期不能早于开始日期", "ends_on cannot be before starts_on")
	}
	if in.ClientOrgID == 0 {
		v.Add("client_org_id", "必填", "required")
	} else if o, err := s.orgs.GetOrg(ctx, in.ClientOrgID); err != nil {
		v.Add("client_org_id", "机构不存在或不在您的数据范围内", "org not found or outside your data scope")
	} else if o.Kind == org.KindVendor || o.Kind == org.KindStation {
		v.Add("client_org_id", "甲方须为客户机构", "the client must be a client org")
	}
	if in.VendorOrgID == 0 {
		v.Add("vendor_org_id", "必填", "required")
	} else if o, err := s.orgs.GetOrg(scope.With(ctx, scope.System()), in.VendorOrgID); err != nil || (o.Kind != org.KindVendor && o.Kind != org.KindStation) {
		v.Add("vendor_org_id", "乙方须为服务商或服务站点", "the vendor must be a vendor org or station")
	}
	c := in.Commitments
	for field, m := range map[string]int{"commitments.response_minutes": c.ResponseMinutes, "commitments.arrival_minutes": c.ArrivalMinutes, "commitments.resolution_minutes": c.ResolutionMinutes} {
		if m < 0 || m > 60*24*60 {
			v.Add(field, "须在 0 到 86400 分钟之间", "must be between 0 and 86400 minutes")
		}
	}
	if in.SLAPolicyID != nil {
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM sla_policies WHERE id = ?", *in.SLAPolicyID); err != nil || n == 0 {
			v.Add("sla_policy_id", "服务时限策略不存在", "unknown SLA policy")
		}
	}
	return v.Err()
}

// Create adds a contract; the caller must see the client org.
func (s *Service) Create(ctx context.Context, in Input) (*Contract, error) {
	if err := s.validate(ctx, &in); err != nil {
		return nil, err
	}
	var out *Contract
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := store.Now()
		b, _ := json.Marshal(in.Commitments)
		id, err := s.db.InsertID(ctx, `INSERT INTO contracts (code, name, client_org_id, vendor_org_id, starts_on, ends_on, sla_policy_id, commitments, notes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Code, in.Name, in.ClientOrgID, in.VendorOrgID, in.StartsOn, in.EndsOn, in.SLAPolicyID, string(b), in.Notes, now, now)
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "合同编号已存在", "contract code already exists")
		}
		if err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "contract", EntityID: id, OrgID: in.ClientOrgID, Summary: "新增合同 " + in.Code, After: out})
	})
	return out, err
}

// Update replaces a visible contract's fields.
func (s *Service) Update(ctx context.Context, id int64, in Input) (*Contract, error) {
	if err := s.validate(ctx, &in); err != nil {
		return nil, err
	}
	var out *Contract
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if before.VendorOrgID != in.VendorOrgID && before.Devices > 0 {
			return apperr.Field("vendor_org_id", "合同已覆盖设备，不能更换服务商", "the contract covers devices; its vendor cannot change")
		}
		b, _ := json.Marshal(in.Commitments)
		_, err = s.db.Exec(ctx, `UPDATE contracts SET code = ?, name = ?, client_org_id = ?, vendor_org_id = ?, starts_on = ?, ends_on = ?, sla_policy_id = ?,
			commitments = ?, notes = ?, updated_at = ? WHERE id = ?`, in.Code, in.Name, in.ClientOrgID, in.VendorOrgID, in.StartsOn, in.EndsOn, in.SLAPolicyID, string(b), in.Notes, store.Now(), id)
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "合同编号已存在", "contract code already exists")
		}
		if err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "contract", EntityID: id, OrgID: in.ClientOrgID, Summary: "修改合同 " + in.Code, Before: before, After: out})
	})
	return out, err
}

// Get returns a visible contract.
func (s *Service) Get(ctx context.Context, id int64) (*Contract, error) { return s.get(ctx, id, true) }

func (s *Service) get(ctx context.Context, id int64, scoped bool) (*Contract, error) {
	q, args := selectSQL+" WHERE k.id = ?", []any{id}
	if scoped {
		pred, a := scope.From(ctx).Where(ScopeColumns)
		q += " AND " + pred
		args = append(args, a...)
	}
	var k Contract
	err := s.db.Get(ctx, &k, q, args...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("合同", "contract")
	}
	if err != nil {
		return nil, err
	}
	s.fill(&k)
	return &k, nil
}

// List returns visible contracts, soonest ending first.
func (s *Service) List(ctx context.Context, f Filter) ([]Contract, int, error) {
	pred, args := scope.From(ctx).Where(ScopeColumns)
	w := " WHERE " + pred
	if f.ClientOrgID != 0 {
		w += " AND " + scope.InSubtree("k.client_org_id")
		args = append(args, f.ClientOrgID)
	}
	if f.VendorOrgID != 0 {
		w += " AND " + scope.InSubtree("k.vendor_org_id")
		args = append(args, f.VendorOrgID)
	}
	today := s.today()
	if f.ExpiringWithin > 0 && f.Status != "expiring" {
		from, to := s.ExpiringRange(f.ExpiringWithin)
		w += " AND k.ends_on >= ? AND k.ends_on <= ?"
		args = append(args, from, to)
	}
	switch f.Status {
	case "":
	case "expiring":
		// Started, and ending within expiring_within days (default ExpiringDays).
		from, to := s.ExpiringRange(f.ExpiringWithin)
		w += " AND k.starts_on <= ? AND k.ends_on >= ? AND k.ends_on <= ?"
		args = append(args, today, from, to)
	case "active":
		w += " AND k.starts_on <= ? AND k.ends_on >= ?"
		args = append(args, today, today)
	case "expired":
		w += " AND k.ends_on < ?"
		args = append(args, today)
	case "pending":
		w += " AND k.starts_on > ?"
		args = append(args, today)
	default:
		return nil, 0, apperr.Field("status", "状态只能是 active、expiring、expired 或 pending", "status must be active, expiring, expired or pending")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w += " AND (k.code = ? OR k.name LIKE ?)"
		args = append(args, q, "%"+q+"%")
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM contracts k"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Contract{}
	if err := s.db.Select(ctx, &out, selectSQL+w+" ORDER BY k.ends_on, k.id LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		s.fill(&out[i])
	}
	return out, total, nil
}

// Cover sets which devices a visible contract covers: each must stand in the
// client's subtree and be serviced by the contract's vendor (or one of its
// stations). Devices no longer listed lose the contract. One transaction, audited.
func (s *Service) Cover(ctx context.Context, id int64, assetIDs []int64) (*Contract, error) {
	if len(assetIDs) > 5000 {
		return nil, apperr.Field("asset_ids", "一次最多 5000 台设备", "at most 5000 devices at once")
	}
	var out *Contract
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		k, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		var v apperr.Validation
		for i, aid := range assetIDs {
			var ok int
			err := s.db.Get(ctx, &ok, `SELECT count(*) FROM assets a WHERE a.id = ?
				AND a.org_id IN (SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE id = ?) || '%')
				AND a.vendor_org_id IN (SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE id = ?) || '%')`, aid, k.ClientOrgID, k.VendorOrgID)
			if err != nil {
				return err
			}
			if ok == 0 {
				v.Add(fmt.Sprintf("asset_ids[%d]", i), "设备不存在，或不属于甲方机构、不由乙方维护", "the device does not exist, is not the client's or is not serviced by the vendor")
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := store.Now()
		if _, err := s.db.Exec(ctx, "UPDATE assets SET contract_id = NULL, updated_at = ? WHERE contract_id = ?", now, id); err != nil {
			return err
		}
		for _, aid := range assetIDs {
			if _, err := s.db.Exec(ctx, "UPDATE assets SET contract_id = ?, updated_at = ? WHERE id = ?", id, now, aid); err != nil {
				return err
			}
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "cover", Entity: "contract", EntityID: id, OrgID: k.ClientOrgID,
			Summary: fmt.Sprintf("合同 %s 覆盖设备 %d 台", k.Code, len(assetIDs)), Before: map[string]any{"devices": k.Devices}, After: map[string]any{"asset_ids": assetIDs}})
	})
	return out, err
}

// Device is a covered device, as the contract page lists it.
type Device struct {
	ID      int64  `db:"id" json:"id"`
	Code    string `db:"code" json:"code"`
	Type    string `db:"type" json:"type"`
	Brand   string `db:"brand" json:"brand"`
	Model   string `db:"model" json:"model"`
	Serial  string `db:"serial" json:"serial"`
	OrgID   int64  `db:"org_id" json:"org_id"`
	OrgName string `db:"org_name" json:"org_name"`
}

// Devices lists the devices a visible contract covers.
func (s *Service) Devices(ctx context.Context, id int64) ([]Device, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	out := []Device{}
	return out, s.db.Select(ctx, &out, `SELECT a.id, a.code, a.type, a.brand, a.model, a.serial, a.org_id, o.name AS org_name
		FROM assets a JOIN orgs o ON o.id = a.org_id WHERE a.contract_id = ? ORDER BY a.id`, id)
}
