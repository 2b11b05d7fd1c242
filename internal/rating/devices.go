package rating

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// Device kinds: a paired kiosk page or a hardware evaluator (评价器).
const (
	DeviceKiosk     = "kiosk"
	DeviceEvaluator = "evaluator"
)

// DeviceTokenPrefix marks device tokens, so the API tells them from user tokens.
const DeviceTokenPrefix = "ld_"

// A device not heard from for this long shows as offline.
const offlineAfter = 5 * time.Minute

const pairingTTL = 10 * time.Minute

// Device is a kiosk or hardware evaluator at a counter.
type Device struct {
	ID          int64      `db:"id" json:"id"`
	CounterID   int64      `db:"counter_id" json:"counter_id"`
	CounterCode string     `db:"counter_code" json:"counter_code"`
	CounterName string     `db:"counter_name" json:"counter_name"`
	OrgID       int64      `db:"org_id" json:"org_id"`
	Kind        string     `db:"kind" json:"kind"`
	Name        string     `db:"name" json:"name"`
	Paired      bool       `db:"paired" json:"paired"`
	LastSeenAt  *time.Time `db:"last_seen_at" json:"last_seen_at"`
	Online      bool       `db:"-" json:"online"`
	Revoked     bool       `db:"revoked" json:"revoked"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	Token       string     `db:"-" json:"token,omitempty"` // shown once
}

const deviceSelect = `SELECT d.id, d.counter_id, k.code AS counter_code, k.name AS counter_name, k.org_id, d.kind, d.name,
       d.token_hash IS NOT NULL AS paired, d.last_seen_at, d.revoked, d.created_at
FROM rating_devices d JOIN counters k ON k.id = d.counter_id`

func newDeviceToken() (token, hash string) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	token = DeviceTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, hashSecret(token)
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (s *Service) fillOnline(d *Device) {
	d.Online = !d.Revoked && d.LastSeenAt != nil && s.now().Sub(*d.LastSeenAt) < offlineAfter
}

// DeviceFilter narrows the device list.
type DeviceFilter struct {
	OrgID, CounterID int64
	Offline          bool
	Limit, Offset    int
}

// Devices lists the devices of visible counters.
func (s *Service) Devices(ctx context.Context, f DeviceFilter) ([]Device, int, error) {
	pred, args := scope.From(ctx).Where(counterScope)
	w := " WHERE " + pred
	if f.OrgID != 0 {
		w += " AND " + scope.InSubtree("k.org_id")
		args = append(args, f.OrgID)
	}
	if f.CounterID != 0 {
		w += " AND d.counter_id = ?"
		args = append(args, f.CounterID)
	}
	if f.Offline {
		w += " AND NOT d.revoked AND (d.last_seen_at IS NULL OR d.last_seen_at < ?)"
		args = append(args, s.now().Add(-offlineAfter))
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM rating_devices d JOIN counters k ON k.id = d.counter_id"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Device{}
	if err := s.db.Select(ctx, &out, deviceSelect+w+" ORDER BY d.id LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	for i := range out {
		s.fillOnline(&out[i])
	}
	return out, total, nil
}

// DeviceInput registers a hardware evaluator.
type DeviceInput struct {
	CounterID int64  `json:"counter_id"`
	Name      string `json:"name"`
}

// RegisterDevice adds a hardware evaluator at a visible counter; its token is
// in the answer once.
func (s *Service) RegisterDevice(ctx context.Context, in DeviceInput) (*Device, error) {
	in.Name = strings.TrimSpace(in.Name)
	var out *Device
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		k, err := s.Counter(ctx, in.CounterID)
		if err != nil {
			return apperr.Field("counter_id", "窗口不存在或不在您的数据范围内", "counter not found or outside your data scope")
		}
		token, hash := newDeviceToken()
		id, err := s.db.InsertID(ctx, `INSERT INTO rating_devices (counter_id, kind, name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			k.ID, DeviceEvaluator, in.Name, hash, actorID(ctx), store.Now())
		if err != nil {
			return err
		}
		if out, err = s.device(ctx, id); err != nil {
			return err
		}
		out.Token = token
		return s.audit.Record(ctx, audit.Entry{Action: "create", Entity: "rating_device", EntityID: id, OrgID: k.OrgID, Summary: "登记评价器 " + k.Name})
	})
	return out, err
}

