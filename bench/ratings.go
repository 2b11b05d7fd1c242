package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"lingting/internal/org"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/store"
)

// The ratings scenarios of issue #6:
//
//	go run ./bench ratings-ingest [-engine …] [-concurrency 12] [-ingest-requests 30000] [-ingest-duration 30s]
//	go run ./bench ratings-report [-engine …] [-ratings 10000000] [-db FILE] [-requests 20]
//
// Both build a bank bigger than the demo's: -rating-outlets outlets spread
// over the demo's four sub-branches, three counters and four staff each.
// ratings-report bulk-loads -ratings ratings (13 months of counter service up
// to yesterday, ~75 % of sessions rated, 5 % more through QR codes) with
// rating.Service.LoadHistory and times the satisfaction and ranking endpoints
// over HTTP; ratings-ingest drives hardware-evaluator events against a
// hello-world net/http handler measured in the same run.

// ratingOptions are the flags of the ratings scenarios.
type ratingOptions struct {
	Ratings        int           // ratings bulk-loaded (ratings-report)
	History        int           // ratings bulk-loaded before the ingest run (ratings-ingest)
	Outlets        int           // outlets added to the demo tree
	Concurrency    int           // concurrent clients (ratings-ingest)
	Devices        int           // hardware evaluators the clients share (ratings-ingest)
	IngestRequests int           // measured requests per server (ratings-ingest)
	IngestDuration time.Duration // bound of each measured run (ratings-ingest)
	Chunk          int           // sessions per LoadHistory transaction
}

var ratingOpt = ratingOptions{Ratings: 10_000_000, History: 300_000, Outlets: 200, Concurrency: 12, Devices: 192,
	IngestRequests: 30_000, IngestDuration: 30 * time.Second, Chunk: 25_000}

// ratingFlags declares the ratings scenarios' flags on the command's flag set.
func ratingFlags(fs *flag.FlagSet) {
	fs.IntVar(&ratingOpt.Ratings, "ratings", ratingOpt.Ratings, "ratings bulk-loaded (ratings-report)")
	fs.IntVar(&ratingOpt.History, "ingest-history", ratingOpt.History, "ratings bulk-loaded before the ingest run (ratings-ingest)")
	fs.IntVar(&ratingOpt.Outlets, "rating-outlets", ratingOpt.Outlets, "outlets (3 counters, 4 staff each) added to the demo tree (ratings-*)")
	fs.IntVar(&ratingOpt.Concurrency, "concurrency", ratingOpt.Concurrency, "concurrent clients (ratings-ingest)")
	fs.IntVar(&ratingOpt.Devices, "devices", ratingOpt.Devices, "hardware evaluators the clients share (ratings-ingest)")
	fs.IntVar(&ratingOpt.IngestRequests, "ingest-requests", ratingOpt.IngestRequests, "measured requests per server (ratings-ingest)")
	fs.DurationVar(&ratingOpt.IngestDuration, "ingest-duration", ratingOpt.IngestDuration, "bound of each measured ingest run")
	fs.IntVar(&ratingOpt.Chunk, "rating-chunk", ratingOpt.Chunk, "sessions per bulk-load transaction (ratings-*)")
}

// runRatings runs one ratings scenario on its own app: a fresh database, or
// the kept one of -db (ingest then writes into it).
func runRatings(ctx context.Context, opt options, scenario string) error {
	e, err := NewEnv(ctx, opt, opt.DBPath)
	if err != nil {
		return err
	}
	defer e.Close()
	w, err := buildWorld(ctx, e, ratingOpt.Outlets)
	if err != nil {
		return err
	}
	if scenario == "ratings-ingest" {
		if _, err := ensureRatings(ctx, e, w, ratingOpt.History, opt.Seed); err != nil {
			return err
		}
		_, err := RunRatingIngest(ctx, e, w, opt)
		return err
	}
	if _, err := ensureRatings(ctx, e, w, ratingOpt.Ratings, opt.Seed); err != nil {
		return err
	}
	_, err = RunRatingReports(ctx, e, w, opt)
	return err
}

