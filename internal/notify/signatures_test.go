package notify

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"lingting/internal/notify/notifytest"
)

// Alibaba Cloud's documented examples: the SMS "HTTP 协议及签名" example
// (AccessKeyId testId, AccessKeySecret testSecret, SendSms) and the RPC
// signature document's DescribeRegions example (testid / testsecret).
func TestAliyunSignatureDocumentedExamples(t *testing.T) {
	sms := map[string]string{
		"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
		"RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
		"TemplateParam": `{"customer":"test"}`, "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
	}
	wantSTS := "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
	if got := AliyunStringToSign("GET", sms); got != wantSTS {
		t.Fatalf("StringToSign\n got %s\nwant %s", got, wantSTS)
	}
	if got := AliyunSignature("GET", sms, "testSecret"); got != "zJDF+Lrzhj/ThnlvIToysFRq6t4=" {
		t.Fatalf("SendSms example: %s", got)
	}
	rpc := map[string]string{"Format": "XML", "AccessKeyId": "testid", "Action": "DescribeRegions", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0", "Version": "2014-05-26", "Timestamp": "2016-02-23T12:46:24Z"}
	if got := AliyunSignature("GET", rpc, "testsecret"); got != "OLeaidS1JvxuMvnyHOwuJ+uX5qY=" {
		t.Fatalf("DescribeRegions example: %s", got)
	}
	// The test server's independent implementation agrees.
	if notifytest.AliyunSignature("GET", sms, "testSecret") != "zJDF+Lrzhj/ThnlvIToysFRq6t4=" {
		t.Fatal("the test server's verifier disagrees with the documented example")
	}
	if AliyunPercentEncode("a b*~/") != "a%20b%2A~%2F" {
		t.Fatalf("percent encoding: %s", AliyunPercentEncode("a b*~/"))
	}
}

// Tencent Cloud's documented TC3-HMAC-SHA256 example (signature v3,
// DescribeInstances on cvm, timestamp 1551113065).
func TestTC3DocumentedExample(t *testing.T) {
	s := TC3{SecretID: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", SecretKey: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", Service: "cvm", Host: "cvm.tencentcloudapi.com",
		ContentType: "application/json; charset=utf-8", Timestamp: 1551113065,
		Payload: []byte(`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`)}
	if h := sha256Hex(s.Payload); h != "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064" {
		t.Fatalf("hashed payload %s", h)
	}
	if h := sha256Hex([]byte(s.CanonicalRequest())); h != "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031" {
		t.Fatalf("hashed canonical request %s\n%s", h, s.CanonicalRequest())
	}
	if s.StringToSign() != "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031" {
		t.Fatalf("string to sign %q", s.StringToSign())
	}
	const want = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
	if s.Signature() != want {
		t.Fatalf("signature %s", s.Signature())
	}
	if !strings.HasSuffix(s.Authorization(), "Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature="+want) {
		t.Fatalf("authorization %s", s.Authorization())
	}
	if notifytest.TC3Signature(s.SecretKey, s.Service, s.Host, s.ContentType, s.Timestamp, s.Payload) != want {
		t.Fatal("the test server's verifier disagrees with the documented example")
	}
}

// DingTalk documents the algorithm (timestamp + "\n" + secret, HMAC-SHA256
// keyed with the secret, Base64, URL-encoded) but no fixed example; the
// signed URL is checked by the local robot, and one value is pinned (computed
// with `printf '1577836800000\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64`).
func TestDingTalkSign(t *testing.T) {
	if got := DingTalkSign(1577836800000, "SECtest"); got != "drlICLmsjUfpSZSa7+mhIyTLZHQVqxb4vc20sB3aqQU=" {
		t.Fatalf("sign %s", got)
	}
	u, err := DingTalkURL("https://oapi.dingtalk.com/robot/send?access_token=abc", "SECtest", time.UnixMilli(1577836800000))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := url.Parse(u)
	if q.Query().Get("access_token") != "abc" || q.Query().Get("timestamp") != "1577836800000" || q.Query().Get("sign") != DingTalkSign(1577836800000, "SECtest") {
		t.Fatalf("signed URL %s", u)
	}
}

func msg(to string) Message {
	return Message{DeliveryID: 7, Key: "sla:1:resolution:1:e1:0|x|y", To: to, Subject: "【超时督办·1级】工单 GD20261122-000001", Body: "工单已超时 1.5 小时",
		Kind: KindSLAEscalation, Level: 1, Vars: map[string]string{"ticket_number": "GD20261122-000001", "target": "解决", "hours": "1.5"}}
}

// Each adapter against a local server that verifies it the provider's way;
// a wrong key is a permanent failure, a 503 a temporary one.
func TestAdaptersAgainstVerifyingServers(t *testing.T) {
	ctx := context.Background()
	client := &http.Client{Timeout: 5 * time.Second}

	t.Run("aliyun", func(t *testing.T) {
		srv := notifytest.NewAliyunSMS("LTAI-test", "s3cret")
		defer srv.Close()
		cfg := SMSConfig{Provider: "aliyun", Endpoint: srv.URL + "/", AccessKeyID: "LTAI-test", AccessKeySecret: "s3cret", SignName: "聆听客服", TemplateCode: "SMS_123"}
		if err := NewSMSSender(cfg, client, nil).Send(ctx, msg("13800000000")); err != nil {
			t.Fatal(err)
		}
		got := srv.Received()
		if len(got) != 1 || got[0].Fields["PhoneNumbers"] != "13800000000" || got[0].Fields["TemplateParam"] != `{"hours":"1.5","target":"解决","ticket_number":"GD20261122-000001"}` || got[0].Key != "7" {
			t.Fatalf("received %+v", got)
		}
		cfg.AccessKeySecret = "wrong"
		err := NewSMSSender(cfg, client, nil).Send(ctx, msg("13800000000"))
		if err == nil || !IsPermanent(err) || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
			t.Fatalf("wrong secret: %v", err)
		}
		cfg.AccessKeySecret = "s3cret"
		if err := NewSMSSender(cfg, client, nil).Send(ctx, msg("00012")); !IsPermanent(err) {
			t.Fatalf("illegal number: %v", err)
		}
		srv.FailNext.Store(1)
		if err := NewSMSSender(cfg, client, nil).Send(ctx, msg("13800000000")); err == nil || IsPermanent(err) {
			t.Fatalf("503 must be temporary: %v", err)
		}
	})

	t.Run("tencent", func(t *testing.T) {
		srv := notifytest.NewTencentSMS("AKID-test", "tc-secret")
		defer srv.Close()
		cfg := SMSConfig{Provider: "tencent", Endpoint: srv.URL + "/", AccessKeyID: "AKID-test", AccessKeySecret: "tc-secret", SignName: "聆听客服", TemplateCode: "1234567", AppID: "1400000000"}
		if err := NewSMSSender(cfg, client, nil).Send(ctx, msg("13800000000")); err != nil {
			t.Fatal(err)
		}
		got := srv.Received()
		if len(got) != 1 || got[0].Fields["phone"] != "+8613800000000" || got[0].Fields["params"] != "GD20261122-000001|解决|1.5" || got[0].Key != msg("").Key {
			t.Fatalf("received %+v", got)
		}
		cfg.AccessKeySecret = "wrong"
		if err := NewSMSSender(cfg, client, nil).Send(ctx, msg("13800000000")); !IsPermanent(err) || !strings.Contains(err.Error(), "AuthFailure.SignatureFailure") {
			t.Fatalf("wrong secret: %v", err)
		}
		// A clock far off: the service refuses the timestamp.
		cfg.AccessKeySecret = "tc-secret"
		skewed := NewSMSSender(cfg, client, func() time.Time { return time.Now().Add(-time.Hour) })
		if err := skewed.Send(ctx, msg("13800000000")); err == nil || !strings.Contains(err.Error(), "SignatureExpire") {
			t.Fatalf("stale timestamp: %v", err)
		}
	})

	t.Run("http gateway", func(t *testing.T) {
		srv := notifytest.NewWebhookReceiver("gw-secret")
		defer srv.Close()
		cfg := SMSConfig{Provider: "http", Endpoint: srv.URL, AccessKeySecret: "gw-secret"}
		if err := NewSMSSender(cfg, client, nil).Send(ctx, msg("13800000000")); err != nil || srv.Count() != 1 {
			t.Fatalf("gateway: %v %d", err, srv.Count())
		}
	})

	t.Run("dingtalk", func(t *testing.T) {
		srv := notifytest.NewDingTalkRobot("tok", "SECabc")
		defer srv.Close()
		d := &DingTalkSender{Client: client}
		m := msg(srv.URL + "/robot/send?access_token=tok")
		m.Secret = "SECabc"
		if err := d.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got := srv.Received(); len(got) != 1 || !strings.HasPrefix(got[0].Fields["content"], "【超时督办·1级】") {
			t.Fatalf("received %+v", got)
		}
		m.Secret = "SECwrong"
		if err := d.Send(ctx, m); !IsPermanent(err) || !strings.Contains(err.Error(), "310000") {
			t.Fatalf("wrong secret: %v", err)
		}
	})

	t.Run("wecom", func(t *testing.T) {
		srv := notifytest.NewWeComRobot("key-1")
		defer srv.Close()
		w := &WeComSender{Client: client}
		if err := w.Send(ctx, msg(srv.URL+"/cgi-bin/webhook/send?key=key-1")); err != nil || srv.Count() != 1 {
			t.Fatalf("wecom: %v", err)
		}
		if err := w.Send(ctx, msg(srv.URL+"/cgi-bin/webhook/send?key=nope")); !IsPermanent(err) {
			t.Fatalf("bad key: %v", err)
		}
	})

	t.Run("webhook", func(t *testing.T) {
		srv := notifytest.NewWebhookReceiver("hook-secret")
		defer srv.Close()
		w := &WebhookSender{Client: client}
		m := msg(srv.URL)
		m.Secret = "hook-secret"
		if err := w.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
		if keys := srv.Keys(); keys[m.Key] != 1 {
			t.Fatalf("keys %v", keys)
		}
		m.Secret = "other"
		if err := w.Send(ctx, m); !IsPermanent(err) || !strings.Contains(err.Error(), "401") {
			t.Fatalf("bad signature: %v", err)
		}
		srv.FailNext.Store(1)
		m.Secret = "hook-secret"
		if err := w.Send(ctx, m); err == nil || IsPermanent(err) {
			t.Fatalf("503 must be retried: %v", err)
		}
		if ts := strconv.FormatInt(time.Now().Unix(), 10); WebhookSignature("k", ts, []byte("{}")) == WebhookSignature("k", ts, []byte("{ }")) {
			t.Fatal("the signature ignores the body")
		}
	})
}

