package analytics

import (
	"context"
	"strings"
)

// deviceQuery runs a grouped query on the device archive.
func (s *Service) deviceQuery(ctx context.Context, dest any, name string, dims []string, f *Filter, withRetired bool, head ...any) error {
	sel, group, joins := sqlDims(dims, "device")
	w, args := deviceWhere(ctx, f, withRetired)
	dimgroup := ""
	if group != "" {
		dimgroup = strings.TrimPrefix(group, " GROUP BY ") + ", "
	}
	q := s.sql(name, map[string]string{"dims": sel, "joins": joins, "where": w, "group": group, "dimgroup": dimgroup})
	return s.db.Select(ctx, dest, q, append(head, args...)...)
}

// DeviceMeasures are the figures of a group of devices (机具分布).
type DeviceMeasures struct {
	Devices       int64 `db:"devices" json:"devices"`
	InService     int64 `db:"in_service" json:"in_service"`
	Faulty        int64 `db:"faulty" json:"faulty"`
	Retired       int64 `db:"retired" json:"retired"`
	InWarranty    int64 `db:"in_warranty" json:"in_warranty"`
	OutOfWarranty int64 `db:"out_of_warranty" json:"out_of_warranty"`
}

func (a *DeviceMeasures) add(b DeviceMeasures) {
	a.Devices += b.Devices
	a.InService += b.InService
	a.Faulty += b.Faulty
	a.Retired += b.Retired
	a.InWarranty += b.InWarranty
	a.OutOfWarranty += b.OutOfWarranty
}

// DeviceItem is one group of the device distribution.
type DeviceItem struct {
	Group
	DeviceMeasures
}

// DeviceReport answers GET /analytics/devices (机具档案 / 机具分布): the device
// archive as it stands today, counted by type, brand, model, region, …
type DeviceReport struct {
	Date    string         `json:"date"`
	GroupBy []string       `json:"group_by"`
	Items   []DeviceItem   `json:"items"`
	Totals  DeviceMeasures `json:"totals"`
	Total   int            `json:"total"`
}

var deviceDims = []string{"type", "brand", "model", "region", "org", "vendor", "station", "status"}

// Devices counts the visible devices (retired ones included, as a status).
func (s *Service) Devices(ctx context.Context, f Filter) (*DeviceReport, error) {
	if err := s.prepare(ctx, &f, deviceDims, "type,brand,model"); err != nil {
		return nil, err
	}
	today := FormatDay(s.day(s.now()))
	var rows []struct {
		gcols
		DeviceMeasures
	}
	if err := s.deviceQuery(ctx, &rows, "device-distribution", f.dims, &f, true, today, today); err != nil {
		return nil, err
	}
	n := len(f.dims)
	raws := make([][]string, len(rows))
	for i, r := range rows {
		raws[i] = r.raw(n)
	}
	g, err := s.newGrouper(ctx, &f, raws)
	if err != nil {
		return nil, err
	}
	out := &DeviceReport{Date: today, GroupBy: f.dims, Items: []DeviceItem{}}
	byKey := map[string]int{}
	for _, r := range rows {
		gr := newGroup(f.dims, g.key(r.raw(n)))
		i, ok := byKey[gr.Key]
		if !ok {
			i = len(out.Items)
			byKey[gr.Key] = i
			out.Items = append(out.Items, DeviceItem{Group: *gr})
		}
		out.Items[i].add(r.DeviceMeasures)
		out.Totals.add(r.DeviceMeasures)
	}
	if err := labelItems(ctx, g, out.Items, func(it *DeviceItem) *Group { return &it.Group }); err != nil {
		return nil, err
	}
	sortGroups(f.dims, out.Items, func(it DeviceItem) *Group { return &it.Group })
	out.Total = len(out.Items)
	return out, nil
}

// labelItems names the groups of a report's items.
func labelItems[T any](ctx context.Context, g *grouper, items []T, group func(*T) *Group) error {
	groups := make([]*Group, len(items))
	for i := range items {
		groups[i] = group(&items[i])
	}
	return g.label(ctx, groups)
}

func (m DeviceMeasures) cells() []string {
	return []string{itoa(m.Devices), itoa(m.InService), itoa(m.Faulty), itoa(m.Retired), itoa(m.InWarranty), itoa(m.OutOfWarranty)}
}

