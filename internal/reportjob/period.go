package reportjob

import (
	"net/url"
	"time"

	"lingting/internal/apperr"
)

// Relative periods a subscription may name in its query as period=…: each
// run then covers the period before its due time (Asia/Shanghai days)
// instead of fixed from/to dates.
var relativePeriods = []string{"yesterday", "last_7_days", "last_week", "last_month", "this_month"}

func checkPeriod(q string, v *apperr.Validation) {
	vals, _ := url.ParseQuery(q)
	p := vals.Get("period")
	if p == "" {
		return
	}
	for _, ok := range relativePeriods {
		if p == ok {
			return
		}
	}
	v.Add("query.period", "期间只能是 yesterday（昨天）、last_7_days（近 7 天）、last_week（上周）、last_month（上月）或 this_month（本月至今）",
		"period must be yesterday, last_7_days, last_week, last_month or this_month")
}

// resolvePeriod replaces period=… by the from/to it means for a run due at due.
func resolvePeriod(q string, due time.Time, zone *time.Location) string {
	vals, err := url.ParseQuery(q)
	if err != nil || vals.Get("period") == "" {
		return q
	}
	d := due.In(zone)
	today := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, zone)
	var from, to time.Time
	switch vals.Get("period") {
	case "yesterday":
		from, to = today.AddDate(0, 0, -1), today.AddDate(0, 0, -1)
	case "last_7_days":
		from, to = today.AddDate(0, 0, -7), today.AddDate(0, 0, -1)
	case "last_week":
		wd := int(today.Weekday()+6) % 7 // days since Monday
		monday := today.AddDate(0, 0, -wd)
		from, to = monday.AddDate(0, 0, -7), monday.AddDate(0, 0, -1)
	case "last_month":
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, zone)
		from, to = first.AddDate(0, -1, 0), first.AddDate(0, 0, -1)
	case "this_month":
		from, to = time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, zone), today
	default:
		return q
	}
	vals.Del("period")
	vals.Set("from", from.Format(time.DateOnly))
	vals.Set("to", to.Format(time.DateOnly))
	return vals.Encode()
}
