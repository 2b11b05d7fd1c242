package rating

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Rating is one customer's judgement of one service.
type Rating struct {
	ID               int64     `db:"id" json:"id"`
	Channel          string    `db:"channel" json:"channel"`
	SessionID        *int64    `db:"session_id" json:"session_id"`
	TicketID         *int64    `db:"ticket_id" json:"ticket_id"`
	LinkID           *int64    `db:"link_id" json:"link_id"`
	CounterID        *int64    `db:"counter_id" json:"counter_id"`
	CounterName      *string   `db:"counter_name" json:"counter_name"`
	OrgID            int64     `db:"org_id" json:"org_id"`
	OrgName          string    `db:"org_name" json:"org_name"`
	VendorOrgID      *int64    `db:"vendor_org_id" json:"vendor_org_id"`
	StaffID          *int64    `db:"staff_id" json:"staff_id"`
	StaffName        *string   `db:"staff_name" json:"staff_name"`
	BusinessTypeID   *int64    `db:"business_type_id" json:"business_type_id"`
	Level            int       `db:"level" json:"level"`
	Scale            int       `db:"scale" json:"scale"`
	LevelLabel       string    `db:"-" json:"level_label"`
	LevelLabelEN     string    `db:"-" json:"level_label_en"`
	Satisfied        bool      `db:"satisfied" json:"satisfied"`
	ReasonsJSON      string    `db:"reasons" json:"-"`
	Reasons          []string  `db:"-" json:"reasons"`
	Comment          string    `db:"comment" json:"comment"`
	CorrectsID       *int64    `db:"corrects_id" json:"corrects_id"`
	CorrectedByID    *int64    `db:"corrected_by_id" json:"corrected_by_id"`
	CorrectionNote   string    `db:"correction_note" json:"correction_note"`
	FollowupTicketID *int64    `db:"followup_ticket_id" json:"followup_ticket_id"`
	RatedAt          time.Time `db:"rated_at" json:"rated_at"`
	CreatedAt        time.Time `db:"created_at" json:"created_at"`
	Duplicate        bool      `db:"-" json:"duplicate,omitempty"` // a resent client_id
}

const ratingSelect = `SELECT r.id, r.channel, r.session_id, r.ticket_id, r.link_id, r.counter_id, k.name AS counter_name, r.org_id, o.name AS org_name,
       r.vendor_org_id, r.staff_id, u.name AS staff_name, r.business_type_id, r.level, r.scale, r.satisfied, r.reasons, r.comment,
       r.corrects_id, (SELECT c.id FROM ratings c WHERE c.corrects_id = r.id) AS corrected_by_id, r.correction_note,
       (SELECT f.ticket_id FROM rating_followups f WHERE f.rating_id = r.id) AS followup_ticket_id, r.rated_at, r.created_at
FROM ratings r JOIN orgs o ON o.id = r.org_id LEFT JOIN counters k ON k.id = r.counter_id LEFT JOIN users u ON u.id = r.staff_id`

// RateInput is a rating from any channel: exactly one of SessionID, TicketID
// or Token says what is rated.
type RateInput struct {
	SessionID *int64     `json:"session_id"`
	TicketID  *int64     `json:"ticket_id"`
	Token     string     `json:"token"`
	Level     int        `json:"level"`
	Reasons   []string   `json:"reasons"`
	Comment   string     `json:"comment"`
	RatedAt   *time.Time `json:"rated_at"` // given offline, sent later
	ClientID  string     `json:"client_id"`
}

// Visitor identifies a phone rating through a QR code.
type Visitor struct {
	Cookie      string // a random id the page keeps in a cookie
	Fingerprint string // hash of IP and user agent
}

// subject is what a rating is about, resolved from the input.
type subject struct {
	channel                    string
	sessionID, ticketID, link  *int64
	counterID, vendorID, staff *int64
	businessType               *int64
	orgID                      int64
	onceKey                    any
	cooldownCounter            *int64 // QR: one rating per phone per counter (or staff) per N minutes
	cooldownStaff              *int64
}

