package rating_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"lingting/internal/demo"
	"lingting/internal/rating"
	"lingting/internal/scope"
	"lingting/internal/testutil"
)

type rollRow struct {
	Key string `db:"k"`
	N   int64  `db:"n"`
}

func rows(t *testing.T, a *testutil.TestApp, q string) map[string]int64 {
	t.Helper()
	var rs []rollRow
	if err := a.DB.Select(context.Background(), &rs, q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := map[string]int64{}
	for _, r := range rs {
		if r.N != 0 {
			out[r.Key] = r.N
		}
	}
	return out
}

const rollKey = `CAST(org_id AS TEXT) || '/' || CAST(staff_id AS TEXT) || '/' || CAST(counter_id AS TEXT) || '/' || CAST(business_type_id AS TEXT) || '/' ||
	channel || '/' || CAST(vendor_org_id AS TEXT) || '/' || CAST(level AS TEXT) || '/' || CAST(scale AS TEXT) || '/' || CAST(satisfied AS TEXT)`

const rawKey = `CAST(r.org_id AS TEXT) || '/' || CAST(COALESCE(r.staff_id, 0) AS TEXT) || '/' || CAST(COALESCE(r.counter_id, 0) AS TEXT) || '/' ||
	CAST(COALESCE(r.business_type_id, 0) AS TEXT) || '/' || r.channel || '/' || CAST(COALESCE(r.vendor_org_id, 0) AS TEXT) || '/' ||
	CAST(r.level AS TEXT) || '/' || CAST(r.scale AS TEXT) || '/' || CAST(CASE WHEN r.satisfied THEN 1 ELSE 0 END AS TEXT)`

const current = ` FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM ratings c WHERE c.corrects_id = r.id)`

// TestRollupsEqualRecomputation drives a random mix of sessions, ratings,
// resends, duplicates and corrections through the service and checks that the
// daily, monthly and session roll-ups equal a recomputation from the raw rows.
func TestRollupsEqualRecomputation(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		svc := a.Ratings
		var devices []*rating.Device
		for _, outlet := range []string{"HXB-BJ-HD-01", "HXB-BJ-CY-02", "HXB-SH-PD-01", "HXB-SH-XH-03"} {
			k, err := svc.CounterByCode(ctx, demo.CounterCode(outlet, 1))
			if err != nil {
				t.Fatal(err)
			}
			d, err := svc.RegisterDevice(ctx, rating.DeviceInput{CounterID: k.ID})
			if err != nil {
				t.Fatal(err)
			}
			if d, err = svc.DeviceByToken(ctx, d.Token); err != nil {
				t.Fatal(err)
			}
			devices = append(devices, d)
		}
		rng := rand.New(rand.NewPCG(7, uint64(len(engine))))
		base := time.Now().UTC().Add(-90 * 24 * time.Hour)
		var rated []int64
		for i := range 160 {
			d := devices[rng.IntN(len(devices))]
			c := rating.Caller{Device: d}
			start := base.Add(time.Duration(rng.IntN(89*24)) * time.Hour)
			queued := start.Add(-time.Duration(rng.IntN(1800)) * time.Second)
			ss, err := svc.StartSession(ctx, c, rating.StartInput{StartedAt: &start, QueuedAt: &queued, ClientID: fmt.Sprintf("s%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			if rng.IntN(10) == 0 {
				continue // left open: the next start at this counter ends it
			}
			end := start.Add(time.Duration(60+rng.IntN(900)) * time.Second)
			if _, err := svc.EndSession(ctx, c, ss.ID, rating.EndInput{EndedAt: &end}); err != nil {
				t.Fatal(err)
			}
			if rng.IntN(4) == 0 {
				continue // not rated
			}
			in := rating.RateInput{SessionID: &ss.ID, Level: 1 + rng.IntN(4), RatedAt: &end, ClientID: fmt.Sprintf("r%d", i)}
			r, err := svc.Rate(ctx, c, in)
			if err != nil {
				t.Fatal(err)
			}
			for range rng.IntN(3) { // resends count once
				if again, err := svc.Rate(ctx, c, in); err != nil || again.ID != r.ID {
					t.Fatalf("resend: %v %v", again, err)
				}
			}
			rated = append(rated, r.ID)
			if rng.IntN(8) == 0 {
				if _, err := svc.Correct(ctx, r.ID, rating.CorrectionInput{Level: 1 + rng.IntN(4), Note: "复核更正"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		if len(rated) < 50 {
			t.Fatalf("the workload rated only %d sessions", len(rated))
		}
		for _, tc := range []struct{ name, rollup, raw string }{
			{"daily", "SELECT CAST(day AS TEXT) || '/' || " + rollKey + " AS k, n FROM rating_daily",
				"SELECT CAST(r.day AS TEXT) || '/' || " + rawKey + " AS k, count(*) AS n" + current + " GROUP BY 1"},
			{"monthly", "SELECT CAST(month AS TEXT) || '/' || " + rollKey + " AS k, n FROM rating_monthly",
				"SELECT CAST(r.day / 100 AS TEXT) || '/' || " + rawKey + " AS k, count(*) AS n" + current + " GROUP BY 1"},
			{"sessions", "SELECT CAST(day AS TEXT) || '/' || CAST(counter_id AS TEXT) AS k, sessions AS n FROM session_daily",
				"SELECT CAST(day AS TEXT) || '/' || CAST(counter_id AS TEXT) AS k, count(*) AS n FROM service_sessions GROUP BY day, counter_id"},
			{"handling", "SELECT CAST(day AS TEXT) || '/' || CAST(counter_id AS TEXT) AS k, handle_seconds AS n FROM session_daily",
				"SELECT CAST(day AS TEXT) || '/' || CAST(counter_id AS TEXT) AS k, CAST(SUM(" + seconds(engine) + ") AS BIGINT) AS n FROM service_sessions WHERE ended_at IS NOT NULL GROUP BY day, counter_id"},
		} {
			got, want := rows(t, a, tc.rollup), rows(t, a, tc.raw)
			if len(got) != len(want) {
				t.Errorf("%s: %d roll-up rows, %d recomputed", tc.name, len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s %s: roll-up %d, recomputed %d", tc.name, k, got[k], v)
				}
			}
		}
		// Every roll-up, the monthly ones included (session_monthly,
		// rating_org_monthly), row for row with all sums.
		checkRollups(t, a.DB)

		// Reports read the monthly roll-ups; what they add up to is the raw count.
		var current, sessions int64
		if err := a.DB.Get(ctx, &current, "SELECT count(*)"+current0); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.Get(ctx, &sessions, "SELECT count(*) FROM service_sessions"); err != nil {
			t.Fatal(err)
		}
		span := rating.ReportFilter{From: svc.Day(base.Add(-48 * time.Hour)), To: svc.Day(time.Now()), GroupBy: "month"}
		rep, err := svc.Satisfaction(ctx, span)
		if err != nil {
			t.Fatal(err)
		}
		var n, ns int64
		for _, it := range rep.Items {
			n, ns = n+it.N, ns+it.Sessions
		}
		if rep.Totals.N != current || n != current || rep.Totals.Sessions != sessions || ns != sessions {
			t.Fatalf("report: totals n=%d sessions=%d, months n=%d sessions=%d; raw %d ratings, %d sessions", rep.Totals.N, rep.Totals.Sessions, n, ns, current, sessions)
		}
		// The staff ranking (rating_monthly) counts what the report without staff (rating_org_monthly) does.
		span.GroupBy = ""
		rk, err := svc.Rankings(ctx, "staff", span)
		if err != nil {
			t.Fatal(err)
		}
		n = 0
		for _, it := range rk.Items {
			n += it.N
		}
		if n != current {
			t.Fatalf("ranking counts %d ratings; raw %d", n, current)
		}
		// Staff member by staff member (rating_staff_monthly), n and satisfied.
		var perStaff []struct {
			Staff int64 `db:"staff_id"`
			N     int64 `db:"n"`
			Sat   int64 `db:"sat"`
		}
		if err := a.DB.Select(ctx, &perStaff, "SELECT r.staff_id, count(*) AS n, SUM(CASE WHEN r.satisfied THEN 1 ELSE 0 END) AS sat"+current0+
			" AND r.staff_id IS NOT NULL GROUP BY r.staff_id"); err != nil {
			t.Fatal(err)
		}
		got := map[int64][2]int64{}
		for _, it := range rk.Items {
			got[*it.StaffID] = [2]int64{it.N, it.Satisfied}
		}
		if len(got) != len(perStaff) {
			t.Errorf("ranking lists %d staff; raw %d", len(got), len(perStaff))
		}
		for _, r := range perStaff {
			if got[r.Staff] != [2]int64{r.N, r.Sat} {
				t.Errorf("staff %d: ranking n, satisfied %v; raw %d, %d", r.Staff, got[r.Staff], r.N, r.Sat)
			}
		}

		// Migration 00019 backfills the monthly roll-ups from the older ones
		// when it meets a database that already has ratings.
		for _, q := range []string{"DROP TABLE rating_org_monthly", "DROP TABLE session_monthly", "DROP INDEX rating_monthly_org_staff",
			"DELETE FROM goose_db_version WHERE version_id = 19"} {
			if _, err := a.DB.Writer().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.DB.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, a.DB)

		// Migration 00030 backfills rating_staff_monthly from rating_monthly
		// (and on SQLite copies the device events into their own B-tree).
		var events0, events1 int
		if err := a.DB.Get(ctx, &events0, "SELECT count(*) FROM rating_device_events"); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"DROP TABLE rating_staff_monthly", "DROP TABLE rating_followup_outbox", "DROP INDEX ratings_qr_counter",
			"DROP INDEX ratings_qr_staff", "CREATE INDEX ratings_link_fp ON ratings(link_id, rated_at)", "DELETE FROM goose_db_version WHERE version_id = 30"} {
			if _, err := a.DB.Writer().ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.DB.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, a.DB)
		if err := a.DB.Get(ctx, &events1, "SELECT count(*) FROM rating_device_events"); err != nil || events1 != events0 {
			t.Fatalf("device events after migration 00030: %d, before %d (%v)", events1, events0, err)
		}
	})
}

const current0 = ` FROM ratings r WHERE NOT EXISTS (SELECT 1 FROM ratings c WHERE c.corrects_id = r.id)`

func seconds(engine string) string {
	if engine == "postgres" {
		return "FLOOR(EXTRACT(EPOCH FROM ended_at - started_at))"
	}
	return "CAST((julianday(ended_at) - julianday(started_at)) * 86400 + 0.5 AS INTEGER)"
}

// TestRatingsAreImmutable: the database refuses to change or delete a rating.
func TestRatingsAreImmutable(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		k, err := a.Ratings.CounterByCode(ctx, demo.CounterCode("HXB-BJ-HD-01", 1))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := a.Ratings.RegisterDevice(ctx, rating.DeviceInput{CounterID: k.ID})
		d, _ = a.Ratings.DeviceByToken(ctx, d.Token)
		c := rating.Caller{Device: d}
		ss, err := a.Ratings.StartSession(ctx, c, rating.StartInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Ratings.EndSession(ctx, c, ss.ID, rating.EndInput{}); err != nil {
			t.Fatal(err)
		}
		r, err := a.Ratings.Rate(ctx, c, rating.RateInput{SessionID: &ss.ID, Level: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.DB.Exec(ctx, "UPDATE ratings SET level = 4 WHERE id = ?", r.ID); err == nil {
			t.Error("a rating was updated")
		}
		if _, err := a.DB.Exec(ctx, "DELETE FROM ratings WHERE id = ?", r.ID); err == nil {
			t.Error("a rating was deleted")
		}
	})
}

// TestOfflineDeviceAlert: a paired device not heard from for five minutes
// alerts the counter's administrators once per offline spell.
func TestOfflineDeviceAlert(t *testing.T) {
	testutil.ForEachEngine(t, func(t *testing.T, engine string) {
		a := testutil.NewApp(t, engine, testutil.Options{Demo: true, DemoCustomers: 12, DemoTickets: 3})
		ctx := scope.With(context.Background(), scope.System())
		k, err := a.Ratings.CounterByCode(ctx, demo.CounterCode("HXB-BJ-HD-01", 2))
		if err != nil {
			t.Fatal(err)
		}
		d, err := a.Ratings.RegisterDevice(ctx, rating.DeviceInput{CounterID: k.ID, Name: "评价器"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Ratings.DeviceByToken(ctx, d.Token); err != nil {
			t.Fatal(err)
		}
		if n, err := a.Ratings.AlertOfflineDevices(ctx); err != nil || n != 0 {
			t.Fatalf("an online device alerted: %d %v", n, err)
		}
		goOffline := func() {
			t.Helper()
			if _, err := a.DB.Exec(ctx, "UPDATE rating_devices SET last_seen_at = ? WHERE id = ?", time.Now().UTC().Add(-10*time.Minute), d.ID); err != nil {
				t.Fatal(err)
			}
		}
		goOffline()
		for i, want := range []int{1, 0} { // once per spell
			if n, err := a.Ratings.AlertOfflineDevices(ctx); err != nil || n != want {
				t.Fatalf("round %d: %d alerts, %v", i, n, err)
			}
		}
		var alerts int
		if err := a.DB.Get(ctx, &alerts, "SELECT count(*) FROM notifications WHERE kind = 'rating.device_offline'"); err != nil || alerts == 0 {
			t.Fatalf("no in-app alert: %d %v", alerts, err)
		}
		// Back online a moment later, then silent for ten minutes: a new spell, a new alert.
		back := time.Now().UTC().Add(time.Second)
		if _, err := a.DB.Exec(ctx, "UPDATE rating_devices SET last_seen_at = ? WHERE id = ?", back, d.ID); err != nil {
			t.Fatal(err)
		}
		a.Ratings.SetClock(func() time.Time { return back.Add(10 * time.Minute) })
		if n, _ := a.Ratings.AlertOfflineDevices(ctx); n != 1 {
			t.Fatalf("second spell: %d alerts", n)
		}
	})
}
