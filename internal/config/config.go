// Package config loads settings: defaults → lingting.toml → LINGTING_* environment → flags.
package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/confmap"
	"github.com/knadh/koanf/providers/env/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/posflag"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// Config is every setting of a Lingting process.
type Config struct {
	Addr          string `koanf:"addr"`           // LINGTING_ADDR
	DatabaseURL   string `koanf:"database_url"`   // LINGTING_DATABASE_URL
	AdminLogin    string `koanf:"admin_login"`    // LINGTING_ADMIN_LOGIN
	AdminPassword string `koanf:"admin_password"` // LINGTING_ADMIN_PASSWORD
	Demo          bool   `koanf:"demo"`           // LINGTING_DEMO
	DataDir       string `koanf:"data_dir"`       // LINGTING_DATA_DIR: attachments and other files
	PublicURL     string `koanf:"public_url"`     // LINGTING_PUBLIC_URL: this server's address in links sent out (survey links)
	LogLevel      string `koanf:"log_level"`      // debug, info, warn, error
	LogFormat     string `koanf:"log_format"`     // text or json
	SecureCookies bool   `koanf:"secure_cookies"` // set the Secure flag (behind HTTPS)
	TrustProxy    bool   `koanf:"trust_proxy"`    // take the client IP from X-Forwarded-For
	LoginRate     int    `koanf:"login_rate"`     // login attempts per client IP per minute
	DemoCustomers int    `koanf:"demo_customers"` // size of the demo customer archive (0: 5,000)
	DemoTickets   int    `koanf:"demo_tickets"`   // demo repair tickets over 13 months (default 30,000, with 2,000 devices)
	DemoRatings   int    `koanf:"demo_ratings"`   // ratings in the demo's counter service history (default 300,000; 0: none)

	// ContractExpiringDays: a contract ending within this many days is 即将到期 (status expiring).
	ContractExpiringDays int `koanf:"contract_expiring_days"`

	// SLA timers and notifications (docs/OPERATIONS.md, "Notifications").
	SLAScanInterval    time.Duration `koanf:"sla_scan_interval"`     // how often the warning/escalation scanner runs (15s)
	SLACatchUp         time.Duration `koanf:"sla_catch_up"`          // steps older than this are skipped, not sent (72h)
	SMTPHost           string        `koanf:"smtp_host"`             // empty: no e-mail
	SMTPPort           int           `koanf:"smtp_port"`             // 0: 587 (starttls), 465 (tls), 25 (none)
	SMTPUsername       string        `koanf:"smtp_username"`         // empty: no AUTH
	SMTPPassword       string        `koanf:"smtp_password"`         // with smtp_username
	SMTPFrom           string        `koanf:"smtp_from"`             // sender address
	SMTPTLS            string        `koanf:"smtp_tls"`              // starttls, tls or none
	SMSProvider        string        `koanf:"sms_provider"`          // aliyun, tencent, http; empty: no SMS
	SMSEndpoint        string        `koanf:"sms_endpoint"`          // overrides the provider's URL (required for http)
	SMSAccessKeyID     string        `koanf:"sms_access_key_id"`     // Aliyun AccessKeyId / Tencent SecretId
	SMSAccessKeySecret string        `koanf:"sms_access_key_secret"` // Aliyun AccessKeySecret / Tencent SecretKey / http signing secret
	SMSSignName        string        `koanf:"sms_sign_name"`         // 短信签名
	SMSTemplateCode    string        `koanf:"sms_template_code"`     // provider template (SMS_… / template id)
	SMSAppID           string        `koanf:"sms_app_id"`            // Tencent SmsSdkAppId
	SMSRegion          string        `koanf:"sms_region"`            // cn-hangzhou / ap-guangzhou
	SMSTemplateParams  string        `koanf:"sms_template_params"`   // variables passed to the template, comma-separated
	NotifyRateEmail    float64       `koanf:"notify_rate_email"`     // messages per second per process; 0: unlimited
	NotifyRateSMS      float64       `koanf:"notify_rate_sms"`       // messages per second per process; 0: unlimited
	NotifyRateRobot    float64       `koanf:"notify_rate_robot"`     // WeCom and DingTalk robots (each allows 20 per minute)
	NotifyRateWebhook  float64       `koanf:"notify_rate_webhook"`   // messages per second per process; 0: unlimited
	NotifyMaxAttempts  int           `koanf:"notify_max_attempts"`   // tries before a delivery fails (8)
	NotifyRetryBase    time.Duration `koanf:"notify_retry_base"`     // first back-off, doubled per retry (30s)
	JobPoll            time.Duration `koanf:"job_poll"`              // how often the job queue looks for jobs other processes inserted (200ms)
	JobWorkers         int           `koanf:"job_workers"`           // background jobs worked at once per process (16)
	DemoSLAPolicies    bool          `koanf:"demo_sla_policies"`     // the demo data set includes SLA policies (true)

	// Background exports and scheduled reports (docs/OPERATIONS.md, "Exports").
	ExportAsyncRows int `koanf:"export_async_rows"` // exports over this many rows run as background jobs (50000)
	ExportKeepDays  int `koanf:"export_keep_days"`  // days a finished export file stays downloadable (7)
}

