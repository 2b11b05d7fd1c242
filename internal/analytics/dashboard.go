package analytics

import (
	"context"
	"sort"
	"strconv"
	"time"

	"lingting/internal/rating"
	"lingting/internal/scope"
)

// Count is one tile entry: a key, its label and a number.
type Count struct {
	Key   string `db:"k" json:"key"`
	Label string `db:"label" json:"label"`
	N     int64  `db:"n" json:"n"`
}

// TodayTile is today's ticket volume.
type TodayTile struct {
	Reported int64   `json:"reported"`
	Resolved int64   `json:"resolved"`
	ByType   []Count `json:"by_type"`
}

// OpenTile is the open work: open, overdue and unassigned tickets, by status.
// Overdue is from the SLA state: a ticket under a policy with a target not met
// and breached now (Breached); a ticket no policy covers once it was reported
// more than overdue_hours ago (Aged).
type OpenTile struct {
	Open       int64   `json:"open"`
	Overdue    int64   `json:"overdue"`
	Breached   int64   `json:"sla_breached"`
	Aged       int64   `json:"aged"`
	Unassigned int64   `json:"unassigned"`
	ByStatus   []Count `json:"by_status"`
}

// TrendPoint is one month of the satisfaction trend, with the same month a
// year earlier (同比).
type TrendPoint struct {
	Month       string   `json:"month"`
	N           int64    `json:"n"`
	Satisfied   int64    `json:"satisfied"`
	Rate        *float64 `json:"rate"`
	WilsonLower *float64 `json:"wilson_lower"`
	PrevN       int64    `json:"prev_n"`
	PrevRate    *float64 `json:"prev_rate"`
}

// SatisfactionTile is the 12-month satisfaction trend from the rating roll-ups.
type SatisfactionTile struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	N        int64        `json:"n"`
	Rate     *float64     `json:"rate"`
	PrevRate *float64     `json:"prev_rate"`
	Sentence string       `json:"sentence"`
	Trend    []TrendPoint `json:"trend"`
}

// DevicesTile counts the visible devices by status.
type DevicesTile struct {
	Total    int64   `json:"total"`
	ByStatus []Count `json:"by_status"`
}

// Dashboard answers GET /analytics/dashboard (R-ANA-10).
type Dashboard struct {
	Date         string           `json:"date"`
	Period       Period           `json:"period"`
	OverdueHours float64          `json:"overdue_hours"`
	Today        TodayTile        `json:"today"`
	Open         OpenTile         `json:"open"`
	Satisfaction SatisfactionTile `json:"satisfaction"`
	// SLA compliance of the tickets reported in the period.
	SLA SLAMeasures `json:"sla"`
	// Over the period (default the last 30 days).
	TopFaults       []Count     `json:"top_faults"`
	WorstDevices    []Count     `json:"worst_devices"`
	BusiestStations []Count     `json:"busiest_stations"`
	Devices         DevicesTile `json:"devices"`
}

const defaultOverdueHours = 24

