package sla

import (
	"fmt"
	"strings"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// ChinaDay is one date of mainland China's official holiday arrangement.
type ChinaDay struct {
	Date   string // YYYY-MM-DD
	Name   string // 春节, 国庆节, …
	Work   bool   // a make-up working day (调休上班) rather than a day off
	Target string // the festival the day belongs to (YYYY-MM-DD)
}

// ChinaArrangement returns the official arrangement (放假 and 调休上班 days) of
// the dates in year, as published by the State Council and kept by
// github.com/6tail/lunar-go's HolidayUtil; ok is false when the library does
// not know the year (no year is built into our code: a newer library version
// brings newer years).
func ChinaArrangement(year int) (days []ChinaDay, ok bool) {
	if year < 1900 || year > 9999 {
		return nil, false
	}
	l := HolidayUtil.GetHolidaysByYear(year)
	for e := l.Front(); e != nil; e = e.Next() {
		h := e.Value.(*HolidayUtil.Holiday)
		days = append(days, ChinaDay{Date: h.GetDay(), Name: h.GetName(), Work: h.IsWork(), Target: h.GetTarget()})
		// The year is known when one of its own festivals is listed, not only
		// a late-December day that belongs to the next year's 元旦.
		if strings.HasPrefix(h.GetTarget(), fmt.Sprintf("%04d-", year)) {
			ok = true
		}
	}
	if !ok {
		return nil, false
	}
	return days, true
}

// ChinaHolidays returns the official days off and make-up working days of the
// dates in year (YYYY-MM-DD, ascending); ok is false when the library does not
// know the year.
func ChinaHolidays(year int) (holidays, workdays []string, ok bool) {
	days, ok := ChinaArrangement(year)
	if !ok {
		return nil, nil, false
	}
	holidays, workdays = []string{}, []string{}
	for _, d := range days {
		if d.Work {
			workdays = append(workdays, d.Date)
		} else {
			holidays = append(holidays, d.Date)
		}
	}
	return holidays, workdays, true
}
