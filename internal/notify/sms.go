package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // Alibaba Cloud's RPC signature is HMAC-SHA1 by specification
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SMSConfig selects and configures the SMS gateway.
type SMSConfig struct {
	// Provider is "aliyun" (Alibaba Cloud SMS, dysmsapi 2017-05-25),
	// "tencent" (Tencent Cloud SMS, sms 2021-01-11) or "http" (a generic
	// JSON gateway); empty disables SMS.
	Provider string
	// Endpoint overrides the provider's URL (tests, private gateways).
	Endpoint        string
	AccessKeyID     string // Aliyun AccessKeyId / Tencent SecretId
	AccessKeySecret string // Aliyun AccessKeySecret / Tencent SecretKey / the HTTP gateway's signing secret
	SignName        string // the approved signature (短信签名)
	TemplateCode    string // the approved template (Aliyun SMS_…, Tencent template id)
	AppID           string // Tencent SmsSdkAppId
	Region          string // Aliyun RegionId (cn-hangzhou) / Tencent region (ap-guangzhou)
	// TemplateParams are the variables passed to the provider's template, in
	// order (Tencent's TemplateParamSet is positional). Default:
	// ticket_number, target, hours.
	TemplateParams []string
}

func (c SMSConfig) params() []string {
	names := c.TemplateParams
	if len(names) == 0 {
		names = []string{"ticket_number", "target", "hours"}
	}
	return names
}

// NewSMSSender builds the configured gateway (nil when none).
func NewSMSSender(c SMSConfig, client *http.Client, now func() time.Time) Sender {
	switch lower(c.Provider) {
	case "aliyun":
		return &AliyunSMS{Config: c, Client: client, Now: now}
	case "tencent":
		return &TencentSMS{Config: c, Client: client, Now: now}
	case "http":
		return &HTTPSMS{Config: c, Client: client, Now: now}
	}
	return nil
}

func nowOr(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

// ---- Alibaba Cloud (阿里云短信) -------------------------------------------

// AliyunSMS sends through Alibaba Cloud SMS (SendSms, API version
// 2017-05-25) with the RPC signature (SignatureVersion 1.0, HMAC-SHA1).
type AliyunSMS struct {
	Config SMSConfig
	Client *http.Client
	Now    func() time.Time
}

// AliyunPercentEncode is the RPC signature's encoding: RFC 3986 with space
// as %20, * as %2A and ~ kept.
func AliyunPercentEncode(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20")
	e = strings.ReplaceAll(e, "*", "%2A")
	return strings.ReplaceAll(e, "%7E", "~")
}

// AliyunStringToSign is METHOD&%2F&percentEncode(canonicalized query), the
// parameters sorted by name (Signature itself excluded).
func AliyunStringToSign(method string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = AliyunPercentEncode(k) + "=" + AliyunPercentEncode(params[k])
	}
	return method + "&" + AliyunPercentEncode("/") + "&" + AliyunPercentEncode(strings.Join(parts, "&"))
}

