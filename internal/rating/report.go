package rating

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"lingting/internal/apperr"
	"lingting/internal/scope"
	"lingting/internal/stats"
	"lingting/internal/store"
)

// ReportFilter selects what a satisfaction report or ranking covers. Days
// are inclusive yyyymmdd in Asia/Shanghai.
type ReportFilter struct {
	From, To                                               int
	OrgID, StaffID, CounterID, BusinessTypeID, VendorOrgID int64
	Channel                                                string
	GroupBy                                                string
	Compare                                                string
	MinN                                                   int
	Lang                                                   string
	// NoSessions leaves out the session figures (participation, handling and
	// waiting times) for a caller that shows only the ratings: the
	// dashboard's satisfaction trend.
	NoSessions bool

	// Resolved by period, once per report.
	orgPath      string // the path of OrgID's org ("" when none)
	scopeImplied bool   // the OrgID subtree lies inside the caller's scope: its predicate alone suffices
	skipSessions bool   // rankings show no session figures
	orgLevel     bool   // the report needs no staff or counter: read rating_org_monthly
	staffLevel   bool   // a staff ranking without channel, counter or type filters: read rating_staff_monthly
}

// Summary is the figures of one group (or of everything).
type Summary struct {
	N                int64            `json:"n"`
	Levels           map[string]int64 `json:"levels"`
	Satisfied        int64            `json:"satisfied"`
	Rate             float64          `json:"rate"`
	WilsonLower      float64          `json:"wilson_lower"`
	WilsonUpper      float64          `json:"wilson_upper"`
	Mean             float64          `json:"mean"`
	MeanPct          float64          `json:"mean_pct"`
	Sessions         int64            `json:"sessions"`
	Participation    *float64         `json:"participation"`
	AvgHandleSeconds *float64         `json:"avg_handle_seconds"`
	AvgWaitSeconds   *float64         `json:"avg_wait_seconds"`

	levelSum, pctSum                    float64
	sessionRated, ended, handle, waited int64
	waitSec                             int64
}

// Item is one group of a report.
type Item struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Summary
}

// Period is the figures of one period.
type Period struct {
	From   string  `json:"from"`
	To     string  `json:"to"`
	Totals Summary `json:"totals"`
	Items  []Item  `json:"items"`
}

// Test is the significance test of two periods' satisfaction rates.
type Test struct {
	DiffPP      float64 `json:"diff_pp"`
	Z           float64 `json:"z"`
	P           float64 `json:"p"`
	Significant bool    `json:"significant"`
	Sentence    string  `json:"sentence"`
}

// Comparison is the earlier period and the test against it.
type Comparison struct {
	Period
	Mode string `json:"mode"`
	Test Test   `json:"test"`
}

// Report answers GET /analytics/satisfaction.
type Report struct {
	Period
	GroupBy string      `json:"group_by"`
	Compare *Comparison `json:"compare,omitempty"`
}

var groupings = map[string]bool{"": true, "day": true, "week": true, "month": true, "quarter": true, "year": true,
	"staff": true, "counter": true, "org": true, "business_type": true, "channel": true}

func isTimeGrouping(g string) bool {
	return g == "day" || g == "week" || g == "month" || g == "quarter" || g == "year"
}

// Validate checks a report filter.
func (f *ReportFilter) Validate() error {
	var v apperr.Validation
	if f.From == 0 || f.To == 0 {
		v.Add("from", "请指定起止日期 from、to", "give from and to dates")
	} else if f.From > f.To {
		v.Add("to", "结束日期不能早于开始日期", "to cannot be before from")
	} else if dayTime(f.To).Sub(dayTime(f.From)).Hours() > 24*366*5 {
		v.Add("to", "统计区间最长 5 年", "the period is at most 5 years")
	}
	if !groupings[f.GroupBy] {
		v.Add("group_by", "分组只能是 day、week、month、quarter、year、staff、counter、org、business_type、channel", "unknown group_by")
	}
	if f.Compare != "" && f.Compare != "yoy" && f.Compare != "mom" {
		v.Add("compare", "对比只能是 yoy（同比）或 mom（环比）", "compare must be yoy or mom")
	}
	if f.GroupBy == "day" && dayTime(f.To).Sub(dayTime(f.From)).Hours() > 24*400 {
		v.Add("group_by", "按日分组的区间最长 400 天", "group_by=day covers at most 400 days")
	}
	return v.Err()
}

