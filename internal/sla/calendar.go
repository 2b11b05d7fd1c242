// Package sla holds service-level data and arithmetic: business calendars
// (working hours, public holidays, 调休 make-up working days, time zone), the
// deadline calculator over them, SLA policies and their matching rules.
//
// The calendar model and the calculator are pure Go (no database); Service
// stores calendars and policies.
package sla

import (
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones resolve even on hosts without /usr/share/zoneinfo

	"lingting/internal/apperr"
)

// DefaultTimeZone is the zone of a calendar that names none.
const DefaultTimeZone = "Asia/Shanghai"

// dayKeys are the JSON keys of the weekdays, indexed by time.Weekday.
var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Interval is one working interval of a day as wall-clock times, ["09:00", "12:00"]:
// from the first minute (inclusive) to the second (exclusive). "24:00" ends the day.
type Interval []string

// Weekly holds the working intervals of each weekday. A day without intervals
// (or with an empty list) is not a working day.
type Weekly struct {
	Mon []Interval `json:"mon"`
	Tue []Interval `json:"tue"`
	Wed []Interval `json:"wed"`
	Thu []Interval `json:"thu"`
	Fri []Interval `json:"fri"`
	Sat []Interval `json:"sat"`
	Sun []Interval `json:"sun"`
}

// Day returns a pointer to the intervals of a weekday.
func (w *Weekly) Day(d time.Weekday) *[]Interval {
	switch d {
	case time.Monday:
		return &w.Mon
	case time.Tuesday:
		return &w.Tue
	case time.Wednesday:
		return &w.Wed
	case time.Thursday:
		return &w.Thu
	case time.Friday:
		return &w.Fri
	case time.Saturday:
		return &w.Sat
	default:
		return &w.Sun
	}
}

// Calendar is a business calendar. Its JSON shape is the API contract:
//
//	{ "name": "网点工作日", "time_zone": "Asia/Shanghai",
//	  "weekly": { "mon": [["09:00","12:00"],["13:30","18:00"]], …, "sat": [], "sun": [] },
//	  "holidays": ["2026-10-01"], "workdays": ["2026-10-10"], "workday_hours_from": "mon" }
//
// Holidays are dates without working time whatever their weekday; workdays
// (调休) are dates that work with the hours of the weekday named by
// WorkdayHoursFrom (default "mon") whatever their own weekday. Dates are
// calendar days in the calendar's zone. A 24×7 calendar is one whose every
// weekday is [["00:00","24:00"]] (see TwentyFourSeven).
//
// Call Validate before using a calendar: it normalises the fields and prepares
// the lookup tables the calculator uses (an unvalidated calendar is prepared
// again on every call, which is correct but slower).
type Calendar struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	TimeZone         string    `json:"time_zone"`
	Weekly           Weekly    `json:"weekly"`
	Holidays         []string  `json:"holidays"`
	Workdays         []string  `json:"workdays"`
	WorkdayHoursFrom string    `json:"workday_hours_from"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`

	prepared *compiled
}

// span is a working interval in minutes of the day, [start, end), end ≤ 1440.
type span struct{ start, end int }

// compiled is the calculator's view of a calendar.
type compiled struct {
	loc       *time.Location
	week      [7][]span // by time.Weekday
	extra     []span    // hours of a make-up working day
	holidays  map[int32]bool
	workdays  map[int32]bool
	lastExtra int32 // the latest make-up working day (0 when none)
	weekMins  int   // working minutes of an ordinary week
}