func (in *RateInput) validate(v *apperr.Validation, now time.Time) {
	n := 0
	for _, set := range []bool{in.SessionID != nil, in.TicketID != nil, in.Token != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		v.Add("session_id", "须且只能指定 session_id、ticket_id、token 之一", "give exactly one of session_id, ticket_id and token")
	}
	clean := []string{}
	for _, r := range in.Reasons {
		if r = strings.TrimSpace(r); r != "" {
			if len([]rune(r)) > 20 {
				v.Add("reasons", "每个原因最多 20 字", "each reason is at most 20 characters")
			}
			clean = append(clean, r)
		}
	}
	if len(clean) > 10 {
		v.Add("reasons", "原因最多 10 个", "at most 10 reasons")
	}
	in.Reasons = clean
	in.Comment = strings.TrimSpace(in.Comment)
	if len([]rune(in.Comment)) > 500 {
		v.Add("comment", "留言不能超过 500 字", "the comment must be at most 500 characters")
	}
	if in.RatedAt != nil && in.RatedAt.After(now.Add(time.Minute)) {
		v.Add("rated_at", "评价时间不能晚于现在", "rated_at cannot be in the future")
	}
	if len(in.ClientID) > 64 {
		v.Add("client_id", "最多 64 个字符", "at most 64 characters")
	}
}

// Rate records a rating. A resent client_id answers the first rating
// (Duplicate set); a second rating of the same session, ticket or survey link
// answers conflict. Rating, roll-ups and any follow-up ticket are one
// transaction.
func (s *Service) Rate(ctx context.Context, c Caller, in RateInput) (*Rating, error) {
	return s.rate(ctx, c, Visitor{}, in)
}

// RateByLink records a rating given through a QR code or survey link.
func (s *Service) RateByLink(ctx context.Context, visitor Visitor, in RateInput) (*Rating, error) {
	if in.Token == "" || in.SessionID != nil || in.TicketID != nil {
		return nil, apperr.Field("token", "请通过评价链接评价", "rate through a rating link")
	}
	return s.rate(system(ctx), Caller{}, visitor, in)
}

func (s *Service) rate(ctx context.Context, c Caller, visitor Visitor, in RateInput) (*Rating, error) {
	var v apperr.Validation
	now := s.now()
	in.validate(&v, now)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if c.Device != nil {
		ctx = system(ctx)
	}
	idem := c.idemKey(in.ClientID)
	if idem == nil && in.Token != "" && in.ClientID != "" && visitor.Cookie != "" {
		idem = "v" + hashSecret(visitor.Cookie)[:16] + ":" + in.ClientID
	}
	if idem != nil {
		if r, err := s.ratingByIdem(ctx, idem); err != nil || r != nil {
			return r, err
		}
	}
	ratedAt := now
	if in.RatedAt != nil {
		ratedAt = in.RatedAt.UTC()
	}
	var out *Rating
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		id, err := s.rateTx(ctx, c, visitor, in, idem, now, ratedAt)
		if err != nil {
			return err
		}
		out, err = s.get(ctx, id, false)
		return err
	})
	if err != nil && store.IsUniqueViolation(err) {
		if idem != nil {
			if r, ierr := s.ratingByIdem(ctx, idem); ierr == nil && r != nil {
				return r, nil // a concurrent resend won
			}
		}
		return nil, alreadyRated()
	}
	return out, err
}

func alreadyRated() error {
	e := apperr.New(apperr.Conflict, "已经评价过了", "this service has already been rated")
	e.Details = map[string]any{"reason": "already_rated"}
	return e
}

// rateTx records a validated rating in the caller's transaction and answers
// its id (a device needs no more).
func (s *Service) rateTx(ctx context.Context, c Caller, visitor Visitor, in RateInput, idem any, now, ratedAt time.Time) (int64, error) {
	sub, err := s.resolve(ctx, c, in)
	if err != nil {
		return 0, err
	}
	set, err := s.SettingsAt(ctx, sub.orgID)
	if err != nil {
		return 0, err
	}
	if in.Level < 1 || in.Level > set.Scale {
		return 0, apperr.Field("level", fmt.Sprintf("评价等级须在 1 到 %d 之间", set.Scale), fmt.Sprintf("level must be between 1 and %d", set.Scale))
	}
	if sub.cooldownCounter != nil || sub.cooldownStaff != nil {
		if err := s.checkCooldown(ctx, sub, visitor, set, now); err != nil {
			return 0, err
		}
	}
	r := &Rating{Channel: sub.channel, SessionID: sub.sessionID, TicketID: sub.ticketID, LinkID: sub.link, CounterID: sub.counterID,
		OrgID: sub.orgID, VendorOrgID: sub.vendorID, StaffID: sub.staff, BusinessTypeID: sub.businessType, Level: in.Level,
		Scale: set.Scale, Satisfied: in.Level >= set.SatisfiedMin, Reasons: in.Reasons, Comment: in.Comment, RatedAt: ratedAt}
	id, err := s.insert(ctx, r, sub.onceKey, idem, visitor, nil, "")
	if err != nil {
		return 0, err
	}
	if set.FollowupMax > 0 && in.Level <= set.FollowupMax {
		if c.viaOutbox {
			err = s.queueFollowup(ctx, id)
		} else {
			err = s.openFollowup(ctx, id, r)
		}
		if err != nil {
			return 0, err
		}
	}
	return id, nil
}

