package rating

import (
	"context"
	"fmt"
	"strings"

	"lingting/internal/store"
	"lingting/internal/ticket"
)

// openFollowup opens a 回访 ticket for a poor rating, at the rated org,
// assigned to the nearest supervisor (a user of the staff member's org or an
// ancestor holding rating.followup). It runs inside the rating's transaction
// (a rating without its follow-up is never committed), or for a device event
// inside the transaction that takes the rating out of the follow-up outbox
// (followup_outbox.go).
func (s *Service) openFollowup(ctx context.Context, ratingID int64, r *Rating) error {
	ctx = system(ctx)
	who := "服务"
	if r.StaffID != nil {
		var name string
		if err := s.db.Get(ctx, &name, "SELECT name FROM users WHERE id = ?", *r.StaffID); err == nil {
			who = name + " 的服务"
		}
	}
	label := LevelLabel(r.Scale, r.Level)
	desc := []string{fmt.Sprintf("评价编号 %d：%s（%d/%d），渠道 %s。", ratingID, label, r.Level, r.Scale, r.Channel)}
	if len(r.Reasons) > 0 {
		desc = append(desc, "原因："+strings.Join(r.Reasons, "、"))
	}
	if r.Comment != "" {
		desc = append(desc, "留言："+r.Comment)
	}
	desc = append(desc, "请致电客户了解情况，并在本工单记录回访结果。")
	orgID := r.OrgID
	t, err := s.tickets.Create(ctx, ticket.CreateInput{Type: "follow_up", Title: fmt.Sprintf("不满意回访：%s（%s）", who, label),
		Description: strings.Join(desc, "\n"), Priority: "high", OrgID: &orgID, Channel: "rating", Auto: true})
	if err != nil {
		return fmt.Errorf("follow-up ticket: %w", err)
	}
	if _, err := s.db.Exec(ctx, "INSERT INTO rating_followups (rating_id, ticket_id, created_at) VALUES (?, ?, ?)", ratingID, t.ID, store.Now()); err != nil {
		return err
	}
	sup, err := s.supervisor(ctx, r.OrgID, r.StaffID)
	if err != nil || sup == 0 {
		return err // nobody holds rating.followup up the tree: the ticket waits unassigned on the board
	}
	_, err = s.tickets.Assign(ctx, t.ID, ticket.AssignInput{UserID: &sup})
	return err
}

// supervisor is the nearest active user at orgID or above (deepest org first)
// who holds rating.followup, other than the staff member rated.
func (s *Service) supervisor(ctx context.Context, orgID int64, staffID *int64) (int64, error) {
	var ids []int64
	err := s.db.Select(ctx, &ids, `SELECT u.id FROM users u
		JOIN orgs o ON o.id = u.org_id
		JOIN user_roles ur ON ur.user_id = u.id
		JOIN role_permissions rp ON rp.role_id = ur.role_id AND rp.code = 'rating.followup'
		WHERE (SELECT path FROM orgs WHERE id = ?) LIKE o.path || '%' AND u.status = 'active' AND u.id <> ?
		ORDER BY o.depth DESC, u.id LIMIT 1`, orgID, deref(staffID))
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	return ids[0], nil
}
