package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/org"
	"lingting/internal/scope"
)

// AssignInput assigns a ticket to a person or a station. Version, when given,
// must match the ticket's current version (optimistic concurrency: 409 otherwise).
type AssignInput struct {
	UserID  *int64     `json:"user_id"`
	At      *time.Time `json:"at"`     // work recorded after the fact
	OrgID   *int64     `json:"org_id"` // a station (服务站点)
	Version *int       `json:"version"`
	Note    string     `json:"note"`
	// Rule, set by dispatch only (never from JSON), is the rule that chose
	// this assignment; it is kept on the ticket and in the event.
	Rule *AssignRule `json:"-"`
}

// AssignRule names the assignment rule behind an automatic assignment.
type AssignRule struct {
	ID   int64
	Name string
}

// TransitionInput moves a ticket to another status.
type TransitionInput struct {
	To      string     `json:"to"`
	Reason  string     `json:"reason"`
	At      *time.Time `json:"at"`
	Version *int       `json:"version"`
	Note    string     `json:"note"`
}

// EventInput records a field-service event (出发 / 到达 / 修复).
type EventInput struct {
	Kind       string     `json:"kind"`
	At         *time.Time `json:"at"`
	DistanceKM *float64   `json:"distance_km"`
	Note       string     `json:"note"`
	Version    *int       `json:"version"`
}

// locked reads a visible ticket inside the transaction and checks the expected version.
func (s *Service) locked(ctx context.Context, id int64, version *int) (*Ticket, error) {
	t, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if version != nil && *version != t.Version {
		return nil, staleErr(t.Version)
	}
	return t, nil
}

func staleErr(current int) error {
	e := apperr.New(apperr.Conflict, "工单已被他人修改，请刷新后重试", "the ticket changed meanwhile; reload and try again")
	e.Details = map[string]any{"version": current}
	return e
}

// bump writes a change guarded by the version read in the same transaction, so
// two concurrent changes of one ticket cannot both succeed.
func (s *Service) bump(ctx context.Context, t *Ticket, set string, args ...any) error {
	args = append(args, s.now(), t.ID, t.Version)
	res, err := s.db.Exec(ctx, "UPDATE tickets SET "+set+", updated_at = ?, version = version + 1 WHERE id = ? AND version = ?", args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return staleErr(t.Version + 1)
	}
	return nil
}

func (s *Service) when(at *time.Time, v *apperr.Validation) time.Time {
	now := s.now()
	if at == nil {
		return now
	}
	t := at.UTC().Truncate(time.Microsecond)
	if t.After(now.Add(time.Minute)) {
		v.Add("at", "时间不能晚于现在", "the time cannot be in the future")
	}
	return t
}

