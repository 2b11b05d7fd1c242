package analytics

import (
	"context"
)

// SLA compliance (R-SLA-06, R-ANA-10 item 10): per policy, org, station,
// engineer and period, how many of each target were met by the deadline,
// breached — met late, or not met and past the deadline now — and are still
// open within it. Targets met are read from the roll-ups (the outcome is
// fixed when a target is met, and the ticket hook records it); targets not
// met yet are few (open tickets) and read live, so "breached now" follows the
// clock without waiting for the scanner.

// SLATargetFigures are one target's figures in a group.
type SLATargetFigures struct {
	// Total is the tickets with the target.
	Total int64 `json:"total"`
	// Met were met by the deadline.
	Met int64 `json:"met"`
	// Breached were met late (MetLate) or are not met and breached now (Overdue).
	Breached int64 `json:"breached"`
	MetLate  int64 `json:"met_late"`
	Overdue  int64 `json:"overdue"`
	// Open are not met and still within the deadline (or paused before it).
	Open int64 `json:"open"`
	// Rate is met ÷ (met + breached); null when nothing is decided yet.
	Rate *float64 `json:"rate"`
}

// SLAMeasures are the SLA figures of a group of tickets under a policy.
type SLAMeasures struct {
	Tickets       int64            `json:"tickets"`
	FirstResponse SLATargetFigures `json:"first_response"`
	Arrival       SLATargetFigures `json:"arrival"`
	Resolution    SLATargetFigures `json:"resolution"`
	// Met, Breached and Rate over all three targets.
	Met      int64    `json:"met"`
	Breached int64    `json:"breached"`
	Rate     *float64 `json:"rate"`
}

// SLAItem is one group of the SLA report.
type SLAItem struct {
	Group
	SLAMeasures
}

// SLAReport answers GET /analytics/sla.
type SLAReport struct {
	Period
	GroupBy []string    `json:"group_by"`
	Items   []SLAItem   `json:"items"`
	Totals  SLAMeasures `json:"totals"`
	Total   int         `json:"total"`
}

var slaDims = []string{"policy", "org", "region", "vendor", "station", "engineer", "month", "ticket_type"}

// slaTargets orders the targets (index into slaAcc's arrays).
var slaTargets = []string{"first_response", "arrival", "resolution"}

type slaAcc struct {
	tickets                  int64
	met, late, open, overdue [3]int64
}

func (a *slaAcc) add(b *slaAcc) {
	a.tickets += b.tickets
	for i := range 3 {
		a.met[i] += b.met[i]
		a.late[i] += b.late[i]
		a.open[i] += b.open[i]
		a.overdue[i] += b.overdue[i]
	}
}

func (a *slaAcc) measures() SLAMeasures {
	m := SLAMeasures{Tickets: a.tickets}
	rate := func(met, breached int64) *float64 {
		if met+breached == 0 {
			return nil
		}
		v := round4(float64(met) / float64(met+breached))
		return &v
	}
	for i, p := range []*SLATargetFigures{&m.FirstResponse, &m.Arrival, &m.Resolution} {
		breachedOpen := a.overdue[i]
		*p = SLATargetFigures{Total: a.met[i] + a.late[i] + a.open[i], Met: a.met[i], MetLate: a.late[i], Overdue: breachedOpen,
			Breached: a.late[i] + breachedOpen, Open: a.open[i] - breachedOpen}
		p.Rate = rate(p.Met, p.Breached)
		m.Met += p.Met
		m.Breached += p.Breached
	}
	m.Rate = rate(m.Met, m.Breached)
	return m
}

type slaRollRow struct {
	gcols
	Tickets int64 `db:"tickets"`
	FRMet   int64 `db:"fr_met"`
	FRLate  int64 `db:"fr_late"`
	ARMet   int64 `db:"ar_met"`
	ARLate  int64 `db:"ar_late"`
	RSMet   int64 `db:"rs_met"`
	RSLate  int64 `db:"rs_late"`
}

type slaOpenRow struct {
	gcols
	Target  string `db:"target"`
	Open    int64  `db:"open"`
	Overdue int64  `db:"overdue"`
}

// slaResult is the SLA figures of a filter, per group.
type slaResult struct {
	groups map[string]*Group
	acc    map[string]*slaAcc
	all    slaAcc
	g      *grouper
}

func (r *slaResult) totals() SLAMeasures { return r.all.measures() }

