package analytics

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/stats"
)

// 满意度调查 (R-ANA-03): how the client orgs rated the vendors' service on
// tickets, per month × vendor / region / device type (brand, model, org,
// station, engineer, ticket type as well): the count per level of the scale,
// 总计, the satisfaction rate and its 95 % Wilson interval (internal/stats, as
// the satisfaction report computes it).
//
// The ratings concerned are those with a ticket (channels ticket and survey),
// a small share of all ratings (counter ratings are the bulk). Their device,
// station and ticket type are the ticket's, which the rating roll-ups do not
// carry, so analytics keeps its own copy (migration 00021): each vendor
// rating once in analytics_survey_ratings with those properties, and the
// counts per month and key in analytics_survey_months. surveyCatchUp copies
// what is new before a report reads; a report reads whole months from the
// monthly table and the days at the period's edges from the copies.

// SurveyMeasures are the figures of a group: the count per level (keys are the
// level numbers 1..N, N the best), 总计 and the rate with its Wilson bounds
// (null without ratings).
type SurveyMeasures struct {
	Levels      map[string]int64 `json:"levels"`
	N           int64            `json:"n"`
	Satisfied   int64            `json:"satisfied"`
	Rate        *float64         `json:"rate"`
	WilsonLower *float64         `json:"wilson_lower"`
	WilsonUpper *float64         `json:"wilson_upper"`
}

// SurveyItem is one group of the survey.
type SurveyItem struct {
	Group
	SurveyMeasures
}

// SurveyReport answers GET /analytics/survey.
type SurveyReport struct {
	Period
	GroupBy []string `json:"group_by"`
	// The scale whose levels are the columns (the configured one at the
	// filtered org, else the one most ratings used), best first.
	Scale  int            `json:"scale"`
	Levels []rating.Level `json:"levels"`
	Items  []SurveyItem   `json:"items"`
	Totals SurveyMeasures `json:"totals"`
	Total  int            `json:"total"`
}

var surveyDims = []string{"month", "vendor", "region", "type", "brand", "model", "org", "station", "engineer", "ticket_type"}

// surveyDimExpr is a dimension's raw key on a survey row (alias r, orgs o).
var surveyDimExpr = map[string]string{
	"vendor":      idText("r.vendor_org_id"),
	"station":     idText("r.station_id"),
	"engineer":    idText("r.staff_id"),
	"region":      "COALESCE(o.region, '')",
	"org":         "o.path",
	"type":        "r.asset_type",
	"brand":       "r.asset_brand",
	"model":       "r.asset_model",
	"ticket_type": "r.ticket_type",
}

var surveyScope = scope.Columns{Org: "r.org_id", Vendor: "r.vendor_org_id", Self: "r.staff_id"}

type surveyRow struct {
	gcols
	Level     int   `db:"level"`
	Scale     int   `db:"scale"`
	Satisfied int   `db:"satisfied"`
	N         int64 `db:"n"`
}

