package notify

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// bucket is a token bucket: rate tokens per second, a burst of max(1, rate).
type bucket struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64) *bucket {
	return &bucket{rate: rate, tokens: max(1, rate), last: time.Now()}
}

// wait takes a token, sleeping until one is there; it fails when ctx ends first.
func (b *bucket) wait(ctx context.Context) error {
	for {
		b.mu.Lock()
		now := time.Now()
		b.tokens = min(max(1, b.rate), b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		d := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d):
		}
	}
}

type claimed struct {
	ID         int64  `db:"id"`
	OutboxID   int64  `db:"outbox_id"`
	Key        string `db:"dedup_key"`
	Channel    string `db:"channel"`
	EndpointID *int64 `db:"endpoint_id"`
	Recipient  string `db:"recipient"`
	Subject    string `db:"subject"`
	Body       string `db:"body"`
	Attempts   int    `db:"attempts"`
	UserID     *int64 `db:"user_id"`
}

type outboxRow struct {
	ID        int64     `db:"id"`
	EventKey  string    `db:"event_key"`
	Kind      string    `db:"kind"`
	Level     int       `db:"level"`
	TicketID  *int64    `db:"ticket_id"`
	Vars      string    `db:"vars"`
	CreatedAt time.Time `db:"created_at"`
	Files     string    `db:"attachments"`
}

type result struct {
	d        claimed
	err      error
	released bool // not tried: the process is stopping
	took     time.Duration
}

// DeliverDue claims one batch of due deliveries, sends them concurrently and
// records every attempt; it answers how many it claimed.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	return s.deliver(ctx, nil)
}

// deliver claims one batch of the due deliveries of the outbox events (all
// events when nil), sends them and records every attempt.
func (s *Service) deliver(ctx context.Context, outbox []int64) (int, error) {
	if ctx.Err() != nil {
		return 0, nil // stopping: claim nothing more
	}
	s.running.Add(1)
	defer s.running.Done()
	// Recording must survive the stop of ctx: what was sent is written down.
	keep := context.WithoutCancel(ctx)
	batch, events, endpoints, err := s.claim(keep, outbox)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	results := make([]result, len(batch))
	sem := make(chan struct{}, s.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, d := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = s.send(ctx, keep, d, events[d.OutboxID], endpoints)
		}()
	}
	wg.Wait()
	return len(batch), s.record(keep, results)
}

// claim takes due deliveries under a lease: PostgreSQL skips rows another
// process holds (FOR UPDATE SKIP LOCKED); SQLite's single writer serialises
// claims. Deliveries whose lease ran out (a process died while sending) go
// back to the queue first.
func (s *Service) claim(ctx context.Context, outbox []int64) ([]claimed, map[int64]outboxRow, map[int64]Endpoint, error) {
	now := s.now()
	var batch []claimed
	only, onlyArgs := "", []any{}
	if outbox != nil {
		q, args, err := store.In(" AND outbox_id IN (?)", outbox)
		if err != nil {
			return nil, nil, nil, err
		}
		only, onlyArgs = q, args
	}
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Exec(ctx, "UPDATE notification_deliveries SET status = ?, lease_until = NULL, last_error = ?, updated_at = ? WHERE status = ? AND lease_until < ?",
			StatusPending, "租约到期：发送进程未记录结果，重新排队", now, StatusSending, now); err != nil {
			return err
		}
		lock := ""
		if s.db.Dialect == store.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		args := append([]any{StatusSending, now.Add(s.cfg.Lease), now, StatusPending, now}, onlyArgs...)
		return s.db.Select(ctx, &batch, `UPDATE notification_deliveries SET status = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
			WHERE id IN (SELECT id FROM notification_deliveries WHERE status = ? AND next_attempt_at <= ?`+only+` ORDER BY next_attempt_at, id LIMIT ?`+lock+`)
			RETURNING id, outbox_id, dedup_key, channel, endpoint_id, recipient, subject, body, attempts, user_id`,
			append(args, s.cfg.BatchSize)...)
	})
	if err != nil || len(batch) == 0 {
		return nil, nil, nil, err
	}
	ids := make([]int64, 0, len(batch))
	for _, d := range batch {
		ids = append(ids, d.OutboxID)
	}
	q, args, err := store.In("SELECT id, event_key, kind, level, ticket_id, vars, created_at, attachments FROM notifications_outbox WHERE id IN (?)", ids)
	if err != nil {
		return nil, nil, nil, err
	}
	var rows []outboxRow
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return nil, nil, nil, err
	}
	events := map[int64]outboxRow{}
	for _, r := range rows {
		events[r.ID] = r
	}
	eps := map[int64]Endpoint{}
	var all []Endpoint
	if err := s.db.Select(ctx, &all, "SELECT "+endpointCols+" FROM notification_endpoints"); err != nil {
		return nil, nil, nil, err
	}
	for _, e := range all {
		eps[e.ID] = e
	}
	return batch, events, eps, nil
}

