package analytics

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// AbnormalTicket is one repair of an abnormal device.
type AbnormalTicket struct {
	ID            int64      `db:"id" json:"id"`
	Number        string     `db:"number" json:"number"`
	AssetID       int64      `db:"asset_id" json:"-"`
	Status        string     `db:"status" json:"status"`
	ReportedAt    time.Time  `db:"reported_at" json:"reported_at"`
	PendingReason string     `db:"pending_reason" json:"-"`
	PendingSince  *time.Time `db:"pending_since" json:"-"`
}

// AbnormalItem is one device with repeated repairs, or a fault or repair that
// took too long, in the period (异常服务).
type AbnormalItem struct {
	AssetID       int64   `db:"id" json:"asset_id"`
	AssetCode     string  `db:"code" json:"asset_code"`
	Type          string  `db:"type" json:"type"`
	Brand         string  `db:"brand" json:"brand"`
	Model         string  `db:"model" json:"model"`
	OrgID         int64   `db:"org_id" json:"org_id"`
	OrgName       string  `db:"org_name" json:"org_name"`
	Branch        string  `db:"parent_name" json:"branch"`
	Region        string  `db:"region" json:"region"`
	VendorOrgID   *int64  `db:"vendor_org_id" json:"vendor_org_id"`
	VendorOrgName *string `db:"vendor_org_name" json:"vendor_org_name"`
	// Repairs is 返修次数: repair tickets reported in the period.
	Repairs        int64   `db:"-" json:"repairs"`
	FaultHours     float64 `db:"-" json:"fault_hours"`
	MaxFaultHours  float64 `db:"-" json:"max_fault_hours"`
	RepairHours    float64 `db:"-" json:"repair_hours"`
	MaxRepairHours float64 `db:"-" json:"max_repair_hours"`
	// Of the waiting: 等待配件, 等待客户自行处理, 送修等待.
	WaitingPartsHours    float64          `db:"-" json:"waiting_parts_hours"`
	WaitingCustomerHours float64          `db:"-" json:"waiting_customer_hours"`
	SentForRepairHours   float64          `db:"-" json:"sent_for_repair_hours"`
	Reasons              []string         `db:"-" json:"reasons"`
	Tickets              []AbnormalTicket `db:"-" json:"tickets"`
}

// AbnormalReport answers GET /analytics/abnormal.
type AbnormalReport struct {
	Period
	MinRepairs     int            `json:"min_repairs"`
	MinFaultHours  float64        `json:"min_fault_hours"`
	MinRepairHours float64        `json:"min_repair_hours"`
	Items          []AbnormalItem `json:"items"`
	Total          int            `json:"total"`
}

const defaultMinRepairs = 2

type abnormalRow struct {
	AssetID    int64 `db:"asset_id"`
	Repairs    int64 `db:"repairs"`
	FaultS     int64 `db:"fault_s"`
	MaxFaultS  int64 `db:"max_fault_s"`
	RepairS    int64 `db:"repair_s"`
	MaxRepairS int64 `db:"max_repair_s"`
	Total      int64 `db:"total"`
}

