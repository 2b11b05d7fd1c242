package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The analytics scenario of issue #7:
//
//	go run ./bench analytics [-engine …] [-analytics-tickets 1000000] [-db FILE] [-requests 20]
//
// It writes -analytics-tickets tickets over 13 months (analytics_gen.go),
// counts them into the roll-ups, and times the reports over HTTP for the
// whole bank (hxb.admin, the bank's subtree) and for one branch of a tenth of
// the tickets (bench.anbranch): 12 whole months, and a rolling year whose
// ragged ends read the daily roll-up. A series stops after -analytics-budget
// once it has 2 samples, and skips its warm-up when the first request took a
// quarter of it (the raw reads of older builds take seconds each).

var analyticsOpt = struct {
	Tickets int
	Devices int
	Budget  time.Duration
	Probes  string
}{Tickets: 1_000_000, Devices: 100_000, Budget: 90 * time.Second}

// analyticsTarget is the p95 target for a report over a whole bank
// and 12 months; the dashboard's full payload has analyticsDashTarget.
const (
	analyticsTarget     = 200 * time.Millisecond
	analyticsDashTarget = 300 * time.Millisecond
)

func analyticsFlags(fs *flag.FlagSet) {
	fs.IntVar(&analyticsOpt.Tickets, "analytics-tickets", analyticsOpt.Tickets, "tickets generated (analytics)")
	fs.IntVar(&analyticsOpt.Devices, "analytics-devices", analyticsOpt.Devices, "devices generated, spread over the 240 outlets (analytics)")
	fs.DurationVar(&analyticsOpt.Budget, "analytics-budget", analyticsOpt.Budget, "a report series stops after this once it has 2 samples (analytics)")
	fs.StringVar(&analyticsOpt.Probes, "analytics-probes", "", "|-separated words: only the reports whose name contains one (analytics)")
}

// runAnalytics builds the world, fills it and measures.
func runAnalytics(ctx context.Context, opt options) error {
	e, err := NewEnv(ctx, opt, opt.DBPath)
	if err != nil {
		return err
	}
	defer e.Close()
	w, err := buildAnalyticsWorld(ctx, e)
	if err != nil {
		return err
	}
	if err := ensureAnalyticsTickets(ctx, e, w, analyticsOpt.Tickets, opt.Seed); err != nil {
		return err
	}
	_, err = RunAnalyticsReports(ctx, e, w, opt)
	return err
}