func (s *Service) send(ctx, keep context.Context, d claimed, ev outboxRow, endpoints map[int64]Endpoint) result {
	if ctx.Err() != nil {
		return result{d: d, released: true}
	}
	snd := s.sender(d.Channel)
	if snd == nil {
		return result{d: d, err: Permanent(errors.New("渠道未配置：" + d.Channel))}
	}
	m := Message{DeliveryID: d.ID, Key: d.Key, Channel: d.Channel, To: d.Recipient, Subject: d.Subject, Body: d.Body,
		EventKey: ev.EventKey, Kind: ev.Kind, Level: ev.Level, TicketID: ev.TicketID, CreatedAt: ev.CreatedAt}
	_ = json.Unmarshal([]byte(ev.Vars), &m.Vars)
	if d.Channel == ChannelEmail {
		_ = json.Unmarshal([]byte(ev.Files), &m.Attachments)
		m.Attachments = s.resolve(m.Attachments)
	}
	if d.EndpointID != nil {
		e, ok := endpoints[*d.EndpointID]
		if !ok {
			return result{d: d, err: Permanent(errors.New("端点已删除"))}
		}
		m.To, m.Secret = e.URL, e.Secret
	}
	if b := s.limits[d.Channel]; b != nil {
		if err := b.wait(ctx); err != nil {
			return result{d: d, released: true}
		}
	}
	sendCtx, cancel := context.WithTimeout(keep, s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	err := snd.Send(sendCtx, m)
	return result{d: d, err: err, took: time.Since(start)}
}

// backoff is RetryBase·2^(attempt−1), at most RetryMax, with ±10 % jitter.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.RetryBase
	for i := 1; i < attempt && d < s.cfg.RetryMax; i++ {
		d *= 2
	}
	d = min(d, s.cfg.RetryMax)
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d))
}

// record writes the outcome of a batch in one transaction.
func (s *Service) record(ctx context.Context, results []result) error {
	now := s.now()
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		for _, r := range results {
			if r.released {
				if _, err := s.db.Exec(ctx, "UPDATE notification_deliveries SET status = ?, lease_until = NULL, attempts = attempts - 1, updated_at = ? WHERE id = ? AND status = ?",
					StatusPending, now, r.d.ID, StatusSending); err != nil {
					return err
				}
				continue
			}
			msg := ""
			if r.err != nil {
				msg = trim(r.err.Error(), 1000)
			}
			if _, err := s.db.Exec(ctx, "INSERT INTO notification_attempts (delivery_id, attempt, at, ok, error, duration_ms, worker) VALUES (?, ?, ?, ?, ?, ?, ?)",
				r.d.ID, r.d.Attempts, now, r.err == nil, msg, int(r.took/time.Millisecond), s.worker); err != nil {
				return err
			}
			var err error
			switch {
			case r.err == nil:
				_, err = s.db.Exec(ctx, "UPDATE notification_deliveries SET status = ?, sent_at = ?, lease_until = NULL, last_error = '', updated_at = ? WHERE id = ?",
					StatusSent, now, now, r.d.ID)
			case IsPermanent(r.err) || r.d.Attempts >= s.cfg.MaxAttempts:
				_, err = s.db.Exec(ctx, "UPDATE notification_deliveries SET status = ?, lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?",
					StatusFailed, msg, now, r.d.ID)
			default:
				_, err = s.db.Exec(ctx, "UPDATE notification_deliveries SET status = ?, lease_until = NULL, last_error = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?",
					StatusPending, msg, now.Add(s.backoff(r.d.Attempts)), now, r.d.ID)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// Wait blocks until no delivery pass of this process is running (a graceful stop).
func (s *Service) Wait() { s.running.Wait() }

// Delivery is one delivery with its attempts, for the admin's log.
type Delivery struct {
	ID            int64      `db:"id" json:"id"`
	EventKey      string     `db:"event_key" json:"event_key"`
	Kind          string     `db:"kind" json:"kind"`
	Level         int        `db:"level" json:"level"`
	TicketID      *int64     `db:"ticket_id" json:"ticket_id"`
	Channel       string     `db:"channel" json:"channel"`
	UserID        *int64     `db:"user_id" json:"user_id"`
	EndpointID    *int64     `db:"endpoint_id" json:"endpoint_id"`
	Recipient     string     `db:"recipient" json:"recipient"`
	Subject       string     `db:"subject" json:"subject"`
	Status        string     `db:"status" json:"status"`
	Attempts      int        `db:"attempts" json:"attempts"`
	NextAttemptAt *time.Time `db:"next_attempt_at" json:"next_attempt_at"`
	LastError     string     `db:"last_error" json:"error"`
	SentAt        *time.Time `db:"sent_at" json:"sent_at"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updated_at"`
	History       []Attempt  `db:"-" json:"history"`
	// External is true for a delivery to a customer (neither a user nor an
	// endpoint); its phone number is masked for callers without
	// customer.pii.reveal.
	External bool `db:"-" json:"external"`
}

// Attempt is one try to deliver.
type Attempt struct {
	DeliveryID int64     `db:"delivery_id" json:"-"`
	Attempt    int       `db:"attempt" json:"attempt"`
	At         time.Time `db:"at" json:"at"`
	OK         bool      `db:"ok" json:"ok"`
	Error      string    `db:"error" json:"error"`
	DurationMS int       `db:"duration_ms" json:"duration_ms"`
	Worker     string    `db:"worker" json:"worker"`
}

// DeliveryFilter narrows the delivery log.
type DeliveryFilter struct {
	Status, Channel  string
	TicketID, UserID int64
	EventKey         string
	Limit, Offset    int
}

const deliverySelect = `SELECT d.id, o.event_key, o.kind, o.level, o.ticket_id, d.channel, d.user_id, d.endpoint_id, d.recipient, d.subject, d.status, d.attempts,
	d.next_attempt_at, d.last_error, d.sent_at, d.created_at, d.updated_at
	FROM notification_deliveries d JOIN notifications_outbox o ON o.id = d.outbox_id`

// Deliveries lists deliveries, newest first, each with its attempts.
func (s *Service) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, int, error) {
	w, args := " WHERE 1 = 1", []any{}
	add := func(cond string, v any) { w += " AND " + cond; args = append(args, v) }
	if f.Status != "" {
		add("d.status = ?", f.Status)
	}
	if f.Channel != "" {
		add("d.channel = ?", f.Channel)
	}
	if f.TicketID != 0 {
		add("o.ticket_id = ?", f.TicketID)
	}
	if f.UserID != 0 {
		add("d.user_id = ?", f.UserID)
	}
	if f.EventKey != "" {
		add("o.event_key = ?", f.EventKey)
	}
	var total int
	if err := s.db.Get(ctx, &total, "SELECT count(*) FROM notification_deliveries d JOIN notifications_outbox o ON o.id = d.outbox_id"+w, args...); err != nil {
		return nil, 0, err
	}
	out := []Delivery{}
	if err := s.db.Select(ctx, &out, deliverySelect+w+" ORDER BY d.id DESC LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...); err != nil {
		return nil, 0, err
	}
	return out, total, s.history(ctx, out)
}

func (s *Service) history(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]int64, len(ds))
	idx := map[int64]int{}
	for i, d := range ds {
		ids[i], idx[d.ID] = d.ID, i
		ds[i].History = []Attempt{}
		if d.Status != StatusPending {
			ds[i].NextAttemptAt = nil // only a queued delivery has a next attempt
		}
	}
	q, args, err := store.In("SELECT delivery_id, attempt, at, ok, error, duration_ms, worker FROM notification_attempts WHERE delivery_id IN (?) ORDER BY id", ids)
	if err != nil {
		return err
	}
	var rows []Attempt
	if err := s.db.Select(ctx, &rows, q, args...); err != nil {
		return err
	}
	for _, a := range rows {
		i := idx[a.DeliveryID]
		ds[i].History = append(ds[i].History, a)
	}
	for i, d := range ds {
		// An in-app notification is delivered by being stored: one attempt.
		if d.Channel == ChannelInApp && len(d.History) == 0 && d.SentAt != nil {
			ds[i].History = []Attempt{{Attempt: 1, At: *d.SentAt, OK: true}}
		}
	}
	return nil
}

