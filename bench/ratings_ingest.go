package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"lingting/internal/store"
)

// Rating ingest: hardware evaluators (POST /api/v1/devices/{id}/events) at
// many counters, each client cycling its own devices through session_start,
// session_end and key — every request a write transaction (a session opened,
// a session ended with its handling time rolled up, a rating with its daily
// and monthly roll-ups and the device event stored). The same load generator
// then drives a hello-world net/http handler on the same machine in the same
// run, and the ratio of the two throughputs is the figure of the issue.

// ingestTarget is the target: ingest throughput ≥ 25 % of hello world.
const ingestTarget = 0.25

// device is a registered hardware evaluator the bench drives.
type device struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

// ingestWorker is one client's state: its devices and where each is in its cycle.
type ingestWorker struct {
	devices []device
	next    int // device index
	step    int // 0 session_start, 1 session_end, 2 key
	seq     int
	r       *rand.Rand
}

// drained is one measured run.
type drained struct {
	Name     string
	Requests int
	Errors   int
	FirstErr string
	Elapsed  time.Duration
	All      []time.Duration
	ByType   map[string][]time.Duration
	Keys     int           // successful key events (ratings)
	CPU      time.Duration // this process's CPU (server and clients) during the run
	Load     string        // the load average after it
}

func (d drained) rate() float64 { return float64(d.Requests) / d.Elapsed.Seconds() }

// IngestResult is what RunRatingIngest measured.
type IngestResult struct {
	Hello, Ingest drained
	Ratio         float64
}

// RunRatingIngest measures device-event ingest against hello world.
func RunRatingIngest(ctx context.Context, e *Env, w *world, opt options) (*IngestResult, error) {
	ro := ratingOpt
	devs, err := setupDevices(ctx, e, w, ro.Devices)
	if err != nil {
		return nil, err
	}
	conc := max(1, min(ro.Concurrency, len(devs)))
	workers := make([]*ingestWorker, conc)
	for i := range workers {
		workers[i] = &ingestWorker{r: rand.New(rand.NewPCG(opt.Seed, uint64(i)))}
	}
	for i, d := range devs {
		workers[i%conc].devices = append(workers[i%conc].devices, d)
	}
	hello, stopHello, err := helloServer()
	if err != nil {
		return nil, err
	}
	defer stopHello()
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 4 * conc, MaxIdleConnsPerHost: 4 * conc, DisableCompression: true}}
	defer client.CloseIdleConnections()

	// Every hello request carries a body shaped like a device event, so both
	// runs pay the same client-side encoding and transfer.
	helloReq := func(wk *ingestWorker) (*http.Request, string, error) {
		wk.seq++
		body := fmt.Sprintf(`{"event_id":"h-%d","type":"key","key":4}`, wk.seq)
		req, err := http.NewRequestWithContext(ctx, "POST", hello+"/hello", bytes.NewReader([]byte(body)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer ld_hello")
		}
		return req, "hello", err
	}
	ingestReq := func(wk *ingestWorker) (*http.Request, string, error) {
		d := wk.devices[wk.next]
		wk.seq++
		typ := []string{"session_start", "session_end", "key"}[wk.step]
		body := fmt.Sprintf(`{"event_id":"b-%d-%d","type":%q`, d.ID, wk.seq, typ)
		if typ == "key" {
			body += fmt.Sprintf(`,"key":%d`, benchKey(wk.r))
		}
		body += "}"
		wk.step = (wk.step + 1) % 3
		if wk.step == 0 {
			wk.next = (wk.next + 1) % len(wk.devices)
		}
		req, err := http.NewRequestWithContext(ctx, "POST", e.URL+"/api/v1/devices/"+strconv.FormatInt(d.ID, 10)+"/events", bytes.NewReader([]byte(body)))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+d.Token)
		}
		return req, typ, err
	}
	warm := min(600, ro.IngestRequests/10)
	fmt.Fprintf(opt.Out, "\nrating ingest on %s: %d clients over loopback, %d evaluators, up to %d requests or %s per server after %d warm-up requests\n",
		e.Engine, conc, len(devs), ro.IngestRequests, ro.IngestDuration, warm)
	before, err := ingestCounts(ctx, e)
	if err != nil {
		return nil, err
	}
	res := &IngestResult{}
	for _, run := range []struct {
		into *drained
		name string
		make func(*ingestWorker) (*http.Request, string, error)
	}{{&res.Hello, "hello-world net/http handler", helloReq}, {&res.Ingest, "device events (session_start / session_end / key)", ingestReq}} {
		if _, err := drive(ctx, client, workers, warm, ro.IngestDuration, run.name, run.make); err != nil {
			return nil, err
		}
		cpu0 := cpuTime()
		d, err := drive(ctx, client, workers, ro.IngestRequests, ro.IngestDuration, run.name, run.make)
		if err != nil {
			return nil, err
		}
		d.CPU, d.Load = cpuTime()-cpu0, loadAvg()
		*run.into = d
	}
	res.Ratio = res.Ingest.rate() / res.Hello.rate()
	batches, events, largest := e.App.Ratings.EventBatchStats()
	after, err := ingestCounts(ctx, e)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(opt.Out)
	fmt.Fprintln(opt.Out, "| server | requests | errors | seconds | req/s | p50 ms | p95 ms | p99 ms | max ms | CPU ms/request | load avg |")
	fmt.Fprintln(opt.Out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, d := range []drained{res.Hello, res.Ingest} {
		l := summarize(d.Name, d.All, 0, 0)
		fmt.Fprintf(opt.Out, "| %s | %d | %d | %.1f | %.0f | %s | %s | %s | %s | %.3f | %s |\n", d.Name, d.Requests, d.Errors, d.Elapsed.Seconds(), d.rate(),
			ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), float64(d.CPU)/1e6/float64(max(d.Requests, 1)), d.Load)
	}
	for _, typ := range []string{"session_start", "session_end", "key"} {
		l := summarize(typ, res.Ingest.ByType[typ], 0, 0)
		fmt.Fprintf(opt.Out, "| · %s | %d | | | | %s | %s | %s | %s | | |\n", typ, l.N, ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max))
	}
	met := "met"
	if res.Ratio < ingestTarget {
		met = "NOT met"
	}
	fmt.Fprintf(opt.Out, "\ningest / hello world = %.1f %% (target ≥ %.0f %%: %s); %.0f ratings/s; group commit: %d events in %d transactions (%.1f a transaction, at most %d)\n",
		100*res.Ratio, 100*ingestTarget, met, float64(res.Ingest.Keys)/res.Ingest.Elapsed.Seconds(), events, batches, float64(events)/float64(max(batches, 1)), largest)
	if res.Ingest.Errors > 0 || res.Hello.Errors > 0 {
		fmt.Fprintf(opt.Out, "errors: hello %d, ingest %d (first: %s)\n", res.Hello.Errors, res.Ingest.Errors, res.Ingest.FirstErr+res.Hello.FirstErr)
	}
	// What the requests did, counted in the database.
	fmt.Fprintf(opt.Out, "written: %d sessions, %d ratings (rating_daily n %+d), %d device events\n", after[0]-before[0], after[1]-before[1],
		after[2]-before[2], after[3]-before[3])
	if after[1]-before[1] != after[2]-before[2] {
		return res, fmt.Errorf("ingest: %d ratings written but the daily roll-up moved by %d", after[1]-before[1], after[2]-before[2])
	}
	return res, nil
}