// resolve finds what the input rates and checks the caller may rate it.
func (s *Service) resolve(ctx context.Context, c Caller, in RateInput) (*subject, error) {
	switch {
	case in.SessionID != nil:
		var ss *Session
		var err error
		switch {
		case c.session != nil && c.session.ID == *in.SessionID:
			ss = c.session
		case c.Device != nil:
			ss, err = s.sessionCore(ctx, *in.SessionID)
		default:
			ss, err = s.session(ctx, *in.SessionID, true)
		}
		if err != nil {
			return nil, err
		}
		if c.Device != nil && ss.CounterID != c.Device.CounterID {
			// A kiosk rates only its own counter's sessions; others do not exist for it.
			return nil, apperr.NotFoundf("服务记录", "session")
		}
		if c.User != nil && !c.User.Can("rating.session") && !c.User.Can("rating.admin") {
			return nil, apperr.New(apperr.Forbidden, "没有权限：rating.session", "permission denied: rating.session")
		}
		if ss.EndedAt == nil {
			return nil, apperr.New(apperr.Conflict, "服务尚未结束，结束后再评价", "the session has not ended yet")
		}
		return &subject{channel: c.channel(), sessionID: &ss.ID, counterID: &ss.CounterID, staff: &ss.StaffID, businessType: ss.BusinessTypeID,
			orgID: ss.OrgID, onceKey: fmt.Sprintf("session:%d", ss.ID)}, nil
	case in.TicketID != nil:
		if c.User == nil || !c.User.Can("rating.create") {
			return nil, apperr.New(apperr.Forbidden, "没有权限：rating.create", "permission denied: rating.create")
		}
		t, err := s.tickets.Get(ctx, *in.TicketID)
		if err != nil {
			return nil, err
		}
		if t.Status != "resolved" && t.Status != "closed" {
			return nil, apperr.New(apperr.Conflict, "工单解决后才能评价", "a ticket can be rated once it is resolved")
		}
		return &subject{channel: ChannelTicket, ticketID: &t.ID, vendorID: t.VendorOrgID, staff: t.AssigneeID, orgID: t.OrgID,
			onceKey: fmt.Sprintf("ticket:%d", t.ID)}, nil
	default:
		l, err := s.linkByToken(ctx, in.Token)
		if err != nil {
			return nil, err
		}
		if l.Expired {
			e := apperr.New(apperr.Conflict, "评价链接已过期", "the rating link has expired")
			e.Details = map[string]any{"reason": "expired"}
			return nil, e
		}
		sub := &subject{link: &l.ID, orgID: l.OrgID, vendorID: l.VendorOrgID, staff: l.StaffID, counterID: l.CounterID}
		switch l.Kind {
		case LinkSurvey:
			sub.channel, sub.ticketID = ChannelSurvey, l.TicketID
			sub.onceKey = fmt.Sprintf("ticket:%d", deref(l.TicketID))
		case LinkCounter:
			k, err := s.counter(ctx, *l.CounterID, false)
			if err != nil {
				return nil, err
			}
			sub.channel, sub.staff, sub.businessType, sub.cooldownCounter = ChannelQR, k.StaffID, k.BusinessTypeID, l.CounterID
		default:
			sub.channel, sub.cooldownStaff = ChannelQR, l.StaffID
		}
		return sub, nil
	}
}

// checkCooldown allows one QR rating per phone (cookie, or IP + user agent)
// per counter or staff member within the cool-down.
func (s *Service) checkCooldown(ctx context.Context, sub *subject, visitor Visitor, set Settings, now time.Time) error {
	if set.QRCooldownMinutes == 0 || (visitor.Cookie == "" && visitor.Fingerprint == "") {
		return nil
	}
	col, id := "counter_id", sub.cooldownCounter
	if id == nil {
		col, id = "staff_id", sub.cooldownStaff
	}
	var n int
	err := s.db.Get(ctx, &n, "SELECT count(*) FROM ratings WHERE channel = 'qr' AND "+col+" = ? AND rated_at > ? AND (device_cookie = ? OR fingerprint = ?)",
		*id, now.Add(-time.Duration(set.QRCooldownMinutes)*time.Minute), cookieKey(visitor.Cookie), visitor.Fingerprint)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.New(apperr.RateLimited, fmt.Sprintf("您刚刚已评价过，请 %d 分钟后再试", set.QRCooldownMinutes),
			fmt.Sprintf("you rated a moment ago; try again in %d minutes", set.QRCooldownMinutes))
	}
	return nil
}

