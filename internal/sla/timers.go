package sla

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// SLA timers (R-SLA-03).
//
// When a ticket is opened, the first matching policy (Service.MatchTicket:
// type, priority, customer grade, org subtree, contract) is applied: for each
// of its targets a row of ticket_sla_targets holds the clock start (the
// ticket's reported_at), the deadline due_at = Deadline(start, minutes) on the
// policy's calendar, and the state. The policy's warnings and escalations are
// copied with it (ticket_sla.plan), so editing a policy later does not move
// running timers.
//
// Rules (documented in docs/api/notifications.md):
//   - first_response is met by the first assignment (to a person or a
//     station), any workflow transition, a field event or a public
//     (non-internal) comment — whichever comes first;
//   - arrival is met by the `arrived` field event; resolving or closing a
//     ticket without a visit meets it too (nothing left to arrive for);
//   - resolution is met by the move to `resolved` (or `closed`). Reopening
//     does not reopen the SLA: the first resolution counts.
//   - While the ticket is in a status whose workflow flag pauses_sla is set
//     (pending with waiting_parts / waiting_customer / sent_for_repair in the
//     default workflow), open targets stop: on resume, due_at is pushed by the
//     business time spent paused (Extend), which paused_minutes adds up.
//   - A target is breached when met after due_at, or when due_at passes while
//     it is open (the scanner marks it; lists also test due_at against now).
//   - When the ticket's type or priority changes, the policy is matched again
//     and re-applied from the original clock start, keeping met targets and
//     paused time, with a ticket event "sla" recording the change; the plan's
//     generation grows, so the new plan's warnings fire afresh.
//
// Ticket imports ticket's hook types; ticket does not import sla (internal/app
// installs Timers as the ticket service's SLAHook).

// Target names.
const (
	TargetFirstResponse = "first_response"
	TargetArrival       = "arrival"
	TargetResolution    = "resolution"
)

// targetNames orders the targets.
var targetNames = []string{TargetFirstResponse, TargetArrival, TargetResolution}

// TargetLabels are the Chinese names used in notifications.
var TargetLabels = map[string]string{TargetFirstResponse: "首次响应", TargetArrival: "到场", TargetResolution: "解决"}

// Plan is the part of a policy that runs after it is applied.
type Plan struct {
	Warnings    []Warning    `json:"warnings"`
	Escalations []Escalation `json:"escalations"`
}

// TargetState is one target of one ticket, as stored.
type TargetState struct {
	TicketID      int64      `db:"ticket_id"`
	Target        string     `db:"target"`
	PolicyID      int64      `db:"policy_id"`
	Generation    int        `db:"generation"`
	Minutes       int        `db:"minutes"`
	StartedAt     time.Time  `db:"started_at"`
	DueAt         time.Time  `db:"due_at"`
	MetAt         *time.Time `db:"met_at"`
	Breached      bool       `db:"breached"`
	BreachedAt    *time.Time `db:"breached_at"`
	PausedSince   *time.Time `db:"paused_since"`
	PausedSeconds int64      `db:"paused_seconds"`
	NextFireAt    *time.Time `db:"next_fire_at"`
}

const targetCols = "ticket_id, target, policy_id, generation, minutes, started_at, due_at, met_at, breached, breached_at, paused_since, paused_seconds, next_fire_at"

// Paused is the business time the target has spent paused (completed pauses).
func (s *TargetState) Paused() time.Duration { return time.Duration(s.PausedSeconds) * time.Second }

// Running reports whether the clock runs: neither met nor paused.
func (s *TargetState) Running() bool { return s.MetAt == nil && s.PausedSince == nil }

// Pause stops an open target's clock at at. A target already past its
// deadline is breached at that deadline.
func (s *TargetState) Pause(at time.Time) {
	if !s.Running() {
		return
	}
	at = utc(at)
	s.PausedSince = &at
	s.NextFireAt = nil
	if !at.Before(s.DueAt) {
		s.markBreached()
	}
}

