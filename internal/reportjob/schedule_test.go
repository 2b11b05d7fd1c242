package reportjob

import (
	"testing"
	"time"

	"lingting/internal/apperr"
)

// Due times worked out by hand on the calendar (2026-11-23 is a Monday;
// Asia/Shanghai is UTC+8 all year, no daylight saving).
func TestScheduleNext(t *testing.T) {
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name  string
		sc    Schedule
		after string
		want  string
	}{
		{"daily later today", Schedule{Frequency: Daily, TimeOfDay: "08:00"}, "2026-11-23 07:59", "2026-11-23 08:00"},
		{"daily at the instant moves on", Schedule{Frequency: Daily, TimeOfDay: "08:00"}, "2026-11-23 08:00", "2026-11-24 08:00"},
		{"daily over the year end", Schedule{Frequency: Daily, TimeOfDay: "00:00"}, "2026-12-31 23:30", "2027-01-01 00:00"},
		{"daily 23:59", Schedule{Frequency: Daily, TimeOfDay: "23:59"}, "2026-11-23 23:59", "2026-11-24 23:59"},
		{"weekly Monday, same day later", Schedule{Frequency: Weekly, Weekday: 1, TimeOfDay: "09:30"}, "2026-11-23 09:00", "2026-11-23 09:30"},
		{"weekly Monday, just passed", Schedule{Frequency: Weekly, Weekday: 1, TimeOfDay: "09:30"}, "2026-11-23 09:30", "2026-11-30 09:30"},
		{"weekly Sunday", Schedule{Frequency: Weekly, Weekday: 7, TimeOfDay: "18:00"}, "2026-11-23 10:00", "2026-11-29 18:00"},
		{"weekly Friday over the month end", Schedule{Frequency: Weekly, Weekday: 5, TimeOfDay: "07:00"}, "2026-11-28 07:00", "2026-12-04 07:00"},
		{"monthly 1st", Schedule{Frequency: Monthly, MonthDay: 1, TimeOfDay: "06:00"}, "2026-11-23 10:00", "2026-12-01 06:00"},
		{"monthly 31st in November runs on the 30th", Schedule{Frequency: Monthly, MonthDay: 31, TimeOfDay: "20:00"}, "2026-11-23 10:00", "2026-11-30 20:00"},
		{"monthly 31st after November's last day", Schedule{Frequency: Monthly, MonthDay: 31, TimeOfDay: "20:00"}, "2026-11-30 20:00", "2026-12-31 20:00"},
		{"monthly 30th in February 2027 (28 days)", Schedule{Frequency: Monthly, MonthDay: 30, TimeOfDay: "08:00"}, "2027-01-30 08:00", "2027-02-28 08:00"},
		{"monthly 29th in leap February 2028", Schedule{Frequency: Monthly, MonthDay: 29, TimeOfDay: "08:00"}, "2028-01-29 09:00", "2028-02-29 08:00"},
		{"monthly 15th, this month still", Schedule{Frequency: Monthly, MonthDay: 15, TimeOfDay: "08:00"}, "2026-12-15 07:59", "2026-12-15 08:00"},
		{"monthly over the year end", Schedule{Frequency: Monthly, MonthDay: 5, TimeOfDay: "08:00"}, "2026-12-06 00:00", "2027-01-05 08:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.sc.Next(at(c.after), zone)
			if !got.Equal(at(c.want)) {
				t.Fatalf("Next(%s) = %s, want %s", c.after, got.In(zone).Format("2006-01-02 15:04 Mon"), c.want)
			}
		})
	}
	// The instant is the same whatever zone `after` is given in: 08:00 in
	// Shanghai is 00:00 UTC.
	got := Schedule{Frequency: Daily, TimeOfDay: "08:00"}.Next(time.Date(2026, 11, 22, 23, 0, 0, 0, time.UTC), zone)
	if want := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("UTC: %s, want %s", got.UTC(), want)
	}
}

func TestScheduleCheck(t *testing.T) {
	bad := map[string]Schedule{
		"frequency":   {Frequency: "hourly", TimeOfDay: "08:00"},
		"weekday":     {Frequency: Weekly, Weekday: 8, TimeOfDay: "08:00"},
		"month_day":   {Frequency: Monthly, MonthDay: 0, TimeOfDay: "08:00"},
		"time_of_day": {Frequency: Daily, TimeOfDay: "24:00"},
	}
	for field, sc := range bad {
		var v apperr.Validation
		sc.Check(&v)
		e, ok := apperr.As(v.Err())
		if !ok || e.Fields[field].ZH == "" || e.Fields[field].EN == "" {
			t.Errorf("%s: %v", field, v.Err())
		}
	}
	for _, tod := range []string{"8:00", "08:60", "0800", "08:0a", ""} {
		var v apperr.Validation
		Schedule{Frequency: Daily, TimeOfDay: tod}.Check(&v)
		if v.Err() == nil {
			t.Errorf("time %q accepted", tod)
		}
	}
	var v apperr.Validation
	Schedule{Frequency: Weekly, Weekday: 7, TimeOfDay: "23:59"}.Check(&v)
	if v.Err() != nil {
		t.Fatal(v.Err())
	}
}

// Relative periods, worked out on the calendar from a run due on Monday
// 2026-11-23 08:00 (and 2026-03-01 for a month whose previous has 28 days).
func TestResolvePeriod(t *testing.T) {
	zone, _ := time.LoadLocation("Asia/Shanghai")
	due := time.Date(2026, 11, 23, 8, 0, 0, 0, zone)
	cases := map[string]string{
		"period=yesterday&org_id=4":     "from=2026-11-22&org_id=4&to=2026-11-22",
		"period=last_7_days":            "from=2026-11-16&to=2026-11-22",
		"period=last_week":              "from=2026-11-16&to=2026-11-22",
		"period=last_month":             "from=2026-10-01&to=2026-10-31",
		"period=this_month":             "from=2026-11-01&to=2026-11-23",
		"from=2026-01-01&to=2026-01-31": "from=2026-01-01&to=2026-01-31",
	}
	for q, want := range cases {
		if got := resolvePeriod(q, due, zone); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
	}
	// A Sunday run's "last week" is the week before the current one.
	if got := resolvePeriod("period=last_week", time.Date(2026, 11, 29, 23, 0, 0, 0, zone), zone); got != "from=2026-11-16&to=2026-11-22" {
		t.Errorf("Sunday: %s", got)
	}
	if got := resolvePeriod("period=last_month", time.Date(2026, 3, 1, 0, 30, 0, 0, zone), zone); got != "from=2026-02-01&to=2026-02-28" {
		t.Errorf("March: %s", got)
	}
	// 00:30 in Shanghai is still the previous day in UTC: the day is Shanghai's.
	if got := resolvePeriod("period=yesterday", time.Date(2026, 11, 22, 16, 30, 0, 0, time.UTC), zone); got != "from=2026-11-22&to=2026-11-22" {
		t.Errorf("UTC instant: %s", got)
	}
}
