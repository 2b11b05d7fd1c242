package rating

import (
	"context"
	"fmt"
	"time"

	"lingting/internal/notify"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// Notifier writes notifications to the outbox in the caller's transaction.
type Notifier interface {
	Enqueue(ctx context.Context, ev notify.Event) (int, error)
	// NotifyCustomer sends the ticket's customer a notice (the survey link)
	// when the org's settings and the configured channels allow.
	NotifyCustomer(ctx context.Context, n notify.CustomerNotice) (int, error)
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
	users, err := s.holders(ctx, t.OrgID, "rating.create")
	if err != nil {
		return err
	}
	vars := map[string]string{"ticket_number": t.Number, "ticket_title": t.Title, "org": t.OrgName, "survey_url": s.baseURL + l.URL}
	if t.AssigneeName != nil {
		vars["assignee"] = *t.AssigneeName
	}
	if t.VendorOrgName != nil {
		vars["station"] = *t.VendorOrgName
	}
	if len(users) > 0 {
		if _, err = s.notifier.Enqueue(ctx, notify.Event{Key: fmt.Sprintf("survey:%d", t.ID), Kind: notify.KindRatingSurvey, TicketID: t.ID, Users: users, Vars: vars}); err != nil {
			return err
		}
	}
	// The same link to the ticket's customer, by SMS / e-mail.
	if t.CustomerID != nil {
		_, err = s.notifier.NotifyCustomer(ctx, notify.CustomerNotice{Kind: notify.KindCustomerSurvey, TicketID: t.ID, OrgID: t.OrgID, CustomerID: *t.CustomerID, Vars: vars})
	}
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

// holders are the active users holding a permission at orgID, or at the
// nearest org above that has any (e.g. who may rate a service there).
func (s *Service) holders(ctx context.Context, orgID int64, permission string) ([]int64, error) {
	var rows []struct {
		ID    int64 `db:"id"`
		Depth int   `db:"depth"`
	}
	err := s.db.Select(ctx, &rows, `SELECT DISTINCT u.id, o.depth FROM users u
		JOIN orgs o ON o.id = u.org_id
		JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id AND rp.code = ?
		WHERE (SELECT path FROM orgs WHERE id = ?) LIKE o.path || '%' AND u.status = 'active'
		ORDER BY o.depth DESC, u.id`, permission, orgID)
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

// AlertOfflineDevices tells the counter's administrators (rating.admin, the
// nearest org up the tree that has any) about every paired device not heard
// from for offlineAfter, once per offline spell: the conditional update is the
// claim, so several processes never send the same alert.
func (s *Service) AlertOfflineDevices(ctx context.Context) (int, error) {
	if s.notifier == nil {
		return 0, nil
	}
	ctx = system(ctx)
	var due []struct {
		ID          int64     `db:"id"`
		CounterName string    `db:"counter_name"`
		OrgID       int64     `db:"org_id"`
		OrgName     string    `db:"org_name"`
		LastSeen    time.Time `db:"last_seen_at"`
	}
	err := s.db.Select(ctx, &due, `SELECT d.id, k.name AS counter_name, k.org_id, o.name AS org_name, d.last_seen_at
		FROM rating_devices d JOIN counters k ON k.id = d.counter_id JOIN orgs o ON o.id = k.org_id
		WHERE NOT d.revoked AND d.token_hash IS NOT NULL AND d.last_seen_at < ?
		AND (d.offline_alerted_at IS NULL OR d.offline_alerted_at < d.last_seen_at) ORDER BY d.id LIMIT 500`, s.now().Add(-offlineAfter))
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range due {
		err := s.db.WithTx(ctx, func(ctx context.Context) error {
			res, err := s.db.Exec(ctx, `UPDATE rating_devices SET offline_alerted_at = ? WHERE id = ?
				AND (offline_alerted_at IS NULL OR offline_alerted_at < last_seen_at)`, s.now(), d.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return nil // another process took it
			}
			users, err := s.holders(ctx, d.OrgID, "rating.admin")
			if err != nil || len(users) == 0 {
				return err
			}
			sent++
			_, err = s.notifier.Enqueue(ctx, notify.Event{Key: fmt.Sprintf("device-offline:%d:%d", d.ID, d.LastSeen.Unix()), Kind: notify.KindDeviceOffline,
				Users: users, Vars: map[string]string{"org": d.OrgName, "counter": d.CounterName, "last_seen": d.LastSeen.In(s.zone).Format("2006-01-02 15:04")}})
			return err
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