func cookieKey(c string) string {
	if c == "" {
		return "-" // never equal to a stored key
	}
	return hashSecret(c)[:32]
}

// insert writes a rating and adds it to the roll-ups.
func (s *Service) insert(ctx context.Context, r *Rating, onceKey, idem any, visitor Visitor, corrects *int64, note string) (int64, error) {
	now := store.Now()
	cookie := ""
	if visitor.Cookie != "" {
		cookie = cookieKey(visitor.Cookie)
	}
	day := s.Day(r.RatedAt)
	id, err := s.db.InsertID(ctx, `INSERT INTO ratings (channel, session_id, ticket_id, link_id, counter_id, org_id, vendor_org_id, staff_id, business_type_id,
		level, scale, satisfied, reasons, comment, once_key, idem_key, fingerprint, device_cookie, corrects_id, correction_note, rated_at, day, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.Channel, r.SessionID, r.TicketID, r.LinkID, r.CounterID, r.OrgID, r.VendorOrgID, r.StaffID, r.BusinessTypeID,
		r.Level, r.Scale, r.Satisfied, jsonText(r.Reasons), r.Comment, onceKey, idem, visitor.Fingerprint, cookie, corrects, note, r.RatedAt, day, actorID(ctx), now)
	if err != nil {
		return 0, err
	}
	return id, s.roll(ctx, day, r, 1)
}

// roll adds (sign 1) or removes (sign −1, a corrected rating) r in the roll-ups:
// by day and by month with every key, by month without staff and counter
// (rating_org_monthly, what bank- and branch-wide reports read), and by month,
// staff member and satisfied alone (rating_staff_monthly, staff rankings).
func (s *Service) roll(ctx context.Context, day int, r *Rating, sign int) error {
	sat := 0
	if r.Satisfied {
		sat = 1
	}
	if b := rollBufFrom(ctx); b != nil { // a batch of device events: written with the batch (rollbuf.go)
		b.ratings[ratingKey{period: day, org: r.OrgID, staff: deref(r.StaffID), counter: deref(r.CounterID), businessType: deref(r.BusinessTypeID),
			vendor: deref(r.VendorOrgID), channel: r.Channel, level: r.Level, scale: r.Scale, satisfied: sat}] += int64(sign)
		return nil
	}
	for _, t := range []struct {
		table, col string
		period     int
	}{{"rating_daily", "day", day}, {"rating_monthly", "month", day / 100}} {
		_, err := s.db.Exec(ctx, `INSERT INTO `+t.table+` (`+t.col+`, org_id, staff_id, counter_id, business_type_id, channel, vendor_org_id, level, scale, satisfied, n)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (`+t.col+`, org_id, staff_id, counter_id, business_type_id, channel, vendor_org_id, level, scale, satisfied)
			DO UPDATE SET n = `+t.table+`.n + excluded.n`,
			t.period, r.OrgID, deref(r.StaffID), deref(r.CounterID), deref(r.BusinessTypeID), r.Channel, deref(r.VendorOrgID), r.Level, r.Scale, sat, sign)
		if err != nil {
			return err
		}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO rating_org_monthly (month, org_id, business_type_id, channel, vendor_org_id, level, scale, satisfied, n)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (month, org_id, business_type_id, channel, vendor_org_id, level, scale, satisfied)
		DO UPDATE SET n = rating_org_monthly.n + excluded.n`,
		day/100, r.OrgID, deref(r.BusinessTypeID), r.Channel, deref(r.VendorOrgID), r.Level, r.Scale, sat, sign)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `INSERT INTO rating_staff_monthly (month, org_id, staff_id, vendor_org_id, satisfied, n) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (month, org_id, staff_id, vendor_org_id, satisfied) DO UPDATE SET n = rating_staff_monthly.n + excluded.n`,
		day/100, r.OrgID, deref(r.StaffID), deref(r.VendorOrgID), sat, sign)
	return err
}

func (s *Service) ratingByIdem(ctx context.Context, key any) (*Rating, error) {
	var id int64
	err := s.db.Get(ctx, &id, "SELECT id FROM ratings WHERE idem_key = ?", key)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r, err := s.get(ctx, id, false)
	if r != nil {
		r.Duplicate = true
	}
	return r, err
}

// Get returns a visible rating.
func (s *Service) Get(ctx context.Context, id int64) (*Rating, error) { return s.get(ctx, id, true) }

