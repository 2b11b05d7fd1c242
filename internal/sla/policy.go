package sla

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
)

// Policy is an SLA policy (R-SLA-02): which tickets it covers, its targets in
// business minutes on its calendar, warnings before breach and escalation
// levels after breach. Policies are tried in Order (then id); the first active
// one that matches a ticket wins.
type Policy struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Order       int          `json:"order"`
	CalendarID  int64        `json:"calendar_id"`
	Match       Conditions   `json:"match"`
	Targets     Targets      `json:"targets"`
	Warnings    []Warning    `json:"warnings"`
	Escalations []Escalation `json:"escalations"`
	Active      bool         `json:"active"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// Conditions select tickets. An empty list accepts any value; a non-empty one
// requires the ticket's value to be in it. OrgIDs match the ticket's org and
// every org below them (the subtree); ContractIDs match the ticket's contract
// (a ticket without one does not match a non-empty list).
type Conditions struct {
	Types       []string `json:"types"`
	Priorities  []string `json:"priorities"`
	Grades      []string `json:"grades"`
	OrgIDs      []int64  `json:"org_ids"`
	ContractIDs []int64  `json:"contract_ids"`
}

// Targets are business minutes from the ticket's creation; nil means no target.
type Targets struct {
	FirstResponse *int `json:"first_response"`
	Arrival       *int `json:"arrival"`
	Resolution    *int `json:"resolution"`
}

// Warning fires before breach: BeforeMinutes business minutes before the
// deadline, or when AtPercent of the target has elapsed. Exactly one is set.
type Warning struct {
	BeforeMinutes *int `json:"before_minutes,omitempty"`
	AtPercent     *int `json:"at_percent,omitempty"`
}

// Escalation is one level of the chain after breach: AfterMinutes after the
// breach, notify the named role; repeat every RepeatEveryMinutes until met.
type Escalation struct {
	Level              int    `json:"level"`
	AfterMinutes       int    `json:"after_minutes"`
	Notify             string `json:"notify"`
	RepeatEveryMinutes *int   `json:"repeat_every_minutes,omitempty"`
}

// Recipients an escalation level can notify.
const (
	NotifyAssignee       = "assignee"
	NotifyStationHead    = "station_head"
	NotifyOrgManager     = "org_manager"
	NotifyGeneralManager = "general_manager"
)

var notifyKinds = []string{NotifyAssignee, NotifyStationHead, NotifyOrgManager, NotifyGeneralManager}

// Priorities a policy can name (the ticket priorities of API.md).
var Priorities = []string{"low", "normal", "high", "urgent"}

// MaxTargetMinutes bounds targets, delays and repeats (a year of 24×7 time).
const MaxTargetMinutes = 366 * 24 * 60

// PolicyInput creates or replaces a policy. Active defaults to true.
type PolicyInput struct {
	Name        string       `json:"name"`
	Order       int          `json:"order"`
	CalendarID  int64        `json:"calendar_id"`
	Match       Conditions   `json:"match"`
	Targets     Targets      `json:"targets"`
	Warnings    []Warning    `json:"warnings"`
	Escalations []Escalation `json:"escalations"`
	Active      *bool        `json:"active"`
}

// Normalize checks the input's own fields (not references to other rows) and
// puts it in canonical form: trimmed, de-duplicated lists, escalations by level.
func (in *PolicyInput) Normalize(v *apperr.Validation) {
	in.Name = strings.TrimSpace(in.Name)
	v.Required("name", in.Name)
	if len([]rune(in.Name)) > 64 {
		v.Add("name", "名称不能超过 64 字", "name must be at most 64 characters")
	}
	if in.Order < 0 || in.Order > 1_000_000 {
		v.Add("order", "顺序须在 0–1000000 之间", "order must be from 0 to 1000000")
	}
	if in.CalendarID < 1 {
		v.Add("calendar_id", "必填", "required")
	}
	if in.Active == nil {
		t := true
		in.Active = &t
	}
	m := &in.Match
	m.Types = cleanStrings(m.Types)
	m.Grades = cleanStrings(m.Grades)
	m.Priorities = cleanStrings(m.Priorities)
	for i, p := range m.Priorities {
		if !slices.Contains(Priorities, p) {
			v.Add(fmt.Sprintf("match.priorities[%d]", i), "优先级须为 low、normal、high 或 urgent", "priority must be low, normal, high or urgent")
		}
	}
	m.OrgIDs = cleanIDs("match.org_ids", m.OrgIDs, v)
	m.ContractIDs = cleanIDs("match.contract_ids", m.ContractIDs, v)

	t := in.Targets
	if t.FirstResponse == nil && t.Arrival == nil && t.Resolution == nil {
		v.Add("targets", "至少需要一个时限（首次响应、到场或解决）", "set at least one target (first_response, arrival or resolution)")
	}
	for name, p := range map[string]*int{"first_response": t.FirstResponse, "arrival": t.Arrival, "resolution": t.Resolution} {
		if p != nil && (*p < 1 || *p > MaxTargetMinutes) {
			v.Add("targets."+name, "时限须为 1–"+strconv.Itoa(MaxTargetMinutes)+" 个工作分钟", "a target is 1 to "+strconv.Itoa(MaxTargetMinutes)+" business minutes")
		}
	}

	if in.Warnings == nil {
		in.Warnings = []Warning{}
	}
	for i, w := range in.Warnings {
		f := fmt.Sprintf("warnings[%d]", i)
		switch {
		case (w.BeforeMinutes == nil) == (w.AtPercent == nil):
			v.Add(f, "每条预警须且只能设置 before_minutes 或 at_percent 之一", "set exactly one of before_minutes and at_percent")
		case w.BeforeMinutes != nil && (*w.BeforeMinutes < 1 || *w.BeforeMinutes > MaxTargetMinutes):
			v.Add(f+".before_minutes", "须为正整数（工作分钟）", "must be a positive number of business minutes")
		case w.AtPercent != nil && (*w.AtPercent < 1 || *w.AtPercent > 99):
			v.Add(f+".at_percent", "须在 1–99 之间", "must be from 1 to 99")
		}
	}

	if in.Escalations == nil {
		in.Escalations = []Escalation{}
	}
	seen := map[int]bool{}
	for i, e := range in.Escalations {
		f := fmt.Sprintf("escalations[%d]", i)
		if e.Level < 1 || e.Level > 9 {
			v.Add(f+".level", "级别须在 1–9 之间", "level must be from 1 to 9")
		} else if seen[e.Level] {
			v.Add(f+".level", "级别重复", "duplicate level")
		}
		seen[e.Level] = true
		if e.AfterMinutes < 0 || e.AfterMinutes > MaxTargetMinutes {
			v.Add(f+".after_minutes", "须为非负整数（分钟）", "must be a non-negative number of minutes")
		}
		if !slices.Contains(notifyKinds, e.Notify) {
			v.Add(f+".notify", "通知对象须为 assignee、station_head、org_manager 或 general_manager", "notify must be assignee, station_head, org_manager or general_manager")
		}
		if r := e.RepeatEveryMinutes; r != nil && (*r < 1 || *r > MaxTargetMinutes) {
			v.Add(f+".repeat_every_minutes", "须为正整数（分钟）", "must be a positive number of minutes")
		}
	}
	slices.SortStableFunc(in.Escalations, func(a, b Escalation) int { return a.Level - b.Level })
}

func cleanStrings(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func cleanIDs(field string, in []int64, v *apperr.Validation) []int64 {
	out := make([]int64, 0, len(in))
	for i, id := range in {
		if id < 1 {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "须为正整数 ID", "must be a positive id")
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// TicketFacts are what matching looks at. OrgPath is the ticket org's
// materialised path ("/1/4/17/"); OrgAncestors may list the org's ancestors
// instead (or as well). Either way the org itself and every ancestor count.
type TicketFacts struct {
	Type         string
	Priority     string
	Grade        string // the customer's grade; empty without a customer
	OrgID        int64
	OrgPath      string
	OrgAncestors []int64
	ContractID   int64 // 0 without a contract
}

// orgs returns the ticket's org and its ancestors.
func (f TicketFacts) orgs() []int64 {
	out := append([]int64{}, f.OrgAncestors...)
	if f.OrgID != 0 {
		out = append(out, f.OrgID)
	}
	for _, part := range strings.Split(f.OrgPath, "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// Matches reports whether the conditions accept the ticket.
func (c Conditions) Matches(f TicketFacts) bool {
	if len(c.Types) > 0 && !slices.Contains(c.Types, f.Type) {
		return false
	}
	if len(c.Priorities) > 0 && !slices.Contains(c.Priorities, f.Priority) {
		return false
	}
	if len(c.Grades) > 0 && !slices.Contains(c.Grades, f.Grade) {
		return false
	}
	if len(c.ContractIDs) > 0 && !slices.Contains(c.ContractIDs, f.ContractID) {
		return false
	}
	if len(c.OrgIDs) > 0 {
		orgs := f.orgs()
		if !slices.ContainsFunc(c.OrgIDs, func(id int64) bool { return slices.Contains(orgs, id) }) {
			return false
		}
	}
	return true
}

// Match returns the policy that applies to a ticket: among the active
// policies, ordered by Order then ID, the first whose conditions accept the
// ticket; nil when none does. The slice is not reordered.
func Match(policies []Policy, f TicketFacts) *Policy {
	var best *Policy
	for i := range policies {
		p := &policies[i]
		if !p.Active || !p.Match.Matches(f) {
			continue
		}
		if best == nil || p.Order < best.Order || (p.Order == best.Order && p.ID < best.ID) {
			best = p
		}
	}
	return best
}
