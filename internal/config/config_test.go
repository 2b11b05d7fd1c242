package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
)

func TestLoadPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lingting.toml")
	if err := os.WriteFile(file, []byte("addr = \"127.0.0.1:7000\"\nlog_level = \"debug\"\nadmin_login = \"root\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LINGTING_ADDR", "127.0.0.1:7100")
	t.Setenv("LINGTING_DEMO", "1")
	t.Setenv("LINGTING_DATABASE_URL", "postgres://u:p@127.0.0.1:5432/db")
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	Flags(fs)
	if err := fs.Parse([]string{"--config", file, "--addr", "127.0.0.1:7200"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(fs)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7200" {
		t.Errorf("flag should win: addr %s", c.Addr)
	}
	if !c.Demo || c.DatabaseURL != "postgres://u:p@127.0.0.1:5432/db" {
		t.Errorf("env should override defaults: %+v", c)
	}
	if c.LogLevel != "debug" || c.AdminLogin != "root" {
		t.Errorf("file should override defaults: %+v", c)
	}
	if c.LoginRate != 20 || c.LogFormat != "text" {
		t.Errorf("defaults lost: %+v", c)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	t.Setenv("LINGTING_DATABASE_URL", "mysql://nope")
	if _, err := Load(nil); err == nil {
		t.Fatal("mysql URL accepted")
	}
}

func TestMissingExplicitConfigFile(t *testing.T) {
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	Flags(fs)
	_ = fs.Parse([]string{"--config", filepath.Join(t.TempDir(), "absent.toml")})
	if _, err := Load(fs); err == nil {
		t.Fatal("a named but missing config file was ignored")
	}
}
