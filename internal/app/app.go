// Package app wires the store, the domain services, the HTTP server and the
// background workers. No globals: a test builds a whole app with New.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"lingting/internal/analytics"
	"lingting/internal/asset"
	"lingting/internal/attachment"
	"lingting/internal/audit"
	"lingting/internal/auth"
	"lingting/internal/config"
	"lingting/internal/contract"
	"lingting/internal/customer"
	"lingting/internal/demo"
	"lingting/internal/dispatch"
	"lingting/internal/httpapi"
	"lingting/internal/jobs"
	"lingting/internal/kb"
	"lingting/internal/notify"
	"lingting/internal/org"
	"lingting/internal/perm"
	"lingting/internal/rating"
	"lingting/internal/reportjob"
	"lingting/internal/sla"
	"lingting/internal/store"
	"lingting/internal/telephony"
	"lingting/internal/ticket"
	"lingting/internal/view"
)

// Version is set at build time with -ldflags.
var Version = "dev"

// PermissionGroups label the permission groups in the role editor.
var PermissionGroups = []perm.Group{
	{Code: "org", LabelZH: "机构管理", LabelEN: "Organisations"},
	{Code: "user", LabelZH: "用户管理", LabelEN: "Users"},
	{Code: "role", LabelZH: "角色权限", LabelEN: "Roles"},
	{Code: "audit", LabelZH: "操作日志", LabelEN: "Audit log"},
	{Code: "customer", LabelZH: "客户档案", LabelEN: "Customers"},
	{Code: "import", LabelZH: "批量导入", LabelEN: "Imports"},
	{Code: "export", LabelZH: "导出", LabelEN: "Exports"},
	{Code: "settings", LabelZH: "系统设置", LabelEN: "Settings"},
	{Code: "ticket", LabelZH: "工单", LabelEN: "Tickets"},
	{Code: "asset", LabelZH: "设备", LabelEN: "Devices"},
	{Code: "kb", LabelZH: "知识库", LabelEN: "Knowledge base"},
	{Code: "rating", LabelZH: "客户评价", LabelEN: "Ratings"},
	{Code: "analytics", LabelZH: "统计分析", LabelEN: "Analytics"},
	{Code: "sla", LabelZH: "服务时限", LabelEN: "Service levels"},
	{Code: "notify", LabelZH: "通知", LabelEN: "Notifications"},
	{Code: "contract", LabelZH: "维保合同", LabelEN: "Contracts"},
}

// App is one Lingting process.
type App struct {
	Config config.Config
	DB     *store.DB
	Audit  *audit.Log
	Orgs   *org.Service
	Auth   *auth.Service
	// Customers is the customer archive.
	Customers *customer.Service
	// Tickets runs work orders; Assets keeps devices.
	Tickets *ticket.Service
	Assets  *asset.Service
	// Telephony builds screen pops from incoming calls.
	Telephony *telephony.Service
	// KB is the knowledge base.
	KB *kb.Service
	// Ratings runs counters, service sessions and satisfaction ratings.
	Ratings *rating.Service
	// Analytics computes the service reports and the dashboard.
	Analytics *analytics.Service
	// SLA keeps business calendars and service-level policies.
	SLA *sla.Service
	// Contracts keeps service contracts between clients and vendors.
	Contracts *contract.Service
	// Attachments keeps files attached to tickets.
	Attachments *attachment.Service
	// Views keeps users' saved list filters.
	Views *view.Service
	// Dispatch assigns tickets by rules.
	Dispatch *dispatch.Service
	Perms    *perm.Registry
	Server   *httpapi.Server
	Metrics  *prometheus.Registry

	// Clock drives SLA timers, escalation and delivery (tests move it).
	Clock *sla.Clock
	// SLATimers applies policies to tickets and fires warnings and escalations.
	SLATimers *sla.Timers
	// Notify is the notification outbox and its delivery worker.
	Notify *notify.Service
	// ReportJobs runs background exports and scheduled reports.
	ReportJobs *reportjob.Service
	// Jobs is the background job queue (River) every worker above runs on.
	Jobs    *jobs.Queue
	workers sync.WaitGroup
	// Bootstrap says what the first start created (the admin login to print).
	Bootstrap org.BootstrapResult
}

// Options adjust New for the caller.
type Options struct {
	WebFS fs.FS // the built UI; nil serves the "not built" page
}

