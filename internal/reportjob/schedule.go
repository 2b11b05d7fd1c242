package reportjob

import (
	"time"

	"lingting/internal/apperr"
)

// Frequencies of a subscription.
const (
	Daily   = "daily"
	Weekly  = "weekly"
	Monthly = "monthly"
)

// Schedule is when a subscription runs, read in Asia/Shanghai (no daylight
// saving since 1991, so every local time exists exactly once).
type Schedule struct {
	Frequency string `json:"frequency"`   // daily, weekly, monthly
	Weekday   int    `json:"weekday"`     // weekly: 1 = Monday … 7 = Sunday
	MonthDay  int    `json:"month_day"`   // monthly: 1–31; a month without that day runs on its last day
	TimeOfDay string `json:"time_of_day"` // HH:MM
}

// Check validates the schedule, adding field errors to v.
func (sc Schedule) Check(v *apperr.Validation) {
	switch sc.Frequency {
	case Daily:
	case Weekly:
		if sc.Weekday < 1 || sc.Weekday > 7 {
			v.Add("weekday", "每周订阅须选择星期一至星期日（1–7）", "a weekly subscription needs a weekday from 1 (Monday) to 7 (Sunday)")
		}
	case Monthly:
		if sc.MonthDay < 1 || sc.MonthDay > 31 {
			v.Add("month_day", "每月订阅须选择 1–31 日", "a monthly subscription needs a day of month from 1 to 31")
		}
	default:
		v.Add("frequency", "频率只能是 daily（每天）、weekly（每周）或 monthly（每月）", "frequency must be daily, weekly or monthly")
	}
	if _, _, ok := sc.clock(); !ok {
		v.Add("time_of_day", "时间格式应为 HH:MM（00:00–23:59）", "time_of_day must be HH:MM from 00:00 to 23:59")
	}
}

func (sc Schedule) clock() (h, m int, ok bool) {
	if len(sc.TimeOfDay) != 5 || sc.TimeOfDay[2] != ':' {
		return 0, 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if c := sc.TimeOfDay[i]; c < '0' || c > '9' {
			return 0, 0, false
		}
	}
	h = int(sc.TimeOfDay[0]-'0')*10 + int(sc.TimeOfDay[1]-'0')
	m = int(sc.TimeOfDay[3]-'0')*10 + int(sc.TimeOfDay[4]-'0')
	return h, m, h < 24 && m < 60
}

// Next is the first due time strictly after `after`, as an instant.
func (sc Schedule) Next(after time.Time, zone *time.Location) time.Time {
	h, m, ok := sc.clock()
	if !ok {
		return time.Time{}
	}
	local := after.In(zone)
	y, mo, d := local.Date()
	switch sc.Frequency {
	case Daily:
		for i := 0; i <= 1; i++ {
			at := time.Date(y, mo, d+i, h, m, 0, 0, zone)
			if at.After(after) {
				return at
			}
		}
	case Weekly:
		for i := 0; i <= 7; i++ {
			at := time.Date(y, mo, d+i, h, m, 0, 0, zone)
			wd := int(at.Weekday())
			if wd == 0 {
				wd = 7
			}
			if wd == sc.Weekday && at.After(after) {
				return at
			}
		}
	case Monthly:
		for i := 0; i <= 1; i++ {
			first := time.Date(y, mo+time.Month(i), 1, 0, 0, 0, 0, zone)
			last := first.AddDate(0, 1, -1).Day()
			at := time.Date(first.Year(), first.Month(), min(sc.MonthDay, last), h, m, 0, 0, zone)
			if at.After(after) {
				return at
			}
		}
	}
	return time.Time{}
}
