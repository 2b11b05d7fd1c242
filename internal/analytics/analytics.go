// Package analytics computes the service reports of SPEC §7 (R-ANA-01…10): device
// archive and distribution, operation (运行情况), service time (服务时长), manpower
// (人力分析), abnormal service (异常服务), faults (故障次数/故障原因), complaints and
// suggestions (投诉与建议), the executive dashboard and the ticket history export.
//
// Every query is scoped: tickets through ticket.ScopeColumns, devices through
// asset.ScopeColumns, so a branch sees its subtree and a vendor its own devices
// and tickets. Periods are inclusive local days (Asia/Shanghai) matched on the
// indexed day column written with each ticket. All SQL lives in queries.sql.
package analytics

import (
	"context"
	_ "embed"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/rating"
	"lingting/internal/store"
)

//go:embed queries.sql
var queriesSQL string

// Service computes the reports.
type Service struct {
	db      *store.DB
	q       *store.Queries
	ratings *rating.Service
	zone    *time.Location
	now     func() time.Time
	// backfillMu keeps one Backfill at a time in this process.
	backfillMu sync.Mutex
	// surveyMu keeps one survey catch-up at a time in this process.
	surveyMu sync.Mutex
	bulkOnce sync.Once
	bulk     *bulkStmts
}

// NewService wires the service; ratings supplies the satisfaction trend of the dashboard.
func NewService(db *store.DB, ratings *rating.Service) *Service {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		zone = time.FixedZone("CST", 8*3600)
	}
	return &Service{db: db, q: store.ParseQueries(expandSQL(queriesSQL, db.Dialect), db.Dialect), ratings: ratings, zone: zone, now: store.Now}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

var (
	epochRe  = regexp.MustCompile(`EPOCH\(([a-z_.]+)\)`)
	metresRe = regexp.MustCompile(`METRES\(([a-z_.]+)\)`)
)

// expandSQL turns EPOCH(col) into whole Unix seconds on each engine, so
// durations are plain integer differences in the shared SQL, and METRES(col)
// a distance in km into whole metres, halves up (as metres in Go).
func expandSQL(sql string, d store.Dialect) string {
	epoch, m := "unixepoch($1)", "CAST($1 * 1000 + 0.5 AS INTEGER)" // a positive REAL: truncation is floor
	if d == store.Postgres {
		epoch = "CAST(FLOOR(EXTRACT(EPOCH FROM $1)) AS BIGINT)"
		m = "CAST(FLOOR(CAST($1 AS DOUBLE PRECISION) * 1000 + 0.5) AS BIGINT)"
	}
	return metresRe.ReplaceAllString(epochRe.ReplaceAllString(sql, epoch), m)
}

// sql returns a named query with its {{slots}} filled.
func (s *Service) sql(name string, slots map[string]string) string {
	q := s.q.Get(name)
	for k, v := range slots {
		q = strings.ReplaceAll(q, "{{"+k+"}}", v)
	}
	return q
}

// Filter selects what a report covers. Days are inclusive yyyymmdd in
// Asia/Shanghai; Type, Brand and Model are the device's.
type Filter struct {
	From, To                               int
	OrgID, VendorOrgID, StationID, StaffID int64
	Type, Brand, Model                     string
	TicketType, Status                     string
	GroupBy                                string
	// Report-specific knobs.
	MinRepairs                    int
	MinFaultHours, MinRepairHours float64
	OverloadHours                 float64
	OverloadOpen                  *int // nil: the default
	OverdueHours                  float64
	View                          string
	Limit, Offset                 int

	dims []string
}

// maxDays bounds a report's period (five years).
const maxDays = 366 * 5

