// Package customer keeps the customer archive (客户档案): records with several
// phones, tags and custom fields, contacts, interactions, masking of personal
// data with audited reveal and access grants, Chinese search, merge, export and
// staged imports with review.
package customer

import (
	_ "embed"
	"encoding/json"
	"time"

	"lingting/internal/audit"
	"lingting/internal/importer"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "customer.read", Group: "customer", LabelZH: "查看客户", LabelEN: "View customers"},
	{Code: "customer.create", Group: "customer", LabelZH: "新增客户", LabelEN: "Create customers"},
	{Code: "customer.update", Group: "customer", LabelZH: "修改客户、联系人、交往记录", LabelEN: "Edit customers, contacts, interactions"},
	{Code: "customer.delete", Group: "customer", LabelZH: "删除客户", LabelEN: "Delete customers"},
	{Code: "customer.merge", Group: "customer", LabelZH: "合并重复客户", LabelEN: "Merge duplicate customers"},
	{Code: "customer.pii.reveal", Group: "customer", LabelZH: "查看完整手机号和证件号", LabelEN: "Reveal phone and ID numbers"},
	{Code: "customer.access.approve", Group: "customer", LabelZH: "审批查阅申请", LabelEN: "Approve access requests"},
	{Code: "customer.level2", Group: "customer", LabelZH: "查看敏感级客户", LabelEN: "See sensitive customers"},
	{Code: "customer.level3", Group: "customer", LabelZH: "查看机密级客户", LabelEN: "See confidential customers"},
	{Code: "import.create", Group: "import", LabelZH: "批量导入", LabelEN: "Import files"},
	{Code: "import.approve", Group: "import", LabelZH: "审核导入（客服中心审核）", LabelEN: "Review imports"},
	{Code: "export.customers", Group: "export", LabelZH: "导出客户", LabelEN: "Export customers"},
	{Code: "settings.update", Group: "settings", LabelZH: "系统设置（客户等级、自定义字段）", LabelEN: "Settings (grades, custom fields)"},
}

// Kinds and statuses of customers.
const (
	KindIndividual   = "individual"
	KindOrganization = "organization"

	StatusPotential = "potential" // 潜在
	StatusFormal    = "formal"    // 正式
	StatusLost      = "lost"      // 流失
)

// Phone is one phone number of a customer.
type Phone struct {
	Number  string `json:"number"`
	Label   string `json:"label"`
	Primary bool   `json:"primary"`
}

// Anniversary is a date worth remembering (纪念日).
type Anniversary struct {
	Label string `json:"label"`
	Date  string `json:"date"` // YYYY-MM-DD
}

// Customer is one record of the archive, as the API shows it (masked unless revealed).
type Customer struct {
	ID              int64          `db:"id" json:"id"`
	Code            string         `db:"code" json:"code"`
	Kind            string         `db:"kind" json:"kind"`
	Name            string         `db:"name" json:"name"`
	Initials        string         `db:"initials" json:"initials"`
	Phone           string         `db:"phone" json:"phone"`
	Phones          []Phone        `db:"-" json:"phones"`
	IDType          string         `db:"id_type" json:"id_type"`
	IDNumber        string         `db:"id_number" json:"id_number"`
	Email           string         `db:"email" json:"email"`
	Address         string         `db:"address" json:"address"`
	Region          string         `db:"region" json:"region"`
	OrgID           int64          `db:"org_id" json:"org_id"`
	OrgName         string         `db:"org_name" json:"org_name"`
	ManagerID       *int64         `db:"manager_id" json:"manager_id"`
	ManagerName     *string        `db:"manager_name" json:"manager_name"`
	Grade           string         `db:"grade" json:"grade"`
	GradeName       *string        `db:"grade_name" json:"grade_name"`
	Tags            []string       `db:"-" json:"tags"`
	Source          string         `db:"source" json:"source"`
	Status          string         `db:"status" json:"status"`
	Birthday        *string        `db:"birthday" json:"birthday"`
	Anniversaries   []Anniversary  `db:"-" json:"anniversaries"`
	AnnivJSON       string         `db:"anniversaries" json:"-"`
	Confidentiality int            `db:"confidentiality" json:"confidentiality"`
	Custom          map[string]any `db:"-" json:"custom"`
	CustomJSON      string         `db:"custom" json:"-"`
	Notes           string         `db:"notes" json:"notes"`
	MergedInto      *int64         `db:"merged_into" json:"-"`
	Masked          bool           `db:"-" json:"masked"`
	CreatedAt       time.Time      `db:"created_at" json:"created_at"`
	UpdatedAt       time.Time      `db:"updated_at" json:"updated_at"`
}

func (c *Customer) decodeJSON() {
	c.Anniversaries, c.Custom = []Anniversary{}, map[string]any{}
	_ = json.Unmarshal([]byte(c.AnnivJSON), &c.Anniversaries)
	_ = json.Unmarshal([]byte(c.CustomJSON), &c.Custom)
	if c.Phones == nil {
		c.Phones = []Phone{}
	}
	if c.Tags == nil {
		c.Tags = []string{}
	}
}

// Service runs the customer archive.
type Service struct {
	db    *store.DB
	q     *store.Queries
	audit *audit.Log
	orgs  *org.Service
	now   func() time.Time
	// RetentionDays after deletion before personal data is purged.
	RetentionDays int
	// kinds are the other kinds of import the import job runs (RegisterImportKind).
	kinds map[string]importer.Kind
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service) *Service {
	return &Service{db: db, q: store.ParseQueries(queriesSQL, db.Dialect), audit: log, orgs: orgs, now: store.Now, RetentionDays: 180}
}

var scopeCols = scope.Columns{Org: "c.org_id", Self: "c.manager_id"}

// clearance is the highest confidentiality level the caller may see.
func clearance(p perm.Set) int {
	switch {
	case p.Has("customer.level3"):
		return 3
	case p.Has("customer.level2"):
		return 2
	}
	return 1
}
