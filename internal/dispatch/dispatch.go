// Package dispatch assigns tickets by rules (派单规则): the first active rule
// matching a ticket's type, priority, region, servicing vendor and fault
// category names the station; the rule's strategy picks the engineer there —
// round-robin, least open load, or the station itself.
package dispatch

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Permissions declared by this package.
var Permissions = []perm.Def{
	{Code: "dispatch.receive", Group: "ticket", LabelZH: "接收自动派单（现场工程师）", LabelEN: "Receive rule-based assignments (field engineers)"},
}

// Strategies for choosing the engineer.
const (
	RoundRobin  = "round_robin"
	LeastLoaded = "least_loaded"
	StationOnly = "station"
)

// Conditions a rule matches; an empty list matches anything.
type Conditions struct {
	Types        []string `json:"types"`
	Priorities   []string `json:"priorities"`
	Regions      []string `json:"regions"`
	VendorOrgIDs []int64  `json:"vendor_org_ids"`
	CategoryIDs  []int64  `json:"category_ids"`
}

// Rule is one assignment rule.
type Rule struct {
	ID          int64      `db:"id" json:"id"`
	Name        string     `db:"name" json:"name"`
	Sort        int        `db:"sort" json:"sort"`
	CondJSON    string     `db:"conditions" json:"-"`
	Conditions  Conditions `db:"-" json:"conditions"`
	StationID   int64      `db:"station_id" json:"station_id"`
	StationName string     `db:"station_name" json:"station_name"`
	Strategy    string     `db:"strategy" json:"strategy"`
	Active      bool       `db:"active" json:"active"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updated_at"`
}

// Input creates or replaces a rule.
type Input struct {
	Name       string     `json:"name"`
	Sort       int        `json:"sort"`
	Conditions Conditions `json:"conditions"`
	StationID  int64      `json:"station_id"`
	Strategy   string     `json:"strategy"`
	Active     *bool      `json:"active"`
}

// Facts are what a rule looks at.
type Facts struct {
	Type, Priority, Region string
	VendorOrgID            *int64
	CategoryID             *int64
}

// Matches reports whether the conditions accept the facts.
func (c Conditions) Matches(f Facts) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	inID := func(list []int64, v *int64) bool { return len(list) == 0 || (v != nil && slices.Contains(list, *v)) }
	return in(c.Types, f.Type) && in(c.Priorities, f.Priority) && in(c.Regions, f.Region) && inID(c.VendorOrgIDs, f.VendorOrgID) && inID(c.CategoryIDs, f.CategoryID)
}

// normalize makes absent lists empty, so they read as [] rather than null.
func (c *Conditions) normalize() {
	for _, l := range []*[]string{&c.Types, &c.Priorities, &c.Regions} {
		if *l == nil {
			*l = []string{}
		}
	}
	for _, l := range []*[]int64{&c.VendorOrgIDs, &c.CategoryIDs} {
		if *l == nil {
			*l = []int64{}
		}
	}
}

// First is the first rule (by sort, then id) that is active and matches.
func First(rules []Rule, f Facts) *Rule {
	for i := range rules {
		if rules[i].Active && rules[i].Conditions.Matches(f) {
			return &rules[i]
		}
	}
	return nil
}

// Service keeps rules and applies them.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	orgs    *org.Service
	tickets *ticket.Service
}

// NewService wires the service.
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, tickets *ticket.Service) *Service {
	return &Service{db: db, audit: log, orgs: orgs, tickets: tickets}
}

const selectSQL = `SELECT r.id, r.name, r.sort, r.conditions, r.station_id, o.name AS station_name, r.strategy, r.active, r.created_at, r.updated_at
FROM assignment_rules r JOIN orgs o ON o.id = r.station_id`