// Survey computes 满意度调查. Periods are the ratings' days.
func (s *Service) Survey(ctx context.Context, f Filter) (*SurveyReport, error) {
	if err := s.prepare(ctx, &f, surveyDims, "month,vendor"); err != nil {
		return nil, err
	}
	if err := s.surveyCatchUp(ctx); err != nil {
		return nil, err
	}
	n := len(f.dims)
	var rows []surveyRow
	for _, src := range f.sources(&rollFamily{Name: "survey"}) {
		table, count, cond := "analytics_survey_months", "SUM(r.n)", ""
		if src.table != "analytics_survey_months" {
			table, count, cond = "analytics_survey_ratings", "COUNT(*)", " AND r.superseded = 0"
		}
		var sel, group []string
		join := ""
		for i, d := range f.dims {
			e := surveyDimExpr[d]
			if d == "month" {
				e = "CAST(" + src.month + " AS TEXT)"
			}
			if d == "region" || d == "org" {
				join = " JOIN orgs o ON o.id = r.org_id"
			}
			sel = append(sel, e+" AS g"+strconv.Itoa(i))
			group = append(group, e)
		}
		w, args := surveyWhere(ctx, &f)
		q := "SELECT " + strings.Join(append(sel, "r.level", "r.scale", "r.satisfied", "CAST("+count+" AS BIGINT) AS n"), ", ") +
			" FROM " + table + " r" + join + " WHERE " + w + " AND " + src.where + cond +
			" GROUP BY " + strings.Join(append(group, "r.level", "r.scale", "r.satisfied"), ", ")
		var part []surveyRow
		if err := s.db.Select(ctx, &part, q, append(args, src.args...)...); err != nil {
			return nil, err
		}
		rows = append(rows, part...)
	}
	raws := make([][]string, len(rows))
	for i := range rows {
		raws[i] = rows[i].raw(n)
	}
	g, err := s.newGrouper(ctx, &f, raws)
	if err != nil {
		return nil, err
	}
	acc := map[string]*SurveyMeasures{}
	groups := map[string]*Group{}
	totals := &SurveyMeasures{Levels: map[string]int64{}}
	scales := map[int]int64{}
	for i := range rows {
		r := &rows[i]
		if r.N == 0 {
			continue
		}
		gr := newGroup(f.dims, g.key(raws[i]))
		if acc[gr.Key] == nil {
			acc[gr.Key], groups[gr.Key] = &SurveyMeasures{Levels: map[string]int64{}}, gr
		}
		acc[gr.Key].add(r)
		totals.add(r)
		scales[r.Scale] += r.N
	}
	scale, err := s.surveyScale(ctx, f.OrgID, scales)
	if err != nil {
		return nil, err
	}
	totals.finish()
	out := &SurveyReport{Period: f.period(), GroupBy: f.dims, Scale: scale, Levels: rating.Levels(scale), Items: []SurveyItem{}, Totals: *totals}
	for k, gr := range groups {
		acc[k].finish()
		out.Items = append(out.Items, SurveyItem{Group: *gr, SurveyMeasures: *acc[k]})
	}
	if err := labelItems(ctx, g, out.Items, func(it *SurveyItem) *Group { return &it.Group }); err != nil {
		return nil, err
	}
	sortGroups(f.dims, out.Items, func(it SurveyItem) *Group { return &it.Group })
	out.Total = len(out.Items)
	return out, nil
}

func (m *SurveyMeasures) add(r *surveyRow) {
	m.Levels[strconv.Itoa(r.Level)] += r.N
	m.N += r.N
	if r.Satisfied == 1 {
		m.Satisfied += r.N
	}
}

func (m *SurveyMeasures) finish() {
	if m.N == 0 {
		return
	}
	rate := round4(float64(m.Satisfied) / float64(m.N))
	lo, hi := stats.Wilson(int(m.Satisfied), int(m.N), stats.Z95)
	lo, hi = round4(lo), round4(hi)
	m.Rate, m.WilsonLower, m.WilsonUpper = &rate, &lo, &hi
}

// surveyScale is the scale whose levels head the columns: the one configured
// at the filtered org, else the one most of the ratings used, else the default.
func (s *Service) surveyScale(ctx context.Context, orgID int64, used map[int]int64) (int, error) {
	if orgID != 0 && s.ratings != nil {
		set, err := s.ratings.SettingsAt(ctx, orgID)
		if err != nil {
			return 0, err
		}
		return set.Scale, nil
	}
	best, bestN := 0, int64(0)
	for sc, n := range used {
		if n > bestN || (n == bestN && sc > best) {
			best, bestN = sc, n
		}
	}
	if best == 0 {
		best = rating.DefaultSettings().Scale
	}
	return best, nil
}