// slaData reads the SLA figures of the tickets reported in the period.
func (s *Service) slaData(ctx context.Context, f *Filter) (*slaResult, error) {
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	q := rollQuery{name: "roll-sla", cols: []string{"policy_id"}}
	if f.TicketType != "" {
		q.types = []string{f.TicketType}
	}
	met, err := rollSelect[slaRollRow](ctx, s, f, q)
	if err != nil {
		return nil, err
	}
	sel, group, joins := sqlDims(f.dims, "ticket")
	w, args := ticketWhere(ctx, f, true)
	if f.TicketType != "" {
		w += " AND t.type = ?"
		args = append(args, f.TicketType)
	}
	dimgroup := ""
	if group != "" {
		dimgroup = trimGroup(group) + ", "
	}
	var open []slaOpenRow
	if err := s.db.Select(ctx, &open, s.sql("sla-open", map[string]string{"dims": sel, "joins": joins, "where": w, "dimgroup": dimgroup}),
		append([]any{s.now().UTC()}, args...)...); err != nil {
		return nil, err
	}
	n := len(f.dims)
	var raws [][]string
	for _, r := range met {
		raws = append(raws, r.raw(n))
	}
	for _, r := range open {
		raws = append(raws, r.raw(n))
	}
	g, err := s.newGrouper(ctx, f, raws)
	if err != nil {
		return nil, err
	}
	res := &slaResult{groups: map[string]*Group{}, acc: map[string]*slaAcc{}, g: g}
	at := func(raw []string) *slaAcc {
		gr := newGroup(f.dims, g.key(raw))
		if res.acc[gr.Key] == nil {
			res.groups[gr.Key], res.acc[gr.Key] = gr, &slaAcc{}
		}
		return res.acc[gr.Key]
	}
	for _, r := range met {
		a := &slaAcc{tickets: r.Tickets, met: [3]int64{r.FRMet, r.ARMet, r.RSMet}, late: [3]int64{r.FRLate, r.ARLate, r.RSLate}}
		at(r.raw(n)).add(a)
		res.all.add(a)
	}
	for _, r := range open {
		i := -1
		for j, t := range slaTargets {
			if t == r.Target {
				i = j
			}
		}
		if i < 0 {
			continue
		}
		var a slaAcc
		a.open[i], a.overdue[i] = r.Open, r.Overdue
		at(r.raw(n)).add(&a)
		res.all.add(&a)
	}
	return res, nil
}

func trimGroup(group string) string { return group[len(" GROUP BY "):] }

// SLA computes SLA compliance per policy (or the chosen groupings) over the
// tickets reported in the period that a policy covers.
func (s *Service) SLA(ctx context.Context, f Filter) (*SLAReport, error) {
	if err := s.prepare(ctx, &f, slaDims, "policy"); err != nil {
		return nil, err
	}
	res, err := s.slaData(ctx, &f)
	if err != nil {
		return nil, err
	}
	out := &SLAReport{Period: f.period(), GroupBy: f.dims, Items: []SLAItem{}, Totals: res.totals()}
	for k, gr := range res.groups {
		out.Items = append(out.Items, SLAItem{Group: *gr, SLAMeasures: res.acc[k].measures()})
	}
	if err := labelItems(ctx, res.g, out.Items, func(it *SLAItem) *Group { return &it.Group }); err != nil {
		return nil, err
	}
	sortGroups(f.dims, out.Items, func(it SLAItem) *Group { return &it.Group })
	out.Total = len(out.Items)
	return out, nil
}

var slaTargetLabels = []string{"首次响应", "到场", "解决"}

func (m SLAMeasures) cells() []string {
	out := []string{itoa(m.Tickets)}
	for _, t := range []SLATargetFigures{m.FirstResponse, m.Arrival, m.Resolution} {
		out = append(out, itoa(t.Total), itoa(t.Met), itoa(t.Breached), itoa(t.Open), optPct(t.Rate))
	}
	return append(out, optPct(m.Rate))
}

// Table is the report as shown and exported.
func (r *SLAReport) Table() Table {
	header := append(dimHeader(r.GroupBy), "工单数")
	for _, l := range slaTargetLabels {
		header = append(header, l+"目标数", l+"达标", l+"超时", l+"进行中", l+"达标率")
	}
	t := Table{Title: "SLA 达标", Header: append(header, "总达标率")}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}
