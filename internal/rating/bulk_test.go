package rating_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/internal/testutil"
)

// bulkRatingRecount recomputes a rating roll-up (rating_daily,
// rating_monthly or rating_org_monthly) from the raw rows: the newest rating
// of each correction chain, grouped.
func bulkRatingRecount(t *testing.T, db *store.DB, table string) (fromRaw, rolled map[string]int64) {
	t.Helper()
	period, col, staff, counter := "r.day", "day", "COALESCE(r.staff_id, 0)", "COALESCE(r.counter_id, 0)"
	if table != "rating_daily" {
		period, col = "r.day / 100", "month"
	}
	rolledStaff, groupStaff := "staff_id, counter_id", staff+", "+counter+", "
	if table == "rating_org_monthly" { // no staff or counter
		staff, counter, rolledStaff, groupStaff = "0", "0", "0 AS staff_id, 0 AS counter_id", ""
	}
	type keyed struct {
		P       int    `db:"p"`
		Org     int64  `db:"org_id"`
		Staff   int64  `db:"staff_id"`
		Counter int64  `db:"counter_id"`
		BT      int64  `db:"business_type_id"`
		Channel string `db:"channel"`
		Vendor  int64  `db:"vendor_org_id"`
		Level   int    `db:"level"`
		Scale   int    `db:"scale"`
		Sat     int    `db:"satisfied"`
		N       int64  `db:"n"`
	}
	collect := func(q string) map[string]int64 {
		var rs []keyed
		if err := db.Select(context.Background(), &rs, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out := map[string]int64{}
		for _, r := range rs {
			if r.N != 0 {
				out[fmt.Sprintf("%d/%d/%d/%d/%d/%s/%d/%d/%d/%d", r.P, r.Org, r.Staff, r.Counter, r.BT, r.Channel, r.Vendor, r.Level, r.Scale, r.Sat)] += r.N
			}
		}
		return out
	}
	fromRaw = collect(`SELECT ` + period + ` AS p, r.org_id, ` + staff + ` AS staff_id, ` + counter + ` AS counter_id,
		COALESCE(r.business_type_id, 0) AS business_type_id, r.channel, COALESCE(r.vendor_org_id, 0) AS vendor_org_id, r.level, r.scale,
		CASE WHEN r.satisfied THEN 1 ELSE 0 END AS satisfied, count(*) AS n
		FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM ratings c WHERE c.corrects_id = r.id)
		GROUP BY ` + period + `, r.org_id, ` + groupStaff + `COALESCE(r.business_type_id, 0), r.channel,
		COALESCE(r.vendor_org_id, 0), r.level, r.scale, CASE WHEN r.satisfied THEN 1 ELSE 0 END`)
	rolled = collect(`SELECT ` + col + ` AS p, org_id, ` + rolledStaff + `, business_type_id, channel, vendor_org_id, level, scale, satisfied, n FROM ` + table)
	return fromRaw, rolled
}

// staffRatingRecount recomputes rating_staff_monthly (month, org, staff,
// vendor, satisfied) from the raw rows.
func staffRatingRecount(t *testing.T, db *store.DB) (fromRaw, rolled map[string]int64) {
	t.Helper()
	collect := func(q string) map[string]int64 {
		var rs []struct {
			P      int   `db:"p"`
			Org    int64 `db:"org_id"`
			Staff  int64 `db:"staff_id"`
			Vendor int64 `db:"vendor_org_id"`
			Sat    int   `db:"satisfied"`
			N      int64 `db:"n"`
		}
		if err := db.Select(context.Background(), &rs, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out := map[string]int64{}
		for _, r := range rs {
			if r.N != 0 {
				out[fmt.Sprintf("%d/%d/%d/%d/%d", r.P, r.Org, r.Staff, r.Vendor, r.Sat)] += r.N
			}
		}
		return out
	}
	sat := "CASE WHEN r.satisfied THEN 1 ELSE 0 END"
	fromRaw = collect(`SELECT r.day / 100 AS p, r.org_id, COALESCE(r.staff_id, 0) AS staff_id, COALESCE(r.vendor_org_id, 0) AS vendor_org_id,
		` + sat + ` AS satisfied, count(*) AS n
		FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM ratings c WHERE c.corrects_id = r.id)
		GROUP BY r.day / 100, r.org_id, COALESCE(r.staff_id, 0), COALESCE(r.vendor_org_id, 0), ` + sat)
	rolled = collect(`SELECT month AS p, org_id, staff_id, vendor_org_id, satisfied, n FROM rating_staff_monthly`)
	return fromRaw, rolled
}

type bulkSessionSums struct{ Sessions, Ended, Handle, Waited, Wait int64 }

// bulkSessionRecount recomputes session_daily (monthly: session_monthly) from
// service_sessions with the rules of StartSession/EndSession (whole seconds,
// truncated).
func bulkSessionRecount(t *testing.T, db *store.DB, monthly bool) (fromRaw, rolled map[string]bulkSessionSums) {
	t.Helper()
	period, table, col := "day", "session_daily", "day"
	if monthly {
		period, table, col = "day / 100", "session_monthly", "month"
	}
	ctx := context.Background()
	var raw []struct {
		Day      int        `db:"day"`
		Org      int64      `db:"org_id"`
		Staff    int64      `db:"staff_id"`
		Counter  int64      `db:"counter_id"`
		BT       int64      `db:"business_type_id"`
		N        int64      `db:"n"`
		QueuedAt *time.Time `db:"queued_at"`
		Started  time.Time  `db:"started_at"`
		Ended    *time.Time `db:"ended_at"`
	}
	// The counts by GROUP BY; the seconds from the rows, as Go computes them.
	if err := db.Select(ctx, &raw, `SELECT `+period+` AS day, org_id, staff_id, counter_id, COALESCE(business_type_id, 0) AS business_type_id, 1 AS n,
		queued_at, started_at, ended_at FROM service_sessions`); err != nil {
		t.Fatal(err)
	}
	fromRaw = map[string]bulkSessionSums{}
	key := func(day int, org, staff, counter, bt int64) string {
		return fmt.Sprintf("%d/%d/%d/%d/%d", day, org, staff, counter, bt)
	}
	for _, r := range raw {
		k := key(r.Day, r.Org, r.Staff, r.Counter, r.BT)
		s := fromRaw[k]
		s.Sessions++
		if r.QueuedAt != nil {
			s.Waited++
			s.Wait += int64(r.Started.Sub(*r.QueuedAt).Seconds())
		}
		if r.Ended != nil {
			s.Ended++
			s.Handle += max(0, int64(r.Ended.Sub(r.Started).Seconds()))
		}
		fromRaw[k] = s
	}
	var counts []struct {
		Day     int   `db:"day"`
		Org     int64 `db:"org_id"`
		Staff   int64 `db:"staff_id"`
		Counter int64 `db:"counter_id"`
		BT      int64 `db:"business_type_id"`
		N       int64 `db:"n"`
		Ended   int64 `db:"ended"`
		Waited  int64 `db:"waited"`
	}
	if err := db.Select(ctx, &counts, `SELECT `+period+` AS day, org_id, staff_id, counter_id, COALESCE(business_type_id, 0) AS business_type_id, count(*) AS n,
		count(ended_at) AS ended, count(queued_at) AS waited FROM service_sessions GROUP BY `+period+`, org_id, staff_id, counter_id, COALESCE(business_type_id, 0)`); err != nil {
		t.Fatal(err)
	}
	for _, c := range counts {
		s := fromRaw[key(c.Day, c.Org, c.Staff, c.Counter, c.BT)]
		if s.Sessions != c.N || s.Ended != c.Ended || s.Waited != c.Waited {
			t.Fatalf("GROUP BY and row-by-row counts differ at %d/%d: %+v vs %+v", c.Day, c.Counter, s, c)
		}
	}
	var rs []struct {
		Day     int   `db:"day"`
		Org     int64 `db:"org_id"`
		Staff   int64 `db:"staff_id"`
		Counter int64 `db:"counter_id"`
		BT      int64 `db:"business_type_id"`
		bulkSessionSums
		S  int64 `db:"sessions"`
		E  int64 `db:"ended"`
		H  int64 `db:"handle_seconds"`
		Wd int64 `db:"waited"`
		Ws int64 `db:"wait_seconds"`
	}
	if err := db.Select(ctx, &rs, `SELECT `+col+` AS day, org_id, staff_id, counter_id, business_type_id, sessions, ended, handle_seconds, waited, wait_seconds
		FROM `+table); err != nil {
		t.Fatal(err)
	}
	rolled = map[string]bulkSessionSums{}
	for _, r := range rs {
		if r.S != 0 || r.E != 0 || r.Wd != 0 {
			rolled[key(r.Day, r.Org, r.Staff, r.Counter, r.BT)] = bulkSessionSums{Sessions: r.S, Ended: r.E, Handle: r.H, Waited: r.Wd, Wait: r.Ws}
		}
	}
	return fromRaw, rolled
}

// checkRollups fails unless every roll-up equals its recomputation.
func checkRollups(t *testing.T, db *store.DB) {
	t.Helper()
	for _, table := range []string{"rating_daily", "rating_monthly", "rating_org_monthly", "rating_staff_monthly"} {
		var raw, rolled map[string]int64
		if table == "rating_staff_monthly" {
			raw, rolled = staffRatingRecount(t, db)
		} else {
			raw, rolled = bulkRatingRecount(t, db, table)
		}
		if len(raw) == 0 || !maps.Equal(raw, rolled) {
			diff := 0
			for k, v := range raw {
				if rolled[k] != v {
					if diff++; diff <= 5 {
						t.Errorf("%s %s: raw %d, roll-up %d", table, k, v, rolled[k])
					}
				}
			}
			t.Fatalf("%s: %d raw groups, %d roll-up rows, %d differ", table, len(raw), len(rolled), diff)
		}
	}
	for _, monthly := range []bool{false, true} {
		raw, rolled := bulkSessionRecount(t, db, monthly)
		if len(raw) == 0 || !maps.Equal(raw, rolled) {
			for k, v := range raw {
				if rolled[k] != v {
					t.Errorf("sessions (monthly=%v) %s: raw %+v, roll-up %+v", monthly, k, v, rolled[k])
					break
				}
			}
			t.Fatalf("session roll-up (monthly=%v): %d raw groups, %d roll-up rows", monthly, len(raw), len(rolled))
		}
	}
}

type bulkCounter struct {
	id, org, bt int64
	staff       []int64
}

// TestLoadHistoryRollupsEqualRawRows bulk-loads a random history in chunks
// whose days overlap (so roll-up rows are added to), with QR ratings,
// corrections, open and unqueued sessions, then live writes on top, and
// checks the roll-ups against a recomputation from the raw rows.
func TestLoadHistoryRollupsEqualRawRows(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		svc := a.Ratings
		ks, _, err := svc.Counters(ctx, rating.CounterFilter{Limit: 200})
		if err != nil || len(ks) < 6 {
			t.Fatalf("counters: %d, %v", len(ks), err)
		}
		var counters []bulkCounter
		for _, k := range ks[:12] {
			c := bulkCounter{id: k.ID, org: k.OrgID}
			if err := a.DB.Select(ctx, &c.staff, "SELECT id FROM users WHERE org_id = ? ORDER BY id", k.OrgID); err != nil || len(c.staff) == 0 {
				t.Fatalf("staff of org %d: %v", k.OrgID, err)
			}
			if k.BusinessTypeID != nil {
				c.bt = *k.BusinessTypeID
			}
			counters = append(counters, c)
		}
		link, err := svc.CreateLink(ctx, rating.LinkInput{Kind: rating.LinkCounter, CounterID: &counters[0].id})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(7, 11))
		zone := svc.Zone()
		// 70 days across three months, ending a week ago.
		first := time.Now().In(zone).AddDate(0, 0, -77).Truncate(time.Hour)
		var chunks []rating.History
		corrections, qr, rated := 0, 0, 0
		for c := range 3 {
			var h rating.History
			for range 1000 {
				k := counters[r.IntN(len(counters))]
				// Chunks overlap in days: each draws from the whole range.
				start := first.Add(time.Duration(r.IntN(70*24*3600)) * time.Second)
				s := rating.HistorySession{CounterID: k.id, OrgID: k.org, StaffID: k.staff[r.IntN(len(k.staff))], BusinessTypeID: k.bt,
					Channel: []string{rating.ChannelStaff, rating.ChannelKiosk, rating.ChannelDevice}[r.IntN(3)], StartedAt: start}
				if r.IntN(10) > 0 {
					s.QueueNo, s.QueuedAt = fmt.Sprintf("A%03d", r.IntN(500)), start.Add(-time.Duration(r.IntN(3600))*time.Second)
				}
				if r.IntN(50) > 0 {
					s.EndedAt = start.Add(time.Duration(30+r.IntN(1800)) * time.Second)
					if r.IntN(4) > 0 {
						s.Rating = &rating.HistoryRating{Channel: rating.ChannelKiosk, Level: 1 + r.IntN(4), RatedAt: s.EndedAt.Add(5 * time.Second)}
						if s.Rating.Level <= 2 {
							s.Rating.Reasons = []string{"等待时间长"}
						}
						if r.IntN(40) == 0 {
							s.Rating.Correction = &rating.HistoryCorrection{Level: 1 + r.IntN(4), Note: "测试更正", By: k.staff[0], At: s.EndedAt.Add(time.Hour)}
							corrections++
						}
						rated++
					}
				}
				h.Sessions = append(h.Sessions, s)
			}
			for range 60 + c {
				k := counters[0]
				hr := rating.HistoryRating{Channel: rating.ChannelQR, LinkID: link.ID, CounterID: k.id, OrgID: k.org, StaffID: k.staff[0],
					BusinessTypeID: k.bt, Level: 1 + r.IntN(4), RatedAt: first.Add(time.Duration(r.IntN(70*24*3600)) * time.Second)}
				if r.IntN(30) == 0 {
					hr.Correction = &rating.HistoryCorrection{Level: 4, Note: "误按", At: hr.RatedAt.Add(time.Minute)}
					corrections++
				}
				h.Ratings = append(h.Ratings, hr)
				qr++
			}
			chunks = append(chunks, h)
		}
		st, err := svc.LoadHistory(ctx, slices.Values(chunks))
		if err != nil {
			t.Fatal(err)
		}
		if st.Chunks != 3 || st.Sessions != 3000 || st.Ratings != rated+qr || st.Corrections != corrections || corrections == 0 {
			t.Fatalf("stats %+v; want 3000 sessions, %d ratings, %d corrections", st, rated+qr, corrections)
		}
		checkRollups(t, a.DB)

		// A level outside the scale is refused and writes nothing.
		bad := rating.History{Ratings: []rating.HistoryRating{{Channel: rating.ChannelQR, OrgID: counters[0].org, Level: 5, RatedAt: first}}}
		if _, err := svc.LoadHistory(ctx, slices.Values([]rating.History{bad})); err == nil {
			t.Fatal("level 5 on the 4-point scale was loaded")
		}

		// Live writes continue after the loaded ids, and the roll-ups still add up.
		k := counters[1]
		ss, err := svc.StartSession(ctx, rating.Caller{}, rating.StartInput{CounterID: k.id, StaffID: &k.staff[0]})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.EndSession(ctx, rating.Caller{}, ss.ID, rating.EndInput{}); err != nil {
			t.Fatal(err)
		}
		live, err := svc.Rate(ctx, rating.Caller{}, rating.RateInput{SessionID: &ss.ID, Level: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Correct(ctx, live.ID, rating.CorrectionInput{Level: 4, Note: "误按"}); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, a.DB)

		// The report sums the roll-ups to the raw count.
		var current int64
		if err := a.DB.Get(ctx, &current, "SELECT count(*) FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM ratings c WHERE c.corrects_id = r.id)"); err != nil {
			t.Fatal(err)
		}
		day := func(t time.Time) int { return svc.Day(t) }
		rep, err := svc.Satisfaction(ctx, rating.ReportFilter{From: day(first.AddDate(0, 0, -2)), To: day(time.Now()), GroupBy: "month"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Totals.N != current || rep.Totals.Sessions != 3001 {
			t.Fatalf("report totals n=%d sessions=%d; raw %d ratings, 3001 sessions", rep.Totals.N, rep.Totals.Sessions, current)
		}
		// The months (ragged ends read from rating_daily and session_daily)
		// add up to the totals, each with its sessions.
		var n, sessions int64
		for _, it := range rep.Items {
			if len(it.Key) != 7 || it.Key[4] != '-' || it.Sessions == 0 {
				t.Fatalf("month item %q: n=%d sessions=%d", it.Key, it.N, it.Sessions)
			}
			n, sessions = n+it.N, sessions+it.Sessions
		}
		if n != rep.Totals.N || sessions != rep.Totals.Sessions || len(rep.Items) < 3 || len(rep.Items) > 4 {
			t.Fatalf("%d months add up to n=%d sessions=%d; totals %d, %d", len(rep.Items), n, sessions, rep.Totals.N, rep.Totals.Sessions)
		}
	})
}

// TestDemoRatingHistory checks the demo history's patterns on a small run.
func TestDemoRatingHistory(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		const n = 4000
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3, DemoRatings: n})
		ctx := scope.With(context.Background(), scope.System())
		db := a.DB
		checkRollups(t, db)
		var total, sessions, corrected, qrWithoutLink int64
		for q, dst := range map[string]*int64{
			"SELECT count(*) FROM ratings":                                          &total,
			"SELECT count(*) FROM service_sessions":                                 &sessions,
			"SELECT count(*) FROM ratings WHERE corrects_id IS NOT NULL":            &corrected,
			"SELECT count(*) FROM ratings WHERE channel = 'qr' AND link_id IS NULL": &qrWithoutLink,
		} {
			if err := db.Get(ctx, dst, q); err != nil {
				t.Fatal(err)
			}
		}
		if qrWithoutLink != 0 {
			t.Fatalf("%d QR ratings without their link", qrWithoutLink)
		}
		rated := total - corrected
		if rated < n*85/100 || rated > n*115/100 || corrected == 0 {
			t.Fatalf("%d ratings (%d corrections); want about %d", rated, corrected, n)
		}
		// Sessions: business hours, never on a Sunday, about 3 in 4 rated.
		var times []struct {
			Started time.Time `db:"started_at"`
			Ended   time.Time `db:"ended_at"`
		}
		if err := db.Select(ctx, &times, "SELECT started_at, ended_at FROM service_sessions"); err != nil {
			t.Fatal(err)
		}
		for _, s := range times {
			st, en := s.Started.In(a.Ratings.Zone()), s.Ended.In(a.Ratings.Zone())
			if st.Weekday() == time.Sunday || st.Hour() < 9 || en.Hour() > 17 || (en.Hour() == 17 && en.Minute() > 0) || !s.Ended.After(s.Started) {
				t.Fatalf("session outside business hours: %s – %s", st, en)
			}
		}
		var bySession int64
		if err := db.Get(ctx, &bySession, "SELECT count(*) FROM ratings WHERE session_id IS NOT NULL AND corrects_id IS NULL"); err != nil {
			t.Fatal(err)
		}
		if p := float64(bySession) / float64(sessions); p < 0.68 || p > 0.82 {
			t.Fatalf("participation %.2f (%d of %d sessions)", p, bySession, sessions)
		}
		var channels []struct {
			Channel string `db:"channel"`
			N       int64  `db:"n"`
		}
		if err := db.Select(ctx, &channels, "SELECT channel, count(*) AS n FROM ratings GROUP BY channel ORDER BY n DESC"); err != nil {
			t.Fatal(err)
		}
		if len(channels) != 3 || channels[0].Channel != rating.ChannelKiosk {
			t.Fatalf("channels %+v: want kiosks first, then evaluators and QR codes", channels)
		}

		// The weaker outlet ranks last; the star is listed with 3 × 非常满意 but not ranked.
		zone := a.Ratings.Zone()
		now := time.Now().In(zone)
		f := rating.ReportFilter{From: a.Ratings.Day(now.AddDate(0, -13, -1)), To: a.Ratings.Day(now)}
		var outletRows []struct {
			Code      string `db:"code"`
			Satisfied int64  `db:"satisfied"`
			N         int64  `db:"n"`
		}
		if err := db.Select(ctx, &outletRows, `SELECT o.code, CAST(SUM(d.n * d.satisfied) AS BIGINT) AS satisfied, CAST(SUM(d.n) AS BIGINT) AS n
			FROM rating_monthly d JOIN orgs o ON o.id = d.org_id GROUP BY o.code`); err != nil {
			t.Fatal(err)
		}
		outlets := map[string]float64{}
		for _, o := range outletRows {
			outlets[o.Code] = float64(o.Satisfied) / float64(o.N)
		}
		if len(outlets) != 12 {
			t.Fatalf("ratings at %d outlets, want 12", len(outlets))
		}
		weak := outlets[demo.WeakOutlet]
		for code, rate := range outlets {
			if code != demo.WeakOutlet && rate-weak < 0.03 {
				t.Errorf("outlet %s rate %.3f is not clearly above the weak outlet's %.3f", code, rate, weak)
			}
		}
		star, _, err := a.Orgs.UserByLogin(ctx, "shxh01.head")
		if err != nil {
			t.Fatal(err)
		}
		rk, err := a.Ratings.Rankings(ctx, "staff", f)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range rk.Items {
			if it.StaffID != nil && *it.StaffID == star.ID {
				found = true
				if it.N != 3 || it.Satisfied != 3 || it.Rank != nil {
					t.Fatalf("star: %+v; want n=3, all satisfied, not ranked", it)
				}
			}
		}
		if !found || len(rk.Items) != 36 {
			t.Fatalf("ranking has %d staff (want 36), star listed: %v", len(rk.Items), found)
		}
	})
}