// Resume restarts a paused target at at and pushes its deadline by the
// business time spent paused; it answers that time.
func (s *TargetState) Resume(at time.Time, cal *Calendar) time.Duration {
	if s.PausedSince == nil {
		return 0
	}
	d := Business(*s.PausedSince, at, cal).Truncate(time.Second)
	s.PausedSince = nil
	if d <= 0 {
		return 0
	}
	s.PausedSeconds += int64(d / time.Second)
	s.DueAt = utc(DeadlineDuration(s.DueAt, d, cal))
	return d
}

// Meet records that the target was met at at (once); met after its deadline
// it is breached.
func (s *TargetState) Meet(at time.Time) {
	if s.MetAt != nil {
		return
	}
	at = utc(at)
	s.MetAt, s.PausedSince, s.NextFireAt = &at, nil, nil
	if at.After(s.DueAt) {
		s.markBreached()
	}
}

func (s *TargetState) markBreached() {
	if !s.Breached {
		due := s.DueAt
		s.Breached, s.BreachedAt = true, &due
	}
}

// BreachedAt reports whether the target counts as breached at now.
func (s *TargetState) BreachedNow(now time.Time) bool {
	if s.Breached {
		return true
	}
	if s.MetAt != nil {
		return s.MetAt.After(s.DueAt)
	}
	return s.PausedSince == nil && !now.Before(s.DueAt)
}

// Step kinds.
const (
	StepWarning    = "warning"
	StepBreach     = "breach"
	StepEscalation = "escalation"
)

// Step is one instant of a target's plan: a warning before the deadline,
// the breach itself, or an escalation level (and its repeats) after it.
type Step struct {
	Key    string // unique per target and generation: w:p75, w:b120, breach, e2:0, e2:1, …
	Kind   string
	Level  int    // escalation level
	Repeat int    // the repeat of an escalation level (0 for the first)
	Notify string // whom an escalation notifies; warnings go to the assignee
	Urgent bool   // the plan's top escalation level: bypasses quiet hours
	At     time.Time
}

// maxRepeats bounds the repeats of one escalation level walked in one go.
const maxRepeats = 10000

