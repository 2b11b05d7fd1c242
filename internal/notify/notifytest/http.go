package notifytest

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // Alibaba Cloud's RPC signature is HMAC-SHA1 by specification
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Received is one request a receiver accepted.
type Received struct {
	Key    string            // the delivery key (webhooks), or a provider field
	Fields map[string]string // what the receiver read from the request
	Body   []byte
}

// Receiver is a local HTTP server that checks each request, stores the ones
// it accepts and answers like the real service.
type Receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []Received
	rejected []string
	// FailNext makes the next n requests answer 503 (a service down for a while).
	FailNext atomic.Int64
	// Now is the receiver's clock for timestamp checks (default time.Now).
	Now func() time.Time
}

func newReceiver(check func(r *http.Request, body []byte) (Received, int, any)) *Receiver {
	rc := &Receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if rc.FailNext.Load() > 0 {
			rc.FailNext.Add(-1)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"error":"down"}`))
			return
		}
		rec, status, answer := check(r, body)
		rc.mu.Lock()
		if status/100 == 2 && rec.Fields != nil {
			rec.Body = body
			rc.got = append(rc.got, rec)
		} else {
			rc.rejected = append(rc.rejected, fmt.Sprint(answer))
		}
		rc.mu.Unlock()
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(answer)
	}))
	return rc
}

func (rc *Receiver) now() time.Time {
	if rc.Now != nil {
		return rc.Now()
	}
	return time.Now()
}

// Count is the number of accepted requests.
func (rc *Receiver) Count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// Received returns a copy of the accepted requests.
func (rc *Receiver) Received() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Received(nil), rc.got...)
}

// Rejected returns the answers to refused requests.
func (rc *Receiver) Rejected() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.rejected...)
}

// Keys counts accepted requests per key (to find repeats).
func (rc *Receiver) Keys() map[string]int {
	out := map[string]int{}
	for _, r := range rc.Received() {
		out[r.Key]++
	}
	return out
}

// NewWebhookReceiver checks X-Lingting-Signature = "sha256=" + hex
// HMAC-SHA256(secret, X-Lingting-Timestamp + "." + body) and a timestamp
// within five minutes; the key is X-Lingting-Delivery.
func NewWebhookReceiver(secret string) *Receiver {
	var rc *Receiver
	rc = newReceiver(func(r *http.Request, body []byte) (Received, int, any) {
		ts := r.Header.Get("X-Lingting-Timestamp")
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "." + string(body)))
		want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Lingting-Signature"))) {
			return Received{}, http.StatusUnauthorized, map[string]string{"error": "bad signature"}
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || rc.now().Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
			return Received{}, http.StatusUnauthorized, map[string]string{"error": "stale timestamp"}
		}
		var p map[string]any
		if json.Unmarshal(body, &p) != nil {
			return Received{}, http.StatusBadRequest, map[string]string{"error": "not JSON"}
		}
		return Received{Key: r.Header.Get("X-Lingting-Delivery"), Fields: map[string]string{"event": r.Header.Get("X-Lingting-Event")}}, http.StatusOK, map[string]string{"status": "ok"}
	})
	return rc
}

// aliyunEncode is the percent-encoding of Alibaba Cloud's RPC signature
// documentation: UTF-8, RFC 3986 unreserved characters kept, space %20, * %2A, ~ kept.
func aliyunEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// AliyunSignature computes the documented RPC signature independently of
// package notify: sort the parameters (Signature excluded), encode each name
// and value, join with & and =, StringToSign = METHOD & %2F & encode(that),
// key = AccessKeySecret + "&", HMAC-SHA1, Base64.
func AliyunSignature(method string, params map[string]string, secret string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var q []string
	for _, k := range names {
		q = append(q, aliyunEncode(k)+"="+aliyunEncode(params[k]))
	}
	sts := method + "&" + aliyunEncode("/") + "&" + aliyunEncode(strings.Join(q, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(sts))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// NewAliyunSMS is a dysmsapi look-alike: SendSms with the RPC signature
// (form POST or GET), the required parameters and a fresh timestamp.
// Answers {"Code":"OK",…} or, like the service, 400 {"Code":"SignatureDoesNotMatch",…}.
func NewAliyunSMS(accessKeyID, secret string) *Receiver {
	var rc *Receiver
	rc = newReceiver(func(r *http.Request, body []byte) (Received, int, any) {
		vals := r.URL.Query()
		if r.Method == http.MethodPost {
			v, err := url.ParseQuery(string(body))
			if err != nil {
				return Received{}, 400, map[string]string{"Code": "InvalidParameter", "Message": "form"}
			}
			vals = v
		}
		p := map[string]string{}
		for k := range vals {
			p[k] = vals.Get(k)
		}
		for _, k := range []string{"AccessKeyId", "Action", "PhoneNumbers", "SignName", "TemplateCode", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version", "Signature"} {
			if p[k] == "" {
				return Received{}, 400, map[string]string{"Code": "MissingParameter", "Message": k}
			}
		}
		if p["AccessKeyId"] != accessKeyID {
			return Received{}, 404, map[string]string{"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
		}
		if p["SignatureMethod"] != "HMAC-SHA1" || p["SignatureVersion"] != "1.0" || p["Action"] != "SendSms" || p["Version"] != "2017-05-25" {
			return Received{}, 400, map[string]string{"Code": "InvalidParameter", "Message": "method/version"}
		}
		if AliyunSignature(r.Method, p, secret) != p["Signature"] {
			return Received{}, 400, map[string]string{"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched with our calculation."}
		}
		ts, err := time.Parse("2006-01-02T15:04:05Z", p["Timestamp"])
		if err != nil || rc.now().Sub(ts).Abs() > 15*time.Minute {
			return Received{}, 400, map[string]string{"Code": "InvalidTimeStamp.Expired", "Message": p["Timestamp"]}
		}
		if !json.Valid([]byte(p["TemplateParam"])) {
			return Received{}, 400, map[string]string{"Code": "isv.INVALID_JSON_PARAM", "Message": "TemplateParam"}
		}
		if strings.HasPrefix(p["PhoneNumbers"], "000") {
			return Received{}, 200, map[string]string{"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "invalid mobile"}
		}
		return Received{Key: p["OutId"], Fields: p}, 200, map[string]string{"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"}
	})
	return rc
}

func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func hmac256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// TC3Signature computes Tencent Cloud's documented TC3-HMAC-SHA256
// signature of a POST to / independently of package notify.
func TC3Signature(secretKey, service, host, contentType string, timestamp int64, payload []byte) string {
	canonical := strings.Join([]string{"POST", "/", "", "content-type:" + contentType + "\nhost:" + host + "\n", "content-type;host", sha256hex(payload)}, "\n")
	date := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	scope := date + "/" + service + "/tc3_request"
	sts := "TC3-HMAC-SHA256\n" + strconv.FormatInt(timestamp, 10) + "\n" + scope + "\n" + sha256hex([]byte(canonical))
	k := hmac256(hmac256(hmac256([]byte("TC3"+secretKey), date), service), "tc3_request")
	return hex.EncodeToString(hmac256(k, sts))
}

// NewTencentSMS is an sms.tencentcloudapi.com look-alike: SendSms
// (2021-01-11) signed with TC3-HMAC-SHA256 over content-type and host.
func NewTencentSMS(secretID, secretKey string) *Receiver {
	var rc *Receiver
	rc = newReceiver(func(r *http.Request, body []byte) (Received, int, any) {
		fail := func(code, msg string) (Received, int, any) {
			return Received{}, 200, map[string]any{"Response": map[string]any{"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": "x"}}
		}
		if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" {
			return fail("InvalidAction", "action/version")
		}
		ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
		if err != nil || rc.now().Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
			return fail("AuthFailure.SignatureExpire", "timestamp")
		}
		auth := r.Header.Get("Authorization")
		prefix := "TC3-HMAC-SHA256 Credential=" + secretID + "/" + time.Unix(ts, 0).UTC().Format("2006-01-02") + "/sms/tc3_request, SignedHeaders=content-type;host, Signature="
		if !strings.HasPrefix(auth, prefix) {
			return fail("AuthFailure.SecretIdNotFound", "credential")
		}
		if TC3Signature(secretKey, "sms", r.Host, r.Header.Get("Content-Type"), ts, body) != strings.TrimPrefix(auth, prefix) {
			return fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
		}
		var req struct {
			PhoneNumberSet   []string
			SmsSdkAppId      string //nolint:revive // the provider's field name
			SignName         string
			TemplateId       string //nolint:revive // the provider's field name
			TemplateParamSet []string
			SessionContext   string
		}
		if json.Unmarshal(body, &req) != nil || len(req.PhoneNumberSet) == 0 || req.TemplateId == "" || req.SmsSdkAppId == "" {
			return fail("InvalidParameter", "body")
		}
		set := []map[string]string{}
		for _, p := range req.PhoneNumberSet {
			if !strings.HasPrefix(p, "+86") {
				return fail("InvalidParameterValue.IncorrectPhoneNumber", p)
			}
			set = append(set, map[string]string{"Code": "Ok", "Message": "send success", "PhoneNumber": p, "SerialNo": "2640:1"})
		}
		fields := map[string]string{"phone": req.PhoneNumberSet[0], "template": req.TemplateId, "params": strings.Join(req.TemplateParamSet, "|"), "sign": req.SignName}
		return Received{Key: req.SessionContext, Fields: fields}, 200, map[string]any{"Response": map[string]any{"SendStatusSet": set, "RequestId": "a0aabda6-cf91-4f3e-a81f-9198114a2279"}}
	})
	return rc
}

// NewDingTalkRobot checks a custom robot call: access_token, and with a
// secret (加签) timestamp (ms, within an hour) and sign = Base64(HMAC-SHA256(
// secret, timestamp + "\n" + secret)) (URL-encoded in the query).
func NewDingTalkRobot(token, secret string) *Receiver {
	var rc *Receiver
	rc = newReceiver(func(r *http.Request, body []byte) (Received, int, any) {
		q := r.URL.Query()
		if q.Get("access_token") != token {
			return Received{}, 200, map[string]any{"errcode": 300001, "errmsg": "token is not exist"}
		}
		if secret != "" {
			ts := q.Get("timestamp")
			ms, err := strconv.ParseInt(ts, 10, 64)
			if err != nil || rc.now().Sub(time.UnixMilli(ms)).Abs() > time.Hour {
				return Received{}, 200, map[string]any{"errcode": 310000, "errmsg": "invalid timestamp"}
			}
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(ts + "\n" + secret))
			if base64.StdEncoding.EncodeToString(mac.Sum(nil)) != q.Get("sign") {
				return Received{}, 200, map[string]any{"errcode": 310000, "errmsg": "sign not match"}
			}
		}
		var m struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if json.Unmarshal(body, &m) != nil || m.MsgType != "text" || m.Text.Content == "" {
			return Received{}, 200, map[string]any{"errcode": 40035, "errmsg": "invalid body"}
		}
		return Received{Fields: map[string]string{"content": m.Text.Content}}, 200, map[string]any{"errcode": 0, "errmsg": "ok"}
	})
	return rc
}

// NewWeComRobot checks a group robot call: the key in the URL and a text message.
func NewWeComRobot(key string) *Receiver {
	return newReceiver(func(r *http.Request, body []byte) (Received, int, any) {
		if r.URL.Query().Get("key") != key {
			return Received{}, 200, map[string]any{"errcode": 93000, "errmsg": "invalid webhook url"}
		}
		var m struct {
			MsgType string `json:"msgtype"`
			Text    struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if json.Unmarshal(body, &m) != nil || m.MsgType != "text" || m.Text.Content == "" {
			return Received{}, 200, map[string]any{"errcode": 40008, "errmsg": "invalid message type"}
		}
		return Received{Fields: map[string]string{"content": m.Text.Content}}, 200, map[string]any{"errcode": 0, "errmsg": "ok"}
	})
}
