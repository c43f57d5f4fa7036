package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bitwobbly/bitwobbly/e2e/sdkgo"
)

// sentryProject creates a project through the API; it answers its id and DSN.
func sentryProject(t *testing.T, srv *server, name string) (int64, string) {
	t.Helper()
	r := srv.API(t, "POST", "/api/v1/projects", map[string]any{"name": name})
	if r.Status != 201 {
		t.Fatalf("create project: %d %s", r.Status, r.Body)
	}
	m := r.Map(t)
	return int64(m["id"].(float64)), m["dsn"].(string)
}

// projectIssues waits until the project's issues hold events events and
// answers them by id.
func projectIssues(t *testing.T, srv *server, pid int64, events int) map[string]map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := srv.API(t, "GET", fmt.Sprintf("/api/v1/issues?project=%d&limit=500", pid), nil)
		out := map[string]map[string]any{}
		total := 0
		for _, d := range r.Map(t)["data"].([]any) {
			m := d.(map[string]any)
			out[fmt.Sprint(m["id"])] = m
			total += int(m["event_count"].(float64))
		}
		if total >= events {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("project %d has %d events after 30 s, want %d: %v", pid, total, events, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// assertSDKIssues checks the issues made by the fixed set every SDK
// script sends: a lookup error twice (two users), a parse error, a
// message twice with other numbers, and two errors under one fingerprint.
func assertSDKIssues(t *testing.T, issues map[string]map[string]any, lookupPrefix string) {
	t.Helper()
	if len(issues) != 4 {
		t.Fatalf("got %d issues, want 4: %v", len(issues), issueTitles(issues))
	}
	var lookup, payment map[string]any
	for _, m := range issues {
		title := m["title"].(string)
		if strings.HasPrefix(title, lookupPrefix) && m["user_count"].(float64) == 2 {
			lookup = m
		}
		if strings.HasPrefix(title, "Payment ") {
			payment = m
		}
	}
	if lookup == nil || lookup["event_count"].(float64) != 2 {
		t.Errorf("no %q issue with 2 events and 2 users: %v", lookupPrefix, issues)
	}
	if payment == nil || payment["event_count"].(float64) != 2 || payment["level"] != "warning" {
		t.Errorf("no Payment issue with 2 warning events: %v", issues)
	}
}

func issueTitles(m map[string]map[string]any) []string {
	var out []string
	for _, v := range m {
		out = append(out, v["title"].(string))
	}
	return out
}

// releaseSessions waits until the project's release has sessions.
func releaseSessions(t *testing.T, srv *server, pid int64, release string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := srv.API(t, "GET", fmt.Sprintf("/api/v1/projects/%d/releases", pid), nil)
		for _, d := range r.Map(t)["data"].([]any) {
			m := d.(map[string]any)
			if m["version"] == release && m["sessions"].(float64) >= 1 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no sessions for release %s: %s", release, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestSentryGoSDK(t *testing.T) {
	srv := startServer(t, serverOptions{})
	pid, dsn := sentryProject(t, srv, "go")
	if err := sdkgo.Send(dsn); err != nil {
		t.Fatal(err)
	}
	assertSDKIssues(t, projectIssues(t, srv, pid, 7), "*sdkgo.LookupError")
}

func TestSentryNodeSDK(t *testing.T) {
	node := requireTool(t, "node")
	dir, _ := filepath.Abs("node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@sentry", "node")); err != nil {
		if inCI() {
			t.Fatalf("e2e/node/node_modules is missing; run npm ci --prefix e2e/node")
		}
		t.Skip("e2e/node/node_modules is missing; run npm ci --prefix e2e/node")
	}
	srv := startServer(t, serverOptions{})
	pid, dsn := sentryProject(t, srv, "node")
	cmd := exec.Command(node, "send.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SENTRY_DSN="+dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node send.js: %v\n%s", err, out)
	}
	assertSDKIssues(t, projectIssues(t, srv, pid, 7), "LookupError")
	releaseSessions(t, srv, pid, "node-app@1.0.0")
}

func TestSentryPythonSDK(t *testing.T) {
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import sentry_sdk").Run(); err != nil {
		if inCI() {
			t.Fatalf("%s with python3-sentry-sdk is required in CI: %v", python, err)
		}
		t.Skipf("%s with python3-sentry-sdk not available: %v", python, err)
	}
	srv := startServer(t, serverOptions{})
	pid, dsn := sentryProject(t, srv, "python")
	cmd := exec.Command(python, "send.py")
	cmd.Dir = "python"
	cmd.Env = append(os.Environ(), "SENTRY_DSN="+dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python3 send.py: %v\n%s", err, out)
	}
	assertSDKIssues(t, projectIssues(t, srv, pid, 7), "LookupFailed")
	releaseSessions(t, srv, pid, "py-app@1.0.0")
	metrics := srv.Do(t, "GET", "/metrics", nil, "")
	if !strings.Contains(string(metrics.Body), `route="/api/:project_id/store/"`) {
		t.Error("the Python SDK did not use the legacy store endpoint")
	}
}

// browserPage is a page on another origin that loads @sentry/browser from
// e2e/node/node_modules through an import map and reports errors.
const browserPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>shop</title>
<script type="importmap">{"imports":{
"@sentry/browser":"/m/@sentry/browser/build/npm/esm/index.js",
"@sentry/core":"/m/@sentry/core/build/esm/index.js",
"@sentry-internal/browser-utils":"/m/@sentry-internal/browser-utils/build/esm/index.js",
"@sentry-internal/feedback":"/m/@sentry-internal/feedback/build/npm/esm/index.js",
"@sentry-internal/replay":"/m/@sentry-internal/replay/build/npm/esm/index.js",
"@sentry-internal/replay-canvas":"/m/@sentry-internal/replay-canvas/build/npm/esm/index.js"}}</script>
<script type="module">
import * as Sentry from "@sentry/browser";
Sentry.init({dsn: "%s", release: "web@2.0.0", environment: "e2e", defaultIntegrations: false});
Sentry.setUser({id: "browser-user"});
function renderCart(items) { return items.map((i) => i.price.amount); }
try { renderCart([{}]); } catch (e) { Sentry.captureException(e); }
try { renderCart([{}, {}]); } catch (e) { Sentry.captureException(e); }
Sentry.captureMessage("Checkout button clicked twice");
await Sentry.flush(5000);
document.title = "sent";
</script></head><body><h1>shop</h1></body></html>`

func TestSentryBrowserSDK(t *testing.T) {
	requireTool(t, "chromium")
	mods, _ := filepath.Abs(filepath.Join("node", "node_modules"))
	if _, err := os.Stat(filepath.Join(mods, "@sentry", "browser")); err != nil {
		if inCI() {
			t.Fatalf("e2e/node/node_modules is missing; run npm ci --prefix e2e/node")
		}
		t.Skip("e2e/node/node_modules is missing")
	}
	srv := startServer(t, serverOptions{})
	pid, dsn := sentryProject(t, srv, "web")
	mux := http.NewServeMux()
	mux.Handle("/m/", http.StripPrefix("/m/", http.FileServer(http.Dir(mods))))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, browserPage, dsn)
	})
	site := httptest.NewServer(mux)
	defer site.Close()

	b := newBrowser(t, browserOptions{})
	b.Open(t, site.URL)
	b.Run(t, chromedp.Poll[chromedp.Void](`document.title === "sent"`, chromedp.WithPollingTimeout(20*time.Second)))
	issues := projectIssues(t, srv, pid, 3)
	if len(issues) != 2 {
		t.Fatalf("got issues %v, want a TypeError and a message; console: %v", issueTitles(issues), b.Console())
	}
	for _, m := range issues {
		if strings.HasPrefix(m["title"].(string), "TypeError") && m["event_count"].(float64) != 2 {
			t.Errorf("TypeError issue has %v events, want 2", m["event_count"])
		}
	}
}