// Satisfaction computes the satisfaction report from the roll-ups.
func (s *Service) Satisfaction(ctx context.Context, f ReportFilter) (*Report, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	cur, err := s.period(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &Report{Period: *cur, GroupBy: f.GroupBy}
	if f.Compare != "" {
		pf := f
		pf.From, pf.To = previous(f.From, f.To, f.Compare)
		prev, err := s.period(ctx, pf)
		if err != nil {
			return nil, err
		}
		c := stats.Compare(int(prev.Totals.Satisfied), int(prev.Totals.N), int(cur.Totals.Satisfied), int(cur.Totals.N))
		out.Compare = &Comparison{Period: *prev, Mode: f.Compare,
			Test: Test{DiffPP: c.DiffPoints, Z: c.Z, P: c.P, Significant: c.Significant, Sentence: c.Sentence(f.Lang)}}
	}
	return out, nil
}

// period computes totals and groups for one range.
func (s *Service) period(ctx context.Context, f ReportFilter) (*Period, error) {
	if err := s.plan(ctx, &f); err != nil {
		return nil, err
	}
	groups := map[string]*Summary{}
	var totals Summary
	var orgKeys []orgGroup
	if f.GroupBy == "org" {
		var err error
		if orgKeys, err = s.childOrgs(ctx, f.OrgID); err != nil {
			return nil, err
		}
	}
	keyOf := func(g string, monthly bool) []string {
		switch {
		case f.GroupBy == "":
			return nil
		case isTimeGrouping(f.GroupBy):
			v, _ := strconv.Atoi(g)
			return []string{periodKey(f.GroupBy, v, monthly)}
		case f.GroupBy == "org":
			var ks []string
			for _, o := range orgKeys {
				if strings.HasPrefix(g, o.Path) {
					ks = append(ks, strconv.FormatInt(o.ID, 10))
				}
			}
			return ks
		default:
			return []string{g}
		}
	}
	add := func(g string, monthly bool, fn func(*Summary)) {
		for _, k := range keyOf(g, monthly) {
			sm := groups[k]
			if sm == nil {
				sm = &Summary{}
				groups[k] = sm
			}
			fn(sm)
		}
	}
	rows, err := s.ratingAggregates(ctx, f)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		fn := func(sm *Summary) { sm.addRatings(r) }
		fn(&totals)
		add(r.G, r.Monthly, fn)
	}
	if f.Channel == "" && f.VendorOrgID == 0 && !f.skipSessions && !f.NoSessions {
		srows, err := s.sessionAggregates(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range srows {
			fn := func(sm *Summary) { sm.addSessions(r) }
			fn(&totals)
			add(r.G, r.Monthly, fn)
		}
	}
	totals.finish()
	items := make([]Item, 0, len(groups))
	for k, sm := range groups {
		sm.finish()
		items = append(items, Item{Key: k, Label: k, Summary: *sm})
	}
	if err := s.label(ctx, f.GroupBy, items, orgKeys); err != nil {
		return nil, err
	}
	sort.Slice(items, func(i, j int) bool {
		if isTimeGrouping(f.GroupBy) {
			return items[i].Key < items[j].Key
		}
		if items[i].N != items[j].N {
			return items[i].N > items[j].N
		}
		return items[i].Key < items[j].Key
	})
	return &Period{From: FormatDay(f.From), To: FormatDay(f.To), Totals: totals, Items: items}, nil
}

func (sm *Summary) addRatings(r aggRow) {
	sm.N += r.N
	if sm.Levels == nil {
		sm.Levels = map[string]int64{}
	}
	sm.Levels[strconv.Itoa(r.Level)] += r.N
	if r.Satisfied == 1 {
		sm.Satisfied += r.N
	}
	sm.levelSum += float64(r.Level) * float64(r.N)
	if r.Scale > 1 {
		sm.pctSum += float64(r.Level-1) / float64(r.Scale-1) * 100 * float64(r.N)
	}
	if r.Channel == ChannelKiosk || r.Channel == ChannelDevice || r.Channel == ChannelStaff {
		sm.sessionRated += r.N
	}
}

func (sm *Summary) addSessions(r sessionAgg) {
	sm.Sessions += r.Sessions
	sm.ended += r.Ended
	sm.handle += r.Handle
	sm.waited += r.Waited
	sm.waitSec += r.Wait
}

func (sm *Summary) finish() {
	if sm.Levels == nil {
		sm.Levels = map[string]int64{}
	}
	if sm.N > 0 {
		sm.Rate = float64(sm.Satisfied) / float64(sm.N)
		sm.Mean = sm.levelSum / float64(sm.N)
		sm.MeanPct = sm.pctSum / float64(sm.N)
	}
	sm.WilsonLower, sm.WilsonUpper = stats.Wilson(int(sm.Satisfied), int(sm.N), stats.Z95)
	if sm.Sessions > 0 {
		p := min(1, float64(sm.sessionRated)/float64(sm.Sessions))
		sm.Participation = &p
	}
	if sm.ended > 0 {
		h := float64(sm.handle) / float64(sm.ended)
		sm.AvgHandleSeconds = &h
	}
	if sm.waited > 0 {
		w := float64(sm.waitSec) / float64(sm.waited)
		sm.AvgWaitSeconds = &w
	}
}

type aggRow struct {
	G         string `db:"g"`
	Level     int    `db:"level"`
	Scale     int    `db:"scale"`
	Satisfied int    `db:"satisfied"`
	Channel   string `db:"channel"`
	N         int64  `db:"n"`
	Monthly   bool   `db:"-"`
}

type sessionAgg struct {
	G        string `db:"g"`
	Sessions int64  `db:"sessions"`
	Ended    int64  `db:"ended"`
	Handle   int64  `db:"handle"`
	Waited   int64  `db:"waited"`
	Wait     int64  `db:"wait"`
	Monthly  bool   `db:"-"`
}

// plan resolves what every part of a report shares: the path of the org
// filter, whether the caller's scope already contains that subtree (then the
// scope predicate is left out — on PostgreSQL the two subtree predicates
// together were estimated at one row and planned as ~100 nested index scans),
// and whether the report can read the roll-up without staff and counter.
func (s *Service) plan(ctx context.Context, f *ReportFilter) error {
	sc := scope.From(ctx)
	if f.OrgID != 0 {
		var path string
		err := s.db.Get(ctx, &path, "SELECT path FROM orgs WHERE id = ?", f.OrgID)
		if err != nil && !store.IsNoRows(err) {
			return err
		}
		if path == "" {
			path = "-" // an unknown org: matches nothing (no path starts with "-")
		}
		f.orgPath = path
		// Scope predicates are ORed: if the org side alone covers the subtree,
		// every row of the subtree passes. A vendor-side caller's roots apply
		// to the vendor column, which the org filter does not constrain.
		// (Only subtree roots count: an org-only scope does not cover the org's children.)
		f.scopeImplied = sc.All
		for _, root := range sc.Roots {
			if sc.Axis != scope.AxisVendor && strings.HasPrefix(path, root) {
				f.scopeImplied = true
			}
		}
	}
	// rating_org_monthly has no staff_id or counter_id: usable when nothing
	// filters or groups by them and the scope does not match on staff.
	f.orgLevel = f.StaffID == 0 && f.CounterID == 0 && f.GroupBy != "staff" && f.GroupBy != "counter" && (sc.All || !sc.Self)
	// rating_staff_monthly keeps org, staff, vendor and satisfied alone: what
	// a staff ranking shows (n, satisfied) under any scope, unless it filters
	// on a dimension the roll-up does not keep.
	f.staffLevel = f.skipSessions && f.GroupBy == "staff" && f.Channel == "" && f.CounterID == 0 && f.BusinessTypeID == 0
	return nil
}

var rollupScope = scope.Columns{Org: "d.org_id", Vendor: "d.vendor_org_id", Self: "d.staff_id"}
var sessionRollupScope = scope.Columns{Org: "d.org_id", Self: "d.staff_id"}

// groupExpr is the SQL of the grouping column of a roll-up read. Integer
// columns are grouped as they are (the driver hands them over as text for
// aggRow.G): a cast to text made SQLite sort on text keys and kept it from
// grouping in the order of a covering index.
func groupExpr(groupBy string, monthly bool) string {
	switch groupBy {
	case "day", "week":
		return "d.day"
	case "month", "quarter", "year":
		if monthly {
			return "d.month"
		}
		// A day of daily rows stands for its month (the 1st): periodKey takes
		// a day there, and per-day groups would be 30 times as many.
		return "d.day / 100 * 100 + 1"
	case "staff":
		return "d.staff_id"
	case "counter":
		return "d.counter_id"
	case "business_type":
		return "d.business_type_id"
	case "channel":
		return "d.channel"
	case "org":
		return "o.path"
	default:
		return "''"
	}
}

// filterSQL renders the scope, dimension filters and the part's range.
func filterSQL(ctx context.Context, f ReportFilter, p part, sessions bool) (string, []any) {
	cols := rollupScope
	if sessions {
		cols = sessionRollupScope
	}
	if p.byMonth {
		// SQLite: keep the planner off the (org_id, month) index, whose rows
		// must then be sorted for the GROUP BY; the month range of the
		// covering index comes in group order (4× less CPU for a whole bank).
		cols.Org = "+" + cols.Org
	}
	w, args := " WHERE 1=1", []any(nil)
	if !f.scopeImplied {
		var pred string
		pred, args = scope.From(ctx).Where(cols)
		w = " WHERE " + pred
	}
	if p.monthly {
		w += " AND d.month BETWEEN ? AND ?"
	} else {
		w += " AND d.day BETWEEN ? AND ?"
	}
	args = append(args, p.lo, p.hi)
	if f.OrgID != 0 {
		// The path as a literal prefix: the planner estimates it from the
		// orgs index instead of guessing at a nested subquery.
		w += " AND d.org_id IN (SELECT id FROM orgs WHERE path LIKE ?)"
		args = append(args, f.orgPath+"%")
	}
	dims := map[string]int64{"d.staff_id": f.StaffID, "d.counter_id": f.CounterID, "d.business_type_id": f.BusinessTypeID}
	if !sessions {
		dims["d.vendor_org_id"] = f.VendorOrgID
	}
	for _, col := range []string{"d.staff_id", "d.counter_id", "d.business_type_id", "d.vendor_org_id"} {
		if v := dims[col]; v != 0 {
			w += " AND " + col + " = ?"
			args = append(args, v)
		}
	}
	if f.Channel != "" && !sessions {
		w += " AND d.channel = ?"
		args = append(args, f.Channel)
	}
	return w, args
}

func (s *Service) ratingAggregates(ctx context.Context, f ReportFilter) ([]aggRow, error) {
	var parts []part
	if f.GroupBy == "day" || f.GroupBy == "week" {
		parts = []part{{lo: f.From, hi: f.To}}
	} else {
		parts = split(f.From, f.To)
	}
	var out []aggRow
	for _, p := range parts {
		table := "rating_daily"
		if p.monthly {
			table = "rating_monthly"
			if f.orgLevel {
				table = "rating_org_monthly"
				p.byMonth = s.db.Dialect == store.SQLite && f.OrgID == 0 && (f.GroupBy == "" || isTimeGrouping(f.GroupBy))
			}
		}
		join := ""
		if f.GroupBy == "org" {
			join = " JOIN orgs o ON o.id = " + orgColumn(ctx)
		}
		g := groupExpr(f.GroupBy, p.monthly)
		keys := groupBy(g, "d.level, d.scale, d.satisfied, d.channel")
		if f.GroupBy == "staff" {
			// Grouped org by org too (a staff member's rows are their org's;
			// one who moved comes back as two rows, added up by key below):
			// rating_monthly_org_staff then delivers the groups in order.
			keys = "d.org_id, " + keys
		}
		cols := "d.level, d.scale, d.satisfied, d.channel"
		if p.monthly && f.staffLevel {
			// Levels, scale and channel are not in it: a ranking does not show them.
			table, cols, keys = "rating_staff_monthly", "0 AS level, 0 AS scale, d.satisfied, '' AS channel", "d.staff_id, d.satisfied"
		}
		w, args := filterSQL(ctx, f, p, false)
		var rows []aggRow
		err := s.db.Select(ctx, &rows, "SELECT "+g+" AS g, "+cols+", CAST(SUM(d.n) AS BIGINT) AS n FROM "+table+" d"+join+w+
			" GROUP BY "+keys+" HAVING SUM(d.n) <> 0", args...)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			rows[i].Monthly = p.monthly
		}
		out = append(out, rows...)
	}
	return out, nil
}