// worldCounter is a counter of the bench bank.
type worldCounter struct {
	ID, OrgID, BT, Link int64
	N                   int     // 1..3: 个人业务, 对公业务, 理财咨询
	Device              bool    // a hardware evaluator rather than a kiosk
	Weight              float64 // share of the outlet's customers
	Staff               int64   // who usually sits there
}

// worldOutlet is an outlet of the bench bank.
type worldOutlet struct {
	ID       int64
	Code     string
	Bad      float64 // chance of a poor rating
	Size     float64
	Staff    []int64
	Counters []*worldCounter
}

// world is the bench bank: the demo's outlets and the added ones.
type world struct {
	Outlets  []*worldOutlet
	BranchID int64 // 北京分行 (HXB-BJ)
	BankID   int64
	Staff    int
}

var subBranches = []string{"HXB-BJ-HD", "HXB-BJ-CY", "HXB-SH-PD", "HXB-SH-XH"}

var benchStaffNames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
var benchGiven = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"}

// buildWorld adds outlets (with staff, counters and QR links) to the demo
// tree, or finds those a kept database already has.
func buildWorld(ctx context.Context, e *Env, outlets int) (*world, error) {
	start := time.Now()
	ctx = scope.With(ctx, scope.System())
	a := e.App
	w := &world{}
	ids := map[string]int64{}
	var orgs []struct {
		ID   int64  `db:"id"`
		Code string `db:"code"`
		Kind string `db:"kind"`
	}
	if err := a.DB.Select(ctx, &orgs, "SELECT id, code, kind FROM orgs"); err != nil {
		return nil, err
	}
	for _, o := range orgs {
		ids[o.Code] = o.ID
	}
	w.BranchID, w.BankID = ids["HXB-BJ"], ids["HXB"]
	if w.BranchID == 0 || w.BankID == 0 {
		return nil, fmt.Errorf("the demo tree is missing")
	}
	var roleID int64
	if err := a.DB.Get(ctx, &roleID, "SELECT id FROM roles WHERE name = ?", "网点用户"); err != nil {
		return nil, fmt.Errorf("role 网点用户: %w", err)
	}
	var bts []int64
	if err := a.DB.Select(ctx, &bts, "SELECT id FROM business_types ORDER BY sort, id"); err != nil || len(bts) < 3 {
		return nil, fmt.Errorf("business types: %v", err)
	}
	r := rand.New(rand.NewPCG(e.Opt.Seed, 6))
	now := store.Now()
	// The added outlets: created once, found again in a kept database.
	for i := range outlets {
		sub := subBranches[i%len(subBranches)]
		code := fmt.Sprintf("%s-B%03d", sub, i/len(subBranches)+1)
		if ids[code] != 0 {
			continue
		}
		parent, region := ids[sub], "北京"
		if strings.HasPrefix(sub, "HXB-SH") {
			region = "上海"
		}
		o, err := a.Orgs.CreateOrg(ctx, org.OrgInput{ParentID: &parent, Kind: org.KindOutlet, Code: code, Name: fmt.Sprintf("压测%03d网点", i+1), Region: region})
		if err != nil {
			return nil, fmt.Errorf("outlet %s: %w", code, err)
		}
		ids[code] = o.ID
		err = a.DB.WithTx(ctx, func(ctx context.Context) error {
			for k := range 4 {
				login := fmt.Sprintf("b%s%03d.s%d", strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(sub, "HXB-"), "-", "")), i/len(subBranches)+1, k+1)
				name := benchStaffNames[r.IntN(len(benchStaffNames))] + benchGiven[r.IntN(len(benchGiven))]
				// Not able to log in ("!" is no argon2 hash): they are rated, they do not sign in.
				uid, err := a.DB.InsertID(ctx, `INSERT INTO users (org_id, login, name, job_no, password_hash, created_at, updated_at)
					VALUES (?, ?, ?, ?, '!', ?, ?) RETURNING id`, o.ID, login, name, fmt.Sprintf("B%05d", i*4+k+1), now, now)
				if err != nil {
					return err
				}
				if _, err := a.DB.Exec(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", uid, roleID); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("staff of %s: %w", code, err)
		}
		for n := 1; n <= 3; n++ {
			bt := bts[n-1]
			k, err := a.Ratings.CreateCounter(ctx, rating.CounterInput{OrgID: o.ID, Code: fmt.Sprintf("%s-W%d", code, n), Name: fmt.Sprintf("%d号窗口", n), BusinessTypeID: &bt})
			if err != nil {
				return nil, fmt.Errorf("counter at %s: %w", code, err)
			}
			if _, err := a.Ratings.CreateLink(ctx, rating.LinkInput{Kind: rating.LinkCounter, CounterID: &k.ID}); err != nil {
				return nil, err
			}
		}
	}
	// Every outlet's counters, staff and links, from the database.
	var rows []struct {
		Org   int64  `db:"org_id"`
		Code  string `db:"code"`
		ID    int64  `db:"id"`
		BT    *int64 `db:"business_type_id"`
		KCode string `db:"kcode"`
		Link  *int64 `db:"link"`
	}
	if err := a.DB.Select(ctx, &rows, `SELECT k.org_id, o.code, k.id, k.business_type_id, k.code AS kcode,
		(SELECT min(l.id) FROM rating_links l WHERE l.counter_id = k.id AND l.kind = 'counter') AS link
		FROM counters k JOIN orgs o ON o.id = k.org_id ORDER BY o.code, k.code`); err != nil {
		return nil, err
	}
	byOrg := map[int64]*worldOutlet{}
	for _, row := range rows {
		o := byOrg[row.Org]
		if o == nil {
			o = &worldOutlet{ID: row.Org, Code: row.Code}
			if err := a.DB.Select(ctx, &o.Staff, "SELECT id FROM users WHERE org_id = ? ORDER BY id", row.Org); err != nil {
				return nil, err
			}
			if len(o.Staff) == 0 {
				continue
			}
			// Quality and size drawn from the code, the same on every run.
			q := rand.New(rand.NewPCG(e.Opt.Seed, uint64(row.Org)*7919))
			o.Bad, o.Size = 0.03+0.05*q.Float64(), 0.7+0.6*q.Float64()
			if q.IntN(25) == 0 {
				o.Bad = 0.16 // a weak outlet now and then
			}
			byOrg[row.Org] = o
			w.Outlets = append(w.Outlets, o)
			w.Staff += len(o.Staff)
		}
		if row.Link == nil {
			k := row.ID
			l, err := a.Ratings.CreateLink(ctx, rating.LinkInput{Kind: rating.LinkCounter, CounterID: &k})
			if err != nil {
				return nil, err
			}
			row.Link = &l.ID
		}
		n, _ := strconv.Atoi(row.KCode[strings.LastIndex(row.KCode, "W")+1:])
		c := &worldCounter{ID: row.ID, OrgID: row.Org, Link: *row.Link, N: n, Device: strings.HasPrefix(row.Code, "HXB-SH-PD")}
		if row.BT != nil {
			c.BT = *row.BT
		}
		c.Weight = map[int]float64{1: 1.6, 2: 0.8, 3: 0.6}[n]
		c.Staff = o.Staff[(n-1)%len(o.Staff)]
		o.Counters = append(o.Counters, c)
	}
	fmt.Fprintf(e.Opt.Out, "bank: %d outlets, %d staff, %d counters (world ready in %s)\n", len(w.Outlets), w.Staff, len(rows),
		time.Since(start).Round(time.Millisecond))
	return w, nil
}

// cpuTime is the CPU time this process (app and load generator) has used:
// on a machine shared with other work, wall time alone says little.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the 1-minute load average (Linux), for the record.
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(raw))[0]
}

