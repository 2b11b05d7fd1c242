package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig is the outgoing mail server.
type SMTPConfig struct {
	Host     string
	Port     int    // default 587 (starttls), 465 (tls), 25 (none)
	Username string // empty: no authentication
	Password string
	From     string // the sender address (From: 聆听客服 <from>)
	FromName string // default 聆听客服
	// TLS is "starttls" (upgrade, required), "tls" (implicit TLS, port 465)
	// or "none" (plain; authentication is then refused except to localhost).
	TLS string
	// InsecureSkipVerify accepts any server certificate (test servers only).
	InsecureSkipVerify bool
	Timeout            time.Duration
	HeloName           string
}

// SMTPSender sends e-mail with the standard library's SMTP client, one
// connection per message.
type SMTPSender struct{ Config SMTPConfig }

func (c SMTPConfig) addr() string {
	port := c.Port
	if port == 0 {
		switch c.TLS {
		case "tls":
			port = 465
		case "none":
			port = 25
		default:
			port = 587
		}
	}
	return net.JoinHostPort(c.Host, strconv.Itoa(port))
}

// smtpErr classifies an SMTP error: a 5xx reply is permanent (a rejected
// recipient, a refused sender), everything else temporary.
func smtpErr(step string, err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(fmt.Errorf("%s: %d %s", step, te.Code, te.Msg))
	}
	return fmt.Errorf("%s: %w", step, err)
}

// Send delivers one message.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	c := s.Config
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	if _, err := mail.ParseAddress(m.To); err != nil {
		return Permanent(fmt.Errorf("bad address %q", m.To))
	}
	// Composed first: an attachment that cannot be read fails before connecting.
	msg, err := s.compose(m)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: timeout}
	tlsConf := &tls.Config{ServerName: c.Host, InsecureSkipVerify: c.InsecureSkipVerify} //nolint:gosec // operators opt in for test servers
	var conn net.Conn
	if c.TLS == "tls" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConf}).DialContext(ctx, "tcp", c.addr())
	} else {
		conn, err = d.DialContext(ctx, "tcp", c.addr())
	}
	if err != nil {
		return fmt.Errorf("connect %s: %w", c.addr(), err)
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return smtpErr("greeting", err)
	}
	defer cl.Close()
	helo := c.HeloName
	if helo == "" {
		helo = "lingting.localdomain"
	}
	if err := cl.Hello(helo); err != nil {
		return smtpErr("EHLO", err)
	}
	if c.TLS == "starttls" || c.TLS == "" {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS (set smtp_tls = none for a plain connection)")
		}
		if err := cl.StartTLS(tlsConf); err != nil {
			return smtpErr("STARTTLS", err)
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return smtpErr("AUTH", err)
		}
	}
	if err := cl.Mail(c.From); err != nil {
		return smtpErr("MAIL FROM", err)
	}
	if err := cl.Rcpt(m.To); err != nil {
		return smtpErr("RCPT TO", err)
	}
	w, err := cl.Data()
	if err != nil {
		return smtpErr("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return smtpErr("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpErr("DATA", err)
	}
	_ = cl.Quit()
	return nil
}

// compose builds the RFC 5322 message: UTF-8 text, base64, encoded headers,
// and a Message-ID derived from the delivery key (the same delivery always
// has the same Message-ID, so a receiver can drop a repeat).
func (s *SMTPSender) compose(m Message) ([]byte, error) {
	c := s.Config
	name := c.FromName
	if name == "" {
		name = "聆听客服"
	}
	sum := sha256.Sum256([]byte(m.Key))
	domain := "lingting.local"
	if at := strings.LastIndexByte(c.From, '@'); at >= 0 {
		domain = c.From[at+1:]
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "From: %s <%s>\r\n", mime.BEncoding.Encode("UTF-8", name), c.From)
	fmt.Fprintf(&b, "To: <%s>\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("UTF-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(sum[:16]), domain)
	fmt.Fprintf(&b, "X-Lingting-Delivery: %s\r\n", m.Key)
	if len(m.Attachments) > 0 {
		if err := mimeMessage(&b, m.Body, m.Attachments); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	writeBase64(&b, []byte(m.Body))
	return b.Bytes(), nil
}
