package rating

import (
	"context"
	"regexp"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// BusinessType is a kind of counter business (业务类型).
type BusinessType struct {
	ID     int64  `db:"id" json:"id"`
	Code   string `db:"code" json:"code"`
	Name   string `db:"name" json:"name"`
	Active bool   `db:"active" json:"active"`
	Sort   int    `db:"sort" json:"sort"`
}

// BusinessTypeInput creates a business type.
type BusinessTypeInput struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Sort int    `json:"sort"`
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// BusinessTypes lists every business type (they are not scoped).
func (s *Service) BusinessTypes(ctx context.Context) ([]BusinessType, error) {
	out := []BusinessType{}
	return out, s.db.Select(ctx, &out, "SELECT id, code, name, active, sort FROM business_types ORDER BY sort, id")
}

// CreateBusinessType adds a business type.
func (s *Service) CreateBusinessType(ctx context.Context, in BusinessTypeInput) (*BusinessType, error) {
	var v apperr.Validation
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if !codePattern.MatchString(in.Code) {
		v.Add("code", "编码为 1–32 位字母、数字、- 或 _", "code is 1–32 letters, digits, - or _")
	}
	v.Required("name", in.Name)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out BusinessType
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		id, err := s.db.InsertID(ctx, "INSERT INTO business_types (code, name, sort, created_at) VALUES (?, ?, ?, ?) RETURNING id", in.Code, in.Name, in.Sort, store.Now())
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "编码已存在", "code already exists")
		}
		if err != nil {
			return err
		}
		if err := s.db.Get(ctx, &out, "SELECT id, code, name, active, sort FROM business_types WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "business_type", EntityID: id, Summary: "新增业务类型 " + in.Name, After: out})
	})
	return &out, err
}

func (s *Service) businessTypeID(ctx context.Context, code string) (int64, error) {
	var id int64
	err := s.db.Get(ctx, &id, "SELECT id FROM business_types WHERE code = ? AND active", code)
	if store.IsNoRows(err) {
		return 0, apperr.Field("business_type", "业务类型不存在："+code, "unknown business type: "+code)
	}
	return id, err
}

// Counter is a service window (窗口) at an outlet.
type Counter struct {
	ID               int64      `db:"id" json:"id"`
	OrgID            int64      `db:"org_id" json:"org_id"`
	OrgName          string     `db:"org_name" json:"org_name"`
	Code             string     `db:"code" json:"code"`
	Name             string     `db:"name" json:"name"`
	BusinessTypeID   *int64     `db:"business_type_id" json:"business_type_id"`
	BusinessTypeCode *string    `db:"business_type_code" json:"business_type_code"`
	BusinessTypeName *string    `db:"business_type_name" json:"business_type_name"`
	StaffID          *int64     `db:"staff_id" json:"staff_id"`
	StaffName        *string    `db:"staff_name" json:"staff_name"`
	SignedInAt       *time.Time `db:"signed_in_at" json:"signed_in_at"`
	Active           bool       `db:"active" json:"active"`
	CreatedAt        time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time  `db:"updated_at" json:"updated_at"`
}

// CounterInput creates a counter.
type CounterInput struct {
	OrgID          int64  `json:"org_id"`
	Code           string `json:"code"`
	Name           string `json:"name"`
	BusinessTypeID *int64 `json:"business_type_id"`
}

// CounterUpdate changes a counter.
type CounterUpdate struct {
	Name           *string `json:"name"`
	BusinessTypeID *int64  `json:"business_type_id"`
	Active         *bool   `json:"active"`
}

// CounterFilter narrows the counter list.
type CounterFilter struct {
	OrgID         int64 // subtree
	StaffID       int64
	Q             string
	Limit, Offset int
}

const counterSelect = `SELECT k.id, k.org_id, o.name AS org_name, k.code, k.name, k.business_type_id, bt.code AS business_type_code,
       bt.name AS business_type_name, k.staff_id, u.name AS staff_name, k.signed_in_at, k.active, k.created_at, k.updated_at
FROM counters k JOIN orgs o ON o.id = k.org_id LEFT JOIN business_types bt ON bt.id = k.business_type_id LEFT JOIN users u ON u.id = k.staff_id`

var counterScope = scope.Columns{Org: "k.org_id"}