func (s *Service) get(ctx context.Context, id int64, scoped bool) (*Rating, error) {
	q, args := ratingSelect+" WHERE r.id = ?", []any{id}
	if scoped {
		pred, a := scope.From(ctx).Where(ScopeColumns)
		q += " AND " + pred
		args = append(args, a...)
	}
	var r Rating
	err := s.db.Get(ctx, &r, q, args...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("评价", "rating")
	}
	if err != nil {
		return nil, err
	}
	fill(&r)
	return &r, nil
}

func fill(r *Rating) {
	_ = json.Unmarshal([]byte(r.ReasonsJSON), &r.Reasons)
	if r.Reasons == nil {
		r.Reasons = []string{}
	}
	r.LevelLabel = LevelLabel(r.Scale, r.Level)
	if l := scaleLabels[r.Scale]; r.Level >= 1 && r.Level <= len(l) {
		r.LevelLabelEN = l[r.Level-1][1]
	}
}

// Filter narrows the rating list.
type Filter struct {
	OrgID, StaffID, CounterID, TicketID int64
	CustomerID                          int64 // ratings of this customer's tickets
	Channel                             string
	Level                               int
	FromDay, ToDay                      int
	Limit, Offset                       int
}

// List returns visible ratings, newest first.
func (s *Service) List(ctx context.Context, f Filter) ([]Rating, int, error) {
	pred, args := scope.From(ctx).Where(ScopeColumns)
	w := " WHERE " + pred
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("r.org_id")
		args = append(args, f.OrgID)
	}
	for col, val := range map[string]int64{"r.staff_id": f.StaffID, "r.counter_id": f.CounterID, "r.ticket_id": f.TicketID, "r.level": int64(f.Level)} {
		if val != 0 {
			w += " AND " + col + " = ?"
			args = append(args, val)
		}
	}
	if f.CustomerID != 0 {
		w += " AND r.ticket_id IN (SELECT id FROM tickets WHERE customer_id = ?)"
		args = append(args, f.CustomerID)
	}
	if f.Channel != "" {
		w += " AND r.channel = ?"
		args = append(args, f.Channel)
	}
	if f.FromDay != 0 {
		w += " AND r.day >= ?"
		args = append(args, f.FromDay)
	}
	if f.ToDay != 0 {
		w += " AND r.day <= ?"
		args = append(args, f.ToDay)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM ratings r"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Rating{}
	if err := s.db.Select(ctx, &out, ratingSelect+w+" ORDER BY r.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		fill(&out[i])
	}
	return out, total, nil
}

// CorrectionInput corrects a rating.
type CorrectionInput struct {
	Level   int      `json:"level"`
	Reasons []string `json:"reasons"`
	Comment string   `json:"comment"`
	Note    string   `json:"note"`
}

// Correct records a new rating replacing a visible one (which stays as it
// was); the roll-ups move the count from the old level to the new. Audited.
func (s *Service) Correct(ctx context.Context, id int64, in CorrectionInput) (*Rating, error) {
	var v apperr.Validation
	in.Note = strings.TrimSpace(in.Note)
	v.Required("note", in.Note)
	ri := RateInput{Reasons: in.Reasons, Comment: in.Comment, Token: "-"}
	ri.validate(&v, s.now())
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Rating
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		old, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if old.CorrectedByID != nil {
			return apperr.New(apperr.Conflict, "该评价已被更正，请更正最新的一条", "this rating was already corrected; correct the newest one")
		}
		if in.Level < 1 || in.Level > old.Scale {
			return apperr.Field("level", fmt.Sprintf("评价等级须在 1 到 %d 之间", old.Scale), fmt.Sprintf("level must be between 1 and %d", old.Scale))
		}
		set, err := s.SettingsAt(ctx, old.OrgID)
		if err != nil {
			return err
		}
		n := *old
		n.Level, n.Reasons, n.Comment, n.Satisfied = in.Level, ri.Reasons, ri.Comment, in.Level >= set.SatisfiedMin
		if err := s.roll(ctx, s.Day(old.RatedAt), old, -1); err != nil {
			return err
		}
		newID, err := s.insert(ctx, &n, nil, nil, Visitor{}, &old.ID, in.Note)
		if err != nil {
			return err
		}
		if out, err = s.get(ctx, newID, false); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "correct", Entity: "rating", EntityID: old.ID, OrgID: old.OrgID,
			Summary: fmt.Sprintf("更正评价 %s → %s：%s", old.LevelLabel, out.LevelLabel, in.Note), Before: old, After: out})
	})
	if store.IsUniqueViolation(err) {
		return nil, apperr.New(apperr.Conflict, "该评价已被更正，请更正最新的一条", "this rating was already corrected; correct the newest one")
	}
	return out, err
}