// RevokeDevice stops a visible device's token from working.
func (s *Service) RevokeDevice(ctx context.Context, id int64) (*Device, error) {
	// The token must stop working at once: no cached copy may outlive the revocation.
	s.devices.clear()
	defer s.devices.clear()
	var out *Device
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		d, err := s.visibleDevice(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE rating_devices SET revoked = TRUE, token_hash = NULL, pairing_hash = NULL WHERE id = ?", id); err != nil {
			return err
		}
		if out, err = s.device(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "revoke", Entity: "rating_device", EntityID: id, OrgID: d.OrgID, Summary: "停用评价器 " + d.CounterName})
	})
	return out, err
}

func (s *Service) device(ctx context.Context, id int64) (*Device, error) {
	var d Device
	err := s.db.Get(ctx, &d, deviceSelect+" WHERE d.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("评价器", "device")
	}
	if err != nil {
		return nil, err
	}
	s.fillOnline(&d)
	return &d, nil
}

func (s *Service) visibleDevice(ctx context.Context, id int64) (*Device, error) {
	d, err := s.device(ctx, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Counter(ctx, d.CounterID); err != nil {
		return nil, apperr.NotFoundf("评价器", "device")
	}
	return d, nil
}

// Pairing is a one-time code an administrator types into a kiosk.
type Pairing struct {
	DeviceID  int64     `json:"device_id"`
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
	KioskURL  string    `json:"kiosk_url"`
}

// StartPairing makes a six-digit pairing code for a visible counter, valid
// for ten minutes and once.
func (s *Service) StartPairing(ctx context.Context, counterID int64) (*Pairing, error) {
	var out *Pairing
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		k, err := s.Counter(ctx, counterID)
		if err != nil {
			return err
		}
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return err
		}
		code := fmt.Sprintf("%06d", n.Int64())
		exp := s.now().Add(pairingTTL)
		id, err := s.db.InsertID(ctx, `INSERT INTO rating_devices (counter_id, kind, name, pairing_hash, pairing_expires_at, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, k.ID, DeviceKiosk, "评价平板 "+k.Name, hashSecret(k.Code+":"+code), exp, actorID(ctx), store.Now())
		if err != nil {
			return err
		}
		out = &Pairing{DeviceID: id, Code: code, ExpiresAt: exp, KioskURL: "/kiosk/" + k.Code}
		return s.audit.Record(ctx, audit.Entry{Action: "pairing", Entity: "rating_device", EntityID: id, OrgID: k.OrgID, Summary: "生成评价平板配对码 " + k.Name})
	})
	return out, err
}

// PairResult is what a kiosk keeps after pairing.
type PairResult struct {
	Token    string   `json:"token"`
	DeviceID int64    `json:"device_id"`
	Counter  *Counter `json:"counter"`
}

// Pair exchanges a counter code and a pairing code for a device token. A code
// works once; a wrong one answers the same as an unknown counter.
func (s *Service) Pair(ctx context.Context, counterCode, pairingCode string) (*PairResult, error) {
	bad := apperr.New(apperr.Invalid, "配对码无效或已过期", "the pairing code is wrong or has expired")
	counterCode, pairingCode = strings.TrimSpace(counterCode), strings.TrimSpace(pairingCode)
	if counterCode == "" || len(pairingCode) != 6 {
		return nil, bad
	}
	var out *PairResult
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		k, err := s.CounterByCode(ctx, counterCode)
		if err != nil {
			return bad
		}
		var rows []struct {
			ID   int64  `db:"id"`
			Hash string `db:"pairing_hash"`
		}
		if err := s.db.Select(ctx, &rows, `SELECT id, pairing_hash FROM rating_devices WHERE counter_id = ? AND pairing_hash IS NOT NULL
			AND pairing_expires_at > ? AND NOT revoked`, k.ID, s.now()); err != nil {
			return err
		}
		want := hashSecret(k.Code + ":" + pairingCode)
		for _, r := range rows {
			if subtle.ConstantTimeCompare([]byte(r.Hash), []byte(want)) != 1 {
				continue
			}
			token, hash := newDeviceToken()
			res, err := s.db.Exec(ctx, "UPDATE rating_devices SET token_hash = ?, pairing_hash = NULL, last_seen_at = ? WHERE id = ? AND pairing_hash IS NOT NULL", hash, s.now(), r.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return bad
			}
			out = &PairResult{Token: token, DeviceID: r.ID, Counter: k}
			return s.audit.Record(ctx, audit.Entry{Action: "paired", Entity: "rating_device", EntityID: r.ID, OrgID: k.OrgID, Summary: "评价平板已配对 " + k.Name})
		}
		return bad
	})
	return out, err
}

// DeviceByToken authenticates a device token and records that it was seen.
func (s *Service) DeviceByToken(ctx context.Context, token string) (*Device, error) {
	unauth := apperr.New(apperr.Unauthenticated, "设备令牌无效或已停用", "the device token is invalid or revoked")
	if !strings.HasPrefix(token, DeviceTokenPrefix) {
		return nil, unauth
	}
	hash := hashSecret(token)
	wall := time.Now()
	d, ok := s.devices.get(hash, wall)
	if !ok {
		gen := s.devices.generation()
		err := s.db.Get(ctx, &d, deviceSelect+" WHERE d.token_hash = ? AND NOT d.revoked", hash)
		if store.IsNoRows(err) {
			return nil, unauth
		}
		if err != nil {
			return nil, err
		}
		s.devices.put(hash, d, gen, wall)
	}
	now := s.now()
	// Written at most once a minute: a busy kiosk polls every few seconds.
	if d.LastSeenAt == nil || now.Sub(*d.LastSeenAt) > time.Minute {
		if _, err := s.db.Exec(ctx, "UPDATE rating_devices SET last_seen_at = ? WHERE id = ?", now, d.ID); err != nil {
			return nil, err
		}
		d.LastSeenAt = &now
		s.devices.update(hash, d)
	}
	s.fillOnline(&d)
	return &d, nil
}

// DeviceEvent is what a hardware evaluator posts.
type DeviceEvent struct {
	EventID string     `json:"event_id"`
	Type    string     `json:"type"`
	Key     int        `json:"key"`
	At      *time.Time `json:"at"`
}

// EventResult answers a device event; a resent event answers the same.
type EventResult struct {
	EventID   string `json:"event_id"`
	Type      string `json:"type"`
	Duplicate bool   `json:"duplicate"`
	SessionID *int64 `json:"session_id,omitempty"`
	RatingID  *int64 `json:"rating_id,omitempty"`
}

// HandleEvent applies a device event once per event_id: session_start,
// session_end, or key N (rates the counter's latest ended, unrated session).
// The event is group-committed (ingest.go), so HandleEvent must not be called
// inside a transaction of the caller's.
func (s *Service) HandleEvent(ctx context.Context, d *Device, ev DeviceEvent) (*EventResult, error) {
	var v apperr.Validation
	ev.EventID = strings.TrimSpace(ev.EventID)
	if ev.EventID == "" || len(ev.EventID) > 64 {
		v.Add("event_id", "必填，最多 64 个字符", "required, at most 64 characters")
	}
	switch ev.Type {
	case "session_start", "session_end":
	case "key":
		if ev.Key < 1 || ev.Key > 5 {
			v.Add("key", "按键须为 1 到评价等级数", "key must be between 1 and the scale")
		}
	default:
		v.Add("type", "类型只能是 session_start、session_end 或 key", "type must be session_start, session_end or key")
	}
	if ev.At != nil && ev.At.After(s.now().Add(time.Minute)) {
		v.Add("at", "时间不能晚于现在", "at cannot be in the future")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	// A resend is answered from the event row, looked up in the batch's
	// transaction (applyEvent): a separate read first cost every event more
	// than the rare resend saves.
	return s.events.submit(system(ctx), d, ev)
}

// applyEvent applies one device event inside the batch's transaction and
// stores it with its answer under (device, event_id).
//
// checkPrior looks for the event row first (a resend, maybe in the same
// batch). Without it (the optimistic attempt of a batch, ingest.go) a resend
// is applied again and then refused by the event row's primary key, which
// fails the attempt: it is rolled back and the batch applied again with the
// look-up. Resends are rare, and the look-up cost every event a statement.
func (s *Service) applyEvent(ctx context.Context, d *Device, ev DeviceEvent, checkPrior bool) (*EventResult, error) {
	if checkPrior {
		if prior, err := s.priorEvent(ctx, d.ID, ev.EventID); err != nil || prior != nil {
			return prior, err
		}
	}
	c := Caller{Device: d, viaOutbox: true}
	out := &EventResult{EventID: ev.EventID, Type: ev.Type}
	switch ev.Type {
	case "session_start":
		id, err := s.startSession(ctx, c, StartInput{CounterID: d.CounterID, StartedAt: ev.At}, nil)
		if err != nil {
			return nil, err
		}
		out.SessionID = &id
	case "session_end":
		id, err := s.endOpenSession(ctx, d.CounterID, ev.At)
		if err != nil {
			return nil, err
		}
		out.SessionID = &id
	case "key":
		now := s.now()
		at := now
		if ev.At != nil {
			at = ev.At.UTC() // a key pressed offline and reported late
		}
		ss, err := s.awaitingSession(ctx, d.CounterID, at)
		if err != nil {
			return nil, err
		}
		id := ss.ID
		c.session = ss // resolve need not read it again
		in := RateInput{SessionID: &id, Level: ev.Key, RatedAt: ev.At}
		var v apperr.Validation
		in.validate(&v, now)
		if err := v.Err(); err != nil {
			return nil, err
		}
		rid, err := s.rateTx(ctx, c, Visitor{}, in, nil, now, at)
		if err != nil {
			return nil, err
		}
		out.SessionID, out.RatingID = &id, &rid
	}
	if b := rollBufFrom(ctx); b != nil { // written with the batch (rollbuf.go)
		b.addEvent(d.ID, ev.EventID, ev.Type, jsonText(out), store.Now())
		return out, nil
	}
	_, err := s.db.Exec(ctx, "INSERT INTO rating_device_events (device_id, event_id, type, result, created_at) VALUES (?, ?, ?, ?, ?)",
		d.ID, ev.EventID, ev.Type, jsonText(out), store.Now())
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) priorEvent(ctx context.Context, deviceID int64, eventID string) (*EventResult, error) {
	var raw string
	err := s.db.Get(ctx, &raw, "SELECT result FROM rating_device_events WHERE device_id = ? AND event_id = ?", deviceID, eventID)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out EventResult
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, err
	}
	out.Duplicate = true
	return &out, nil
}

// awaitingSession is the counter's latest session without a rating that
// ended within the rating window before at (when the key was pressed).
func (s *Service) awaitingSession(ctx context.Context, counterID int64, at time.Time) (*Session, error) {
	var ss Session
	err := s.db.Get(ctx, &ss, `SELECT ss.id, ss.counter_id, ss.org_id, ss.staff_id, ss.business_type_id, ss.started_at, ss.ended_at
		FROM service_sessions ss WHERE ss.counter_id = ? AND ss.ended_at IS NOT NULL AND ss.ended_at > ? AND ss.ended_at <= ?
		AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.once_key = 'session:' || ss.id) ORDER BY ss.ended_at DESC, ss.id DESC LIMIT 1`,
		counterID, at.Add(-awaitWindow), at.Add(time.Second))
	if store.IsNoRows(err) {
		return nil, apperr.New(apperr.Conflict, "没有待评价的服务", "no session is waiting for a rating")
	}
	if err != nil {
		return nil, err
	}
	return &ss, nil
}

func actorID(ctx context.Context) any {
	if a := audit.ActorFrom(ctx); a.UserID != 0 {
		return a.UserID
	}
	return nil
}
