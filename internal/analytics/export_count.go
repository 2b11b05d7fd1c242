package analytics

import "context"

// exportWhere is the predicate of the ticket history export: the scope, the
// period and filters, the ticket type and status.
func exportWhere(ctx context.Context, f *Filter) (string, []any) {
	w, args := ticketWhere(ctx, f, true)
	if f.TicketType != "" {
		w += " AND t.type = ?"
		args = append(args, f.TicketType)
	}
	if f.Status != "" {
		w += " AND t.status = ?"
		args = append(args, f.Status)
	}
	return w, args
}

// CountTickets counts the rows EachTicket will stream (the export decides
// from it whether to run in the background, and shows progress against it).
// Call CheckExport first.
func (s *Service) CountTickets(ctx context.Context, f Filter) (int, error) {
	w, args := exportWhere(ctx, &f)
	var n int
	err := s.db.Get(ctx, &n, "SELECT count(*) FROM tickets t LEFT JOIN assets a ON a.id = t.asset_id WHERE "+w, args...)
	return n, err
}
