package asset

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/contract"
	"lingting/internal/importer"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// ImportKind is the device (机具) import run by the shared import job
// (POST /imports with kind=assets).
type ImportKind struct {
	s   *Service
	now func() time.Time
}

// Importer returns the device import kind of this service.
func (s *Service) Importer() *ImportKind { return &ImportKind{s: s, now: time.Now} }

// Label names the kind in audit summaries.
func (k *ImportKind) Label() string { return "机具" }

// Template writes the device import template.
func (k *ImportKind) Template(w io.Writer) error { return importer.AssetTemplate(w) }

// importRow is what validation stores for a row to apply.
type importRow struct {
	Input
}

// orgRef is an org resolved from a code.
type orgRef struct {
	ID   int64
	Kind org.Kind
	Path string
}

// contractRef is a contract resolved from its number.
type contractRef struct {
	ID          int64  `db:"id"`
	ClientOrgID int64  `db:"client_org_id"`
	VendorOrgID int64  `db:"vendor_org_id"`
	ClientPath  string `db:"client_path"`
	VendorPath  string `db:"vendor_path"`
}

// checker validates one file's rows for its creator.
type checker struct {
	k         *ImportKind
	h         importer.Header
	policy    string
	today     string
	orgs      map[string]*orgRef // code (upper case) → org in the creator's scope, nil if none
	vendors   map[string]*orgRef // code → vendor or station, nil if none
	contracts map[string]*contractRef
	seen      map[string]int // brand|serial → first line
}

// Begin maps the header and prepares the look-up caches.
func (k *ImportKind) Begin(_ context.Context, header []string, policy string) (importer.Checker, []importer.RowError, error) {
	h, errs := importer.MapHeader(importer.AssetColumns(), header)
	return &checker{k: k, h: h, policy: policy, today: importer.TodayIn(k.now()), orgs: map[string]*orgRef{}, vendors: map[string]*orgRef{},
		contracts: map[string]*contractRef{}, seen: map[string]int{}}, errs, nil
}

// orgByCode finds an org by exact code among those ctx may see.
func (k *ImportKind) orgByCode(ctx context.Context, code string) (*orgRef, error) {
	list, _, err := k.s.orgs.ListOrgs(ctx, org.OrgFilter{Q: code, Limit: 200})
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if strings.EqualFold(o.Code, code) {
			return &orgRef{ID: o.ID, Kind: o.Kind, Path: o.Path}, nil
		}
	}
	return nil, nil
}

