package app

import (
	"context"

	"lingting/internal/ticket"
)

// ticketHooks lets several modules follow ticket changes through the
// ticket's one hook: the SLA timers first, then the others (the rating
// survey on resolution), all inside the transaction of the change.
type ticketHooks struct {
	sla    ticket.SLAHook
	others []func(context.Context, ticket.SLAChange) error
}

func (h ticketHooks) TicketChanged(ctx context.Context, c ticket.SLAChange) error {
	if err := h.sla.TicketChanged(ctx, c); err != nil {
		return err
	}
	for _, f := range h.others {
		if err := f(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

func (h ticketHooks) FillSLA(ctx context.Context, ts []*ticket.Ticket) error {
	return h.sla.FillSLA(ctx, ts)
}