// RunAnalyticsReports times the report endpoints, one request after another.
func RunAnalyticsReports(ctx context.Context, e *Env, w *anWorld, opt options) ([]Latency, error) {
	bank, err := login(ctx, e.URL, "hxb.admin", "Demo@2026")
	if err != nil {
		return nil, err
	}
	branch, err := login(ctx, e.URL, anBranchLogin, anBranchPassword)
	if err != nil {
		return nil, err
	}
	var total int
	if err := e.App.DB.Get(ctx, &total, "SELECT count(*) FROM tickets"); err != nil {
		return nil, err
	}
	rollups := map[string]int{}
	for _, t := range []string{"analytics_ticket_days", "analytics_ticket_months", "analytics_engineer_days"} {
		var n int
		if e.App.DB.Get(ctx, &n, "SELECT count(*) FROM "+t) == nil {
			rollups[t] = n
		}
	}
	zone, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(zone)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, zone)
	year := "from=" + monthStart.AddDate(-1, 0, 0).Format(time.DateOnly) + "&to=" + monthStart.AddDate(0, 0, -1).Format(time.DateOnly)
	rolling := "from=" + now.AddDate(-1, 0, 1).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly)
	fmt.Fprintf(opt.Out, "\nanalytics: %d tickets; roll-ups %v; 12 whole months %s, rolling year %s\n", total, rollups, year, rolling)
	type probe struct {
		name   string
		client *Client
		path   string
		target time.Duration
	}
	bankProbes := func(who string, c *Client, target time.Duration) []probe {
		return []probe{
			{"service time by vendor, 12 months (" + who + ")", c, "/api/v1/analytics/service-time?" + year, target},
			{"operation by month × type × brand × model, 12 months (" + who + ")", c, "/api/v1/analytics/devices/operation?" + year, target},
			{"dashboard, last 30 days (" + who + ")", c, "/api/v1/analytics/dashboard", analyticsDashTarget},
			{"manpower by station, 12 months (" + who + ")", c, "/api/v1/analytics/manpower?" + year, target},
			{"faults by category × model, 12 months (" + who + ")", c, "/api/v1/analytics/faults?" + year, target},
			{"complaints by org, 12 months (" + who + ")", c, "/api/v1/analytics/complaints?" + year, target},
			{"SLA by policy, 12 months (" + who + ")", c, "/api/v1/analytics/sla?" + year, target},
			{"survey by month × vendor, 12 months (" + who + ")", c, "/api/v1/analytics/survey?" + year, target},
			{"survey by region × type × model, 12 months (" + who + ")", c, "/api/v1/analytics/survey?group_by=region,type,model&" + year, target},
			{"survey by vendor, rolling year (" + who + ")", c, "/api/v1/analytics/survey?group_by=vendor&" + rolling, target},
			{"device distribution by type × brand × model × region (" + who + ")", c, "/api/v1/analytics/devices?group_by=type,brand,model,region", target},
			{"abnormal devices, 12 months (" + who + ")", c, "/api/v1/analytics/abnormal?" + year, target},
			{"fault causes, 12 months, first page (" + who + ")", c, "/api/v1/analytics/faults?view=causes&" + year, target},
			{"service time by engineer × month, rolling year (" + who + ")", c, "/api/v1/analytics/service-time?group_by=engineer,month&" + rolling, 0},
			{"operation by org (branches), rolling year (" + who + ")", c, "/api/v1/analytics/devices/operation?group_by=org&" + rolling, 0},
		}
	}
	probes := append(bankProbes("whole bank, hxb.admin", bank, analyticsTarget), bankProbes("one branch, "+anBranchLogin, branch, analyticsTarget)...)
	probes = append(probes, probe{"service time by vendor, 12 months (admin, all)", e.Admin, "/api/v1/analytics/service-time?" + year, analyticsTarget},
		probe{"service time by station, one branch's org_id, 12 months (admin)", e.Admin,
			"/api/v1/analytics/service-time?group_by=station&org_id=" + strconv.FormatInt(w.Branches[0], 10) + "&" + year, analyticsTarget})
	// The first survey read copies the vendor ratings analytics has not met (all of them on a
	// fresh load): its time is the one-off cost of the copy.
	t0, c0 := time.Now(), cpuTime()
	if _, err := bank.Get(ctx, "/api/v1/analytics/survey?"+year); err != nil {
		return nil, err
	}
	var copied int
	_ = e.App.DB.Get(ctx, &copied, "SELECT count(*) FROM analytics_survey_ratings")
	fmt.Fprintf(opt.Out, "first survey read (copies %d vendor ratings): %s, CPU %s, load average %s\n", copied, time.Since(t0).Round(time.Millisecond),
		(cpuTime() - c0).Round(time.Millisecond), loadAvg())
	var out []Latency
	warm := max(1, opt.Warmup/4)
	for _, p := range probes {
		if analyticsOpt.Probes != "" && !containsAny(p.name, strings.Split(analyticsOpt.Probes, "|")) {
			continue
		}
		var samples []time.Duration
		var cpu time.Duration
		items, failed := 0, ""
		start := time.Now()
		for i := 0; i < warm+opt.Requests; i++ {
			if i >= warm+2 && time.Since(start) > analyticsOpt.Budget {
				break
			}
			t0, c0 := time.Now(), cpuTime()
			raw, err := p.client.Get(ctx, p.path)
			d := time.Since(t0)
			if i >= warm {
				cpu += cpuTime() - c0
			}
			if err != nil {
				failed = err.Error()
				break
			}
			if i == 0 {
				var answer struct {
					Items []json.RawMessage `json:"items"`
				}
				_ = json.Unmarshal(raw, &answer)
				items = len(answer.Items)
			}
			if i >= warm {
				samples = append(samples, d)
			}
			if i == 0 && d > analyticsOpt.Budget/4 {
				i = warm - 1 // one slow warm-up request is enough
			}
		}
		if failed != "" {
			fmt.Fprintf(opt.Out, "%s: %s\n", p.name, failed)
			continue
		}
		out = append(out, summarize(p.name, samples, p.target, float64(items)))
		// CPU of this process (server and client) per request, and the machine's load.
		fmt.Fprintf(opt.Out, "  %s: p50 %s ms, p95 %s ms, CPU %s ms/request, load average %s\n", p.name, ms(out[len(out)-1].P50), ms(out[len(out)-1].P95),
			ms(cpu/time.Duration(max(1, len(samples)))), loadAvg())
	}
	printLatencies(opt.Out, fmt.Sprintf("analytics reports over HTTP on %s (%d tickets; \"avg matches\" = items in the answer)", e.Engine, total), out)
	return out, nil
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if w != "" && strings.Contains(s, w) {
			return true
		}
	}
	return false
}
