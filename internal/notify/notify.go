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
	"lingting/internal/jobs"
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
	// DataDir is where attachment paths are relative to.
	DataDir string
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
}

// Service stores and delivers notifications.
type Service struct {
	db      *store.DB
	audit   *audit.Log
	now     func() time.Time
	cfg     Config
	senders map[string]Sender
	limits  map[string]*bucket
	queue   *jobs.Queue
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
	s := &Service{db: db, audit: log, now: now, cfg: cfg,
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
	// Direct events go to the listed users only (no robot or webhook), by
	// e-mail whatever their e-mail preference and quiet hours: they asked
	// for this message (a report subscription).
	Direct bool
	// Attachments go with the e-mail (files under the data directory).
	Attachments []Attachment
	// External recipients (a ticket's customer) get e-mail and SMS on the
	// configured channels, without preferences or quiet hours.
	External []External
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
	return s.EnqueueMany(ctx, []Event{ev})
}

// chunk bounds the rows of one multi-row INSERT.
const chunk = 200

// EnqueueMany writes events to the outbox with their deliveries (one per
// channel and recipient: in-app for every active user, e-mail and SMS by the
// user's preferences when the channel is configured, and every robot or
// webhook subscribed to the kind), in the transaction of ctx, with a few
// multi-row statements for the whole set. Events enqueued before (by key)
// and deliveries written before (by de-duplication key) are skipped. In-app
// deliveries are stored as notifications at once; the others wait for the
// worker — from now, or from the end of the recipient's quiet hours unless
// the event is urgent.
func (s *Service) EnqueueMany(ctx context.Context, evs []Event) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	bc, _ := ctx.Value(batchKey{}).(*batchCache)
	if bc == nil {
		bc = WithBatch(ctx).Value(batchKey{}).(*batchCache)
	}
	now := s.now()
	type rendered struct {
		ev            *Event
		subject, body string
		vars          string
	}
	rs := make([]rendered, len(evs))
	for i := range evs {
		ev := &evs[i]
		tpl, err := bc.template(ctx, s, ev.Kind)
		if err != nil {
			return 0, err
		}
		vars, _ := json.Marshal(ev.Vars)
		rs[i] = rendered{ev: ev, subject: Render(tpl.Subject, ev.Vars), body: Render(tpl.Body, ev.Vars), vars: string(vars)}
	}
	n := 0
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		// The events; RETURNING names the ones that are new.
		outbox := map[string]int64{}
		for lo := 0; lo < len(rs); lo += chunk {
			part := rs[lo:min(lo+chunk, len(rs))]
			var q strings.Builder
			args := make([]any, 0, 9*len(part))
			q.WriteString("INSERT INTO notifications_outbox (event_key, kind, level, urgent, ticket_id, subject, body, vars, created_at) VALUES ")
			for i, r := range part {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
				var ticketID any
				if r.ev.TicketID != 0 {
					ticketID = r.ev.TicketID
				}
				args = append(args, r.ev.Key, r.ev.Kind, r.ev.Level, r.ev.Urgent, ticketID, r.subject, r.body, r.vars, now)
			}
			q.WriteString(" ON CONFLICT (event_key) DO NOTHING RETURNING id, event_key")
			var got []struct {
				ID  int64  `db:"id"`
				Key string `db:"event_key"`
			}
			if err := s.db.Select(ctx, &got, q.String(), args...); err != nil {
				return err
			}
			for _, g := range got {
				outbox[g.Key] = g.ID
			}
		}
		if err := s.storeAttachments(ctx, evs, outbox); err != nil {
			return err
		}
		eps, err := bc.endpoints(ctx, s)
		if err != nil {
			return err
		}
		var ds []delivery
		for _, r := range rs {
			outboxID, ok := outbox[r.ev.Key]
			if !ok {
				continue // enqueued before
			}
			ev := r.ev
			add := func(d delivery) {
				d.OutboxID, d.Subject, d.Body, d.Kind, d.Level, d.TicketID = outboxID, r.subject, r.body, ev.Kind, ev.Level, ev.TicketID
				if d.Next.IsZero() {
					d.Next = now
				}
				ds = append(ds, d)
			}
			ids := slices.Compact(slices.Sorted(slices.Values(ev.Users)))
			users, prefs, err := bc.loadUsers(ctx, s, ids)
			if err != nil {
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
				uid, who := u.ID, "u"+strconv.FormatInt(u.ID, 10)
				add(delivery{Key: dedupKey(ev.Key, ChannelInApp, who), Channel: ChannelInApp, UserID: &uid, Recipient: u.Name})
				next := now
				if !ev.Urgent && !ev.Direct {
					next = p.QuietUntil(now)
				}
				if s.Enabled(ChannelEmail) && (p.Email || ev.Direct) && u.Email != "" {
					add(delivery{Key: dedupKey(ev.Key, ChannelEmail, who), Channel: ChannelEmail, UserID: &uid, Recipient: u.Email, Next: next})
				}
				if s.Enabled(ChannelSMS) && p.SMS && u.Phone != "" {
					add(delivery{Key: dedupKey(ev.Key, ChannelSMS, who), Channel: ChannelSMS, UserID: &uid, Recipient: u.Phone, Next: next})
				}
			}
			for _, d := range s.externalDeliveries(ev) {
				add(d)
			}
			for _, e := range eps {
				if isPersonalKind(ev.Kind) {
					break // a ticket's comments and changes go to the people who may see it, never to a group robot
				}
				if isCustomerKind(ev.Kind) && !slices.Contains(e.Events, ev.Kind) {
					continue // customers' notices reach a robot only when it asks for them by name
				}
				if !ev.Direct && e.Accepts(ev.Kind, ev.Level) {
					eid := e.ID
					add(delivery{Key: dedupKey(ev.Key, e.Kind, "e"+strconv.FormatInt(e.ID, 10)), Channel: e.Kind, EndpointID: &eid, Recipient: e.Name})
				}
			}
		}
		written, err := s.insertDeliveries(ctx, ds, now)
		n = written
		if err != nil {
			return err
		}
		return s.enqueueJobs(ctx, sendable(ds))
	})
	return n, err
}

