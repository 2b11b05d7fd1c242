package rating

import (
	"context"
	"fmt"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/auth"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Session is one customer served at a counter.
type Session struct {
	ID               int64      `db:"id" json:"id"`
	CounterID        int64      `db:"counter_id" json:"counter_id"`
	CounterName      string     `db:"counter_name" json:"counter_name"`
	OrgID            int64      `db:"org_id" json:"org_id"`
	StaffID          int64      `db:"staff_id" json:"staff_id"`
	StaffName        string     `db:"staff_name" json:"staff_name"`
	BusinessTypeID   *int64     `db:"business_type_id" json:"business_type_id"`
	BusinessTypeName *string    `db:"business_type_name" json:"business_type_name"`
	Channel          string     `db:"channel" json:"channel"`
	QueueNo          string     `db:"queue_no" json:"queue_no"`
	QueuedAt         *time.Time `db:"queued_at" json:"queued_at"`
	StartedAt        time.Time  `db:"started_at" json:"started_at"`
	EndedAt          *time.Time `db:"ended_at" json:"ended_at"`
	RatingID         *int64     `db:"rating_id" json:"rating_id"`
	Level            *int       `db:"level" json:"level"`
	Status           string     `db:"-" json:"status"` // open, awaiting_rating, rated, not_rated
}

// StartInput starts a session. A device or kiosk fills CounterID itself.
type StartInput struct {
	CounterID    int64      `json:"counter_id"`
	StaffID      *int64     `json:"staff_id"`
	BusinessType string     `json:"business_type"`
	QueueNo      string     `json:"queue_no"`
	QueuedAt     *time.Time `json:"queued_at"`
	StartedAt    *time.Time `json:"started_at"` // a device reporting late
	ClientID     string     `json:"client_id"`
}

// EndInput ends a session.
type EndInput struct {
	EndedAt *time.Time `json:"ended_at"`
}

// SessionFilter narrows the session list.
type SessionFilter struct {
	OrgID, CounterID, StaffID int64
	FromDay, ToDay            int
	Limit, Offset             int
}

const sessionSelect = `SELECT ss.id, ss.counter_id, k.name AS counter_name, ss.org_id, ss.staff_id, u.name AS staff_name, ss.business_type_id,
       bt.name AS business_type_name, ss.channel, ss.queue_no, ss.queued_at, ss.started_at, ss.ended_at,
       r.id AS rating_id, r.level
FROM service_sessions ss
JOIN counters k ON k.id = ss.counter_id
JOIN users u ON u.id = ss.staff_id
LEFT JOIN business_types bt ON bt.id = ss.business_type_id
LEFT JOIN ratings r ON r.once_key = 'session:' || ss.id`

// A session is rateable this long after it ended; later it counts as not rated
// (a kiosk's own timeout is shorter; this bounds what the state endpoint offers).
const awaitWindow = 10 * time.Minute

var sessionScope = scope.Columns{Org: "ss.org_id", Self: "ss.staff_id"}

func (s *Service) status(ss *Session) {
	switch {
	case ss.RatingID != nil:
		ss.Status = "rated"
	case ss.EndedAt == nil:
		ss.Status = "open"
	case s.now().Sub(*ss.EndedAt) < awaitWindow:
		ss.Status = "awaiting_rating"
	default:
		ss.Status = "not_rated"
	}
}

// Caller says who is acting: a user (nil Device) or a paired kiosk / hardware
// evaluator (Device set; its counter bounds what it may touch).
type Caller struct {
	User   *auth.Principal
	Device *Device

	// viaOutbox: a poor rating's 回访 ticket is opened after the commit,
	// from rating_followup_outbox (device events, followup_outbox.go).
	viaOutbox bool
	// session: the device's session to rate, already read in the transaction.
	session *Session
}

func (c Caller) channel() string {
	switch {
	case c.Device == nil:
		return ChannelStaff
	case c.Device.Kind == DeviceKiosk:
		return ChannelKiosk
	default:
		return ChannelDevice
	}
}

func (c Caller) idemKey(clientID string) any {
	clientID = strings.TrimSpace(clientID)
	if clientID == "" {
		return nil
	}
	if c.Device != nil {
		return fmt.Sprintf("d%d:%s", c.Device.ID, clientID)
	}
	if c.User != nil {
		return fmt.Sprintf("u%d:%s", c.User.User.ID, clientID)
	}
	return nil
}

// StartSession opens a session at a counter. Staff without rating.admin start
// sessions only for themselves; a device only at its own counter, for whoever
// is signed in there. A repeated client_id answers the first session.
func (s *Service) StartSession(ctx context.Context, c Caller, in StartInput) (*Session, error) {
	if c.Device != nil {
		in.CounterID = c.Device.CounterID
		ctx = system(ctx)
	}
	idem := c.idemKey(in.ClientID)
	if idem != nil {
		if ss, err := s.sessionByIdem(ctx, idem); err != nil || ss != nil {
			return ss, err
		}
	}
	var out *Session
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		id, err := s.startSession(ctx, c, in, idem)
		if err != nil {
			return err
		}
		out, err = s.session(ctx, id, false)
		return err
	})
	if err != nil && idem != nil && store.IsUniqueViolation(err) {
		return s.sessionByIdem(ctx, idem) // a concurrent resend won
	}
	return out, err
}

