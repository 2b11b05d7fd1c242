package sla

import (
	"context"
	"time"

	"lingting/internal/scope"
)

// Deadlines follow their calendar: when a calendar is saved (edited,
// imported, the official holidays merged), the open targets of tickets whose
// policy uses it are computed again from their clock start on the new
// calendar — Deadline(started_at, minutes + paused time) — in the same
// transaction as the calendar, with an "sla" event on each ticket whose
// deadline moved. A target already met or breached keeps its deadline (a
// breach is never undone); warnings and escalations already fired stay fired,
// the next ones are scheduled from the new deadline.

// EventLog appends an "sla" event to a ticket's timeline (ticket.Service.LogSLA).
type EventLog func(ctx context.Context, ticketID int64, at time.Time, data map[string]any) error

// SetEventLog installs where recomputed deadlines are recorded on tickets and
// makes calendar saves recompute them.
func (tm *Timers) SetEventLog(l EventLog) {
	tm.events = l
	tm.svc.calendarChanged = tm.CalendarChanged
}

// CalendarChanged recomputes the open deadlines on calendar cal (just saved,
// in ctx's transaction) and answers how many tickets' deadlines moved.
func (tm *Timers) CalendarChanged(ctx context.Context, cal *Calendar) (int, error) {
	ctx = scope.With(ctx, scope.System())
	var ids []int64
	if err := tm.db.Select(ctx, &ids, `SELECT h.ticket_id FROM ticket_sla h WHERE h.calendar_id = ?
		AND EXISTS (SELECT 1 FROM ticket_sla_targets s WHERE s.ticket_id = h.ticket_id AND s.met_at IS NULL AND NOT s.breached) ORDER BY h.ticket_id`, cal.ID); err != nil {
		return 0, err
	}
	now := tm.clock.Now()
	moved := 0
	for _, id := range ids {
		head, rows, err := tm.load(ctx, id)
		if err != nil {
			return moved, err
		}
		if head == nil || head.CalendarID != cal.ID {
			continue
		}
		var changes []map[string]any
		for _, r := range rows {
			if r.MetAt != nil || r.BreachedNow(now) {
				continue
			}
			due := DeadlineDuration(r.StartedAt, time.Duration(r.Minutes)*time.Minute+r.Paused(), cal)
			if due.IsZero() {
				continue // no working time left on the calendar: the old deadline stands
			}
			due = utc(due)
			if due.Equal(r.DueAt) {
				continue
			}
			changes = append(changes, map[string]any{"target": r.Target, "from": r.DueAt, "to": due})
			r.DueAt = due
		}
		if len(changes) == 0 {
			continue
		}
		moved++
		if err := tm.save(ctx, head, rows, cal, nil); err != nil {
			return moved, err
		}
		if tm.events != nil {
			if err := tm.events(ctx, id, now, map[string]any{"action": "recalculated", "calendar_id": cal.ID, "calendar": cal.Name, "changes": changes}); err != nil {
				return moved, err
			}
		}
	}
	return moved, nil
}