// AliyunSignature is Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)).
func AliyunSignature(method string, params map[string]string, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(AliyunStringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Send posts SendSms as a form (POST, signed as such).
func (a *AliyunSMS) Send(ctx context.Context, m Message) error {
	c := a.Config
	tp := map[string]string{}
	for _, n := range c.params() {
		tp[n] = m.Vars[n]
	}
	tpJSON, _ := json.Marshal(tp)
	region := c.Region
	if region == "" {
		region = "cn-hangzhou"
	}
	params := map[string]string{
		"AccessKeyId": c.AccessKeyID, "Action": "SendSms", "Format": "JSON", "PhoneNumbers": m.To, "RegionId": region,
		"SignName": c.SignName, "SignatureMethod": "HMAC-SHA1", "SignatureNonce": nonce(), "SignatureVersion": "1.0",
		"TemplateCode": c.TemplateCode, "TemplateParam": string(tpJSON), "Version": "2017-05-25",
		"Timestamp": nowOr(a.Now).UTC().Format("2006-01-02T15:04:05Z"), "OutId": strconv.FormatInt(m.DeliveryID, 10),
	}
	params["Signature"] = AliyunSignature("POST", params, c.AccessKeySecret)
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = "https://dysmsapi.aliyuncs.com/"
	}
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	out, err := postJSON(ctx, a.Client, endpoint, []byte(form.Encode()), h)
	var ans struct{ Code, Message string }
	if jerr := json.Unmarshal(out, &ans); jerr == nil && ans.Code != "" && ans.Code != "OK" {
		e := fmt.Errorf("aliyun %s: %s", ans.Code, ans.Message)
		if strings.HasPrefix(ans.Code, "isv.BUSINESS_LIMIT_CONTROL") || strings.HasPrefix(ans.Code, "Throttling") || strings.HasPrefix(ans.Code, "isp.") || strings.HasPrefix(ans.Code, "ServiceUnavailable") {
			return e
		}
		return Permanent(e)
	}
	if err != nil {
		return err
	}
	if ans.Code != "OK" {
		return fmt.Errorf("aliyun: unreadable answer %s", trim(string(out), 200))
	}
	return nil
}

// ---- Tencent Cloud (腾讯云短信) --------------------------------------------

// TencentSMS sends through Tencent Cloud SMS (SendSms, 2021-01-11) signed
// with TC3-HMAC-SHA256.
type TencentSMS struct {
	Config SMSConfig
	Client *http.Client
	Now    func() time.Time
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// TC3 holds what a TC3-HMAC-SHA256 signature covers.
type TC3 struct {
	SecretID, SecretKey string
	Service, Host       string
	ContentType         string // the Content-Type header as sent
	Timestamp           int64
	Payload             []byte
}

// CanonicalRequest is POST / "" with the content-type and host headers signed.
func (t TC3) CanonicalRequest() string {
	return "POST\n/\n\ncontent-type:" + t.ContentType + "\nhost:" + t.Host + "\n\ncontent-type;host\n" + sha256Hex(t.Payload)
}

// Date is the UTC date of the timestamp.
func (t TC3) Date() string { return time.Unix(t.Timestamp, 0).UTC().Format("2006-01-02") }

// StringToSign is algorithm, timestamp, credential scope, hashed canonical request.
func (t TC3) StringToSign() string {
	return "TC3-HMAC-SHA256\n" + strconv.FormatInt(t.Timestamp, 10) + "\n" + t.Date() + "/" + t.Service + "/tc3_request\n" + sha256Hex([]byte(t.CanonicalRequest()))
}

// Signature derives the signing key (TC3+key → date → service → tc3_request) and signs.
func (t TC3) Signature() string {
	k := hmacSHA256([]byte("TC3"+t.SecretKey), t.Date())
	k = hmacSHA256(k, t.Service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, t.StringToSign()))
}

// Authorization is the Authorization header.
func (t TC3) Authorization() string {
	return "TC3-HMAC-SHA256 Credential=" + t.SecretID + "/" + t.Date() + "/" + t.Service + "/tc3_request, SignedHeaders=content-type;host, Signature=" + t.Signature()
}

// Send posts SendSms.
func (s *TencentSMS) Send(ctx context.Context, m Message) error {
	c := s.Config
	phone := m.To
	if !strings.HasPrefix(phone, "+") {
		phone = "+86" + phone
	}
	set := []string{}
	for _, n := range c.params() {
		set = append(set, m.Vars[n])
	}
	payload, _ := json.Marshal(map[string]any{"PhoneNumberSet": []string{phone}, "SmsSdkAppId": c.AppID, "SignName": c.SignName,
		"TemplateId": c.TemplateCode, "TemplateParamSet": set, "SessionContext": m.Key})
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = "https://sms.tencentcloudapi.com/"
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return Permanent(err)
	}
	region := c.Region
	if region == "" {
		region = "ap-guangzhou"
	}
	sig := TC3{SecretID: c.AccessKeyID, SecretKey: c.AccessKeySecret, Service: "sms", Host: u.Host, ContentType: "application/json; charset=utf-8",
		Timestamp: nowOr(s.Now).Unix(), Payload: payload}
	h := http.Header{}
	h.Set("Content-Type", sig.ContentType)
	h.Set("Authorization", sig.Authorization())
	h.Set("X-TC-Action", "SendSms")
	h.Set("X-TC-Version", "2021-01-11")
	h.Set("X-TC-Timestamp", strconv.FormatInt(sig.Timestamp, 10))
	h.Set("X-TC-Region", region)
	out, err := postJSON(ctx, s.Client, endpoint, payload, h)
	if err != nil {
		return err
	}
	var ans struct {
		Response struct {
			Error *struct{ Code, Message string }
			// SendStatusSet has one entry per phone number.
			SendStatusSet []struct{ Code, Message string }
		}
	}
	if err := json.Unmarshal(out, &ans); err != nil {
		return fmt.Errorf("tencent: unreadable answer %s", trim(string(out), 200))
	}
	classify := func(code, msg string) error {
		e := fmt.Errorf("tencent %s: %s", code, msg)
		if strings.HasPrefix(code, "LimitExceeded") || strings.HasPrefix(code, "InternalError") || strings.HasPrefix(code, "RequestLimitExceeded") {
			return e
		}
		return Permanent(e)
	}
	if e := ans.Response.Error; e != nil {
		return classify(e.Code, e.Message)
	}
	for _, st := range ans.Response.SendStatusSet {
		if !strings.EqualFold(st.Code, "Ok") {
			return classify(st.Code, st.Message)
		}
	}
	if len(ans.Response.SendStatusSet) == 0 {
		return fmt.Errorf("tencent: no send status in %s", trim(string(out), 200))
	}
	return nil
}

// ---- a generic HTTP/JSON gateway ------------------------------------------

// HTTPSMS posts {"phone", "text", "delivery", "event", "vars"} to Endpoint,
// signed like a webhook (X-Lingting-Timestamp, X-Lingting-Signature) with
// AccessKeySecret. Any 2xx answer is success.
type HTTPSMS struct {
	Config SMSConfig
	Client *http.Client
	Now    func() time.Time
}

// Send posts the message.
func (s *HTTPSMS) Send(ctx context.Context, m Message) error {
	body, _ := json.Marshal(map[string]any{"phone": m.To, "text": m.Body, "delivery": m.Key, "event": m.Kind, "vars": m.Vars})
	ts := strconv.FormatInt(nowOr(s.Now).Unix(), 10)
	h := http.Header{}
	h.Set("X-Lingting-Delivery", m.Key)
	h.Set("X-Lingting-Timestamp", ts)
	h.Set("X-Lingting-Signature", WebhookSignature(s.Config.AccessKeySecret, ts, body))
	_, err := postJSON(ctx, s.Client, s.Config.Endpoint, body, h)
	return err
}
