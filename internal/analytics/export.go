package analytics

import (
	"context"
	"strconv"
	"time"

	"lingting/internal/apperr"
)

// TicketRow is one ticket of the history export (任务明细), every field.
type TicketRow struct {
	ID             int64      `db:"id"`
	Number         string     `db:"number"`
	Type           string     `db:"type"`
	TypeName       string     `db:"type_name"`
	Title          string     `db:"title"`
	Description    string     `db:"description"`
	Priority       string     `db:"priority"`
	Status         string     `db:"status"`
	PendingReason  string     `db:"pending_reason"`
	Channel        string     `db:"channel"`
	CustomerName   *string    `db:"customer_name"`
	AssetCode      *string    `db:"asset_code"`
	AssetType      *string    `db:"asset_type"`
	AssetBrand     *string    `db:"asset_brand"`
	AssetModel     *string    `db:"asset_model"`
	Region         string     `db:"region"`
	BranchName     string     `db:"branch_name"`
	OrgName        string     `db:"org_name"`
	VendorOrgName  *string    `db:"vendor_org_name"`
	StationName    *string    `db:"station_name"`
	AssigneeName   *string    `db:"assignee_name"`
	CategoryName   *string    `db:"category_name"`
	ReportedAt     time.Time  `db:"reported_at"`
	AssignedAt     *time.Time `db:"assigned_at"`
	DepartedAt     *time.Time `db:"departed_at"`
	ArrivedAt      *time.Time `db:"arrived_at"`
	RepairedAt     *time.Time `db:"repaired_at"`
	ResolvedAt     *time.Time `db:"resolved_at"`
	ClosedAt       *time.Time `db:"closed_at"`
	DistanceKM     *float64   `db:"distance_km"`
	PendingSeconds int        `db:"pending_seconds"`
	CreatedAt      time.Time  `db:"created_at"`
	UpdatedAt      time.Time  `db:"updated_at"`
}

// ExportHeader are the columns of the ticket history export.
var ExportHeader = []string{"工单号", "工单类型", "标题", "描述", "优先级", "状态", "挂起原因", "渠道", "客户", "设备编号", "设备类型", "品牌", "型号",
	"地区", "支行", "网点/机构", "服务商", "服务站点", "处理人", "故障类型", "报修时间", "派单时间", "出发时间", "到达时间", "修复时间", "解决时间", "关闭时间",
	"往返路程(公里)", "挂起时长(分)", "响应时长(分)", "出发时长(分)", "修复时长(分)", "故障时长(分)", "创建时间", "更新时间"}

var priorityLabels = map[string]string{"low": "低", "normal": "普通", "high": "高", "urgent": "紧急"}
var pendingLabels = map[string]string{"waiting_parts": "待配件", "waiting_customer": "待客户", "sent_for_repair": "送修"}
var channelLabels = map[string]string{"phone": "电话", "counter": "柜面", "portal": "门户", "qr": "二维码", "email": "邮件", "api": "接口", "mobile": "移动端", "rating": "评价"}

// Cells renders a row in the export's columns, times in Asia/Shanghai.
func (s *Service) Cells(t *TicketRow) []string {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	at := func(p *time.Time) string {
		if p == nil {
			return ""
		}
		return p.In(s.zone).Format("2006-01-02 15:04")
	}
	mins := func(a, b *time.Time) string {
		if a == nil || b == nil {
			return ""
		}
		return strconv.Itoa(int(b.Sub(*a).Minutes()))
	}
	dist := ""
	if t.DistanceKM != nil {
		dist = num(*t.DistanceKM)
	}
	end := t.RepairedAt
	if end == nil {
		end = t.ResolvedAt
	}
	fault := ""
	if end != nil {
		fault = strconv.Itoa(int(end.Sub(t.ReportedAt).Minutes()) - t.PendingSeconds/60)
	}
	status := statusLabels[t.Status]
	if status == "" {
		status = t.Status
	}
	label := func(m map[string]string, k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return k
	}
	return []string{t.Number, t.TypeName, t.Title, t.Description, label(priorityLabels, t.Priority), status, label(pendingLabels, t.PendingReason),
		label(channelLabels, t.Channel), str(t.CustomerName), str(t.AssetCode), str(t.AssetType), str(t.AssetBrand), str(t.AssetModel),
		t.Region, t.BranchName, t.OrgName, str(t.VendorOrgName), str(t.StationName), str(t.AssigneeName), str(t.CategoryName),
		at(&t.ReportedAt), at(t.AssignedAt), at(t.DepartedAt), at(t.ArrivedAt), at(t.RepairedAt), at(t.ResolvedAt), at(t.ClosedAt),
		dist, strconv.Itoa(t.PendingSeconds / 60), mins(&t.ReportedAt, t.AssignedAt), mins(t.DepartedAt, t.ArrivedAt), mins(t.ArrivedAt, t.RepairedAt),
		fault, at(&t.CreatedAt), at(&t.UpdatedAt)}
}

// CheckExport validates the filter of a ticket export and fills its defaults.
func (s *Service) CheckExport(ctx context.Context, f *Filter) error {
	if f.GroupBy != "" {
		return apperr.Field("group_by", "任务明细不分组", "the ticket history is not grouped")
	}
	return s.prepare(ctx, f, nil, "")
}

// EachTicket streams the visible tickets reported in the period (in id order,
// a thousand at a time) for the history export. Call CheckExport first.
func (s *Service) EachTicket(ctx context.Context, f Filter, fn func(*TicketRow) error) error {
	w, args := exportWhere(ctx, &f)
	q := s.sql("export-tickets", map[string]string{"where": w})
	var after int64
	const batch = 1000
	for {
		var page []TicketRow
		if err := s.db.Select(ctx, &page, q, append(append([]any{}, args...), after, batch)...); err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < batch {
			return nil
		}
		after = page[len(page)-1].ID
	}
}

// Zone is the zone days are counted in.
func (s *Service) Zone() *time.Location { return s.zone }