// Defaults are safe for a first start on one machine.
func Defaults() map[string]any {
	return map[string]any{
		"addr":                   "127.0.0.1:8080",
		"database_url":           "sqlite://./data/lingting.db",
		"data_dir":               "./data",
		"public_url":             "http://127.0.0.1:8080",
		"admin_login":            "admin",
		"admin_password":         "",
		"demo":                   false,
		"log_level":              "info",
		"log_format":             "text",
		"secure_cookies":         false,
		"trust_proxy":            false,
		"login_rate":             20,
		"demo_ratings":           300_000,
		"contract_expiring_days": 30,

		"sla_scan_interval":   "15s",
		"sla_catch_up":        "72h",
		"smtp_tls":            "starttls",
		"notify_rate_email":   20,
		"notify_rate_sms":     5,
		"notify_rate_robot":   0.33,
		"notify_rate_webhook": 0,
		"notify_max_attempts": 8,
		"notify_retry_base":   "30s",
		"job_poll":            "200ms",
		"job_workers":         16,
		"demo_sla_policies":   true,
		"export_async_rows":   50_000,
		"export_keep_days":    7,
	}
}

// Flags declares the command-line flags that override configuration.
func Flags(fs *pflag.FlagSet) {
	fs.String("config", "lingting.toml", "configuration file (TOML); missing is fine")
	fs.String("addr", "", "listen address, e.g. 127.0.0.1:8080")
	fs.String("database-url", "", "sqlite://path or postgres://user:pw@host:port/db")
	fs.Bool("demo", false, "load the demo data set on first start")
}

// Load builds the configuration from every source, later sources winning.
func Load(fs *pflag.FlagSet) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(confmap.Provider(Defaults(), "."), nil); err != nil {
		return Config{}, err
	}
	path := "lingting.toml"
	if fs != nil {
		if p, err := fs.GetString("config"); err == nil && p != "" {
			path = p
		}
	}
	if _, err := os.Stat(path); err == nil {
		if err := k.Load(file.Provider(path), toml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config: read %s: %w", path, err)
		}
	} else if fs != nil && fs.Changed("config") {
		return Config{}, fmt.Errorf("config: %s: %w", path, err)
	}
	err := k.Load(env.Provider(".", env.Opt{
		Prefix: "LINGTING_",
		TransformFunc: func(key, value string) (string, any) {
			return strings.ToLower(strings.TrimPrefix(key, "LINGTING_")), value
		},
	}), nil)
	if err != nil {
		return Config{}, err
	}
	if fs != nil {
		// Only flags the user set override; their names use - where keys use _.
		err := k.Load(posflag.ProviderWithFlag(fs, ".", k, func(f *pflag.Flag) (string, any) {
			if !f.Changed {
				return "", nil
			}
			return strings.ReplaceAll(f.Name, "-", "_"), posflag.FlagVal(fs, f)
		}), nil)
		if err != nil {
			return Config{}, err
		}
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf", FlatPaths: false}); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// Validate rejects settings that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("config: addr is empty"))
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("config: database_url must start with sqlite:// or postgres://"))
	}
	if c.ContractExpiringDays < 1 || c.ContractExpiringDays > 3650 {
		errs = append(errs, errors.New("config: contract_expiring_days must be between 1 and 3650"))
	}
	if c.LoginRate < 1 {
		errs = append(errs, errors.New("config: login_rate must be at least 1"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("config: log_format must be text or json"))
	}
	if c.SMTPTLS != "" && !slices.Contains([]string{"starttls", "tls", "none"}, c.SMTPTLS) {
		errs = append(errs, errors.New("config: smtp_tls must be starttls, tls or none"))
	}
	if c.SMTPHost != "" && c.SMTPFrom == "" {
		errs = append(errs, errors.New("config: smtp_from is required with smtp_host"))
	}
	if !slices.Contains([]string{"", "aliyun", "tencent", "http"}, c.SMSProvider) {
		errs = append(errs, errors.New("config: sms_provider must be aliyun, tencent or http"))
	}
	if c.SMSProvider == "http" && c.SMSEndpoint == "" {
		errs = append(errs, errors.New("config: sms_endpoint is required with sms_provider = http"))
	}
	return errors.Join(errs...)
}
