package notify

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/store"
)

// Notification is one in-app notification (the bell).
type Notification struct {
	ID        int64      `db:"id" json:"id"`
	Kind      string     `db:"kind" json:"kind"`
	Level     int        `db:"level" json:"level"`
	TicketID  *int64     `db:"ticket_id" json:"ticket_id"`
	Title     string     `db:"title" json:"title"`
	Body      string     `db:"body" json:"body"`
	Read      bool       `db:"-" json:"read"`
	ReadAt    *time.Time `db:"read_at" json:"read_at"`
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
}

// Inbox lists a user's notifications, newest first; unread counts the unread ones.
func (s *Service) Inbox(ctx context.Context, userID int64, unreadOnly bool, limit, offset int) (items []Notification, total, unread int, err error) {
	w, args := " WHERE user_id = ?", []any{userID}
	if unreadOnly {
		w += " AND read_at IS NULL"
	}
	if err = s.db.Get(ctx, &total, "SELECT count(*) FROM notifications"+w, args...); err != nil {
		return
	}
	if err = s.db.Get(ctx, &unread, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID); err != nil {
		return
	}
	items = []Notification{}
	if err = s.db.Select(ctx, &items, "SELECT id, kind, level, ticket_id, title, body, read_at, created_at FROM notifications"+w+" ORDER BY id DESC LIMIT ? OFFSET ?", append(args, limit, offset)...); err != nil {
		return
	}
	for i := range items {
		items[i].Read = items[i].ReadAt != nil
	}
	return
}

// MarkRead marks one of the user's notifications read (another user's
// answers not_found).
func (s *Service) MarkRead(ctx context.Context, userID, id int64) (*Notification, error) {
	var out Notification
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		res, err := s.db.Exec(ctx, "UPDATE notifications SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", s.now(), id, userID)
		if err != nil {
			return err
		}
		_, _ = res.RowsAffected()
		err = s.db.Get(ctx, &out, "SELECT id, kind, level, ticket_id, title, body, read_at, created_at FROM notifications WHERE id = ? AND user_id = ?", id, userID)
		if store.IsNoRows(err) {
			return apperr.NotFoundf("通知", "notification")
		}
		return err
	})
	out.Read = out.ReadAt != nil
	return &out, err
}

