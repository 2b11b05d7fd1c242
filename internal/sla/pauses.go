package sla

import (
	"context"
	"time"

	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Each pause of a target is kept in ticket_sla_pauses so the ticket page can
// list them (ticket_sla_targets holds only the total and the open pause).
// The rows follow the targets' state: recordPauses runs in the transaction of
// every ticket change after the targets moved, opening a row for a target
// that is now paused and closing the open row of one that is not (resumed,
// met, or gone after a re-application) with the business time between —
// the same figure Resume adds to paused_seconds.

type pauseRow struct {
	ID            int64      `db:"id"`
	TicketID      int64      `db:"ticket_id"`
	Target        string     `db:"target"`
	StartedAt     time.Time  `db:"started_at"`
	EndedAt       *time.Time `db:"ended_at"`
	PausedSeconds int64      `db:"paused_seconds"`
}

// recordPauses brings a ticket's pause rows in line with its targets at at.
func (tm *Timers) recordPauses(ctx context.Context, ticketID int64, rows []*TargetState, at time.Time, cal *Calendar) error {
	var open []pauseRow
	if err := tm.db.Select(ctx, &open, "SELECT id, ticket_id, target, started_at, ended_at, paused_seconds FROM ticket_sla_pauses WHERE ticket_id = ? AND ended_at IS NULL ORDER BY id", ticketID); err != nil {
		return err
	}
	openBy := map[string]pauseRow{}
	for _, p := range open {
		openBy[p.Target] = p
	}
	paused := map[string]bool{}
	for _, r := range rows {
		if r.PausedSince == nil {
			continue
		}
		paused[r.Target] = true
		if _, ok := openBy[r.Target]; ok {
			continue
		}
		if _, err := tm.db.Exec(ctx, "INSERT INTO ticket_sla_pauses (ticket_id, target, started_at) VALUES (?, ?, ?)", ticketID, r.Target, utc(*r.PausedSince)); err != nil {
			return err
		}
	}
	end := utc(at)
	for _, p := range open {
		if paused[p.Target] {
			continue
		}
		d := max(Business(p.StartedAt, end, cal).Truncate(time.Second), 0)
		if _, err := tm.db.Exec(ctx, "UPDATE ticket_sla_pauses SET ended_at = ?, paused_seconds = ? WHERE id = ?", end, int64(d/time.Second), p.ID); err != nil {
			return err
		}
	}
	return nil
}

// pausesOf reads the pauses of tickets, by ticket and target, oldest first.
func (tm *Timers) pausesOf(ctx context.Context, ids []int64) (map[int64]map[string][]pauseRow, error) {
	q, args, err := store.In("SELECT id, ticket_id, target, started_at, ended_at, paused_seconds FROM ticket_sla_pauses WHERE ticket_id IN (?) ORDER BY ticket_id, target, started_at, id", ids)
	if err != nil {
		return nil, err
	}
	var rows []pauseRow
	if err := tm.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := map[int64]map[string][]pauseRow{}
	for _, r := range rows {
		if out[r.TicketID] == nil {
			out[r.TicketID] = map[string][]pauseRow{}
		}
		out[r.TicketID][r.Target] = append(out[r.TicketID][r.Target], r)
	}
	return out, nil
}

// slaPauses answers a target's pauses: the ongoing one measured up to now.
// A target paused before pauses were recorded still shows its open pause
// (from paused_since); its earlier, finished ones are only in the total.
func slaPauses(stored []pauseRow, s *TargetState, cal *Calendar, now time.Time) []ticket.SLAPause {
	out := make([]ticket.SLAPause, 0, len(stored)+1)
	hasOpen := false
	for _, p := range stored {
		sec := p.PausedSeconds
		if p.EndedAt == nil {
			hasOpen = true
			if cal != nil {
				sec = int64(max(Business(p.StartedAt, now, cal), 0) / time.Second)
			}
		}
		out = append(out, ticket.SLAPause{StartedAt: p.StartedAt, EndedAt: p.EndedAt, PausedMinutes: int(sec / 60)})
	}
	if s.PausedSince != nil && !hasOpen && cal != nil {
		out = append(out, ticket.SLAPause{StartedAt: *s.PausedSince, PausedMinutes: int(max(Business(*s.PausedSince, now, cal), 0) / time.Minute)})
	}
	return out
}

func hasOpen(ps []pauseRow) bool {
	for _, p := range ps {
		if p.EndedAt == nil {
			return true
		}
	}
	return false
}