// CreateCounter adds a counter at a visible outlet.
func (s *Service) CreateCounter(ctx context.Context, in CounterInput) (*Counter, error) {
	var v apperr.Validation
	in.Code, in.Name = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name)
	if !codePattern.MatchString(in.Code) {
		v.Add("code", "编码为 1–32 位字母、数字、- 或 _", "code is 1–32 letters, digits, - or _")
	}
	v.Required("name", in.Name)
	if in.OrgID == 0 {
		v.Add("org_id", "必填", "required")
	} else if _, err := s.orgs.GetOrg(ctx, in.OrgID); err != nil {
		v.Add("org_id", "机构不存在或不在您的数据范围内", "org not found or outside your data scope")
	}
	s.checkBusinessType(ctx, in.BusinessTypeID, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Counter
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := store.Now()
		id, err := s.db.InsertID(ctx, `INSERT INTO counters (org_id, code, name, business_type_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			in.OrgID, in.Code, in.Name, in.BusinessTypeID, now, now)
		if store.IsUniqueViolation(err) {
			return apperr.Field("code", "窗口编码已存在", "counter code already exists")
		}
		if err != nil {
			return err
		}
		if out, err = s.counter(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "counter", EntityID: id, OrgID: in.OrgID, Summary: "新增窗口 " + in.Name, After: out})
	})
	return out, err
}

func (s *Service) checkBusinessType(ctx context.Context, id *int64, v *apperr.Validation) {
	if id == nil {
		return
	}
	var n int
	if err := s.db.Get(ctx, &n, "SELECT count(*) FROM business_types WHERE id = ?", *id); err != nil || n == 0 {
		v.Add("business_type_id", "业务类型不存在", "unknown business type")
	}
}

// UpdateCounter changes a visible counter.
func (s *Service) UpdateCounter(ctx context.Context, id int64, in CounterUpdate) (*Counter, error) {
	var v apperr.Validation
	if in.Name != nil {
		*in.Name = strings.TrimSpace(*in.Name)
		v.Required("name", *in.Name)
	}
	s.checkBusinessType(ctx, in.BusinessTypeID, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Counter
	s.devices.clear() // cached devices carry the counter's name
	defer s.devices.clear()
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.Counter(ctx, id)
		if err != nil {
			return err
		}
		name, bt, active := before.Name, before.BusinessTypeID, before.Active
		if in.Name != nil {
			name = *in.Name
		}
		if in.BusinessTypeID != nil {
			bt = in.BusinessTypeID
		}
		if in.Active != nil {
			active = *in.Active
		}
		if _, err := s.db.Exec(ctx, "UPDATE counters SET name = ?, business_type_id = ?, active = ?, updated_at = ? WHERE id = ?", name, bt, active, store.Now(), id); err != nil {
			return err
		}
		if out, err = s.counter(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "update", Entity: "counter", EntityID: id, OrgID: out.OrgID, Summary: "修改窗口 " + out.Name, Before: before, After: out})
	})
	return out, err
}

// Counter returns a visible counter; not_found otherwise.
func (s *Service) Counter(ctx context.Context, id int64) (*Counter, error) {
	return s.counter(ctx, id, true)
}

func (s *Service) counter(ctx context.Context, id int64, scoped bool) (*Counter, error) {
	q, args := counterSelect+" WHERE k.id = ?", []any{id}
	if scoped {
		pred, a := scope.From(ctx).Where(counterScope)
		q += " AND " + pred
		args = append(args, a...)
	}
	var c Counter
	err := s.db.Get(ctx, &c, q, args...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("窗口", "counter")
	}
	return &c, err
}

// counterCore reads what starting a session needs of a counter (no names:
// the joins cost a device's every session_start more than the rest of it).
func (s *Service) counterCore(ctx context.Context, id int64) (*Counter, error) {
	var c Counter
	err := s.db.Get(ctx, &c, "SELECT id, org_id, business_type_id, staff_id, active FROM counters WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("窗口", "counter")
	}
	return &c, err
}

// CounterByCode finds a counter by its code regardless of scope (kiosk pairing).
func (s *Service) CounterByCode(ctx context.Context, code string) (*Counter, error) {
	var c Counter
	err := s.db.Get(ctx, &c, counterSelect+" WHERE k.code = ?", code)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("窗口", "counter")
	}
	return &c, err
}

// Counters lists visible counters.
func (s *Service) Counters(ctx context.Context, f CounterFilter) ([]Counter, int, error) {
	pred, args := scope.From(ctx).Where(counterScope)
	w := " WHERE " + pred
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("k.org_id")
		args = append(args, f.OrgID)
	}
	if f.StaffID != 0 {
		w += " AND k.staff_id = ?"
		args = append(args, f.StaffID)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w += " AND (k.code = ? OR k.name LIKE ?)"
		args = append(args, q, "%"+q+"%")
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM counters k"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Counter{}
	err := s.db.Select(ctx, &out, counterSelect+w+" ORDER BY k.org_id, k.code LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// SignIn puts staffID at a visible counter (replacing whoever was there) and
// takes them off any other counter: one person, one counter.
func (s *Service) SignIn(ctx context.Context, counterID, staffID int64) (*Counter, error) {
	var out *Counter
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.Counter(ctx, counterID)
		if err != nil {
			return err
		}
		if !c.Active {
			return apperr.New(apperr.Conflict, "窗口已停用", "the counter is disabled")
		}
		u, err := s.orgs.GetUser(ctx, staffID)
		if err != nil {
			return apperr.Field("staff_id", "员工不存在或不在您的数据范围内", "staff member not found or outside your data scope")
		}
		now := store.Now()
		if _, err := s.db.Exec(ctx, "UPDATE counters SET staff_id = NULL, signed_in_at = NULL, updated_at = ? WHERE staff_id = ? AND id <> ?", now, staffID, counterID); err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE counters SET staff_id = ?, signed_in_at = ?, updated_at = ? WHERE id = ?", staffID, now, now, counterID); err != nil {
			return err
		}
		if out, err = s.counter(ctx, counterID, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "sign_in", Entity: "counter", EntityID: counterID, OrgID: c.OrgID, Summary: u.Name + " 签到 " + c.Name})
	})
	return out, err
}

// SignOut clears a visible counter.
func (s *Service) SignOut(ctx context.Context, counterID int64) (*Counter, error) {
	var out *Counter
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.Counter(ctx, counterID)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE counters SET staff_id = NULL, signed_in_at = NULL, updated_at = ? WHERE id = ?", store.Now(), counterID); err != nil {
			return err
		}
		if out, err = s.counter(ctx, counterID, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "sign_out", Entity: "counter", EntityID: counterID, OrgID: c.OrgID, Summary: "签退 " + c.Name})
	})
	return out, err
}
