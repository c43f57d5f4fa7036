package e2e

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCommandLine drives every subcommand of the binary as a user would.
func TestCommandLine(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")

	t.Run("version", func(t *testing.T) {
		out, _, code := execBinary(t, nil, "version")
		if code != 0 || !strings.HasPrefix(out, "bitwobbly ") || strings.Count(out, "\n") != 1 {
			t.Fatalf("version: exit %d, stdout %q", code, out)
		}
	})

	t.Run("admin create before the first serve", func(t *testing.T) {
		out := runBinary(t, nil, "admin", "create", "--data", data, "--email", "root@example.com",
			"--password", "long enough password")
		if !strings.Contains(out, "root@example.com") {
			t.Errorf("admin create said %q", out)
		}
		if _, err := os.Stat(filepath.Join(data, "bitwobbly.db")); err != nil {
			t.Errorf("no database after admin create: %v", err)
		}
	})

	scenarios := []struct {
		name      string
		env, args []string
		stderr    string // the message must name the culprit
	}{
		{"same e-mail twice", nil, []string{"admin", "create", "--data", data, "--email", "root@example.com",
			"--password", "long enough password"}, "--email"},
		{"short password", nil, []string{"admin", "create", "--data", data, "--email", "x@example.com",
			"--password", "short"}, "--password"},
		{"token for nobody", nil, []string{"token", "create", "--data", data, "--email", "nobody@example.com",
			"--name", "x"}, "--email"},
		{"token without name", nil, []string{"token", "create", "--data", data, "--email", "root@example.com"},
			"--name"},
		{"unknown command", nil, []string{"frobnicate"}, "unknown command"},
		{"bad flag value", nil, []string{"serve", "--data", data, "--addr", "nonsense"}, "addr"},
		{"bad environment value", []string{"BITWOBBLY_SMTP_PORT=seven"}, []string{"serve", "--data", data},
			"BITWOBBLY_SMTP_PORT"},
		{"bad secret key", []string{"BITWOBBLY_SECRET_KEY=tooshort"}, []string{"serve", "--data", data},
			"secret-key"},
		{"missing _FILE", []string{"BITWOBBLY_SECRET_KEY_FILE=/nonexistent/key"}, []string{"serve", "--data", data},
			"BITWOBBLY_SECRET_KEY_FILE"},
		{"backup over a file", nil, []string{"backup", "--data", data, "--out", filepath.Join(data, "bitwobbly.db")},
			"--out"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			out, errOut, code := execBinary(t, sc.env, sc.args...)
			if code == 0 {
				t.Fatalf("exit 0, want failure; stdout %q", out)
			}
			if !strings.Contains(errOut, sc.stderr) {
				t.Errorf("stderr %q does not name %q", errOut, sc.stderr)
			}
		})
	}

	var token string
	t.Run("token create prints only the token", func(t *testing.T) {
		out, _, code := execBinary(t, nil, "token", "create", "--data", data, "--email", "root@example.com",
			"--name", "cli")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		if !regexp.MustCompile(`^bw_[A-Za-z0-9_-]{20,}\n$`).MatchString(out) {
			t.Fatalf("stdout %q, want one token line", out)
		}
		token = strings.TrimSpace(out)
	})

	srv := startServer(t, serverOptions{Data: data, Fresh: true})
	srv.Token = token
	if !strings.Contains(srv.Log.String(), "url="+srv.URL) {
		t.Errorf("the log does not say which URL to open:\n%s", srv.Log.String())
	}
	if info, err := os.Stat(filepath.Join(data, "secret.key")); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("secret.key: %v (mode %v), want a 0600 file", err, info)
	}

	t.Run("probes", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			for _, m := range []string{http.MethodGet, http.MethodHead} {
				if r := srv.Do(t, m, p, nil, ""); r.Status != http.StatusOK {
					t.Errorf("%s %s = %d %s", m, p, r.Status, r.Body)
				}
			}
		}
		if r := srv.API(t, http.MethodGet, "/api/v1/me", nil); r.Status != http.StatusOK {
			t.Fatalf("token from the CLI: /api/v1/me = %d %s", r.Status, r.Body)
		}
	})

	t.Run("metrics", func(t *testing.T) {
		for range 3 {
			srv.API(t, http.MethodGet, "/api/v1/me", nil)
		}
		srv.Do(t, http.MethodGet, "/api/v1/tokens/", nil, "bw_wrong")
		body := string(srv.Do(t, http.MethodGet, "/metrics", nil, "").Body)
		for _, want := range []*regexp.Regexp{
			regexp.MustCompile(`(?m)^bitwobbly_http_requests_total\{code="200",method="GET",route="/api/v1/me"\} [3-9]`),
			regexp.MustCompile(`(?m)^bitwobbly_http_requests_total\{code="401",method="GET",route="/api/v1/tokens"\} 1`),
			regexp.MustCompile(`(?m)^bitwobbly_http_request_duration_seconds_count\{route="/api/v1/me"\} [3-9]`),
			regexp.MustCompile(`(?m)^bitwobbly_store_write_queue_depth \d+`),
			regexp.MustCompile(`(?m)^go_goroutines \d+`),
			regexp.MustCompile(`(?m)^go_memstats_heap_alloc_bytes `),
			regexp.MustCompile(`(?m)^process_resident_memory_bytes `),
			regexp.MustCompile(`(?m)^bitwobbly_build_info\{go_version="go[0-9.]+",version="dev"\} 1$`),
		} {
			if !want.MatchString(body) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(body, `route="/api/v1/me?`) || strings.Contains(body, "bw_wrong") {
			t.Error("metrics labels carry request data")
		}
	})

	backup := filepath.Join(t.TempDir(), "copy.db")
	t.Run("backup while serving", func(t *testing.T) {
		out := srv.CLI(t, "backup", "--out", backup)
		if !strings.Contains(out, backup) {
			t.Errorf("backup said %q", out)
		}
		if r := srv.Do(t, http.MethodGet, "/readyz", nil, ""); r.Status != http.StatusOK {
			t.Errorf("readyz after backup = %d", r.Status)
		}
	})

	t.Run("SIGTERM exits 0 after an ordered stop", func(t *testing.T) {
		srv.Stop(t)
		log := srv.Log.String()
		i, j := strings.Index(log, "shutting down"), strings.Index(log, "msg=stopped")
		if i < 0 || j < i {
			t.Errorf("log lacks 'shutting down' then 'stopped':\n%s", log)
		}
	})

	t.Run("restore from the backup", func(t *testing.T) {
		restored := filepath.Join(t.TempDir(), "data")
		if err := os.MkdirAll(restored, 0o750); err != nil {
			t.Fatal(err)
		}
		copyFile(t, backup, filepath.Join(restored, "bitwobbly.db"))
		copyFile(t, filepath.Join(data, "secret.key"), filepath.Join(restored, "secret.key"))
		again := startServer(t, serverOptions{Data: restored, Fresh: true})
		if r := again.Do(t, http.MethodGet, "/api/v1/me", nil, token); r.Status != http.StatusOK {
			t.Errorf("token after restore: %d %s", r.Status, r.Body)
		}
		again.Stop(t)
	})
}

