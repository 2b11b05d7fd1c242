package ticket

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// CreateInput opens a ticket (API.md: POST /tickets).
type CreateInput struct {
	Type        string     `json:"type"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Priority    string     `json:"priority"`
	CustomerID  *int64     `json:"customer_id"`
	AssetID     *int64     `json:"asset_id"`
	OrgID       *int64     `json:"org_id"`
	CategoryID  *int64     `json:"category_id"`
	Channel     string     `json:"channel"`
	ParentID    *int64     `json:"parent_id"`
	ReportedAt  *time.Time `json:"reported_at"` // work recorded after the fact (R-TKT-08)
	// Custom holds values of the type's custom fields by key.
	Custom map[string]any `json:"custom"`
	// Auto marks a ticket other modules open on their own (a dissatisfied
	// rating's follow-up): required custom fields may stay empty for the
	// agent to fill in later, so an administrator's new field never stops them.
	Auto bool `json:"-"`
}

var channels = map[string]bool{"phone": true, "counter": true, "portal": true, "qr": true, "email": true, "api": true, "mobile": true, "rating": true}

// Create opens a ticket. A device sets where the work is and who services it;
// otherwise the customer's org, or the given org, does. The number is
// GD<day>-<6 digits>, unique across processes.
func (s *Service) Create(ctx context.Context, in CreateInput) (*Ticket, error) {
	var v apperr.Validation
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	v.Required("title", in.Title)
	if len([]rune(in.Title)) > 200 {
		v.Add("title", "标题不能超过 200 字", "title must be at most 200 characters")
	}
	if in.Priority == "" {
		in.Priority = "normal"
	}
	if !priorities[in.Priority] {
		v.Add("priority", "优先级只能是 low、normal、high、urgent", "priority must be low, normal, high or urgent")
	}
	if in.Channel == "" {
		in.Channel = "phone"
	}
	if !channels[in.Channel] {
		v.Add("channel", "渠道无效", "unknown channel")
	}
	now := s.now()
	reported := now
	entered := in.ReportedAt != nil
	if entered {
		reported = in.ReportedAt.UTC().Truncate(time.Microsecond)
		if reported.After(now.Add(time.Minute)) {
			v.Add("reported_at", "报告时间不能晚于现在", "reported_at cannot be in the future")
		}
	}
	typ, err := s.typeDef(ctx, in.Type)
	custom := "{}"
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		v.Add("type", "工单类型不存在："+in.Type, "unknown ticket type: "+in.Type)
	case err != nil:
		return nil, err
	default:
		custom = encodeCustom(CheckCustom(typ.Fields, in.Custom, !in.Auto, &v), &v)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// On PostgreSQL the number is allocated before the transaction, in a
	// statement committed at once (nextNumber); the look-ups that may refuse
	// the ticket run first, so a refused ticket takes no number.
	day := s.day(reported)
	var (
		seq      int64
		orgID    int64
		vendorID *int64
	)
	early := s.db.Dialect == store.Postgres && !store.InTx(ctx)
	if early {
		if orgID, vendorID, err = s.place(ctx, &in); err != nil {
			return nil, err
		}
		if seq, err = s.nextNumber(ctx, day); err != nil {
			return nil, err
		}
	}
	var out *Ticket
	// On SQLite concurrent creates share a transaction (store.WithGroupTx):
	// each is still acknowledged only after its commit, and one that fails
	// fails alone.
	err = s.db.WithGroupTx(ctx, func(ctx context.Context) error {
		if !early {
			var err error
			if orgID, vendorID, err = s.place(ctx, &in); err != nil {
				return err
			}
			if seq, err = s.nextNumber(ctx, day); err != nil {
				return err
			}
		}
		number := fmt.Sprintf("GD%d-%06d", day, seq)
		actor := audit.ActorFrom(ctx)
		var createdBy any
		if actor.UserID != 0 {
			createdBy = actor.UserID
		}
		id, err := s.db.InsertID(ctx, `INSERT INTO tickets (number, type, title, description, priority, status, channel, customer_id, asset_id, org_id,
			vendor_org_id, parent_id, category_id, custom, reported_at, created_by, day, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			number, in.Type, in.Title, in.Description, in.Priority, StatusNew, in.Channel, in.CustomerID, in.AssetID, orgID,
			vendorID, in.ParentID, in.CategoryID, custom, reported, createdBy, day, now, now)
		if err != nil {
			return err
		}
		if err := s.event(ctx, id, "reported", reported, "", StatusNew, "", map[string]any{"entered": entered, "channel": in.Channel}); err != nil {
			return err
		}
		if err := s.slaChanged(ctx, SLAChange{Kind: SLACreated, At: reported}, id); err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		summary := "新建工单 " + number
		if entered {
			summary += "（补录，报告时间 " + reported.In(s.zone).Format("2006-01-02 15:04") + "）"
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "ticket", EntityID: id, OrgID: orgID, Summary: summary, After: out})
	})
	return out, err
}

