package rating

import (
	"context"
	"time"

	"lingting/internal/store"
)

// KioskStaff is who the kiosk shows.
type KioskStaff struct {
	ID       int64  `db:"id" json:"id"`
	Name     string `db:"name" json:"name"`
	JobNo    string `db:"job_no" json:"job_no"`
	PhotoURL string `db:"photo_url" json:"photo_url"`
}

// KioskSession is the session the kiosk acts on.
type KioskSession struct {
	ID        int64      `json:"id"`
	Status    string     `json:"status"` // open, awaiting_rating
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
}

// KioskState is everything a kiosk page shows, polled every few seconds.
type KioskState struct {
	DeviceID int64         `json:"device_id"`
	Counter  *Counter      `json:"counter"`
	Staff    *KioskStaff   `json:"staff"`
	Settings Settings      `json:"settings"`
	Session  *KioskSession `json:"session"`
	Now      time.Time     `json:"now"`
}

// KioskState answers a paired kiosk: its counter, the signed-in staff member,
// the rating settings, and the open session or the one waiting for a rating.
func (s *Service) KioskState(ctx context.Context, d *Device) (*KioskState, error) {
	ctx = system(ctx)
	k, err := s.counter(ctx, d.CounterID, false)
	if err != nil {
		return nil, err
	}
	out := &KioskState{DeviceID: d.ID, Counter: k, Now: s.now()}
	if k.StaffID != nil {
		var st KioskStaff
		if err := s.db.Get(ctx, &st, "SELECT id, name, job_no, photo_url FROM users WHERE id = ?", *k.StaffID); err == nil {
			out.Staff = &st
		} else if !store.IsNoRows(err) {
			return nil, err
		}
	}
	if out.Settings, err = s.SettingsAt(ctx, k.OrgID); err != nil {
		return nil, err
	}
	var rows []struct {
		ID        int64      `db:"id"`
		StartedAt time.Time  `db:"started_at"`
		EndedAt   *time.Time `db:"ended_at"`
	}
	err = s.db.Select(ctx, &rows, `SELECT ss.id, ss.started_at, ss.ended_at FROM service_sessions ss WHERE ss.counter_id = ?
		AND (ss.ended_at IS NULL OR (ss.ended_at > ? AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.once_key = 'session:' || ss.id)))
		ORDER BY ss.id DESC LIMIT 1`, k.ID, s.now().Add(-time.Duration(out.Settings.TimeoutSeconds)*time.Second))
	if err != nil {
		return nil, err
	}
	if len(rows) == 1 {
		r := rows[0]
		st := "open"
		if r.EndedAt != nil {
			st = "awaiting_rating"
		}
		out.Session = &KioskSession{ID: r.ID, Status: st, StartedAt: r.StartedAt, EndedAt: r.EndedAt}
	}
	return out, nil
}