func (s *Service) sessionAggregates(ctx context.Context, f ReportFilter) ([]sessionAgg, error) {
	if f.GroupBy == "channel" {
		return nil, nil // sessions have no rating channel
	}
	join := ""
	if f.GroupBy == "org" {
		if orgColumn(ctx) != "d.org_id" {
			return nil, nil // sessions are the client's; a vendor's groups are its own orgs
		}
		join = " JOIN orgs o ON o.id = d.org_id"
	}
	// Whole months from session_monthly, the ragged ends (and day or week
	// groupings) from session_daily, as for ratings.
	parts := []part{{lo: f.From, hi: f.To}}
	if f.GroupBy != "day" && f.GroupBy != "week" {
		parts = split(f.From, f.To)
	}
	var out []sessionAgg
	for _, p := range parts {
		table := "session_daily"
		if p.monthly {
			table = "session_monthly"
		}
		g := groupExpr(f.GroupBy, p.monthly)
		w, args := filterSQL(ctx, f, p, true)
		var rows []sessionAgg
		err := s.db.Select(ctx, &rows, "SELECT "+g+` AS g, CAST(COALESCE(SUM(d.sessions), 0) AS BIGINT) AS sessions, CAST(COALESCE(SUM(d.ended), 0) AS BIGINT) AS ended,
			CAST(COALESCE(SUM(d.handle_seconds), 0) AS BIGINT) AS handle, CAST(COALESCE(SUM(d.waited), 0) AS BIGINT) AS waited, CAST(COALESCE(SUM(d.wait_seconds), 0) AS BIGINT) AS wait
			FROM `+table+` d`+join+w+groupByClause(g), args...)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			rows[i].Monthly = p.monthly
		}
		out = append(out, rows...)
	}
	return out, nil
}