// Rules lists every rule in the order they are tried.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	out := []Rule{}
	if err := s.db.Select(ctx, &out, selectSQL+" ORDER BY r.sort, r.id"); err != nil {
		return nil, err
	}
	for i := range out {
		_ = json.Unmarshal([]byte(out[i].CondJSON), &out[i].Conditions)
		out[i].Conditions.normalize()
	}
	return out, nil
}

func (s *Service) rule(ctx context.Context, id int64) (*Rule, error) {
	var r Rule
	err := s.db.Get(ctx, &r, selectSQL+" WHERE r.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("派单规则", "assignment rule")
	}
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(r.CondJSON), &r.Conditions)
	r.Conditions.normalize()
	return &r, nil
}

func (s *Service) validate(ctx context.Context, in *Input) error {
	var v apperr.Validation
	in.Name = strings.TrimSpace(in.Name)
	v.Required("name", in.Name)
	switch in.Strategy {
	case RoundRobin, LeastLoaded, StationOnly:
	default:
		v.Add("strategy", "策略只能是 round_robin、least_loaded 或 station", "strategy must be round_robin, least_loaded or station")
	}
	if in.StationID == 0 {
		v.Add("station_id", "必填", "required")
	} else if o, err := s.orgs.GetOrg(scope.With(ctx, scope.System()), in.StationID); err != nil || (o.Kind != org.KindStation && o.Kind != org.KindVendor) {
		v.Add("station_id", "须为服务站点或服务商", "must be a station or vendor")
	}
	return v.Err()
}