// The SMTP sender against the local SMTP server: Chinese subject and body,
// AUTH PLAIN, a Message-ID from the delivery key, and a 550 is permanent.
func TestSMTPSender(t *testing.T) {
	sink, err := notifytest.NewSMTPSink()
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Stop()
	sink.User, sink.Password = "robot", "pw"
	sink.Reject = func(rcpt string) bool { return strings.HasPrefix(rcpt, "nobody@") }
	s := &SMTPSender{Config: SMTPConfig{Host: "127.0.0.1", Port: sink.Port(), TLS: "none", From: "noreply@lingting.example", Username: "robot", Password: "pw"}}
	ctx := context.Background()
	if err := s.Send(ctx, msg("eng@example.com")); err != nil {
		t.Fatal(err)
	}
	got := sink.Messages()
	if len(got) != 1 || got[0].Subject != msg("").Subject || got[0].Body != msg("").Body || got[0].To[0] != "eng@example.com" ||
		got[0].Header.Get("X-Lingting-Delivery") != msg("").Key || !strings.HasSuffix(got[0].Header.Get("Message-Id"), "@lingting.example>") {
		t.Fatalf("message %+v", got)
	}
	err = s.Send(ctx, msg("nobody@example.com"))
	if !IsPermanent(err) || !strings.Contains(err.Error(), "550") {
		t.Fatalf("rejected recipient: %v", err)
	}
	if err := s.Send(ctx, msg("not an address")); !IsPermanent(err) {
		t.Fatalf("bad address: %v", err)
	}
	s.Config.Password = "wrong"
	if err := s.Send(ctx, msg("eng@example.com")); !IsPermanent(err) || !strings.Contains(err.Error(), "535") {
		t.Fatalf("bad password: %v", err)
	}
	s.Config.Password = "pw"
	s.Config.TLS = "starttls" // the sink offers no STARTTLS: refused, never sent in clear
	if err := s.Send(ctx, msg("eng@example.com")); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("starttls: %v", err)
	}
	sink.Stop()
	s.Config.TLS = "none"
	if err = s.Send(ctx, msg("eng@example.com")); err == nil || IsPermanent(err) {
		t.Fatalf("server down must be temporary: %v", err)
	}
	var pe *PermanentError
	if errors.As(err, &pe) {
		t.Fatal("connection refused marked permanent")
	}
	if sink.Count() != 1 {
		t.Fatalf("sink holds %d messages", sink.Count())
	}
}