// MarkAllRead marks every unread notification of the user read.
func (s *Service) MarkAllRead(ctx context.Context, userID int64) (int, error) {
	res, err := s.db.Exec(ctx, "UPDATE notifications SET read_at = ? WHERE user_id = ? AND read_at IS NULL", s.now(), userID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Prefs are a user's channel choices and quiet hours (免打扰): during quiet
// hours e-mail and SMS wait until the end of the window, except urgent ones
// (the top escalation level). In-app notifications always arrive.
type Prefs struct {
	Email      bool   `json:"email"`
	SMS        bool   `json:"sms"`
	QuietStart string `json:"quiet_start"` // "22:00"; empty: no quiet hours
	QuietEnd   string `json:"quiet_end"`   // "07:00"; may be before the start (overnight)
	TimeZone   string `json:"time_zone"`
}

// DefaultPrefs: every channel, no quiet hours.
func DefaultPrefs() Prefs { return Prefs{Email: true, SMS: true, TimeZone: "Asia/Shanghai"} }

func clockMinutes(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// QuietUntil answers now when now is outside the quiet hours, else the
// instant they end.
func (p Prefs) QuietUntil(now time.Time) time.Time {
	start, ok1 := clockMinutes(p.QuietStart)
	end, ok2 := clockMinutes(p.QuietEnd)
	if !ok1 || !ok2 || start == end {
		return now
	}
	loc := zone(p.TimeZone)
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	at := func(d time.Time, mins int) time.Time { return d.Add(time.Duration(mins) * time.Minute).UTC() }
	switch {
	case start < end && m >= start && m < end:
		return at(day, end)
	case start > end && m >= start:
		return at(day.AddDate(0, 0, 1), end)
	case start > end && m < end:
		return at(day, end)
	}
	return now
}

var zones sync.Map // time zone name → *time.Location

// zone loads a time zone once (LoadLocation reads the zone database each time).
func zone(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = time.FixedZone("CST", 8*3600)
	}
	zones.Store(name, l)
	return l
}

type prefsRow struct {
	UserID     int64  `db:"user_id"`
	Email      bool   `db:"email"`
	SMS        bool   `db:"sms"`
	QuietStart string `db:"quiet_start"`
	QuietEnd   string `db:"quiet_end"`
	TimeZone   string `db:"time_zone"`
}

func (s *Service) prefsOf(ctx context.Context, ids []int64) (map[int64]Prefs, error) {
	q, args, err := store.In("SELECT user_id, email, sms, quiet_start, quiet_end, time_zone FROM notification_prefs WHERE user_id IN (?)", ids)
	if err != nil {
		return nil, err
	}
	var rows []prefsRow
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, err
	}
	out := map[int64]Prefs{}
	for _, r := range rows {
		out[r.UserID] = Prefs{Email: r.Email, SMS: r.SMS, QuietStart: r.QuietStart, QuietEnd: r.QuietEnd, TimeZone: r.TimeZone}
	}
	return out, nil
}

// UserPrefs returns a user's preferences (the defaults when never saved).
func (s *Service) UserPrefs(ctx context.Context, userID int64) (Prefs, error) {
	m, err := s.prefsOf(ctx, []int64{userID})
	if err != nil {
		return Prefs{}, err
	}
	if p, ok := m[userID]; ok {
		return p, nil
	}
	return DefaultPrefs(), nil
}

// SavePrefs stores a user's preferences.
func (s *Service) SavePrefs(ctx context.Context, userID int64, in Prefs) (Prefs, error) {
	var v apperr.Validation
	in.QuietStart, in.QuietEnd, in.TimeZone = strings.TrimSpace(in.QuietStart), strings.TrimSpace(in.QuietEnd), strings.TrimSpace(in.TimeZone)
	if in.TimeZone == "" {
		in.TimeZone = "Asia/Shanghai"
	}
	if _, err := time.LoadLocation(in.TimeZone); err != nil {
		v.Add("time_zone", "未知时区", "unknown time zone")
	}
	if (in.QuietStart == "") != (in.QuietEnd == "") {
		v.Add("quiet_end", "免打扰须同时设置开始和结束时间", "set both quiet_start and quiet_end, or neither")
	}
	if in.QuietStart != "" {
		if _, ok := clockMinutes(in.QuietStart); !ok {
			v.Add("quiet_start", "时间格式应为 HH:MM", "use HH:MM")
		}
		if _, ok := clockMinutes(in.QuietEnd); !ok {
			v.Add("quiet_end", "时间格式应为 HH:MM", "use HH:MM")
		}
	}
	if err := v.Err(); err != nil {
		return Prefs{}, err
	}
	_, err := s.db.Exec(ctx, `INSERT INTO notification_prefs (user_id, email, sms, quiet_start, quiet_end, time_zone, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, sms = excluded.sms, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
		time_zone = excluded.time_zone, updated_at = excluded.updated_at`, userID, in.Email, in.SMS, in.QuietStart, in.QuietEnd, in.TimeZone, store.Now())
	return in, err
}

// Unread counts a user's unread notifications.
func (s *Service) Unread(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.db.Get(ctx, &n, "SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID)
	return n, err
}

// LastID is the id of a user's newest notification (0 when none).
func (s *Service) LastID(ctx context.Context, userID int64) (int64, error) {
	var id int64
	err := s.db.Get(ctx, &id, "SELECT COALESCE(MAX(id), 0) FROM notifications WHERE user_id = ?", userID)
	return id, err
}

// Since lists a user's notifications newer than afterID, oldest first (at most 100).
func (s *Service) Since(ctx context.Context, userID, afterID int64) ([]Notification, error) {
	out := []Notification{}
	err := s.db.Select(ctx, &out, "SELECT id, kind, level, ticket_id, title, body, read_at, created_at FROM notifications WHERE user_id = ? AND id > ? ORDER BY id LIMIT 100", userID, afterID)
	for i := range out {
		out[i].Read = out[i].ReadAt != nil
	}
	return out, err
}
