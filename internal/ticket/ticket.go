package ticket

import (
	"context"
	"encoding/json"
	"time"

	"lingting/internal/asset"
	"lingting/internal/audit"
	"lingting/internal/customer"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "ticket.read", Group: "ticket", LabelZH: "查看工单", LabelEN: "View tickets"},
	{Code: "ticket.create", Group: "ticket", LabelZH: "新建工单", LabelEN: "Create tickets"},
	{Code: "ticket.update", Group: "ticket", LabelZH: "处理工单（状态、现场记录）", LabelEN: "Work tickets (status, field events)"},
	{Code: "ticket.assign", Group: "ticket", LabelZH: "派单", LabelEN: "Assign tickets"},
	{Code: "ticket.comment", Group: "ticket", LabelZH: "评论工单", LabelEN: "Comment on tickets"},
	{Code: "ticket.type.manage", Group: "ticket", LabelZH: "管理工单类型（自定义字段、工作流）", LabelEN: "Manage ticket types (custom fields, workflows)"},
}

// Priorities of tickets.
var priorities = map[string]bool{"low": true, "normal": true, "high": true, "urgent": true}

// ScopeColumns: a ticket belongs to the client org where the work is (org_id) and
// to the vendor org or station that services it (vendor_org_id); an engineer
// with the self scope sees what is assigned to them.
var ScopeColumns = scope.Columns{Org: "t.org_id", Vendor: "t.vendor_org_id", Self: "t.assignee_id"}

// Durations are derived from the timeline, in minutes, for analytics.
type Durations struct {
	ResponseMinutes *int `json:"response_minutes"` // reported → assigned
	TravelMinutes   *int `json:"travel_minutes"`   // departed → arrived (出发 → 到达)
	RepairMinutes   *int `json:"repair_minutes"`   // arrived → repaired (到达 → 修复)
	FaultMinutes    *int `json:"fault_minutes"`    // reported → repaired (or resolved), less pending time
	PendingMinutes  int  `json:"pending_minutes"`
}

