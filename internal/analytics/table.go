package analytics

import (
	"strconv"
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
