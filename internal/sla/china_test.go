package sla

import (
	"slices"
	"testing"
)

// The official arrangements (国务院办公厅关于节假日安排的通知) as published,
// checked against what github.com/6tail/lunar-go v1.4.6 carries.
func TestChinaHolidays(t *testing.T) {
	cases := []struct {
		year               int
		holidays, workdays []string
	}{
		{2025,
			// 元旦 01-01; 春节 01-28…02-04 (8 days, 除夕 included from 2025); 清明 04-04…06;
			// 劳动节 05-01…05; 端午 05-31…06-02; 国庆+中秋 10-01…08.
			[]string{"2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04",
				"2025-04-04", "2025-04-05", "2025-04-06", "2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05",
				"2025-05-31", "2025-06-01", "2025-06-02", "2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"},
			// Sunday 01-26 and Saturday 02-08 (春节), Sunday 04-27 (劳动节), Sunday 09-28 and Saturday 10-11 (国庆).
			[]string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"}},
		{2026,
			// 元旦 01-01…03; 春节 02-15…23 (9 days); 清明 04-04…06; 劳动节 05-01…05; 端午 06-19…21;
			// 中秋 09-25…27; 国庆 10-01…07 (7 days: in 2026 中秋 falls apart from 国庆).
			[]string{"2026-01-01", "2026-01-02", "2026-01-03", "2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23",
				"2026-04-04", "2026-04-05", "2026-04-06", "2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05",
				"2026-06-19", "2026-06-20", "2026-06-21", "2026-09-25", "2026-09-26", "2026-09-27",
				"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"},
			// Sunday 01-04 (元旦), Saturdays 02-14 and 02-28 (春节), Saturday 05-09 (劳动节),
			// Sunday 09-20 and Saturday 10-10 (国庆).
			[]string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}},
	}
	for _, c := range cases {
		h, w, ok := ChinaHolidays(c.year)
		if !ok {
			t.Fatalf("%d: the library does not know the year", c.year)
		}
		if !slices.Equal(h, c.holidays) {
			t.Errorf("%d holidays:\n got %v\nwant %v", c.year, h, c.holidays)
		}
		if !slices.Equal(w, c.workdays) {
			t.Errorf("%d make-up working days:\n got %v\nwant %v", c.year, w, c.workdays)
		}
		// The arrangement makes a valid calendar.
		cal := Calendar{Name: "cn", Weekly: weekdays(Interval{"09:00", "17:00"}), Holidays: h, Workdays: w}
		if err := cal.Validate(); err != nil {
			t.Errorf("%d: %v", c.year, err)
		}
	}
	days, _ := ChinaArrangement(2026)
	if i := slices.IndexFunc(days, func(d ChinaDay) bool { return d.Date == "2026-09-20" }); i < 0 || days[i].Name != "国庆节" || !days[i].Work {
		t.Errorf("2026-09-20: %+v", days)
	}
	// v1.4.6 stops at 2026; a year it does not know answers ok = false.
	for _, y := range []int{2027, 1999, 0, 12026} {
		if h, w, ok := ChinaHolidays(y); ok || h != nil || w != nil {
			t.Errorf("%d: %v %v %v", y, h, w, ok)
		}
	}
}