// Ticket is a work order as the API shows it.
type Ticket struct {
	ID            int64   `db:"id" json:"id"`
	Number        string  `db:"number" json:"number"`
	Type          string  `db:"type" json:"type"`
	TypeName      string  `db:"type_name" json:"type_name"`
	Title         string  `db:"title" json:"title"`
	Description   string  `db:"description" json:"description"`
	Priority      string  `db:"priority" json:"priority"`
	Status        string  `db:"status" json:"status"`
	PendingReason string  `db:"pending_reason" json:"pending_reason"`
	Channel       string  `db:"channel" json:"channel"`
	CustomerID    *int64  `db:"customer_id" json:"customer_id"`
	CustomerName  *string `db:"customer_name" json:"customer_name"`
	AssetID       *int64  `db:"asset_id" json:"asset_id"`
	AssetCode     *string `db:"asset_code" json:"asset_code"`
	OrgID         int64   `db:"org_id" json:"org_id"`
	OrgName       string  `db:"org_name" json:"org_name"`
	VendorOrgID   *int64  `db:"vendor_org_id" json:"vendor_org_id"`
	VendorOrgName *string `db:"vendor_org_name" json:"vendor_org_name"`
	StationID     *int64  `db:"station_id" json:"station_id"`
	StationName   *string `db:"station_name" json:"station_name"`
	AssigneeID    *int64  `db:"assignee_id" json:"assignee_id"`
	AssigneeName  *string `db:"assignee_name" json:"assignee_name"`
	ParentID      *int64  `db:"parent_id" json:"parent_id"`
	CustomJSON    string  `db:"custom" json:"-"`
	// Custom holds the values of the type's custom fields (自定义字段) by key.
	Custom       map[string]any `db:"-" json:"custom"`
	CategoryID   *int64         `db:"category_id" json:"category_id"`
	ReportedAt   time.Time      `db:"reported_at" json:"reported_at"`
	AssignedAt   *time.Time     `db:"assigned_at" json:"assigned_at"`
	DepartedAt   *time.Time     `db:"departed_at" json:"departed_at"`
	ArrivedAt    *time.Time     `db:"arrived_at" json:"arrived_at"`
	RepairedAt   *time.Time     `db:"repaired_at" json:"repaired_at"`
	ResolvedAt   *time.Time     `db:"resolved_at" json:"resolved_at"`
	ClosedAt     *time.Time     `db:"closed_at" json:"closed_at"`
	DistanceKM   *float64       `db:"distance_km" json:"distance_km"`
	PendingSecs  int            `db:"pending_seconds" json:"-"`
	PendingSince *time.Time     `db:"pending_since" json:"pending_since"`
	Version      int            `db:"version" json:"version"`
	// AssignRuleID/Name: the 派单规则 that made the current assignment (the
	// name as it was then); null after a manual assignment.
	AssignRuleID   *int64    `db:"assign_rule_id" json:"assign_rule_id"`
	AssignRuleName *string   `db:"assign_rule_name" json:"assign_rule_name"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
	Durations      Durations `db:"-" json:"durations"`
	SLA            SLA       `db:"-" json:"sla"`
}

func minutesBetween(a, b *time.Time) *int {
	if a == nil || b == nil {
		return nil
	}
	m := int(b.Sub(*a).Minutes())
	return &m
}

// derive fills the durations from the timestamps.
func (t *Ticket) derive() {
	t.Durations = Durations{
		ResponseMinutes: minutesBetween(&t.ReportedAt, t.AssignedAt),
		TravelMinutes:   minutesBetween(t.DepartedAt, t.ArrivedAt),
		RepairMinutes:   minutesBetween(t.ArrivedAt, t.RepairedAt),
		PendingMinutes:  t.PendingSecs / 60,
	}
	end := t.RepairedAt
	if end == nil {
		end = t.ResolvedAt
	}
	if f := minutesBetween(&t.ReportedAt, end); f != nil {
		v := *f - t.PendingSecs/60
		t.Durations.FaultMinutes = &v
	}
	t.SLA = SLA{Targets: map[string]SLATarget{}}
	t.Custom = map[string]any{}
	if t.CustomJSON != "" && t.CustomJSON != "{}" {
		_ = json.Unmarshal([]byte(t.CustomJSON), &t.Custom)
	}
}

// Service runs tickets.
type Service struct {
	db        *store.DB
	audit     *audit.Log
	orgs      *org.Service
	customers *customer.Service
	assets    *asset.Service
	now       func() time.Time
	zone      *time.Location
	sla       SLAHook  // set by internal/app; nil leaves tickets without SLA
	notifier  Notifier // set by internal/app; nil sends no watcher notifications
	timelines timelineCache
	rows      rowCache
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, customers *customer.Service, assets *asset.Service) *Service {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		zone = time.FixedZone("CST", 8*3600)
	}
	return &Service{db: db, audit: log, orgs: orgs, customers: customers, assets: assets, now: store.Now, zone: zone}
}

// Type is a ticket type with its workflow and custom fields.
type Type struct {
	Code       string     `db:"code" json:"code"`
	Name       string     `db:"name" json:"name"`
	Builtin    bool       `db:"builtin" json:"builtin"`
	Workflow   Workflow   `db:"-" json:"workflow"`
	WFJSON     string     `db:"workflow" json:"-"`
	Fields     []FieldDef `db:"-" json:"fields"`
	FieldsJSON string     `db:"fields" json:"-"`
	Sort       int        `db:"sort" json:"sort"`
}

var builtinTypes = []Type{
	{Code: "repair", Name: "报修"}, {Code: "consultation", Name: "咨询"}, {Code: "complaint", Name: "投诉"},
	{Code: "suggestion", Name: "建议"}, {Code: "after_sales", Name: "售后"}, {Code: "follow_up", Name: "回访"},
}

// SyncTypes makes sure the built-in types exist (with the default workflow).
func (s *Service) SyncTypes(ctx context.Context) error {
	wf, _ := json.Marshal(DefaultWorkflow())
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		for i, t := range builtinTypes {
			if _, err := s.db.Exec(ctx, "INSERT INTO ticket_types (code, name, builtin, workflow, sort) VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
				t.Code, t.Name, true, string(wf), i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

// Types lists the ticket types.
func (s *Service) Types(ctx context.Context) ([]Type, error) {
	out := []Type{}
	if err := s.db.Select(ctx, &out, "SELECT code, name, builtin, workflow, fields, sort FROM ticket_types ORDER BY sort, code"); err != nil {
		return nil, err
	}
	for i := range out {
		if err := out[i].decode(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) workflow(ctx context.Context, code string) (Workflow, bool, error) {
	var raw string
	err := s.db.Get(ctx, &raw, "SELECT workflow FROM ticket_types WHERE code = ?", code)
	if store.IsNoRows(err) {
		return Workflow{}, false, nil
	}
	if err != nil {
		return Workflow{}, false, err
	}
	var w Workflow
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		return Workflow{}, false, err
	}
	return w, true, nil
}

// day is the local calendar day as yyyymmdd, for analytics and ticket numbers.
func (s *Service) day(t time.Time) int {
	l := t.In(s.zone)
	return l.Year()*10000 + int(l.Month())*100 + l.Day()
}
