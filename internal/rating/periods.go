package rating

import (
	"fmt"
	"time"
)

// Days are yyyymmdd integers and months yyyymm, as stored in the roll-ups.

func dayTime(day int) time.Time {
	return time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, time.UTC)
}

func dayOf(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// ParseDay reads 2006-01-02 as a day number.
func ParseDay(s string) (int, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return dayOf(t), nil
}

// FormatDay writes a day number as 2006-01-02.
func FormatDay(day int) string { return dayTime(day).Format(time.DateOnly) }

func lastOfMonth(month int) int {
	t := time.Date(month/100, time.Month(month%100)+1, 0, 0, 0, 0, 0, time.UTC)
	return dayOf(t)
}

// part is a slice of a day range read from one roll-up table: whole months
// from rating_monthly, the ragged ends from rating_daily.
type part struct {
	monthly bool
	lo, hi  int  // days, or months when monthly
	byMonth bool // read in month order (report.go)
}

// split covers [from, to] with at most three parts: the days before the first
// whole month, the whole months, the days after the last.
func split(from, to int) []part {
	if from > to {
		return nil
	}
	firstFull := from / 100
	if from%100 != 1 {
		firstFull = nextMonth(firstFull)
	}
	lastFull := to / 100
	if to != lastOfMonth(lastFull) {
		lastFull = prevMonth(lastFull)
	}
	if firstFull > lastFull {
		return []part{{lo: from, hi: to}}
	}
	var out []part
	if start := firstFull*100 + 1; from < start {
		out = append(out, part{lo: from, hi: dayOf(dayTime(start).AddDate(0, 0, -1))})
	}
	out = append(out, part{monthly: true, lo: firstFull, hi: lastFull})
	if end := lastOfMonth(lastFull); to > end {
		out = append(out, part{lo: dayOf(dayTime(end).AddDate(0, 0, 1)), hi: to})
	}
	return out
}

func nextMonth(m int) int {
	if m%100 == 12 {
		return (m/100+1)*100 + 1
	}
	return m + 1
}

func prevMonth(m int) int {
	if m%100 == 1 {
		return (m/100-1)*100 + 12
	}
	return m - 1
}

// previous is the period compared with [from, to]: a year earlier (yoy), or
// the period of the same length just before (mom: whole months shift by
// months, other ranges by days).
func previous(from, to int, mode string) (int, int) {
	f, t := dayTime(from), dayTime(to)
	if mode == "yoy" {
		return dayOf(f.AddDate(-1, 0, 0)), dayOf(t.AddDate(-1, 0, 0))
	}
	if from%100 == 1 && to == lastOfMonth(to/100) {
		months := (t.Year()-f.Year())*12 + int(t.Month()-f.Month()) + 1
		pf := f.AddDate(0, -months, 0)
		return dayOf(pf), lastOfMonth(dayOf(pf.AddDate(0, months-1, 0)) / 100)
	}
	days := int(t.Sub(f).Hours()/24) + 1
	return dayOf(f.AddDate(0, 0, -days)), dayOf(t.AddDate(0, 0, -days))
}

// periodKey turns a day or month into the label of a time grouping.
func periodKey(groupBy string, v int, monthly bool) string {
	month := v
	if !monthly {
		month = v / 100
	}
	switch groupBy {
	case "day":
		return FormatDay(v)
	case "week":
		y, w := dayTime(v).ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case "quarter":
		return fmt.Sprintf("%d-Q%d", month/100, (month%100-1)/3+1)
	case "year":
		return fmt.Sprintf("%d", month/100)
	default:
		return fmt.Sprintf("%d-%02d", month/100, month%100)
	}
}
