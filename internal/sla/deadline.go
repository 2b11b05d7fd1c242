package sla

import "time"

// The deadline calculator.
//
// Semantics (fixed here, relied on by timers and tests):
//
//   - Working time is the union of the calendar's intervals, each half-open
//     [start, end) in wall-clock time of the calendar's zone on its date. A date
//     is a holiday (no intervals), a make-up working day (the intervals of the
//     weekday named by workday_hours_from) or an ordinary day (its weekday's
//     intervals). "24:00" ends an interval at the next midnight, so
//     ["00:00","24:00"] every day is 24×7.
//   - Business time is the real time (instants, not wall-clock readings) that
//     lies inside working intervals. Exact to the second; the API speaks in
//     whole minutes.
//   - DST: an instant is working time when the wall clock of the calendar's
//     zone at that instant shows a time inside one of that day's intervals.
//     So 09:00–18:00 is 9 real hours on an ordinary day; an interval that
//     contains a spring-forward jump loses the skipped wall-clock time, one that
//     contains the repeated hour of a fall-back counts it twice (00:00–24:00 is
//     23 h and 25 h on those days), and a 24×7 calendar counts plain elapsed
//     time. Zones without DST (Asia/Shanghai) have none of this.
//   - Deadline(start, m) is the earliest instant at which m business minutes
//     have passed since start. A start outside working time starts the clock at
//     the next working instant. The deadline may be the end of an interval
//     (09:00 + 180 min = 12:00, not 13:30). m = 0 (or less) answers the instant
//     the clock starts: start itself inside working time, else the next
//     working instant.
//   - Elapsed(a, b) is the business minutes inside [a, b), truncated to whole
//     minutes; negative (−Elapsed(b, a)) when b is before a. For every m ≥ 0,
//     Elapsed(start, Deadline(start, m)) == m, and Deadline is monotonic in m.
//   - Whole days are processed at once (a few interval ends per day); nothing
//     loops per minute. A calendar that never works again answers the zero time.

// maxDays bounds every walk over the calendar (about 200 years), so a
// hand-built calendar without recurring hours cannot loop for ever.
const maxDays = 200 * 366

// window is a working interval as instants, [from, to).
type window struct{ from, to time.Time }

// Deadline returns the instant at which businessMinutes of working time have
// passed since start (see the package semantics above), in the calendar's
// zone. It answers the zero time for an invalid calendar or one without
// working time after start.
func Deadline(start time.Time, businessMinutes int, cal *Calendar) time.Time {
	p := cal.tables()
	if p == nil {
		return time.Time{}
	}
	return p.deadline(start, time.Duration(max(businessMinutes, 0))*time.Minute)
}

// DeadlineDuration is Deadline for a business duration with sub-minute precision.
func DeadlineDuration(start time.Time, business time.Duration, cal *Calendar) time.Time {
	p := cal.tables()
	if p == nil {
		return time.Time{}
	}
	return p.deadline(start, max(business, 0))
}

// NextWorking returns t when t is inside working time, else the start of the
// next working interval (the instant an SLA clock started at t begins to run).
func NextWorking(t time.Time, cal *Calendar) time.Time { return Deadline(t, 0, cal) }

// IsWorking reports whether the instant t lies inside working time.
func IsWorking(t time.Time, cal *Calendar) bool {
	n := NextWorking(t, cal)
	return !n.IsZero() && n.Equal(t)
}

// Elapsed returns the business minutes in [start, end), truncated toward zero;
// negative when end is before start.
func Elapsed(start, end time.Time, cal *Calendar) int {
	return int(Business(start, end, cal) / time.Minute)
}

// Business returns the working time inside [a, b) exactly (negative when b is
// before a). It is what a pause costs: the business time between the moment a
// ticket was paused and the moment it resumed.
func Business(a, b time.Time, cal *Calendar) time.Duration {
	if b.Before(a) {
		return -Business(b, a, cal)
	}
	p := cal.tables()
	if p == nil || !b.After(a) {
		return 0
	}
	var total time.Duration
	var buf [8]window
	last := p.dateOf(b)
	for date, n := p.dateOf(a).AddDate(0, 0, -1), 0; !date.After(last) && n < maxDays; date, n = date.AddDate(0, 0, 1), n+1 {
		for _, w := range p.windows(date, buf[:0]) {
			from, to := later(w.from, a), earlier(w.to, b)
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}

// Extend pushes a deadline by business minutes (the business time a ticket
// spent paused): Extend(Deadline(s, m), n) == Deadline(s, m+n). Zero minutes
// leave the deadline as it is.
func Extend(deadline time.Time, businessMinutes int, cal *Calendar) time.Time {
	if businessMinutes <= 0 {
		return deadline
	}
	return Deadline(deadline, businessMinutes, cal)
}

func (p *compiled) deadline(start time.Time, need time.Duration) time.Time {
	var buf [8]window
	cur := start
	date := p.dateOf(start).AddDate(0, 0, -1)
	for n := 0; n < maxDays; date, n = date.AddDate(0, 0, 1), n+1 {
		ws := p.windows(date, buf[:0])
		if len(ws) == 0 {
			if p.weekMins == 0 && keyOf(date.Date()) > p.lastExtra {
				return time.Time{} // no working time ever again
			}
			continue
		}
		for _, w := range ws {
			from := later(w.from, cur)
			if !from.Before(w.to) {
				continue
			}
			avail := w.to.Sub(from)
			if avail >= need {
				return from.Add(need).In(p.loc)
			}
			need -= avail
			cur = w.to
		}
	}
	return time.Time{}
}

// dateOf is the civil date of t in the calendar's zone, as midnight UTC.
func (p *compiled) dateOf(t time.Time) time.Time {
	y, m, d := t.In(p.loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// windows appends the working intervals of a civil date (midnight UTC) as
// instants, in order: the instants whose wall-clock reading in the calendar's
// zone lies on that date inside one of its intervals.
func (p *compiled) windows(date time.Time, buf []window) []window {
	y, m, d := date.Date()
	spans := p.spansOf(keyOf(y, m, d), date.Weekday())
	if len(spans) == 0 {
		return buf
	}
	// Instants whose reading falls on the date lie within these bounds (zone
	// offsets stay within −12 h … +14 h). Between two zone transitions the
	// reading is the instant plus a constant offset, so each piece maps the
	// day's intervals to instants by subtraction.
	lo, hi := date.Add(-15*time.Hour), date.Add(37*time.Hour)
	for t := lo; t.Before(hi); {
		local := t.In(p.loc)
		_, off := local.Zone()
		_, next := local.ZoneBounds()
		if next.IsZero() || next.After(hi) {
			next = hi
		}
		shift := -time.Duration(off) * time.Second
		for _, s := range spans {
			from := later(date.Add(time.Duration(s.start)*time.Minute+shift), t)
			to := earlier(date.Add(time.Duration(s.end)*time.Minute+shift), next)
			if !from.Before(to) {
				continue
			}
			if n := len(buf); n > 0 && buf[n-1].to.Equal(from) {
				buf[n-1].to = to // an interval running through a transition
			} else {
				buf = append(buf, window{from, to})
			}
		}
		t = next
	}
	return buf
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
