package analytics

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
)

// FaultMeasures are the 故障次数 figures of a group.
type FaultMeasures struct {
	Faults             int64    `json:"faults"`
	FaultHours         float64  `json:"fault_hours"`
	Devices            int64    `json:"devices"`
	AvgFaultsPerDevice *float64 `json:"avg_faults_per_device"`
}

// FaultItem is one fault category × model (or the chosen groupings).
type FaultItem struct {
	Group
	FaultMeasures
}

// FaultReport answers GET /analytics/faults (故障次数).
type FaultReport struct {
	View string `json:"view"`
	Period
	GroupBy []string      `json:"group_by"`
	Items   []FaultItem   `json:"items"`
	Totals  FaultMeasures `json:"totals"`
	Total   int           `json:"total"`
}

var faultDims = []string{"category", "type", "brand", "model", "region", "org", "vendor", "month"}

// Faults counts repair tickets (faults) by fault category and device model (or
// the chosen groupings); devices are the running devices of the row's type,
// brand, model, region, org or vendor, so 台均故障次数 = faults ÷ devices.
func (s *Service) Faults(ctx context.Context, f Filter) (*FaultReport, error) {
	if err := s.prepare(ctx, &f, faultDims, "category,model"); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	n := len(f.dims)
	sums, err := rollSelect[ticketSums](ctx, s, &f, rollFaults(&f))
	if err != nil {
		return nil, err
	}
	var devDims []string
	var devPos []int
	for i, d := range f.dims {
		if dimensions[d].device != "" {
			devDims = append(devDims, d)
			devPos = append(devPos, i)
		}
	}
	var counts []deviceCount
	if err := s.deviceQuery(ctx, &counts, "device-counts", devDims, &f, false); err != nil {
		return nil, err
	}
	full := func(c deviceCount) []string {
		r := make([]string, n)
		for j, p := range devPos {
			r[p] = c.raw(len(devDims))[j]
		}
		return r
	}
	var raws [][]string
	for _, r := range sums {
		raws = append(raws, r.raw(n))
	}
	for _, c := range counts {
		raws = append(raws, full(c))
	}
	g, err := s.newGrouper(ctx, &f, raws)
	if err != nil {
		return nil, err
	}
	devKey := func(keys []string) string {
		var parts []string
		for _, p := range devPos {
			parts = append(parts, keys[p])
		}
		return strings.Join(parts, "|")
	}
	devices := map[string]int64{}
	var allDevices int64
	for _, c := range counts {
		devices[devKey(g.key(full(c)))] += c.N
		allDevices += c.N
	}
	type acc struct {
		group *Group
		sums  ticketSums
	}
	items := map[string]*acc{}
	var totals ticketSums
	for i := range sums {
		keys := g.key(sums[i].raw(n))
		gr := newGroup(f.dims, keys)
		a := items[gr.Key]
		if a == nil {
			a = &acc{group: gr}
			items[gr.Key] = a
		}
		a.sums.add(&sums[i])
		totals.add(&sums[i])
	}
	measures := func(t *ticketSums, devs int64) FaultMeasures {
		m := FaultMeasures{Faults: t.Tickets, FaultHours: hours(t.FaultS), Devices: devs}
		if devs > 0 {
			v := round2(float64(t.Tickets) / float64(devs))
			m.AvgFaultsPerDevice = &v
		}
		return m
	}
	out := &FaultReport{View: "summary", Period: f.period(), GroupBy: f.dims, Items: []FaultItem{}, Totals: measures(&totals, allDevices)}
	for _, a := range items {
		keys := make([]string, n)
		for i, d := range f.dims {
			keys[i] = a.group.Keys[d]
		}
		out.Items = append(out.Items, FaultItem{Group: *a.group, FaultMeasures: measures(&a.sums, devices[devKey(keys)])})
	}
	if err := labelItems(ctx, g, out.Items, func(it *FaultItem) *Group { return &it.Group }); err != nil {
		return nil, err
	}
	sortGroups(f.dims, out.Items, func(it FaultItem) *Group { return &it.Group })
	out.Total = len(out.Items)
	return out, nil
}

func (m FaultMeasures) cells() []string {
	return []string{itoa(m.Faults), num(m.FaultHours), itoa(m.Devices), optNum(m.AvgFaultsPerDevice)}
}

// Table is the report as shown and exported.
func (r *FaultReport) Table() Table {
	t := Table{Title: "故障次数", Header: append(dimHeader(r.GroupBy), "故障总次数(次)", "故障总时长(时)", "台数", "台均故障次数(次)")}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}

// FaultCause is one fault with where it happened, its cause and how it ended (故障原因).
type FaultCause struct {
	TicketID    int64      `db:"id" json:"ticket_id"`
	Number      string     `db:"number" json:"number"`
	Title       string     `db:"title" json:"title"`
	Description string     `db:"description" json:"description"`
	Status      string     `db:"status" json:"status"`
	ReportedAt  time.Time  `db:"reported_at" json:"reported_at"`
	RepairedAt  *time.Time `db:"repaired_at" json:"repaired_at"`
	ResolvedAt  *time.Time `db:"resolved_at" json:"resolved_at"`
	Category    string     `db:"category" json:"category"`
	AssetCode   string     `db:"asset_code" json:"asset_code"`
	Type        string     `db:"type" json:"type"`
	Brand       string     `db:"brand" json:"brand"`
	Model       string     `db:"model" json:"model"`
	Region      string     `db:"region" json:"region"`
	Branch      string     `db:"branch" json:"branch"`
	Outlet      string     `db:"outlet" json:"outlet"`
	Resolution  string     `db:"-" json:"resolution"`
}

