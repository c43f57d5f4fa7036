package app

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const xss = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

// unsafeHTML reports markup from the payload that survived unescaped.
func unsafeHTML(body string) string {
	for _, bad := range []string{"<script>alert", "<img src=x onerror", "onerror=alert(2)>", `href="javascript:`, `src="javascript:`} {
		if strings.Contains(body, bad) {
			return bad
		}
	}
	return ""
}

// TestStatusPageXSS puts a script into every text a team member or a
// visitor controls and checks every output escapes it.
func TestStatusPageXSS(t *testing.T) {
	e := newTestEnv(t)
	page := e.apiJSON("POST", "/api/v1/status-pages", map[string]any{"slug": "xss", "title": xss, "description": xss,
		"footer_text": xss, "header_links": []map[string]string{{"label": xss, "url": "https://example.com/?q=" + url.QueryEscape(xss)}},
		"custom_css": `body{color:red} /* \3C /style> */`}, 201)
	mon := e.addMonitor(e.TeamID, xss, "up")
	comp := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": xss, "group": xss, "description": xss,
		"status_page_id": page["id"], "monitor_ids": []int64{mon}}, 201)
	md := "Hello <script>alert(1)</script> [link](javascript:alert(3)) <img src=x onerror=alert(2)> **bold**"
	inc := e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": xss, "body": md,
		"component_ids": []any{comp["id"]}}, 201)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": xss, "description": md,
		"starts_at": "2031-01-07T02:00:00Z", "ends_at": "2031-01-07T04:00:00Z", "component_ids": []any{comp["id"]}}, 201)
	e.postForm("/status/xss/subscribe", url.Values{"kind": {"email"}, "email": {xss + "@example.com"}})
	e.postForm("/status/xss/subscribe", url.Values{"kind": {"email"}, "email": {`"<script>alert(1)</script>"@example.com`}})
	e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": "http://127.0.0.1:9/" + url.PathEscape(xss)}, 201)

	paths := []string{"/status/xss", "/status/xss/incidents/" + id(inc), "/status/xss/history", "/status/xss/maintenance/1",
		"/status/xss/feed.atom", "/status/xss/feed.rss", "/status/xss/api/v2/summary.json", "/status/xss/badge.svg",
		"/status/xss/components/" + id(comp) + "/badge.svg", "/status/xss/shields.json"}
	for _, p := range paths {
		res, body := e.get(p)
		if res.StatusCode != 200 {
			t.Errorf("GET %s = %d", p, res.StatusCode)
			continue
		}
		if bad := unsafeHTML(body); bad != "" {
			t.Errorf("GET %s contains %q unescaped", p, bad)
		}
	}
	_, body := e.get("/status/xss")
	if strings.Count(body, "<style>") != 1 || strings.Contains(body, "</style> */") {
		t.Error("custom CSS escaped its style element")
	}
	if !strings.Contains(body, "<strong>bold</strong>") {
		t.Error("Markdown was not rendered")
	}

	b := e.browser(e.Email)
	for _, p := range []string{"/status-pages", "/status-pages/" + id(page), "/status-pages/incidents",
		"/status-pages/incidents/" + id(inc), "/status-pages/maintenance", "/status-pages/maintenance/1"} {
		code, body := b.get(p)
		if code != 200 {
			t.Errorf("GET %s = %d", p, code)
		}
		if bad := unsafeHTML(body); bad != "" {
			t.Errorf("dashboard %s contains %q unescaped", p, bad)
		}
	}
}

