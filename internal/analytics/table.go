package analytics

import (
	"context"
	"strconv"
	"strings"
)

// Table is a report as the page shows it and the .xlsx export writes it: the
// columns, one row per item and the totals row (合计).
type Table struct {
	Title  string
	Header []string
	Rows   [][]string
	Totals []string
}

var dimLabels = map[string]string{"month": "月份", "day": "日期", "type": "类型", "brand": "品牌", "model": "型号", "region": "地区", "org": "机构",
	"vendor": "服务商", "station": "服务站点", "engineer": "服务人员", "category": "故障类型", "ticket_type": "工单类型", "status": "状态", "policy": "SLA 策略"}

func dimHeader(dims []string) []string {
	out := []string{"序号"}
	for _, d := range dims {
		out = append(out, dimLabels[d])
	}
	return out
}

func dimCells(n int, dims []string, g *Group) []string {
	out := []string{strconv.Itoa(n)}
	for _, d := range dims {
		out = append(out, g.Labels[d])
	}
	return out
}

func totalCells(dims []string) []string {
	out := []string{"合计"}
	for range dims {
		out = append(out, "")
	}
	return out
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func optNum(p *float64) string {
	if p == nil {
		return ""
	}
	return num(*p)
}

func optPct(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p*100, 'f', 2, 64) + "%"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// FilterCells are the filters of a report in words, for the header rows of
// its export: one "名称：值" cell per filter given (org, vendor, station and
// engineer by name), or 筛选：无.
func (s *Service) FilterCells(ctx context.Context, f Filter) ([]string, error) {
	var out []string
	name := func(q string, id int64) (string, error) {
		var rows []orgRow
		if err := s.db.Select(ctx, &rows, s.sql(q, map[string]string{"ids": "?"}), id); err != nil {
			return "", err
		}
		if len(rows) == 0 {
			return "#" + itoa(id), nil
		}
		return rows[0].Name, nil
	}
	for _, x := range []struct {
		label, q string
		id       int64
	}{{"机构", "orgs-by-id", f.OrgID}, {"服务商", "orgs-by-id", f.VendorOrgID}, {"服务站点", "orgs-by-id", f.StationID}, {"服务人员", "users-by-id", f.StaffID}} {
		if x.id == 0 {
			continue
		}
		n, err := name(x.q, x.id)
		if err != nil {
			return nil, err
		}
		out = append(out, x.label+"："+n)
	}
	ticketType := f.TicketType
	if ticketType != "" {
		var names []struct {
			K string `db:"k"`
			V string `db:"v"`
		}
		if err := s.db.Select(ctx, &names, s.sql("ticket-types", nil)); err != nil {
			return nil, err
		}
		for _, n := range names {
			if n.K == ticketType {
				ticketType = n.V
			}
		}
	}
	status := f.Status
	if l := statusLabels[status]; l != "" {
		status = l
	}
	for _, x := range [][2]string{{"类型", f.Type}, {"品牌", f.Brand}, {"型号", f.Model}, {"工单类型", ticketType}, {"状态", status}} {
		if x[1] != "" {
			out = append(out, x[0]+"："+x[1])
		}
	}
	if g := strings.TrimSpace(f.GroupBy); g != "" {
		var labels []string
		for _, d := range strings.Split(g, ",") {
			if l := dimLabels[strings.TrimSpace(d)]; l != "" {
				labels = append(labels, l)
			}
		}
		out = append(out, "分组："+strings.Join(labels, " × "))
	}
	if len(out) == 0 {
		out = []string{"筛选：无"}
	}
	return out, nil
}
