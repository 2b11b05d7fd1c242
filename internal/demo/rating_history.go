package demo

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"lingting/internal/org"
	"lingting/internal/rating"
)

// The rating history (issue #6 item 9): 13 months of counter service up to
// yesterday with the patterns the fairness features are for — more customers
// before 春节 and in December, few in the 春节 week, weekdays busier than
// Saturdays, outlets closed on Sundays, business hours only; queue waits that
// grow on busy days and lower the ratings; one weaker outlet; a star with
// three ratings (shown, not ranked); kiosks mostly, hardware evaluators in one
// sub-branch, QR codes at every counter; about 75 % of customers rating; a
// few corrections. A seeded generator makes the same history for the same
// day; rating.Service.LoadHistory writes it with its roll-ups in chunks.

const (
	// WeakOutlet is the outlet with noticeably fewer satisfied customers (三里屯网点).
	WeakOutlet = "HXB-BJ-CY-03"
	// StarOutlet's head serves at the counter rarely: 3 ratings, all 非常满意.
	StarOutlet = "HXB-SH-XH-01"
	// EvaluatorSubBranch's outlets rate with hardware evaluators instead of kiosks.
	EvaluatorSubBranch = "HXB-SH-PD"
	historySeed        = 2026
	historyChunk       = 25_000 // sessions per transaction
)

// SecondTellerLogin is the login of the second teller the rating history adds
// to an outlet: bjhd01.teller2.
func SecondTellerLogin(outletCode string) string { return loginBase(outletCode) + ".teller2" }

var secondTellers = []string{"陶然", "姜楠", "秦月", "范琪", "石磊", "谭静", "廖凡", "邹燕", "熊涛", "金鑫", "陆瑶", "郝佳"}

// chuxi is 除夕, the eve of 春节, of each year the demo may cover.
var chuxi = map[int][2]int{2024: {2, 9}, 2025: {1, 28}, 2026: {2, 16}, 2027: {2, 5}, 2028: {1, 25}, 2029: {2, 12}, 2030: {2, 2}, 2031: {1, 22}}

var (
	lowReasons  = []string{"等待时间长", "服务态度", "业务不熟练", "环境设施", "其他"}
	lowComments = []string{"排队太久了", "柜员解释得不清楚", "系统太慢，办了很久", "叫号后又等了很久", "希望多开几个窗口"}
	goodNotes   = []string{"服务很耐心", "办理很快，谢谢", "讲解很清楚", "态度很好"}
)

type histStaff struct {
	id     int64
	effect float64 // multiplies the chance of a poor rating
}

type histCounter struct {
	id, bt, link int64
	n            int     // 1 个人业务, 2 对公业务, 3 理财咨询
	weight       float64 // share of the outlet's customers
	handle       float64 // mean handling minutes
	prefix       string  // queue number prefix
	device       bool    // a hardware evaluator rather than a kiosk
}

type histOutlet struct {
	code                  string
	id                    int64
	size                  float64 // busier or quieter than the average outlet
	bad, top, participate float64 // chance of level ≤ 2; share of 4 among the satisfied; share rating
	head, teller, teller2 histStaff
	counters              []*histCounter
}

type historyGen struct {
	rng        *rand.Rand
	zone       *time.Location
	now        time.Time
	first      time.Time // days, midnight local
	last       time.Time
	outlets    []*histOutlet
	base       float64 // customers per unit of counter weight on an ordinary weekday
	qrRate     float64 // QR ratings per session
	corrRate   float64 // chance that a poor rating is corrected later
	starDays   map[int]bool
	starRated  int
	improveDay int // from this day the weak outlet does better (after training)
}

// loadRatingHistory adds about n ratings of history (none when n ≤ 0).
func loadRatingHistory(ctx context.Context, svc Services, ids, roleIDs map[string]int64, n int) error {
	if n <= 0 {
		return nil
	}
	g, err := newHistoryGen(ctx, svc, ids, roleIDs, n, time.Now())
	if err != nil {
		return err
	}
	if _, err := svc.Ratings.LoadHistory(ctx, g.chunks()); err != nil {
		return fmt.Errorf("demo: rating history: %w", err)
	}
	return nil
}

