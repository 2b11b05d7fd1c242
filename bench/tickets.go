package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"lingting/internal/demo"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/ticket"
)

// The tickets scenario (issue #4, Performance): bulk-load a million tickets
// with ticket.Service.BulkLoad, then measure the ticket API under wrk (2
// threads, 8 connections, 20 s per case) next to a hello-world handler
// measured in the same run:
//
//	go run ./bench tickets [-engine sqlite|postgres] [-tickets 1000000] [-wrk-duration 20s]
//
// wrk must be installed (Debian package wrk). Each case is one wrk run with a
// Lua script that rotates through its request paths, sends the session cookie
// and CSRF header of a logged-in user, and prints the figures as JSON.

// ticketOpt are the flags of the tickets scenario.
var ticketOpt = struct {
	Tickets  int
	Chunk    int
	Duration time.Duration
	Threads  int
	Conns    int
	Only     string
}{Tickets: 1_000_000, Chunk: 5000, Duration: 20 * time.Second, Threads: 2, Conns: 8}

func ticketFlags(fs *flag.FlagSet) {
	fs.IntVar(&ticketOpt.Tickets, "tickets", ticketOpt.Tickets, "tickets bulk-loaded (tickets)")
	fs.IntVar(&ticketOpt.Chunk, "ticket-chunk", ticketOpt.Chunk, "tickets per bulk-load transaction (tickets)")
	fs.DurationVar(&ticketOpt.Duration, "wrk-duration", ticketOpt.Duration, "length of each wrk run (tickets)")
	fs.IntVar(&ticketOpt.Threads, "wrk-threads", ticketOpt.Threads, "wrk threads (tickets)")
	fs.IntVar(&ticketOpt.Conns, "wrk-conns", ticketOpt.Conns, "wrk connections (tickets)")
	fs.StringVar(&ticketOpt.Only, "ticket-cases", "", "comma-separated case keys to run (tickets; default all): hello,authed,station,branch,operator,filtered,timeline,ticket,create")
}

// Targets of issue #4 for 10^6 tickets.
type tkTarget struct {
	RPS float64       // requests per second, 0: none
	P99 time.Duration // 0: none
}

// tkCase is one measured request kind.
type tkCase struct {
	Key, Name string
	Target    tkTarget
	Client    *Client // nil: no session (hello world)
	Base      string  // server URL
	Method    string
	Paths     []string
	Bodies    []string // POST bodies, rotated with the paths
}

// WrkResult is what one wrk run measured.
type WrkResult struct {
	Requests     int64   `json:"requests"`
	DurationUS   int64   `json:"duration_us"`
	Non2xx       int64   `json:"non2xx"`
	SocketErrors int64   `json:"socket_errors"`
	P50          float64 `json:"p50"`
	P90          float64 `json:"p90"`
	P99          float64 `json:"p99"`
	Max          float64 `json:"max"`
	Mean         float64 `json:"mean"`
}

// RPS is requests per second.
func (r WrkResult) RPS() float64 { return float64(r.Requests) / (float64(r.DurationUS) / 1e6) }

func usDur(us float64) time.Duration { return time.Duration(us * float64(time.Microsecond)) }