// countRatings counts the ratings rows.
func countRatings(ctx context.Context, e *Env) (int, error) {
	var n int
	err := e.App.DB.Get(ctx, &n, "SELECT count(*) FROM ratings")
	return n, err
}

// ensureRatings bulk-loads history until the database holds about n ratings.
func ensureRatings(ctx context.Context, e *Env, w *world, n int, seed uint64) (rating.HistoryStats, error) {
	have, err := countRatings(ctx, e)
	if err != nil {
		return rating.HistoryStats{}, err
	}
	if have >= n*97/100 {
		fmt.Fprintf(e.Opt.Out, "ratings: %d already present\n", have)
		return rating.HistoryStats{}, nil
	}
	start, cpu0 := time.Now(), cpuTime()
	g := newWorldGen(w, n-have, seed+uint64(have), e.App.Ratings.Zone())
	chunks := make(chan rating.History, 2)
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { // generate the next chunk while the last one is written
		defer close(chunks)
		for h := range g.chunks(ratingOpt.Chunk) {
			select {
			case chunks <- h:
			case <-gctx.Done():
				return
			}
		}
	}()
	lastReport, done := start, 0
	seq := func(yield func(rating.History) bool) {
		for h := range chunks {
			if !yield(h) {
				return
			}
			done += len(h.Sessions)
			if time.Since(lastReport) > 15*time.Second {
				lastReport = time.Now()
				fmt.Fprintf(e.Opt.Log, "  ratings load: %d sessions written, %s\n", done, time.Since(start).Round(time.Second))
			}
		}
	}
	st, err := e.App.Ratings.LoadHistory(ctx, seq)
	if err != nil {
		return st, err
	}
	el, cpu := time.Since(start), cpuTime()-cpu0
	post := time.Now()
	if e.App.DB.Dialect == store.Postgres {
		if _, err := e.App.DB.Writer().ExecContext(ctx, "VACUUM ANALYZE service_sessions, ratings, rating_daily, rating_monthly, rating_org_monthly, rating_staff_monthly, session_daily, session_monthly"); err != nil {
			return st, err
		}
	} else if _, err := e.App.DB.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return st, err
	}
	fmt.Fprintf(e.Opt.Out, "ratings load: %d sessions, %d ratings (%d corrections) in %d transactions, %s (this process's CPU %s, load average %s) — %.0f ratings/s, %.0f rows/s; roll-up rows upserted: %d daily, %d monthly, %d org-monthly, %d session-daily, %d session-monthly; post-load %s\n",
		st.Sessions, st.Ratings, st.Corrections, st.Chunks, el.Round(time.Millisecond), cpu.Round(time.Millisecond), loadAvg(), float64(st.Ratings)/el.Seconds(),
		float64(st.Sessions+st.Ratings+st.Corrections)/el.Seconds(), st.DailyRows, st.MonthlyRows, st.OrgMonthlyRows, st.SessionRows,
		st.SessionMonthlyRows, time.Since(post).Round(time.Millisecond))
	return st, nil
}