func newHistoryGen(ctx context.Context, svc Services, ids, roleIDs map[string]int64, n int, now time.Time) (*historyGen, error) {
	zone := svc.Ratings.Zone()
	local := now.In(zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)
	g := &historyGen{rng: rand.New(rand.NewPCG(historySeed, uint64(n))), zone: zone, now: now, first: today.AddDate(0, -13, 0),
		last: today.AddDate(0, 0, -1), qrRate: 0.05, starDays: map[int]bool{}}
	g.improveDay = dayNum(today.AddDate(0, -2, 0))
	i := 0
	for _, branch := range bank.children {
		for _, sub := range branch.children {
			for _, o := range sub.children {
				ho := &histOutlet{code: o.code, id: ids[o.code], size: 0.75 + 0.5*g.rng.Float64(), bad: 0.035 + 0.03*g.rng.Float64(),
					top: 0.72 + 0.1*g.rng.Float64(), participate: 0.74 + 0.08*g.rng.Float64()}
				if o.code == WeakOutlet {
					ho.bad, ho.top = 0.18, 0.62
				}
				for _, who := range []struct {
					login string
					into  *histStaff
				}{{loginBase(o.code) + ".head", &ho.head}, {loginBase(o.code) + ".teller", &ho.teller}} {
					u, _, err := svc.Orgs.UserByLogin(ctx, who.login)
					if err != nil {
						return nil, fmt.Errorf("demo: %s: %w", who.login, err)
					}
					who.into.id = u.ID
				}
				u, err := svc.Orgs.SeedUser(ctx, org.UserInput{Login: SecondTellerLogin(o.code), Name: secondTellers[i%len(secondTellers)], OrgID: ho.id,
					Password: Password, JobNo: fmt.Sprintf("D%04d", 201+i), Phone: fmt.Sprintf("137%08d", 20000000+i*6007),
					Email: SecondTellerLogin(o.code) + "@demo.lingting.cn", RoleIDs: []int64{roleIDs["网点用户"]}})
				if err != nil {
					return nil, fmt.Errorf("demo: second teller at %s: %w", o.code, err)
				}
				ho.teller2.id = u.ID
				ho.head.effect, ho.teller.effect, ho.teller2.effect = 0.7+0.3*g.rng.Float64(), 0.75+0.55*g.rng.Float64(), 0.75+0.55*g.rng.Float64()
				for n := 1; n <= 3; n++ {
					k, err := svc.Ratings.CounterByCode(ctx, CounterCode(o.code, n))
					if err != nil {
						return nil, err
					}
					link, err := svc.Ratings.CreateLink(ctx, rating.LinkInput{Kind: rating.LinkCounter, CounterID: &k.ID})
					if err != nil {
						return nil, err
					}
					hc := &histCounter{id: k.ID, bt: deref(k.BusinessTypeID), link: link.ID, n: n, device: sub.code == EvaluatorSubBranch}
					hc.weight, hc.handle, hc.prefix = []float64{1.6, 0.8, 0.6}[n-1], []float64{5.5, 9, 14}[n-1], []string{"A", "B", "V"}[n-1]
					ho.counters = append(ho.counters, hc)
				}
				g.outlets = append(g.outlets, ho)
				i++
			}
		}
	}
	// Customers per unit of weight so that sessions × (participation + QR) ≈ n.
	units, open := 0.0, []int{}
	for d := g.first; !d.After(g.last); d = d.AddDate(0, 0, 1) {
		f := dayFactor(d)
		if f == 0 {
			continue
		}
		if f >= 0.9 && d.Weekday() != time.Saturday {
			open = append(open, dayNum(d))
		}
		for _, o := range g.outlets {
			for _, c := range o.counters {
				if o.code == StarOutlet && c.n == 3 {
					continue
				}
				units += f * o.size * c.weight * (o.participation(c) + g.qrRate)
			}
		}
	}
	g.base = float64(n) / max(units, 1)
	// Poor ratings are about 8 %; correct about one rating in 10,000, at least a few.
	g.corrRate = min(0.5, max(3, float64(n)/10_000)/(0.08*float64(n)))
	// The star serves on four ordinary weekdays spread over the period.
	for _, q := range []float64{0.2, 0.45, 0.7, 0.9} {
		if len(open) > 0 {
			g.starDays[open[int(q*float64(len(open)-1))]] = true
		}
	}
	return g, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func dayNum(d time.Time) int { return d.Year()*10000 + int(d.Month())*100 + d.Day() }

func (o *histOutlet) participation(c *histCounter) float64 {
	if c.device {
		return o.participate - 0.08 // a key on a box is pressed less often than a screen asks
	}
	return o.participate
}

// dayFactor is a day's customers relative to an ordinary weekday: 0 when closed.
func dayFactor(d time.Time) float64 {
	if d.Weekday() == time.Sunday {
		return 0
	}
	f := 1.0
	if d.Weekday() == time.Saturday {
		f = 0.55
	}
	switch d.Month() {
	case time.December:
		f *= 1.2
	case time.July, time.August:
		f *= 0.92
	}
	if md := int(d.Month())*100 + d.Day(); md >= 1001 && md <= 1007 {
		f *= 0.3 // 国庆
	} else if md >= 501 && md <= 505 {
		f *= 0.4 // 劳动节
	}
	for _, y := range []int{d.Year(), d.Year() + 1} {
		if e, ok := chuxi[y]; ok {
			eve := time.Date(y, time.Month(e[0]), e[1], 0, 0, 0, 0, d.Location())
			days := int(math.Round(d.Sub(eve).Hours() / 24))
			switch {
			case days >= 0 && days <= 6:
				f *= 0.15 // 春节
			case days >= -21 && days < 0:
				f *= 1.35 // 年前：年终奖、换新钞、还款
			}
		}
	}
	return f
}

// chunks generates the history day by day, a chunk per historyChunk sessions.
func (g *historyGen) chunks() iter.Seq[rating.History] {
	return func(yield func(rating.History) bool) {
		var h rating.History
		for d := g.first; !d.After(g.last); d = d.AddDate(0, 0, 1) {
			f := dayFactor(d)
			if f == 0 {
				continue
			}
			for _, o := range g.outlets {
				g.outletDay(&h, o, d, f)
			}
			if len(h.Sessions) >= historyChunk {
				if !yield(h) {
					return
				}
				h = rating.History{}
			}
		}
		if len(h.Sessions) > 0 || len(h.Ratings) > 0 {
			yield(h)
		}
	}
}

// outletDay adds one outlet's day: who sits where, then each counter's customers.
func (g *historyGen) outletDay(h *rating.History, o *histOutlet, d time.Time, f float64) {
	r := g.rng
	day := dayNum(d)
	at := map[int]*histStaff{1: &o.teller, 2: &o.teller2, 3: &o.head}
	switch u := r.Float64(); {
	case u < 0.03: // the teller is away: the second teller takes 个人业务, 对公 is closed
		at[1], at[2] = &o.teller2, nil
	case u < 0.18:
		at[1], at[2] = &o.teller2, &o.teller
	}
	if o.code == StarOutlet {
		at[3] = nil // 理财咨询 by appointment with the head, rarely
		if g.starDays[day] {
			at[3] = &o.head
		}
	}
	openH, closeH := 9, 17
	if d.Weekday() == time.Saturday {
		closeH = 16
	}
	open := time.Date(d.Year(), d.Month(), d.Day(), openH, 0, 0, 0, g.zone)
	span := float64((closeH - openH) * 3600)
	for _, c := range o.counters {
		staff := at[c.n]
		if staff == nil {
			continue
		}
		lambda := g.base * f * o.size * c.weight
		n := poisson(r, lambda)
		if o.code == StarOutlet && c.n == 3 {
			n = 1
		}
		if n == 0 {
			continue
		}
		// Handling times, squeezed when the day is fuller than the counter can serve.
		handles := make([]float64, n)
		total := 0.0
		for i := range handles {
			handles[i] = max(60, c.handle*60*math.Exp(0.45*r.NormFloat64()-0.1))
			total += handles[i]
		}
		if total > 0.92*span {
			for i := range handles {
				handles[i] *= 0.92 * span / total
			}
			total = 0.92 * span
		}
		load := total / span
		gaps := make([]float64, n)
		gsum := 0.0
		for i := range gaps {
			gaps[i] = r.ExpFloat64()
			gsum += gaps[i]
		}
		idle := span - total
		t := open
		for i := range n {
			t = t.Add(time.Duration(gaps[i] / (gsum * 1.02) * idle * float64(time.Second)))
			start := t.Truncate(time.Second)
			end := start.Add(time.Duration(handles[i]) * time.Second)
			t = end
			s := rating.HistorySession{CounterID: c.id, OrgID: o.id, StaffID: staff.id, BusinessTypeID: c.bt, Channel: rating.ChannelStaff,
				StartedAt: start, EndedAt: end}
			if c.device {
				s.Channel = rating.ChannelDevice
			}
			var wait float64
			if r.Float64() < 0.9 { // the rest come by appointment, without a number
				wait = min(r.ExpFloat64()*(90+1500*load*load), float64(start.Sub(open)/time.Second))
				s.QueueNo = fmt.Sprintf("%s%03d", c.prefix, i+1)
				s.QueuedAt = start.Add(-time.Duration(wait) * time.Second)
			}
			rated := r.Float64() < o.participation(c)
			if o.code == StarOutlet && c.n == 3 {
				rated = g.starRated < 3
			}
			if rated {
				channel := rating.ChannelKiosk
				if c.device {
					channel = rating.ChannelDevice
				}
				hr := g.rating(o, staff, d, day, wait, false, end.Add(time.Duration(3+r.IntN(22))*time.Second), channel)
				if o.code == StarOutlet && c.n == 3 {
					hr.Level, hr.Reasons, hr.Comment, hr.Correction = 4, nil, "", nil
					g.starRated++
				}
				s.Rating = hr
			}
			h.Sessions = append(h.Sessions, s)
		}
		// QR codes at the counter, scanned by customers of the day.
		for range poisson(r, float64(n)*g.qrRate) {
			when := open.Add(time.Duration(r.Float64()*span) * time.Second)
			hr := g.rating(o, staff, d, day, 0, true, when, rating.ChannelQR)
			hr.LinkID, hr.CounterID, hr.OrgID, hr.StaffID, hr.BusinessTypeID = c.link, c.id, o.id, staff.id, c.bt
			h.Ratings = append(h.Ratings, *hr)
		}
	}
}

// rating draws a level: the outlet's and staff member's quality, worse after
// a long wait, on the busiest days and through QR codes (the unhappy scan).
func (g *historyGen) rating(o *histOutlet, staff *histStaff, d time.Time, day int, wait float64, qr bool, at time.Time, channel string) *rating.HistoryRating {
	r := g.rng
	bad, top := o.bad, o.top
	if o.code == WeakOutlet && day >= g.improveDay {
		bad, top = 0.11, 0.68 // after the training in the last two months
	}
	bad *= staff.effect
	if wait > 15*60 {
		bad *= 1.8
	}
	if wait > 30*60 {
		bad *= 1.5
	}
	if qr {
		bad *= 1.4
	}
	if dayFactor(d) > 1.3 {
		bad *= 1.2
	}
	bad = min(bad, 0.6)
	hr := &rating.HistoryRating{Channel: channel, RatedAt: at}
	switch u := r.Float64(); {
	case u < bad*0.3:
		hr.Level = 1
	case u < bad:
		hr.Level = 2
	case u < bad+(1-bad)*(1-top):
		hr.Level = 3
	default:
		hr.Level = 4
	}
	if hr.Level <= 2 {
		reason := lowReasons[r.IntN(len(lowReasons))]
		if wait > 15*60 && r.Float64() < 0.7 {
			reason = lowReasons[0]
		}
		hr.Reasons = []string{reason}
		if r.Float64() < 0.15 {
			hr.Comment = lowComments[r.IntN(len(lowComments))]
		}
		if r.Float64() < g.corrRate {
			c := &rating.HistoryCorrection{Level: 4, Note: "客户误按，经电话回访确认为非常满意", By: o.head.id,
				At: at.Add(time.Duration(20+r.IntN(48)) * time.Hour)}
			if r.Float64() < 0.4 {
				c.Level, c.Note = 3, "员工代按有误，经核实监控与客户确认更正为满意"
			}
			if c.At.After(g.now) {
				c.At = g.now
			}
			hr.Correction = c
		}
	} else if r.Float64() < 0.01 {
		hr.Comment = goodNotes[r.IntN(len(goodNotes))]
	}
	return hr
}

// poisson draws a Poisson count (normal approximation for large means).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
