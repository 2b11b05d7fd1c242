package analytics

import "context"

// VolumeCell is the tickets reported in one weekday × hour of the period.
type VolumeCell struct {
	// Weekday is 1 (Monday) … 7 (Sunday); Hour 0–23, Beijing time.
	Weekday int   `json:"weekday"`
	Hour    int   `json:"hour"`
	N       int64 `json:"n"`
}

// VolumeReport answers GET /analytics/volume: when tickets come in, as a
// weekday × hour heat map of the period (the busy hours staffing follows).
type VolumeReport struct {
	Period
	Cells []VolumeCell `json:"cells"`
	Total int64        `json:"total"`
	Max   int64        `json:"max"`
}

// Volume counts the visible tickets reported in the period per weekday and
// hour (ticket type, org, vendor, station, engineer and device filters apply).
func (s *Service) Volume(ctx context.Context, f Filter) (*VolumeReport, error) {
	if err := s.prepare(ctx, &f, nil, ""); err != nil {
		return nil, err
	}
	w, args := ticketWhere(ctx, &f, true)
	if f.TicketType != "" {
		w += " AND t.type = ?"
		args = append(args, f.TicketType)
	}
	var rows []struct {
		Dow  int   `db:"dow"`
		Hour int   `db:"hour"`
		N    int64 `db:"n"`
	}
	if err := s.db.Select(ctx, &rows, s.sql("volume-heat", map[string]string{"where": w}), args...); err != nil {
		return nil, err
	}
	out := &VolumeReport{Period: f.period(), Cells: []VolumeCell{}}
	for _, r := range rows {
		wd := r.Dow
		if wd == 0 {
			wd = 7
		}
		out.Cells = append(out.Cells, VolumeCell{Weekday: wd, Hour: r.Hour, N: r.N})
		out.Total += r.N
		out.Max = max(out.Max, r.N)
	}
	return out, nil
}

// Table is the heat map as a table: a row per weekday, a column per hour.
func (r *VolumeReport) Table() Table {
	t := Table{Title: "工单量（星期 × 时段）", Header: []string{"星期"}}
	for h := range 24 {
		t.Header = append(t.Header, pad2(h)+":00")
	}
	t.Header = append(t.Header, "合计")
	grid := map[[2]int]int64{}
	for _, c := range r.Cells {
		grid[[2]int{c.Weekday, c.Hour}] = c.N
	}
	cols := make([]int64, 24)
	for wd := 1; wd <= 7; wd++ {
		row := []string{"星期" + []string{"一", "二", "三", "四", "五", "六", "日"}[wd-1]}
		var sum int64
		for h := range 24 {
			n := grid[[2]int{wd, h}]
			row, sum, cols[h] = append(row, itoa(n)), sum+n, cols[h]+n
		}
		t.Rows = append(t.Rows, append(row, itoa(sum)))
	}
	t.Totals = []string{"合计"}
	for _, n := range cols {
		t.Totals = append(t.Totals, itoa(n))
	}
	t.Totals = append(t.Totals, itoa(r.Total))
	return t
}
