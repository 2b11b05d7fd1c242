package sla

import (
	"slices"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ip(n int) *int { return &n }

// newTarget starts a target the way Timers.apply does: due = Deadline(start, minutes).
func newTarget(start time.Time, minutes int, cal *Calendar) *TargetState {
	return &TargetState{Target: TargetResolution, Minutes: minutes, StartedAt: utc(start), DueAt: utc(Deadline(start, minutes, cal))}
}

// Pause/resume arithmetic on the office calendar (Mon–Fri 09:00–12:00,
// 13:30–18:00): a pause pushes the deadline by the business time it covered,
// nights, lunch breaks and weekends excluded; the result equals the deadline
// of the target plus every pause.
func TestPauseResumeArithmetic(t *testing.T) {
	// Monday 10:00 + 480 business minutes: 390 on Monday, 90 on Tuesday → Tue 10:30.
	s := newTarget(at("2026-11-23 10:00"), 480, office)
	if want := at("2026-11-24 10:30"); !s.DueAt.Equal(want) {
		t.Fatalf("due %v, want %v", s.DueAt.In(cst), want.In(cst))
	}
	steps := []struct {
		pause, resume string
		paused        time.Duration // business time of this pause
		due           string
	}{
		// 11:00–12:00 and 13:30–14:30: two hours across the lunch break.
		{"2026-11-23 11:00", "2026-11-23 14:30", 2 * time.Hour, "2026-11-24 14:00"},
		// 17:00 → Tuesday 09:30: 60 + 30 minutes, the night does not count.
		{"2026-11-23 17:00", "2026-11-24 09:30", 90 * time.Minute, "2026-11-24 15:30"},
		// Within a lunch break: nothing.
		{"2026-11-24 12:10", "2026-11-24 13:20", 0, "2026-11-24 15:30"},
		// A resume entered before the pause (补录 mistakes) costs nothing.
		{"2026-11-24 13:40", "2026-11-24 13:35", 0, "2026-11-24 15:30"},
	}
	total := time.Duration(0)
	for _, st := range steps {
		s.Pause(at(st.pause))
		if s.Running() || s.NextFireAt != nil {
			t.Fatalf("paused target still running")
		}
		got := s.Resume(at(st.resume), office)
		total += st.paused
		if got != st.paused || !s.DueAt.Equal(at(st.due)) || s.Paused() != total {
			t.Fatalf("pause %s–%s: paused %v (want %v), due %v (want %s), total %v (want %v)", st.pause, st.resume, got, st.paused, s.DueAt.In(cst), st.due, s.Paused(), total)
		}
		// The identity the timers rely on: due = Deadline(start, minutes + every pause).
		if want := DeadlineDuration(s.StartedAt, 480*time.Minute+total, office); !s.DueAt.Equal(utc(want)) {
			t.Fatalf("due %v differs from Deadline(start, target + pauses) %v", s.DueAt, want)
		}
	}
	if s.Breached {
		t.Fatal("breached before the deadline")
	}
	s.Meet(at("2026-11-24 15:00"))
	if s.Breached || s.BreachedNow(at("2026-11-30 09:00")) || s.MetAt == nil {
		t.Fatalf("met in time but breached: %+v", s)
	}

	// A pause over a weekend: Friday 16:30 → Monday 09:00 costs the 90
	// minutes to Friday's close; the deadline (Friday 17:00) moves past the
	// weekend to Monday 09:30.
	w := newTarget(at("2026-11-27 16:00"), 60, office) // due Fri 17:00
	w.Pause(at("2026-11-27 16:30"))
	if d := w.Resume(at("2026-11-30 09:00"), office); d != 90*time.Minute || !w.DueAt.Equal(at("2026-11-30 09:30")) {
		t.Fatalf("weekend pause: %v, due %v", d, w.DueAt.In(cst))
	}

	// Paused after the deadline passed: breached at the deadline, and stays so.
	late := newTarget(at("2026-11-23 09:00"), 60, office) // due 10:00
	late.Pause(at("2026-11-23 10:15"))
	if !late.Breached || !late.BreachedAt.Equal(at("2026-11-23 10:00")) {
		t.Fatalf("pause after the deadline: %+v", late)
	}
	late.Resume(at("2026-11-23 11:15"), office)
	late.Meet(at("2026-11-23 11:20"))
	if !late.Breached || !late.BreachedNow(at("2026-11-23 11:30")) {
		t.Fatal("a breach was undone by a pause")
	}

	// Met after the deadline: breached; running past it: breached now.
	m := newTarget(at("2026-11-23 09:00"), 30, office)
	if m.BreachedNow(at("2026-11-23 09:29")) || !m.BreachedNow(at("2026-11-23 09:30")) {
		t.Fatal("running target: breach at the deadline")
	}
	m.Meet(at("2026-11-23 09:31"))
	if !m.Breached {
		t.Fatal("met late but not breached")
	}
	// A paused target is not breached while paused before its deadline.
	p := newTarget(at("2026-11-23 09:00"), 30, office)
	p.Pause(at("2026-11-23 09:10"))
	if p.BreachedNow(at("2026-11-23 17:00")) {
		t.Fatal("a paused target counted as breached")
	}
}

var testPlan = Plan{
	Warnings: []Warning{{AtPercent: ip(75)}, {BeforeMinutes: ip(60)}},
	Escalations: []Escalation{
		{Level: 1, AfterMinutes: 0, Notify: NotifyAssignee, RepeatEveryMinutes: ip(60)},
		{Level: 2, AfterMinutes: 60, Notify: NotifyStationHead},
	},
}

func keysOf(steps []Step) []string {
	out := []string{}
	for _, s := range steps {
		out = append(out, s.Key)
	}
	return out
}

// The plan's steps on business time: 75 % of 480 minutes, 60 minutes
// before, the breach, escalation level 1 at once and every hour, level 2 an
// hour after.
func TestSteps(t *testing.T) {
	s := newTarget(at("2026-11-23 10:00"), 480, office) // due Tue 10:30
	due, next := Steps(testPlan, s, office, at("2026-11-24 12:30"))
	wantAt := map[string]string{
		"w:p75":  "2026-11-23 17:30", // 360 business minutes
		"w:b60":  "2026-11-24 09:30", // 420
		"breach": "2026-11-24 10:30",
		"e1:0":   "2026-11-24 10:30",
		"e1:1":   "2026-11-24 11:30",
		"e2:0":   "2026-11-24 11:30",
	}
	if got := keysOf(due); !slices.Equal(got, []string{"w:p75", "w:b60", "breach", "e1:0", "e1:1", "e2:0"}) {
		t.Fatalf("due steps %v", got)
	}
	for _, st := range due {
		if !st.At.Equal(at(wantAt[st.Key])) {
			t.Errorf("%s at %v, want %s", st.Key, st.At.In(cst), wantAt[st.Key])
		}
		if st.Key == "e2:0" && (!st.Urgent || st.Notify != NotifyStationHead) {
			t.Errorf("level 2 is the top level: %+v", st)
		}
		if st.Key == "e1:0" && st.Urgent {
			t.Errorf("level 1 is not the top level")
		}
	}
	// 11:30 + 60 business minutes: 30 before lunch, 30 after → 14:00.
	if next == nil || next.Key != "e1:2" || !next.At.Equal(at("2026-11-24 14:00")) {
		t.Fatalf("next step %+v", next)
	}

	// Paused time moves the warnings and the deadline alike.
	s.Pause(at("2026-11-23 11:00"))
	s.Resume(at("2026-11-23 14:30"), office) // two business hours
	due, _ = Steps(testPlan, s, office, at("2026-11-24 10:30"))
	if len(due) != 1 || due[0].Key != "w:p75" || !due[0].At.Equal(at("2026-11-24 10:30")) {
		t.Fatalf("warning after a pause: %+v", due)
	}

	// A warning that would precede the clock start is dropped.
	short := newTarget(at("2026-11-23 10:00"), 30, office)
	due, _ = Steps(testPlan, short, office, at("2026-11-23 10:30"))
	if got := keysOf(due); !slices.Equal(got, []string{"w:p75", "breach", "e1:0"}) {
		t.Fatalf("short target: %v", got)
	}
}

// Pending fires what has not fired, and of an escalation level's repeats
// only the first and the latest.
func TestPending(t *testing.T) {
	s := newTarget(at("2026-11-23 10:00"), 480, office)
	due, _ := Steps(testPlan, s, office, at("2026-11-24 17:00")) // e1:0 … e1:5 due
	got := keysOf(Pending(due, map[string]bool{"w:p75": true}))
	if !slices.Equal(got, []string{"w:b60", "breach", "e1:0", "e2:0", "e1:5"}) {
		t.Fatalf("pending %v", got)
	}
	got = keysOf(Pending(due, map[string]bool{"w:p75": true, "w:b60": true, "breach": true, "e1:0": true, "e2:0": true, "e1:5": true}))
	if len(got) != 0 {
		t.Fatalf("everything fired, still pending %v", got)
	}
	// nextFire: nothing pending → the next step; paused or met → nil.
	fired := map[string]bool{"w:p75": true, "w:b60": true, "breach": true, "e1:0": true, "e2:0": true, "e1:5": true}
	if n := nextFire(testPlan, s, office, fired, at("2026-11-24 17:00")); n == nil || !n.Equal(at("2026-11-24 18:00")) {
		t.Fatalf("next fire %v", n)
	}
	if n := nextFire(testPlan, s, office, map[string]bool{}, at("2026-11-24 17:00")); n == nil || !n.Equal(at("2026-11-23 17:30")) {
		t.Fatalf("next fire with nothing fired %v", n)
	}
	s.Pause(at("2026-11-24 17:00"))
	if n := nextFire(testPlan, s, office, fired, at("2026-11-24 17:00")); n != nil {
		t.Fatalf("paused target has a next fire %v", n)
	}
}

func TestClock(t *testing.T) {
	c := NewClock()
	target := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Set(target)
	if d := c.Now().Sub(target); d < 0 || d > time.Second {
		t.Fatalf("set clock: %v", c.Now())
	}
	c.Advance(time.Hour)
	if d := c.Now().Sub(target.Add(time.Hour)); d < 0 || d > time.Second {
		t.Fatalf("advanced clock: %v", c.Now())
	}
	c.Reset()
	if d := time.Since(c.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("reset clock: %v", c.Now())
	}
	var nilClock *Clock
	if nilClock.Now().IsZero() || nilClock.Now().Location() != time.UTC {
		t.Fatal("nil clock")
	}
}