// worldGen generates 13 months of counter service for the bench bank.
type worldGen struct {
	w           *world
	r           *rand.Rand
	zone        *time.Location
	first, last time.Time
	base        float64
}

func newWorldGen(w *world, n int, seed uint64, zone *time.Location) *worldGen {
	now := time.Now().In(zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	g := &worldGen{w: w, r: rand.New(rand.NewPCG(seed, 12)), zone: zone, first: today.AddDate(0, -13, 0), last: today.AddDate(0, 0, -1)}
	units := 0.0
	for d := g.first; !d.After(g.last); d = d.AddDate(0, 0, 1) {
		f := benchDayFactor(d)
		for _, o := range w.Outlets {
			for _, c := range o.Counters {
				units += f * o.Size * c.Weight * (0.75 + 0.05)
			}
		}
	}
	g.base = float64(n) / max(units, 1)
	return g
}

// benchDayFactor: closed on Sundays, Saturdays quieter, December busier.
func benchDayFactor(d time.Time) float64 {
	switch {
	case d.Weekday() == time.Sunday:
		return 0
	case d.Weekday() == time.Saturday:
		return 0.55
	case d.Month() == time.December:
		return 1.2
	}
	return 1
}

func (g *worldGen) chunks(size int) iter.Seq[rating.History] {
	return func(yield func(rating.History) bool) {
		var h rating.History
		for d := g.first; !d.After(g.last); d = d.AddDate(0, 0, 1) {
			f := benchDayFactor(d)
			if f == 0 {
				continue
			}
			open := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, g.zone)
			for _, o := range g.w.Outlets {
				for _, c := range o.Counters {
					g.counterDay(&h, o, c, open, f)
					if len(h.Sessions) >= size {
						if !yield(h) {
							return
						}
						h = rating.History{}
					}
				}
			}
		}
		if len(h.Sessions) > 0 || len(h.Ratings) > 0 {
			yield(h)
		}
	}
}