// groupBy lists the GROUP BY columns, leaving out the constant of an ungrouped report.
func groupBy(g, rest string) string {
	if g == "''" {
		return rest
	}
	return g + ", " + rest
}

func groupByClause(g string) string {
	if g == "''" {
		return ""
	}
	return " GROUP BY " + g
}

// orgColumn is the roll-up column group_by=org follows: the client org where
// the service happened, or for a vendor-side caller the servicing vendor org
// (a vendor sees its stations, not the client's tree).
func orgColumn(ctx context.Context) string {
	if scope.From(ctx).Axis == scope.AxisVendor {
		return "d.vendor_org_id"
	}
	return "d.org_id"
}

type orgGroup struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Path string `db:"path"`
}

// childOrgs are the groups of group_by=org: the children of orgID, or the
// caller's top visible orgs when none is given.
func (s *Service) childOrgs(ctx context.Context, orgID int64) ([]orgGroup, error) {
	var out []orgGroup
	if orgID != 0 {
		if _, err := s.orgs.GetOrg(ctx, orgID); err != nil {
			return nil, err
		}
		return out, s.db.Select(ctx, &out, "SELECT id, name, path FROM orgs WHERE parent_id = ? ORDER BY sort_order, id", orgID)
	}
	pred, args := scope.From(ctx).Where(scope.Columns{Org: "o.id"})
	var all []orgGroup
	if err := s.db.Select(ctx, &all, "SELECT o.id, o.name, o.path FROM orgs o WHERE "+pred+" ORDER BY o.depth, o.sort_order, o.id", args...); err != nil {
		return nil, err
	}
	for _, o := range all {
		covered := false
		for _, top := range out {
			if strings.HasPrefix(o.Path, top.Path) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, o)
		}
	}
	return out, nil
}

