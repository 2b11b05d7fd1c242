// Command lingting is the Lingting customer-service management system:
// `lingting serve` runs the web UI, the REST API and the background work.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/pflag"

	"lingting/internal/app"
	"lingting/internal/config"
	"lingting/internal/demo"
	"lingting/internal/org"
	"lingting/internal/scope"
	"lingting/internal/store"
	"lingting/web"
)

const usage = `lingting — 聆听客户服务管理系统

usage:
  lingting serve   [--addr A] [--database-url URL] [--demo] [--config FILE]
  lingting migrate [--database-url URL]
  lingting demo    [--database-url URL]          load the demo data set
  lingting user create-admin --login L --password P [--name N]
  lingting user reset-password --login L        prints a new one-time password
  lingting version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lingting:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(out, usage)
		return nil
	}
	cmd, rest := args[0], args[1:]
	fs := pflag.NewFlagSet(cmd, pflag.ContinueOnError)
	config.Flags(fs)
	login := fs.String("login", "", "user login (user commands)")
	pw := fs.String("password", "", "password (user create-admin)")
	name := fs.String("name", "系统管理员", "display name (user create-admin)")
	var sub string
	if cmd == "user" {
		if len(rest) == 0 {
			return errors.New("user: want create-admin or reset-password")
		}
		sub, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	cfg, err := config.Load(fs)
	if err != nil {
		return err
	}
	setupLogging(cfg)
	switch cmd {
	case "serve":
		return serve(ctx, cfg, out)
	case "migrate":
		db, err := store.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.Migrate(ctx); err != nil {
			return err
		}
		fmt.Fprintln(out, "migrations applied")
		return nil
	case "demo":
		cfg.Demo = true
		a, err := app.New(ctx, cfg, app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		printBootstrap(out, a.Bootstrap)
		fmt.Fprintf(out, "demo data loaded; demo users' password: %s\n", demo.Password)
		return nil
	case "user":
		return userCommand(ctx, cfg, sub, *login, *pw, *name, out)
	case "version":
		fmt.Fprintln(out, app.Version)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func serve(ctx context.Context, cfg config.Config, out io.Writer) error {
	a, err := app.New(ctx, cfg, app.Options{WebFS: web.Dist()})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	printBootstrap(out, a.Bootstrap)
	if cfg.Demo {
		fmt.Fprintf(out, "demo data: users such as agent01, bj.admin, adwb.manager; password %s\n", demo.Password)
	}
	fmt.Fprintf(out, "聆听 Lingting %s listening on http://%s (database: %s)\n", app.Version, ln.Addr(), a.DB.Dialect)
	return a.Serve(ctx, ln)
}

func printBootstrap(out io.Writer, b org.BootstrapResult) {
	if !b.Created {
		return
	}
	if b.GeneratedPassword != "" {
		fmt.Fprintf(out, "created administrator %q with one-time password %s (change it at first login)\n", b.Login, b.GeneratedPassword)
	} else {
		fmt.Fprintf(out, "created administrator %q with the password from LINGTING_ADMIN_PASSWORD\n", b.Login)
	}
}

func userCommand(ctx context.Context, cfg config.Config, sub, login, pw, name string, out io.Writer) error {
	a, err := app.New(ctx, cfg, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = scope.With(ctx, scope.System())
	if login == "" {
		return errors.New("--login is required")
	}
	switch sub {
	case "create-admin":
		roles, err := a.Orgs.ListRoles(ctx)
		if err != nil {
			return err
		}
		var adminRole int64
		for _, r := range roles {
			if r.Builtin && r.Name == org.AdminRoleName {
				adminRole = r.ID
			}
		}
		ops, _, err := a.Orgs.ListOrgs(ctx, org.OrgFilter{Kind: org.KindOperator, Limit: 1})
		if err != nil || len(ops) == 0 {
			return fmt.Errorf("no operator org: %v", err)
		}
		u, err := a.Orgs.SeedUser(ctx, org.UserInput{Login: login, Name: name, OrgID: ops[0].ID, Password: pw, RoleIDs: []int64{adminRole}})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "created administrator %s (id %d)\n", u.Login, u.ID)
		return nil
	case "reset-password":
		u, _, err := a.Orgs.UserByLogin(ctx, login)
		if err != nil {
			return fmt.Errorf("no user with login %q", login)
		}
		pw, err := a.Orgs.ResetPassword(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "new one-time password for %s: %s (must be changed at next login)\n", u.Login, pw)
		return nil
	}
	return fmt.Errorf("user: unknown subcommand %q", sub)
}

func setupLogging(cfg config.Config) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	slog.SetDefault(slog.New(h))
}
