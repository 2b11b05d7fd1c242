package sla

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	ical "github.com/arran4/golang-ical"

	"lingting/internal/apperr"
)

// iCalendar (RFC 5545) import and export of a calendar's marked dates, next
// to the CSV form: a calendar is exported as one all-day VEVENT per holiday
// and per make-up working day, told apart by CATEGORIES (HOLIDAY / WORKDAY)
// and by X-LINGTING-KIND, with the calendar's name (X-WR-CALNAME) and zone
// (X-WR-TIMEZONE). The weekly hours are not part of the file: like the CSV it
// carries dates only, and importing it marks dates on an existing calendar.
//
// On import, an event's kind is read from X-LINGTING-KIND, then CATEGORIES,
// then its SUMMARY (public-holiday feeds write "国庆节 假期" / "国庆节 补班",
// "春节（休）" / "春节（班）"); an event none of these names is an error on its
// line, unless the caller says such events are holidays (feeds that list
// only the days off). Multi-day events mark every day from DTSTART up to (not
// including) DTEND or DTSTART+DURATION. Timed events and recurring ones
// (RRULE) are errors: the calendar holds whole days, and expanding rules is
// left to the feed's publisher. Cancelled events are skipped.

// ICalProdID names this program in exported files.
const ICalProdID = "-//Lingting//聆听 SLA calendar//ZH"

// icalKindProp tells the kind of an exported event, whatever its summary
// (spelt out: v0.3.4's ComponentPropertyExtended doubles the X- prefix).
const icalKindProp = "X-LINGTING-KIND"

// maxEventDays bounds one event's span (a holiday longer than a month is a
// mistake in the file, not a holiday).
const maxEventDays = 31

// WriteICal writes the calendar's marked dates as an iCalendar file, by date.
// stamp is the DTSTAMP of every event (the calendar's last change, so the
// same calendar exports to the same bytes).
func WriteICal(w io.Writer, c *Calendar) error {
	cal := ical.NewCalendarFor("Lingting")
	cal.SetProductId(ICalProdID)
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ical.MethodPublish)
	cal.SetXWRCalName(c.Name)
	cal.SetName(c.Name)
	zone := c.TimeZone
	if zone == "" {
		zone = DefaultTimeZone
	}
	cal.SetXWRTimezone(zone)
	cal.SetXWRCalDesc("聆听服务时限日历：节假日（HOLIDAY）与调休上班日（WORKDAY）")
	type row struct{ date, kind string }
	rows := make([]row, 0, len(c.Holidays)+len(c.Workdays))
	for _, d := range c.Holidays {
		rows = append(rows, row{d, "holiday"})
	}
	for _, d := range c.Workdays {
		rows = append(rows, row{d, "workday"})
	}
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.date, b.date) })
	stamp := c.UpdatedAt.UTC()
	if stamp.IsZero() {
		stamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for _, r := range rows {
		day, err := time.Parse("2006-01-02", r.date)
		if err != nil {
			return fmt.Errorf("sla: calendar %d: bad date %q", c.ID, r.date)
		}
		ev := cal.AddEvent(strings.ReplaceAll(r.date, "-", "") + "-" + r.kind + "@lingting")
		ev.SetDtStampTime(stamp)
		ev.SetAllDayStartAt(day)
		ev.SetAllDayEndAt(day.AddDate(0, 0, 1))
		if r.kind == "holiday" {
			ev.SetSummary("节假日")
			ev.AddProperty(ical.ComponentPropertyCategories, "HOLIDAY")
			ev.SetProperty(ical.ComponentPropertyTransp, "TRANSPARENT")
		} else {
			ev.SetSummary("调休上班")
			ev.AddProperty(ical.ComponentPropertyCategories, "WORKDAY")
			ev.SetProperty(ical.ComponentPropertyTransp, "OPAQUE")
		}
		ev.SetProperty(ical.ComponentProperty(icalKindProp), r.kind)
	}
	return cal.SerializeTo(w, ical.WithNewLine("\r\n")) // RFC 5545 lines end CRLF
}

// ICalImport is what a file says, before it is merged into a calendar.
type ICalImport struct {
	Name     string // X-WR-CALNAME (informative)
	TimeZone string // X-WR-TIMEZONE (informative)
	Holidays []string
	Workdays []string
}

// Words that name a kind in CATEGORIES (whole values, lower-cased).
var icalCategoryKinds = map[string]string{
	"holiday": "holiday", "holidays": "holiday", "public holiday": "holiday", "节假日": "holiday", "假日": "holiday", "放假": "holiday", "休": "holiday",
	"workday": "workday", "working day": "workday", "make-up working day": "workday", "调休": "workday", "调休上班": "workday", "补班": "workday", "上班": "workday", "班": "workday",
}