// label names the groups of dimension groupings.
func (s *Service) label(ctx context.Context, groupBy string, items []Item, orgs []orgGroup) error {
	names := map[string]string{}
	var q string
	switch groupBy {
	case "staff":
		q = "SELECT CAST(id AS TEXT) AS k, name AS v FROM users"
	case "counter":
		q = "SELECT CAST(id AS TEXT) AS k, name AS v FROM counters"
	case "business_type":
		q = "SELECT CAST(id AS TEXT) AS k, name AS v FROM business_types"
	case "org":
		for _, o := range orgs {
			names[strconv.FormatInt(o.ID, 10)] = o.Name
		}
	case "channel":
		for k, v := range channelLabels {
			names[k] = v
		}
	default:
		return nil
	}
	if q != "" {
		ids := make([]any, 0, len(items))
		for _, it := range items {
			if id, err := strconv.ParseInt(it.Key, 10, 64); err == nil && id != 0 {
				ids = append(ids, id)
			}
		}
		var rows []struct {
			K string `db:"k"`
			V string `db:"v"`
		}
		if len(ids) == 0 {
			ids = append(ids, int64(0))
		}
		if err := s.db.Select(ctx, &rows, q+" WHERE id IN ("+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+")", ids...); err != nil {
			return err
		}
		for _, r := range rows {
			names[r.K] = r.V
		}
	}
	names["0"] = "（未指定）"
	for i := range items {
		if n, ok := names[items[i].Key]; ok {
			items[i].Label = n
		}
	}
	return nil
}

var channelLabels = map[string]string{ChannelKiosk: "评价平板", ChannelDevice: "评价器", ChannelStaff: "员工端", ChannelQR: "二维码",
	ChannelSurvey: "回访链接", ChannelTicket: "工单评价"}