// TestPrivatePagesLeakNothing checks password and team-only pages give
// nothing away without access, and everything with it.
func TestPrivatePagesLeakNothing(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "secret")
	e.apiJSON("PATCH", "/api/v1/status-pages/1", map[string]any{"access": "password", "password": "hunter2hunter2",
		"title": "Secret Corp"}, 200)
	docs := []string{"", "/feed.atom", "/feed.rss", "/api/v2/summary.json", "/api/v2/status.json",
		"/api/v2/components.json", "/api/v2/incidents.json", "/api/v2/incidents/unresolved.json",
		"/api/v2/scheduled-maintenances.json", "/badge.svg", "/components/1/badge.svg", "/shields.json",
		"/history", "/incidents/1"}
	leaks := func(who string, get func(string) (int, string)) {
		for _, d := range docs {
			code, body := get("/status/secret" + d)
			if code == 200 {
				t.Errorf("%s: GET %s = 200", who, d)
			}
			for _, word := range []string{"Secret Corp", "API", "Website", "Core"} {
				if strings.Contains(body, word) {
					t.Errorf("%s: GET %s leaks %q", who, d, word)
				}
			}
		}
	}
	anon := func(p string) (int, string) { res, b := e.get(p); return res.StatusCode, b }
	leaks("anonymous", anon)
	if code, _ := e.postForm("/status/secret/access", url.Values{"password": {"wrong"}}); code != http.StatusUnauthorized {
		t.Errorf("wrong password = %d, want 401", code)
	}
	if code, _ := e.postForm("/status/secret/subscribe", url.Values{"email": {"a@example.com"}}); code != http.StatusNotFound {
		t.Errorf("subscribe to a private page = %d, want 404", code)
	}

	visitor := e.browser("")
	code, _ := visitor.post("/status/secret/access", url.Values{"password": {"hunter2hunter2"}})
	if code != http.StatusSeeOther {
		t.Fatalf("right password = %d, want 303", code)
	}
	for _, d := range docs[:6] {
		if code, body := visitor.get("/status/secret" + d); code != 200 || !strings.Contains(body, "Secret Corp") {
			t.Errorf("with the password: GET %s = %d", d, code)
		}
	}

	// Team only: signed-in members see it, others do not.
	e.apiJSON("PATCH", "/api/v1/status-pages/1", map[string]any{"access": "team"}, 200)
	leaks("password cookie on a team page", func(p string) (int, string) { return visitor.get(p) })
	e.newOwner("outsider@example.com")
	outsider := e.browser("outsider@example.com")
	leaks("another team", func(p string) (int, string) { return outsider.get(p) })
	member := e.browser(e.Email)
	if code, body := member.get("/status/secret"); code != 200 || !strings.Contains(body, "Secret Corp") {
		t.Errorf("team member: %d", code)
	}
}

// TestCustomDomain serves a page for its host name without touching the
// dashboard on the main host.
func TestCustomDomain(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "acme")
	e.apiJSON("PATCH", "/api/v1/status-pages/1", map[string]any{"custom_domain": "status.acme.test"}, 200)
	get := func(host, path string) (int, string) {
		req, _ := http.NewRequest("GET", e.URL+path, nil)
		req.Host = host
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("status.acme.test", "/"); code != 200 || !strings.Contains(body, "Acme Cloud") ||
		!strings.Contains(body, `href="/feed.atom"`) {
		t.Errorf("custom domain root: %d", code)
	}
	if code, body := get("status.acme.test:443", "/api/v2/status.json"); code != 200 || !strings.Contains(body, "indicator") {
		t.Errorf("custom domain JSON: %d %s", code, body)
	}
	if code, _ := get("status.acme.test", "/settings"); code != http.StatusNotFound {
		t.Errorf("dashboard route on the custom domain = %d, want 404", code)
	}
	if code, _ := get(strings.TrimPrefix(e.URL, "http://"), "/login"); code != 200 {
		t.Errorf("dashboard on the main host = %d", code)
	}
	code, raw := e.api("POST", "/api/v1/status-pages", map[string]any{"slug": "other", "title": "x",
		"custom_domain": "status.acme.test"})
	if code != http.StatusConflict || !strings.Contains(string(raw), `"field":"custom_domain"`) {
		t.Errorf("duplicate domain = %d %s", code, raw)
	}
	// A custom domain serves its own page only.
	seedPage(e, "secret")
	if code, _ := get("status.acme.test", "/status/secret"); code != http.StatusNotFound {
		t.Errorf("another page under the custom domain = %d, want 404", code)
	}
	if code, _ := get("status.acme.test", "/status/acme"); code != 200 {
		t.Errorf("own page by slug under the custom domain = %d, want 200", code)
	}
}

func TestCustomDomainCannotBeTheInstanceHost(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.BaseURL = "http://bw.example.test" })
	seedPage(e, "acme")
	code, raw := e.api("PATCH", "/api/v1/status-pages/1", map[string]any{"custom_domain": "bw.example.test"})
	if code != http.StatusBadRequest || !strings.Contains(string(raw), `"field":"custom_domain"`) {
		t.Fatalf("own host as custom domain = %d %s, want 400", code, raw)
	}
	b := e.browser(e.Email)
	code, _ = b.post("/status-pages/1", url.Values{"slug": {"acme"}, "title": {"Acme"}, "custom_domain": {"BW.example.test"}})
	if code == http.StatusSeeOther {
		t.Fatal("the form saved the instance's own host as a custom domain")
	}
	req, _ := http.NewRequest("GET", e.URL+"/login", nil)
	req.Host = "bw.example.test"
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign-in page on the instance host = %d", res.StatusCode)
	}
}
