package ticket

import "time"

// SLA states of the supervisor board (GET /tickets?sla=…).
const (
	SLAStateWarning  = "warning"
	SLAStateBreached = "breached"
)

// openBreached selects the tickets with an unmet SLA target past its
// deadline: recorded so by the scanner (or paused after the deadline), or
// running past due_at right now (before the scanner's next cycle).
const openBreached = "SELECT ticket_id FROM ticket_sla_targets WHERE met_at IS NULL AND (breached OR (paused_since IS NULL AND due_at <= ?))"

// slaStatePredicate answers the condition on tickets t of an SLA state of the
// board, for open tickets only. "warning" means a warning step of the
// target's current plan has fired (sla_firings, as the scanner stores it)
// while no unmet target of the ticket is breached: about to breach.
func slaStatePredicate(state string, now time.Time) (string, []any) {
	open := "t.status NOT IN ('resolved', 'closed')"
	if state == SLAStateBreached {
		return open + " AND t.id IN (" + openBreached + ")", []any{now}
	}
	return open + ` AND t.id IN (SELECT s.ticket_id FROM ticket_sla_targets s WHERE s.met_at IS NULL AND NOT s.breached
		AND EXISTS (SELECT 1 FROM sla_firings f WHERE f.ticket_id = s.ticket_id AND f.target = s.target AND f.generation = s.generation AND f.kind = 'warning'))
		AND t.id NOT IN (` + openBreached + ")", []any{now}
}
