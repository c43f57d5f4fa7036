package app

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything the server reads at start. It is filled from flags,
// BITWOBBLY_* environment variables and their _FILE variants (in that order
// of precedence), then validated once.
type Config struct {
	Addr     string
	Data     string
	BaseURL  string
	LogLevel string
	// SecretKeyText is the configured key as given (hex or base64, 32 bytes);
	// empty means "read or generate data/secret.key".
	SecretKeyText string
	// SecretKey is the decoded 32-byte instance key, set by loadSecretKey.
	SecretKey []byte

	ShutdownTimeout time.Duration
	// TrustProxy makes X-Forwarded-For/Proto count for client address and scheme.
	TrustProxy bool

	// E-mail delivery. With neither Resend nor SMTP set, mail is logged (dry run).
	MailFrom      string
	ResendAPIKey  string
	ResendBaseURL string
	SMTPHost      string
	SMTPPort      int
	SMTPUser      string
	SMTPPassword  string
	SMTPTLS       string // starttls, tls, none

	// Monitoring.
	CheckConcurrency    int
	CheckPerHost        int
	RestrictTargets     bool // refuse loopback/private/link-local check targets
	ResultRetentionDays int

	// Notifications.
	AllowPrivateChannels bool
	DeliveryAttempts     int

	// Error tracking ingest limits (bytes) and queue.
	IngestMaxRequest  int64
	IngestMaxEnvelope int64
	IngestMaxEvent    int64
	IngestQueueMax    int
	IngestWorkers     int
}

// setting describes one configuration value: its flag, its environment
// variable, and how it is stored in Config.
type setting struct {
	name   string // flag name; env is BITWOBBLY_ + upper(name with - as _)
	def    string
	help   string
	secret bool // also read from BITWOBBLY_<NAME>_FILE
	set    func(c *Config, v string) error
}

func (s setting) env() string {
	return "BITWOBBLY_" + strings.ToUpper(strings.ReplaceAll(s.name, "-", "_"))
}

func str(p func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error { *p(c) = v; return nil }
}

func integer(p func(*Config) *int, min, max int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("must be a whole number, got %q", v)
		}
		if n < min || n > max {
			return fmt.Errorf("must be between %d and %d, got %d", min, max, n)
		}
		*p(c) = n
		return nil
	}
}

func size(p func(*Config) *int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		*p(c) = n
		return nil
	}
}

func boolean(p func(*Config) *bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("must be true or false, got %q", v)
		}
		*p(c) = b
		return nil
	}
}

func duration(p func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil || d <= 0 {
			return fmt.Errorf("must be a positive duration such as 10s, got %q", v)
		}
		*p(c) = d
		return nil
	}
}

// settings is the whole configuration surface, documented in the README.
var settings = []setting{
	{"addr", ":8080", "address to listen on", false, str(func(c *Config) *string { return &c.Addr })},
	{"data", "./data", "directory for the database and blobs", false, str(func(c *Config) *string { return &c.Data })},
	{"base-url", "", "public URL of this instance, e.g. https://status.example.com", false,
		str(func(c *Config) *string { return &c.BaseURL })},
	{"log-level", "info", "debug, info, warn or error", false, str(func(c *Config) *string { return &c.LogLevel })},
	{"secret-key", "", "32-byte key (hex or base64) that encrypts secrets at rest; generated when empty", true,
		str(func(c *Config) *string { return &c.SecretKeyText })},
	{"shutdown-timeout", "15s", "how long in-flight work may take on shutdown", false,
		duration(func(c *Config) *time.Duration { return &c.ShutdownTimeout })},
	{"trust-proxy", "false", "trust X-Forwarded-For and X-Forwarded-Proto from a reverse proxy", false,
		boolean(func(c *Config) *bool { return &c.TrustProxy })},

	{"mail-from", "Bit Wobbly <bitwobbly@localhost>", "sender address of e-mail", false,
		str(func(c *Config) *string { return &c.MailFrom })},
	{"resend-api-key", "", "Resend API key; enables e-mail through Resend", true,
		str(func(c *Config) *string { return &c.ResendAPIKey })},
	{"resend-base-url", "https://api.resend.com", "Resend API base URL", false,
		str(func(c *Config) *string { return &c.ResendBaseURL })},
	{"smtp-host", "", "SMTP server host; enables e-mail through SMTP", false,
		str(func(c *Config) *string { return &c.SMTPHost })},
	{"smtp-port", "587", "SMTP server port", false, integer(func(c *Config) *int { return &c.SMTPPort }, 1, 65535)},
	{"smtp-user", "", "SMTP user name", false, str(func(c *Config) *string { return &c.SMTPUser })},
	{"smtp-password", "", "SMTP password", true, str(func(c *Config) *string { return &c.SMTPPassword })},
	{"smtp-tls", "starttls", "starttls, tls or none", false, str(func(c *Config) *string { return &c.SMTPTLS })},

	{"check-concurrency", "256", "checks running at once, in all", false,
		integer(func(c *Config) *int { return &c.CheckConcurrency }, 1, 100000)},
	{"check-per-host", "16", "checks running at once against one host", false,
		integer(func(c *Config) *int { return &c.CheckPerHost }, 1, 100000)},
	{"restrict-targets", "false", "refuse check targets on loopback, private and link-local addresses", false,
		boolean(func(c *Config) *bool { return &c.RestrictTargets })},
	{"result-retention-days", "14", "days raw check results are kept (rollups are kept 400 days)", false,
		integer(func(c *Config) *int { return &c.ResultRetentionDays }, 1, 3650)},

	{"allow-private-channels", "true", "let notification channels post to private (LAN) addresses", false,
		boolean(func(c *Config) *bool { return &c.AllowPrivateChannels })},
	{"delivery-attempts", "8", "attempts before a notification is given up", false,
		integer(func(c *Config) *int { return &c.DeliveryAttempts }, 1, 100)},

	{"ingest-max-request", "20MiB", "largest compressed ingest request", false,
		size(func(c *Config) *int64 { return &c.IngestMaxRequest })},
	{"ingest-max-envelope", "200MiB", "largest decompressed envelope", false,
		size(func(c *Config) *int64 { return &c.IngestMaxEnvelope })},
	{"ingest-max-event", "1MiB", "largest single event item", false,
		size(func(c *Config) *int64 { return &c.IngestMaxEvent })},
	{"ingest-queue-max", "100000", "queued envelopes before ingest answers 503", false,
		integer(func(c *Config) *int { return &c.IngestQueueMax }, 1, 100000000)},
	{"ingest-workers", "4", "envelope processing workers", false,
		integer(func(c *Config) *int { return &c.IngestWorkers }, 1, 256)},
}

