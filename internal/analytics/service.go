package analytics

import (
	"context"
	"strings"
)

// ticketSums are the raw sums of one group of tickets (seconds, counts).
type ticketSums struct {
	gcols
	Tickets     int64 `db:"tickets"`
	Done        int64 `db:"done"`
	Complaints  int64 `db:"complaints"`
	Suggestions int64 `db:"suggestions"`
	FaultN      int64 `db:"fault_n"`
	FaultS      int64 `db:"fault_s"`
	RespN       int64 `db:"resp_n"`
	RespS       int64 `db:"resp_s"`
	TravelN     int64 `db:"travel_n"`
	TravelS     int64 `db:"travel_s"`
	RepairN     int64 `db:"repair_n"`
	RepairS     int64 `db:"repair_s"`
	WorkN       int64 `db:"work_n"`
	WorkS       int64 `db:"work_s"`
	DistN       int64 `db:"dist_n"`
	DistM       int64 `db:"dist_m"`
	HandleN     int64 `db:"handle_n"`
	HandleS     int64 `db:"handle_s"`
	Open        int64 `db:"open"`
}

func (a *ticketSums) add(b *ticketSums) {
	a.Tickets += b.Tickets
	a.Done += b.Done
	a.Complaints += b.Complaints
	a.Suggestions += b.Suggestions
	a.FaultN += b.FaultN
	a.FaultS += b.FaultS
	a.RespN += b.RespN
	a.RespS += b.RespS
	a.TravelN += b.TravelN
	a.TravelS += b.TravelS
	a.RepairN += b.RepairN
	a.RepairS += b.RepairS
	a.WorkN += b.WorkN
	a.WorkS += b.WorkS
	a.DistN += b.DistN
	a.DistM += b.DistM
	a.HandleN += b.HandleN
	a.HandleS += b.HandleS
	a.Open += b.Open
}

// TimeMeasures are the service-time figures of a group (服务时长). Hours have
// two decimals; averages are null when no ticket has the measure.
type TimeMeasures struct {
	Tickets          int64    `json:"tickets"`
	Resolved         int64    `json:"resolved"`
	Open             int64    `json:"open"`
	WorkHours        float64  `json:"work_hours"`
	FaultHours       float64  `json:"fault_hours"`
	AvgFaultHours    *float64 `json:"avg_fault_hours"`
	AvgResponseHours *float64 `json:"avg_response_hours"`
	TravelHours      float64  `json:"travel_hours"`
	AvgTravelHours   *float64 `json:"avg_travel_hours"`
	DistanceKM       float64  `json:"distance_km"`
	AvgDistanceKM    *float64 `json:"avg_distance_km"`
	RepairHours      float64  `json:"repair_hours"`
	AvgRepairHours   *float64 `json:"avg_repair_hours"`
	// Engineers who worked on the group's tickets; engineer-days whose work
	// time passed overload_hours, and the engineers with such a day (超负荷).
	Engineers           int `json:"engineers"`
	OverloadDays        int `json:"overload_days"`
	OverloadedEngineers int `json:"overloaded_engineers"`
}

func timeMeasures(t *ticketSums) TimeMeasures {
	m := TimeMeasures{Tickets: t.Tickets, Resolved: t.Done, Open: t.Open, WorkHours: hours(t.WorkS), FaultHours: hours(t.FaultS),
		AvgFaultHours: avgHours(t.FaultS, t.FaultN), AvgResponseHours: avgHours(t.RespS, t.RespN), TravelHours: hours(t.TravelS),
		AvgTravelHours: avgHours(t.TravelS, t.TravelN), DistanceKM: round2(float64(t.DistM) / 1000), RepairHours: hours(t.RepairS), AvgRepairHours: avgHours(t.RepairS, t.RepairN)}
	if t.DistN > 0 {
		v := round2(float64(t.DistM) / 1000 / float64(t.DistN))
		m.AvgDistanceKM = &v
	}
	return m
}

// ServiceItem is one group of the service-time report.
type ServiceItem struct {
	Group
	TimeMeasures
}

// ServiceReport answers GET /analytics/service-time (服务时长) and, with load
// figures, GET /analytics/manpower (人力分析).
type ServiceReport struct {
	Period
	GroupBy       []string      `json:"group_by"`
	OverloadHours float64       `json:"overload_hours"`
	Items         []ServiceItem `json:"items"`
	Totals        TimeMeasures  `json:"totals"`
	Total         int           `json:"total"`
}