// New opens the database, migrates it, builds the services, creates the first
// administrator on an empty database and, when configured, loads the demo data.
func New(ctx context.Context, cfg config.Config, opt Options) (*App, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a, err := build(ctx, db, cfg, opt)
	if err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func build(ctx context.Context, db *store.DB, cfg config.Config, opt Options) (*App, error) {
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	a := &App{Config: cfg, DB: db, Metrics: prometheus.NewRegistry()}
	a.Perms = perm.NewRegistry(PermissionGroups, org.Permissions, audit.Permissions, customer.Permissions, ticket.Permissions, asset.Permissions, telephony.Permissions, kb.Permissions,
		rating.Permissions, sla.Permissions, notify.Permissions, contract.Permissions, reportjob.Permissions, dispatch.Permissions, attachment.Permissions)
	a.Audit = audit.New(db)
	a.Orgs = org.NewService(db, a.Audit, a.Perms)
	a.Auth = auth.NewService(db, a.Orgs, a.Audit)
	a.Customers = customer.NewService(db, a.Audit, a.Orgs)
	a.Assets = asset.NewService(db, a.Audit, a.Orgs)
	a.Customers.RegisterImportKind("assets", a.Assets.Importer(), "asset.create")
	a.Tickets = ticket.NewService(db, a.Audit, a.Orgs, a.Customers, a.Assets)
	a.Telephony = telephony.NewService(db, a.Orgs, a.Customers, a.Tickets, a.Assets)
	a.KB = kb.NewService(db, a.Audit)
	a.Ratings = rating.NewService(db, a.Audit, a.Orgs, a.Tickets)
	a.Analytics = analytics.NewService(db, a.Ratings)
	a.SLA = sla.NewService(db, a.Audit)
	a.Clock = sla.NewClock()
	dataDir := cfg.DataDir
	if dataDir == "" {
		dataDir = "data"
	}
	nc := notifyConfig(cfg)
	nc.DataDir = dataDir
	a.Notify = notify.NewService(db, a.Audit, nc, a.Clock.Now)
	a.ReportJobs = reportjob.NewService(db, a.Audit, a.Orgs, a.Notify,
		reportjob.Config{DataDir: dataDir, Threshold: cfg.ExportAsyncRows, KeepDays: cfg.ExportKeepDays}, a.Clock.Now)
	a.SLATimers = sla.NewTimers(db, a.SLA, a.Clock)
	a.SLATimers.Notifier = a.Notify
	a.SLATimers.SetEventLog(a.Tickets.LogSLA)
	if cfg.SLACatchUp > 0 {
		a.SLATimers.CatchUp = cfg.SLACatchUp
	}
	a.Tickets.SetClock(a.Clock.Now)
	a.Ratings.SetSurvey(a.Notify, strings.TrimRight(cfg.PublicURL, "/"))
	// The analytics roll-ups follow every ticket change after the SLA timers
	// (they record the SLA outcome); tickets written before the roll-ups
	// existed, or by a bulk loader, are counted here and before each report.
	a.Analytics.SetClock(a.Clock.Now)
	a.Tickets.SetSLAHook(ticketHooks{sla: a.SLATimers, others: []func(context.Context, ticket.SLAChange) error{a.Ratings.TicketChanged, a.Analytics.TicketChanged, customerNotices(a.Notify)}})
	if _, err := a.Analytics.Backfill(ctx); err != nil {
		return nil, fmt.Errorf("app: analytics roll-ups: %w", err)
	}
	a.Contracts = contract.NewService(db, a.Audit, a.Orgs)
	if cfg.ContractExpiringDays > 0 {
		a.Contracts.ExpiringDays = cfg.ContractExpiringDays
	}
	a.Attachments = attachment.NewService(db, a.Audit, a.Tickets, dataDir)
	a.Views = view.NewService(db)
	a.Dispatch = dispatch.NewService(db, a.Audit, a.Orgs, a.Tickets)
	a.Telephony.WithRatings(a.Ratings)
	if err := a.Tickets.SyncTypes(ctx); err != nil {
		return nil, fmt.Errorf("app: ticket types: %w", err)
	}
	if err := a.Orgs.SyncAdminRole(ctx); err != nil {
		return nil, fmt.Errorf("app: sync admin role: %w", err)
	}
	res, err := a.Orgs.Bootstrap(ctx, cfg.AdminLogin, cfg.AdminPassword)
	if err != nil {
		return nil, fmt.Errorf("app: bootstrap: %w", err)
	}
	a.Bootstrap = res
	if err := a.openJobs(ctx); err != nil {
		return nil, fmt.Errorf("app: job queue: %w", err)
	}
	if cfg.Demo {
		svc := demo.Services{Orgs: a.Orgs, Customers: a.Customers, Assets: a.Assets, Tickets: a.Tickets, KB: a.KB, Ratings: a.Ratings, SLA: a.SLA, Contracts: a.Contracts}
		if err := demo.Load(ctx, svc, demo.Options{SLAPolicies: cfg.DemoSLAPolicies, Customers: cfg.DemoCustomers, Tickets: cfg.DemoTickets, Ratings: cfg.DemoRatings}); err != nil {
			return nil, fmt.Errorf("app: demo data: %w", err)
		}
	}
	// Watchers hear of comments and status changes from here on; the demo's
	// generated history above notifies nobody.
	a.Tickets.SetNotifier(a.Notify)
	a.Metrics.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.Writer(), "writer"),
	)
	if db.Reader() != db.Writer() {
		a.Metrics.MustRegister(collectors.NewDBStatsCollector(db.Reader(), "reader"))
	}
	webFS := opt.WebFS
	if webFS == nil {
		webFS = emptyFS{}
	}
	a.Server, err = httpapi.New(httpapi.Deps{DB: db, Orgs: a.Orgs, Auth: a.Auth, Audit: a.Audit, Perms: a.Perms,
		Metrics: a.Metrics, WebFS: webFS, Customers: a.Customers, ImportKick: a.KickImports, Tickets: a.Tickets, Assets: a.Assets, Telephony: a.Telephony, KB: a.KB, Notify: a.Notify, SLA: a.SLA, ReportJobs: a.ReportJobs, Ratings: a.Ratings, Analytics: a.Analytics, Contracts: a.Contracts, Attachments: a.Attachments, Views: a.Views, Dispatch: a.Dispatch, SecureCookies: cfg.SecureCookies, TrustProxy: cfg.TrustProxy, LoginRate: cfg.LoginRate, Version: Version})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Close releases the database, after the background workers stopped (their
// context must have ended) or 30 s passed.
func (a *App) Close() error {
	done := make(chan struct{})
	go func() { a.workers.Wait(); a.Ratings.WaitFollowups(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		slog.Warn("closing while background workers still run")
	}
	if a.Jobs != nil {
		a.Jobs.Close()
	}
	return a.DB.Close()
}

// Handler is the root HTTP handler.
func (a *App) Handler() http.Handler { return a.Server.Handler() }

// Serve answers HTTP on ln and runs the background workers until ctx ends,
// then shuts down gracefully.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	workerCtx, stopWorkers := context.WithCancel(ctx)
	defer stopWorkers()
	a.StartWorkers(workerCtx)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// StartWorkers works the background jobs (River) until ctx ends.
func (a *App) StartWorkers(ctx context.Context) {
	if err := a.Jobs.Start(ctx); err != nil {
		slog.Error("background jobs", "err", err)
		return
	}
	a.workers.Add(1)
	go func() { defer a.workers.Done(); a.Jobs.Wait() }()
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "lingting"
	}
	return h
}

// emptyFS stands in for an unbuilt UI.
type emptyFS struct{}

func (emptyFS) Open(string) (fs.File, error) { return nil, fs.ErrNotExist }

// notifyConfig maps the settings to the delivery set-up.
func notifyConfig(c config.Config) notify.Config {
	var params []string
	for _, p := range strings.Split(c.SMSTemplateParams, ",") {
		if p = strings.TrimSpace(p); p != "" {
			params = append(params, p)
		}
	}
	return notify.Config{
		SMTP: notify.SMTPConfig{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS},
		SMS: notify.SMSConfig{Provider: c.SMSProvider, Endpoint: c.SMSEndpoint, AccessKeyID: c.SMSAccessKeyID, AccessKeySecret: c.SMSAccessKeySecret,
			SignName: c.SMSSignName, TemplateCode: c.SMSTemplateCode, AppID: c.SMSAppID, Region: c.SMSRegion, TemplateParams: params},
		Rates: map[string]float64{notify.ChannelEmail: c.NotifyRateEmail, notify.ChannelSMS: c.NotifyRateSMS, notify.ChannelWeCom: c.NotifyRateRobot,
			notify.ChannelDingTalk: c.NotifyRateRobot, notify.ChannelWebhook: c.NotifyRateWebhook},
		MaxAttempts: c.NotifyMaxAttempts, RetryBase: c.NotifyRetryBase,
	}
}