// Delivery returns one delivery with its attempts.
func (s *Service) Delivery(ctx context.Context, id int64) (*Delivery, error) {
	var d Delivery
	err := s.db.Get(ctx, &d, deliverySelect+" WHERE d.id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("投递记录", "delivery")
	}
	if err != nil {
		return nil, err
	}
	ds := []Delivery{d}
	if err := s.history(ctx, ds); err != nil {
		return nil, err
	}
	return &ds[0], nil
}

// Resend queues a failed (or sent) delivery again, now, with a fresh
// allowance of attempts (audited). In-app notifications are stored, not sent.
func (s *Service) Resend(ctx context.Context, id int64) (*Delivery, error) {
	var out *Delivery
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		d, err := s.Delivery(ctx, id)
		if err != nil {
			return err
		}
		if d.Channel == ChannelInApp {
			return apperr.New(apperr.Conflict, "站内通知无需重发", "in-app notifications are stored, not sent")
		}
		if d.Status == StatusPending || d.Status == StatusSending {
			return apperr.New(apperr.Conflict, "该投递正在排队或发送中", "the delivery is already queued or being sent")
		}
		now := s.now()
		if _, err := s.db.Exec(ctx, "UPDATE notification_deliveries SET status = ?, attempts = 0, next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE id = ?",
			StatusPending, now, now, id); err != nil {
			return err
		}
		var outboxID int64
		if err := s.db.Get(ctx, &outboxID, "SELECT outbox_id FROM notification_deliveries WHERE id = ?", id); err != nil {
			return err
		}
		if err := s.enqueueJobs(ctx, []int64{outboxID}); err != nil {
			return err
		}
		if out, err = s.Delivery(ctx, id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "resend", Entity: "notification_delivery", EntityID: id,
			Summary: "重发通知（" + d.Channel + " → " + d.Recipient + "）", Before: map[string]any{"status": d.Status, "error": d.LastError}, After: map[string]any{"status": StatusPending}})
	})
	return out, err
}
