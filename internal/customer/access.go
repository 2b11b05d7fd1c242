package customer

import (
	"context"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Revealed holds the unmasked personal numbers of a customer.
type Revealed struct {
	Phone    string  `json:"phone"`
	Phones   []Phone `json:"phones"`
	IDNumber string  `json:"id_number"`
	Via      string  `json:"via"` // "permission" or "grant"
	GrantID  *int64  `json:"grant_id"`
}

// Reveal returns a visible customer's unmasked numbers to a caller holding
// customer.pii.reveal or a live approved grant, and audits the read.
func (s *Service) Reveal(ctx context.Context, id int64, reason string) (*Revealed, error) {
	c, err := s.visible(ctx, id)
	if err != nil {
		return nil, err
	}
	caller := audit.ActorFrom(ctx).UserID
	out := &Revealed{Phone: c.Phone, Phones: c.Phones, IDNumber: c.IDNumber, Via: "permission"}
	if !perm.From(ctx).Has("customer.pii.reveal") {
		var grantID int64
		err := s.db.Get(ctx, &grantID, "SELECT id FROM access_grants WHERE requester_id = ? AND customer_id = ? AND status = 'approved' AND expires_at > ? ORDER BY expires_at DESC LIMIT 1",
			caller, id, s.now())
		if store.IsNoRows(err) {
			return nil, apperr.New(apperr.Forbidden, "查看完整信息需要权限或已批准的查阅申请", "revealing needs the permission or an approved access request")
		}
		if err != nil {
			return nil, err
		}
		out.Via, out.GrantID = "grant", &grantID
	}
	err = s.audit.Record(ctx, audit.Entry{Action: "reveal", Entity: "customer", EntityID: id, OrgID: c.OrgID,
		Summary: "查看客户完整信息 " + c.Name, After: map[string]any{"reason": strings.TrimSpace(reason), "via": out.Via, "grant_id": out.GrantID}})
	return out, err
}

// Grant is an access request (查阅申请) and its decision.
type Grant struct {
	ID            int64      `db:"id" json:"id"`
	CustomerID    int64      `db:"customer_id" json:"customer_id"`
	CustomerName  string     `db:"customer_name" json:"customer_name"`
	OrgID         int64      `db:"org_id" json:"org_id"`
	RequesterID   int64      `db:"requester_id" json:"requester_id"`
	RequesterName string     `db:"requester_name" json:"requester_name"`
	Reason        string     `db:"reason" json:"reason"`
	Hours         int        `db:"hours" json:"hours"`
	Status        string     `db:"status" json:"status"`
	DecidedByName *string    `db:"decided_by_name" json:"decided_by_name"`
	DecidedAt     *time.Time `db:"decided_at" json:"decided_at"`
	DecisionNote  string     `db:"decision_note" json:"decision_note"`
	ExpiresAt     *time.Time `db:"expires_at" json:"expires_at"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
}

// GrantInput asks for access to a customer.
type GrantInput struct {
	CustomerID int64  `json:"customer_id"`
	Reason     string `json:"reason"`
	Hours      int    `json:"hours"`
}

const grantSelect = `SELECT g.id, g.customer_id, c.name AS customer_name, g.org_id, g.requester_id, r.name AS requester_name,
       g.reason, g.hours, g.status, d.name AS decided_by_name, g.decided_at, g.decision_note, g.expires_at, g.created_at
FROM access_grants g JOIN customers c ON c.id = g.customer_id JOIN users r ON r.id = g.requester_id
LEFT JOIN users d ON d.id = g.decided_by`

// RequestAccess files an access request for a visible customer.
func (s *Service) RequestAccess(ctx context.Context, in GrantInput) (*Grant, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	var v apperr.Validation
	v.Required("reason", in.Reason)
	if in.Hours == 0 {
		in.Hours = 24
	}
	if in.Hours < 1 || in.Hours > 168 {
		v.Add("hours", "时长须在 1–168 小时之间", "hours must be between 1 and 168")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var g *Grant
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		c, err := s.visible(ctx, in.CustomerID)
		if err != nil {
			return err
		}
		id, err := s.db.InsertID(ctx, "INSERT INTO access_grants (customer_id, org_id, requester_id, reason, hours, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?) RETURNING id",
			c.ID, c.OrgID, audit.ActorFrom(ctx).UserID, in.Reason, in.Hours, s.now())
		if err != nil {
			return err
		}
		if g, err = s.grant(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "request_access", Entity: "customer", EntityID: c.ID, OrgID: c.OrgID, Summary: "申请查阅 " + c.Name, After: map[string]any{"reason": in.Reason, "hours": in.Hours}})
	})
	return g, err
}

func (s *Service) grant(ctx context.Context, id int64) (*Grant, error) {
	var g Grant
	err := s.db.Get(ctx, &g, grantSelect+" WHERE g.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("查阅申请", "access request")
	}
	return &g, err
}

// GrantFilter narrows the access-request list.
type GrantFilter struct {
	Mine   bool // only the caller's own requests
	Status string
	Limit  int
	Offset int
}

// ListGrants returns the caller's requests, or with customer.access.approve the
// requests about customers in the caller's scope.
func (s *Service) ListGrants(ctx context.Context, f GrantFilter) ([]Grant, int, error) {
	w := " WHERE 1=1"
	var args []any
	if f.Mine || !perm.From(ctx).Has("customer.access.approve") {
		w += " AND g.requester_id = ?"
		args = append(args, audit.ActorFrom(ctx).UserID)
	} else {
		pred, a := scope.From(ctx).Where(scope.Columns{Org: "g.org_id"})
		w += " AND " + pred
		args = append(args, a...)
	}
	if f.Status != "" {
		w += " AND g.status = ?"
		args = append(args, f.Status)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM access_grants g"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Grant{}
	err := s.db.Select(ctx, &out, grantSelect+w+" ORDER BY g.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
	return out, total, err
}

// DecideAccess approves or rejects a pending request about a customer in the
// caller's scope. Nobody decides their own request.
func (s *Service) DecideAccess(ctx context.Context, id int64, approve bool, note string) (*Grant, error) {
	var g *Grant
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		pred, args := scope.From(ctx).Where(scope.Columns{Org: "g.org_id"})
		var cur Grant
		err := s.db.Get(ctx, &cur, grantSelect+" WHERE g.id = ? AND "+pred, append([]any{id}, args...)...)
		if store.IsNoRows(err) {
			return apperr.NotFoundf("查阅申请", "access request")
		}
		if err != nil {
			return err
		}
		me := audit.ActorFrom(ctx).UserID
		if cur.RequesterID == me {
			return apperr.New(apperr.Forbidden, "不能审批自己的申请", "you cannot decide your own request")
		}
		if cur.Status != "pending" {
			return apperr.New(apperr.Conflict, "该申请已处理", "the request has already been decided")
		}
		now := s.now()
		status, expires := "rejected", (*time.Time)(nil)
		if approve {
			e := now.Add(time.Duration(cur.Hours) * time.Hour)
			status, expires = "approved", &e
		}
		if _, err := s.db.Exec(ctx, "UPDATE access_grants SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?, expires_at = ? WHERE id = ? AND status = 'pending'",
			status, me, now, strings.TrimSpace(note), expires, id); err != nil {
			return err
		}
		if g, err = s.grant(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: map[bool]string{true: "approve_access", false: "reject_access"}[approve], Entity: "customer",
			EntityID: cur.CustomerID, OrgID: cur.OrgID, Summary: "审批查阅申请 " + cur.CustomerName, After: map[string]any{"grant_id": id, "status": status, "expires_at": expires}})
	})
	return g, err
}
