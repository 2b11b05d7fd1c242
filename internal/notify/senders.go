package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Message is one delivery handed to a channel.
type Message struct {
	DeliveryID int64
	Key        string // the delivery's de-duplication key
	Channel    string
	To         string // e-mail address, phone number, or the endpoint's URL
	Secret     string // the endpoint's secret (robots, webhooks)
	Subject    string
	Body       string
	// The event.
	EventKey  string
	Kind      string
	Level     int
	TicketID  *int64
	Vars      map[string]string
	CreatedAt time.Time
	// Attachments of an e-mail.
	Attachments []Attachment
}

// Text is the message as one block of text (robots, SMS gateways).
func (m Message) Text() string {
	if m.Subject == "" {
		return m.Body
	}
	return m.Subject + "\n" + m.Body
}

// Sender delivers messages on one channel.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// PermanentError is a failure that retrying cannot fix (a rejected address,
// a bad signature, a 4xx answer): the delivery fails at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err was marked permanent.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// postJSON posts a JSON body and reads the answer (at most 64 KB). Status
// 4xx other than 408 and 429 is permanent; 5xx, 408, 429 and network errors
// are temporary.
func postJSON(ctx context.Context, client *http.Client, rawURL string, body []byte, header http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		err := fmt.Errorf("HTTP %d: %s", resp.StatusCode, trim(strings.TrimSpace(string(out)), 200))
		if resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
			return out, Permanent(err)
		}
		return out, err
	}
	return out, nil
}

// robotAnswer reads a WeCom or DingTalk answer {"errcode": 0, "errmsg": "ok"}:
// a non-zero code is permanent except the rate-limit ones (WeCom 45009,
// DingTalk 130101 and 410100).
func robotAnswer(body []byte) error {
	var a struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("unreadable answer: %s", trim(string(body), 200))
	}
	if a.ErrCode == 0 {
		return nil
	}
	err := fmt.Errorf("errcode %d: %s", a.ErrCode, a.ErrMsg)
	switch a.ErrCode {
	case 45009, 130101, 410100, -1:
		return err
	}
	return Permanent(err)
}

// WeComSender posts to a WeCom (企业微信) group robot's webhook URL
// (https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…), a text message.
type WeComSender struct{ Client *http.Client }

// Send posts the message.
func (w *WeComSender) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": m.Text()}})
	out, err := postJSON(ctx, w.Client, m.To, body, nil)
	if err != nil {
		return err
	}
	return robotAnswer(out)
}

// DingTalkSender posts to a DingTalk (钉钉) custom robot. With a secret (加签),
// the URL carries timestamp (ms) and sign = URL-encoded
// Base64(HMAC-SHA256(key = secret, timestamp + "\n" + secret)).
type DingTalkSender struct {
	Client *http.Client
	Now    func() time.Time
}

// DingTalkSign is the documented signature of a DingTalk robot call.
func DingTalkSign(timestampMS int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMS, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DingTalkURL adds the timestamp and signature to a robot URL.
func DingTalkURL(rawURL, secret string, now time.Time) (string, error) {
	if secret == "" {
		return rawURL, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	ts := now.UnixMilli()
	q := u.Query()
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("sign", DingTalkSign(ts, secret))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Send posts the message.
func (d *DingTalkSender) Send(ctx context.Context, m Message) error {
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	target, err := DingTalkURL(m.To, m.Secret, now)
	if err != nil {
		return Permanent(err)
	}
	body, _ := json.Marshal(map[string]any{"msgtype": "text", "text": map[string]string{"content": m.Text()}})
	out, err := postJSON(ctx, d.Client, target, body, nil)
	if err != nil {
		return err
	}
	return robotAnswer(out)
}

// WebhookSender posts events to a customer system. The body is JSON; the
// headers carry X-Lingting-Event, X-Lingting-Delivery (the de-duplication
// key: a receiver drops repeats by it), X-Lingting-Timestamp (Unix seconds)
// and X-Lingting-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>.
type WebhookSender struct {
	Client *http.Client
	Now    func() time.Time
}

// WebhookSignature signs a webhook body.
func WebhookSignature(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookPayload is the JSON a webhook receives.
type WebhookPayload struct {
	Delivery  string            `json:"delivery"`
	Event     string            `json:"event"`
	EventKey  string            `json:"event_key"`
	Level     int               `json:"level"`
	TicketID  *int64            `json:"ticket_id"`
	Subject   string            `json:"subject"`
	Body      string            `json:"body"`
	Vars      map[string]string `json:"vars"`
	CreatedAt time.Time         `json:"created_at"`
}

// Send posts the event.
func (w *WebhookSender) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(WebhookPayload{Delivery: m.Key, Event: m.Kind, EventKey: m.EventKey, Level: m.Level, TicketID: m.TicketID,
		Subject: m.Subject, Body: m.Body, Vars: m.Vars, CreatedAt: m.CreatedAt})
	now := time.Now()
	if w.Now != nil {
		now = w.Now()
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	h := http.Header{}
	h.Set("X-Lingting-Event", m.Kind)
	h.Set("X-Lingting-Delivery", m.Key)
	h.Set("X-Lingting-Timestamp", ts)
	h.Set("X-Lingting-Signature", WebhookSignature(m.Secret, ts, body))
	_, err := postJSON(ctx, w.Client, m.To, body, h)
	return err
}
