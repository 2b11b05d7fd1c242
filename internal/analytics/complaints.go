package analytics

import (
	"context"

	"lingting/internal/apperr"
)

// ComplaintMeasures are the figures of a group of complaints and suggestions.
type ComplaintMeasures struct {
	Tickets        int64    `json:"tickets"`
	Complaints     int64    `json:"complaints"`
	Suggestions    int64    `json:"suggestions"`
	Open           int64    `json:"open"`
	Resolved       int64    `json:"resolved"`
	HandleHours    float64  `json:"handle_hours"`
	AvgHandleHours *float64 `json:"avg_handle_hours"`
}

func complaintMeasures(t *ticketSums) ComplaintMeasures {
	return ComplaintMeasures{Tickets: t.Tickets, Complaints: t.Complaints, Suggestions: t.Suggestions, Open: t.Open, Resolved: t.Done,
		HandleHours: hours(t.HandleS), AvgHandleHours: avgHours(t.HandleS, t.HandleN)}
}

// ComplaintItem is one group of the complaints report.
type ComplaintItem struct {
	Group
	ComplaintMeasures
}

// ComplaintReport answers GET /analytics/complaints (投诉与建议).
type ComplaintReport struct {
	Period
	GroupBy []string          `json:"group_by"`
	Items   []ComplaintItem   `json:"items"`
	Totals  ComplaintMeasures `json:"totals"`
	Total   int               `json:"total"`
}

var complaintDims = []string{"org", "vendor", "station", "month", "day", "ticket_type", "status", "region"}

// Complaints counts complaint and suggestion tickets per org, vendor or period,
// with their status and handling time (reported → resolved). A bank sees what
// its subtree filed against any vendor; a vendor what was filed about it.
func (s *Service) Complaints(ctx context.Context, f Filter) (*ComplaintReport, error) {
	if f.TicketType != "" && f.TicketType != "complaint" && f.TicketType != "suggestion" {
		return nil, apperr.Field("ticket_type", "只能是 complaint（投诉）或 suggestion（建议）", "ticket_type must be complaint or suggestion")
	}
	if err := s.prepare(ctx, &f, complaintDims, "org"); err != nil {
		return nil, err
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	q := rollQuery{name: "roll-measures", types: []string{"complaint", "suggestion"}}
	if f.TicketType != "" {
		q.types = []string{f.TicketType}
	}
	n := len(f.dims)
	sums, err := rollSelect[ticketSums](ctx, s, &f, q)
	if err != nil {
		return nil, err
	}
	raws := make([][]string, len(sums))
	for i, r := range sums {
		raws[i] = r.raw(n)
	}
	g, err := s.newGrouper(ctx, &f, raws)
	if err != nil {
		return nil, err
	}
	acc := map[string]*ticketSums{}
	groups := map[string]*Group{}
	var totals ticketSums
	for i := range sums {
		gr := newGroup(f.dims, g.key(sums[i].raw(n)))
		if acc[gr.Key] == nil {
			acc[gr.Key], groups[gr.Key] = &ticketSums{}, gr
		}
		acc[gr.Key].add(&sums[i])
		totals.add(&sums[i])
	}
	out := &ComplaintReport{Period: f.period(), GroupBy: f.dims, Items: []ComplaintItem{}, Totals: complaintMeasures(&totals)}
	for k, gr := range groups {
		out.Items = append(out.Items, ComplaintItem{Group: *gr, ComplaintMeasures: complaintMeasures(acc[k])})
	}
	if err := labelItems(ctx, g, out.Items, func(it *ComplaintItem) *Group { return &it.Group }); err != nil {
		return nil, err
	}
	sortGroups(f.dims, out.Items, func(it ComplaintItem) *Group { return &it.Group })
	out.Total = len(out.Items)
	return out, nil
}

func (m ComplaintMeasures) cells() []string {
	return []string{itoa(m.Tickets), itoa(m.Complaints), itoa(m.Suggestions), itoa(m.Open), itoa(m.Resolved), num(m.HandleHours), optNum(m.AvgHandleHours)}
}

// Table is the report as shown and exported.
func (r *ComplaintReport) Table() Table {
	t := Table{Title: "投诉与建议", Header: append(dimHeader(r.GroupBy), "合计(件)", "投诉", "建议", "处理中", "已解决", "处理总时长(时)", "平均处理时长(时)")}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}
