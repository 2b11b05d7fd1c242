package app

import (
	"context"

	"lingting/internal/notify"
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

// customerNotices tells a ticket's customer that the ticket was received
// (on creation) and resolved (the first resolution: the notice's key is per
// ticket), in the transaction of the change, when the org's customer
// notification settings switch them on (internal/notify/customer.go).
func customerNotices(n *notify.Service) func(context.Context, ticket.SLAChange) error {
	return func(ctx context.Context, c ticket.SLAChange) error {
		t := c.After
		if t == nil || t.CustomerID == nil {
			return nil
		}
		var kind string
		switch {
		case c.Kind == ticket.SLACreated:
			kind = notify.KindCustomerReceived
		case c.Kind == ticket.SLAStatus && c.Detail == ticket.StatusResolved:
			kind = notify.KindCustomerResolved
		default:
			return nil
		}
		vars := map[string]string{"ticket_number": t.Number, "ticket_title": t.Title, "org": t.OrgName}
		if t.CustomerName != nil {
			vars["customer"] = *t.CustomerName
		}
		if t.AssigneeName != nil {
			vars["assignee"] = *t.AssigneeName
		}
		if t.VendorOrgName != nil {
			vars["station"] = *t.VendorOrgName
		}
		_, err := n.NotifyCustomer(ctx, notify.CustomerNotice{Kind: kind, TicketID: t.ID, OrgID: t.OrgID, CustomerID: *t.CustomerID, Vars: vars})
		return err
	}
}
