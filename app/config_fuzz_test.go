package app

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
)

// FuzzParseSize: a size is positive, and printing it back as bytes
// parses to the same number.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"20MiB", "1", " 5 KB", "0", "-1MiB", "1.5GiB", "9223372036854775807GiB",
		"8796093022208MiB", "B", "10 b", "1e6"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			if !strings.Contains(err.Error(), "size") {
				t.Errorf("parseSize(%q) error %q does not say what is expected", s, err)
			}
			return
		}
		if n <= 0 {
			t.Fatalf("parseSize(%q) = %d, want > 0", s, n)
		}
		back, err := parseSize(strconv.FormatInt(n, 10))
		if err != nil || back != n {
			t.Fatalf("parseSize(%q) = %d, but parsing %d gives %d, %v", s, n, n, back, err)
		}
	})
}

// FuzzDecodeKey: an accepted key is 32 bytes; 32 bytes written as hex or
// base64 are always accepted and decode to themselves.
func FuzzDecodeKey(f *testing.F) {
	f.Add("", []byte("0123456789abcdef0123456789abcdef"))
	f.Add(strings.Repeat("ab", 32), []byte{})
	f.Add("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", []byte{1})
	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		if key, err := decodeKey(s); err == nil && len(key) != 32 {
			t.Fatalf("decodeKey(%q) gave %d bytes", s, len(key))
		}
		if len(raw) != 32 {
			return
		}
		for _, text := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw),
			base64.RawURLEncoding.EncodeToString(raw), " " + hex.EncodeToString(raw) + "\n"} {
			key, err := decodeKey(text)
			if err != nil || !bytes.Equal(key, raw) {
				t.Fatalf("decodeKey(%q) = %x, %v; want %x", text, key, err, raw)
			}
		}
	})
}

// FuzzLoadConfig feeds arbitrary flags and environment to loadConfig: it
// never panics, a refusal names what is wrong, and an accepted
// configuration holds the invariants the server relies on.
func FuzzLoadConfig(f *testing.F) {
	f.Add("--addr\x00:9090\x00--data\x00/tmp/x", "BITWOBBLY_LOG_LEVEL=debug")
	f.Add("--ingest-max-event\x0030MiB\x00--ingest-max-envelope\x0010MiB", "")
	f.Add("", "BITWOBBLY_SMTP_PORT=0\nBITWOBBLY_BASE_URL=ftp://x")
	f.Add("--base-url\x00https://status.example.com/", "BITWOBBLY_SECRET_KEY="+strings.Repeat("0", 64))
	f.Add("serve", "BITWOBBLY_SHUTDOWN_TIMEOUT=-1s")
	f.Add("--trust-proxy\x00--check-concurrency=0", "BITWOBBLY_RESTRICT_TARGETS=yes")
	f.Fuzz(func(t *testing.T, argv, envText string) {
		var args []string
		if argv != "" {
			args = strings.Split(argv, "\x00")
		}
		env := map[string]string{}
		for _, line := range strings.Split(envText, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasSuffix(k, "_FILE") {
				env[k] = v
			}
		}
		cfg, err := loadConfig(newFlagSet(), args, func(k string) string { return env[k] })
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		checkConfig(t, cfg)
	})
}

func checkConfig(t *testing.T, c Config) {
	t.Helper()
	var problems []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, err)
	}
	if strings.TrimSpace(c.Data) == "" {
		problems = append(problems, errors.New("empty data"))
	}
	if !strings.Contains(" debug info warn error ", " "+c.LogLevel+" ") || c.LogLevel == "" {
		problems = append(problems, errors.New("log level "+c.LogLevel))
	}
	if c.BaseURL != "" && !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") ||
		strings.HasSuffix(c.BaseURL, "/") {
		problems = append(problems, errors.New("base url "+c.BaseURL))
	}
	if c.ShutdownTimeout <= 0 || c.SMTPPort < 1 || c.SMTPPort > 65535 || c.CheckConcurrency < 1 ||
		c.CheckPerHost < 1 || c.DeliveryAttempts < 1 || c.IngestWorkers < 1 || c.IngestQueueMax < 1 {
		problems = append(problems, errors.New("a number out of range"))
	}
	if c.IngestMaxRequest <= 0 || c.IngestMaxEnvelope <= 0 || c.IngestMaxEvent <= 0 ||
		c.IngestMaxEvent > c.IngestMaxEnvelope {
		problems = append(problems, errors.New("ingest sizes"))
	}
	if c.SecretKeyText != "" {
		if _, err := decodeKey(c.SecretKeyText); err != nil {
			problems = append(problems, err)
		}
	}
	if err := errors.Join(problems...); err != nil {
		t.Fatalf("accepted config %+v breaks invariants: %v", c, err)
	}
}