func (g *worldGen) counterDay(h *rating.History, o *worldOutlet, c *worldCounter, open time.Time, f float64) {
	r := g.r
	lambda := g.base * f * o.Size * c.Weight
	n := poissonDraw(r, lambda)
	if n == 0 {
		return
	}
	staff := c.Staff
	if r.IntN(6) == 0 {
		staff = o.Staff[r.IntN(len(o.Staff))]
	}
	slot := 8 * time.Hour / time.Duration(n)
	for i := range n {
		start := open.Add(time.Duration(i)*slot + time.Duration(r.Int64N(int64(slot)/4+1))).Truncate(time.Second)
		s := rating.HistorySession{CounterID: c.ID, OrgID: o.ID, StaffID: staff, BusinessTypeID: c.BT, Channel: rating.ChannelStaff,
			StartedAt: start, EndedAt: start.Add(time.Duration(float64(slot) * (0.5 + 0.4*r.Float64()))).Truncate(time.Second)}
		if c.Device {
			s.Channel = rating.ChannelDevice
		}
		if r.IntN(10) > 0 {
			s.QueueNo, s.QueuedAt = fmt.Sprintf("A%03d", i+1), start.Add(-time.Duration(r.ExpFloat64()*600)*time.Second)
		}
		if r.Float64() < 0.75 {
			ch := rating.ChannelKiosk
			if c.Device {
				ch = rating.ChannelDevice
			}
			s.Rating = &rating.HistoryRating{Channel: ch, Level: g.level(o.Bad), RatedAt: s.EndedAt.Add(10 * time.Second)}
		}
		h.Sessions = append(h.Sessions, s)
	}
	for range int(float64(n)*0.05 + r.Float64()) {
		h.Ratings = append(h.Ratings, rating.HistoryRating{Channel: rating.ChannelQR, LinkID: c.Link, CounterID: c.ID, OrgID: o.ID, StaffID: staff,
			BusinessTypeID: c.BT, Level: g.level(o.Bad * 1.4), RatedAt: open.Add(time.Duration(r.Int64N(int64(8 * time.Hour))))})
	}
}

// poissonDraw draws a Poisson count (normal approximation for large means).
func poissonDraw(r *rand.Rand, lambda float64) int {
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		if p *= r.Float64(); p <= l {
			return k
		}
		k++
	}
}

func (g *worldGen) level(bad float64) int {
	switch u := g.r.Float64(); {
	case u < bad*0.3:
		return 1
	case u < bad:
		return 2
	case u < bad+(1-bad)*0.22:
		return 3
	}
	return 4
}

// Targets of the issue with 10^7 ratings.
const reportTarget = 200 * time.Millisecond

