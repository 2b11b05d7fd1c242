package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"lingting/internal/analytics"
	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/reportjob"
)

// analyticsRoutes serves the service reports (R-ANA-01…10), SLA compliance
// (R-SLA-06) and the ticket history export (R-ANA-09). Satisfaction and rankings live with the ratings.
func (s *Server) analyticsRoutes() {
	s.api("GET /api/v1/analytics/devices", "analytics.read", s.analyticsReport("devices", "机具分布", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Devices(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), "截至 " + rep.Date, nil
	}))
	s.api("GET /api/v1/analytics/devices/operation", "analytics.read", s.analyticsReport("operation", "运行情况", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Operation(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To, nil
	}))
	s.api("GET /api/v1/analytics/devices/maintenance", "analytics.read", s.analyticsReport("maintenance", "维护情况", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Maintenance(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To + "，维护总时长：服务人员出发至修复（扣除挂起）", nil
	}))
	s.api("GET /api/v1/analytics/service-time", "analytics.read", s.analyticsReport("service-time", "服务时长", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.ServiceTime(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To + "，超负荷：服务人员单日工作超过 " + num(rep.OverloadHours) + " 小时", nil
	}))
	s.api("GET /api/v1/analytics/manpower", "analytics.read", s.analyticsReport("manpower", "人力分析", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Manpower(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To + "，超负荷：服务人员单日工作超过 " + num(rep.OverloadHours) +
			" 小时，或当前未完成工单超过 " + strconv.Itoa(rep.OverloadOpen) + " 张", nil
	}))
	s.api("GET /api/v1/analytics/abnormal", "analytics.read", s.analyticsReport("abnormal", "异常服务", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Abnormal(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		line := rep.From + " ~ " + rep.To + "，返修次数 ≥ " + strconv.Itoa(rep.MinRepairs)
		if rep.MinFaultHours > 0 {
			line += "，或故障时长 > " + num(rep.MinFaultHours) + " 小时"
		}
		if rep.MinRepairHours > 0 {
			line += "，或修复时长 > " + num(rep.MinRepairHours) + " 小时"
		}
		return rep, rep.Table(), line, nil
	}))
	s.api("GET /api/v1/analytics/faults", "analytics.read", s.analyticsReport("faults", "故障分析", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		switch f.View {
		case "", "summary":
			rep, err := s.Analytics.Faults(r.Context(), f)
			if err != nil {
				return nil, analytics.Table{}, "", err
			}
			return rep, rep.Table(), rep.From + " ~ " + rep.To, nil
		case "causes":
			rep, err := s.Analytics.Causes(r.Context(), f)
			if err != nil {
				return nil, analytics.Table{}, "", err
			}
			return rep, rep.Table(s.Analytics.Zone()), rep.From + " ~ " + rep.To, nil
		}
		return nil, analytics.Table{}, "", apperr.Field("view", "只能是 summary（故障次数）或 causes（故障原因）", "view must be summary or causes")
	}))
	s.api("GET /api/v1/analytics/complaints", "analytics.read", s.analyticsReport("complaints", "投诉与建议", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Complaints(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To, nil
	}))
	s.api("GET /api/v1/analytics/sla", "analytics.read", s.analyticsReport("sla", "SLA 达标", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.SLA(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To + "，超时：晚于时限达成，或未达成且已过时限", nil
	}))
	s.api("GET /api/v1/analytics/survey", "analytics.read", s.analyticsReport("survey", "满意度调查", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Survey(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To + "，服务商评价（工单评价与回访调查），满意率的 95% 置信区间为 Wilson 区间", nil
	}))
	s.api("GET /api/v1/analytics/survey/ratings", "analytics.read", s.surveyRatings)
	s.api("GET /api/v1/analytics/volume", "analytics.read", s.analyticsReport("volume", "工单量", func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error) {
		rep, err := s.Analytics.Volume(r.Context(), f)
		if err != nil {
			return nil, analytics.Table{}, "", err
		}
		return rep, rep.Table(), rep.From + " ~ " + rep.To + "，按报修时间（北京时间）", nil
	}))
	s.api("GET /api/v1/analytics/dashboard", "analytics.read", s.analyticsDashboard)
	s.api("GET /api/v1/analytics/tickets.xlsx", "analytics.read", s.exportTicketHistory)
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// analyticsFilter reads the common report filters; bad values are 422 field errors.
func (s *Server) analyticsFilter(r *http.Request) (analytics.Filter, error) {
	var v apperr.Validation
	q := r.URL.Query()
	f := analytics.Filter{From: queryDay(r, "from", &v), To: queryDay(r, "to", &v), OrgID: queryInt(r, "org_id", &v),
		VendorOrgID: queryInt(r, "vendor_org_id", &v), StationID: queryInt(r, "station_id", &v), StaffID: s.staffParam(r, &v),
		Type: strings.TrimSpace(q.Get("type")), Brand: strings.TrimSpace(q.Get("brand")), Model: strings.TrimSpace(q.Get("model")),
		TicketType: q.Get("ticket_type"), Status: q.Get("status"), GroupBy: q.Get("group_by"), View: q.Get("view"),
		MinRepairs: int(queryInt(r, "min_repairs", &v)), MinFaultHours: queryHours(r, "min_fault_hours", &v),
		MinRepairHours: queryHours(r, "min_repair_hours", &v), OverloadHours: queryHours(r, "overload_hours", &v),
		OverdueHours: queryHours(r, "overdue_hours", &v)}
	if q.Get("overload_open") != "" {
		n := int(queryInt(r, "overload_open", &v))
		f.OverloadOpen = &n
	}
	if format := q.Get("format"); format != "" && format != "json" && format != "xlsx" {
		v.Add("format", "格式只能是 json 或 xlsx", "format must be json or xlsx")
	}
	pg, err := parsePage(r)
	if err != nil {
		return f, err
	}
	f.Limit, f.Offset = pg.Size, pg.offset()
	return f, v.Err()
}

