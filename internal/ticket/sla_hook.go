package ticket

import (
	"context"
	"time"
)

// SLA holds a ticket's service-level state (API.md: "sla": { "policy_id",
// "targets": { "resolution": { "due_at", "breached", "met_at",
// "paused_minutes" }, … } }). The SLA module fills it through the hook; a
// ticket no policy covers has a null policy_id and no targets.
type SLA struct {
	PolicyID *int64               `json:"policy_id"`
	Targets  map[string]SLATarget `json:"targets"`
}

// SLATarget is one target's deadline and state.
type SLATarget struct {
	DueAt         time.Time  `json:"due_at"`
	Breached      bool       `json:"breached"`
	MetAt         *time.Time `json:"met_at"`
	PausedMinutes int        `json:"paused_minutes"`
	// RemainingMinutes is the business time left until DueAt (as of the
	// pause for a paused target); nil once met or breached.
	RemainingMinutes *int `json:"remaining_minutes,omitempty"`
	// Pauses are the target's pauses, oldest first (their business minutes
	// add up to PausedMinutes, except pauses from before they were recorded).
	Pauses []SLAPause `json:"pauses"`
}

// SLAPause is one pause of a target: EndedAt is nil while it lasts, and
// PausedMinutes is the business time it stopped the clock (up to now for an
// ongoing pause).
type SLAPause struct {
	StartedAt     time.Time  `json:"started_at"`
	EndedAt       *time.Time `json:"ended_at"`
	PausedMinutes int        `json:"paused_minutes"`
}

// SLA change kinds passed to the hook.
const (
	SLACreated  = "created"  // the ticket was opened
	SLAUpdated  = "updated"  // descriptive fields changed (priority, type)
	SLAAssigned = "assigned" // assigned to a person or a station
	SLAStatus   = "status"   // a workflow transition
	SLAField    = "field"    // a field event (departed, arrived, repaired)
	SLAComment  = "comment"  // a comment was added
)

// SLAChange tells the SLA module what happened to a ticket, inside the
// transaction of the change.
type SLAChange struct {
	Kind   string
	Before *Ticket // nil when created
	After  *Ticket
	At     time.Time // when it happened (the entered time for work recorded after the fact)
	// Detail is the field event kind (arrived, …) or the status moved to.
	Detail string
	// Internal is true for an internal (staff-only) comment.
	Internal bool
	// Paused reports whether the ticket's status (before and after the
	// change) stops the SLA clock, per its workflow.
	PausedBefore, PausedAfter bool
	// Log appends an "sla" event to the ticket's timeline (history of
	// re-applied policies).
	Log func(ctx context.Context, data map[string]any) error
}

// SLAHook lets the SLA module follow tickets without this package importing
// it (internal/app sets it).
type SLAHook interface {
	TicketChanged(ctx context.Context, c SLAChange) error
	FillSLA(ctx context.Context, tickets []*Ticket) error
}

// SetSLAHook installs the SLA module (nil: tickets carry no SLA).
func (s *Service) SetSLAHook(h SLAHook) { s.sla = h }

// SetClock replaces the service's clock (tests drive time with it).
func (s *Service) SetClock(now func() time.Time) {
	if now != nil {
		s.now = now
	}
}

// Now is the service's current instant.
func (s *Service) Now() time.Time { return s.now() }

// slaChanged reads the ticket as it now is and tells the hook.
func (s *Service) slaChanged(ctx context.Context, c SLAChange, id int64) error {
	if s.sla == nil {
		return nil
	}
	after, err := s.read(ctx, id)
	if err != nil {
		return err
	}
	c.After = after
	c.PausedAfter = after.PendingSince != nil
	if c.Before != nil {
		c.PausedBefore = c.Before.PendingSince != nil
	}
	c.Log = func(ctx context.Context, data map[string]any) error {
		return s.event(ctx, id, "sla", c.At, "", "", "", data)
	}
	return s.sla.TicketChanged(ctx, c)
}

// fill lets the hook set the SLA of tickets about to be answered.
func (s *Service) fill(ctx context.Context, ts []*Ticket) error {
	if s.sla == nil || len(ts) == 0 {
		return nil
	}
	return s.sla.FillSLA(ctx, ts)
}

// LogSLA appends an "sla" event to a ticket's timeline in the caller's
// transaction, for SLA changes that do not come from a change of the ticket
// (deadlines recomputed after its calendar changed). The ticket's version
// does not move.
func (s *Service) LogSLA(ctx context.Context, ticketID int64, at time.Time, data map[string]any) error {
	return s.event(ctx, ticketID, "sla", at, "", "", "", data)
}