// RunRatingReports times the satisfaction and ranking endpoints as the
// demo's bank-wide (hxb.admin) and branch (bj.admin) administrators.
func RunRatingReports(ctx context.Context, e *Env, w *world, opt options) ([]Latency, error) {
	bank, err := login(ctx, e.URL, "hxb.admin", "Demo@2026")
	if err != nil {
		return nil, err
	}
	branch, err := login(ctx, e.URL, "bj.admin", "Demo@2026")
	if err != nil {
		return nil, err
	}
	total, err := countRatings(ctx, e)
	if err != nil {
		return nil, err
	}
	var rollups [5]int
	for i, t := range []string{"rating_daily", "rating_monthly", "rating_org_monthly", "session_daily", "session_monthly"} {
		if err := e.App.DB.Get(ctx, &rollups[i], "SELECT count(*) FROM "+t); err != nil {
			return nil, err
		}
	}
	zone := e.App.Ratings.Zone()
	now := time.Now().In(zone)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, zone)
	from, to := monthStart.AddDate(-1, 0, 0).Format(time.DateOnly), monthStart.AddDate(0, 0, -1).Format(time.DateOnly)
	rFrom, rTo := now.AddDate(-1, 0, 0).Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly)
	fmt.Fprintf(opt.Out, "\nratings report: %d ratings; roll-ups %d daily, %d monthly, %d org-monthly, %d session-daily, %d session-monthly rows; 12 whole months %s … %s\n",
		total, rollups[0], rollups[1], rollups[2], rollups[3], rollups[4], from, to)
	sat := func(from, to string, extra string) string {
		return "/api/v1/analytics/satisfaction?from=" + from + "&to=" + to + "&group_by=month" + extra
	}
	rank := func(from, to string) string {
		return "/api/v1/analytics/rankings?by=staff&org_id=" + strconv.FormatInt(w.BranchID, 10) + "&from=" + from + "&to=" + to
	}
	type probe struct {
		name   string
		client *Client
		path   string
		target time.Duration
	}
	probes := []probe{
		{"satisfaction, whole bank, 12 months by month (hxb.admin)", bank, sat(from, to, ""), reportTarget},
		{"ranking of all staff in 北京分行, 12 months (bj.admin)", branch, rank(from, to), reportTarget},
		{"satisfaction, whole bank, rolling 12 months (ragged ends)", bank, sat(rFrom, rTo, ""), 0},
		{"satisfaction, whole bank, 12 months with compare=yoy", bank, sat(from, to, "&compare=yoy"), 0},
		{"ranking of all staff in 北京分行, rolling 12 months", branch, rank(rFrom, rTo), 0},
	}
	var out []Latency
	var cpus []time.Duration
	for _, p := range probes {
		var samples []time.Duration
		items := 0
		cpu0 := cpuTime()
		for i := range opt.Warmup/4 + opt.Requests {
			t0 := time.Now()
			raw, err := p.client.Get(ctx, p.path)
			d := time.Since(t0)
			if err != nil {
				return out, fmt.Errorf("%s: %w", p.name, err)
			}
			if i == 0 {
				var answer struct {
					Items []json.RawMessage `json:"items"`
				}
				if err := json.Unmarshal(raw, &answer); err != nil {
					return out, fmt.Errorf("%s: %w", p.name, err)
				}
				items = len(answer.Items)
			}
			if i >= opt.Warmup/4 {
				samples = append(samples, d)
			}
		}
		cpus = append(cpus, (cpuTime()-cpu0)/time.Duration(opt.Warmup/4+opt.Requests))
		l := summarize(p.name, samples, p.target, float64(items))
		out = append(out, l)
	}
	printLatencies(opt.Out, fmt.Sprintf("ratings reports over HTTP on %s (%d ratings; \"avg matches\" = groups in the answer; load average %s)",
		e.Engine, total, loadAvg()), out)
	// On a shared machine the CPU a request costs says more than its wall time.
	// On PostgreSQL the server's share is not in it.
	fmt.Fprintf(opt.Out, "\n| query | this process's CPU ms/request |\n|---|---:|\n")
	for i, l := range out {
		fmt.Fprintf(opt.Out, "| %s | %s |\n", l.Name, ms(cpus[i]))
	}
	return out, nil
}
