// Package rating runs satisfaction evaluation (客户评价): counters and their
// service sessions, ratings from every channel (kiosk, hardware evaluator,
// staff screen, QR code, survey link, a client's rating of a vendor's ticket),
// follow-ups of poor ratings, and the roll-ups the reports read.
package rating

import (
	"context"
	"encoding/json"
	"time"

	"lingting/internal/audit"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "rating.read", Group: "rating", LabelZH: "查看评价", LabelEN: "View ratings"},
	{Code: "rating.session", Group: "rating", LabelZH: "窗口签到与服务", LabelEN: "Serve at a counter"},
	{Code: "rating.create", Group: "rating", LabelZH: "评价工单与服务商", LabelEN: "Rate tickets and vendors"},
	{Code: "rating.correct", Group: "rating", LabelZH: "更正评价", LabelEN: "Correct ratings"},
	{Code: "rating.admin", Group: "rating", LabelZH: "管理窗口、评价器与评价设置", LabelEN: "Manage counters, evaluators and rating settings"},
	{Code: "rating.followup", Group: "rating", LabelZH: "接收不满意回访", LabelEN: "Receive follow-ups of poor ratings"},
	{Code: "analytics.read", Group: "analytics", LabelZH: "查看统计分析", LabelEN: "View analytics"},
}

// Channels a rating can come from.
const (
	ChannelKiosk  = "kiosk"
	ChannelDevice = "device"
	ChannelStaff  = "staff"
	ChannelQR     = "qr"
	ChannelSurvey = "survey"
	ChannelTicket = "ticket"
)

// ScopeColumns are the scope columns of ratings (alias r); roll-ups and
// sessions use the same names under their own alias.
var ScopeColumns = scope.Columns{Org: "r.org_id", Vendor: "r.vendor_org_id", Self: "r.staff_id"}

// Service keeps counters, sessions and ratings.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	orgs    *org.Service
	tickets *ticket.Service
	zone    *time.Location
	now     func() time.Time

	notifier Notifier // survey links on resolution (nil: none sent)
	baseURL  string

	devices  *ttlCache[string, Device]  // by token hash (cache.go)
	settings *ttlCache[int64, Settings] // in force at an org
	events   *eventBatcher              // group commit of device events (ingest.go)
	drainer  followupDrainer            // opens queued follow-ups (followup.go)
}

// NewService wires the service. Days are counted in Asia/Shanghai.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, tickets *ticket.Service) *Service {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		zone = time.FixedZone("CST", 8*3600)
	}
	s := &Service{db: db, audit: log, orgs: orgs, tickets: tickets, zone: zone, now: store.Now,
		devices: newTTLCache[string, Device](deviceCacheTTL, 10000), settings: newTTLCache[int64, Settings](settingsCacheTTL, 10000)}
	s.events = newEventBatcher(s)
	return s
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Day is the local calendar day of t as yyyymmdd.
func (s *Service) Day(t time.Time) int {
	y, m, d := t.In(s.zone).Date()
	return y*10000 + int(m)*100 + d
}

// Zone is the zone days are counted in.
func (s *Service) Zone() *time.Location { return s.zone }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// system runs ctx with an unrestricted scope: for devices and public links,
// whose reach is decided by the token, not by a user's roles.
func system(ctx context.Context) context.Context { return scope.With(ctx, scope.System()) }