// numberSQL takes the next number of a day from ticket_numbers (shared with
// BulkLoad's reservations, so numbers stay unique across processes).
const numberSQL = "INSERT INTO ticket_numbers (day, last) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last = ticket_numbers.last + 1 RETURNING last"

// nextNumber allocates the day's next ticket number, in ctx's transaction if
// any. Create calls it outside one on PostgreSQL, like a sequence's nextval:
// inside the create's transaction the day's row stayed locked until the
// commit, so every create of a day waited for the one before it (27–40
// creates/s). A create that fails after it leaves a gap in the day's numbers,
// as a sequence would; on SQLite, whose one writer serialises creates
// anyway, the number is taken inside the transaction (no gaps).
func (s *Service) nextNumber(ctx context.Context, day int) (int64, error) {
	var seq int64
	err := s.db.WriteGet(ctx, &seq, numberSQL, day)
	return seq, err
}

// place checks where a new ticket is (parent, device, customer, org, fault
// category, in the caller's scope) and returns its org and vendor; a
// sub-task takes its parent's place unless told otherwise.
func (s *Service) place(ctx context.Context, in *CreateInput) (int64, *int64, error) {
	if in.ParentID != nil {
		parent, err := s.Get(ctx, *in.ParentID)
		if err != nil {
			return 0, nil, apperr.Field("parent_id", "主工单不存在", "parent ticket not found")
		}
		// A sub-task (子任务) is about the same place as its parent unless told otherwise.
		if in.AssetID == nil && in.CustomerID == nil && in.OrgID == nil {
			in.AssetID, in.CustomerID, in.OrgID = parent.AssetID, parent.CustomerID, &parent.OrgID
		}
	}
	orgID, vendorID := int64(0), (*int64)(nil)
	if in.AssetID != nil {
		a, err := s.assets.Get(ctx, *in.AssetID)
		if err != nil {
			return 0, nil, apperr.Field("asset_id", "设备不存在或不在您的数据范围内", "device not found or outside your data scope")
		}
		orgID, vendorID = a.OrgID, a.VendorOrgID
	}
	if in.CustomerID != nil {
		c, err := s.customers.Get(ctx, *in.CustomerID)
		if err != nil {
			return 0, nil, apperr.Field("customer_id", "客户不存在或不在您的数据范围内", "customer not found or outside your data scope")
		}
		if orgID == 0 {
			orgID = c.OrgID
		}
	}
	if in.OrgID != nil && orgID == 0 {
		orgID = *in.OrgID
	}
	if orgID == 0 {
		return 0, nil, apperr.Field("org_id", "请指定客户、设备或机构", "give a customer, a device or an org")
	}
	if _, err := s.orgs.GetOrg(ctx, orgID); err != nil {
		return 0, nil, apperr.Field("org_id", "机构不存在或不在您的数据范围内", "org not found or outside your data scope")
	}
	if in.CategoryID != nil {
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM kb_categories WHERE id = ?", *in.CategoryID); err != nil {
			return 0, nil, err
		}
		if n == 0 {
			return 0, nil, apperr.Field("category_id", "故障分类不存在", "fault category not found")
		}
	}
	return orgID, vendorID, nil
}
