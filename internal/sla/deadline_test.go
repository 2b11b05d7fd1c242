package sla

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"lingting/internal/apperr"
)

// Calendars of the hand-checked cases.
var (
	// office: Mon–Fri 09:00–12:00 and 13:30–18:00 (180 + 270 = 450 min a day), Asia/Shanghai.
	office = mustCal(Calendar{Name: "office", Weekly: weekdays(Interval{"09:00", "12:00"}, Interval{"13:30", "18:00"})})
	// spring2025: office with 2025's 元旦 and the 2025-style 春节: 01-28 … 02-04 off,
	// Sunday 01-26 and Saturday 02-08 worked (with Monday's hours).
	spring2025 = mustCal(Calendar{Name: "spring2025", Weekly: office.Weekly,
		Holidays: []string{"2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04"},
		Workdays: []string{"2025-01-26", "2025-02-08"}})
	// autumn2026: office with 2026's 中秋 (09-25 … 09-27) and 国庆 (10-01 … 10-07),
	// make-up days Sunday 09-20 and Saturday 10-10, and 2027's 元旦.
	autumn2026 = mustCal(Calendar{Name: "autumn2026", Weekly: office.Weekly,
		Holidays: []string{"2026-09-25", "2026-09-26", "2026-09-27", "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07", "2027-01-01"},
		Workdays: []string{"2026-09-20", "2026-10-10"}})
	// satHours: Mon–Fri 09:00–18:00 straight, Saturday 09:00–12:00; make-up days
	// take Saturday's hours; Sunday 2026-10-11 is one.
	satHours = mustCal(Calendar{Name: "satHours", Weekly: func() Weekly {
		w := weekdays(Interval{"09:00", "18:00"})
		w.Sat = []Interval{{"09:00", "12:00"}}
		return w
	}(), Workdays: []string{"2026-10-11"}, WorkdayHoursFrom: "sat"})
	always = must247("", "")
	// berlin24: 24×7 in Europe/Berlin (CET/CEST; 2026 jumps: 03-29 02:00→03:00, 10-25 03:00→02:00).
	berlin24 = must247("berlin24", "Europe/Berlin")
	// berlinOffice: Mon–Fri 09:00–17:00 in Europe/Berlin.
	berlinOffice = mustCal(Calendar{Name: "berlinOffice", TimeZone: "Europe/Berlin", Weekly: weekdays(Interval{"09:00", "17:00"})})
	// berlinNight: Sundays 01:00–04:00 only, so the whole shift spans the jump.
	berlinNight = mustCal(Calendar{Name: "berlinNight", TimeZone: "Europe/Berlin", Weekly: Weekly{Sun: []Interval{{"01:00", "04:00"}}}})
	// berlinGap: Sundays 02:00–02:30, a time that does not exist on 2026-03-29.
	berlinGap = mustCal(Calendar{Name: "berlinGap", TimeZone: "Europe/Berlin", Weekly: Weekly{Sun: []Interval{{"02:00", "02:30"}}}})
	// nyOffice / ny24: America/New_York (2026 jumps: 03-08 02:00→03:00 EDT, 11-01 02:00→01:00 EST).
	nyOffice = mustCal(Calendar{Name: "nyOffice", TimeZone: "America/New_York", Weekly: weekdays(Interval{"09:00", "17:00"})})
	ny24     = must247("ny24", "America/New_York")
)

func weekdays(iv ...Interval) Weekly {
	return Weekly{Mon: iv, Tue: iv, Wed: iv, Thu: iv, Fri: iv, Sat: []Interval{}, Sun: []Interval{}}
}

func must247(name, zone string) *Calendar {
	c, err := TwentyFourSeven(name, zone)
	if err != nil {
		panic(err)
	}
	return c
}