// ManpowerItem is one station or engineer of the manpower report.
type ManpowerItem struct {
	Group
	TimeMeasures
	Load
}

// Load is the workload of a station or engineer: open tickets now, tickets per
// engineer per day in the period, and whether anyone is overloaded.
type Load struct {
	OpenNow               int64    `json:"open_now"`
	TicketsPerEngineerDay *float64 `json:"tickets_per_engineer_day"`
	Overloaded            bool     `json:"overloaded"`
}

// ManpowerReport answers GET /analytics/manpower.
type ManpowerReport struct {
	Period
	GroupBy       []string       `json:"group_by"`
	OverloadHours float64        `json:"overload_hours"`
	OverloadOpen  int            `json:"overload_open"`
	Items         []ManpowerItem `json:"items"`
	Totals        ManpowerTotals `json:"totals"`
	Total         int            `json:"total"`
}

// ManpowerTotals are the figures of everything the report covers.
type ManpowerTotals struct {
	TimeMeasures
	Load
}

var serviceDims = []string{"vendor", "station", "engineer", "month", "region", "org", "type", "brand", "model", "ticket_type"}
var manpowerDims = []string{"station", "engineer", "vendor"}

const (
	defaultOverloadHours = 8
	defaultOverloadOpen  = 5
)

// serviceTickets restricts a report to tickets serviced by a vendor (of the
// given ticket type, when one is given): on the roll-ups and, for what is
// open now, on tickets (alias t).
func serviceTickets(f *Filter) (roll rollQuery, raw string, args []any) {
	roll, raw = rollQuery{vendor: true}, "t.vendor_org_id IS NOT NULL"
	if f.TicketType != "" {
		roll.types = []string{f.TicketType}
		raw += " AND t.type = ?"
		args = append(args, f.TicketType)
	}
	return roll, raw, args
}

type engRow struct {
	gcols
	Eng     string `db:"eng"`
	Tickets int64  `db:"tickets"`
}

// engDays counts an engineer's overloaded days in a group.
type engDays struct {
	gcols
	Eng  string `db:"eng"`
	Days int    `db:"days"`
}

// serviceData is what service time and manpower read.
type serviceData struct {
	groups    map[string]*Group
	sums      map[string]*ticketSums
	totals    ticketSums
	engineers map[string]map[string]bool // group → engineers who worked
	allEng    map[string]bool
	overDays  map[string]int // group → engineer-days over the hours threshold
	overEng   map[string]map[string]bool
	allOver   map[string]bool
	openNow   map[string]int64
	openEng   map[string]map[string]int64 // group → engineer → open tickets
	totalOpen int64
	g         *grouper
}

func (s *Service) serviceData(ctx context.Context, f *Filter, withOpen bool) (*serviceData, error) {
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	q, rawCond, cargs := serviceTickets(f)
	n := len(f.dims)
	q.name = "roll-measures"
	sums, err := rollSelect[ticketSums](ctx, s, f, q)
	if err != nil {
		return nil, err
	}
	q.name, q.cols = "roll-engineers", []string{"assignee_id"}
	engs, err := rollSelect[engRow](ctx, s, f, q)
	if err != nil {
		return nil, err
	}
	q.cols = nil
	over, err := s.overloadDays(ctx, f, q)
	if err != nil {
		return nil, err
	}
	var open []engRow
	if withOpen {
		if err := s.ticketQuery(ctx, &open, "open-by-engineer", f, "ticket", false, rawCond, cargs); err != nil {
			return nil, err
		}
	}
	var raws [][]string
	for _, r := range sums {
		raws = append(raws, r.raw(n))
	}
	for _, r := range engs {
		raws = append(raws, r.raw(n))
	}
	for _, r := range open {
		raws = append(raws, r.raw(n))
	}
	g, err := s.newGrouper(ctx, f, raws)
	if err != nil {
		return nil, err
	}
	d := &serviceData{groups: map[string]*Group{}, sums: map[string]*ticketSums{}, engineers: map[string]map[string]bool{}, allEng: map[string]bool{},
		overDays: map[string]int{}, overEng: map[string]map[string]bool{}, allOver: map[string]bool{}, openNow: map[string]int64{},
		openEng: map[string]map[string]int64{}, g: g}
	at := func(raw []string) string {
		gr := newGroup(f.dims, g.key(raw))
		if d.groups[gr.Key] == nil {
			d.groups[gr.Key] = gr
			d.sums[gr.Key] = &ticketSums{}
			d.engineers[gr.Key] = map[string]bool{}
			d.overEng[gr.Key] = map[string]bool{}
			d.openEng[gr.Key] = map[string]int64{}
		}
		return gr.Key
	}
	for i := range sums {
		k := at(sums[i].raw(n))
		d.sums[k].add(&sums[i])
		d.totals.add(&sums[i])
	}
	for _, r := range engs {
		k := at(r.raw(n))
		d.engineers[k][r.Eng] = true
		d.allEng[r.Eng] = true
	}
	for _, r := range over {
		k := at(r.raw(n))
		d.overDays[k] += r.Days
		d.overEng[k][r.Eng] = true
		d.allOver[r.Eng] = true
	}
	for _, r := range open {
		k := at(r.raw(n))
		d.openNow[k] += r.Tickets
		d.totalOpen += r.Tickets
		if r.Eng != "" {
			d.openEng[k][r.Eng] += r.Tickets
		}
	}
	groups := make([]*Group, 0, len(d.groups))
	for _, gr := range d.groups {
		groups = append(groups, gr)
	}
	return d, g.label(ctx, groups)
}

