package analytics

import "context"

// 维护情况 (seed 000 §2.2.2, SPEC R-ANA-02 "same for maintenance"): the seed
// lists it next to 运行情况 under 设备运行 with the same query (by month and
// type/brand/model) and the same per-device figures, but about the upkeep
// of the devices rather than their breakdowns. 运行情况 measures how long and
// how often the devices were down (fault time: reported → repaired, less
// pending); 维护情况 measures the maintenance done on the same devices for
// the same fault tickets: maintenance visits completed and the engineers'
// maintenance time (work time: departed → repaired, less pending, as in
// 服务时长), per device, with what is still open, the completion rate and
// the response, travel and on-site repair averages.

// MaintenanceMeasures are the 维护情况 figures of a group. Averages are null
// without a device or a ticket with the measure.
type MaintenanceMeasures struct {
	Devices int64 `json:"devices"`
	// Faults are the fault tickets reported in the period (as in 运行情况);
	// Maintenances those of them completed (resolved or closed); Open the rest.
	Faults       int64 `json:"faults"`
	Maintenances int64 `json:"maintenances"`
	Open         int64 `json:"open"`
	// MaintenanceHours is the engineers' work time on them.
	MaintenanceHours             float64  `json:"maintenance_hours"`
	AvgMaintenanceHoursPerDevice *float64 `json:"avg_maintenance_hours_per_device"`
	AvgMaintenancesPerDevice     *float64 `json:"avg_maintenances_per_device"`
	AvgMaintenanceHours          *float64 `json:"avg_maintenance_hours"`
	CompletionRate               *float64 `json:"completion_rate"`
	AvgResponseHours             *float64 `json:"avg_response_hours"`
	AvgTravelHours               *float64 `json:"avg_travel_hours"`
	AvgRepairHours               *float64 `json:"avg_repair_hours"`
}

func maintenanceMeasures(a *deviceAcc) MaintenanceMeasures {
	t := &a.sums
	m := MaintenanceMeasures{Devices: a.devices, Faults: t.Tickets, Maintenances: t.Done, Open: t.Open, MaintenanceHours: hours(t.WorkS),
		AvgMaintenanceHours: avgHours(t.WorkS, t.WorkN), AvgResponseHours: avgHours(t.RespS, t.RespN),
		AvgTravelHours: avgHours(t.TravelS, t.TravelN), AvgRepairHours: avgHours(t.RepairS, t.RepairN)}
	if a.devices > 0 {
		perDevice := round2(float64(t.WorkS) / 3600 / float64(a.devices))
		visits := round2(float64(t.Done) / float64(a.devices))
		m.AvgMaintenanceHoursPerDevice, m.AvgMaintenancesPerDevice = &perDevice, &visits
	}
	if t.Tickets > 0 {
		v := round4(float64(t.Done) / float64(t.Tickets))
		m.CompletionRate = &v
	}
	return m
}

// MaintenanceItem is one group (and month) of the maintenance report.
type MaintenanceItem struct {
	Group
	MaintenanceMeasures
}

// MaintenanceReport answers GET /analytics/devices/maintenance (维护情况).
type MaintenanceReport struct {
	Period
	GroupBy []string            `json:"group_by"`
	Items   []MaintenanceItem   `json:"items"`
	Totals  MaintenanceMeasures `json:"totals"`
	Total   int                 `json:"total"`
}

// Maintenance computes 维护情况 with the groupings and filters of 运行情况: the
// same devices and fault tickets (deviceMonths), seen as maintenance work.
func (s *Service) Maintenance(ctx context.Context, f Filter) (*MaintenanceReport, error) {
	groups, totals, dims, period, err := s.deviceMonths(ctx, f)
	if err != nil {
		return nil, err
	}
	out := &MaintenanceReport{Period: period, GroupBy: dims, Items: make([]MaintenanceItem, 0, len(groups)), Totals: maintenanceMeasures(totals)}
	for _, a := range groups {
		out.Items = append(out.Items, MaintenanceItem{Group: *a.group, MaintenanceMeasures: maintenanceMeasures(a)})
	}
	out.Total = len(out.Items)
	return out, nil
}

func (m MaintenanceMeasures) cells() []string {
	return []string{itoa(m.Devices), num(m.MaintenanceHours), optNum(m.AvgMaintenanceHoursPerDevice), itoa(m.Maintenances), optNum(m.AvgMaintenancesPerDevice),
		itoa(m.Faults), itoa(m.Open), optPct(m.CompletionRate), optNum(m.AvgMaintenanceHours), optNum(m.AvgResponseHours), optNum(m.AvgTravelHours), optNum(m.AvgRepairHours)}
}

// Table is the report as shown and exported: the seed's columns of 设备运行
// (机具台数, 总时长, 台均时长, 总次数, 台均次数) for maintenance, then the rest.
func (r *MaintenanceReport) Table() Table {
	t := Table{Title: "维护情况", Header: append(dimHeader(r.GroupBy), "机具台数(台)", "维护总时长(时)", "台均维护时长(时)", "维护总次数(次)", "台均维护次数(次)",
		"报修次数(次)", "未完成(次)", "完成率", "平均维护时长(时)", "平均响应时长(时)", "平均出发时长(时)", "平均修复时长(时)")}
	for i, it := range r.Items {
		t.Rows = append(t.Rows, append(dimCells(i+1, r.GroupBy, &it.Group), it.cells()...))
	}
	t.Totals = append(totalCells(r.GroupBy), r.Totals.cells()...)
	return t
}