// TwentyFourSeven returns a validated 24×7 calendar in zone (DefaultTimeZone
// when empty) named name ("7×24" when empty); the error is an unknown zone.
func TwentyFourSeven(name, zone string) (*Calendar, error) {
	if name == "" {
		name = "7×24"
	}
	all := []Interval{{"00:00", "24:00"}}
	c := &Calendar{Name: name, TimeZone: zone, Weekly: Weekly{Mon: all, Tue: all, Wed: all, Thu: all, Fri: all, Sat: all, Sun: all}}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate checks the calendar, reports every bad field (apperr.Invalid with
// field details such as "weekly.mon[1]" or "holidays[0]"), puts it in
// canonical form (trimmed name, default zone and workday_hours_from, sorted
// and de-duplicated dates, non-nil lists) and prepares it for the calculator.
func (c *Calendar) Validate() error {
	var v apperr.Validation
	c.Name = strings.TrimSpace(c.Name)
	v.Required("name", c.Name)
	if len([]rune(c.Name)) > 64 {
		v.Add("name", "名称不能超过 64 字", "name must be at most 64 characters")
	}
	p, fields := c.compile()
	for _, f := range fields {
		v.Add(f.field, f.zh, f.en)
	}
	if err := v.Err(); err != nil {
		return err
	}
	c.prepared = p
	return nil
}

type fieldErr struct{ field, zh, en string }

// compile normalises the calendar and builds its lookup tables; it reports
// problems instead of stopping at the first.
func (c *Calendar) compile() (*compiled, []fieldErr) {
	var errs []fieldErr
	bad := func(field, zh, en string) { errs = append(errs, fieldErr{field, zh, en}) }
	p := &compiled{holidays: map[int32]bool{}, workdays: map[int32]bool{}}

	c.TimeZone = strings.TrimSpace(c.TimeZone)
	if c.TimeZone == "" {
		c.TimeZone = DefaultTimeZone
	}
	if c.TimeZone == "Local" {
		bad("time_zone", "请填写 IANA 时区名，如 Asia/Shanghai", "use an IANA zone name such as Asia/Shanghai")
	} else if loc, err := time.LoadLocation(c.TimeZone); err != nil {
		bad("time_zone", "未知的时区："+c.TimeZone, "unknown time zone: "+c.TimeZone)
	} else {
		p.loc = loc
	}

	for d := time.Sunday; d <= time.Saturday; d++ {
		list := c.Weekly.Day(d)
		if *list == nil {
			*list = []Interval{}
		}
		spans, e := parseIntervals("weekly."+dayKeys[d], *list)
		errs = append(errs, e...)
		p.week[d] = spans
		for _, s := range spans {
			p.weekMins += s.end - s.start
		}
	}
	if p.weekMins == 0 && len(errs) == 0 {
		bad("weekly", "每周至少需要一个工作时段", "the week needs at least one working interval")
	}

	c.WorkdayHoursFrom = strings.ToLower(strings.TrimSpace(c.WorkdayHoursFrom))
	if c.WorkdayHoursFrom == "" {
		c.WorkdayHoursFrom = "mon"
	}
	from := slices.Index(dayKeys[:], c.WorkdayHoursFrom)
	if from < 0 {
		bad("workday_hours_from", "须为 mon、tue、wed、thu、fri、sat 或 sun", "must be one of mon, tue, wed, thu, fri, sat, sun")
	} else {
		p.extra = p.week[from]
	}

	var holidays, workdays []string
	holidays, errs = parseDates("holidays", c.Holidays, p.holidays, errs)
	workdays, errs = parseDates("workdays", c.Workdays, p.workdays, errs)
	c.Holidays, c.Workdays = holidays, workdays
	for i, d := range workdays {
		k := mustKey(d)
		if p.holidays[k] {
			bad(fmt.Sprintf("workdays[%d]", i), d+" 同时被标为节假日和调休工作日", d+" is both a holiday and a make-up working day")
		}
		p.lastExtra = max(p.lastExtra, k)
	}
	if len(workdays) > 0 && from >= 0 && len(p.extra) == 0 {
		bad("workday_hours_from", "调休工作日按 "+c.WorkdayHoursFrom+" 的工作时段上班，但该日没有工作时段",
			"make-up working days take the hours of "+c.WorkdayHoursFrom+", which has none")
	}
	return p, errs
}

// parseIntervals checks one weekday's intervals: HH:MM, end after start,
// sorted without overlap ("24:00" only as an end).
func parseIntervals(field string, list []Interval) ([]span, []fieldErr) {
	var errs []fieldErr
	spans := make([]span, 0, len(list))
	for i, iv := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if len(iv) != 2 {
			errs = append(errs, fieldErr{f, "工作时段须为 [开始, 结束] 两个时间", "an interval is [start, end]"})
			continue
		}
		s, ok1 := parseClock(iv[0], false)
		e, ok2 := parseClock(iv[1], true)
		switch {
		case !ok1 || !ok2:
			errs = append(errs, fieldErr{f, "时间格式应为 HH:MM（00:00–23:59，结束可为 24:00）", "times must be HH:MM (00:00–23:59; an end may be 24:00)"})
		case e <= s:
			errs = append(errs, fieldErr{f, "结束时间须晚于开始时间", "the end must be after the start"})
		default:
			spans = append(spans, span{s, e})
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			return nil, []fieldErr{{field, "工作时段不能重叠", "intervals must not overlap"}}
		}
	}
	// Canonical form: sorted, as written.
	for i, s := range spans {
		list[i] = Interval{clock(s.start), clock(s.end)}
	}
	return spans, nil
}

// parseClock reads "HH:MM" as minutes of the day; "24:00" only when end.
func parseClock(s string, end bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	switch {
	case h == 24 && m == 0 && end:
		return 1440, true
	case h > 23 || m > 59:
		return 0, false
	}
	return h*60 + m, true
}

func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// parseDates checks YYYY-MM-DD dates, sorts and de-duplicates them and fills set.
func parseDates(field string, in []string, set map[int32]bool, errs []fieldErr) ([]string, []fieldErr) {
	out := make([]string, 0, len(in))
	for i, s := range in {
		s = strings.TrimSpace(s)
		k, ok := dateKey(s)
		if !ok {
			errs = append(errs, fieldErr{fmt.Sprintf("%s[%d]", field, i), "日期格式应为 YYYY-MM-DD：" + s, "dates must be YYYY-MM-DD: " + s})
			continue
		}
		if !set[k] {
			set[k] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, errs
}

// dateKey turns a valid "YYYY-MM-DD" into yyyymmdd.
func dateKey(s string) (int32, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1900 || t.Year() > 9999 {
		return 0, false
	}
	return keyOf(t.Year(), t.Month(), t.Day()), true
}

func mustKey(s string) int32 {
	k, _ := dateKey(s)
	return k
}

func keyOf(y int, m time.Month, d int) int32 { return int32(y*10000 + int(m)*100 + d) }

// Location is the calendar's zone (nil on an invalid calendar).
func (c *Calendar) Location() *time.Location {
	if p := c.tables(); p != nil {
		return p.loc
	}
	return nil
}

// tables returns the prepared tables, building them for an unvalidated
// calendar without changing it; nil when the calendar is invalid.
func (c *Calendar) tables() *compiled {
	if c.prepared != nil {
		return c.prepared
	}
	cp := *c
	cp.Weekly = Weekly{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		*cp.Weekly.Day(d) = slices.Clone(*c.Weekly.Day(d))
		for i, iv := range *cp.Weekly.Day(d) {
			(*cp.Weekly.Day(d))[i] = slices.Clone(iv)
		}
	}
	p, errs := cp.compile()
	if len(errs) > 0 {
		return nil
	}
	return p
}

// DayKind says what a date is in a calendar.
type DayKind string

// Kinds of days.
const (
	DayWorking DayKind = "working" // an ordinary working day
	DayOff     DayKind = "off"     // an ordinary day without hours (a weekend)
	DayHoliday DayKind = "holiday" // a public holiday
	DayWorkday DayKind = "workday" // a make-up working day (调休)
)

// Kind classifies the date "YYYY-MM-DD" (empty for an invalid date or calendar).
func (c *Calendar) Kind(date string) DayKind {
	p := c.tables()
	k, ok := dateKey(date)
	if p == nil || !ok {
		return ""
	}
	t, _ := time.Parse(time.DateOnly, date)
	switch {
	case p.holidays[k]:
		return DayHoliday
	case p.workdays[k]:
		return DayWorkday
	case len(p.week[t.Weekday()]) > 0:
		return DayWorking
	}
	return DayOff
}

// spansOf returns the working intervals of the civil date key with the given weekday.
func (p *compiled) spansOf(k int32, wd time.Weekday) []span {
	if p.holidays[k] {
		return nil
	}
	if p.workdays[k] {
		return p.extra
	}
	return p.week[wd]
}
