package rating

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Link kinds: a QR code at a counter or for a staff member (many ratings,
// with a cool-down per phone), or a one-time survey link for a resolved ticket.
const (
	LinkCounter = "counter"
	LinkStaff   = "staff"
	LinkSurvey  = "survey"
)

// SurveyTTL is how long a survey link stays valid.
const SurveyTTL = 7 * 24 * time.Hour

// Link is a rating link behind a QR code or in a survey message.
type Link struct {
	ID          int64      `db:"id" json:"id"`
	Token       string     `db:"token" json:"token"`
	URL         string     `db:"-" json:"url"`
	Kind        string     `db:"kind" json:"kind"`
	CounterID   *int64     `db:"counter_id" json:"counter_id"`
	CounterName *string    `db:"counter_name" json:"counter_name"`
	StaffID     *int64     `db:"staff_id" json:"staff_id"`
	StaffName   *string    `db:"staff_name" json:"staff_name"`
	TicketID    *int64     `db:"ticket_id" json:"ticket_id"`
	OrgID       int64      `db:"org_id" json:"org_id"`
	OrgName     string     `db:"org_name" json:"org_name"`
	VendorOrgID *int64     `db:"vendor_org_id" json:"vendor_org_id"`
	ExpiresAt   *time.Time `db:"expires_at" json:"expires_at"`
	Expired     bool       `db:"-" json:"expired"`
	Used        bool       `db:"used" json:"used"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
}

const linkSelect = `SELECT l.id, l.token, l.kind, l.counter_id, k.name AS counter_name, l.staff_id, u.name AS staff_name, l.ticket_id,
       l.org_id, o.name AS org_name, l.vendor_org_id, l.expires_at, l.created_at,
       (l.kind = 'survey' AND EXISTS (SELECT 1 FROM ratings r WHERE r.once_key = 'ticket:' || l.ticket_id)) AS used
FROM rating_links l JOIN orgs o ON o.id = l.org_id LEFT JOIN counters k ON k.id = l.counter_id LEFT JOIN users u ON u.id = l.staff_id`

var linkScope = scope.Columns{Org: "l.org_id", Vendor: "l.vendor_org_id"}

func (s *Service) fillLink(l *Link) {
	l.URL = "/r/" + l.Token
	l.Expired = l.ExpiresAt != nil && !s.now().Before(*l.ExpiresAt)
}

func newLinkToken() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// LinkInput makes a QR link.
type LinkInput struct {
	Kind      string `json:"kind"`
	CounterID *int64 `json:"counter_id"`
	StaffID   *int64 `json:"staff_id"`
}

// CreateLink makes a QR link for a visible counter or staff member; asking
// again answers the existing link, so a printed code stays valid.
func (s *Service) CreateLink(ctx context.Context, in LinkInput) (*Link, error) {
	var orgID int64
	var counterID, staffID *int64
	switch in.Kind {
	case LinkCounter:
		if in.CounterID == nil {
			return nil, apperr.Field("counter_id", "必填", "required")
		}
		k, err := s.Counter(ctx, *in.CounterID)
		if err != nil {
			return nil, apperr.Field("counter_id", "窗口不存在或不在您的数据范围内", "counter not found or outside your data scope")
		}
		orgID, counterID = k.OrgID, &k.ID
	case LinkStaff:
		if in.StaffID == nil {
			return nil, apperr.Field("staff_id", "必填", "required")
		}
		u, err := s.orgs.GetUser(ctx, *in.StaffID)
		if err != nil {
			return nil, apperr.Field("staff_id", "员工不存在或不在您的数据范围内", "staff member not found or outside your data scope")
		}
		orgID, staffID = u.OrgID, &u.ID
	default:
		return nil, apperr.Field("kind", "类型只能是 counter 或 staff", "kind must be counter or staff")
	}
	var out *Link
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var existing []int64
		if err := s.db.Select(ctx, &existing, "SELECT id FROM rating_links WHERE kind = ? AND (counter_id = ? OR staff_id = ?) LIMIT 1", in.Kind, counterID, staffID); err != nil {
			return err
		}
		if len(existing) == 1 {
			var err error
			out, err = s.link(ctx, existing[0])
			return err
		}
		id, err := s.db.InsertID(ctx, "INSERT INTO rating_links (token, kind, counter_id, staff_id, org_id, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
			newLinkToken(), in.Kind, counterID, staffID, orgID, store.Now())
		if err != nil {
			return err
		}
		if out, err = s.link(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "rating_link", EntityID: id, OrgID: orgID, Summary: "生成评价二维码"})
	})
	return out, err
}

// SurveyLink returns the survey link of a visible resolved ticket, making it
// on first use.
func (s *Service) SurveyLink(ctx context.Context, ticketID int64) (*Link, error) {
	t, err := s.tickets.Get(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	if t.Status != "resolved" && t.Status != "closed" {
		return nil, apperr.New(apperr.Conflict, "工单解决后才能发送评价链接", "a survey link exists once the ticket is resolved")
	}
	var out *Link
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		out, err = s.surveyLink(ctx, t)
		return err
	})
	return out, err
}

// VisibleLink returns a link whose org the caller sees.
func (s *Service) VisibleLink(ctx context.Context, id int64) (*Link, error) {
	pred, args := scope.From(ctx).Where(linkScope)
	var l Link
	err := s.db.Get(ctx, &l, linkSelect+" WHERE l.id = ? AND "+pred, append([]any{id}, args...)...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("评价链接", "rating link")
	}
	if err != nil {
		return nil, err
	}
	s.fillLink(&l)
	return &l, nil
}

// Links lists the QR links of visible orgs.
func (s *Service) Links(ctx context.Context, orgID int64, limit, offset int) ([]Link, int, error) {
	pred, args := scope.From(ctx).Where(linkScope)
	w := " WHERE l.kind <> 'survey' AND " + pred
	if orgID != 0 {
		w += " AND " + scope.InSubtree("l.org_id")
		args = append(args, orgID)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM rating_links l"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Link{}
	if err := s.db.Select(ctx, &out, linkSelect+w+" ORDER BY l.id LIMIT ? OFFSET ?", append(args, limit, offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		s.fillLink(&out[i])
	}
	return out, total, nil
}

func (s *Service) link(ctx context.Context, id int64) (*Link, error) {
	var l Link
	if err := s.db.Get(ctx, &l, linkSelect+" WHERE l.id = ?", id); err != nil {
		return nil, err
	}
	s.fillLink(&l)
	return &l, nil
}

func (s *Service) linkByToken(ctx context.Context, token string) (*Link, error) {
	var l Link
	err := s.db.Get(ctx, &l, linkSelect+" WHERE l.token = ?", token)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("评价链接", "rating link")
	}
	if err != nil {
		return nil, err
	}
	s.fillLink(&l)
	return &l, nil
}

// PublicLink is what the phone page shows: whom the link rates and how.
type PublicLink struct {
	Kind         string   `json:"kind"`
	OrgName      string   `json:"org_name"`
	CounterName  *string  `json:"counter_name"`
	StaffName    *string  `json:"staff_name"`
	StaffJobNo   *string  `json:"staff_job_no"`
	StaffPhoto   *string  `json:"staff_photo_url"`
	TicketNumber *string  `json:"ticket_number"`
	Expired      bool     `json:"expired"`
	Used         bool     `json:"used"`
	Settings     Settings `json:"settings"`
}

// PublicLinkByToken describes a link to anyone holding its token.
func (s *Service) PublicLinkByToken(ctx context.Context, token string) (*PublicLink, error) {
	ctx = system(ctx)
	l, err := s.linkByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	out := &PublicLink{Kind: l.Kind, OrgName: l.OrgName, CounterName: l.CounterName, StaffName: l.StaffName, Expired: l.Expired, Used: l.Used}
	staffID := l.StaffID
	if l.Kind == LinkCounter {
		k, err := s.counter(ctx, *l.CounterID, false)
		if err != nil {
			return nil, err
		}
		staffID, out.StaffName = k.StaffID, k.StaffName
	}
	if staffID != nil {
		var u struct {
			JobNo string `db:"job_no"`
			Photo string `db:"photo_url"`
		}
		if err := s.db.Get(ctx, &u, "SELECT job_no, photo_url FROM users WHERE id = ?", *staffID); err == nil {
			out.StaffJobNo, out.StaffPhoto = &u.JobNo, &u.Photo
		}
	}
	if l.TicketID != nil {
		var number string
		if err := s.db.Get(ctx, &number, "SELECT number FROM tickets WHERE id = ?", *l.TicketID); err == nil {
			out.TicketNumber = &number
		}
	}
	if out.Settings, err = s.SettingsAt(ctx, l.OrgID); err != nil {
		return nil, err
	}
	out.Settings.OrgID = nil
	return out, nil
}
