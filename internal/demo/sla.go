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

func ip(n int) *int { return &n }

// LoadSLAPolicies adds the demo SLA policies (after LoadSLA) when there are
// none: urgent and high repairs around the clock, other repairs, complaints
// on the outlets' working hours, and a catch-all. The escalation chain is the
// seed's 短信督办: the engineer, then the station head, the vendor's manager
// and the general manager.
func LoadSLAPolicies(ctx context.Context, svc *sla.Service) error {
	if existing, err := svc.Policies(ctx, false); err != nil || len(existing) > 0 {
		return err
	}
	cals, err := svc.Calendars(ctx)
	if err != nil {
		return err
	}
	cal := map[string]int64{}
	for _, c := range cals {
		cal[c.Name] = c.ID
	}
	chain := func(levels ...sla.Escalation) []sla.Escalation { return levels }
	policies := []sla.PolicyInput{
		{Name: "ATM 紧急报修", Order: 10, CalendarID: cal[AlwaysCalendar],
			Match:    sla.Conditions{Types: []string{"repair"}, Priorities: []string{"urgent", "high"}},
			Targets:  sla.Targets{FirstResponse: ip(30), Arrival: ip(120), Resolution: ip(240)},
			Warnings: []sla.Warning{{AtPercent: ip(75)}, {BeforeMinutes: ip(30)}},
			Escalations: chain(
				sla.Escalation{Level: 1, AfterMinutes: 0, Notify: sla.NotifyAssignee, RepeatEveryMinutes: ip(60)},
				sla.Escalation{Level: 2, AfterMinutes: 60, Notify: sla.NotifyStationHead},
				sla.Escalation{Level: 3, AfterMinutes: 180, Notify: sla.NotifyOrgManager},
				sla.Escalation{Level: 4, AfterMinutes: 480, Notify: sla.NotifyGeneralManager})},
		{Name: "设备报修", Order: 20, CalendarID: cal[OutletCalendar],
			Match:    sla.Conditions{Types: []string{"repair"}},
			Targets:  sla.Targets{FirstResponse: ip(60), Arrival: ip(240), Resolution: ip(480)},
			Warnings: []sla.Warning{{BeforeMinutes: ip(120)}, {AtPercent: ip(75)}},
			Escalations: chain(
				sla.Escalation{Level: 1, AfterMinutes: 0, Notify: sla.NotifyAssignee},
				sla.Escalation{Level: 2, AfterMinutes: 60, Notify: sla.NotifyStationHead},
				sla.Escalation{Level: 3, AfterMinutes: 240, Notify: sla.NotifyOrgManager})},
		{Name: "投诉处理", Order: 30, CalendarID: cal[OutletCalendar],
			Match:    sla.Conditions{Types: []string{"complaint"}},
			Targets:  sla.Targets{FirstResponse: ip(60), Resolution: ip(960)},
			Warnings: []sla.Warning{{AtPercent: ip(80)}},
			Escalations: chain(
				sla.Escalation{Level: 1, AfterMinutes: 0, Notify: sla.NotifyAssignee},
				sla.Escalation{Level: 2, AfterMinutes: 240, Notify: sla.NotifyGeneralManager})},
		{Name: "一般服务", Order: 100, CalendarID: cal[OutletCalendar],
			Targets:     sla.Targets{FirstResponse: ip(120), Resolution: ip(960)},
			Escalations: chain(sla.Escalation{Level: 1, AfterMinutes: 0, Notify: sla.NotifyAssignee})},
	}
	for _, p := range policies {
		if _, err := svc.SavePolicy(ctx, 0, p); err != nil {
			return fmt.Errorf("demo: SLA policy %s: %w", p.Name, err)
		}
	}
	return nil
}