// Assign gives a ticket to a user or a station; the ticket moves to assigned.
// A station also becomes the servicing org, so its staff see the ticket.
func (s *Service) Assign(ctx context.Context, id int64, in AssignInput) (*Ticket, error) {
	if (in.UserID == nil) == (in.OrgID == nil) {
		return nil, apperr.Field("user_id", "请指定处理人（user_id）或服务站点（org_id）之一", "give either user_id or org_id")
	}
	var v apperr.Validation
	at := s.when(in.At, &v)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.locked(ctx, id, in.Version)
		if err != nil {
			return err
		}
		wf, _, err := s.workflow(ctx, t.Type)
		if err != nil {
			return err
		}
		if t.Status != StatusAssigned && t.Status != StatusNew && t.Status != StatusInProgress {
			return apperr.New(apperr.Conflict, "当前状态不能派单："+t.Status, "a ticket cannot be assigned while "+t.Status)
		}
		if err := wf.Check(Move{From: t.Status, To: StatusAssigned}); err != nil {
			return err
		}
		sys := scope.With(ctx, scope.System())
		stationID, assignee, vendorID := t.StationID, (*int64)(nil), t.VendorOrgID
		data := map[string]any{"note": in.Note}
		if in.OrgID != nil {
			st, err := s.orgs.GetOrg(sys, *in.OrgID)
			if err != nil || (st.Kind != org.KindStation && st.Kind != org.KindVendor && st.Kind != org.KindDepartment) {
				return apperr.Field("org_id", "只能派给服务站点、服务商或部门", "assign to a station, vendor or department")
			}
			stationID, data["station"] = &st.ID, st.Name
			if st.Kind != org.KindDepartment {
				vendorID = &st.ID
			}
		} else {
			u, err := s.orgs.UserByID(sys, *in.UserID)
			if err != nil || u.Status != org.StatusActive {
				return apperr.Field("user_id", "处理人不存在或已停用", "assignee not found or not active")
			}
			assignee, data["assignee"] = &u.ID, u.Name
			if o, err := s.orgs.GetOrg(sys, u.OrgID); err == nil && (o.Kind == org.KindStation || o.Kind == org.KindVendor) {
				stationID, vendorID = &o.ID, &o.ID
			}
		}
		assignedAt := t.AssignedAt
		if assignedAt == nil {
			assignedAt = &at
		}
		var ruleID, ruleName any
		if in.Rule != nil {
			ruleID, ruleName = in.Rule.ID, in.Rule.Name
			data["rule_id"], data["rule"] = in.Rule.ID, in.Rule.Name
		}
		if err := s.bump(ctx, t, "status = ?, assignee_id = ?, station_id = ?, vendor_org_id = ?, assigned_at = ?, assign_rule_id = ?, assign_rule_name = ?",
			StatusAssigned, assignee, stationID, vendorID, assignedAt, ruleID, ruleName); err != nil {
			return err
		}
		data["entered"] = in.At != nil
		if err := s.event(ctx, id, "assigned", at, t.Status, StatusAssigned, "", data); err != nil {
			return err
		}
		if err := s.slaChanged(ctx, SLAChange{Kind: SLAAssigned, Before: t, At: at, Detail: StatusAssigned}, id); err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "assign", Entity: "ticket", EntityID: id, OrgID: t.OrgID, Summary: "派单 " + t.Number,
			Before: map[string]any{"assignee_id": t.AssigneeID, "station_id": t.StationID}, After: map[string]any{"assignee_id": out.AssigneeID, "station_id": out.StationID}})
	})
	return out, err
}

// Transition moves a ticket through its workflow. Entering a pausing status
// starts a pending interval; leaving it adds the interval to pending time.
func (s *Service) Transition(ctx context.Context, id int64, in TransitionInput) (*Ticket, error) {
	var v apperr.Validation
	at := s.when(in.At, &v)
	v.Required("to", in.To)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.locked(ctx, id, in.Version)
		if err != nil {
			return err
		}
		wf, _, err := s.workflow(ctx, t.Type)
		if err != nil {
			return err
		}
		var openChildren int
		if err := s.db.Get(ctx, &openChildren, "SELECT count(*) FROM tickets WHERE parent_id = ? AND status NOT IN ('resolved', 'closed')", id); err != nil {
			return err
		}
		since := t.ResolvedAt
		if since == nil {
			since = t.ClosedAt
		}
		days := 0
		if since != nil {
			days = int(at.Sub(*since).Hours() / 24)
		}
		if err := wf.Check(Move{From: t.Status, To: in.To, Reason: in.Reason, DaysSinceResolved: days, OpenChildren: openChildren}); err != nil {
			return err
		}
		from, _ := wf.Status(t.Status)
		to, _ := wf.Status(in.To)
		pendingSecs, pendingSince, reason := t.PendingSecs, t.PendingSince, ""
		data := map[string]any{"note": in.Note, "entered": in.At != nil}
		if from.PausesSLA && t.PendingSince != nil {
			d := int(at.Sub(*t.PendingSince).Seconds())
			if d > 0 {
				pendingSecs += d
			}
			data["pending_reason"], data["pending_seconds"] = t.PendingReason, d
			pendingSince = nil
		}
		if to.PausesSLA {
			pendingSince, reason = &at, in.Reason
		}
		resolvedAt, closedAt := t.ResolvedAt, t.ClosedAt
		switch in.To {
		case StatusResolved:
			resolvedAt = &at
		case StatusClosed:
			closedAt = &at
			if resolvedAt == nil {
				resolvedAt = &at
			}
		case StatusInProgress:
			if t.Status == StatusResolved || t.Status == StatusClosed {
				resolvedAt, closedAt, data["reopened"] = nil, nil, true
			}
		}
		if err := s.bump(ctx, t, "status = ?, pending_reason = ?, pending_since = ?, pending_seconds = ?, resolved_at = ?, closed_at = ?",
			in.To, reason, pendingSince, pendingSecs, resolvedAt, closedAt); err != nil {
			return err
		}
		if err := s.event(ctx, id, "status", at, t.Status, in.To, in.Reason, data); err != nil {
			return err
		}
		if err := s.statusNotice(ctx, t, t.Version+1, wf, t.Status, in.To); err != nil {
			return err
		}
		if err := s.slaChanged(ctx, SLAChange{Kind: SLAStatus, Before: t, At: at, Detail: in.To}, id); err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		summary := fmt.Sprintf("工单 %s：%s → %s", t.Number, t.Status, in.To)
		if in.At != nil {
			summary += "（补录时间）"
		}
		return s.audit.Record(ctx, audit.Entry{Action: "transition", Entity: "ticket", EntityID: id, OrgID: t.OrgID, Summary: summary,
			Before: map[string]any{"status": t.Status}, After: map[string]any{"status": in.To, "reason": in.Reason, "at": at}})
	})
	return out, err
}