// prepare fills defaults and checks the filter against a report's groupings:
// without dates the period is the current month to today; group_by is a
// comma-separated list of the allowed dimensions (def when empty).
func (s *Service) prepare(ctx context.Context, f *Filter, allowed []string, def string) error {
	var v apperr.Validation
	today := s.day(s.now())
	switch {
	case f.From == 0 && f.To == 0:
		f.From, f.To = today/100*100+1, today
	case f.From == 0:
		f.From = f.To/100*100 + 1
	case f.To == 0:
		f.To = max(today, f.From)
	}
	if f.From > f.To {
		v.Add("to", "结束日期不能早于开始日期", "to cannot be before from")
	} else if days(f.From, f.To) > maxDays {
		v.Add("to", "统计区间最长 5 年", "the period is at most 5 years")
	}
	if allowed != nil {
		g := strings.TrimSpace(f.GroupBy)
		if g == "" {
			g = def
		}
		f.dims = nil
		seen := map[string]bool{}
		for _, d := range strings.Split(g, ",") {
			d = strings.TrimSpace(d)
			if !contains(allowed, d) || seen[d] {
				v.Add("group_by", "分组只能是以下之一或以逗号组合（不重复）："+strings.Join(allowed, "、"),
					"group_by must be one or a comma-separated list of: "+strings.Join(allowed, ", "))
				break
			}
			seen[d] = true
			f.dims = append(f.dims, d)
		}
		if len(f.dims) > 4 {
			v.Add("group_by", "最多按 4 个维度分组", "at most 4 groupings")
		}
		if contains(f.dims, "day") && days(f.From, f.To) > 400 {
			v.Add("group_by", "按日分组的区间最长 400 天", "group_by=day covers at most 400 days")
		}
	}
	if f.MinRepairs < 0 || f.MinFaultHours < 0 || f.MinRepairHours < 0 || f.OverloadHours < 0 || (f.OverloadOpen != nil && *f.OverloadOpen < 0) || f.OverdueHours < 0 {
		v.Add("threshold", "阈值不能为负数", "thresholds cannot be negative")
	}
	for field, id := range map[string]int64{"org_id": f.OrgID, "vendor_org_id": f.VendorOrgID, "station_id": f.StationID} {
		if id == 0 {
			continue
		}
		var n int
		if err := s.db.Get(ctx, &n, s.sql("org-exists", nil), id); err != nil {
			return err
		}
		if n == 0 {
			v.Add(field, "机构不存在", "org not found")
		}
	}
	return v.Err()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Day is the local calendar day of t as yyyymmdd.
func (s *Service) day(t time.Time) int {
	y, m, d := t.In(s.zone).Date()
	return y*10000 + int(m)*100 + d
}

func dayTime(day int) time.Time {
	return time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, time.UTC)
}

func dayOf(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// days counts the days of an inclusive range.
func days(from, to int) int { return int(dayTime(to).Sub(dayTime(from)).Hours()/24) + 1 }

// FormatDay writes a day number as 2006-01-02.
func FormatDay(day int) string { return dayTime(day).Format(time.DateOnly) }

// ParseDay reads 2006-01-02 as a day number.
func ParseDay(s string) (int, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return dayOf(t), nil
}

// months lists the months (yyyymm) a range touches, each with the days of it
// inside the range.
func months(from, to int) (ms []int, daysIn map[int]int) {
	daysIn = map[int]int{}
	for m := from / 100; m <= to/100; m = nextMonth(m) {
		lo, hi := max(from, m*100+1), min(to, lastOfMonth(m))
		ms = append(ms, m)
		daysIn[m] = days(lo, hi)
	}
	return ms, daysIn
}

func lastOfMonth(month int) int {
	return dayOf(time.Date(month/100, time.Month(month%100)+1, 0, 0, 0, 0, 0, time.UTC))
}

func nextMonth(m int) int {
	if m%100 == 12 {
		return (m/100+1)*100 + 1
	}
	return m + 1
}

func formatMonth(m int) string { return strconv.Itoa(m/100) + "-" + pad2(m%100) }

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// hours turns seconds into hours with two decimals.
func hours(secs int64) float64 { return round2(float64(secs) / 3600) }

// avgHours is the mean of n durations in hours, or nil without any.
func avgHours(secs, n int64) *float64 {
	if n == 0 {
		return nil
	}
	v := round2(float64(secs) / float64(n) / 3600)
	return &v
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// Period is the range a report covers.
type Period struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (f *Filter) period() Period { return Period{From: FormatDay(f.From), To: FormatDay(f.To)} }