// startSession is StartSession inside the caller's transaction; it answers
// the new session's id (a device needs no more).
func (s *Service) startSession(ctx context.Context, c Caller, in StartInput, idem any) (int64, error) {
	var v apperr.Validation
	now := s.now()
	started := now
	if in.StartedAt != nil {
		started = in.StartedAt.UTC()
		if started.After(now.Add(time.Minute)) {
			v.Add("started_at", "开始时间不能晚于现在", "started_at cannot be in the future")
		}
	}
	if in.CounterID == 0 {
		v.Add("counter_id", "必填", "required")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var k *Counter
		var err error
		if c.Device != nil {
			k, err = s.counterCore(ctx, in.CounterID) // the device's own counter
		} else {
			k, err = s.Counter(ctx, in.CounterID)
		}
		if err != nil {
			return err
		}
		if !k.Active {
			return apperr.New(apperr.Conflict, "窗口已停用", "the counter is disabled")
		}
		staffID := int64(0)
		switch {
		case in.StaffID != nil:
			staffID = *in.StaffID
		case k.StaffID != nil:
			staffID = *k.StaffID
		case c.User != nil:
			staffID = c.User.User.ID
		}
		if staffID == 0 {
			return apperr.New(apperr.Conflict, "窗口无人签到，无法开始服务", "nobody is signed in at this counter")
		}
		if c.User != nil && staffID != c.User.User.ID && !c.User.Can("rating.admin") {
			return apperr.Field("staff_id", "只能为自己开始服务", "you can only start sessions for yourself")
		}
		if c.Device != nil && (k.StaffID == nil || *k.StaffID != staffID) {
			return apperr.Field("staff_id", "只能为本窗口签到的员工开始服务", "a device serves only the staff signed in at its counter")
		}
		// A device serves whoever signed in at its counter (checked at sign-in);
		// anyone else named must be a visible user.
		if c.Device == nil {
			if _, err := s.orgs.GetUser(ctx, staffID); err != nil {
				return apperr.Field("staff_id", "员工不存在或不在您的数据范围内", "staff member not found or outside your data scope")
			}
		}
		bt := k.BusinessTypeID
		if in.BusinessType != "" {
			id, err := s.businessTypeID(ctx, in.BusinessType)
			if err != nil {
				return err
			}
			bt = &id
		}
		// A counter serves one customer at a time: an open session left behind
		// (a lost 结束 event) ends where the next begins.
		var open []struct {
			ID        int64     `db:"id"`
			StartedAt time.Time `db:"started_at"`
		}
		if err := s.db.Select(ctx, &open, "SELECT id, started_at FROM service_sessions WHERE counter_id = ? AND ended_at IS NULL", k.ID); err != nil {
			return err
		}
		for _, o := range open {
			end := started
			if end.Before(o.StartedAt) { // events reported out of order: never end before the start
				end = o.StartedAt
			}
			if err := s.endLocked(ctx, o.ID, end); err != nil {
				return err
			}
		}
		var queuedAt *time.Time
		if in.QueuedAt != nil {
			q := in.QueuedAt.UTC()
			if q.After(started) {
				return apperr.Field("queued_at", "取号时间不能晚于开始时间", "queued_at cannot be after the start")
			}
			queuedAt = &q
		}
		id, err = s.db.InsertID(ctx, `INSERT INTO service_sessions (counter_id, org_id, staff_id, business_type_id, channel, queue_no, queued_at, started_at, idem_key, day, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			k.ID, k.OrgID, staffID, bt, c.channel(), strings.TrimSpace(in.QueueNo), queuedAt, started, idem, s.Day(started), now)
		if err != nil {
			return err
		}
		waited, waitSec := 0, int64(0)
		if queuedAt != nil {
			waited, waitSec = 1, int64(started.Sub(*queuedAt).Seconds())
		}
		return s.rollSession(ctx, s.Day(started), k.OrgID, staffID, k.ID, deref(bt), 1, 0, 0, waited, waitSec)
	})
	return id, err
}

func (s *Service) sessionByIdem(ctx context.Context, key any) (*Session, error) {
	var id int64
	err := s.db.Get(ctx, &id, "SELECT id FROM service_sessions WHERE idem_key = ?", key)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.session(ctx, id, false)
}

// EndSession ends a session; ending an ended session answers it unchanged.
func (s *Service) EndSession(ctx context.Context, c Caller, id int64, in EndInput) (*Session, error) {
	if c.Device != nil {
		ctx = system(ctx)
	}
	var out *Session
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		ss, err := s.session(ctx, id, true)
		if err != nil {
			return err
		}
		if c.Device != nil && ss.CounterID != c.Device.CounterID {
			return apperr.NotFoundf("服务记录", "session")
		}
		if c.User != nil && ss.StaffID != c.User.User.ID && !c.User.Can("rating.admin") {
			return apperr.New(apperr.Forbidden, "只能结束自己的服务", "you can only end your own sessions")
		}
		if ss.EndedAt != nil {
			out = ss
			return nil
		}
		ended := s.now()
		if in.EndedAt != nil {
			ended = in.EndedAt.UTC()
			if ended.After(s.now().Add(time.Minute)) {
				return apperr.Field("ended_at", "结束时间不能晚于现在", "ended_at cannot be in the future")
			}
		}
		if ended.Before(ss.StartedAt) {
			return apperr.Field("ended_at", "结束时间不能早于开始时间", "ended_at cannot be before the start")
		}
		if err := s.endLocked(ctx, id, ended); err != nil {
			return err
		}
		out, err = s.session(ctx, id, false)
		return err
	})
	return out, err
}

// endOpenSession ends the counter's open session (a device's session_end)
// and answers its id. The usual case is one statement; when it ends nothing,
// the open session is looked up to say why (none, or ending before its start).
func (s *Service) endOpenSession(ctx context.Context, counterID int64, at *time.Time) (int64, error) {
	ended := s.now()
	if at != nil {
		ended = at.UTC()
	}
	var ss endedSession
	err := s.db.WriteGet(ctx, &ss, `UPDATE service_sessions SET ended_at = ?
		WHERE id = (SELECT id FROM service_sessions WHERE counter_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1) AND started_at <= ?
		RETURNING id, started_at, org_id, staff_id, counter_id, business_type_id`, ended, counterID, ended)
	if err == nil {
		return ss.ID, s.rollEnded(ctx, ss, ended)
	}
	if !store.IsNoRows(err) {
		return 0, err
	}
	var open struct {
		ID        int64     `db:"id"`
		StartedAt time.Time `db:"started_at"`
	}
	err = s.db.Get(ctx, &open, "SELECT id, started_at FROM service_sessions WHERE counter_id = ? AND ended_at IS NULL ORDER BY id DESC LIMIT 1", counterID)
	if store.IsNoRows(err) {
		return 0, apperr.New(apperr.Conflict, "该窗口没有进行中的服务", "no open session at this counter")
	}
	if err != nil {
		return 0, err
	}
	if ended.Before(open.StartedAt) {
		return 0, apperr.Field("ended_at", "结束时间不能早于开始时间", "ended_at cannot be before the start")
	}
	return open.ID, s.endLocked(ctx, open.ID, ended)
}

// endedSession is what the roll-ups need of a session that just ended.
type endedSession struct {
	ID             int64     `db:"id"`
	StartedAt      time.Time `db:"started_at"`
	OrgID          int64     `db:"org_id"`
	StaffID        int64     `db:"staff_id"`
	CounterID      int64     `db:"counter_id"`
	BusinessTypeID *int64    `db:"business_type_id"`
}

// rollEnded adds an ended session's handling time to the roll-ups.
func (s *Service) rollEnded(ctx context.Context, ss endedSession, ended time.Time) error {
	handle := max(0, int64(ended.Sub(ss.StartedAt).Seconds()))
	return s.rollSession(ctx, s.Day(ss.StartedAt), ss.OrgID, ss.StaffID, ss.CounterID, deref(ss.BusinessTypeID), 0, 1, handle, 0, 0)
}

// endLocked ends session id at ended and adds its handling time to the
// roll-ups; a session already ended is left as it is.
func (s *Service) endLocked(ctx context.Context, id int64, ended time.Time) error {
	var ss endedSession
	err := s.db.WriteGet(ctx, &ss, `UPDATE service_sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL
		RETURNING id, started_at, org_id, staff_id, counter_id, business_type_id`, ended, id)
	if store.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.rollEnded(ctx, ss, ended)
}

func (s *Service) session(ctx context.Context, id int64, scoped bool) (*Session, error) {
	q, args := sessionSelect+" WHERE ss.id = ?", []any{id}
	if scoped {
		pred, a := scope.From(ctx).Where(sessionScope)
		q += " AND " + pred
		args = append(args, a...)
	}
	var ss Session
	err := s.db.Get(ctx, &ss, q, args...)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("服务记录", "session")
	}
	if err != nil {
		return nil, err
	}
	s.status(&ss)
	return &ss, nil
}

// sessionCore reads what rating a session needs, without names or status
// (a device rates its own counter's sessions; scope does not apply).
func (s *Service) sessionCore(ctx context.Context, id int64) (*Session, error) {
	var ss Session
	err := s.db.Get(ctx, &ss, "SELECT id, counter_id, org_id, staff_id, business_type_id, started_at, ended_at FROM service_sessions WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("服务记录", "session")
	}
	return &ss, err
}

// Session returns a visible session.
func (s *Service) Session(ctx context.Context, id int64) (*Session, error) {
	return s.session(ctx, id, true)
}

// Sessions lists visible sessions, newest first.
func (s *Service) Sessions(ctx context.Context, f SessionFilter) ([]Session, int, error) {
	pred, args := scope.From(ctx).Where(sessionScope)
	w := " WHERE " + pred
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("ss.org_id")
		args = append(args, f.OrgID)
	}
	for col, val := range map[string]int64{"ss.counter_id": f.CounterID, "ss.staff_id": f.StaffID} {
		if val != 0 {
			w += " AND " + col + " = ?"
			args = append(args, val)
		}
	}
	if f.FromDay != 0 {
		w += " AND ss.day >= ?"
		args = append(args, f.FromDay)
	}
	if f.ToDay != 0 {
		w += " AND ss.day <= ?"
		args = append(args, f.ToDay)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM service_sessions ss"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Session{}
	if err := s.db.Select(ctx, &out, sessionSelect+w+" ORDER BY ss.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		s.status(&out[i])
	}
	return out, total, nil
}

// rollSession adds to the session roll-ups of the day and of its month.
func (s *Service) rollSession(ctx context.Context, day int, orgID, staffID, counterID, btID int64, sessions, ended int, handle int64, waited int, wait int64) error {
	if b := rollBufFrom(ctx); b != nil { // a batch of device events: written with the batch (rollbuf.go)
		addSums(b.sessions, sessionKey{day: day, org: orgID, staff: staffID, counter: counterID, businessType: btID},
			sessionSums{sessions: int64(sessions), ended: int64(ended), handle: handle, waited: int64(waited), wait: wait})
		return nil
	}
	for _, t := range []struct {
		table, col string
		period     int
	}{{"session_daily", "day", day}, {"session_monthly", "month", day / 100}} {
		_, err := s.db.Exec(ctx, `INSERT INTO `+t.table+` (`+t.col+`, org_id, staff_id, counter_id, business_type_id, sessions, ended, handle_seconds, waited, wait_seconds)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (`+t.col+`, org_id, staff_id, counter_id, business_type_id) DO UPDATE SET sessions = `+t.table+`.sessions + excluded.sessions,
			ended = `+t.table+`.ended + excluded.ended, handle_seconds = `+t.table+`.handle_seconds + excluded.handle_seconds,
			waited = `+t.table+`.waited + excluded.waited, wait_seconds = `+t.table+`.wait_seconds + excluded.wait_seconds`,
			t.period, orgID, staffID, counterID, btID, sessions, ended, handle, waited, wait)
		if err != nil {
			return err
		}
	}
	return nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
