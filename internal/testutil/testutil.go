// Package testutil builds a whole Lingting app for tests on SQLite or PostgreSQL,
// serves it on a real loopback HTTP server, and drives it with API clients
// whose every response is validated against the OpenAPI document.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates test databases

	"lingting/internal/app"
	"lingting/internal/config"
)

// PostgresEnv names the variable holding an admin URL of a test PostgreSQL server.
const PostgresEnv = "LINGTING_TEST_POSTGRES_URL"

// AdminPassword is the password of the "admin" user of every test app.
const AdminPassword = "admin-pass-1"

// Engines lists the engines to run on: SQLite always, PostgreSQL when configured.
// Under CI (CI=true) PostgreSQL is mandatory, so it cannot be skipped silently.
func Engines(t testing.TB) []string {
	engines := []string{"sqlite"}
	if os.Getenv(PostgresEnv) != "" {
		engines = append(engines, "postgres")
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set under CI: the PostgreSQL half of the suite would not run", PostgresEnv)
	}
	return engines
}

// ForEachEngine runs fn as a subtest per engine.
func ForEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range Engines(t) {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

// DatabaseURL returns a fresh, empty database for one test, dropped at cleanup.
func DatabaseURL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return "sqlite://" + filepath.Join(t.TempDir(), "lingting.db")
	case "postgres":
		admin := os.Getenv(PostgresEnv)
		if admin == "" {
			t.Fatalf("%s is not set", PostgresEnv)
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "lt_test_" + hex.EncodeToString(b)
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			db.Close()
			t.Fatalf("create test database: %v", err)
		}
		t.Cleanup(func() {
			_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			db.Close()
		})
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	}
	t.Fatalf("unknown engine %q", engine)
	return ""
}

// quietLogs keeps request logs out of test output; errors still show.
var quietLogs sync.Once

// Options adjust NewApp.
type Options struct {
	Demo      bool
	LoginRate int // login attempts per IP per minute; default high so tests are not throttled
	// DatabaseURL reuses an existing database (several processes on one PostgreSQL).
	DatabaseURL string
	// DemoCustomers sizes the demo archive (default 120, enough for scope tests).
	DemoCustomers int
	// DemoTickets sizes the demo ticket history (default 30).
	DemoTickets int
	// DemoRatings sizes the demo's rating history (default 0: none).
	DemoRatings int
	// SLAScanInterval overrides how often the SLA scanner runs. A test that
	// back-dates tickets whose deadlines already passed in real time sets it
	// long, so a scan between two of its requests cannot mark a target breached
	// that its next request records as met in time.
	SLAScanInterval time.Duration
}

// NewApp builds an app on a fresh database of the engine, with an "admin" user
// whose password is AdminPassword, served on 127.0.0.1.
func NewApp(t testing.TB, engine string, opt Options) *TestApp {
	t.Helper()
	cfg := config.Config{
		Addr: "127.0.0.1:0", DatabaseURL: opt.DatabaseURL, AdminLogin: "admin", AdminPassword: AdminPassword,
		Demo: opt.Demo, LogLevel: "error", LogFormat: "text", LoginRate: opt.LoginRate, DataDir: t.TempDir(),
	}
	cfg.DemoCustomers, cfg.DemoTickets, cfg.DemoRatings = opt.DemoCustomers, opt.DemoTickets, opt.DemoRatings
	if cfg.DemoCustomers == 0 {
		cfg.DemoCustomers = 120
	}
	if cfg.DemoTickets == 0 {
		cfg.DemoTickets = 30
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = DatabaseURL(t, engine)
	}
	if cfg.LoginRate == 0 {
		cfg.LoginRate = 10000
	}
	if opt.SLAScanInterval != 0 {
		cfg.SLAScanInterval = opt.SLAScanInterval
	}
	quietLogs.Do(func() {
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	})
	a, err := app.New(context.Background(), cfg, app.Options{})
	if err != nil {
		t.Fatalf("new app on %s: %v", engine, err)
	}
	ta := &TestApp{App: a, Engine: engine, t: t}
	ta.start()
	workers, stop := context.WithCancel(context.Background())
	a.StartWorkers(workers)
	t.Cleanup(func() {
		stop()
		ta.srv.Close()
		a.Close()
	})
	return ta
}
