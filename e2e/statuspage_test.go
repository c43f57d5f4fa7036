package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// seedStatusPage builds a realistic page through the REST API: grouped
// components (one linked to a manual monitor), an open incident, a
// resolved one and upcoming maintenance.
func seedStatusPage(t *testing.T, srv *server) {
	t.Helper()
	must := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		r := srv.API(t, method, path, body)
		if r.Status != want {
			t.Fatalf("%s %s = %d: %s", method, path, r.Status, r.Body)
		}
		return r.Map(t)
	}
	must("POST", "/api/v1/status-pages", map[string]any{"slug": "acme", "title": "Acme Cloud",
		"description": "Live status of the Acme platform.", "brand_color": "#0f766e",
		"header_links": []map[string]string{{"label": "Website", "url": "https://acme.example"}},
		"footer_text":  "Questions? support@acme.example"}, 201)
	mon := must("POST", "/api/v1/monitors", map[string]any{"name": "api health", "type": "manual"}, 201)
	comps := []map[string]any{}
	for _, c := range []map[string]any{
		{"name": "API", "group": "Platform", "description": "REST and GraphQL", "monitor_ids": []any{mon["id"]}},
		{"name": "Dashboard", "group": "Platform"},
		{"name": "Database", "group": "Data"},
		{"name": "Backups", "group": "Data"},
		{"name": "Website"},
	} {
		c["status_page_id"] = 1
		comps = append(comps, must("POST", "/api/v1/components", c, 201))
	}
	old := must("POST", "/api/v1/incidents", map[string]any{"title": "Slow logins", "impact": "minor",
		"body": "Logins take several seconds.", "component_ids": []any{comps[1]["id"]}}, 201)
	must("POST", "/api/v1/incidents/"+jsonID(old)+"/updates", map[string]any{"status": "resolved",
		"body": "A cache warm-up fixed it."}, 201)
	must("POST", "/api/v1/incidents", map[string]any{"title": "Elevated API error rates", "impact": "major",
		"status": "identified", "body": "A faulty deploy; we are **rolling back**.\n\n- EU customers affected\n- US unaffected",
		"component_ids": []any{comps[0]["id"]}}, 201)
	must("POST", "/api/v1/maintenance", map[string]any{"title": "Database upgrade",
		"description": "Postgres upgrade; expect short read-only periods.", "starts_at": "2031-01-07T02:00:00Z",
		"ends_at": "2031-01-07T04:00:00Z", "component_ids": []any{comps[2]["id"]}}, 201)
}

func jsonID(m map[string]any) string {
	f, _ := m["id"].(float64)
	return strconv.FormatInt(int64(f), 10)
}