// queryHours reads a non-negative number of hours (at most ten years).
func queryHours(r *http.Request, name string, v *apperr.Validation) float64 {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x < 0 || x > 87600 {
		v.Add(name, "须为 0–87600 之间的小时数", "must be a number of hours from 0 to 87600")
	}
	return x
}

// analyticsReport answers a report as JSON, or with format=xlsx as the same
// table with its title, period and filters in the header row (audited); a
// table over the background threshold becomes an export job (202). The
// document is registered under key for background exports and subscriptions.
// A document holds every row of the filter, never just the page asked for
// (异常服务 and 故障原因 are paged on screen).
func (s *Server) analyticsReport(key, name string, run func(r *http.Request, f analytics.Filter) (any, analytics.Table, string, error)) apiFunc {
	build := func(r *http.Request, all bool) (any, *reportjob.Doc, error) {
		f, err := s.analyticsFilter(r)
		if err != nil {
			return nil, nil, err
		}
		if all {
			f.Offset, f.Limit = 0, math.MaxInt32
		}
		rep, table, period, err := run(r, f)
		if err != nil {
			return nil, nil, err
		}
		filters, err := s.Analytics.FilterCells(r.Context(), f)
		if err != nil {
			return nil, nil, err
		}
		return rep, tableDoc(name, table, period, filters), nil
	}
	s.exportable(key, func(r *http.Request) (any, *reportjob.Doc, error) { return build(r, true) })
	return func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
		xlsx := r.URL.Query().Get("format") == "xlsx"
		rep, doc, err := build(r, xlsx)
		if err != nil {
			return err
		}
		if !xlsx {
			writeJSON(w, http.StatusOK, rep)
			return nil
		}
		return s.sendExport(w, r, p, key, doc, audit.Entry{Action: "export", Entity: "report", OrgID: p.User.OrgID,
			Summary: "导出报表：" + doc.Header[0], After: map[string]any{"filter": r.URL.RawQuery}})
	}
}

// tableDoc is a report table as an export: title, period and filters, the
// column names, the rows and the totals.
func tableDoc(name string, table analytics.Table, period string, filters []string) *reportjob.Doc {
	total := len(table.Rows)
	if table.Totals != nil {
		total++
	}
	return &reportjob.Doc{Name: name, Header: append([]string{table.Title, period}, filters...), Columns: table.Header, Total: total,
		Rows: func(emit func([]string) error) error {
			for _, row := range table.Rows {
				if err := emit(row); err != nil {
					return err
				}
			}
			if table.Totals != nil {
				return emit(table.Totals)
			}
			return nil
		}}
}

func (s *Server) analyticsDashboard(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	f, err := s.analyticsFilter(r)
	if err != nil {
		return err
	}
	d, err := s.Analytics.Dashboard(r.Context(), f, lang(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// exportTicketHistory streams 任务明细: every visible ticket reported in the
// period with every field, as .xlsx; every export is audited first. Over
// the background threshold (10^6 rows are possible) it becomes an export job.
func (s *Server) exportTicketHistory(w http.ResponseWriter, r *http.Request, p *auth.Principal) error {
	doc, err := s.ticketHistoryDoc(r)
	if err != nil {
		return err
	}
	return s.sendExport(w, r, p, "tickets", doc, audit.Entry{Action: "export", Entity: "ticket", OrgID: p.User.OrgID,
		Summary: "导出任务明细", After: map[string]any{"filter": r.URL.RawQuery}})
}

func (s *Server) ticketHistoryDoc(r *http.Request) (*reportjob.Doc, error) {
	f, err := s.analyticsFilter(r)
	if err != nil {
		return nil, err
	}
	if err := s.Analytics.CheckExport(r.Context(), &f); err != nil {
		return nil, err
	}
	total, err := s.Analytics.CountTickets(r.Context(), f)
	if err != nil {
		return nil, err
	}
	filters, err := s.Analytics.FilterCells(r.Context(), f)
	if err != nil {
		return nil, err
	}
	stamp := time.Now().In(s.Analytics.Zone()).Format("20060102-1504")
	period := analytics.FormatDay(f.From) + " ~ " + analytics.FormatDay(f.To)
	ctx := r.Context()
	return &reportjob.Doc{Name: "任务明细-" + stamp, Header: append([]string{"任务明细", period}, filters...), Columns: analytics.ExportHeader, Total: total,
		Rows: func(emit func([]string) error) error {
			return s.Analytics.EachTicket(ctx, f, func(t *analytics.TicketRow) error {
				return emit(s.Analytics.Cells(t))
			})
		}}, nil
}

// surveyRatings lists the ratings behind a figure of 满意度调查: the report's
// filters, key_<dimension> for the group's keys and level for one column.
func (s *Server) surveyRatings(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	f, err := s.analyticsFilter(r)
	if err != nil {
		return err
	}
	var v apperr.Validation
	level := int(queryInt(r, "level", &v))
	if err := v.Err(); err != nil {
		return err
	}
	keys := map[string]string{}
	for k, vals := range r.URL.Query() {
		if d, ok := strings.CutPrefix(k, "key_"); ok && len(vals) > 0 {
			keys[d] = vals[0]
		}
	}
	items, total, err := s.Analytics.SurveyRatings(r.Context(), f, keys, level)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list(items, total))
	return nil
}
