package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates the bench database

	"lingting/internal/app"
	"lingting/internal/config"
)

// Credentials of the bench users. The admin is the bootstrap administrator
// (config AdminPassword, i.e. LINGTING_ADMIN_PASSWORD); the branch user is
// created through the API with a role holding customer.read and subtree scope
// at the 北京分行 (HXB-BJ) org of the demo tree.
const (
	AdminPassword   = "Bench@2026-admin"
	BranchLogin     = "bench.branch"
	BranchPassword  = "Bench@2026-branch"
	branchInitialPw = "Bench@2026-initial"
	BranchCode      = "HXB-BJ"
	branchRoleName  = "分行客户查看（压测）"
	postgresEnv     = "LINGTING_TEST_POSTGRES_URL"
)

// Outlet is an org customers are distributed over.
type Outlet struct {
	ID       int64  `json:"id"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Region   string `json:"region"`
	Path     string `json:"path"`
	Managers []int64
	JobNos   []string
}

// Env is one app served on 127.0.0.1 with an admin and a branch-scoped client.
type Env struct {
	Opt    options
	Engine string
	App    *app.App
	URL    string
	Admin  *Client
	Branch *Client
	// Outlets of the demo tree; InBranch says which lie under BranchCode.
	Outlets  []Outlet
	InBranch map[int64]bool
	Loaded   LoadStats // the last bulk load

	stop    context.CancelFunc
	served  chan error
	cleanup []func()
}

// NewEnv builds an app on a fresh database (or on keep, a SQLite file or
// PostgreSQL database name that is kept and reused), serves it, and logs in.
func NewEnv(ctx context.Context, opt options, keep string) (*Env, error) {
	e := &Env{Opt: opt, Engine: opt.Engine}
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()
	dbURL, err := e.databaseURL(keep)
	if err != nil {
		return nil, err
	}
	cfg := config.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL, AdminLogin: "admin", AdminPassword: AdminPassword,
		Demo: true, DemoCustomers: opt.DemoCustomers, DemoTickets: 30, LogLevel: "error", LogFormat: "text", LoginRate: 1_000_000}
	start := time.Now()
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		return nil, fmt.Errorf("app on %s: %w", opt.Engine, err)
	}
	e.App = a
	e.cleanup = append(e.cleanup, func() { _ = a.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.URL = "http://" + ln.Addr().String()
	srvCtx, stop := context.WithCancel(context.Background())
	e.stop, e.served = stop, make(chan error, 1)
	go func() { e.served <- a.Serve(srvCtx, ln) }()
	if e.Admin, err = login(ctx, e.URL, "admin", AdminPassword); err != nil {
		return nil, err
	}
	if err := e.loadOrgs(ctx); err != nil {
		return nil, err
	}
	if e.Branch, err = e.branchUser(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(opt.Out, "app ready on %s (%s) in %s: %d outlets, %d under %s\n", e.URL, opt.Engine,
		time.Since(start).Round(time.Millisecond), len(e.Outlets), len(e.InBranch), BranchCode)
	ok = true
	return e, nil
}

// databaseURL returns the URL of an empty (or kept) database of the engine.
func (e *Env) databaseURL(keep string) (string, error) {
	switch e.Engine {
	case "sqlite":
		path := keep
		if path == "" {
			dir, err := os.MkdirTemp("", "lingting-bench-")
			if err != nil {
				return "", err
			}
			e.cleanup = append(e.cleanup, func() { _ = os.RemoveAll(dir) })
			path = filepath.Join(dir, "lingting.db")
		}
		return "sqlite://" + path, nil
	case "postgres":
		admin := os.Getenv(postgresEnv)
		if admin == "" {
			return "", fmt.Errorf("%s is not set; run under scripts/with-postgres.sh", postgresEnv)
		}
		name := keep
		if name == "" {
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			name = "lt_bench_" + hex.EncodeToString(b)
		}
		db, err := sql.Open("pgx", admin)
		if err != nil {
			return "", err
		}
		var exists bool
		if err := db.QueryRow("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			db.Close()
			return "", err
		}
		if !exists {
			if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
				db.Close()
				return "", fmt.Errorf("create database %s: %w", name, err)
			}
		}
		if keep == "" {
			e.cleanup = append(e.cleanup, func() {
				_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
				db.Close()
			})
		} else {
			db.Close()
		}
		u, err := url.Parse(admin)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return "", fmt.Errorf("unknown engine %q (want sqlite or postgres)", e.Engine)
}

// loadOrgs reads the outlets of the demo tree and their staff through the API.
func (e *Env) loadOrgs(ctx context.Context) error {
	var outlets list[Outlet]
	if err := e.Admin.JSON(ctx, "GET", "/api/v1/orgs?kind=outlet&page_size=500", nil, &outlets); err != nil {
		return err
	}
	var branch list[Outlet]
	if err := e.Admin.JSON(ctx, "GET", "/api/v1/orgs?q="+BranchCode+"&page_size=50", nil, &branch); err != nil {
		return err
	}
	var branchPath string
	for _, o := range branch.Items {
		if o.Code == BranchCode {
			branchPath = o.Path
		}
	}
	if branchPath == "" || len(outlets.Items) == 0 {
		return fmt.Errorf("the demo org tree is missing (no %s or no outlets)", BranchCode)
	}
	var users list[struct {
		ID    int64  `json:"id"`
		OrgID int64  `json:"org_id"`
		JobNo string `json:"job_no"`
	}]
	if err := e.Admin.JSON(ctx, "GET", "/api/v1/users?page_size=500", nil, &users); err != nil {
		return err
	}
	e.InBranch = map[int64]bool{}
	// Outlets in code order, so the generator's weights fall the same way on every engine.
	sort.Slice(outlets.Items, func(i, j int) bool { return outlets.Items[i].Code < outlets.Items[j].Code })
	for _, o := range outlets.Items {
		for _, u := range users.Items {
			if u.OrgID == o.ID {
				o.Managers = append(o.Managers, u.ID)
				if u.JobNo != "" {
					o.JobNos = append(o.JobNos, u.JobNo)
				}
			}
		}
		if strings.HasPrefix(o.Path, branchPath) {
			e.InBranch[o.ID] = true
		}
		e.Outlets = append(e.Outlets, o)
	}
	return nil
}

// branchUser logs in as the branch-scoped user, creating it through the API
// (role, user, forced password change) on a new database.
func (e *Env) branchUser(ctx context.Context) (*Client, error) {
	if c, err := login(ctx, e.URL, BranchLogin, BranchPassword); err == nil {
		return c, nil
	}
	var branch list[Outlet]
	if err := e.Admin.JSON(ctx, "GET", "/api/v1/orgs?q="+BranchCode+"&page_size=50", nil, &branch); err != nil {
		return nil, err
	}
	var orgID int64
	for _, o := range branch.Items {
		if o.Code == BranchCode {
			orgID = o.ID
		}
	}
	var role struct {
		ID int64 `json:"id"`
	}
	err := e.Admin.JSON(ctx, "POST", "/api/v1/roles", map[string]any{"name": branchRoleName, "description": "bench: read customers of one branch subtree",
		"scope": "subtree", "permissions": []string{"customer.read"}}, &role)
	if err != nil {
		return nil, fmt.Errorf("create role: %w", err)
	}
	var user struct {
		ID int64 `json:"id"`
	}
	err = e.Admin.JSON(ctx, "POST", "/api/v1/users", map[string]any{"login": BranchLogin, "name": "压测分行用户", "org_id": orgID,
		"password": branchInitialPw, "role_ids": []int64{role.ID}}, &user)
	if err != nil {
		return nil, fmt.Errorf("create user: %w", err)
	}
	c, err := login(ctx, e.URL, BranchLogin, branchInitialPw)
	if err != nil {
		return nil, err
	}
	if err := c.JSON(ctx, "POST", "/api/v1/auth/password", map[string]string{"current_password": branchInitialPw, "new_password": BranchPassword}, nil); err != nil {
		return nil, fmt.Errorf("change password: %w", err)
	}
	return c, nil
}

// CountCustomers counts live customers directly in the database.
func (e *Env) CountCustomers(ctx context.Context) (int, error) {
	var n int
	err := e.App.DB.Get(ctx, &n, "SELECT count(*) FROM customers WHERE deleted_at IS NULL")
	return n, err
}

// EnsureArchive bulk-loads customers until the archive holds n (a kept
// database is topped up, never shrunk).
func (e *Env) EnsureArchive(ctx context.Context, n int) (LoadStats, error) {
	have, err := e.CountCustomers(ctx)
	if err != nil {
		return LoadStats{}, err
	}
	if have >= n {
		fmt.Fprintf(e.Opt.Out, "archive: %d customers already present\n", have)
		return LoadStats{}, nil
	}
	st, err := BulkLoad(ctx, e, n-have, e.Opt.Seed, -1)
	if err != nil {
		return st, err
	}
	e.Loaded = st
	fmt.Fprintf(e.Opt.Out, "bulk load: %d customers (%d phones, %d tags) in %s — %.0f rows/s; post-load %s\n",
		st.Customers, st.Phones, st.Tags, st.Elapsed.Round(time.Millisecond), float64(st.Customers)/st.Elapsed.Seconds(), st.Post.Round(time.Millisecond))
	return st, nil
}

// Close stops the server and drops what NewEnv created.
func (e *Env) Close() {
	if e.stop != nil {
		e.stop()
		select {
		case err := <-e.served:
			if err != nil && !errors.Is(err, context.Canceled) {
				fmt.Fprintln(os.Stderr, "serve:", err)
			}
		case <-time.After(20 * time.Second):
		}
		e.stop = nil
	}
	for i := len(e.cleanup) - 1; i >= 0; i-- {
		e.cleanup[i]()
	}
	e.cleanup = nil
}