func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("must be a positive size such as 20MiB, got %q", v)
	}
	return n * mult, nil
}

func newFlagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("bitwobbly", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// loadConfig fills a Config from args and the environment. Flags win over
// variables, variables over _FILE variables, those over defaults.
func loadConfig(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	var c Config
	given := map[string]*string{}
	for _, s := range settings {
		given[s.name] = fs.String(s.name, "", s.help+" (env "+s.env()+", default "+quoteDefault(s.def)+")")
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var errs []error
	for _, s := range settings {
		v, from, err := lookup(s, set[s.name], *given[s.name], getenv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.set(&c, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", from, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return c, err
	}
	return c, c.validate()
}

func quoteDefault(d string) string {
	if d == "" {
		return "empty"
	}
	return d
}

func lookup(s setting, flagSet bool, flagVal string, getenv func(string) string) (string, string, error) {
	if flagSet {
		return flagVal, "--" + s.name, nil
	}
	if v := getenv(s.env()); v != "" {
		return v, s.env(), nil
	}
	if s.secret {
		if path := getenv(s.env() + "_FILE"); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				return "", "", fmt.Errorf("%s_FILE: %w", s.env(), err)
			}
			v := strings.TrimSpace(string(b))
			if v == "" {
				return "", "", fmt.Errorf("%s_FILE: %s is empty", s.env(), path)
			}
			return v, s.env() + "_FILE", nil
		}
	}
	return s.def, "default of --" + s.name, nil
}

// validate checks relations between settings and the shapes of addresses.
func (c *Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr (BITWOBBLY_ADDR): %q is not host:port, e.g. :8080", c.Addr))
	}
	if strings.TrimSpace(c.Data) == "" {
		errs = append(errs, errors.New("data (BITWOBBLY_DATA): must not be empty"))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base-url (BITWOBBLY_BASE_URL): %q is not an http(s) URL", c.BaseURL))
		} else {
			c.BaseURL = strings.TrimRight(c.BaseURL, "/")
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level (BITWOBBLY_LOG_LEVEL): %q is not debug, info, warn or error", c.LogLevel))
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("smtp-tls (BITWOBBLY_SMTP_TLS): %q is not starttls, tls or none", c.SMTPTLS))
	}
	for name, raw := range map[string]string{"resend-base-url": c.ResendBaseURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", name, raw))
		}
	}
	if c.SecretKeyText != "" {
		if _, err := decodeKey(c.SecretKeyText); err != nil {
			errs = append(errs, fmt.Errorf("secret-key (BITWOBBLY_SECRET_KEY): %w", err))
		}
	}
	if c.IngestMaxEvent > c.IngestMaxEnvelope {
		errs = append(errs, errors.New("ingest-max-event: must not exceed ingest-max-envelope"))
	}
	return errors.Join(errs...)
}

// decodeKey accepts 32 bytes as 64 hex characters or as base64.
func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("must be 32 bytes written as 64 hex characters or base64")
}

// printSettings writes the settings table (used by --help).
func printSettings(w io.Writer) {
	for _, s := range settings {
		fmt.Fprintf(w, "  --%-24s %-36s %s\n", s.name, s.env(), s.help)
	}
}