// TestSecretKeyFromFile starts the server with BITWOBBLY_SECRET_KEY_FILE:
// no key is generated into the data directory.
func TestSecretKeyFromFile(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, serverOptions{Env: []string{"BITWOBBLY_SECRET_KEY_FILE=" + keyFile}})
	if _, err := os.Stat(filepath.Join(srv.Data, "secret.key")); !os.IsNotExist(err) {
		t.Errorf("secret.key was written although a key was given: %v", err)
	}
	srv.Stop(t)
}

// TestCrashKeepsAcknowledgedWrites kills the server with SIGKILL right
// after a write was answered and finds it after a restart.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	srv := startServer(t, serverOptions{})
	out := srv.CLI(t, "token", "create", "--email", ownerEmail, "--name", "before-crash")
	token := lastLine(out)
	if r := srv.Do(t, http.MethodGet, "/api/v1/me", nil, token); r.Status != http.StatusOK {
		t.Fatalf("new token: %d", r.Status)
	}
	srv.Kill(t)
	start := time.Now()
	srv.Restart(t)
	t.Logf("ready %v after a crash", time.Since(start).Round(time.Millisecond))
	if r := srv.Do(t, http.MethodGet, "/api/v1/me", nil, token); r.Status != http.StatusOK {
		t.Errorf("token after crash and restart: %d", r.Status)
	}
	srv.Stop(t)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownFinishesInFlightRequests sends SIGTERM while a request is
// half sent: the server waits for it, answers it, then exits 0.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	srv := startServer(t, serverOptions{})
	conn, err := net.Dial("tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The CSRF check reads the whole form before answering.
	body := "email=owner%40example.com&password=x&_csrf=not-the-token"
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: %d\r\n\r\n%s", srv.Addr, len(body), body[:5])
	time.Sleep(200 * time.Millisecond)

	if err := srv.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.WaitLog(t, "shutting down", 10*time.Second)
	time.Sleep(300 * time.Millisecond)
	if !srv.running() {
		t.Fatal("the server exited with a request in flight")
	}
	if _, err := fmt.Fprint(conn, body[5:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 403") {
		t.Fatalf("in-flight request got %q, %v; want its 403 answer", status, err)
	}
	select {
	case <-srv.done:
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after the last request finished")
	}
	if srv.err != nil {
		t.Fatalf("exit: %v, want 0", srv.err)
	}
}