// In a SUMMARY: a make-up day is 补班 / 上班 / 调班 / a bare 调休 (as in the
// CSV) or a trailing （班）/(班)/班; a day off is 假 / 休 / 放假 / holiday.
// Work is tested first ("调休上班").
var (
	summaryWork    = regexp.MustCompile(`补班|上班|调班|^调休$|[（(]班[)）]|\s班$|^班$|(?i)\bworking day\b|(?i)\bworkday\b`)
	summaryHoliday = regexp.MustCompile(`假|休|(?i)\bholiday\b|(?i)\bday off\b`)
)

// ParseICal reads an iCalendar file's all-day events as holidays and make-up
// working days. Problems are reported per event as fields "line N" (the line
// of its BEGIN:VEVENT); a file that is not iCalendar is one error on "file".
// unknownAsHoliday takes events of no recognisable kind as holidays.
func ParseICal(data []byte, unknownAsHoliday bool) (*ICalImport, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cal, err := ical.ParseCalendarWithOptions(bytes.NewReader(data), ical.WithUnknownPropertyHandler(ical.AcceptUnknownPropertyHandler))
	if err != nil || cal == nil || !bytes.Contains(bytes.ToUpper(data), []byte("BEGIN:VCALENDAR")) {
		msg := "no VCALENDAR"
		if err != nil {
			msg = err.Error()
		}
		return nil, apperr.Field("file", "不是有效的 iCalendar（.ics）文件："+msg, "not a valid iCalendar (.ics) file: "+msg)
	}
	out := &ICalImport{}
	for _, p := range cal.CalendarProperties {
		switch strings.ToUpper(p.IANAToken) {
		case "X-WR-CALNAME":
			out.Name = ical.FromText(p.Value)
		case "X-WR-TIMEZONE":
			out.TimeZone = p.Value
		}
	}
	lines := eventLines(data)
	var v apperr.Validation
	kinds := map[string]string{} // date → kind, to catch a date marked both ways
	for i, ev := range cal.Events() {
		field := fmt.Sprintf("event %d", i+1)
		if i < len(lines) {
			field = fmt.Sprintf("line %d", lines[i])
		}
		summary := ""
		if p := ev.GetProperty(ical.ComponentPropertySummary); p != nil {
			summary = strings.TrimSpace(ical.FromText(p.Value))
		}
		label := summary
		if label == "" {
			label = ev.Id()
		}
		if p := ev.GetProperty(ical.ComponentPropertyStatus); p != nil && strings.EqualFold(p.Value, "CANCELLED") {
			continue
		}
		if ev.HasProperty(ical.ComponentPropertyRrule) || ev.HasProperty(ical.ComponentPropertyRdate) {
			v.Add(field, "不支持重复事件（RRULE/RDATE），请逐日列出："+label, "recurring events (RRULE/RDATE) are not supported, list each day: "+label)
			continue
		}
		days, zh, en := eventDays(ev)
		if zh != "" {
			v.Add(field, zh+"："+label, en+": "+label)
			continue
		}
		kind := eventKind(ev, summary)
		if kind == "" && unknownAsHoliday {
			kind = "holiday"
		}
		if kind == "" {
			v.Add(field, "无法判断是节假日还是调休上班日（请用 CATEGORIES:HOLIDAY 或 WORKDAY）："+label,
				"cannot tell a holiday from a make-up working day (use CATEGORIES:HOLIDAY or WORKDAY): "+label)
			continue
		}
		for _, d := range days {
			if k, ok := kinds[d]; ok && k != kind {
				v.Add(field, d+" 同时被标为节假日和调休上班日", d+" is both a holiday and a make-up working day")
				continue
			}
			if _, ok := kinds[d]; ok {
				continue
			}
			kinds[d] = kind
			if kind == "holiday" {
				out.Holidays = append(out.Holidays, d)
			} else {
				out.Workdays = append(out.Workdays, d)
			}
		}
	}
	if len(kinds) == 0 && v.Err() == nil {
		v.Add("file", "文件中没有全天事件", "the file holds no all-day events")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out.Holidays)
	slices.Sort(out.Workdays)
	return out, nil
}