// Abnormal lists devices with at least min_repairs repair tickets in the period
// (default 2), or one whose fault time passed min_fault_hours, or whose repair
// (到达 → 修复) passed min_repair_hours (0 leaves a threshold off). Items are
// ordered by repairs, then fault hours, and paged.
func (s *Service) Abnormal(ctx context.Context, f Filter) (*AbnormalReport, error) {
	if err := s.prepare(ctx, &f, nil, ""); err != nil {
		return nil, err
	}
	if f.MinRepairs == 0 {
		f.MinRepairs = defaultMinRepairs
	}
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	having, hargs := "x.repairs >= ?", []any{f.MinRepairs}
	if f.MinFaultHours > 0 {
		having += " OR x.max_fault_s > ?"
		hargs = append(hargs, int64(f.MinFaultHours*3600))
	}
	if f.MinRepairHours > 0 {
		having += " OR x.max_repair_s > ?"
		hargs = append(hargs, int64(f.MinRepairHours*3600))
	}
	// The devices over a threshold from the device roll-ups (faultroll.go),
	// grouped, filtered, ordered and paged in SQL: a whole bank's year is
	// some 100,000 devices, where the raw tickets were ten times as many.
	from, fargs, err := s.faultSelect(ctx, &f)
	if err != nil {
		return nil, err
	}
	var page []abnormalRow
	if err := s.db.Select(ctx, &page, s.sql("abnormal-page", map[string]string{"from": from, "having": having}),
		append(append(append([]any{}, fargs...), hargs...), f.Limit, f.Offset)...); err != nil {
		return nil, err
	}
	total := 0
	if len(page) > 0 {
		total = int(page[0].Total)
	} else if f.Offset > 0 {
		if err := s.db.Get(ctx, &total, s.sql("abnormal-count", map[string]string{"from": from, "having": having}), append(fargs, hargs...)...); err != nil {
			return nil, err
		}
	}
	out := &AbnormalReport{Period: f.period(), MinRepairs: f.MinRepairs, MinFaultHours: f.MinFaultHours, MinRepairHours: f.MinRepairHours,
		Items: []AbnormalItem{}, Total: total}
	if len(page) == 0 {
		return out, nil
	}
	// The page's tickets as before, from the raw rows of its devices.
	cond, cargs := faultTickets(&f)
	w, args := ticketWhere(ctx, &f, true)
	w += " AND " + cond
	args = append(args, cargs...)
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = strconv.FormatInt(r.AssetID, 10)
	}
	ph, idargs := idArgs(ids)
	var assets []AbnormalItem
	if err := s.db.Select(ctx, &assets, s.sql("abnormal-assets", map[string]string{"ids": ph}), idargs...); err != nil {
		return nil, err
	}
	var tickets []AbnormalTicket
	if err := s.db.Select(ctx, &tickets, s.sql("abnormal-tickets", map[string]string{"where": w, "ids": ph}), append(append(idargs, f.From, f.To), args...)...); err != nil {
		return nil, err
	}
	waits, err := s.waits(ctx, tickets)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*AbnormalItem{}
	for i := range assets {
		byID[assets[i].AssetID] = &assets[i]
	}
	for _, t := range tickets {
		if a := byID[t.AssetID]; a != nil {
			a.Tickets = append(a.Tickets, t)
			w := waits[t.ID]
			a.WaitingPartsHours += w["waiting_parts"]
			a.WaitingCustomerHours += w["waiting_customer"]
			a.SentForRepairHours += w["sent_for_repair"]
		}
	}
	for _, r := range page {
		a := byID[r.AssetID]
		if a == nil {
			continue
		}
		a.Repairs, a.FaultHours, a.MaxFaultHours, a.RepairHours, a.MaxRepairHours = r.Repairs, hours(r.FaultS), hours(r.MaxFaultS), hours(r.RepairS), hours(r.MaxRepairS)
		a.WaitingPartsHours, a.WaitingCustomerHours, a.SentForRepairHours = round2(a.WaitingPartsHours/3600), round2(a.WaitingCustomerHours/3600), round2(a.SentForRepairHours/3600)
		a.Reasons = []string{}
		if r.Repairs >= int64(f.MinRepairs) {
			a.Reasons = append(a.Reasons, "repairs")
		}
		if f.MinFaultHours > 0 && r.MaxFaultS > int64(f.MinFaultHours*3600) {
			a.Reasons = append(a.Reasons, "fault_hours")
		}
		if f.MinRepairHours > 0 && r.MaxRepairS > int64(f.MinRepairHours*3600) {
			a.Reasons = append(a.Reasons, "repair_hours")
		}
		if a.Tickets == nil {
			a.Tickets = []AbnormalTicket{}
		}
		out.Items = append(out.Items, *a)
	}
	return out, nil
}

// waits sums each ticket's waiting by reason, in seconds: finished waits from
// the timeline (leaving a pausing status records them), plus a wait still running.
func (s *Service) waits(ctx context.Context, tickets []AbnormalTicket) (map[int64]map[string]float64, error) {
	out := map[int64]map[string]float64{}
	if len(tickets) == 0 {
		return out, nil
	}
	ids := make([]string, len(tickets))
	for i, t := range tickets {
		ids[i] = strconv.FormatInt(t.ID, 10)
		out[t.ID] = map[string]float64{}
	}
	ph, args := idArgs(ids)
	var events []struct {
		TicketID int64  `db:"ticket_id"`
		Data     string `db:"data"`
	}
	if err := s.db.Select(ctx, &events, s.sql("pending-events", map[string]string{"ids": ph}), args...); err != nil {
		return nil, err
	}
	for _, e := range events {
		var d struct {
			Reason  string  `json:"pending_reason"`
			Seconds float64 `json:"pending_seconds"`
		}
		if json.Unmarshal([]byte(e.Data), &d) == nil && d.Seconds > 0 {
			out[e.TicketID][d.Reason] += d.Seconds
		}
	}
	now := s.now()
	for _, t := range tickets {
		if t.PendingSince != nil && now.After(*t.PendingSince) {
			out[t.ID][t.PendingReason] += now.Sub(*t.PendingSince).Seconds()
		}
	}
	return out, nil
}

// Table is the report as shown and exported.
func (r *AbnormalReport) Table() Table {
	t := Table{Title: "异常服务", Header: []string{"序号", "设备编号", "类型", "品牌", "型号", "地区", "支行", "网点", "服务商", "返修次数",
		"故障总时长(时)", "最长故障时长(时)", "修复总时长(时)", "最长修复时长(时)", "等待配件时长(时)", "等待客户自行处理结果时长(时)", "送修等待时长(时)", "工单"}}
	for i, it := range r.Items {
		vendor := ""
		if it.VendorOrgName != nil {
			vendor = *it.VendorOrgName
		}
		numbers := ""
		for j, tk := range it.Tickets {
			if j > 0 {
				numbers += "、"
			}
			numbers += tk.Number
		}
		t.Rows = append(t.Rows, []string{itoa(int64(i + 1)), it.AssetCode, it.Type, it.Brand, it.Model, it.Region, it.Branch, it.OrgName, vendor,
			itoa(it.Repairs), num(it.FaultHours), num(it.MaxFaultHours), num(it.RepairHours), num(it.MaxRepairHours),
			num(it.WaitingPartsHours), num(it.WaitingCustomerHours), num(it.SentForRepairHours), numbers})
	}
	return t
}
