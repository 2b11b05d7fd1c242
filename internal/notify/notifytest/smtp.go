// Package notifytest holds real local receivers for the notification
// channels: an SMTP server on 127.0.0.1 that stores what it accepts, and HTTP
// servers that verify requests the way each provider documents it (Alibaba
// Cloud's RPC signature, Tencent Cloud's TC3-HMAC-SHA256, DingTalk's signed
// URL, WeCom's robot key) and a webhook receiver that checks the HMAC. The
// verifiers are written from the providers' documentation, separately from
// the senders in package notify, so a test pits one against the other.
package notifytest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Mail is one message the sink accepted.
type Mail struct {
	From    string
	To      []string
	Data    []byte
	Subject string // decoded
	Body    string // decoded
	Header  mail.Header
}

// SMTPSink is a small SMTP server (RFC 5321: EHLO, AUTH PLAIN, MAIL, RCPT,
// DATA, RSET, NOOP, QUIT) on 127.0.0.1. It can be stopped and started again
// on the same port (a mail server that is down for a while), refuse
// recipients (550) and require a login.
type SMTPSink struct {
	Addr string
	// Reject answers 550 to RCPT TO for the addresses it accepts.
	Reject func(rcpt string) bool
	// User and Password, when set, are required through AUTH PLAIN.
	User, Password string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	msgs  []Mail
	wg    sync.WaitGroup
}

// NewSMTPSink starts a sink on a free port of 127.0.0.1.
func NewSMTPSink() (*SMTPSink, error) {
	s := &SMTPSink{Addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start listens (again) on Addr.
func (s *SMTPSink) Start() error {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after Stop
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.ln, s.Addr = ln, ln.Addr().String()
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(c)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
		}
	}()
	return nil
}

// Stop closes the listener and every open connection (the server is down).
func (s *SMTPSink) Stop() {
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
		s.ln = nil
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Host and Port of the sink.
func (s *SMTPSink) Host() string { h, _, _ := net.SplitHostPort(s.Addr); return h }

// Port of the sink.
func (s *SMTPSink) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Count is the number of accepted messages.
func (s *SMTPSink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// Messages returns a copy of the accepted messages.
func (s *SMTPSink) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.msgs...)
}

func (s *SMTPSink) serve(c net.Conn) {
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(line string) bool {
		_, err := w.WriteString(line + "\r\n")
		return err == nil && w.Flush() == nil
	}
	if !reply("220 127.0.0.1 notifytest ESMTP") {
		return
	}
	var from string
	var rcpts []string
	authed := s.User == ""
	for {
		_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			reply("250-127.0.0.1 greets " + arg)
			reply("250-8BITMIME")
			reply("250 AUTH PLAIN")
		case "HELO":
			reply("250 127.0.0.1")
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 5.5.4 unrecognised mechanism")
				continue
			}
			if resp == "" {
				reply("334 ")
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				resp = strings.TrimSpace(l)
			}
			raw, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(raw), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.User || parts[2] != s.Password {
				reply("535 5.7.8 authentication failed")
				continue
			}
			authed = true
			reply("235 2.7.0 authenticated")
		case "MAIL":
			if !authed {
				reply("530 5.7.0 authentication required")
				continue
			}
			from, rcpts = addr(arg), nil
			reply("250 2.1.0 ok")
		case "RCPT":
			to := addr(arg)
			if s.Reject != nil && s.Reject(to) {
				reply("550 5.1.1 <" + to + ">: recipient address rejected: no such user")
				continue
			}
			rcpts = append(rcpts, to)
			reply("250 2.1.5 ok")
		case "DATA":
			if len(rcpts) == 0 {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			reply("354 end data with <CR><LF>.<CR><LF>")
			data, err := readData(r)
			if err != nil {
				return
			}
			s.store(from, rcpts, data)
			reply("250 2.0.0 queued")
			from, rcpts = "", nil
		case "RSET":
			from, rcpts = "", nil
			reply("250 2.0.0 ok")
		case "NOOP":
			reply("250 2.0.0 ok")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 command not recognised")
		}
	}
}

func addr(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	_, a, _ := strings.Cut(arg, ":")
	return strings.TrimSpace(a)
}

func readData(r *bufio.Reader) ([]byte, error) {
	var b bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == ".\r\n" || line == ".\n" {
			return b.Bytes(), nil
		}
		b.WriteString(strings.TrimPrefix(line, ".")) // dot-stuffing
	}
}

func (s *SMTPSink) store(from string, to []string, data []byte) {
	m := Mail{From: from, To: to, Data: data}
	if msg, err := mail.ReadMessage(bytes.NewReader(data)); err == nil {
		m.Header = msg.Header
		dec := new(mime.WordDecoder)
		if subj, err := dec.DecodeHeader(msg.Header.Get("Subject")); err == nil {
			m.Subject = subj
		}
		body, _ := io.ReadAll(msg.Body)
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "base64") {
			if d, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(body))); err == nil {
				body = d
			}
		}
		m.Body = string(body)
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
}

// ErrTimeout is returned by Wait when the condition did not come true in time.
var ErrTimeout = errors.New("notifytest: timed out")

// WaitFor polls cond every 20 ms until it is true or timeout passes.
func WaitFor(timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return ErrTimeout
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