// ticketQuery runs a grouped query on the tickets themselves (what is open
// now), with the filter's scope, (optionally) period and an extra condition.
func (s *Service) ticketQuery(ctx context.Context, dest any, name string, f *Filter, on string, period bool, extra string, extraArgs []any, tail ...any) error {
	sel, group, joins := sqlDims(f.dims, on)
	w, args := ticketWhere(ctx, f, period)
	if extra != "" {
		w += " AND " + extra
		args = append(args, extraArgs...)
	}
	dimgroup := ""
	if group != "" {
		dimgroup = strings.TrimPrefix(group, " GROUP BY ") + ", "
	}
	q := s.sql(name, map[string]string{"dims": sel, "joins": joins, "where": w, "group": group, "dimgroup": dimgroup})
	return s.db.Select(ctx, dest, q, append(args, tail...)...)
}

func (d *serviceData) measures(key string) TimeMeasures {
	m := timeMeasures(d.sums[key])
	m.Engineers = len(d.engineers[key])
	m.OverloadDays = d.overDays[key]
	m.OverloadedEngineers = len(d.overEng[key])
	return m
}

func (d *serviceData) totalMeasures() TimeMeasures {
	m := timeMeasures(&d.totals)
	m.Engineers = len(d.allEng)
	for _, n := range d.overDays {
		m.OverloadDays += n
	}
	m.OverloadedEngineers = len(d.allOver)
	return m
}

// ServiceTime computes 服务时长 per vendor (or the chosen groupings) over the
// tickets vendors serviced in the period (by report day).
func (s *Service) ServiceTime(ctx context.Context, f Filter) (*ServiceReport, error) {
	if err := s.prepare(ctx, &f, serviceDims, "vendor"); err != nil {
		return nil, err
	}
	if f.OverloadHours == 0 {
		f.OverloadHours = defaultOverloadHours
	}
	d, err := s.serviceData(ctx, &f, false)
	if err != nil {
		return nil, err
	}
	out := &ServiceReport{Period: f.period(), GroupBy: f.dims, OverloadHours: f.OverloadHours, Items: []ServiceItem{}, Totals: d.totalMeasures()}
	for k, gr := range d.groups {
		if d.sums[k].Tickets == 0 {
			continue
		}
		out.Items = append(out.Items, ServiceItem{Group: *gr, TimeMeasures: d.measures(k)})
	}
	sortGroups(f.dims, out.Items, func(it ServiceItem) *Group { return &it.Group })
	out.Total = len(out.Items)
	return out, nil
}

