// Package notify delivers notifications (R-SLA-05): a transactional outbox
// (the event and its deliveries are written in the transaction of the change
// that caused them), a delivery worker with retries and exponential back-off,
// a de-duplication key per event, channel and recipient, per-channel rate
// limits, quiet hours per recipient, templates in Chinese editable by
// administrators, and the channels: in-app (the bell), e-mail over SMTP, SMS
// (Alibaba Cloud, Tencent Cloud or a generic HTTP/JSON gateway), WeCom and
// DingTalk group robots and outgoing webhooks with an HMAC-signed body.
//
// Delivery is at least once towards the outside world and exactly once
// within Lingting: a delivery is claimed under a lease (FOR UPDATE SKIP
// LOCKED on PostgreSQL, the single writer on SQLite), so several processes
// never send the same delivery concurrently, and a graceful stop finishes or
// releases what it claimed. Only a process killed between sending and
// recording can cause a repeat; receivers get the delivery's key
// (Message-ID, X-Lingting-Delivery) to drop it.
package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"lingting/internal/audit"
	"lingting/internal/perm"
	"lingting/internal/store"
)

// Permissions declared by this package. Reading one's own notifications
// needs only a login.
var Permissions = []perm.Def{
	{Code: "notify.admin", Group: "notify", LabelZH: "管理通知（模板、群机器人与 Webhook、投递记录与重发）", LabelEN: "Manage notifications (templates, robots and webhooks, delivery log and resend)"},
}

// Channels.
const (
	ChannelInApp    = "in_app"
	ChannelEmail    = "email"
	ChannelSMS      = "sms"
	ChannelWeCom    = "wecom"
	ChannelDingTalk = "dingtalk"
	ChannelWebhook  = "webhook"
)

// Channels lists every channel.
var Channels = []string{ChannelInApp, ChannelEmail, ChannelSMS, ChannelWeCom, ChannelDingTalk, ChannelWebhook}

// Delivery statuses.
const (
	StatusPending = "pending"
	StatusSending = "sending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// Config is the delivery set-up (from internal/config).
type Config struct {
	SMTP SMTPConfig
	SMS  SMSConfig
	// Rates limit each channel, in messages per second per process (0 or
	// absent: unlimited).
	Rates map[string]float64
	// MaxAttempts bounds the tries of a delivery before it is failed (default 8).
	MaxAttempts int
	// RetryBase is the first back-off; each retry doubles it up to RetryMax
	// (defaults 30 s and 1 h).
	RetryBase, RetryMax time.Duration
	// Concurrency is how many messages one process sends at once (default 16).
	Concurrency int
	// BatchSize is how many deliveries one claim takes (default 200).
	BatchSize int
	// Lease is how long a claimed delivery stays with its process before
	// another may take it (default 2 min).
	Lease time.Duration
	// Timeout bounds one send (default 15 s).
	Timeout time.Duration
	// Poll is how often the worker looks for due deliveries (default 5 s;
	// new events wake it at once in the process that wrote them).
	Poll time.Duration
}

func (c *Config) defaults() {
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.RetryBase <= 0 {
		c.RetryBase = 30 * time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Hour
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 200
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
}

// Service stores and delivers notifications.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	now     func() time.Time
	cfg     Config
	senders map[string]Sender
	limits  map[string]*bucket
	kick    chan struct{}
	worker  string
	client  *http.Client

	mu      sync.Mutex
	running sync.WaitGroup
}

// NewService wires the service. now is the clock (nil: real time).
func NewService(db *store.DB, log *audit.Log, cfg Config, now func() time.Time) *Service {
	cfg.defaults()
	if now == nil {
		now = store.Now
	}
	host, _ := os.Hostname()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	s := &Service{db: db, audit: log, now: now, cfg: cfg, kick: make(chan struct{}, 1),
		worker: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)), limits: map[string]*bucket{}}
	s.client = &http.Client{Timeout: cfg.Timeout, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	s.senders = map[string]Sender{
		ChannelWeCom:    &WeComSender{Client: s.client},
		ChannelDingTalk: &DingTalkSender{Client: s.client, Now: now},
		ChannelWebhook:  &WebhookSender{Client: s.client, Now: now},
	}
	if cfg.SMTP.Host != "" {
		s.senders[ChannelEmail] = &SMTPSender{Config: cfg.SMTP}
	}
	if sms := NewSMSSender(cfg.SMS, s.client, now); sms != nil {
		s.senders[ChannelSMS] = sms
	}
	for ch, r := range cfg.Rates {
		if r > 0 {
			s.limits[ch] = newBucket(r)
		}
	}
	return s
}

