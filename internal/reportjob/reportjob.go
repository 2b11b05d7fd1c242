// Package reportjob runs analytics exports in the background and scheduled
// reports (R-ANA-11).
//
// An export job writes one .xlsx under the data directory
// (<data>/exports/<yyyymm>/), with progress (rows written of the rows
// expected) kept in its row, and is downloaded by its owner (or an
// administrator holding export.admin) until it expires (Config.KeepDays).
// Exports larger than Config.Threshold rows become jobs instead of streaming
// in the request; the job renders the report with the same code as the
// synchronous export (a Renderer, implemented by the HTTP layer) under the
// requester's permissions and data scope captured at request time, so it
// holds exactly the rows the synchronous export would.
//
// A subscription names a report with its filters (the report page's query
// string) and a daily, weekly or monthly time in Asia/Shanghai. When it is
// due, the scheduler writes one job for that due time (a unique index on
// subscription and due time makes it exactly once, whatever the number of
// processes) and moves the subscription to its next due time. A
// subscription's job runs with the subscriber's permissions and scope at run
// time; when the subscriber no longer holds the report's permission (or is
// disabled) the run is recorded as failed and nothing is sent. A finished
// run enqueues an e-mail with the file attached through the notification
// outbox, in the transaction that records the run.
//
// Exactly once across processes: jobs are claimed with a due-time index scan
// (status, run_at) under FOR UPDATE SKIP LOCKED on PostgreSQL; on SQLite the
// single writer serialises claims — the pattern of the SLA timers and the
// notification outbox (docs/DEPENDENCIES.md says why not River). A claim
// holds a lease that progress renews. A process killed while running a job
// leaves it "running" with a lease that runs out; any process then queues it
// again (the file is written anew) — up to MaxAttempts tries, after which the
// job is failed with the reason. A graceful stop hands the job back at once.
package reportjob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"time"

	_ "time/tzdata" // Asia/Shanghai resolves without the host's zone database

	"lingting/internal/audit"
	"lingting/internal/jobs"
	"lingting/internal/notify"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/store"
)

// Permissions declared by this package. Exporting and subscribing need the
// report's own permission (analytics.read); export.admin sees and downloads
// everybody's jobs.
var Permissions = []perm.Def{
	{Code: "export.admin", Group: "export", LabelZH: "管理全部导出任务与报表订阅", LabelEN: "Manage everybody's export jobs and report subscriptions"},
}

// Report is one exportable report.
type Report struct {
	Key        string `json:"key"`
	Path       string `json:"path"` // the report's API path (JSON; ?format=xlsx exports)
	Permission string `json:"permission"`
	NameZH     string `json:"name"`
	NameEN     string `json:"name_en"`
}

// Reports are the reports that can be exported in the background and
// subscribed to.
var Reports = []Report{
	{"tickets", "/api/v1/analytics/tickets.xlsx", "analytics.read", "任务明细", "Ticket history"},
	{"devices", "/api/v1/analytics/devices", "analytics.read", "机具分布", "Device distribution"},
	{"operation", "/api/v1/analytics/devices/operation", "analytics.read", "运行情况", "Operation"},
	{"maintenance", "/api/v1/analytics/devices/maintenance", "analytics.read", "维护情况", "Maintenance"},
	{"service-time", "/api/v1/analytics/service-time", "analytics.read", "服务时长", "Service time"},
	{"manpower", "/api/v1/analytics/manpower", "analytics.read", "人力分析", "Manpower"},
	{"abnormal", "/api/v1/analytics/abnormal", "analytics.read", "异常服务", "Abnormal service"},
	{"faults", "/api/v1/analytics/faults", "analytics.read", "故障分析", "Faults"},
	{"complaints", "/api/v1/analytics/complaints", "analytics.read", "投诉与建议", "Complaints and suggestions"},
	{"sla", "/api/v1/analytics/sla", "analytics.read", "SLA 达标", "SLA compliance"},
	{"survey", "/api/v1/analytics/survey", "analytics.read", "满意度调查", "Satisfaction survey"},
	{"volume", "/api/v1/analytics/volume", "analytics.read", "工单量（星期 × 时段）", "Ticket volume by weekday and hour"},
	{"satisfaction", "/api/v1/analytics/satisfaction", "analytics.read", "满意度分析", "Satisfaction"},
	{"rankings", "/api/v1/analytics/rankings", "analytics.read", "满意度排名", "Satisfaction rankings"},
}

// ReportByKey finds a report.
func ReportByKey(key string) (Report, bool) {
	for _, r := range Reports {
		if r.Key == key {
			return r, true
		}
	}
	return Report{}, false
}

// Config sets the jobs up.
type Config struct {
	DataDir string
	// Threshold is the largest export served in the request (default 50,000 rows).
	Threshold int
	// KeepDays is how long a finished file stays downloadable (default 7).
	KeepDays int
	// Lease is how long a claimed job stays with its process without progress (default 2 min).
	Lease time.Duration
	// MaxAttempts bounds the tries of a job whose process died (default 3).
	MaxAttempts int
	// Poll is how often the sweep looks for due subscriptions and orphaned jobs (default 5 s).
	Poll time.Duration
}

func (c *Config) defaults() {
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.Threshold <= 0 {
		c.Threshold = 50_000
	}
	if c.KeepDays <= 0 {
		c.KeepDays = 7
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.Poll <= 0 {
		c.Poll = 5 * time.Second
	}
}

// Service keeps export jobs and subscriptions and runs them.
type Service struct {
	db        *store.DB
	audit     *audit.Log
	orgs      *org.Service
	notify    *notify.Service
	now       func() time.Time
	cfg       Config
	zone      *time.Location
	worker    string
	queue     *jobs.Queue
	lastClean time.Time // last removal of expired files (the sweep's)
	renderer  Renderer
	// threshold is read per request; tests lower it.
	threshold int
}

// NewService wires the service; now is the clock (nil: real time).
func NewService(db *store.DB, log *audit.Log, orgs *org.Service, n *notify.Service, cfg Config, now func() time.Time) *Service {
	cfg.defaults()
	if now == nil {
		now = store.Now
	}
	zone, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		zone = time.FixedZone("CST", 8*3600)
	}
	host, _ := os.Hostname()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &Service{db: db, audit: log, orgs: orgs, notify: n, now: now, cfg: cfg, zone: zone,
		worker: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)), threshold: cfg.Threshold}
}

// SetRenderer installs what renders reports (the HTTP layer).
func (s *Service) SetRenderer(r Renderer) { s.renderer = r }

// Threshold is the largest export served synchronously, in rows.
func (s *Service) Threshold() int { return s.threshold }

// SetThreshold changes the threshold (tests, and operators through the config).
func (s *Service) SetThreshold(n int) { s.threshold = n }

// Zone is Asia/Shanghai, where schedules are read.
func (s *Service) Zone() *time.Location { return s.zone }

// Kick has the sweep run now (due subscriptions, orphaned jobs).
func (s *Service) Kick() {
	if s.queue == nil {
		return
	}
	if err := s.queue.Insert(context.Background(), SweepArgs{}, nil); err != nil {
		slog.Warn("report sweep", "err", err)
	}
}

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