// sendable lists the events that have deliveries to send (in-app ones are
// stored at once).
func sendable(ds []delivery) []int64 {
	var ids []int64
	for _, d := range ds {
		if d.Channel != ChannelInApp && (len(ids) == 0 || ids[len(ids)-1] != d.OutboxID) {
			ids = append(ids, d.OutboxID)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(ids)))
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
	// for in-app notifications
	Kind     string
	Level    int
	TicketID int64
}

// insertDeliveries writes deliveries (those whose key exists are skipped)
// and, for the in-app ones, the notifications they deliver at once.
func (s *Service) insertDeliveries(ctx context.Context, ds []delivery, now time.Time) (int, error) {
	n := 0
	for lo := 0; lo < len(ds); lo += chunk {
		part := ds[lo:min(lo+chunk, len(ds))]
		var q strings.Builder
		args := make([]any, 0, 14*len(part))
		q.WriteString("INSERT INTO notification_deliveries (outbox_id, dedup_key, channel, user_id, endpoint_id, recipient, subject, body, status, attempts, next_attempt_at, sent_at, created_at, updated_at) VALUES ")
		for i, d := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			status, sentAt, attempts := StatusPending, (*time.Time)(nil), 0
			if d.Channel == ChannelInApp {
				status, sentAt, attempts = StatusSent, &now, 1
			}
			args = append(args, d.OutboxID, d.Key, d.Channel, d.UserID, d.EndpointID, d.Recipient, d.Subject, d.Body, status, attempts, d.Next.UTC(), sentAt, now, now)
		}
		q.WriteString(" ON CONFLICT (dedup_key) DO NOTHING RETURNING id, dedup_key")
		var got []struct {
			ID  int64  `db:"id"`
			Key string `db:"dedup_key"`
		}
		if err := s.db.Select(ctx, &got, q.String(), args...); err != nil {
			return n, err
		}
		n += len(got)
		ids := map[string]int64{}
		for _, g := range got {
			ids[g.Key] = g.ID
		}
		var nq strings.Builder
		var nargs []any
		for _, d := range part {
			id, ok := ids[d.Key]
			if !ok || d.Channel != ChannelInApp {
				continue
			}
			if len(nargs) == 0 {
				nq.WriteString("INSERT INTO notifications (user_id, delivery_id, kind, level, ticket_id, title, body, created_at) VALUES ")
			} else {
				nq.WriteString(", ")
			}
			nq.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
			var ticketID any
			if d.TicketID != 0 {
				ticketID = d.TicketID
			}
			nargs = append(nargs, *d.UserID, id, d.Kind, d.Level, ticketID, d.Subject, d.Body, now)
		}
		if len(nargs) > 0 {
			if _, err := s.db.Exec(ctx, nq.String(), nargs...); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// trim shortens s to n runes.
func trim(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// WithBatch returns a context in which Enqueue reads templates, endpoints,
// users and their preferences once and reuses them: for a caller that
// enqueues many events in one transaction (the SLA scanner).
func WithBatch(ctx context.Context) context.Context {
	return context.WithValue(ctx, batchKey{}, &batchCache{templates: map[string]Template{}, byID: map[int64]userRow{}, prefs: map[int64]Prefs{}})
}

type batchKey struct{}

// batchCache holds what Enqueue read in one batch; a nil cache reads every time.
type batchCache struct {
	templates map[string]Template
	eps       []Endpoint
	epsRead   bool
	byID      map[int64]userRow
	prefs     map[int64]Prefs
}

func (c *batchCache) template(ctx context.Context, s *Service, kind string) (Template, error) {
	if c == nil {
		return s.Template(ctx, kind)
	}
	if t, ok := c.templates[kind]; ok {
		return t, nil
	}
	t, err := s.Template(ctx, kind)
	if err == nil {
		c.templates[kind] = t
	}
	return t, err
}

func (c *batchCache) endpoints(ctx context.Context, s *Service) ([]Endpoint, error) {
	if c == nil {
		return s.activeEndpoints(ctx)
	}
	if !c.epsRead {
		eps, err := s.activeEndpoints(ctx)
		if err != nil {
			return nil, err
		}
		c.eps, c.epsRead = eps, true
	}
	return c.eps, nil
}

// users reads the users (in id order) and their preferences.
func (c *batchCache) loadUsers(ctx context.Context, s *Service, ids []int64) ([]userRow, map[int64]Prefs, error) {
	var missing []int64
	if c == nil {
		missing = ids
	} else {
		for _, id := range ids {
			if _, ok := c.byID[id]; !ok {
				missing = append(missing, id)
			}
		}
	}
	var rows []userRow
	prefs := map[int64]Prefs{}
	if len(missing) > 0 {
		q, args, err := store.In("SELECT id, name, email, phone, status FROM users WHERE id IN (?) ORDER BY id", missing)
		if err != nil {
			return nil, nil, err
		}
		if err := s.db.Select(ctx, &rows, q, args...); err != nil {
			return nil, nil, err
		}
		if prefs, err = s.prefsOf(ctx, missing); err != nil {
			return nil, nil, err
		}
	}
	if c == nil {
		return rows, prefs, nil
	}
	for _, r := range rows {
		c.byID[r.ID] = r
	}
	for _, id := range missing {
		p, ok := prefs[id]
		if !ok {
			p = DefaultPrefs()
		}
		c.prefs[id] = p
	}
	out := make([]userRow, 0, len(ids))
	for _, id := range ids {
		if u, ok := c.byID[id]; ok {
			out = append(out, u)
		}
	}
	return out, c.prefs, nil
}
