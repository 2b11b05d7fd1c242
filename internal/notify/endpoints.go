package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"lingting/internal/apperr"
	"lingting/internal/audit"
	"lingting/internal/store"
)

// Endpoint is a group robot (WeCom, DingTalk) or an outgoing webhook that
// receives events of the kinds it subscribes to.
type Endpoint struct {
	ID        int64     `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	Kind      string    `db:"kind" json:"kind"` // wecom, dingtalk, webhook
	URL       string    `db:"url" json:"url"`   // answered with query values masked
	Secret    string    `db:"secret" json:"-"`
	HasSecret bool      `db:"-" json:"has_secret"`
	EventsRaw string    `db:"events" json:"-"`
	Events    []string  `db:"-" json:"events"` // empty: every kind
	MinLevel  int       `db:"min_level" json:"min_level"`
	Active    bool      `db:"active" json:"active"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// Accepts reports whether the endpoint subscribes to an event.
func (e *Endpoint) Accepts(kind string, level int) bool {
	return e.Active && (len(e.Events) == 0 || slices.Contains(e.Events, kind)) && (level >= e.MinLevel || kind != KindSLAEscalation)
}

func (e *Endpoint) decode() {
	_ = json.Unmarshal([]byte(e.EventsRaw), &e.Events)
	if e.Events == nil {
		e.Events = []string{}
	}
	e.HasSecret = e.Secret != ""
}

// masked is the endpoint as answered: query values (robot keys and tokens) hidden.
func (e Endpoint) masked() Endpoint {
	if u, err := url.Parse(e.URL); err == nil && u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q.Set(k, "***")
		}
		u.RawQuery = q.Encode()
		e.URL = strings.ReplaceAll(u.String(), "%2A%2A%2A", "***")
	}
	return e
}

const endpointCols = "id, name, kind, url, secret, events, min_level, active, created_at, updated_at"

func (s *Service) activeEndpoints(ctx context.Context) ([]Endpoint, error) {
	var out []Endpoint
	if err := s.db.Select(ctx, &out, "SELECT "+endpointCols+" FROM notification_endpoints WHERE active = ? ORDER BY id", true); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].decode()
	}
	return out, nil
}

func (s *Service) endpoint(ctx context.Context, id int64) (*Endpoint, error) {
	var e Endpoint
	err := s.db.Get(ctx, &e, "SELECT "+endpointCols+" FROM notification_endpoints WHERE id = ?", id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("通知端点", "endpoint")
	}
	if err != nil {
		return nil, err
	}
	e.decode()
	return &e, nil
}

// Endpoints lists the robots and webhooks (URLs masked).
func (s *Service) Endpoints(ctx context.Context) ([]Endpoint, error) {
	var out []Endpoint
	if err := s.db.Select(ctx, &out, "SELECT "+endpointCols+" FROM notification_endpoints ORDER BY id"); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].decode()
		out[i] = out[i].masked()
	}
	return out, nil
}

// Endpoint returns one endpoint (URL masked).
func (s *Service) Endpoint(ctx context.Context, id int64) (*Endpoint, error) {
	e, err := s.endpoint(ctx, id)
	if err != nil {
		return nil, err
	}
	m := e.masked()
	return &m, nil
}

// EndpointInput creates or changes an endpoint. On a change, a nil URL or
// Secret keeps the stored one.
type EndpointInput struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	URL      *string  `json:"url"`
	Secret   *string  `json:"secret"`
	Events   []string `json:"events"`
	MinLevel int      `json:"min_level"`
	Active   *bool    `json:"active"`
}

var endpointKinds = []string{ChannelWeCom, ChannelDingTalk, ChannelWebhook}

// EndpointKind reports whether robots and webhooks can receive a kind: a
// scheduled report is e-mailed to its subscriber only (Direct), and ticket
// notices carry comment text for the people who may see the ticket, so
// subscribing an endpoint to them would promise deliveries that never come.
func EndpointKind(kind string) bool {
	return kind != KindReportScheduled && !isPersonalKind(kind)
}