// Check validates one row: cells, codes against the org tree and contracts
// (in the creator's scope), and duplicates by brand + serial in the file and
// in the archive.
func (c *checker) Check(ctx context.Context, line int, cells []string) (importer.Outcome, error) {
	r, errs := importer.ParseAssetRow(c.h, line, cells, c.today)
	bad := func(col, value, zh, en string) {
		errs = append(errs, importer.RowError{Line: line, Column: col, Value: value, Message: apperr.Msg{ZH: zh, EN: en}})
	}
	in := Input{Type: r.Type, Brand: r.Brand, Model: r.Model, Serial: r.Serial, Status: r.Status, Location: r.Location}
	if r.InstalledOn != "" {
		in.InstalledOn = &r.InstalledOn
	}
	if r.WarrantyUntil != "" {
		in.WarrantyUntil = &r.WarrantyUntil
	}
	var outlet, vendor *orgRef
	if r.OrgCode != "" {
		key := strings.ToUpper(r.OrgCode)
		o, seen := c.orgs[key]
		if !seen {
			var err error
			if o, err = c.k.orgByCode(ctx, r.OrgCode); err != nil {
				return importer.Outcome{}, err
			}
			c.orgs[key] = o
		}
		switch {
		case o == nil:
			bad(importer.ColAssetOrg, r.OrgCode, "机构编码不存在或不在您的数据范围内："+r.OrgCode, "unknown org code or outside your scope: "+r.OrgCode)
		case o.Kind == org.KindVendor || o.Kind == org.KindStation:
			bad(importer.ColAssetOrg, r.OrgCode, "所属网点须为客户机构，不能是服务商或服务站点："+r.OrgCode, "the owning org must be a client org, not a vendor or station: "+r.OrgCode)
		default:
			outlet, in.OrgID = o, o.ID
		}
	}
	if r.VendorCode != "" {
		key := strings.ToUpper(r.VendorCode)
		v, seen := c.vendors[key]
		if !seen {
			var err error
			// Vendors serve many clients and are usually outside the importer's scope.
			if v, err = c.k.orgByCode(scope.With(ctx, scope.System()), r.VendorCode); err != nil {
				return importer.Outcome{}, err
			}
			if v != nil && v.Kind != org.KindVendor && v.Kind != org.KindStation {
				v = nil
			}
			c.vendors[key] = v
		}
		if v == nil {
			bad(importer.ColAssetVendor, r.VendorCode, "服务商编码不存在，或不是服务商/服务站点："+r.VendorCode, "unknown vendor code, or not a vendor or station: "+r.VendorCode)
		} else {
			vendor, in.VendorOrgID = v, &v.ID
		}
	}
	if r.ContractCode != "" {
		k, seen := c.contracts[r.ContractCode]
		if !seen {
			var err error
			if k, err = c.k.s.contractByCode(ctx, r.ContractCode); err != nil {
				return importer.Outcome{}, err
			}
			c.contracts[r.ContractCode] = k
		}
		switch {
		case k == nil:
			bad(importer.ColAssetContract, r.ContractCode, "合同编号不存在或不在您的数据范围内："+r.ContractCode, "unknown contract number or outside your scope: "+r.ContractCode)
		case outlet != nil && !strings.HasPrefix(outlet.Path, k.ClientPath):
			bad(importer.ColAssetContract, r.ContractCode, "机具所在网点不属于合同甲方机构："+r.ContractCode, "the device's outlet is not under the contract's client: "+r.ContractCode)
		case vendor != nil && !strings.HasPrefix(vendor.Path, k.VendorPath):
			bad(importer.ColAssetContract, r.ContractCode, "服务商与合同乙方不一致："+r.ContractCode, "the servicing vendor is not the contract's vendor: "+r.ContractCode)
		default:
			in.ContractID = &k.ID
			if in.VendorOrgID == nil {
				in.VendorOrgID = &k.VendorOrgID // the contract's vendor services the device
			}
		}
	}
	out := importer.Outcome{Data: importRow{in}, Errors: errs}
	if len(errs) > 0 {
		out.Action = importer.ActionReject
		return out, nil
	}
	key := strings.ToUpper(in.Brand) + "|" + in.Serial
	if first, ok := c.seen[key]; ok {
		out.Duplicate = true
		if c.policy == "reject" {
			bad(importer.ColAssetSerial, in.Serial, fmt.Sprintf("与第 %d 行重复（品牌和序列号相同）", first), fmt.Sprintf("duplicates row %d (same brand and serial)", first))
			out.Action, out.Errors = importer.ActionReject, errs
		} else {
			out.Action = importer.ActionSkip
		}
		return out, nil
	}
	c.seen[key] = line
	var existing []struct {
		ID      int64 `db:"id"`
		Visible int   `db:"visible"`
	}
	pred, args := scope.From(ctx).Where(ScopeColumns)
	if err := c.k.s.db.Select(ctx, &existing, "SELECT a.id, CASE WHEN "+pred+" THEN 1 ELSE 0 END AS visible FROM assets a WHERE a.brand = ? AND a.serial = ?",
		append(args, in.Brand, in.Serial)...); err != nil {
		return out, err
	}
	if len(existing) == 0 {
		out.Action = importer.ActionInsert
		return out, nil
	}
	out.Duplicate, out.Target = true, existing[0].ID
	switch {
	case c.policy == "reject":
		bad(importer.ColAssetSerial, in.Serial, "档案中已有该机具（品牌和序列号相同）", "the device already exists in the archive (same brand and serial)")
		out.Action, out.Errors = importer.ActionReject, errs
	case c.policy == "update" && existing[0].Visible == 0:
		bad(importer.ColAssetSerial, in.Serial, "档案中已有该序列号的机具，但不在您的数据范围内，不能更新", "a device with this serial exists outside your scope; it cannot be updated")
		out.Action, out.Errors = importer.ActionReject, errs
	case c.policy == "update":
		out.Action = importer.ActionUpdate
	default:
		out.Action = importer.ActionSkip
	}
	return out, nil
}

