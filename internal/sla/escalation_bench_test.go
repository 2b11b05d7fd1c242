package sla_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"lingting/internal/app"
	"lingting/internal/config"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/sla"
	"lingting/internal/store"
	"lingting/internal/testutil"
)

// openTimers fills a database with n open tickets, each with a running
// resolution timer whose deadline (and next firing) is base + i seconds, a
// plan of one escalation level to the assignee. Rows are written in bulk.
func openTimers(tb testing.TB, engine string, n int, base time.Time) *app.App {
	tb.Helper()
	cfg := config.Config{Addr: "127.0.0.1:0", DatabaseURL: testutil.DatabaseURL(tb, engine), AdminLogin: "admin", AdminPassword: testutil.AdminPassword,
		LogLevel: "error", LogFormat: "text", LoginRate: 1000}
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	ctx := scope.With(context.Background(), scope.System())
	outlet, err := a.Orgs.CreateOrg(ctx, org.OrgInput{Kind: org.KindClient, Code: "B", Name: "银行"})
	if err != nil {
		tb.Fatal(err)
	}
	eng, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: "eng", Name: "工程师", OrgID: outlet.ID, Password: "Eng@2026xx"})
	if err != nil {
		tb.Fatal(err)
	}
	cal, _ := sla.TwentyFourSeven("", "")
	c, err := a.SLA.SaveCalendar(ctx, 0, sla.CalendarInput{Name: cal.Name, Weekly: cal.Weekly})
	if err != nil {
		tb.Fatal(err)
	}
	sixty := 60
	p, err := a.SLA.SavePolicy(ctx, 0, sla.PolicyInput{Name: "p", CalendarID: c.ID, Targets: sla.Targets{Resolution: &sixty},
		Escalations: []sla.Escalation{{Level: 1, Notify: sla.NotifyAssignee}}})
	if err != nil {
		tb.Fatal(err)
	}
	plan := `{"warnings":[],"escalations":[{"level":1,"after_minutes":0,"notify":"assignee"}]}`
	now := store.Now()
	const chunk = 400
	start := time.Now()
	err = a.DB.WithTx(ctx, func(ctx context.Context) error {
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			var tq, hq, sq strings.Builder
			var ta, ha, sa []any
			tq.WriteString("INSERT INTO tickets (id, number, type, title, priority, status, channel, org_id, assignee_id, reported_at, day, created_at, updated_at, sla_due_at) VALUES ")
			hq.WriteString("INSERT INTO ticket_sla (ticket_id, policy_id, calendar_id, generation, plan, applied_at) VALUES ")
			sq.WriteString("INSERT INTO ticket_sla_targets (ticket_id, target, policy_id, generation, minutes, started_at, due_at, next_fire_at) VALUES ")
			for i := lo; i < hi; i++ {
				if i > lo {
					tq.WriteString(", ")
					hq.WriteString(", ")
					sq.WriteString(", ")
				}
				id := int64(1_000_000 + i)
				due := base.Add(time.Duration(i) * time.Second).UTC()
				tq.WriteString("(?, ?, 'repair', 'ATM 故障', 'normal', 'assigned', 'phone', ?, ?, ?, 20261122, ?, ?, ?)")
				ta = append(ta, id, fmt.Sprintf("GD20261122-B%07d", i), outlet.ID, eng.ID, due.Add(-time.Hour), now, now, due)
				hq.WriteString("(?, ?, ?, 1, ?, ?)")
				ha = append(ha, id, p.ID, c.ID, plan, now)
				sq.WriteString("(?, 'resolution', ?, 1, 60, ?, ?, ?)")
				sa = append(sa, id, p.ID, due.Add(-time.Hour), due, due)
			}
			for _, q := range []struct {
				sql  string
				args []any
			}{{tq.String(), ta}, {hq.String(), ha}, {sq.String(), sa}} {
				if _, err := a.DB.Exec(ctx, q.sql, q.args...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%s: %d open tickets with timers written in %v", engine, n, time.Since(start))
	return a
}

// BenchmarkScan: 100,000 open tickets with live timers. "idle" is a cycle
// with nothing due (the index probe); "due=N" a cycle in which N targets came
// due and fire their breach and escalation (with an in-app notification each).
//
//	go test -run - -bench BenchmarkScan -benchtime 200x ./internal/sla/
func BenchmarkScan(b *testing.B) {
	for _, engine := range testutil.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			const n = 100_000
			base := time.Now().Add(time.Hour).Truncate(time.Second)
			a := openTimers(b, engine, n, base)
			cursor := 0 // seconds of the timeline consumed so far
			b.Run("idle", func(b *testing.B) {
				a.Clock.Set(base.Add(-time.Minute))
				for b.Loop() {
					st, err := a.SLATimers.Scan(context.Background())
					if err != nil || st.Targets != 0 {
						b.Fatal(err, st)
					}
				}
			})
			for _, due := range []int{10, 100} {
				b.Run(fmt.Sprintf("due=%d", due), func(b *testing.B) {
					fired := 0
					for b.Loop() {
						b.StopTimer()
						if cursor+due > n {
							b.Fatal("out of timers: use a smaller -benchtime")
						}
						cursor += due
						a.Clock.Set(base.Add(time.Duration(cursor)*time.Second - time.Millisecond))
						b.StartTimer()
						st, err := a.SLATimers.Scan(context.Background())
						if err != nil {
							b.Fatal(err)
						}
						fired += st.Targets
					}
					b.ReportMetric(float64(fired)/float64(b.N), "targets/op")
				})
			}
		})
	}
}

// The scanner reads due targets through the partial index on next_fire_at,
// not by scanning every open timer (SQLite's plan; PostgreSQL's planner picks
// the index once the table is large, see BenchmarkScan).
func TestScanUsesIndex(t *testing.T) {
	a := openTimers(t, "sqlite", 2000, time.Now().Add(time.Hour))
	var plan []struct {
		ID     int    `db:"id"`
		Parent int    `db:"parent"`
		NotU   int    `db:"notused"`
		Detail string `db:"detail"`
	}
	err := a.DB.Select(context.Background(), &plan, "EXPLAIN QUERY PLAN SELECT s.ticket_id FROM ticket_sla_targets s JOIN ticket_sla h ON h.ticket_id = s.ticket_id WHERE s.next_fire_at <= ? ORDER BY s.next_fire_at LIMIT 500", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, p := range plan {
		details = append(details, p.Detail)
	}
	if joined := strings.Join(details, "; "); !strings.Contains(joined, "ticket_sla_targets_next") {
		t.Fatalf("the scan does not use the next_fire_at index: %s", joined)
	}
}