// Steps lists the plan's steps for a running target: every step at or before
// until, in order of time (repeats of an escalation level are all listed),
// and the first step after until (nil when none). Warnings at percent p fire
// when p % of the target's business time has run (paused time excluded);
// warnings before_minutes b when b business minutes remain; escalation level
// L after_minutes a business minutes after the deadline, then every
// repeat_every_minutes business minutes.
func Steps(pl Plan, s *TargetState, cal *Calendar, until time.Time) (due []Step, next *Step) {
	target := time.Duration(s.Minutes) * time.Minute
	var all []Step
	for _, w := range pl.Warnings {
		var offset time.Duration
		var key string
		switch {
		case w.AtPercent != nil:
			offset, key = target*time.Duration(*w.AtPercent)/100, fmt.Sprintf("w:p%d", *w.AtPercent)
		case w.BeforeMinutes != nil:
			offset, key = target-time.Duration(*w.BeforeMinutes)*time.Minute, fmt.Sprintf("w:b%d", *w.BeforeMinutes)
		default:
			continue
		}
		if offset <= 0 {
			continue // the warning would precede the clock start
		}
		at := DeadlineDuration(s.StartedAt, offset+s.Paused(), cal)
		if at.IsZero() || !at.Before(s.DueAt) {
			continue
		}
		all = append(all, Step{Key: key, Kind: StepWarning, Notify: NotifyAssignee, At: utc(at)})
	}
	all = append(all, Step{Key: "breach", Kind: StepBreach, At: s.DueAt})
	top := 0
	for _, e := range pl.Escalations {
		top = max(top, e.Level)
	}
	for _, e := range pl.Escalations {
		at := s.DueAt
		if e.AfterMinutes > 0 {
			at = utc(DeadlineDuration(s.DueAt, time.Duration(e.AfterMinutes)*time.Minute, cal))
		}
		if at.IsZero() {
			continue
		}
		for k := 0; k < maxRepeats; k++ {
			all = append(all, Step{Key: fmt.Sprintf("e%d:%d", e.Level, k), Kind: StepEscalation, Level: e.Level, Repeat: k,
				Notify: e.Notify, Urgent: e.Level == top, At: at})
			if e.RepeatEveryMinutes == nil || at.After(until) {
				break
			}
			at = utc(DeadlineDuration(at, time.Duration(*e.RepeatEveryMinutes)*time.Minute, cal))
			if at.IsZero() {
				break
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	for i := range all {
		if all[i].At.After(until) {
			if next == nil {
				next = &all[i]
			}
			continue
		}
		due = append(due, all[i])
	}
	return due, next
}

// Pending picks, among the due steps of a target, those that should fire
// now: every step not yet fired, except that of the repeats of an escalation
// level only the first and the latest due one fire (after an outage the
// intermediate repeats are not sent in a burst).
func Pending(due []Step, fired map[string]bool) []Step {
	latest := map[int]int{} // level → the latest due repeat
	for _, st := range due {
		if st.Kind == StepEscalation {
			latest[st.Level] = max(latest[st.Level], st.Repeat)
		}
	}
	var out []Step
	for _, st := range due {
		if fired[st.Key] || (st.Kind == StepEscalation && st.Repeat > 0 && st.Repeat != latest[st.Level]) {
			continue
		}
		out = append(out, st)
	}
	return out
}

// nextFire is the instant the scanner must look at a target again: the
// earliest step that should fire and has not, else the next step after now;
// nil when the target is met, paused or has nothing left.
func nextFire(pl Plan, s *TargetState, cal *Calendar, fired map[string]bool, now time.Time) *time.Time {
	if !s.Running() {
		return nil
	}
	due, next := Steps(pl, s, cal, now)
	if p := Pending(due, fired); len(p) > 0 {
		at := p[0].At
		return &at
	}
	if next != nil {
		at := next.At
		return &at
	}
	return nil
}

// Timers applies policies to tickets and keeps their targets; it is the
// ticket service's SLA hook.
type Timers struct {
	db    *store.DB
	svc   *Service
	clock *Clock
	// CatchUp bounds how late a step may fire: a warning or escalation whose
	// instant is older than this (a long outage, tickets recorded long after
	// the fact) is recorded as skipped instead of notifying anyone.
	CatchUp time.Duration
	// Notifier receives the notifications of warnings and escalations (nil:
	// steps are recorded, nobody is notified).
	Notifier Notifier
	// BatchSize is how many due targets one scanner transaction takes.
	BatchSize int

	events EventLog // where recomputed deadlines are recorded (SetEventLog)
}

// NewTimers wires the timers.
func NewTimers(db *store.DB, svc *Service, clock *Clock) *Timers {
	return &Timers{db: db, svc: svc, clock: clock, CatchUp: 72 * time.Hour, BatchSize: 500}
}

// Clock is the timers' clock.
func (tm *Timers) Clock() *Clock { return tm.clock }

type ticketSLARow struct {
	TicketID   int64     `db:"ticket_id"`
	PolicyID   int64     `db:"policy_id"`
	CalendarID int64     `db:"calendar_id"`
	Generation int       `db:"generation"`
	Plan       string    `db:"plan"`
	AppliedAt  time.Time `db:"applied_at"`
}

func (r ticketSLARow) plan() Plan {
	var p Plan
	_ = json.Unmarshal([]byte(r.Plan), &p)
	return p
}

// TicketChanged follows a ticket's change inside its transaction.
func (tm *Timers) TicketChanged(ctx context.Context, c ticket.SLAChange) error {
	ctx = scope.With(ctx, scope.System())
	switch c.Kind {
	case ticket.SLACreated:
		return tm.apply(ctx, c, "created")
	case ticket.SLAUpdated:
		b, a := c.Before, c.After
		if b.Type != a.Type || b.Priority != a.Priority || b.OrgID != a.OrgID || !sameID(b.CustomerID, a.CustomerID) || !sameID(b.AssetID, a.AssetID) {
			return tm.apply(ctx, c, "updated")
		}
		return nil
	}
	head, rows, err := tm.load(ctx, c.After.ID)
	if err != nil || head == nil {
		return err
	}
	cal, err := tm.svc.Calendar(ctx, head.CalendarID)
	if err != nil {
		return err
	}
	at := utc(c.At)
	for _, r := range rows {
		if r.MetAt != nil {
			continue
		}
		switch {
		case !c.PausedBefore && c.PausedAfter:
			r.Pause(at)
		case c.PausedBefore && !c.PausedAfter:
			r.Resume(at, cal)
		}
		if meets(r.Target, c) {
			r.Meet(at)
		}
	}
	if err := tm.recordPauses(ctx, head.TicketID, rows, at, cal); err != nil {
		return err
	}
	return tm.save(ctx, head, rows, cal, nil)
}

// meets reports whether a change meets a target.
func meets(target string, c ticket.SLAChange) bool {
	switch target {
	case TargetFirstResponse:
		switch c.Kind {
		case ticket.SLAAssigned, ticket.SLAStatus, ticket.SLAField:
			return true
		case ticket.SLAComment:
			return !c.Internal
		}
	case TargetArrival:
		return (c.Kind == ticket.SLAField && c.Detail == "arrived") ||
			(c.Kind == ticket.SLAStatus && (c.Detail == ticket.StatusResolved || c.Detail == ticket.StatusClosed))
	case TargetResolution:
		return c.Kind == ticket.SLAStatus && (c.Detail == ticket.StatusResolved || c.Detail == ticket.StatusClosed)
	}
	return false
}

func sameID(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// load reads a ticket's SLA head and targets, locked on PostgreSQL so a
// concurrent scanner's update is not overwritten.
func (tm *Timers) load(ctx context.Context, ticketID int64) (*ticketSLARow, []*TargetState, error) {
	var head ticketSLARow
	err := tm.db.Get(ctx, &head, "SELECT ticket_id, policy_id, calendar_id, generation, plan, applied_at FROM ticket_sla WHERE ticket_id = ?", ticketID)
	if store.IsNoRows(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	q := "SELECT " + targetCols + " FROM ticket_sla_targets WHERE ticket_id = ? ORDER BY target"
	if tm.db.Dialect == store.Postgres {
		q += " FOR UPDATE"
	}
	var rows []*TargetState
	if err := tm.db.Select(ctx, &rows, q, ticketID); err != nil {
		return nil, nil, err
	}
	return &head, rows, nil
}

// save writes a ticket's targets (with their next firing instants) and the
// ticket's next deadline. fired lists the steps already fired (read when nil).
func (tm *Timers) save(ctx context.Context, head *ticketSLARow, rows []*TargetState, cal *Calendar, fired map[string]map[string]bool) error {
	if fired == nil {
		var err error
		if fired, err = tm.firedSteps(ctx, head.TicketID, head.Generation); err != nil {
			return err
		}
	}
	pl := head.plan()
	now := tm.clock.Now()
	var next *time.Time
	for _, r := range rows {
		r.NextFireAt = utcPtr(nextFire(pl, r, cal, fired[r.Target], now))
		if _, err := tm.db.Exec(ctx, `UPDATE ticket_sla_targets SET due_at = ?, met_at = ?, breached = ?, breached_at = ?, paused_since = ?, paused_seconds = ?, next_fire_at = ?
			WHERE ticket_id = ? AND target = ?`, utc(r.DueAt), utcPtr(r.MetAt), r.Breached, utcPtr(r.BreachedAt), utcPtr(r.PausedSince), r.PausedSeconds, r.NextFireAt, r.TicketID, r.Target); err != nil {
			return err
		}
		if r.MetAt == nil && (next == nil || r.DueAt.Before(*next)) {
			d := utc(r.DueAt)
			next = &d
		}
	}
	_, err := tm.db.Exec(ctx, "UPDATE tickets SET sla_due_at = ? WHERE id = ?", next, head.TicketID)
	return err
}

// firedSteps reads the steps of a generation already fired, by target.
func (tm *Timers) firedSteps(ctx context.Context, ticketID int64, gen int) (map[string]map[string]bool, error) {
	var rows []struct {
		Target string `db:"target"`
		Step   string `db:"step"`
	}
	if err := tm.db.Select(ctx, &rows, "SELECT target, step FROM sla_firings WHERE ticket_id = ? AND generation = ?", ticketID, gen); err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, r := range rows {
		if out[r.Target] == nil {
			out[r.Target] = map[string]bool{}
		}
		out[r.Target][r.Step] = true
	}
	return out, nil
}

// Facts reads what policy matching looks at for a ticket: the customer's
// grade and the device's contract.
func (tm *Timers) Facts(ctx context.Context, t *ticket.Ticket) (TicketFacts, error) {
	f := TicketFacts{Type: t.Type, Priority: t.Priority, OrgID: t.OrgID}
	if t.CustomerID != nil {
		if err := tm.db.Get(ctx, &f.Grade, "SELECT grade FROM customers WHERE id = ?", *t.CustomerID); err != nil && !store.IsNoRows(err) {
			return f, err
		}
	}
	if t.AssetID != nil {
		var contract *int64
		if err := tm.db.Get(ctx, &contract, "SELECT contract_id FROM assets WHERE id = ?", *t.AssetID); err != nil && !store.IsNoRows(err) {
			return f, err
		}
		if contract != nil {
			f.ContractID = *contract
		}
	}
	return f, nil
}

// apply matches the ticket's policy and (re)creates its targets. On a
// re-application (why = "updated") targets keep their met state and paused
// time and the timeline records the change; the same policy again changes
// nothing.
func (tm *Timers) apply(ctx context.Context, c ticket.SLAChange, why string) error {
	t := c.After
	facts, err := tm.Facts(ctx, t)
	if err != nil {
		return err
	}
	p, err := tm.contractPolicy(ctx, facts.ContractID, t.ReportedAt)
	if err != nil {
		return err
	}
	if p == nil {
		if p, err = tm.svc.MatchTicket(ctx, facts); err != nil {
			return err
		}
	}
	head, old, err := tm.load(ctx, t.ID)
	if err != nil {
		return err
	}
	if head == nil && p == nil {
		return nil
	}
	if head != nil && p != nil && head.PolicyID == p.ID {
		return nil // the same policy: its deadlines stand
	}
	now := tm.clock.Now()
	if _, err := tm.db.Exec(ctx, "DELETE FROM ticket_sla_targets WHERE ticket_id = ?", t.ID); err != nil {
		return err
	}
	gen := 1
	if head != nil {
		gen = head.Generation + 1
	}
	logChange := func(to *Policy) error {
		if why != "updated" || c.Log == nil {
			return nil
		}
		data := map[string]any{"action": "reapplied", "from_policy_id": nil, "to_policy_id": nil, "generation": gen,
			"priority": map[string]string{"from": c.Before.Priority, "to": t.Priority}, "type": map[string]string{"from": c.Before.Type, "to": t.Type}}
		if head != nil {
			data["from_policy_id"] = head.PolicyID
		}
		if to != nil {
			data["to_policy_id"], data["to_policy"] = to.ID, to.Name
		}
		return c.Log(ctx, data)
	}
	if p == nil {
		if _, err := tm.db.Exec(ctx, "DELETE FROM ticket_sla WHERE ticket_id = ?", t.ID); err != nil {
			return err
		}
		if _, err := tm.db.Exec(ctx, "UPDATE tickets SET sla_due_at = NULL WHERE id = ?", t.ID); err != nil {
			return err
		}
		return logChange(nil)
	}
	cal, err := tm.svc.Calendar(ctx, p.CalendarID)
	if err != nil {
		return err
	}
	plan, _ := json.Marshal(Plan{Warnings: p.Warnings, Escalations: p.Escalations})
	if head == nil {
		_, err = tm.db.Exec(ctx, "INSERT INTO ticket_sla (ticket_id, policy_id, calendar_id, generation, plan, applied_at) VALUES (?, ?, ?, ?, ?, ?)",
			t.ID, p.ID, p.CalendarID, gen, string(plan), now)
	} else {
		_, err = tm.db.Exec(ctx, "UPDATE ticket_sla SET policy_id = ?, calendar_id = ?, generation = ?, plan = ?, applied_at = ? WHERE ticket_id = ?",
			p.ID, p.CalendarID, gen, string(plan), now, t.ID)
	}
	if err != nil {
		return err
	}
	prev := map[string]*TargetState{}
	var carried int64
	for _, r := range old {
		prev[r.Target] = r
		carried = max(carried, r.PausedSeconds)
	}
	minutes := map[string]*int{TargetFirstResponse: p.Targets.FirstResponse, TargetArrival: p.Targets.Arrival, TargetResolution: p.Targets.Resolution}
	var rows []*TargetState
	for _, name := range targetNames {
		m := minutes[name]
		if m == nil {
			continue
		}
		r := &TargetState{TicketID: t.ID, Target: name, PolicyID: p.ID, Generation: gen, Minutes: *m, StartedAt: utc(t.ReportedAt), PausedSeconds: carried}
		if o := prev[name]; o != nil {
			r.PausedSeconds, r.MetAt, r.PausedSince = o.PausedSeconds, o.MetAt, o.PausedSince
		} else if t.PendingSince != nil {
			r.PausedSince = utcPtr(t.PendingSince)
		}
		due := DeadlineDuration(r.StartedAt, time.Duration(*m)*time.Minute+r.Paused(), cal)
		if due.IsZero() {
			return fmt.Errorf("sla: calendar %d has no working time after %s", p.CalendarID, r.StartedAt)
		}
		r.DueAt = utc(due)
		if r.MetAt == nil {
			r.MetAt = metByState(name, t)
		}
		if r.MetAt != nil {
			r.PausedSince = nil
			if r.MetAt.After(r.DueAt) {
				r.markBreached()
			}
		} else if r.PausedSince != nil && !r.PausedSince.Before(r.DueAt) {
			r.markBreached()
		}
		if _, err := tm.db.Exec(ctx, "INSERT INTO ticket_sla_targets (ticket_id, target, policy_id, generation, minutes, started_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			t.ID, name, p.ID, gen, r.Minutes, r.StartedAt, r.DueAt); err != nil {
			return err
		}
		rows = append(rows, r)
	}
	if err := tm.recordPauses(ctx, t.ID, rows, c.At, cal); err != nil {
		return err
	}
	h := &ticketSLARow{TicketID: t.ID, PolicyID: p.ID, CalendarID: p.CalendarID, Generation: gen, Plan: string(plan)}
	if err := tm.save(ctx, h, rows, cal, map[string]map[string]bool{}); err != nil {
		return err
	}
	return logChange(p)
}

// contractPolicy is the policy the device's contract names (its service
// commitment) when the contract is in force on the day the ticket was
// reported and the policy is active: it wins over the ordered matching.
func (tm *Timers) contractPolicy(ctx context.Context, contractID int64, reported time.Time) (*Policy, error) {
	if contractID == 0 {
		return nil, nil
	}
	day := reported.In(zone(DefaultTimeZone)).Format("2006-01-02")
	var id *int64
	err := tm.db.Get(ctx, &id, "SELECT sla_policy_id FROM contracts WHERE id = ? AND starts_on <= ? AND ends_on >= ?", contractID, day, day)
	if store.IsNoRows(err) || (err == nil && id == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	p, err := tm.svc.Policy(ctx, *id)
	if apperr.CodeOf(err) == apperr.NotFound || (err == nil && !p.Active) {
		return nil, nil // deleted or deactivated since: fall back to matching
	}
	return p, err
}

// metByState answers when a ticket's state already meets a target (for a
// target a re-applied policy adds).
func metByState(target string, t *ticket.Ticket) *time.Time {
	resolved := t.ResolvedAt
	if resolved == nil {
		resolved = t.ClosedAt
	}
	switch target {
	case TargetFirstResponse:
		if t.AssignedAt != nil {
			return utcPtr(t.AssignedAt)
		}
		if t.Status != ticket.StatusNew {
			return utcPtr(&t.UpdatedAt)
		}
	case TargetArrival:
		if t.ArrivedAt != nil {
			return utcPtr(t.ArrivedAt)
		}
		return utcPtr(resolved)
	case TargetResolution:
		return utcPtr(resolved)
	}
	return nil
}

// FillSLA sets the SLA of tickets about to be answered: the policy and, per
// target, the deadline, whether it is breached (now), when it was met and the
// business minutes spent paused (an ongoing pause included).
func (tm *Timers) FillSLA(ctx context.Context, ts []*ticket.Ticket) error {
	ids := make([]int64, 0, len(ts))
	for _, t := range ts {
		ids = append(ids, t.ID)
	}
	q, args, err := store.In("SELECT s.ticket_id, s.target, s.policy_id, s.generation, s.minutes, s.started_at, s.due_at, s.met_at, s.breached, s.breached_at, s.paused_since, s.paused_seconds, s.next_fire_at, h.calendar_id FROM ticket_sla_targets s JOIN ticket_sla h ON h.ticket_id = s.ticket_id WHERE s.ticket_id IN (?)", ids)
	if err != nil {
		return err
	}
	var rows []struct {
		TargetState
		CalendarID int64 `db:"calendar_id"`
	}
	if err := tm.db.Select(ctx, &rows, q, args...); err != nil {
		return err
	}
	pauses, err := tm.pausesOf(ctx, ids)
	if err != nil {
		return err
	}
	byID := map[int64]*ticket.Ticket{}
	for _, t := range ts {
		byID[t.ID] = t
	}
	now := tm.clock.Now()
	cals := map[int64]*Calendar{}
	for i := range rows {
		r := &rows[i]
		t := byID[r.TicketID]
		if t == nil {
			continue
		}
		pid := r.PolicyID
		t.SLA.PolicyID = &pid
		paused := r.Paused()
		breached := r.BreachedNow(now)
		var remaining *int
		stored := pauses[r.TicketID][r.Target]
		var cal *Calendar
		if r.MetAt == nil || hasOpen(stored) {
			var ok bool
			if cal, ok = cals[r.CalendarID]; !ok {
				if cal, err = tm.svc.Calendar(ctx, r.CalendarID); err != nil {
					return err
				}
				cals[r.CalendarID] = cal
			}
		}
		if r.MetAt == nil {
			from := now
			if r.PausedSince != nil {
				paused += max(Business(*r.PausedSince, now, cal), 0)
				from = *r.PausedSince
			}
			if !breached {
				m := int(max(Business(from, r.DueAt, cal), 0) / time.Minute)
				remaining = &m
			}
		}
		if t.SLA.Targets == nil {
			t.SLA.Targets = map[string]ticket.SLATarget{}
		}
		t.SLA.Targets[r.Target] = ticket.SLATarget{DueAt: r.DueAt, Breached: breached, MetAt: r.MetAt, PausedMinutes: int(paused / time.Minute), RemainingMinutes: remaining,
			Pauses: slaPauses(stored, &r.TargetState, cal, now)}
	}
	return nil
}

// Targets returns the stored targets of a ticket (for tests and reports).
func (tm *Timers) Targets(ctx context.Context, ticketID int64) ([]*TargetState, error) {
	var rows []*TargetState
	err := tm.db.Select(ctx, &rows, "SELECT "+targetCols+" FROM ticket_sla_targets WHERE ticket_id = ? ORDER BY target", ticketID)
	slices.SortFunc(rows, func(a, b *TargetState) int {
		return slices.Index(targetNames, a.Target) - slices.Index(targetNames, b.Target)
	})
	return rows, err
}
