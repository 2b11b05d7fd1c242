package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "cli.db")
	t.Setenv("LINGTING_LOG_LEVEL", "error")
	// The command's wiring is under test, not the size of the demo history.
	t.Setenv("LINGTING_DEMO_RATINGS", "2000")
	t.Setenv("LINGTING_DEMO_TICKETS", "200")
	t.Setenv("LINGTING_DEMO_CUSTOMERS", "500")
	runOK := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), append(args, "--database-url", db), &out); err != nil {
			t.Fatalf("lingting %v: %v", args, err)
		}
		return out.String()
	}
	if out := runOK("migrate"); !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %q", out)
	}
	out := runOK("demo")
	if !regexp.MustCompile(`one-time password \S{8,}`).MatchString(out) || !strings.Contains(out, "Demo@2026") {
		t.Fatalf("demo on an empty database should print the generated admin password: %q", out)
	}
	if out := runOK("user", "create-admin", "--login", "ops2", "--password", "ops2-pass-1"); !strings.Contains(out, "created administrator ops2") {
		t.Fatalf("create-admin: %q", out)
	}
	if out := runOK("user", "reset-password", "--login", "ops2"); !strings.Contains(out, "new one-time password for ops2") {
		t.Fatalf("reset-password: %q", out)
	}
	var buf bytes.Buffer
	if err := run(context.Background(), []string{"user", "create-admin", "--login", "weak", "--password", "short", "--database-url", db}, &buf); err == nil {
		t.Fatal("a weak password was accepted")
	}
	if err := run(context.Background(), []string{"frobnicate"}, &buf); err == nil {
		t.Fatal("unknown command accepted")
	}
	buf.Reset()
	_ = run(context.Background(), nil, &buf)
	if !strings.Contains(buf.String(), "lingting serve") {
		t.Fatalf("usage: %q", buf.String())
	}
}
