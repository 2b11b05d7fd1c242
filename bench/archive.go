package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Targets of the issue for an archive of 10^6 customers.
const (
	listTarget   = 50 * time.Millisecond
	searchTarget = 100 * time.Millisecond
)

// series is one kind of request measured sequentially.
type series struct {
	name    string
	client  *Client
	target  time.Duration
	kind    string // query kind: "", name, address, phone, initials
	queries []string
}

func (s series) path(i int) string {
	p := "/api/v1/customers?page=1&page_size=50"
	if s.kind != "" {
		p += "&q=" + url.QueryEscape(s.queries[i])
	}
	return p
}

// RunArchive measures the list page and the four kinds of search over the
// archive: warm-up first, then opt.Requests sequential requests per kind.
func RunArchive(ctx context.Context, e *Env, opt options) ([]Latency, error) {
	total, err := e.CountCustomers(ctx)
	if err != nil {
		return nil, err
	}
	var branchTotal struct {
		Total int  `json:"total"`
		Exact bool `json:"total_exact"`
	}
	if err := e.Branch.JSON(ctx, "GET", "/api/v1/customers?page_size=1", nil, &branchTotal); err != nil {
		return nil, err
	}
	if !branchTotal.Exact { // the list counts up to a cap: count here
		if err := e.App.DB.Get(ctx, &branchTotal.Total, "SELECT count(*) FROM customers WHERE deleted_at IS NULL AND org_id IN (SELECT id FROM orgs WHERE path LIKE (SELECT path FROM orgs WHERE code = ?) || '%')", BranchCode); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(opt.Out, "\narchive: %d customers; the branch user (%s, subtree of %s) sees %d (%.0f%%); load average %s\n",
		total, BranchLogin, BranchCode, branchTotal.Total, 100*float64(branchTotal.Total)/float64(max(total, 1)), loadAverage())
	defer func() { fmt.Fprintf(opt.Out, "load average after the archive measurements: %s\n", loadAverage()) }()
	gen := NewGenerator(opt.Seed, e.Outlets)
	lo := min(opt.DemoCustomers, total-1)
	n := opt.Requests + opt.Warmup
	draw := func(salt uint64, in func(*Outlet) bool, f func(q *Queries) string) []string {
		q := gen.Queries(lo, total, salt, in)
		out := make([]string, n)
		for i := range out {
			out[i] = f(q)
		}
		return out
	}
	// The branch user searches for customers of its branch, the admin for anyone.
	inBranch := func(o *Outlet) bool { return e.InBranch[o.ID] }
	kinds := []struct {
		kind, label string
		f           func(q *Queries) string
	}{
		{"name", "q name 2 chars", (*Queries).NameFragment},
		{"address", "q address 3 chars", (*Queries).AddressFragment},
		{"phone", "q phone suffix 4 digits", (*Queries).PhoneSuffix},
		{"initials", "q pinyin initials 2–3", (*Queries).Initials},
	}
	all := []series{{name: "list page 1, branch user", client: e.Branch, target: listTarget}}
	first := map[string]string{}
	for i, k := range kinds {
		qs := draw(uint64(i+1), inBranch, k.f)
		first[k.kind] = qs[0]
		all = append(all, series{name: k.label + ", branch user", client: e.Branch, target: searchTarget, kind: k.kind, queries: qs})
	}
	all = append(all, series{name: "list page 1, admin (all)", client: e.Admin})
	for i, k := range kinds {
		all = append(all, series{name: k.label + ", admin", client: e.Admin, kind: k.kind, queries: draw(uint64(i+11), nil, k.f)})
	}
	if opt.Explain {
		if err := explain(ctx, e, opt, first["name"], first["address"], first["phone"], first["initials"]); err != nil {
			return nil, err
		}
	}
	if opt.Kinds != "" { // e.g. a profile of one kind of search
		want := map[string]bool{}
		for _, k := range strings.Split(opt.Kinds, ",") {
			want[strings.TrimSpace(k)] = true
		}
		all = slices.DeleteFunc(all, func(s series) bool { return !want[cmp.Or(s.kind, "list")] })
	}
	var out []Latency
	var extras []archiveExtra
	var stopped error
	cpu := newCPUMeter(ctx, e)
	for _, s := range all {
		l, x, err := measureCPU(ctx, s, opt, cpu)
		if err != nil && (ctx.Err() == nil || l.N == 0) {
			if ctx.Err() != nil {
				stopped = err
				break
			}
			return out, err
		}
		if err != nil {
			stopped = err // the run's time is up: keep the samples taken, then stop
		}
		fmt.Fprintf(opt.Out, "  %-40s p50 %6s ms  p95 %6s ms  p99 %6s ms  (avg matches %.0f, %d with none, %d capped; CPU/request %s)\n", s.name, ms(l.P50), ms(l.P95), ms(l.P99), l.AvgTotal, l.Zero, x.Capped, x.cpuText())
		out = append(out, l)
		extras = append(extras, x)
		if stopped != nil {
			break
		}
	}
	printLatencies(opt.Out, fmt.Sprintf("### archive of %d customers on %s (%d sequential requests per row after %d warm-up, page_size 50)", total, e.Engine, opt.Requests, opt.Warmup), out)
	printArchiveExtras(opt.Out, out, extras)
	if stopped != nil {
		fmt.Fprintf(opt.Out, "\n(stopped early: %v; later rows were not measured)\n", stopped)
		return out, stopped
	}
	return out, nil
}

// measureCapped runs warmup then n timed requests of s, one after another. A
// sample is the time from sending the request to having read the whole
// answer. A slow series is cut short: the warm-up after 2 requests once a
// quarter of budget is spent, the measurement once budget is spent and 20
// samples are taken (the table's n says how many were). It also counts the
// answers whose total the server stopped counting (total_exact false), and
// calls mark (when not nil) when the warm-up ends and after the last sample.
func measureCapped(ctx context.Context, s series, warmup, n int, budget time.Duration, mark func()) (Latency, int, error) {
	var samples []time.Duration
	sum, zero, capped := 0, 0, 0
	marked := false
	start := time.Now()
	for i := 0; i < warmup+n; i++ {
		if budget > 0 && i < warmup && i >= 2 && time.Since(start) > budget/4 {
			i = warmup // enough warming: measure
		}
		if budget > 0 && len(samples) >= 20 && time.Since(start) > budget {
			break
		}
		if i >= warmup && !marked && mark != nil {
			mark()
			marked = true
		}
		t0 := time.Now()
		body, err := s.client.Get(ctx, s.path(i))
		d := time.Since(t0)
		if err != nil {
			l := summarize(s.name, samples, s.target, float64(sum)/float64(max(1, len(samples))))
			l.Zero = zero
			return l, capped, fmt.Errorf("%s: %w", s.name, err)
		}
		if i < warmup {
			continue
		}
		var r struct {
			Total int   `json:"total"`
			Exact *bool `json:"total_exact"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return Latency{}, capped, fmt.Errorf("%s: %w", s.name, err)
		}
		samples = append(samples, d)
		sum += r.Total
		if r.Total == 0 {
			zero++
		}
		if r.Exact != nil && !*r.Exact {
			capped++
		}
	}
	if mark != nil {
		mark()
	}
	l := summarize(s.name, samples, s.target, float64(sum)/float64(max(1, len(samples))))
	l.Zero = zero
	return l, capped, nil
}