func mustCal(c Calendar) *Calendar {
	if err := c.Validate(); err != nil {
		panic(fmt.Sprintf("%s: %v", c.Name, err))
	}
	return &c
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDeadlineTable(t *testing.T) {
	cases := []struct {
		name    string
		cal     *Calendar
		start   string
		minutes int
		want    string
	}{
		// --- office, an ordinary week: Mon 2026-11-02 … Fri 2026-11-06.
		{"zero minutes inside working time is the start itself", office, "2026-11-02T09:00:00+08:00", 0, "2026-11-02T09:00:00+08:00"},
		{"an hour in the morning", office, "2026-11-02T09:00:00+08:00", 60, "2026-11-02T10:00:00+08:00"},
		{"the whole morning ends at 12:00, not at 13:30", office, "2026-11-02T09:00:00+08:00", 180, "2026-11-02T12:00:00+08:00"},
		{"one minute more crosses the lunch break: 13:30 + 1", office, "2026-11-02T09:00:00+08:00", 181, "2026-11-02T13:31:00+08:00"},
		{"11:30 + 60: 30 before lunch, 30 after 13:30", office, "2026-11-02T11:30:00+08:00", 60, "2026-11-02T14:00:00+08:00"},
		{"started in the lunch break: the clock starts at 13:30", office, "2026-11-02T12:30:00+08:00", 10, "2026-11-02T13:40:00+08:00"},
		{"zero minutes in the lunch break: the next working instant", office, "2026-11-02T12:30:00+08:00", 0, "2026-11-02T13:30:00+08:00"},
		{"zero minutes at 12:00 exactly: intervals are half-open, so 13:30", office, "2026-11-02T12:00:00+08:00", 0, "2026-11-02T13:30:00+08:00"},
		{"before opening: 09:00 + 30", office, "2026-11-02T07:00:00+08:00", 30, "2026-11-02T09:30:00+08:00"},
		{"a full day (450) ends at 18:00", office, "2026-11-02T09:00:00+08:00", 450, "2026-11-02T18:00:00+08:00"},
		{"451 minutes: Tuesday 09:01", office, "2026-11-02T09:00:00+08:00", 451, "2026-11-03T09:01:00+08:00"},
		{"started at closing time 18:00: Tuesday 09:00 + 1", office, "2026-11-02T18:00:00+08:00", 1, "2026-11-03T09:01:00+08:00"},
		{"Friday 17:00 + 120: 60 on Friday, the weekend skipped, Monday 10:00", office, "2026-11-06T17:00:00+08:00", 120, "2026-11-09T10:00:00+08:00"},
		{"Friday evening + 30: Monday 09:30", office, "2026-11-06T19:00:00+08:00", 30, "2026-11-09T09:30:00+08:00"},
		{"Saturday, zero minutes: Monday 09:00", office, "2026-11-07T10:00:00+08:00", 0, "2026-11-09T09:00:00+08:00"},
		{"five full days (2250) from Monday 09:00: Friday 18:00", office, "2026-11-02T09:00:00+08:00", 2250, "2026-11-06T18:00:00+08:00"},
		{"2251: the next Monday 09:01", office, "2026-11-02T09:00:00+08:00", 2251, "2026-11-09T09:01:00+08:00"},
		{"seconds are kept: 09:00:30 + 1 = 09:01:30", office, "2026-11-02T09:00:30+08:00", 1, "2026-11-02T09:01:30+08:00"},
		{"an instant given in UTC is read in the calendar's zone: 01:00Z = 09:00+08", office, "2026-11-02T01:00:00Z", 60, "2026-11-02T10:00:00+08:00"},
		// --- 2025 春节 with make-up Sunday 01-26 and Saturday 02-08.
		{"Fri 01-24 17:00 + 120: 60 Friday, Sat off, make-up Sunday 01-26 from 09:00", spring2025, "2025-01-24T17:00:00+08:00", 120, "2025-01-26T10:00:00+08:00"},
		{"Mon 01-27 17:00 + 120: 60 Monday, 01-28 … 02-04 off, Wed 02-05 10:00", spring2025, "2025-01-27T17:00:00+08:00", 120, "2025-02-05T10:00:00+08:00"},
		{"Saturday 01-25, zero minutes: the make-up Sunday's 09:00", spring2025, "2025-01-25T10:00:00+08:00", 0, "2025-01-26T09:00:00+08:00"},
		{"初一 (01-29) + a full day: counted from Wed 02-05, ends 18:00", spring2025, "2025-01-29T10:00:00+08:00", 450, "2025-02-05T18:00:00+08:00"},
		{"Fri 02-07 17:00 + 120: make-up Saturday 02-08 10:00", spring2025, "2025-02-07T17:00:00+08:00", 120, "2025-02-08T10:00:00+08:00"},
		{"make-up Saturday 17:30 + 60: 30 there, Sunday off, Mon 02-10 09:30", spring2025, "2025-02-08T17:30:00+08:00", 60, "2025-02-10T09:30:00+08:00"},
		{"元旦 2025 (Wed) + 60: Thu 01-02 10:00", spring2025, "2025-01-01T08:00:00+08:00", 60, "2025-01-02T10:00:00+08:00"},
		// --- 2026 中秋 and 国庆.
		{"Wed 09-30 17:00 + 120: 60 Wednesday, 10-01 … 10-07 off, Thu 10-08 10:00", autumn2026, "2026-09-30T17:00:00+08:00", 120, "2026-10-08T10:00:00+08:00"},
		{"Sat 09-19 + 30: make-up Sunday 09-20 09:30", autumn2026, "2026-09-19T10:00:00+08:00", 30, "2026-09-20T09:30:00+08:00"},
		{"Fri 10-09 17:00 + 120: make-up Saturday 10-10 10:00", autumn2026, "2026-10-09T17:00:00+08:00", 120, "2026-10-10T10:00:00+08:00"},
		{"Thu 09-24 17:30 + 60: 30 Thursday, 中秋 Fri–Sun off, Mon 09-28 09:30", autumn2026, "2026-09-24T17:30:00+08:00", 60, "2026-09-28T09:30:00+08:00"},
		{"国庆 day itself, zero minutes: Thu 10-08 09:00", autumn2026, "2026-10-03T11:00:00+08:00", 0, "2026-10-08T09:00:00+08:00"},
		// --- make-up days with another weekday's hours.
		{"make-up Sunday with Saturday's 09:00–12:00: 180 there, Monday 09:20", satHours, "2026-10-11T09:00:00+08:00", 200, "2026-10-12T09:20:00+08:00"},
		// --- year end.
		{"Thu 2026-12-31 17:00 + 120 without holidays: Fri 2027-01-01 10:00", office, "2026-12-31T17:00:00+08:00", 120, "2027-01-01T10:00:00+08:00"},
		{"… with 2027-01-01 off: 60 Thursday, weekend, Mon 2027-01-04 10:00", autumn2026, "2026-12-31T17:00:00+08:00", 120, "2027-01-04T10:00:00+08:00"},
		{"24×7 across New Year's midnight", always, "2026-12-31T23:30:00+08:00", 60, "2027-01-01T00:30:00+08:00"},
		{"24×7 for a week (10080)", always, "2026-11-02T10:00:00+08:00", 10080, "2026-11-09T10:00:00+08:00"},
		// --- DST.
		{"Berlin 24×7 over the spring jump: 24 real hours = 13:00 CEST next day", berlin24, "2026-03-28T12:00:00+01:00", 1440, "2026-03-29T13:00:00+02:00"},
		{"Berlin 24×7 over the autumn jump: 24 real hours = 11:00 CET next day", berlin24, "2026-10-24T12:00:00+02:00", 1440, "2026-10-25T11:00:00+01:00"},
		{"Berlin office Fri 16:00 CET + 120: Mon 03-30 10:00 CEST (wall-clock hours after the jump)", berlinOffice, "2026-03-27T16:00:00+01:00", 120, "2026-03-30T10:00:00+02:00"},
		{"Berlin night shift 01:00 CET + 90 on the jump: 02:30 does not exist, so 03:30 CEST", berlinNight, "2026-03-29T01:00:00+01:00", 90, "2026-03-29T03:30:00+02:00"},
		{"Berlin night shift on the repeated hour: 01:00 CEST + 150 = second 02:30 (CET)", berlinNight, "2026-10-25T01:00:00+02:00", 150, "2026-10-25T02:30:00+01:00"},
		{"Berlin 02:00–02:30 shift is empty on the jump day: next Sunday 02:01", berlinGap, "2026-03-29T00:00:00+01:00", 1, "2026-04-05T02:01:00+02:00"},
		{"New York 24×7 22:00 EST + 6 h over the jump: 05:00 EDT", ny24, "2026-03-07T22:00:00-05:00", 360, "2026-03-08T05:00:00-04:00"},
		{"New York office Fri 16:00 EDT + 120: Mon 11-02 10:00 EST", nyOffice, "2026-10-30T16:00:00-04:00", 120, "2026-11-02T10:00:00-05:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start, want := ts(t, c.start), ts(t, c.want)
			got := Deadline(start, c.minutes, c.cal)
			if !got.Equal(want) {
				t.Fatalf("Deadline(%s, %d) = %s, want %s", c.start, c.minutes, got.Format(time.RFC3339), want.In(got.Location()).Format(time.RFC3339))
			}
			if e := Elapsed(start, got, c.cal); e != c.minutes {
				t.Fatalf("Elapsed(start, deadline) = %d, want %d", e, c.minutes)
			}
		})
	}
}