// Manpower computes 人力分析 per service station (or engineer): the service-time
// measures plus load — open tickets now, tickets per engineer per day, and
// overload (an engineer-day of work beyond overload_hours, or more than
// overload_open open tickets now).
func (s *Service) Manpower(ctx context.Context, f Filter) (*ManpowerReport, error) {
	if err := s.prepare(ctx, &f, manpowerDims, "station"); err != nil {
		return nil, err
	}
	if f.OverloadHours == 0 {
		f.OverloadHours = defaultOverloadHours
	}
	overloadOpen := defaultOverloadOpen
	if f.OverloadOpen != nil {
		overloadOpen = *f.OverloadOpen
	}
	d, err := s.serviceData(ctx, &f, true)
	if err != nil {
		return nil, err
	}
	nDays := float64(days(f.From, f.To))
	load := func(tickets int64, engineers int, open int64, overEng map[string]bool, openEng map[string]int64) (Load, int) {
		l := Load{OpenNow: open}
		if engineers > 0 {
			v := round2(float64(tickets) / float64(engineers) / nDays)
			l.TicketsPerEngineerDay = &v
		}
		over := map[string]bool{}
		for e := range overEng {
			over[e] = true
		}
		for e, n := range openEng {
			if n > int64(overloadOpen) {
				over[e] = true
			}
		}
		l.Overloaded = len(over) > 0
		return l, len(over)
	}
	out := &ManpowerReport{Period: f.period(), GroupBy: f.dims, OverloadHours: f.OverloadHours, OverloadOpen: overloadOpen, Items: []ManpowerItem{}}
	allOpenEng := map[string]int64{}
	for k, gr := range d.groups {
		for e, n := range d.openEng[k] {
			allOpenEng[e] += n
		}
		if gr.Keys[f.dims[0]] == "" && d.sums[k].Tickets == 0 {
			continue // open tickets not yet with any station
		}
		m := d.measures(k)
		l, nOver := load(d.sums[k].Tickets, m.Engineers, d.openNow[k], d.overEng[k], d.openEng[k])
		m.OverloadedEngineers = nOver
		out.Items = append(out.Items, ManpowerItem{Group: *gr, TimeMeasures: m, Load: l})
	}
	sortGroups(f.dims, out.Items, func(it ManpowerItem) *Group { return &it.Group })
	tm := d.totalMeasures()
	tl, nOver := load(d.totals.Tickets, tm.Engineers, d.totalOpen, d.allOver, allOpenEng)
	tm.OverloadedEngineers = nOver
	out.Totals = ManpowerTotals{TimeMeasures: tm, Load: tl}
	out.Total = len(out.Items)
	return out, nil
}

var timeHeader = []string{"工单数", "已解决", "未完成", "工作总时长(时)", "故障总时长(时)", "平均故障时长(时)", "平均响应时长(时)", "出发总时长(时)", "平均出发时长(时)",
	"往返总路程(公里)", "平均往返路程(公里)", "修复总时长(时)", "平均修复时长(时)", "服务人员数", "超负荷人天", "超负荷人数"}

func (m TimeMeasures) cells() []string {
	return []string{itoa(m.Tickets), itoa(m.Resolved), itoa(m.Open), num(m.WorkHours), num(m.FaultHours), optNum(m.AvgFaultHours), optNum(m.AvgResponseHours),
		num(m.TravelHours), optNum(m.AvgTravelHours), num(m.DistanceKM), optNum(m.AvgDistanceKM), num(m.RepairHours), optNum(m.AvgRepairHours),
		itoa(int64(m.Engineers)), itoa(int64(m.OverloadDays)), itoa(int64(m.OverloadedEngineers))}
}

// Table is the report as shown and exported.
func (r *ServiceReport) Table() Table {
	t := Table{Title: "服务时长", Header: append(dimHeader(r.GroupBy), timeHeader...)}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}

var loadHeader = []string{"当前未完成", "人均日工单", "超负荷"}

func (l Load) cells() []string {
	return []string{itoa(l.OpenNow), optNum(l.TicketsPerEngineerDay), map[bool]string{true: "是", false: "否"}[l.Overloaded]}
}

// Table is the report as shown and exported.
func (r *ManpowerReport) Table() Table {
	t := Table{Title: "人力分析", Header: append(append(dimHeader(r.GroupBy), timeHeader...), loadHeader...)}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(append(dimCells(i+1, r.GroupBy, &it.Group), it.TimeMeasures.cells()...), it.Load.cells()...))
	}
	t.Totals = append(append(totalCells(r.GroupBy), r.Totals.TimeMeasures.cells()...), r.Totals.Load.cells()...)
	return t
}
