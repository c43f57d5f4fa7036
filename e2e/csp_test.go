package e2e

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCSPIsSatisfiedByTheDashboard signs in and visits every dashboard
// page reachable by links from the overview (GET only), in Chromium, and
// fails on any Content Security Policy violation, inline style attribute,
// uncaught script error or missing security header.
func TestCSPIsSatisfiedByTheDashboard(t *testing.T) {
	srv := startServer(t, serverOptions{})
	seedAreas(t, srv)
	b := newBrowser(t, browserOptions{})
	b.SignIn(t, srv, ownerEmail, ownerPassword)

	seen := map[string]bool{}
	queue := []string{"/", "/settings"}
	for len(queue) > 0 && len(seen) < 60 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		before := len(b.Console())
		b.Open(t, srv.URL+path)
		b.Run(t, chromedp.Sleep(150*time.Millisecond))

		checkHeaders(t, srv, path)
		styled := get(t, b, chromedp.Evaluate[int]("document.querySelectorAll('[style]').length"))
		if styled > 0 {
			t.Errorf("%s: %d elements with a style attribute (the CSP refuses them)", path, styled)
		}
		for _, m := range b.Console()[before:] {
			if strings.Contains(m, "Content Security Policy") || strings.HasPrefix(m, "exception:") {
				t.Errorf("%s: %s", path, m)
			}
		}
		links := get(t, b, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))`))
		for _, l := range links {
			if p := localPage(l); p != "" && !seen[p] {
				queue = append(queue, p)
			}
		}
	}
	t.Logf("visited %d pages: %v", len(seen), keys(seen))
}

// seedAreas creates one object of each area through the public API, so the
// crawl reaches detail pages too. An area whose API refuses is only logged.
func seedAreas(t *testing.T, srv *server) {
	t.Helper()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(hook.Close)
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/monitors", map[string]any{"name": "Self", "type": "http", "url": srv.URL + "/healthz",
			"interval_seconds": 60}},
		{"/api/v1/projects", map[string]any{"name": "Web app"}},
		{"/api/v1/status-pages", map[string]any{"slug": "public", "title": "Public status"}},
		{"/api/v1/channels", map[string]any{"name": "Ops hook", "type": "webhook",
			"config": map[string]any{"url": hook.URL}}},
	} {
		if r := srv.API(t, http.MethodPost, c.path, c.body); r.Status != http.StatusCreated {
			t.Logf("seeding %s: %d %s", c.path, r.Status, r.Body)
		}
	}
}

// localPage keeps links to dashboard pages of this origin.
func localPage(href string) string {
	u, err := url.Parse(href)
	if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	for _, skip := range []string{"/static/", "/api/", "/metrics", "/healthz", "/readyz", "/status/"} {
		if strings.HasPrefix(u.Path, skip) {
			return ""
		}
	}
	if strings.HasSuffix(u.Path, ".svg") || strings.HasSuffix(u.Path, ".json") ||
		strings.HasSuffix(u.Path, ".atom") || strings.HasSuffix(u.Path, ".rss") {
		return ""
	}
	p := u.Path
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

func checkHeaders(t *testing.T, srv *server, path string) {
	t.Helper()
	r := srv.Do(t, http.MethodGet, path, nil, "")
	for h, want := range map[string]string{
		"Content-Security-Policy": "script-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
	} {
		if !strings.Contains(r.Header.Get(h), want) {
			t.Errorf("%s: %s = %q, want %q", path, h, r.Header.Get(h), want)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCSPViolationsAreSeen proves the collector: a page that breaks its own
// policy with an inline script and a style attribute is reported.
func TestCSPViolationsAreSeen(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'")
		io.WriteString(w, `<!doctype html><p style="color:red">x</p><script>document.title="ran"</script>`)
	}))
	defer page.Close()
	b := newBrowser(t, browserOptions{})
	b.Open(t, page.URL)
	deadline := time.Now().Add(5 * time.Second)
	for len(b.CSPViolations()) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := b.CSPViolations(); len(got) < 2 {
		t.Fatalf("violations seen: %q, want the inline script and the style attribute", got)
	}
	if title := get(t, b, chromedp.Title()); title == "ran" {
		t.Error("the inline script ran")
	}
}