var eventKinds = map[string]string{"departed": "departed_at", "arrived": "arrived_at", "repaired": "repaired_at"}

// RecordEvent records 出发 / 到达 / 修复 with its time (and the round-trip
// distance). Arriving starts the work: an assigned ticket moves to in_progress.
func (s *Service) RecordEvent(ctx context.Context, id int64, in EventInput) (*Ticket, error) {
	var v apperr.Validation
	col, ok := eventKinds[in.Kind]
	if !ok {
		v.Add("kind", "只能是 departed、arrived、repaired", "kind must be departed, arrived or repaired")
	}
	at := s.when(in.At, &v)
	if in.DistanceKM != nil && (*in.DistanceKM < 0 || *in.DistanceKM > 2000) {
		v.Add("distance_km", "往返路程须在 0–2000 公里之间", "distance_km must be 0–2000")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Ticket
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.locked(ctx, id, in.Version)
		if err != nil {
			return err
		}
		if t.Status == StatusNew || t.Status == StatusResolved || t.Status == StatusClosed {
			return apperr.New(apperr.Conflict, "工单须先派单且未解决，才能记录现场事件", "field events need an assigned, unresolved ticket")
		}
		order := map[string]*time.Time{"departed": t.DepartedAt, "arrived": t.ArrivedAt}
		switch in.Kind {
		case "arrived":
			if order["departed"] != nil && at.Before(*order["departed"]) {
				return apperr.Field("at", "到达时间不能早于出发时间", "arrival cannot precede departure")
			}
		case "repaired":
			if order["arrived"] == nil {
				return apperr.New(apperr.Conflict, "请先记录到达", "record the arrival first")
			}
			if at.Before(*order["arrived"]) {
				return apperr.Field("at", "修复时间不能早于到达时间", "repair cannot precede arrival")
			}
		}
		status := t.Status
		if in.Kind == "arrived" && t.Status == StatusAssigned {
			status = StatusInProgress
		}
		distance := t.DistanceKM
		if in.DistanceKM != nil {
			distance = in.DistanceKM
		}
		if err := s.bump(ctx, t, col+" = ?, status = ?, distance_km = ?", at, status, distance); err != nil {
			return err
		}
		data := map[string]any{"note": in.Note, "entered": in.At != nil}
		if in.DistanceKM != nil {
			data["distance_km"] = *in.DistanceKM
		}
		if err := s.event(ctx, id, in.Kind, at, t.Status, status, "", data); err != nil {
			return err
		}
		if err := s.slaChanged(ctx, SLAChange{Kind: SLAField, Before: t, At: at, Detail: in.Kind}, id); err != nil {
			return err
		}
		if out, err = s.get(ctx, id, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: in.Kind, Entity: "ticket", EntityID: id, OrgID: t.OrgID,
			Summary: fmt.Sprintf("工单 %s 现场记录：%s", t.Number, in.Kind), After: map[string]any{"at": at, "distance_km": distance}})
	})
	return out, err
}

