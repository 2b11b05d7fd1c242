package sla

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"lingting/internal/apperr"
)

func TestICalRoundTrip(t *testing.T) {
	c := *autumn2026
	c.Name, c.TimeZone, c.UpdatedAt = "网点工作日, 北京", "Asia/Shanghai", time.Date(2026, 11, 1, 2, 3, 4, 0, time.UTC)
	var buf bytes.Buffer
	if err := WriteICal(&buf, &c); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:" + ICalProdID, `X-WR-CALNAME:网点工作日\, 北京`, "X-WR-TIMEZONE:Asia/Shanghai",
		"UID:20260920-workday@lingting", "DTSTART;VALUE=DATE:20260920\r\n", "DTEND;VALUE=DATE:20260921\r\n", "CATEGORIES:WORKDAY", "SUMMARY:调休上班",
		"UID:20261001-holiday@lingting", "CATEGORIES:HOLIDAY", "X-LINGTING-KIND:holiday", "DTSTAMP:20261101T020304Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "BEGIN:VEVENT") != len(c.Holidays)+len(c.Workdays) {
		t.Errorf("events: %d", strings.Count(out, "BEGIN:VEVENT"))
	}
	// by date: the make-up Sunday 09-20 comes first
	if i, j := strings.Index(out, "20260920-workday"), strings.Index(out, "20260925-holiday"); i < 0 || j < i {
		t.Errorf("not in date order")
	}
	in, err := ParseICal(buf.Bytes(), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.Holidays, c.Holidays) || !slices.Equal(in.Workdays, c.Workdays) || in.Name != c.Name || in.TimeZone != "Asia/Shanghai" {
		t.Fatalf("round trip: %+v", in)
	}
	var again bytes.Buffer
	_ = WriteICal(&again, &c)
	if again.String() != out {
		t.Fatal("the same calendar exports to different bytes")
	}
}

// A public-holiday feed as calendar apps publish it: multi-day events,
// kinds only in the summary, folded lines, a VTIMEZONE, a cancelled event.
const holidayFeed = "BEGIN:VCALENDAR\r\n" +
	"VERSION:2.0\r\n" +
	"PRODID:-//Example//China Holidays//CN\r\n" +
	"X-WR-CALNAME:中国法定节假日\r\n" +
	"X-WR-TIMEZONE:Asia/Shanghai\r\n" +
	"BEGIN:VTIMEZONE\r\n" +
	"TZID:Asia/Shanghai\r\n" +
	"BEGIN:STANDARD\r\n" +
	"DTSTART:19700101T000000\r\n" +
	"TZOFFSETFROM:+0800\r\n" +
	"TZOFFSETTO:+0800\r\n" +
	"END:STANDARD\r\n" +
	"END:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:2025-spring@example\r\n" +
	"DTSTAMP:20241112T000000Z\r\n" +
	"DTSTART;VALUE=DATE:20250128\r\n" +
	"DTEND;VALUE=DATE:20250205\r\n" +
	"SUMMARY:春节 假期 第1天/共8\r\n" +
	" 天\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:2025-spring-work1@example\r\n" +
	"DTSTAMP:20241112T000000Z\r\n" +
	"DTSTART;VALUE=DATE:20250126\r\n" +
	"SUMMARY:春节 补班\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:2025-spring-work2@example\r\n" +
	"DTSTAMP:20241112T000000Z\r\n" +
	"DTSTART;VALUE=DATE:20250208\r\n" +
	"DURATION:P1D\r\n" +
	"SUMMARY:春节（班）\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:2025-newyear@example\r\n" +
	"DTSTAMP:20241112T000000Z\r\n" +
	"DTSTART:20250101\r\n" +
	"SUMMARY:元旦（休）\r\n" +
	"END:VEVENT\r\n" +
	"BEGIN:VEVENT\r\n" +
	"UID:2025-dropped@example\r\n" +
	"DTSTAMP:20241112T000000Z\r\n" +
	"DTSTART;VALUE=DATE:20250303\r\n" +
	"SUMMARY:调整取消 假期\r\n" +
	"STATUS:CANCELLED\r\n" +
	"END:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestParseICalFeed(t *testing.T) {
	in, err := ParseICal([]byte(holidayFeed), false)
	if err != nil {
		t.Fatal(err)
	}
	wantHol := []string{"2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04"}
	if !slices.Equal(in.Holidays, wantHol) || !slices.Equal(in.Workdays, []string{"2025-01-26", "2025-02-08"}) || in.Name != "中国法定节假日" {
		t.Fatalf("feed: %+v", in)
	}
}

func TestParseICalErrors(t *testing.T) {
	ev := func(lines ...string) string {
		return "BEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20250101T000000Z\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VEVENT\r\n"
	}
	wrap := func(evs ...string) []byte {
		return []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + strings.Join(evs, "") + "END:VCALENDAR\r\n")
	}
	good := ev("DTSTART;VALUE=DATE:20251001", "CATEGORIES:HOLIDAY")
	cases := []struct {
		name string
		in   []byte
		bad  []string
	}{
		// each event is 5 lines + its own: line 4 is the first BEGIN:VEVENT
		{"unknown kind, named by line", wrap(good, ev("DTSTART;VALUE=DATE:20251002", "SUMMARY:公司年会")), []string{"line 10"}},
		{"timed event", wrap(ev("DTSTART:20251001T090000Z", "SUMMARY:国庆 假期")), []string{"line 4"}},
		{"timed with a zone", wrap(ev("DTSTART;TZID=Asia/Shanghai:20251001T090000", "SUMMARY:国庆 假期")), []string{"line 4"}},
		{"recurring", wrap(ev("DTSTART;VALUE=DATE:20250101", "RRULE:FREQ=YEARLY", "SUMMARY:元旦 假期")), []string{"line 4"}},
		{"too long", wrap(ev("DTSTART;VALUE=DATE:20250101", "DTEND;VALUE=DATE:20250301", "CATEGORIES:HOLIDAY")), []string{"line 4"}},
		{"end before start", wrap(ev("DTSTART;VALUE=DATE:20250105", "DTEND;VALUE=DATE:20250101", "CATEGORIES:HOLIDAY")), []string{"line 4"}},
		{"both ways", wrap(good, ev("DTSTART;VALUE=DATE:20251001", "CATEGORIES:WORKDAY")), []string{"line 10"}},
		{"no events", wrap(), []string{"file"}},
		{"not iCalendar", []byte("date,kind\n2025-10-01,holiday\n"), []string{"file"}},
		{"truncated", []byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20251001\r\n"), []string{"file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := ParseICal(c.in, false)
			e, ok := apperr.As(err)
			if !ok {
				t.Fatalf("want 422, got %+v %v", in, err)
			}
			for _, f := range c.bad {
				if _, ok := e.Fields[f]; !ok {
					t.Errorf("no error for %s: %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(c.bad) {
				t.Errorf("fields: %v", e.Fields)
			}
		})
	}
	// a feed of days off: unknown events are holidays when asked
	in, err := ParseICal(wrap(good, ev("DTSTART;VALUE=DATE:20251002", "SUMMARY:National Day")), true)
	if err != nil || !slices.Equal(in.Holidays, []string{"2025-10-01", "2025-10-02"}) {
		t.Fatalf("unknown as holiday: %+v %v", in, err)
	}
	if !IsICal([]byte("\xef\xbb\xbf\r\nbegin:vcalendar\r\n")) || IsICal([]byte("date,kind\n")) {
		t.Fatal("IsICal")
	}
}