// runTickets runs the tickets scenario on its own app.
func runTickets(ctx context.Context, opt options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk is not installed (apt-get install -y wrk)")
	}
	e, err := NewEnv(ctx, opt, opt.DBPath)
	if err != nil {
		return err
	}
	defer e.Close()
	start := time.Now()
	w, err := buildTicketWorld(ctx, e)
	if err != nil {
		return err
	}
	fmt.Fprintf(opt.Out, "ticket world ready in %s\n", time.Since(start).Round(time.Millisecond))
	long, err := ensureTickets(ctx, e, w, ticketOpt.Tickets, opt.Seed)
	if err != nil {
		return err
	}
	cases, err := ticketCases(ctx, e, w, long)
	if err != nil {
		return err
	}
	if opt.Explain {
		if err := explainTickets(ctx, e, w); err != nil {
			return err
		}
	}
	hello, stop, err := tkHelloServer()
	if err != nil {
		return err
	}
	defer stop()
	cases = append([]tkCase{{Key: "hello", Name: "hello-world Go handler (baseline)", Base: hello, Method: "GET", Paths: []string{"/"}}}, cases...)
	var only map[string]bool
	if ticketOpt.Only != "" {
		only = map[string]bool{}
		for _, k := range strings.Split(ticketOpt.Only, ",") {
			only[strings.TrimSpace(k)] = true
		}
	}
	dir, err := os.MkdirTemp("", "lingting-wrk-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(opt.Out, "\nwrk: %d threads, %d connections, %s per case; GOMAXPROCS=%d; load average before: %s\n",
		ticketOpt.Threads, ticketOpt.Conns, ticketOpt.Duration, runtime.GOMAXPROCS(0), tkLoadAvg())
	fmt.Fprintf(opt.Out, "| case | target | req/s | p50 | p90 | p99 | max | non-2xx | result |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range cases {
		if only != nil && !only[c.Key] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		// A short unmeasured run first warms the caches and the connection
		// pools; what it measured (nothing, perhaps) does not count.
		_, _ = runWrk(ctx, dir, c, 2*time.Second)
		r, err := runWrk(ctx, dir, c, ticketOpt.Duration)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			msg := strings.Join(strings.Fields(err.Error()), " ")
			if len(msg) > 200 {
				msg = msg[:200] + "…"
			}
			fmt.Fprintf(opt.Out, "| %s | %s | error: %s | | | | | | **failed** |\n", c.Name, c.Target, msg)
			continue
		}
		fmt.Fprintf(opt.Out, "| %s | %s | %.0f | %s | %s | %s | %s | %d | %s |\n", c.Name, c.Target, r.RPS(), usDur(r.P50).Round(10*time.Microsecond),
			usDur(r.P90).Round(10*time.Microsecond), usDur(r.P99).Round(10*time.Microsecond), usDur(r.Max).Round(time.Millisecond), r.Non2xx+r.SocketErrors, c.Target.verdict(r))
	}
	fmt.Fprintf(opt.Out, "load average after: %s\n", tkLoadAvg())
	return nil
}

func (t tkTarget) String() string {
	var parts []string
	if t.RPS > 0 {
		parts = append(parts, fmt.Sprintf("≥ %.0f req/s", t.RPS))
	}
	if t.P99 > 0 {
		parts = append(parts, fmt.Sprintf("p99 < %s", t.P99))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

func (t tkTarget) verdict(r WrkResult) string {
	if t.RPS == 0 && t.P99 == 0 {
		return "—"
	}
	if r.Non2xx+r.SocketErrors > 0 {
		return "**errors**"
	}
	if (t.RPS > 0 && r.RPS() < t.RPS) || (t.P99 > 0 && usDur(r.P99) >= t.P99) {
		return "**not met**"
	}
	return "met"
}

// ensureTickets bulk-loads tickets until n are there, plus the ticket with
// the 200-event timeline; it returns that ticket's id.
func ensureTickets(ctx context.Context, e *Env, w *tkWorld, n int, seed uint64) (int64, error) {
	db := e.App.DB
	var have int
	if err := db.Get(ctx, &have, "SELECT count(*) FROM tickets WHERE title <> '压测长时间线'"); err != nil {
		return 0, err
	}
	now := e.App.Tickets.Now()
	if have < n {
		sys := scope.With(ctx, scope.System())
		start := time.Now()
		last := start
		st, err := e.App.Tickets.BulkLoad(sys, w.tickets(seed, have, n-have, now), ticket.BulkOptions{Chunk: ticketOpt.Chunk, Progress: func(s ticket.BulkStats) {
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				el := time.Since(start)
				fmt.Fprintf(e.Opt.Log, "  bulk load: %d/%d tickets, %d events, %s, %.0f tickets/s\n", s.Tickets, n-have, s.Events, el.Round(time.Second), float64(s.Tickets)/el.Seconds())
			}
		}})
		if err != nil {
			return 0, err
		}
		el := time.Since(start)
		post := time.Now()
		if db.Dialect == store.Postgres {
			if _, err := db.Writer().ExecContext(ctx, "VACUUM ANALYZE tickets, ticket_events, ticket_numbers"); err != nil {
				return 0, err
			}
		} else {
			if _, err := db.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				return 0, err
			}
			if e.Opt.Analyze {
				if _, err := db.Exec(ctx, "ANALYZE"); err != nil {
					return 0, err
				}
			}
		}
		fmt.Fprintf(e.Opt.Out, "bulk load: %d tickets, %d events in %s — %.0f tickets/s, %.0f rows/s; post-load %s\n", st.Tickets, st.Events,
			el.Round(time.Millisecond), float64(st.Tickets)/el.Seconds(), float64(st.Tickets+st.Events)/el.Seconds(), time.Since(post).Round(time.Millisecond))
	} else {
		fmt.Fprintf(e.Opt.Out, "tickets: %d already present\n", have)
	}
	var long int64
	err := db.Get(ctx, &long, "SELECT COALESCE(max(id), 0) FROM tickets WHERE title = '压测长时间线'")
	if err != nil || long != 0 {
		return long, err
	}
	st, err := e.App.Tickets.BulkLoad(scope.With(ctx, scope.System()), slices.Values([]ticket.BulkTicket{w.longTicket(now)}), ticket.BulkOptions{})
	if err != nil {
		return 0, err
	}
	if st.Events != 200 {
		return 0, fmt.Errorf("the long timeline has %d events, want 200", st.Events)
	}
	return st.FirstID, nil
}