// Dashboard gathers the executive dashboard's tiles, each scoped like its report.
func (s *Service) Dashboard(ctx context.Context, f Filter, lang string) (*Dashboard, error) {
	now := s.now()
	today := s.day(now)
	if f.From == 0 && f.To == 0 {
		f.From, f.To = dayOf(dayTime(today).AddDate(0, 0, -29)), today
	}
	if err := s.prepare(ctx, &f, nil, ""); err != nil {
		return nil, err
	}
	if f.OverdueHours == 0 {
		f.OverdueHours = defaultOverdueHours
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	d := &Dashboard{Date: FormatDay(today), Period: f.period(), OverdueHours: f.OverdueHours}
	all, args := ticketWhere(ctx, &f, false)
	// Today.
	d.Today.ByType = []Count{}
	day := f
	day.From, day.To = today, today
	byType, err := rollSelect[Count](ctx, s, &day, rollQuery{name: "dashboard-today"})
	if err != nil {
		return nil, err
	}
	names, err := s.ticketTypeNames(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range byType {
		c.Label = names[c.Key]
		d.Today.Reported += c.N
		d.Today.ByType = append(d.Today.ByType, c)
	}
	sortCounts(d.Today.ByType)
	start := time.Date(today/10000, time.Month(today/100%100), today%100, 0, 0, 0, 0, s.zone).UTC()
	if err := s.db.Get(ctx, &d.Today.Resolved, s.sql("dashboard-resolved-today", map[string]string{"where": all}), append([]any{start, start.AddDate(0, 0, 1)}, args...)...); err != nil {
		return nil, err
	}
	// Open work.
	var open []struct {
		Count
		Breached   int64 `db:"breached"`
		Aged       int64 `db:"aged"`
		Unassigned int64 `db:"unassigned"`
	}
	cutoff := now.Add(-time.Duration(f.OverdueHours * float64(time.Hour)))
	if err := s.db.Select(ctx, &open, s.sql("dashboard-open", map[string]string{"where": all}), append([]any{now.UTC(), cutoff.UTC()}, args...)...); err != nil {
		return nil, err
	}
	d.Open.ByStatus = []Count{}
	for _, o := range open {
		o.Label = statusLabels[o.Key]
		d.Open.Open += o.N
		d.Open.Breached += o.Breached
		d.Open.Aged += o.Aged
		d.Open.Unassigned += o.Unassigned
		d.Open.ByStatus = append(d.Open.ByStatus, o.Count)
	}
	d.Open.Overdue = d.Open.Breached + d.Open.Aged
	sortCounts(d.Open.ByStatus)
	// Over the period: the most frequent faults from the roll-ups, the devices
	// with most repairs from the tickets.
	faults, err := rollSelect[Count](ctx, s, &f, rollQuery{name: "dashboard-top-faults", types: []string{"repair"}, cols: []string{"category_id"}})
	if err != nil {
		return nil, err
	}
	if d.TopFaults, err = s.topCategories(ctx, faults, 5); err != nil {
		return nil, err
	}
	if d.WorstDevices, err = s.worstDevices(ctx, &f); err != nil {
		return nil, err
	}
	d.BusiestStations = []Count{} // open now, whenever reported
	if err := s.db.Select(ctx, &d.BusiestStations, s.sql("dashboard-busiest-stations", map[string]string{"where": all}), args...); err != nil {
		return nil, err
	}
	// Devices.
	dw, dargs := deviceWhere(ctx, &f, true)
	d.Devices.ByStatus = []Count{}
	if err := s.db.Select(ctx, &d.Devices.ByStatus, s.sql("dashboard-devices", map[string]string{"where": dw}), dargs...); err != nil {
		return nil, err
	}
	for i, c := range d.Devices.ByStatus {
		d.Devices.ByStatus[i].Label = statusLabels[c.Key]
		d.Devices.Total += c.N
	}
	sortCounts(d.Devices.ByStatus)
	sla, err := s.slaData(ctx, &f)
	if err != nil {
		return nil, err
	}
	d.SLA = sla.totals()
	d.Satisfaction, err = s.satisfactionTrend(ctx, f, today, lang)
	return d, err
}

// worstDevices lists the five devices with most repairs reported in the
// period: from the per-device roll-up, or from the tickets when the filter
// needs what it does not keep (a station, an engineer, a self scope).
func (s *Service) worstDevices(ctx context.Context, f *Filter) ([]Count, error) {
	sc := scope.From(ctx)
	all, err := s.seesAll(ctx)
	if err != nil {
		return nil, err
	}
	out := []Count{}
	if f.StationID != 0 || f.StaffID != 0 || (!all && sc.Self) {
		w, args := ticketWhere(ctx, f, true)
		err := s.db.Select(ctx, &out, s.sql("dashboard-worst-devices", map[string]string{"where": w}), args...)
		return out, err
	}
	w, args := "1=1", []any(nil)
	if !all {
		w, args = sc.Where(scope.Columns{Org: "r.org_id", Vendor: "r.vendor_org_id"})
	}
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("r.org_id")
		args = append(args, f.OrgID)
	}
	if f.VendorOrgID != 0 {
		w += " AND " + scope.InSubtree("r.vendor_org_id")
		args = append(args, f.VendorOrgID)
	}
	joins := ""
	for _, x := range []struct{ col, v string }{{"x.type", f.Type}, {"x.brand", f.Brand}, {"x.model", f.Model}} {
		if x.v != "" {
			joins = " JOIN analytics_assets x ON x.asset_id = r.asset_id"
			w += " AND " + x.col + " = ?"
			args = append(args, x.v)
		}
	}
	sum := map[string]int64{}
	for _, src := range f.sources(&rollFamily{Name: "asset"}) {
		var rows []Count
		q := s.sql("dashboard-device-repairs", map[string]string{"table": src.table, "joins": joins, "where": w + " AND " + src.where})
		if err := s.db.Select(ctx, &rows, q, append(append([]any{}, args...), src.args...)...); err != nil {
			return nil, err
		}
		for _, r := range rows {
			sum[r.Key] += r.N
		}
	}
	for k, n := range sum {
		out = append(out, Count{Key: k, N: n})
	}
	sortCounts(out)
	out = out[:min(5, len(out))]
	ids := make([]string, len(out))
	for i, c := range out {
		ids[i] = c.Key
	}
	ph, idargs := idArgs(ids)
	var labels []Count
	if err := s.db.Select(ctx, &labels, s.sql("device-labels", map[string]string{"ids": ph}), idargs...); err != nil {
		return nil, err
	}
	byID := map[string]string{}
	for _, l := range labels {
		byID[l.Key] = l.Label
	}
	for i := range out {
		out[i].Label = byID[out[i].Key]
	}
	return out, nil
}

// topCategories adds up fault counts per category (rows of several roll-up
// tables), names them and keeps the n largest.
func (s *Service) topCategories(ctx context.Context, rows []Count, n int) ([]Count, error) {
	sum := map[string]int64{}
	for _, r := range rows {
		sum[r.Key] += r.N
	}
	out := make([]Count, 0, len(sum))
	ids := make([]string, 0, len(sum))
	for k, v := range sum {
		out = append(out, Count{Key: k, N: v})
		ids = append(ids, k)
	}
	sortCounts(out)
	out = out[:min(n, len(out))]
	ph, args := idArgs(ids)
	var names []orgRow
	if err := s.db.Select(ctx, &names, s.sql("categories-by-id", map[string]string{"ids": ph}), args...); err != nil {
		return nil, err
	}
	label := map[string]string{}
	for _, r := range names {
		label[strconv.FormatInt(r.ID, 10)] = r.Name
	}
	for i := range out {
		out[i].Label = label[out[i].Key]
		if out[i].Key == "" {
			out[i].Label = "（未分类）"
		}
	}
	return out, nil
}

func sortCounts(c []Count) {
	sort.SliceStable(c, func(i, j int) bool {
		if c[i].N != c[j].N {
			return c[i].N > c[j].N
		}
		return c[i].Key < c[j].Key
	})
}

func (s *Service) ticketTypeNames(ctx context.Context) (map[string]string, error) {
	var rows []struct {
		K string `db:"k"`
		V string `db:"v"`
	}
	if err := s.db.Select(ctx, &rows, s.sql("ticket-types", nil)); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.K] = r.V
	}
	return out, nil
}