// contractByCode finds a contract ctx may see by its number.
func (s *Service) contractByCode(ctx context.Context, code string) (*contractRef, error) {
	pred, args := scope.From(ctx).Where(contract.ScopeColumns)
	var k contractRef
	err := s.db.Get(ctx, &k, `SELECT k.id, k.client_org_id, k.vendor_org_id, c.path AS client_path, v.path AS vendor_path
		FROM contracts k JOIN orgs c ON c.id = k.client_org_id JOIN orgs v ON v.id = k.vendor_org_id WHERE k.code = ? AND `+pred, append([]any{code}, args...)...)
	if store.IsNoRows(err) {
		return nil, nil
	}
	return &k, err
}

// Apply inserts and updates the accepted rows inside the caller's transaction,
// re-checking what may have changed since validation under the applier's scope:
// the outlet must be visible, an updated device too, and a serial taken in the
// meantime fails the whole import.
func (k *ImportKind) Apply(ctx context.Context, importID int64, rows importer.RowSource) (inserted, updated int, err error) {
	visibleOrg := map[int64]bool{}
	err = rows(func(r importer.StagedRow) error {
		var row importRow
		if err := json.Unmarshal(r.Data, &row); err != nil {
			return err
		}
		in := row.Input
		if _, ok := visibleOrg[in.OrgID]; !ok {
			_, err := k.s.orgs.GetOrg(ctx, in.OrgID)
			visibleOrg[in.OrgID] = err == nil
		}
		if !visibleOrg[in.OrgID] {
			return importer.RowFailure(r.Line, apperr.Field("org_id", "所属机构不在您的数据范围内", "the owning org is outside your data scope"))
		}
		now := store.Now()
		if r.Action == importer.ActionUpdate && r.Target != nil {
			if _, err := k.s.Get(ctx, *r.Target); err != nil {
				return importer.RowFailure(r.Line, err)
			}
			_, err := k.s.db.Exec(ctx, `UPDATE assets SET type = ?, model = ?, org_id = ?, vendor_org_id = COALESCE(?, vendor_org_id), installed_on = COALESCE(?, installed_on),
				warranty_until = COALESCE(?, warranty_until), contract_id = COALESCE(?, contract_id), status = ?, location = CASE WHEN ? = '' THEN location ELSE ? END, updated_at = ? WHERE id = ?`,
				in.Type, in.Model, in.OrgID, in.VendorOrgID, in.InstalledOn, in.WarrantyUntil, in.ContractID, in.Status, in.Location, in.Location, now, *r.Target)
			if err != nil {
				return err
			}
			updated++
			return nil
		}
		id, err := k.s.db.InsertID(ctx, `INSERT INTO assets (code, type, brand, model, serial, org_id, vendor_org_id, installed_on, warranty_until, contract_id, status, location, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			fmt.Sprintf("~%d-%d", importID, r.Line), in.Type, in.Brand, in.Model, in.Serial, in.OrgID, in.VendorOrgID, in.InstalledOn, in.WarrantyUntil, in.ContractID, in.Status, in.Location, now, now)
		if store.IsUniqueViolation(err) {
			return importer.RowFailure(r.Line, apperr.Field("serial", "该品牌下序列号已存在："+in.Serial, "serial already exists for this brand: "+in.Serial))
		}
		if err != nil {
			return err
		}
		if _, err := k.s.db.Exec(ctx, "UPDATE assets SET code = ? WHERE id = ?", fmt.Sprintf("SB%07d", id), id); err != nil {
			return err
		}
		inserted++
		return nil
	})
	return inserted, updated, err
}