// ticketCases logs the bench users in and builds the measured requests.
func ticketCases(ctx context.Context, e *Env, w *tkWorld, long int64) ([]tkCase, error) {
	station, err := login(ctx, e.URL, tkStationLogin, demo.Password)
	if err != nil {
		return nil, err
	}
	branch, err := login(ctx, e.URL, tkBranchLogin, demo.Password)
	if err != nil {
		return nil, err
	}
	operator, err := login(ctx, e.URL, tkOperator, demo.Password)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		who  string
		c    *Client
		path string
	}{{"station", station, "/api/v1/tickets?page_size=1"}, {"branch", branch, "/api/v1/tickets?page_size=1"}, {"operator", operator, "/api/v1/tickets?page_size=1"}} {
		var l struct {
			Total int  `json:"total"`
			Exact bool `json:"total_exact"`
		}
		if err := c.c.JSON(ctx, "GET", c.path, nil, &l); err != nil {
			return nil, err
		}
		fmt.Fprintf(e.Opt.Out, "%s user sees total=%d (exact %v)\n", c.who, l.Total, l.Exact)
	}
	// Filtered: a status, a 30-day window somewhere in the 13 months and a
	// sub-branch or branch subtree, as the operator; rotated per request.
	now := e.App.Tickets.Now()
	var filtered []string
	for i := range 40 {
		from := now.AddDate(0, 0, -30*(i%12)-30)
		to := from.AddDate(0, 0, 30)
		org := w.SubFirst[i%len(w.SubFirst)]
		if i%2 == 1 {
			org = w.Branches[i%len(w.Branches)]
		}
		status := []string{"closed", "resolved", "in_progress", "pending", "assigned", "new"}[i%6]
		q := url.Values{"status": {status}, "created_from": {from.Format(time.RFC3339)}, "created_to": {to.Format(time.RFC3339)},
			"org_id": {fmt.Sprint(org)}, "page_size": {"20"}}
		filtered = append(filtered, "/api/v1/tickets?"+q.Encode())
	}
	var bodies []string
	for i := range 50 {
		o := w.Outlets[(i*7)%len(w.Outlets)]
		b, _ := json.Marshal(map[string]any{"type": "repair", "title": "压测报修 ATM 吞卡", "description": "wrk", "priority": "normal",
			"asset_id": o.Devices[i%len(o.Devices)], "channel": "phone"})
		bodies = append(bodies, string(b))
	}
	first := "/api/v1/tickets?page=1&page_size=20"
	return []tkCase{
		{Key: "authed", Name: "ticket types (session + permissions, no ticket query)", Client: operator, Base: e.URL, Method: "GET", Paths: []string{"/api/v1/ticket-types"}},
		{Key: "station", Name: "station list, first page (站点主管, default filter)", Target: tkTarget{3000, 50 * time.Millisecond}, Client: station, Base: e.URL, Method: "GET", Paths: []string{first}},
		{Key: "branch", Name: "branch list, first page (分行管理员, default filter)", Target: tkTarget{3000, 50 * time.Millisecond}, Client: branch, Base: e.URL, Method: "GET", Paths: []string{first}},
		{Key: "operator", Name: "all tickets, first page (客服坐席, scope all)", Target: tkTarget{1000, 50 * time.Millisecond}, Client: operator, Base: e.URL, Method: "GET", Paths: []string{first}},
		{Key: "filtered", Name: "status + 30-day range + org subtree (operator)", Target: tkTarget{0, 50 * time.Millisecond}, Client: operator, Base: e.URL, Method: "GET", Paths: filtered},
		{Key: "timeline", Name: "timeline of a ticket with 200 events", Target: tkTarget{8000, 0}, Client: operator, Base: e.URL, Method: "GET", Paths: []string{fmt.Sprintf("/api/v1/tickets/%d/events", long)}},
		{Key: "ticket", Name: "that ticket itself (GET /tickets/{id})", Client: operator, Base: e.URL, Method: "GET", Paths: []string{fmt.Sprintf("/api/v1/tickets/%d", long)}},
		{Key: "create", Name: "create ticket on a device (operator)", Target: tkTarget{2000, 0}, Client: operator, Base: e.URL, Method: "POST", Paths: []string{"/api/v1/tickets"}, Bodies: bodies},
	}, nil
}