func TestQuietHours(t *testing.T) {
	p := Prefs{QuietStart: "22:00", QuietEnd: "07:00", TimeZone: "Asia/Shanghai"}
	cst := time.FixedZone("CST", 8*3600)
	cases := []struct{ now, until string }{
		{"2026-11-23 21:59", "2026-11-23 21:59"},
		{"2026-11-23 22:00", "2026-11-24 07:00"},
		{"2026-11-24 03:15", "2026-11-24 07:00"},
		{"2026-11-24 07:00", "2026-11-24 07:00"},
	}
	for _, c := range cases {
		now, _ := time.ParseInLocation("2006-01-02 15:04", c.now, cst)
		want, _ := time.ParseInLocation("2006-01-02 15:04", c.until, cst)
		if got := p.QuietUntil(now); !got.Equal(want) {
			t.Errorf("%s: until %v, want %v", c.now, got.In(cst), want)
		}
	}
	day := Prefs{QuietStart: "12:00", QuietEnd: "13:30", TimeZone: "Asia/Shanghai"}
	now, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-24 12:10", cst)
	if got := day.QuietUntil(now); got.In(cst).Format("15:04") != "13:30" {
		t.Errorf("lunch quiet hours: %v", got)
	}
	if got := DefaultPrefs().QuietUntil(now); !got.Equal(now) {
		t.Error("no quiet hours delays")
	}
}

func TestRender(t *testing.T) {
	got := Render("工单 {{ticket_number}}，{{ target }}超时 {{overdue_hours}} 小时{{unknown}}", map[string]string{"ticket_number": "GD1", "target": "解决", "overdue_hours": "2.5"})
	if got != "工单 GD1，解决超时 2.5 小时" {
		t.Fatalf("render %q", got)
	}
}