// SaveEndpoint creates (id 0) or changes an endpoint (audited; secrets are
// never in the audit log).
func (s *Service) SaveEndpoint(ctx context.Context, id int64, in EndpointInput) (*Endpoint, error) {
	var out *Endpoint
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		var before *Endpoint
		if id != 0 {
			var err error
			if before, err = s.endpoint(ctx, id); err != nil {
				return err
			}
		}
		var v apperr.Validation
		in.Name = strings.TrimSpace(in.Name)
		v.Required("name", in.Name)
		if len([]rune(in.Name)) > 64 {
			v.Add("name", "名称不能超过 64 字", "name must be at most 64 characters")
		}
		if !slices.Contains(endpointKinds, in.Kind) {
			v.Add("kind", "类型须为 wecom、dingtalk 或 webhook", "kind must be wecom, dingtalk or webhook")
		}
		rawURL, secret := "", ""
		if before != nil {
			rawURL, secret = before.URL, before.Secret
		}
		if in.URL != nil {
			rawURL = strings.TrimSpace(*in.URL)
		}
		if in.Secret != nil {
			secret = strings.TrimSpace(*in.Secret)
		}
		if u, err := url.Parse(rawURL); rawURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add("url", "须为 http(s):// 地址", "must be an http(s):// URL")
		}
		if in.Kind == ChannelWebhook && secret == "" {
			v.Add("secret", "Webhook 须设置签名密钥", "a webhook needs a signing secret")
		}
		if len(secret) > 256 {
			v.Add("secret", "密钥过长", "secret too long")
		}
		events := []string{}
		for i, k := range in.Events {
			if !slices.Contains(Kinds, k) {
				v.Add(fmt.Sprintf("events[%d]", i), "未知事件："+k, "unknown event: "+k)
			} else if !EndpointKind(k) {
				v.Add(fmt.Sprintf("events[%d]", i), "该事件只发给个人，不发往群机器人或 Webhook："+k, "this event goes to people only, never to robots or webhooks: "+k)
			} else if !slices.Contains(events, k) {
				events = append(events, k)
			}
		}
		if in.MinLevel < 0 || in.MinLevel > 9 {
			v.Add("min_level", "须在 0–9 之间", "must be from 0 to 9")
		}
		if err := v.Err(); err != nil {
			return err
		}
		active := true
		if in.Active != nil {
			active = *in.Active
		} else if before != nil {
			active = before.Active
		}
		ev, _ := json.Marshal(events)
		now := store.Now()
		var err error
		if id == 0 {
			id, err = s.db.InsertID(ctx, "INSERT INTO notification_endpoints (name, kind, url, secret, events, min_level, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				in.Name, in.Kind, rawURL, secret, string(ev), in.MinLevel, active, now, now)
		} else {
			_, err = s.db.Exec(ctx, "UPDATE notification_endpoints SET name = ?, kind = ?, url = ?, secret = ?, events = ?, min_level = ?, active = ?, updated_at = ? WHERE id = ?",
				in.Name, in.Kind, rawURL, secret, string(ev), in.MinLevel, active, now, id)
		}
		if store.IsUniqueViolation(err) {
			return apperr.Field("name", "名称已存在", "an endpoint with this name already exists")
		}
		if err != nil {
			return err
		}
		if out, err = s.Endpoint(ctx, id); err != nil {
			return err
		}
		e := audit.Entry{Action: "create", Entity: "notification_endpoint", EntityID: id, Summary: "新增通知端点 " + out.Name, After: out}
		if before != nil {
			m := before.masked()
			e.Action, e.Before, e.Summary = "update", m, "修改通知端点 "+out.Name
		}
		return s.audit.Record(ctx, e)
	})
	return out, err
}

// DeleteEndpoint removes an endpoint that never received anything; one with
// deliveries is kept for the log (deactivate it instead).
func (s *Service) DeleteEndpoint(ctx context.Context, id int64) error {
	return s.db.WithTx(ctx, func(ctx context.Context) error {
		before, err := s.endpoint(ctx, id)
		if err != nil {
			return err
		}
		var n int
		if err := s.db.Get(ctx, &n, "SELECT count(*) FROM notification_deliveries WHERE endpoint_id = ?", id); err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, fmt.Sprintf("该端点已有 %d 条投递记录，不能删除，可改为停用", n), fmt.Sprintf("the endpoint has %d deliveries; deactivate it instead", n))
		}
		if _, err := s.db.Exec(ctx, "DELETE FROM notification_endpoints WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Entry{Action: "delete", Entity: "notification_endpoint", EntityID: id, Summary: "删除通知端点 " + before.Name, Before: before.masked()})
	})
}