// satisfactionTrend reads the last 12 months (this one included) with 同比 from
// the rating service's roll-ups.
func (s *Service) satisfactionTrend(ctx context.Context, f Filter, today int, lang string) (SatisfactionTile, error) {
	from := dayOf(dayTime(today/100*100+1).AddDate(0, -11, 0))
	tile := SatisfactionTile{From: FormatDay(from), To: FormatDay(today), Trend: []TrendPoint{}}
	if s.ratings == nil {
		return tile, nil
	}
	rep, err := s.ratings.Satisfaction(ctx, rating.ReportFilter{From: from, To: today, OrgID: f.OrgID, VendorOrgID: f.VendorOrgID, StaffID: f.StaffID,
		GroupBy: "month", Compare: "yoy", Lang: lang, NoSessions: true}) // the tile shows no session figures
	if err != nil {
		return tile, err
	}
	rate := func(n, sat int64, r float64) *float64 {
		if n == 0 {
			return nil
		}
		v := round4(r)
		return &v
	}
	tile.N = rep.Totals.N
	tile.Rate = rate(rep.Totals.N, rep.Totals.Satisfied, rep.Totals.Rate)
	prev := map[string]rating.Summary{}
	if rep.Compare != nil {
		tile.PrevRate = rate(rep.Compare.Totals.N, rep.Compare.Totals.Satisfied, rep.Compare.Totals.Rate)
		tile.Sentence = rep.Compare.Test.Sentence
		for _, it := range rep.Compare.Items {
			prev[it.Key] = it.Summary
		}
	}
	cur := map[string]rating.Summary{}
	for _, it := range rep.Items {
		cur[it.Key] = it.Summary
	}
	for m := from / 100; m <= today/100; m = nextMonth(m) {
		key := formatMonth(m)
		prevKey := formatMonth(m - 100)
		c, p := cur[key], prev[prevKey]
		pt := TrendPoint{Month: key, N: c.N, Satisfied: c.Satisfied, Rate: rate(c.N, c.Satisfied, c.Rate), PrevN: p.N, PrevRate: rate(p.N, p.Satisfied, p.Rate)}
		if c.N > 0 {
			w := round4(c.WilsonLower)
			pt.WilsonLower = &w
		}
		tile.Trend = append(tile.Trend, pt)
	}
	return tile, nil
}