// TestStatusPageScreens renders the public page at desktop and phone
// widths, in dark mode and without JavaScript, and the dashboard screens
// of the area, saving screenshots under e2e/artifacts.
func TestStatusPageScreens(t *testing.T) {
	srv := startServer(t, serverOptions{})
	seedStatusPage(t, srv)

	for _, o := range []struct {
		name string
		opt  browserOptions
	}{
		{"public-1280", browserOptions{Width: 1280, Height: 900}},
		{"public-390", browserOptions{Width: 390, Height: 844}},
		{"public-nojs", browserOptions{Width: 1280, Height: 900, NoJS: true}},
		{"public-dark-390", browserOptions{Width: 390, Height: 844, Dark: true}},
	} {
		t.Run(o.name, func(t *testing.T) {
			b := newBrowser(t, o.opt)
			b.Open(t, srv.URL+"/status/acme")
			banner := get(t, b, chromedp.Text(chromedp.CSS("h1")))
			if !strings.Contains(banner, "Partial System Outage") {
				t.Errorf("banner %q", banner)
			}
			text := get(t, b, chromedp.Text(chromedp.CSS("main")))
			for _, want := range []string{"Elevated API error rates", "rolling back", "Platform", "Website",
				"Database upgrade", "uptime"} {
				if !strings.Contains(text, want) {
					t.Errorf("page text lacks %q", want)
				}
			}
			overflow := get(t, b, chromedp.Evaluate[bool](
				"document.documentElement.scrollWidth > document.documentElement.clientWidth"))
			if overflow {
				t.Error("the page scrolls sideways")
			}
			if v := b.CSPViolations(); len(v) > 0 {
				t.Errorf("CSP violations: %v", v)
			}
			b.Screenshot(t, o.name)
			if o.name == "public-1280" {
				b.Run(t, chromedp.Click(chromedp.CSS("[data-sp-theme]")))
				theme := get(t, b, chromedp.Evaluate[string]("document.documentElement.getAttribute('data-theme')"))
				b.Open(t, srv.URL+"/status/acme")
				again := get(t, b, chromedp.Evaluate[string]("document.documentElement.getAttribute('data-theme')"))
				if theme != "dark" || again != "dark" {
					t.Errorf("theme toggle: %q, after reload %q; want dark both times", theme, again)
				}
				b.Screenshot(t, "public-1280-dark")
			}
		})
	}

	t.Run("incident", func(t *testing.T) {
		b := newBrowser(t, browserOptions{Width: 390, Height: 844})
		b.Open(t, srv.URL+"/status/acme/incidents/1")
		if txt := get(t, b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(txt, "A cache warm-up fixed it.") {
			t.Errorf("incident page: %q", txt)
		}
		b.Screenshot(t, "incident-390")
		b.Open(t, srv.URL+"/status/acme/history")
		b.Screenshot(t, "history-390")
	})

	t.Run("dashboard", func(t *testing.T) {
		b := newBrowser(t, browserOptions{Width: 1280, Height: 900})
		b.SignIn(t, srv, ownerEmail, ownerPassword)
		for _, p := range []struct{ path, name string }{
			{"/status-pages", "pages-list"},
			{"/status-pages/1", "page-editor"},
			{"/status-pages/incidents", "incidents"},
			{"/status-pages/incidents/2", "incident-composer"},
			{"/status-pages/maintenance/new", "maintenance-new"},
		} {
			b.Open(t, srv.URL+p.path)
			if v := b.CSPViolations(); len(v) > 0 {
				t.Errorf("%s: CSP violations: %v", p.path, v)
			}
			b.Screenshot(t, p.name)
		}
	})

	t.Run("live-preview", func(t *testing.T) {
		b := newBrowser(t, browserOptions{Width: 1280, Height: 900})
		b.SignIn(t, srv, ownerEmail, ownerPassword)
		b.Open(t, srv.URL+"/status-pages/1")
		b.Run(t, chromedp.SendKeys(chromedp.CSS("#f-title"), "Draft "))
		var text string
		for i := 0; i < 40 && !strings.Contains(text, "Draft"); i++ {
			b.Run(t, chromedp.Sleep(250*time.Millisecond))
			text = get(t, b, chromedp.Evaluate[string](
				`(document.querySelector('iframe[name="sp-preview-frame"]').contentDocument.body || {}).innerText || ""`))
		}
		if !strings.Contains(text, "Draft") {
			t.Errorf("the preview did not follow the typed title: %q", text)
		}
		b.Screenshot(t, "live-preview")
		r := srv.API(t, "GET", "/api/v1/status-pages/1", nil)
		if strings.Contains(string(r.Body), "Draft") {
			t.Error("previewing saved the page")
		}
	})

	t.Run("dashboard-390", func(t *testing.T) {
		b := newBrowser(t, browserOptions{Width: 390, Height: 844})
		b.SignIn(t, srv, ownerEmail, ownerPassword)
		b.Open(t, srv.URL+"/status-pages/1")
		b.Screenshot(t, "page-editor-390")
	})
}

// TestStatusPageSubscribeWithoutJS subscribes from the page in a browser
// with JavaScript off (the form must work as plain HTML).
func TestStatusPageSubscribeWithoutJS(t *testing.T) {
	srv := startServer(t, serverOptions{})
	seedStatusPage(t, srv)
	b := newBrowser(t, browserOptions{Width: 390, Height: 844, NoJS: true})
	b.Open(t, srv.URL+"/status/acme")
	b.Run(t,
		chromedp.SendKeys(chromedp.CSS("#sub-email"), "visitor@example.com"),
		chromedp.Click(chromedp.CSS(`form.sp-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".sp-message")),
	)
	if h := get(t, b, chromedp.Text(chromedp.CSS("h1"))); h != "Check your inbox" {
		t.Errorf("after subscribing: %q", h)
	}
	r := srv.API(t, "GET", "/api/v1/status-pages/1/subscribers", nil)
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "visitor@example.com") {
		t.Errorf("subscriber not stored: %d %s", r.Status, r.Body)
	}
}
