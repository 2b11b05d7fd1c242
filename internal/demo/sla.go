package demo

import (
	"context"
	"fmt"
	"time"

	"lingting/internal/sla"
)

// OutletCalendar and AlwaysCalendar name the demo's business calendars.
const (
	OutletCalendar = "网点工作日"
	AlwaysCalendar = "7×24"
)

// LoadSLA adds the demo calendars once: 网点工作日 (weekdays 09:00–12:00 and
// 13:30–17:30 with mainland China's official holidays and make-up working
// days of now's year and the next, for the years the holiday library knows)
// and 7×24. Calendars that exist by name are left alone.
func LoadSLA(ctx context.Context, svc *sla.Service, now time.Time) error {
	existing, err := svc.Calendars(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range existing {
		have[c.Name] = true
	}
	day := []sla.Interval{{"09:00", "12:00"}, {"13:30", "17:30"}}
	outlet := sla.CalendarInput{Name: OutletCalendar, TimeZone: sla.DefaultTimeZone,
		Weekly: sla.Weekly{Mon: day, Tue: day, Wed: day, Thu: day, Fri: day, Sat: []sla.Interval{}, Sun: []sla.Interval{}}}
	for _, y := range []int{now.Year(), now.Year() + 1} {
		if h, w, ok := sla.ChinaHolidays(y); ok {
			outlet.Holidays = append(outlet.Holidays, h...)
			outlet.Workdays = append(outlet.Workdays, w...)
		}
	}
	all := []sla.Interval{{"00:00", "24:00"}}
	always := sla.CalendarInput{Name: AlwaysCalendar, TimeZone: sla.DefaultTimeZone,
		Weekly: sla.Weekly{Mon: all, Tue: all, Wed: all, Thu: all, Fri: all, Sat: all, Sun: all}}
	for _, in := range []sla.CalendarInput{outlet, always} {
		if have[in.Name] {
			continue
		}
		if _, err := svc.SaveCalendar(ctx, 0, in); err != nil {
			return fmt.Errorf("demo: calendar %s: %w", in.Name, err)
		}
	}
	return nil
}