// eventKind reads an event's kind from X-LINGTING-KIND, CATEGORIES, then
// its summary; "" when none tells.
func eventKind(ev *ical.VEvent, summary string) string {
	if p := ev.GetProperty(ical.ComponentProperty(icalKindProp)); p != nil {
		if k := strings.ToLower(strings.TrimSpace(p.Value)); k == "holiday" || k == "workday" {
			return k
		}
	}
	for _, p := range ev.GetProperties(ical.ComponentPropertyCategories) {
		for _, c := range strings.Split(p.Value, ",") {
			if k := icalCategoryKinds[strings.ToLower(strings.TrimSpace(ical.FromText(c)))]; k != "" {
				return k
			}
		}
	}
	switch {
	case summaryWork.MatchString(summary):
		return "workday"
	case summaryHoliday.MatchString(summary):
		return "holiday"
	}
	return ""
}

// eventDays lists the days an all-day event covers (YYYY-MM-DD), or says
// why it cannot (zh, en).
func eventDays(ev *ical.VEvent) (days []string, zh, en string) {
	start := ev.GetProperty(ical.ComponentPropertyDtStart)
	if start == nil {
		return nil, "缺少 DTSTART", "DTSTART missing"
	}
	first, ok := icalDate(start)
	if !ok {
		return nil, "须为全天事件（DTSTART;VALUE=DATE:YYYYMMDD）", "must be an all-day event (DTSTART;VALUE=DATE:YYYYMMDD)"
	}
	n := 1
	if end := ev.GetProperty(ical.ComponentPropertyDtEnd); end != nil {
		last, ok := icalDate(end)
		if !ok {
			return nil, "DTEND 须为日期（VALUE=DATE）", "DTEND must be a date (VALUE=DATE)"
		}
		n = int(last.Sub(first).Hours() / 24)
	} else if d := ev.GetProperty(ical.ComponentPropertyDuration); d != nil {
		var ok bool
		if n, ok = durationDays(d.Value); !ok {
			return nil, "DURATION 须为整天（如 P3D、P1W）", "DURATION must be whole days (e.g. P3D, P1W)"
		}
	}
	if n < 1 {
		return nil, "DTEND 须晚于 DTSTART", "DTEND must be after DTSTART"
	}
	if n > maxEventDays {
		return nil, fmt.Sprintf("一个事件最多 %d 天", maxEventDays), fmt.Sprintf("an event spans at most %d days", maxEventDays)
	}
	for i := range n {
		days = append(days, first.AddDate(0, 0, i).Format("2006-01-02"))
	}
	return days, "", ""
}

// icalDate reads a DATE value (YYYYMMDD); a DATE-TIME is not one.
func icalDate(p *ical.IANAProperty) (time.Time, bool) {
	v := strings.TrimSpace(p.Value)
	if vt := p.ICalParameters["VALUE"]; len(vt) > 0 && !strings.EqualFold(vt[0], "DATE") {
		return time.Time{}, false
	}
	if len(v) != 8 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", v)
	return t, err == nil
}

var durationRe = regexp.MustCompile(`^P(?:(\d+)W|(\d+)D)$`)

// durationDays reads a DURATION of whole days or weeks.
func durationDays(s string) (int, bool) {
	m := durationRe.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
	if m == nil {
		return 0, false
	}
	if m[1] != "" {
		w, _ := strconv.Atoi(m[1])
		return 7 * w, true
	}
	d, _ := strconv.Atoi(m[2])
	return d, true
}

// eventLines answers the 1-based line of each BEGIN:VEVENT of the file, in
// order (the parser does not keep line numbers; events come in file order).
func eventLines(data []byte) []int {
	var out []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.EqualFold(strings.TrimSpace(sc.Text()), "BEGIN:VEVENT") {
			out = append(out, n)
		}
	}
	return out
}

// ImportICal merges (or, with replace, replaces) a calendar's marked dates
// with an iCalendar file's, in one transaction. Nothing changes when any
// event is bad.
func (s *Service) ImportICal(ctx context.Context, id int64, data []byte, replace, unknownAsHoliday bool) (*Calendar, error) {
	in, err := ParseICal(data, unknownAsHoliday)
	if err != nil {
		return nil, err
	}
	var out *Calendar
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.Calendar(ctx, id)
		if err != nil {
			return err
		}
		MergeDates(c, in.Holidays, in.Workdays, replace)
		if err := c.Validate(); err != nil {
			return err
		}
		out, err = s.writeCalendar(ctx, id, c, "import")
		return err
	})
	return out, err
}

// IsICal says whether an upload is an iCalendar file (it starts so).
func IsICal(data []byte) bool {
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	return len(data) >= 15 && strings.EqualFold(string(data[:15]), "BEGIN:VCALENDAR")
}
