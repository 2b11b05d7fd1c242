package notify

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An e-mail with attachments is multipart/mixed with the text and each file
// in base64; Chinese file names survive both the RFC 2231 parameter (long
// ones split into continuations) and the RFC 2047 word, as the standard
// library's MIME readers decode them; a missing file is a permanent error.
func TestComposeAttachments(t *testing.T) {
	dir := t.TempDir()
	short, long := "任务明细.xlsx", "华夏银行北京分行海淀支行二〇二六年十一月服务时长与人力分析（按服务站点、工程师）；含合计=100%.xlsx"
	a := filepath.Join(dir, "a.xlsx")
	b := filepath.Join(dir, "b.bin")
	payload := bytes.Repeat([]byte{0, 1, 2, 250, 'x'}, 1000)
	if err := os.WriteFile(a, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &SMTPSender{Config: SMTPConfig{From: "reports@lingting.example"}}
	raw, err := s.compose(Message{Key: "report:1|email|u2", To: "x@example.com", Subject: "【定时报表】服务时长", Body: "见附件。",
		Attachments: []Attachment{{Name: short, Path: a, ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}, {Name: long, Path: b}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		// RFC 5322: at most 998 characters, and 78 should; only the
		// Content-Type of an .xlsx (its media type is 71 long) passes 78.
		if len(line) > 998 || len(line) > 78 && !strings.HasPrefix(line, "Content-Type: application/vnd.openxmlformats") {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("%s %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var names []string
	var files [][]byte
	var text string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.Header.Get("Content-Transfer-Encoding") != "base64" {
			t.Fatalf("part encoding %q", p.Header.Get("Content-Transfer-Encoding"))
		}
		enc, _ := io.ReadAll(p)
		data, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r\n", "").Replace(string(enc)))
		if err != nil {
			t.Fatal(err)
		}
		if p.FileName() == "" {
			text = string(data)
			continue
		}
		_, ctp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if err != nil {
			t.Fatal(err)
		}
		if word, err := new(mime.WordDecoder).DecodeHeader(ctp["name"]); err != nil || word != p.FileName() {
			t.Fatalf("RFC 2047 name %q vs %q: %v", word, p.FileName(), err)
		}
		names = append(names, p.FileName())
		files = append(files, data)
	}
	if text != "见附件。" || len(names) != 2 || names[0] != short || names[1] != long {
		t.Fatalf("text %q names %q", text, names)
	}
	if !bytes.Equal(files[0], payload) || string(files[1]) != "second" {
		t.Fatal("attachment bytes differ")
	}
	if !strings.Contains(string(raw), "filename*1*=") {
		t.Fatal("the long name was not split into RFC 2231 continuations")
	}
	// Gone from disk: a permanent failure, not retried.
	os.Remove(a)
	if _, err := s.compose(Message{Key: "k", To: "x@example.com", Attachments: []Attachment{{Name: short, Path: a}}}); !IsPermanent(err) {
		t.Fatalf("missing file: %v", err)
	}
	// Without attachments the message stays single-part text.
	plain, _ := s.compose(Message{Key: "k", To: "x@example.com", Subject: "s", Body: "b"})
	if !strings.Contains(string(plain), "Content-Type: text/plain; charset=UTF-8") || strings.Contains(string(plain), "multipart") {
		t.Fatalf("plain: %s", plain)
	}
}