// SetSender replaces a channel's sender (tests; nil removes the channel).
func (s *Service) SetSender(channel string, snd Sender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if snd == nil {
		delete(s.senders, channel)
		return
	}
	s.senders[channel] = snd
}

func (s *Service) sender(channel string) Sender {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.senders[channel]
}

// Enabled reports whether a channel can deliver (in-app always can).
func (s *Service) Enabled(channel string) bool {
	return channel == ChannelInApp || s.sender(channel) != nil
}

// Event is one thing to tell people about (an SLA warning, an escalation).
type Event struct {
	// Key identifies the event; the same key is enqueued once.
	Key   string
	Kind  string // a template kind: sla.warning, sla.escalation
	Level int    // escalation level (0 for warnings)
	// Urgent deliveries ignore the recipients' quiet hours (the top
	// escalation level).
	Urgent   bool
	TicketID int64
	Users    []int64 // recipients (staff); robots and webhooks subscribe by kind
	Vars     map[string]string
}

type userRow struct {
	ID     int64  `db:"id"`
	Name   string `db:"name"`
	Email  string `db:"email"`
	Phone  string `db:"phone"`
	Status string `db:"status"`
}

// Enqueue writes an event to the outbox with its deliveries, in the
// transaction of ctx (the caller's). An event whose key was enqueued before
// is ignored. It answers the number of deliveries written.
func (s *Service) Enqueue(ctx context.Context, ev Event) (int, error) {
	now := s.now()
	tpl, err := s.Template(ctx, ev.Kind)
	if err != nil {
		return 0, err
	}
	subject, body := Render(tpl.Subject, ev.Vars), Render(tpl.Body, ev.Vars)
	vars, _ := json.Marshal(ev.Vars)
	var ticketID any
	if ev.TicketID != 0 {
		ticketID = ev.TicketID
	}
	n := 0
	err = s.db.WithTx(ctx, func(ctx context.Context) error {
		var outboxID int64
		err := s.db.WriteGet(ctx, &outboxID, `INSERT INTO notifications_outbox (event_key, kind, level, urgent, ticket_id, subject, body, vars, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_key) DO NOTHING RETURNING id`,
			ev.Key, ev.Kind, ev.Level, ev.Urgent, ticketID, subject, body, string(vars), now)
		if store.IsNoRows(err) {
			return nil // enqueued before
		}
		if err != nil {
			return err
		}
		ids := slices.Compact(slices.Sorted(slices.Values(ev.Users)))
		var users []userRow
		prefs := map[int64]Prefs{}
		if len(ids) > 0 {
			q, args, err := store.In("SELECT id, name, email, phone, status FROM users WHERE id IN (?) ORDER BY id", ids)
			if err != nil {
				return err
			}
			if err := s.db.Select(ctx, &users, q, args...); err != nil {
				return err
			}
			if prefs, err = s.prefsOf(ctx, ids); err != nil {
				return err
			}
		}
		add := func(d delivery) error {
			d.OutboxID, d.Subject, d.Body = outboxID, subject, body
			ok, err := s.insertDelivery(ctx, d, now)
			if ok {
				n++
			}
			return err
		}
		for _, u := range users {
			if u.Status != "active" {
				continue
			}
			p, ok := prefs[u.ID]
			if !ok {
				p = DefaultPrefs()
			}
			uid := u.ID
			if err := add(delivery{Key: dedupKey(ev.Key, ChannelInApp, "u"+strconv.FormatInt(u.ID, 10)), Channel: ChannelInApp, UserID: &uid,
				Recipient: u.Name, Kind: ev.Kind, Level: ev.Level, TicketID: ev.TicketID}); err != nil {
				return err
			}
			next := now
			if !ev.Urgent {
				next = p.QuietUntil(now)
			}
			if s.Enabled(ChannelEmail) && p.Email && u.Email != "" {
				if err := add(delivery{Key: dedupKey(ev.Key, ChannelEmail, "u"+strconv.FormatInt(u.ID, 10)), Channel: ChannelEmail, UserID: &uid, Recipient: u.Email, Next: next}); err != nil {
					return err
				}
			}
			if s.Enabled(ChannelSMS) && p.SMS && u.Phone != "" {
				if err := add(delivery{Key: dedupKey(ev.Key, ChannelSMS, "u"+strconv.FormatInt(u.ID, 10)), Channel: ChannelSMS, UserID: &uid, Recipient: u.Phone, Next: next}); err != nil {
					return err
				}
			}
		}
		eps, err := s.activeEndpoints(ctx)
		if err != nil {
			return err
		}
		for _, e := range eps {
			if !e.Accepts(ev.Kind, ev.Level) {
				continue
			}
			eid := e.ID
			if err := add(delivery{Key: dedupKey(ev.Key, e.Kind, "e"+strconv.FormatInt(e.ID, 10)), Channel: e.Kind, EndpointID: &eid, Recipient: e.Name, Next: now}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// dedupKey is the de-duplication key of one delivery: event, channel, recipient.
func dedupKey(event, channel, recipient string) string {
	return event + "|" + channel + "|" + recipient
}

type delivery struct {
	Key        string
	OutboxID   int64
	Channel    string
	UserID     *int64
	EndpointID *int64
	Recipient  string
	Subject    string
	Body       string
	Next       time.Time
	// in-app only
	Kind     string
	Level    int
	TicketID int64
}

// insertDelivery writes one delivery (ignored when its key exists). In-app
// deliveries are delivered at once: the notification row is the delivery.
func (s *Service) insertDelivery(ctx context.Context, d delivery, now time.Time) (bool, error) {
	status, sentAt, attempts := StatusPending, (*time.Time)(nil), 0
	if d.Channel == ChannelInApp {
		status, sentAt, attempts, d.Next = StatusSent, &now, 1, now
	}
	var id int64
	err := s.db.WriteGet(ctx, &id, `INSERT INTO notification_deliveries (outbox_id, dedup_key, channel, user_id, endpoint_id, recipient, subject, body, status, attempts, next_attempt_at, sent_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) DO NOTHING RETURNING id`,
		d.OutboxID, d.Key, d.Channel, d.UserID, d.EndpointID, d.Recipient, d.Subject, d.Body, status, attempts, d.Next.UTC(), sentAt, now, now)
	if store.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if d.Channel != ChannelInApp {
		return true, nil
	}
	var ticketID any
	if d.TicketID != 0 {
		ticketID = d.TicketID
	}
	if _, err := s.db.Exec(ctx, "INSERT INTO notifications (user_id, delivery_id, kind, level, ticket_id, title, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		*d.UserID, id, d.Kind, d.Level, ticketID, d.Subject, d.Body, now); err != nil {
		return false, err
	}
	_, err = s.db.Exec(ctx, "INSERT INTO notification_attempts (delivery_id, attempt, at, ok, error, duration_ms, worker) VALUES (?, 1, ?, ?, '', 0, ?)", id, now, true, s.worker)
	return true, err
}

// Kick wakes the delivery worker (after a transaction that enqueued).
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// trim shortens s to n runes.
func trim(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
