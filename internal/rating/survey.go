package rating

import (
	"context"
	"fmt"

	"lingting/internal/notify"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Notifier writes notifications to the outbox in the caller's transaction.
type Notifier interface {
	Enqueue(ctx context.Context, ev notify.Event) (int, error)
}

// SetSurvey makes resolved tickets send a one-time survey link (满意度评价)
// through n; baseURL prefixes the link in messages (the public address of
// this server).
func (s *Service) SetSurvey(n Notifier, baseURL string) {
	s.notifier, s.baseURL = n, baseURL
}

// TicketChanged follows ticket transitions: when a ticket is resolved, its
// survey link is made and sent to the client org's staff who may rate (the
// outlet head rating the vendor's repair), in the transaction of the
// transition, so a resolution is never committed without its survey.
func (s *Service) TicketChanged(ctx context.Context, c ticket.SLAChange) error {
	if s.notifier == nil || c.Kind != ticket.SLAStatus || c.Detail != ticket.StatusResolved || c.After == nil {
		return nil
	}
	ctx = system(ctx)
	t := c.After
	l, err := s.surveyLink(ctx, t)
	if err != nil {
		return err
	}
	users, err := s.raters(ctx, t.OrgID)
	if err != nil || len(users) == 0 {
		return err
	}
	vars := map[string]string{"ticket_number": t.Number, "ticket_title": t.Title, "org": t.OrgName, "survey_url": s.baseURL + l.URL}
	if t.AssigneeName != nil {
		vars["assignee"] = *t.AssigneeName
	}
	if t.VendorOrgName != nil {
		vars["station"] = *t.VendorOrgName
	}
	_, err = s.notifier.Enqueue(ctx, notify.Event{Key: fmt.Sprintf("survey:%d", t.ID), Kind: notify.KindRatingSurvey, TicketID: t.ID, Users: users, Vars: vars})
	return err
}

// surveyLink returns the ticket's survey link, making it on first use.
func (s *Service) surveyLink(ctx context.Context, t *ticket.Ticket) (*Link, error) {
	var existing []int64
	if err := s.db.Select(ctx, &existing, "SELECT id FROM rating_links WHERE kind = 'survey' AND ticket_id = ?", t.ID); err != nil {
		return nil, err
	}
	if len(existing) == 1 {
		return s.link(ctx, existing[0])
	}
	id, err := s.db.InsertID(ctx, `INSERT INTO rating_links (token, kind, ticket_id, staff_id, org_id, vendor_org_id, expires_at, created_at)
		VALUES (?, 'survey', ?, ?, ?, ?, ?, ?) RETURNING id`, newLinkToken(), t.ID, t.AssigneeID, t.OrgID, t.VendorOrgID, s.now().Add(SurveyTTL), store.Now())
	if err != nil {
		return nil, err
	}
	return s.link(ctx, id)
}

// raters are the active users of the ticket's org, or of the nearest org
// above that has any, who may rate a service (rating.create).
func (s *Service) raters(ctx context.Context, orgID int64) ([]int64, error) {
	var rows []struct {
		ID    int64 `db:"id"`
		Depth int   `db:"depth"`
	}
	err := s.db.Select(ctx, &rows, `SELECT DISTINCT u.id, o.depth FROM users u
		JOIN orgs o ON o.id = u.org_id
		JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id AND rp.code = 'rating.create'
		WHERE (SELECT path FROM orgs WHERE id = ?) LIKE o.path || '%' AND u.status = 'active'
		ORDER BY o.depth DESC, u.id`, orgID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	var out []int64
	for _, r := range rows {
		if r.Depth != rows[0].Depth {
			break
		}
		out = append(out, r.ID)
	}
	return out, nil
}