// FaultCauses answers GET /analytics/faults?view=causes (故障原因).
type FaultCauses struct {
	View string `json:"view"`
	Period
	Items []FaultCause `json:"items"`
	Total int          `json:"total"`
}

// Causes lists the faults of the period, newest first, a page at a time.
func (s *Service) Causes(ctx context.Context, f Filter) (*FaultCauses, error) {
	if err := s.prepare(ctx, &f, nil, ""); err != nil {
		return nil, err
	}
	if f.GroupBy != "" {
		return nil, apperr.Field("group_by", "故障原因明细不分组", "the cause list is not grouped")
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	out := &FaultCauses{View: "causes", Period: f.period(), Items: []FaultCause{}}
	// How many faults, and the days that hold the page, from the roll-ups
	// (per month, then per day of the months of the page); then the raw
	// tickets of those days only, where sorting the period's faults for the
	// page took seconds.
	from, to, skip, total, err := s.causeDays(ctx, &f)
	if err != nil {
		return nil, err
	}
	out.Total = int(total)
	if from == 0 {
		return out, nil
	}
	g := f
	g.From, g.To = from, to
	cond, cargs := faultTickets(&g)
	w, args := ticketWhere(ctx, &g, true)
	w += " AND " + cond
	args = append(args, cargs...)
	if err := s.db.Select(ctx, &out.Items, s.sql("fault-causes", map[string]string{"where": w}), append(args, f.Limit, f.Offset-int(skip))...); err != nil {
		return nil, err
	}
	for i := range out.Items {
		out.Items[i].Resolution = s.resolution(&out.Items[i])
	}
	return out, nil
}

// causeDays finds, newest first, the days that hold the page of the cause
// list, and how many faults come after them (skip); total is how many the
// period has. from is 0 when the page is past the end.
func (s *Service) causeDays(ctx context.Context, f *Filter) (from, to int, skip, total int64, err error) {
	counts := func(dim string, lo, hi int) ([]int, map[int]int64, error) {
		g := *f
		g.From, g.To, g.dims = lo, hi, []string{dim}
		rows, err := rollSelect[ticketSums](ctx, s, &g, rollFaults(&g))
		if err != nil {
			return nil, nil, err
		}
		n := map[int]int64{}
		for _, r := range rows {
			k, err := strconv.Atoi(r.G0)
			if err != nil {
				return nil, nil, err
			}
			n[k] += r.Tickets
		}
		keys := slices.Sorted(maps.Keys(n))
		slices.Reverse(keys)
		return keys, n, nil
	}
	// span walks the groups newest first and answers the first and last
	// holding the page, and the faults in the groups after them.
	span := func(keys []int, n map[int]int64, before int64) (first, last int, after int64) {
		first, last = -1, -1
		seen := before
		for _, k := range keys {
			if seen+n[k] > int64(f.Offset) && seen < int64(f.Offset+f.Limit) {
				if last < 0 {
					last, after = k, seen
				}
				first = k
			}
			seen += n[k]
		}
		return first, last, after
	}
	months, perMonth, err := counts("month", f.From, f.To)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	for _, n := range perMonth {
		total += n
	}
	mFirst, mLast, mAfter := span(months, perMonth, 0)
	if mFirst < 0 {
		return 0, 0, 0, total, nil
	}
	lo, hi := max(f.From, mFirst*100+1), min(f.To, lastOfMonth(mLast))
	days, perDay, err := counts("day", lo, hi)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	dFirst, dLast, dAfter := span(days, perDay, mAfter)
	if dFirst < 0 {
		return lo, hi, mAfter, total, nil
	}
	return dFirst, dLast, dAfter, total, nil
}

// resolution is 解决情况: the status in words, with when the fault ended.
func (s *Service) resolution(c *FaultCause) string {
	label := statusLabels[c.Status]
	if label == "" {
		label = c.Status
	}
	end := c.RepairedAt
	if end == nil {
		end = c.ResolvedAt
	}
	if end != nil && (c.Status == "resolved" || c.Status == "closed") {
		label += "（修复于 " + end.In(s.zone).Format("2006-01-02 15:04") + "）"
	}
	return label
}

// Table is the cause list as shown and exported.
func (r *FaultCauses) Table(zone *time.Location) Table {
	t := Table{Title: "故障原因", Header: []string{"序号", "工单号", "类型", "品牌", "型号", "设备编号", "地区", "支行", "网点", "报修时间", "故障类型", "故障描述", "解决情况"}}
	for i, c := range r.Items {
		t.Rows = append(t.Rows, []string{itoa(int64(i + 1)), c.Number, c.Type, c.Brand, c.Model, c.AssetCode, c.Region, c.Branch, c.Outlet,
			c.ReportedAt.In(zone).Format("2006-01-02 15:04"), c.Category, c.Description, c.Resolution})
	}
	return t
}