// runWrk runs one case for d and reads the JSON line its script prints.
func runWrk(ctx context.Context, dir string, c tkCase, d time.Duration) (WrkResult, error) {
	var lua bytes.Buffer
	lua.WriteString("local paths = {")
	for _, p := range c.Paths {
		fmt.Fprintf(&lua, "%q,", p)
	}
	lua.WriteString("}\nlocal bodies = {")
	for _, b := range c.Bodies {
		fmt.Fprintf(&lua, "%q,", b)
	}
	lua.WriteString("}\n")
	fmt.Fprintf(&lua, "wrk.method = %q\n", c.Method)
	if c.Client != nil {
		u, _ := url.Parse(c.Base)
		var cookies []string
		for _, k := range c.Client.http.Jar.Cookies(u) {
			cookies = append(cookies, k.Name+"="+k.Value)
		}
		fmt.Fprintf(&lua, "wrk.headers[\"Cookie\"] = %q\n", strings.Join(cookies, "; "))
		fmt.Fprintf(&lua, "wrk.headers[\"X-CSRF-Token\"] = %q\n", c.Client.csrf)
	}
	if len(c.Bodies) > 0 {
		lua.WriteString("wrk.headers[\"Content-Type\"] = \"application/json\"\n")
	}
	lua.WriteString(`local i = 0
request = function()
  i = i + 1
  local body = nil
  if #bodies > 0 then body = bodies[(i % #bodies) + 1] end
  return wrk.format(nil, paths[(i % #paths) + 1], nil, body)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,"p50":%f,"p90":%f,"p99":%f,"max":%f,"mean":%f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`)
	script := filepath.Join(dir, c.Key+".lua")
	if err := os.WriteFile(script, lua.Bytes(), 0o600); err != nil {
		return WrkResult{}, err
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, "wrk", "-t", fmt.Sprint(ticketOpt.Threads), "-c", fmt.Sprint(ticketOpt.Conns), "-d", fmt.Sprintf("%ds", secs),
		"--timeout", "10s", "-s", script, c.Base+c.Paths[0])
	out, err := cmd.CombinedOutput()
	if err != nil {
		return WrkResult{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(line, "WRK_JSON "); ok {
			var r WrkResult
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				return WrkResult{}, fmt.Errorf("wrk output %q: %w", js, err)
			}
			if r.Requests == 0 {
				return r, fmt.Errorf("wrk made no requests: %s", out)
			}
			return r, nil
		}
	}
	return WrkResult{}, fmt.Errorf("no figures in the wrk output: %s", out)
}

// tkHelloServer serves "hello" on 127.0.0.1: the baseline of the machine.
func tkHelloServer() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("hello, world\n"))
	}), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// tkLoadAvg is the machine's load averages (what else was running).
func tkLoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "unknown"
	}
	return fmt.Sprintf("%s %s %s on %d CPUs", f[0], f[1], f[2], runtime.NumCPU())
}
