package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// KindReportScheduled is a scheduled report (R-ANA-11) e-mailed to its
// subscriber with the .xlsx attached.
const KindReportScheduled = "report.scheduled"

func init() {
	Kinds = append(Kinds, KindReportScheduled)
	Variables = append(Variables, Variable{"report", "报表名称（定时报表）"}, Variable{"period", "报表期间与筛选条件（定时报表）"},
		Variable{"rows", "报表行数（定时报表）"}, Variable{"file_name", "附件文件名（定时报表）"})
	defaultTemplates[KindReportScheduled] = Template{Kind: KindReportScheduled, Name: "定时报表",
		Subject: "【定时报表】{{report}}",
		Body:    "您订阅的报表「{{report}}」已生成（{{rows}} 行），见附件 {{file_name}}。{{period}}"}
}

// Attachment is a file sent with an e-mail. The outbox keeps only its name
// and where it lies under the data directory: report files run to megabytes,
// and the outbox rows stay small and transactional — the file is written
// (and renamed into place) before the transaction that enqueues the e-mail,
// so a committed delivery always finds it.
type Attachment struct {
	Name        string `json:"name"`         // the file name the recipient sees (may be Chinese)
	Path        string `json:"path"`         // relative to the data directory (or absolute)
	ContentType string `json:"content_type"` // default application/octet-stream
}

// storeAttachments records the attachments of the new events (in the
// enqueuing transaction).
func (s *Service) storeAttachments(ctx context.Context, evs []Event, outbox map[string]int64) error {
	for _, ev := range evs {
		id, ok := outbox[ev.Key]
		if !ok || len(ev.Attachments) == 0 {
			continue
		}
		raw, err := json.Marshal(ev.Attachments)
		if err != nil {
			return err
		}
		if _, err := s.db.Exec(ctx, "UPDATE notifications_outbox SET attachments = ? WHERE id = ?", string(raw), id); err != nil {
			return err
		}
	}
	return nil
}

// resolve turns attachment paths relative to the data directory into file paths.
func (s *Service) resolve(as []Attachment) []Attachment {
	out := make([]Attachment, len(as))
	for i, a := range as {
		if !filepath.IsAbs(a.Path) {
			a.Path = filepath.Join(s.cfg.DataDir, a.Path)
		}
		out[i] = a
	}
	return out
}

// mimeMessage writes the body and the attachments as multipart/mixed
// (RFC 2046): the text part base64 in UTF-8, each file base64 with its
// name twice — RFC 2231 filename* (UTF-8, percent-encoded, split into
// continuations when long) for current clients and an RFC 2047 encoded word
// in name/filename for older ones (Outlook before 2010 reads only those).
// A missing file is a permanent error: retrying would not bring it back.
func mimeMessage(b *bytes.Buffer, body string, as []Attachment) error {
	rb := make([]byte, 12)
	_, _ = rand.Read(rb)
	boundary := "lingting-" + hex.EncodeToString(rb)
	files := make([][]byte, len(as))
	for i, a := range as {
		data, err := os.ReadFile(a.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return Permanent(fmt.Errorf("附件已不存在：%s", a.Name))
		}
		if err != nil {
			return fmt.Errorf("attachment %s: %w", a.Name, err)
		}
		files[i] = data
	}
	fmt.Fprintf(b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", boundary)
	b.WriteString("This is a multi-part message in MIME format.\r\n")
	fmt.Fprintf(b, "--%s\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary)
	writeBase64(b, []byte(body))
	for i, a := range as {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		fmt.Fprintf(b, "--%s\r\n", boundary)
		fmt.Fprintf(b, "Content-Type: %s;\r\n name=\"%s\"\r\n", ct, encodedWord(a.Name))
		fmt.Fprintf(b, "Content-Disposition: attachment;\r\n filename=\"%s\";\r\n%s\r\n", encodedWord(a.Name), rfc2231("filename", a.Name))
		b.WriteString("Content-Transfer-Encoding: base64\r\n\r\n")
		writeBase64(b, files[i])
	}
	fmt.Fprintf(b, "--%s--\r\n", boundary)
	return nil
}

// writeBase64 writes data in base64 lines of 76 characters.
func writeBase64(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// encodedWord is name as RFC 2047 encoded words when it is not plain ASCII.
func encodedWord(name string) string {
	plain := true
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	// Encoded words of at most 30 bytes of text (52 characters), one per
	// folded line, so no line passes 78 characters (RFC 2047 §2, RFC 5322).
	var words []string
	var chunk []byte
	flush := func() {
		if len(chunk) > 0 {
			words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString(chunk)+"?=")
			chunk = chunk[:0]
		}
	}
	for _, r := range name {
		if len(chunk)+utf8.RuneLen(r) > 30 {
			flush()
		}
		chunk = utf8.AppendRune(chunk, r)
	}
	flush()
	return strings.Join(words, "\r\n  ")
}

// rfc2231 renders the parameter param*=UTF-8”… (RFC 2231 §4), split into
// numbered continuations (param*0*, param*1*, … §3) of at most 48
// characters, never inside a percent-escape, each on its own folded line.
func rfc2231(param, value string) string {
	var eb strings.Builder
	for _, c := range []byte(value) {
		// attribute-char (RFC 2231 §7): ASCII but not CTLs, space, *, ', %
		// or tspecials; kept to letters, digits and a few marks.
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			eb.WriteByte(c)
		} else {
			fmt.Fprintf(&eb, "%%%02X", c)
		}
	}
	enc := eb.String()
	const max = 48
	if len(enc) <= max {
		return " " + param + "*=UTF-8''" + enc
	}
	var parts []string
	for len(enc) > 0 {
		n := min(max, len(enc))
		// Do not cut a %XX escape in two.
		if i := strings.LastIndexByte(enc[:n], '%'); i >= 0 && i > n-3 && n < len(enc) {
			n = i
		}
		parts = append(parts, enc[:n])
		enc = enc[n:]
	}
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(";\r\n")
		}
		prefix := ""
		if i == 0 {
			prefix = "UTF-8''"
		}
		fmt.Fprintf(&b, " %s*%d*=%s%s", param, i, prefix, p)
	}
	return b.String()
}

// DeliveryKey is the de-duplication key of the delivery of an event to a
// user on a channel (to look its status up).
func DeliveryKey(event, channel string, userID int64) string {
	return dedupKey(event, channel, "u"+strconv.FormatInt(userID, 10))
}