// Table is the report as shown and exported.
func (r *DeviceReport) Table() Table {
	t := Table{Title: "机具分布", Header: append(dimHeader(r.GroupBy), "机具台数(台)", "在用", "故障", "报废", "在保", "过保")}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}

// OperationMeasures are the 运行情况 figures of a group: devices running, their
// faults (repair tickets reported in the period) and fault hours.
type OperationMeasures struct {
	Devices                int64    `json:"devices"`
	Faults                 int64    `json:"faults"`
	FaultHours             float64  `json:"fault_hours"`
	AvgFaultHoursPerDevice *float64 `json:"avg_fault_hours_per_device"`
	AvgFaultsPerDevice     *float64 `json:"avg_faults_per_device"`
	AvgFaultHours          *float64 `json:"avg_fault_hours"`
	AvgRepairHours         *float64 `json:"avg_repair_hours"`
	// Availability is 1 − fault hours ÷ device hours of the period.
	Availability *float64 `json:"availability"`
}

// OperationItem is one group (and month) of the operation report.
type OperationItem struct {
	Group
	OperationMeasures
}

// OperationReport answers GET /analytics/devices/operation (运行情况).
type OperationReport struct {
	Period
	GroupBy []string          `json:"group_by"`
	Items   []OperationItem   `json:"items"`
	Totals  OperationMeasures `json:"totals"`
	Total   int               `json:"total"`
}

var operationDims = []string{"month", "type", "brand", "model", "region", "org", "vendor"}

// faultTickets restricts a report to repair tickets on devices (or the given type).
func faultTickets(f *Filter) (string, []any) {
	return "t.asset_id IS NOT NULL AND t.type = ?", []any{faultType(f)}
}

func faultType(f *Filter) string {
	if f.TicketType == "" {
		return "repair"
	}
	return f.TicketType
}

// rollFaults reads the faults of a device-centric report from the roll-ups:
// tickets of the fault type on a device, grouped by the device's properties.
func rollFaults(f *Filter) rollQuery {
	return rollQuery{name: "roll-measures", deviceCentric: true, assets: true, types: []string{faultType(f)}}
}

type deviceCount struct {
	gcols
	Inst int   `db:"inst"`
	N    int64 `db:"n"`
}

// Operation computes 运行情况 by month and type/brand/model/region: the
// devices running and their faults (deviceMonths).
func (s *Service) Operation(ctx context.Context, f Filter) (*OperationReport, error) {
	groups, totals, dims, period, err := s.deviceMonths(ctx, f)
	if err != nil {
		return nil, err
	}
	measures := func(a *deviceAcc) OperationMeasures {
		m := OperationMeasures{Devices: a.devices, Faults: a.sums.Tickets, FaultHours: hours(a.sums.FaultS),
			AvgFaultHours: avgHours(a.sums.FaultS, a.sums.FaultN), AvgRepairHours: avgHours(a.sums.RepairS, a.sums.RepairN)}
		if a.devices > 0 {
			perDevice := round2(float64(a.sums.FaultS) / 3600 / float64(a.devices))
			faults := round2(float64(a.sums.Tickets) / float64(a.devices))
			m.AvgFaultHoursPerDevice, m.AvgFaultsPerDevice = &perDevice, &faults
		}
		if a.deviceSecs > 0 {
			v := round4(min(1, max(0, 1-float64(a.sums.FaultS)/float64(a.deviceSecs))))
			m.Availability = &v
		}
		return m
	}
	out := &OperationReport{Period: period, GroupBy: dims, Items: make([]OperationItem, 0, len(groups)), Totals: measures(totals)}
	for _, a := range groups {
		out.Items = append(out.Items, OperationItem{Group: *a.group, OperationMeasures: measures(a)})
	}
	out.Total = len(out.Items)
	return out, nil
}

func (m OperationMeasures) cells() []string {
	return []string{itoa(m.Devices), num(m.FaultHours), optNum(m.AvgFaultHoursPerDevice), itoa(m.Faults), optNum(m.AvgFaultsPerDevice),
		optNum(m.AvgFaultHours), optNum(m.AvgRepairHours), optPct(m.Availability)}
}

// Table is the report as shown and exported.
func (r *OperationReport) Table() Table {
	t := Table{Title: "运行情况", Header: append(dimHeader(r.GroupBy), "机具台数(台)", "故障总时长(时)", "台均故障时长(时)", "故障总次数(次)", "台均故障次数(次)",
		"平均故障时长(时)", "平均修复时长(时)", "可用率")}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}