// Save creates (id 0) or replaces a rule, audited.
func (s *Service) Save(ctx context.Context, id int64, in Input) (*Rule, error) {
	if err := s.validate(ctx, &in); err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	cond, _ := json.Marshal(in.Conditions)
	var out *Rule
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		now := store.Now()
		var before *Rule
		if id == 0 {
			newID, err := s.db.InsertID(ctx, `INSERT INTO assignment_rules (name, sort, conditions, station_id, strategy, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, in.Sort, string(cond), in.StationID, in.Strategy, active, now, now)
			if err != nil {
				return err
			}
			id = newID
		} else {
			var err error
			if before, err = s.rule(ctx, id); err != nil {
				return err
			}
			if _, err := s.db.Exec(ctx, `UPDATE assignment_rules SET name = ?, sort = ?, conditions = ?, station_id = ?, strategy = ?, active = ?, updated_at = ? WHERE id = ?`,
				in.Name, in.Sort, string(cond), in.StationID, in.Strategy, active, now, id); err != nil {
				return err
			}
		}
		var err error
		if out, err = s.rule(ctx, id); err != nil {
			return err
		}
		action := "create"
		if before != nil {
			action = "update"
		}
		return s.audit.Record(ctx, audit.Entry{Action: action, Entity: "assignment_rule", EntityID: id, Summary: "派单规则 " + in.Name, Before: before, After: out})
	})
	return out, err
}

// Delete removes a rule, audited.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		r, err := s.rule(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM assignment_rules WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "assignment_rule", EntityID: id, Summary: "删除派单规则 " + r.Name, Before: r})
	})
}

// Result says which rule assigned a ticket.
type Result struct {
	Ticket *ticket.Ticket `json:"ticket"`
	RuleID int64          `json:"rule_id"`
	Rule   string         `json:"rule"`
}

// AutoAssign applies the first matching rule to a visible ticket: choosing the
// engineer, moving the round-robin cursor and assigning are one transaction,
// so two tickets dispatched at once never take the same turn.
func (s *Service) AutoAssign(ctx context.Context, ticketID int64) (*Result, error) {
	var out *Result
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.tickets.Get(ctx, ticketID)
		if err != nil {
			return err
		}
		sys := scope.With(ctx, scope.System())
		region := ""
		if o, err := s.orgs.GetOrg(sys, t.OrgID); err == nil {
			region = o.Region
		}
		rules, err := s.Rules(ctx)
		if err != nil {
			return err
		}
		r := First(rules, Facts{Type: t.Type, Priority: t.Priority, Region: region, VendorOrgID: t.VendorOrgID, CategoryID: t.CategoryID})
		if r == nil {
			return apperr.New(apperr.Conflict, "没有匹配的派单规则", "no assignment rule matches this ticket")
		}
		in := ticket.AssignInput{}
		switch r.Strategy {
		case StationOnly:
			in.OrgID = &r.StationID
		default:
			// Serialise dispatch per station: the cursor row is the lock.
			if err := s.db.Lock(ctx, 0x6469, r.StationID); err != nil {
				return err
			}
			engineer, err := s.pick(ctx, r)
			if err != nil {
				return err
			}
			in.UserID = &engineer
		}
		in.Rule = &ticket.AssignRule{ID: r.ID, Name: r.Name}
		assigned, err := s.tickets.Assign(ctx, ticketID, in)
		if err != nil {
			return err
		}
		out = &Result{Ticket: assigned, RuleID: r.ID, Rule: r.Name}
		return nil
	})
	return out, err
}

// engineers are the station's field engineers, the candidates of round-robin
// and least-loaded: its active users whose roles grant dispatch.receive. A
// station whose roles predate that permission (nobody holds it) falls back to
// users who work tickets (ticket.update) without dispatching them
// (ticket.assign) — the station head, who assigns, is never a candidate.
func (s *Service) engineers(ctx context.Context, stationID int64) ([]int64, error) {
	var ids []int64
	err := s.db.Select(ctx, &ids, `SELECT DISTINCT u.id FROM users u
		JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id AND rp.code = 'dispatch.receive'
		WHERE u.org_id = ? AND u.status = 'active' ORDER BY u.id`, stationID)
	if err != nil || len(ids) > 0 {
		return ids, err
	}
	err = s.db.Select(ctx, &ids, `SELECT DISTINCT u.id FROM users u
		JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id AND rp.code = 'ticket.update'
		WHERE u.org_id = ? AND u.status = 'active'
		  AND NOT EXISTS (SELECT 1 FROM user_roles ur2 JOIN role_permissions rp2 ON rp2.role_id = ur2.role_id AND rp2.code = 'ticket.assign' WHERE ur2.user_id = u.id)
		ORDER BY u.id`, stationID)
	return ids, err
}

func (s *Service) pick(ctx context.Context, r *Rule) (int64, error) {
	ids, err := s.engineers(ctx, r.StationID)
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, apperr.New(apperr.Conflict, "站点 "+r.StationName+" 没有可派单的工程师", "station "+r.StationName+" has no engineer to assign")
	}
	if r.Strategy == LeastLoaded {
		var rows []struct {
			ID   int64 `db:"assignee_id"`
			Open int   `db:"n"`
		}
		if err := s.db.Select(ctx, &rows, `SELECT assignee_id, count(*) AS n FROM tickets
			WHERE assignee_id IN (SELECT id FROM users WHERE org_id = ?) AND status IN ('assigned', 'in_progress', 'pending') GROUP BY assignee_id`, r.StationID); err != nil {
			return 0, err
		}
		load := map[int64]int{}
		for _, row := range rows {
			load[row.ID] = row.Open
		}
		best := ids[0]
		for _, id := range ids[1:] {
			if load[id] < load[best] {
				best = id
			}
		}
		return best, nil
	}
	var last []int64
	if err := s.db.Select(ctx, &last, "SELECT last_user_id FROM dispatch_cursors WHERE station_id = ?", r.StationID); err != nil {
		return 0, err
	}
	next := ids[0]
	if len(last) == 1 {
		for _, id := range ids {
			if id > last[0] {
				next = id
				break
			}
		}
	}
	_, err = s.db.Exec(ctx, `INSERT INTO dispatch_cursors (station_id, last_user_id) VALUES (?, ?)
		ON CONFLICT (station_id) DO UPDATE SET last_user_id = excluded.last_user_id`, r.StationID, next)
	return next, err
}