// Event is one entry of a ticket's timeline.
type Event struct {
	ID         int64           `db:"id" json:"id"`
	Kind       string          `db:"kind" json:"kind"`
	At         time.Time       `db:"at" json:"at"`
	RecordedAt time.Time       `db:"recorded_at" json:"recorded_at"`
	ActorID    *int64          `db:"actor_id" json:"actor_id"`
	ActorName  *string         `db:"actor_name" json:"actor_name"`
	FromStatus string          `db:"from_status" json:"from_status"`
	ToStatus   string          `db:"to_status" json:"to_status"`
	Reason     string          `db:"reason" json:"reason"`
	DataJSON   string          `db:"data" json:"-"`
	Data       json.RawMessage `db:"-" json:"data"`
}

// Comment is a remark on a ticket; internal ones are for staff only.
type Comment struct {
	ID         int64     `db:"id" json:"id"`
	TicketID   int64     `db:"ticket_id" json:"ticket_id"`
	AuthorID   *int64    `db:"author_id" json:"author_id"`
	AuthorName *string   `db:"author_name" json:"author_name"`
	Body       string    `db:"body" json:"body"`
	Internal   bool      `db:"internal" json:"internal"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	// Mentions reports, on the answer to adding a comment, each @login and
	// whether that user was notified.
	Mentions []Mention `db:"-" json:"mentions,omitempty"`
}

// CommentInput adds a comment.
type CommentInput struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"`
}

// Comments lists the comments of a visible ticket.
func (s *Service) Comments(ctx context.Context, id int64) ([]Comment, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	out := []Comment{}
	err := s.db.Select(ctx, &out, "SELECT c.id, c.ticket_id, c.author_id, u.name AS author_name, c.body, c.internal, c.created_at FROM ticket_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.ticket_id = ? ORDER BY c.id", id)
	return out, err
}

// AddComment comments on a visible ticket.
func (s *Service) AddComment(ctx context.Context, id int64, in CommentInput) (*Comment, error) {
	in.Body = strings.TrimSpace(in.Body)
	if len([]rune(in.Body)) == 0 || len([]rune(in.Body)) > 5000 {
		return nil, apperr.Field("body", "内容须为 1–5000 字", "body must be 1–5000 characters")
	}
	var out Comment
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		t, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		actor := audit.ActorFrom(ctx)
		now := s.now()
		cid, err := s.db.InsertID(ctx, "INSERT INTO ticket_comments (ticket_id, author_id, body, internal, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id", id, actor.UserID, in.Body, in.Internal, now)
		if err != nil {
			return err
		}
		if err := s.slaChanged(ctx, SLAChange{Kind: SLAComment, Before: t, At: now, Internal: in.Internal}, id); err != nil {
			return err
		}
		if err := s.db.Get(ctx, &out, "SELECT c.id, c.ticket_id, c.author_id, u.name AS author_name, c.body, c.internal, c.created_at FROM ticket_comments c LEFT JOIN users u ON u.id = c.author_id WHERE c.id = ?", cid); err != nil {
			return err
		}
		if out.Mentions, err = s.commentNotices(ctx, t, cid, in); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "comment", Entity: "ticket", EntityID: id, OrgID: t.OrgID, Summary: "评论工单 " + t.Number})
	})
	return &out, err
}