func TestElapsedTable(t *testing.T) {
	cases := []struct {
		name       string
		cal        *Calendar
		start, end string
		want       int
	}{
		{"春节 2025: Fri 01-24, make-up Sun 01-26 and Mon 01-27 = 3 × 450", spring2025, "2025-01-24T09:00:00+08:00", "2025-02-05T09:00:00+08:00", 1350},
		{"… to Mon 02-10 adds Wed–Fri 02-05…07 and make-up Sat 02-08: 7 × 450", spring2025, "2025-01-24T09:00:00+08:00", "2025-02-10T09:00:00+08:00", 3150},
		{"国庆 2026: Wed 09-30 and Thu 10-08 only", autumn2026, "2026-09-30T09:00:00+08:00", "2026-10-09T09:00:00+08:00", 900},
		{"year end with 2027-01-01 off: Thu 12-31 only", autumn2026, "2026-12-31T09:00:00+08:00", "2027-01-04T09:00:00+08:00", 450},
		{"lunch break excluded: 11:00 → 14:00 = 60 + 30", office, "2026-11-02T11:00:00+08:00", "2026-11-02T14:00:00+08:00", 90},
		{"end before start is negative", office, "2026-11-02T10:00:00+08:00", "2026-11-02T09:00:00+08:00", -60},
		{"partial minutes are truncated: 09:00:00 → 09:00:59", office, "2026-11-02T09:00:00+08:00", "2026-11-02T09:00:59+08:00", 0},
		{"weekend only: 0", office, "2026-11-07T00:00:00+08:00", "2026-11-09T00:00:00+08:00", 0},
		{"24×7 three days", always, "2026-11-02T00:00:00+08:00", "2026-11-05T00:00:00+08:00", 4320},
		{"Berlin 24×7 spring-forward day has 23 hours", berlin24, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 1380},
		{"Berlin 24×7 fall-back day has 25 hours", berlin24, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 1500},
		{"Berlin night shift 01:00–04:00 on the spring jump: 2 real hours", berlinNight, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 120},
		{"… on the autumn jump: 4 real hours (02:00–03:00 twice)", berlinNight, "2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00", 240},
		{"Berlin 02:00–02:30 on the jump day: 0", berlinGap, "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 0},
		{"New York office over the autumn weekend: Fri 16–17 + Mon 09–10 = 120", nyOffice, "2026-10-30T16:00:00-04:00", "2026-11-02T10:00:00-05:00", 120},
		{"a year of office time in 2026 (no holidays): 261 weekdays × 450", office, "2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00", 261 * 450},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Elapsed(ts(t, c.start), ts(t, c.end), c.cal); got != c.want {
				t.Fatalf("Elapsed(%s, %s) = %d, want %d", c.start, c.end, got, c.want)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	mon0930 := ts(t, "2026-11-02T09:30:00+08:00")
	if !IsWorking(mon0930, office) || IsWorking(ts(t, "2026-11-02T12:00:00+08:00"), office) || IsWorking(ts(t, "2026-11-07T10:00:00+08:00"), office) {
		t.Fatal("IsWorking")
	}
	if got := NextWorking(ts(t, "2026-11-06T18:00:00+08:00"), office); !got.Equal(ts(t, "2026-11-09T09:00:00+08:00")) {
		t.Fatalf("NextWorking = %s", got)
	}
	// A pause from 11:00 to 14:00 cost 90 business minutes; pushing a deadline
	// of 16:00 by them lands on 17:30.
	paused := Business(ts(t, "2026-11-02T11:00:00+08:00"), ts(t, "2026-11-02T14:00:00+08:00"), office)
	if paused != 90*time.Minute {
		t.Fatalf("Business = %s", paused)
	}
	if got := Extend(ts(t, "2026-11-02T16:00:00+08:00"), int(paused/time.Minute), office); !got.Equal(ts(t, "2026-11-02T17:30:00+08:00")) {
		t.Fatalf("Extend = %s", got)
	}
	// A deadline at an interval's end stays put when extended by nothing.
	noon := ts(t, "2026-11-02T12:00:00+08:00")
	if got := Extend(noon, 0, office); !got.Equal(noon) {
		t.Fatalf("Extend by 0 = %s", got)
	}
	if got := DeadlineDuration(mon0930, 90*time.Second, office); !got.Equal(mon0930.Add(90 * time.Second)) {
		t.Fatalf("DeadlineDuration = %s", got)
	}
	if _, err := TwentyFourSeven("", "Mars/Olympus"); err == nil {
		t.Fatal("24×7 in an unknown zone")
	}
	if always.Name != "7×24" || len(always.Weekly.Sun) != 1 {
		t.Fatalf("24×7: %+v", always)
	}
	if got := Deadline(mon0930, 10, &Calendar{Name: "bad", TimeZone: "Mars/Olympus"}); !got.IsZero() {
		t.Fatalf("an invalid calendar answers the zero time, got %s", got)
	}
	// Only make-up days and no weekly hours: prepared by hand (Validate refuses
	// it); after the last make-up day the clock never ends.
	onlyExtra := &Calendar{Name: "x", Weekly: Weekly{}, Workdays: []string{"2026-11-08"}, WorkdayHoursFrom: "mon"}
	if got := Deadline(ts(t, "2026-11-08T08:00:00+08:00"), 10, onlyExtra); !got.IsZero() {
		t.Fatalf("no hours at all: %s", got)
	}
	kinds := map[string]DayKind{"2025-01-26": DayWorkday, "2025-01-28": DayHoliday, "2025-01-25": DayOff, "2025-01-27": DayWorking, "bad": ""}
	for d, want := range kinds {
		if got := spring2025.Kind(d); got != want {
			t.Errorf("Kind(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestProperties checks, on seeded random calendars, starts and targets, that
// Elapsed inverts Deadline, that Deadline is monotonic and additive, and
// that both agree with a minute-by-minute count.
func TestProperties(t *testing.T) {
	zones := []string{"Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "America/St_Johns"}
	rng := rand.New(rand.NewPCG(20261122, 5))
	n := 2000
	if testing.Short() {
		n = 60
	}
	for i := range n {
		cal := randomCalendar(rng, zones[i%len(zones)])
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(720 * 24 * time.Hour))))
		if rng.IntN(2) == 0 {
			// Near a zone transition (DST), where the arithmetic is hardest.
			if _, next := start.In(cal.Location()).ZoneBounds(); !next.IsZero() {
				start = next.Add(time.Duration(rng.Int64N(int64(72*time.Hour))) - 48*time.Hour)
			}
		}
		if rng.IntN(3) > 0 {
			start = start.Truncate(time.Minute)
		}
		m := rng.IntN(20000)
		if rng.IntN(4) == 0 {
			m = rng.IntN(200)
		}
		d := Deadline(start, m, cal)
		if d.IsZero() {
			t.Fatalf("case %d: no deadline on %+v", i, cal.Weekly)
		}
		if e := Elapsed(start, d, cal); e != m {
			t.Fatalf("case %d (%s): Elapsed(%s, Deadline = %s) = %d, want %d; weekly %v", i, cal.TimeZone, start, d, e, m, cal.Weekly)
		}
		if Business(start, d, cal) != time.Duration(m)*time.Minute {
			t.Fatalf("case %d: Business is not exactly %d minutes", i, m)
		}
		k := 1 + rng.IntN(600)
		d2 := Deadline(start, m+k, cal)
		if !d2.After(d) {
			t.Fatalf("case %d: Deadline(%d) = %s is not after Deadline(%d) = %s", i, m+k, d2, m, d)
		}
		if ext := Extend(d, k, cal); !ext.Equal(d2) {
			t.Fatalf("case %d: Extend(Deadline(m), k) = %s, Deadline(m+k) = %s", i, ext, d2)
		}
		if m < 3000 && start.Equal(start.Truncate(time.Minute)) {
			if got := bruteElapsed(start, d, cal); got != m {
				t.Fatalf("case %d (%s): minute-by-minute count %d, calculator %d; start %s deadline %s weekly %v", i, cal.TimeZone, got, m, start, d, cal.Weekly)
			}
		}
	}
}

// bruteElapsed counts whole minutes from a (on a minute) to b whose wall-clock
// reading lies inside a working interval of its date: the definition, slowly.
func bruteElapsed(a, b time.Time, cal *Calendar) int {
	p := cal.tables()
	n := 0
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		l := t.In(p.loc)
		y, m, d := l.Date()
		mins := l.Hour()*60 + l.Minute()
		for _, s := range p.spansOf(keyOf(y, m, d), l.Weekday()) {
			if mins >= s.start && mins < s.end {
				n++
				break
			}
		}
	}
	return n
}

func randomCalendar(rng *rand.Rand, zone string) *Calendar {
	c := Calendar{Name: "random", TimeZone: zone}
	for {
		for d := time.Sunday; d <= time.Saturday; d++ {
			var list []Interval
			at := rng.IntN(600)
			for range rng.IntN(4) {
				s := at + rng.IntN(300)
				e := s + 1 + rng.IntN(400)
				if s >= 1440 {
					break
				}
				if e > 1440 || rng.IntN(10) == 0 {
					e = 1440
				}
				list = append(list, Interval{clock(s), clock(e)})
				at = e
				if e == 1440 {
					break
				}
			}
			*c.Weekly.Day(d) = list
		}
		seen := map[string]bool{}
		for range rng.IntN(30) {
			day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(760)).Format(time.DateOnly)
			if seen[day] {
				continue
			}
			seen[day] = true
			if rng.IntN(3) == 0 {
				c.Workdays = append(c.Workdays, day)
			} else {
				c.Holidays = append(c.Holidays, day)
			}
		}
		c.WorkdayHoursFrom = dayKeys[rng.IntN(7)]
		if c.Validate() == nil {
			return &c
		}
		c = Calendar{Name: "random", TimeZone: zone}
	}
}

func TestValidate(t *testing.T) {
	bad := Calendar{
		Name:     " ",
		TimeZone: "Mars/Olympus",
		Weekly: Weekly{
			Mon: []Interval{{"09:00", "12:00"}, {"11:00", "13:00"}},
			Tue: []Interval{{"9:00", "12:00"}},
			Wed: []Interval{{"12:00", "09:00"}},
			Thu: []Interval{{"24:00", "24:00"}},
			Fri: []Interval{{"09:00"}},
			Sat: []Interval{{"08:60", "10:00"}},
		},
		Holidays:         []string{"2026-02-30", "2026-10-01"},
		Workdays:         []string{"2026-10-01", "20261010"},
		WorkdayHoursFrom: "monday",
	}
	err := bad.Validate()
	want := []string{"name", "time_zone", "weekly.mon", "weekly.tue[0]", "weekly.wed[0]", "weekly.thu[0]", "weekly.fri[0]", "weekly.sat[0]",
		"holidays[0]", "workdays[0]", "workdays[1]", "workday_hours_from"}
	fields := fieldsOf(t, err)
	for _, f := range want {
		if _, ok := fields[f]; !ok {
			t.Errorf("no error for %s; got %v", f, fields)
		}
	}
	if len(fields) != len(want) {
		t.Errorf("errors %v, want exactly %v", fields, want)
	}

	empty := Calendar{Name: "closed"}
	if f := fieldsOf(t, empty.Validate()); f["weekly"].ZH == "" {
		t.Errorf("a calendar without hours: %v", f)
	}
	noExtraHours := Calendar{Name: "x", Weekly: weekdays(Interval{"09:00", "17:00"}), Workdays: []string{"2026-10-10"}, WorkdayHoursFrom: "sun"}
	if f := fieldsOf(t, noExtraHours.Validate()); f["workday_hours_from"].ZH == "" {
		t.Errorf("make-up days with a weekday without hours: %v", f)
	}

	// Canonical form: defaults, sorted intervals and dates, duplicates dropped.
	ok := Calendar{Name: " 网点 ", Weekly: Weekly{Mon: []Interval{{"13:30", "18:00"}, {"09:00", "12:00"}}, Sun: []Interval{{"00:00", "24:00"}}},
		Holidays: []string{"2026-10-02", "2026-10-01", "2026-10-02"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if ok.Name != "网点" || ok.TimeZone != DefaultTimeZone || ok.WorkdayHoursFrom != "mon" || ok.Weekly.Mon[0][0] != "09:00" ||
		len(ok.Holidays) != 2 || ok.Holidays[0] != "2026-10-01" || ok.Workdays == nil || ok.Weekly.Tue == nil {
		t.Fatalf("canonical form: %+v", ok)
	}
}

func fieldsOf(t *testing.T, err error) map[string]struct{ ZH, EN string } {
	t.Helper()
	out := map[string]struct{ ZH, EN string }{}
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("want a validation error, got %v", err)
	}
	for f, m := range e.Fields {
		out[f] = struct{ ZH, EN string }{m.ZH, m.EN}
	}
	return out
}

func BenchmarkDeadline10000(b *testing.B) {
	start := time.Date(2026, 9, 21, 10, 17, 0, 0, autumn2026.Location())
	for b.Loop() {
		if Deadline(start, 10000, autumn2026).IsZero() {
			b.Fatal("no deadline")
		}
	}
}

func BenchmarkDeadline10000Berlin(b *testing.B) {
	start := time.Date(2026, 3, 20, 10, 17, 0, 0, berlinOffice.Location())
	for b.Loop() {
		if Deadline(start, 10000, berlinOffice).IsZero() {
			b.Fatal("no deadline")
		}
	}
}

func BenchmarkElapsedYear(b *testing.B) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, office.Location())
	end := start.AddDate(1, 0, 0)
	for b.Loop() {
		Elapsed(start, end, office)
	}
}