// benchKey is a realistic key: mostly 非常满意, a few poor (which open 回访 tickets).
func benchKey(r *rand.Rand) int {
	switch u := r.Float64(); {
	case u < 0.02:
		return 1
	case u < 0.06:
		return 2
	case u < 0.22:
		return 3
	}
	return 4
}

// ingestCounts: sessions, ratings, the sum of rating_daily, device events.
func ingestCounts(ctx context.Context, e *Env) ([4]int64, error) {
	var out [4]int64
	for i, q := range []string{"SELECT count(*) FROM service_sessions", "SELECT count(*) FROM ratings",
		"SELECT COALESCE(CAST(SUM(n) AS BIGINT), 0) FROM rating_daily", "SELECT count(*) FROM rating_device_events"} {
		if err := e.App.DB.Get(ctx, &out[i], q); err != nil {
			return out, err
		}
	}
	return out, nil
}

// setupDevices signs a distinct staff member in at n counters of the added
// outlets and registers a hardware evaluator at each through the API.
func setupDevices(ctx context.Context, e *Env, w *world, n int) ([]device, error) {
	db := e.App.DB
	now := store.Now()
	var out []device
	for _, o := range w.Outlets {
		if len(o.Staff) < 3 {
			continue // a demo outlet: two people, three counters
		}
		for _, c := range o.Counters {
			if len(out) == n {
				return out, nil
			}
			if _, err := db.Exec(ctx, "UPDATE counters SET staff_id = NULL, signed_in_at = NULL WHERE staff_id = ?", c.Staff); err != nil {
				return nil, err
			}
			if _, err := db.Exec(ctx, "UPDATE counters SET staff_id = ?, signed_in_at = ? WHERE id = ?", c.Staff, now, c.ID); err != nil {
				return nil, err
			}
			var d device
			if err := e.Admin.JSON(ctx, "POST", "/api/v1/rating-devices", map[string]any{"counter_id": c.ID, "name": "压测评价器"}, &d); err != nil {
				return nil, fmt.Errorf("register evaluator: %w", err)
			}
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("ingest: no counter with its own staff member (add outlets with -rating-outlets)")
	}
	return out, nil
}

// helloServer serves the hello-world handler on 127.0.0.1.
func helloServer() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /hello", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("hello, world\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// drive sends up to n requests (or for at most d) from the workers
// concurrently, each worker one request at a time.
func drive(ctx context.Context, client *http.Client, workers []*ingestWorker, n int, d time.Duration, name string,
	mk func(*ingestWorker) (*http.Request, string, error)) (drained, error) {
	out := drained{Name: name, ByType: map[string][]time.Duration{}}
	if n <= 0 {
		return out, nil
	}
	var issued atomic.Int64
	var mu sync.Mutex
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(workers))
	for _, wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			byType := map[string][]time.Duration{}
			fails, keys := 0, 0
			first := ""
			for issued.Add(1) <= int64(n) && time.Now().Before(deadline) && ctx.Err() == nil {
				req, typ, err := mk(wk)
				if err != nil {
					errs <- err
					return
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						break
					}
					errs <- err
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				el := time.Since(t0)
				local = append(local, el)
				byType[typ] = append(byType[typ], el)
				if resp.StatusCode/100 != 2 {
					fails++
					if first == "" {
						first = fmt.Sprintf("%s: HTTP %d %.200s", typ, resp.StatusCode, body)
					}
				} else if typ == "key" {
					keys++
				}
			}
			mu.Lock()
			out.All = append(out.All, local...)
			for k, v := range byType {
				out.ByType[k] = append(out.ByType[k], v...)
			}
			out.Errors += fails
			out.Keys += keys
			if out.FirstErr == "" {
				out.FirstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.Elapsed = time.Since(start)
	out.Requests = len(out.All)
	select {
	case err := <-errs:
		return out, err
	default:
	}
	return out, ctx.Err()
}