// surveyWhere renders the scope and filters of a survey read (alias r).
func surveyWhere(ctx context.Context, f *Filter) (string, []any) {
	pred, args := scope.From(ctx).Where(surveyScope)
	w := pred
	add := func(cond string, v any) {
		w += " AND " + cond
		args = append(args, v)
	}
	if f.OrgID != 0 {
		add(scope.InSubtree("r.org_id"), f.OrgID)
	}
	if f.VendorOrgID != 0 {
		add(scope.InSubtree("r.vendor_org_id"), f.VendorOrgID)
	}
	if f.StationID != 0 {
		add("r.station_id = ?", f.StationID)
	}
	if f.StaffID != 0 {
		add("r.staff_id = ?", f.StaffID)
	}
	if f.TicketType != "" {
		add("r.ticket_type = ?", f.TicketType)
	}
	for col, v := range map[string]string{"r.asset_type": f.Type, "r.asset_brand": f.Brand, "r.asset_model": f.Model} {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	return w, args
}

// surveyMargin: copying starts this many rating ids below the newest copy, so
// a rating whose transaction committed after a later one's is still found.
const surveyMargin = 10000

// surveyCatchUp copies the vendor ratings analytics has not met yet and adds
// them to the monthly counts; a correction marks the rating it corrects
// superseded and takes it out of the counts. One probe of a partial index
// when nothing is new.
func (s *Service) surveyCatchUp(ctx context.Context) error {
	var top int64
	if err := s.db.Get(ctx, &top, "SELECT CAST(COALESCE(MAX(rating_id), 0) AS BIGINT) FROM analytics_survey_ratings"); err != nil {
		return err
	}
	from := top - surveyMargin
	var probe []int64
	if err := s.db.Select(ctx, &probe, s.sql("survey-new", nil), from); err != nil || len(probe) == 0 {
		return err
	}
	s.surveyMu.Lock()
	defer s.surveyMu.Unlock()
	for {
		var copied int64
		err := s.db.WithTx(ctx, func(ctx context.Context) error {
			res, err := s.db.Exec(ctx, s.sql("survey-copy", nil), from, surveyBatch)
			if err != nil {
				return err
			}
			if copied, err = res.RowsAffected(); err != nil || copied == 0 {
				return err
			}
			for _, name := range []string{"survey-count", "survey-uncount", "survey-supersede", "survey-counted"} {
				if _, err := s.db.Exec(ctx, s.sql(name, nil)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || copied < surveyBatch {
			return err
		}
	}
}

const surveyBatch = 20000

// SurveyTable is the report as shown and exported: a column per level of the
// scale (best first), 总计, 满意数, 满意率 and the Wilson bounds.
func (r *SurveyReport) Table() Table {
	h := dimHeader(r.GroupBy)
	for _, l := range r.Levels {
		h = append(h, l.Label)
	}
	t := Table{Title: "满意度调查", Header: append(h, "总计", "满意数", "满意率", "置信下限", "置信上限")}
	cells := func(m *SurveyMeasures) []string {
		var out []string
		for _, l := range r.Levels {
			out = append(out, itoa(m.Levels[strconv.Itoa(l.Level)]))
		}
		return append(out, itoa(m.N), itoa(m.Satisfied), optPct(m.Rate), optPct(m.WilsonLower), optPct(m.WilsonUpper))
	}
	for i := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &r.Items[i].Group), cells(&r.Items[i].SurveyMeasures)...))
	}
	t.Totals = append(totalCells(r.GroupBy), cells(&r.Totals)...)
	return t
}

// SurveyRating is one rating behind a number of the survey (click-through).
type SurveyRating struct {
	ID           int64     `db:"id" json:"id"`
	RatedAt      time.Time `db:"rated_at" json:"rated_at"`
	Level        int       `db:"level" json:"level"`
	Scale        int       `db:"scale" json:"scale"`
	LevelLabel   string    `db:"-" json:"level_label"`
	Satisfied    bool      `db:"-" json:"satisfied"`
	SatisfiedRaw int       `db:"satisfied" json:"-"`
	Comment      string    `db:"comment" json:"comment"`
	ReasonsJSON  string    `db:"reasons" json:"-"`
	Reasons      []string  `db:"-" json:"reasons"`
	TicketID     int64     `db:"ticket_id" json:"ticket_id"`
	TicketNumber string    `db:"number" json:"ticket_number"`
	OrgName      string    `db:"org_name" json:"org_name"`
	VendorName   *string   `db:"vendor_name" json:"vendor_name"`
	StaffName    *string   `db:"staff_name" json:"staff_name"`
	AssetCode    *string   `db:"asset_code" json:"asset_code"`
}

// surveyKeyCols are the columns a click-through key filters on; vendor and
// org keys are groups (a vendor company, a child org), so their subtrees.
var surveyKeyCols = map[string]struct {
	col     string
	subtree bool
}{
	"vendor": {"r.vendor_org_id", true}, "org": {"r.org_id", true}, "station": {"r.station_id", false}, "engineer": {"r.staff_id", false},
	"type": {"r.asset_type", false}, "brand": {"r.asset_brand", false}, "model": {"r.asset_model", false}, "ticket_type": {"r.ticket_type", false},
}

// SurveyRatings lists the ratings behind one cell of the survey: the report's
// filters plus a group's keys (as the report answers them: month yyyy-mm, a
// vendor or org id, a region …; "" is none) and optionally one level; newest
// first, paged.
func (s *Service) SurveyRatings(ctx context.Context, f Filter, keys map[string]string, level int) ([]SurveyRating, int, error) {
	if err := s.prepare(ctx, &f, nil, ""); err != nil {
		return nil, 0, err
	}
	if level < 0 || level > 10 {
		return nil, 0, apperr.Field("level", "评价等级须在 1–10 之间", "level must be from 1 to 10")
	}
	if err := s.surveyCatchUp(ctx); err != nil {
		return nil, 0, err
	}
	w, args := surveyWhere(ctx, &f)
	w += " AND r.superseded = 0 AND r.day >= ? AND r.day <= ?"
	args = append(args, f.From, f.To)
	if level != 0 {
		w += " AND r.level = ?"
		args = append(args, level)
	}
	ks := make([]string, 0, len(keys))
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, d := range ks {
		v := keys[d]
		switch c, ok := surveyKeyCols[d]; {
		case d == "month":
			t, err := time.Parse("2006-01", v)
			if err != nil {
				return nil, 0, apperr.Field("month", "月份格式为 YYYY-MM", "month is YYYY-MM")
			}
			m := t.Year()*100 + int(t.Month())
			w += " AND r.day >= ? AND r.day <= ?"
			args = append(args, m*100+1, m*100+31)
		case d == "region":
			w += " AND r.org_id IN (SELECT id FROM orgs WHERE COALESCE(region, '') = ?)"
			args = append(args, v)
		case !ok:
			return nil, 0, apperr.Field(d, "不能按此筛选评价", "not a key of the survey")
		case strings.HasPrefix(c.col, "r.asset_") || d == "ticket_type":
			w += " AND " + c.col + " = ?"
			args = append(args, v)
		case v == "":
			w += " AND " + c.col + " = 0"
		default:
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return nil, 0, apperr.Field(d, "须为机构或人员编号", "must be an id")
			}
			if c.subtree {
				w += " AND " + scope.InSubtree(c.col)
			} else {
				w += " AND " + c.col + " = ?"
			}
			args = append(args, id)
		}
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM analytics_survey_ratings r WHERE "+w, args...); err != nil {
		return nil, 0, err
	}
	out := []SurveyRating{}
	if err := s.db.Select(ctx, &out, s.sql("survey-ratings", map[string]string{"where": w}), append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		x := &out[i]
		x.LevelLabel, x.Satisfied, x.Reasons = rating.LevelLabel(x.Scale, x.Level), x.SatisfiedRaw == 1, []string{}
		_ = json.Unmarshal([]byte(x.ReasonsJSON), &x.Reasons)
	}
	return out, total, nil
}
