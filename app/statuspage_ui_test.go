package app

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStatusPagesThroughForms drives the dashboard forms: page, component,
// incident with an update, maintenance (once and weekly), and errors shown
// beside their fields.
func TestStatusPagesThroughForms(t *testing.T) {
	e := newTestEnv(t)
	mon := e.addMonitor(e.TeamID, "db check", "up")
	b := e.browser(e.Email)
	page := url.Values{"title": {"Forms Inc"}, "slug": {"forms"}, "theme": {"auto"}, "timezone": {"Europe/Berlin"},
		"access": {"public"}, "header_links": {"Docs | https://docs.example"}, "auto_incidents": {"1"}}
	if code, body := b.post("/status-pages", page); code != http.StatusSeeOther {
		t.Fatalf("create page: %d %s", code, body)
	}
	bad := url.Values{"title": {"X"}, "slug": {"forms"}, "timezone": {"UTC"}, "access": {"public"}}
	if code, body := b.post("/status-pages", bad); code != http.StatusBadRequest || !strings.Contains(body, "already taken") {
		t.Errorf("duplicate slug through the form: %d", code)
	}
	bad = url.Values{"title": {"Forms Inc"}, "slug": {"forms"}, "timezone": {"UTC"}, "access": {"public"},
		"custom_css": {"a{}</style>"}}
	if code, body := b.post("/status-pages/1", bad); code != http.StatusBadRequest || !strings.Contains(body, "close the style element") {
		t.Errorf("CSS breaking out through the form: %d", code)
	}
	comp := url.Values{"name": {"Database"}, "group": {"Data"}, "monitor_ids": {itoa(mon)}, "show_uptime": {"1"}}
	if code, _ := b.post("/status-pages/1/components", comp); code != http.StatusSeeOther {
		t.Fatalf("add component: %d", code)
	}
	inc := url.Values{"title": {"Replica lag"}, "status": {"investigating"}, "impact": {"major"},
		"component_ids": {"1"}, "body": {"Replicas are *behind*."}}
	if code, body := b.post("/status-pages/incidents", inc); code != http.StatusSeeOther {
		t.Fatalf("open incident: %d %s", code, body)
	}
	upd := url.Values{"status": {"resolved"}, "impact": {"major"}, "component_ids": {"1"}, "body": {"Caught up."}}
	if code, _ := b.post("/status-pages/incidents/1/updates", upd); code != http.StatusSeeOther {
		t.Fatalf("post update: %d", code)
	}
	got := e.apiJSON("GET", "/api/v1/incidents/1", nil, 200)
	if got["status"] != "resolved" || len(got["updates"].([]any)) != 2 || got["resolved_at"] == nil {
		t.Errorf("incident after the update: %v", got)
	}
	once := url.Values{"title": {"Failover test"}, "kind": {"once"}, "timezone": {"Europe/Berlin"},
		"starts_at": {"2031-03-01T10:00"}, "ends_at": {"2031-03-01T11:00"}, "monitor_ids": {itoa(mon)}, "component_ids": {"1"}}
	if code, body := b.post("/status-pages/maintenance", once); code != http.StatusSeeOther {
		t.Fatalf("schedule once: %d %s", code, body)
	}
	m := e.apiJSON("GET", "/api/v1/maintenance/1", nil, 200)
	if m["starts_at"] != "2031-03-01T09:00:00Z" {
		t.Errorf("Berlin 10:00 stored as %v, want 09:00 UTC", m["starts_at"])
	}
	weekly := url.Values{"title": {"Backups"}, "kind": {"recurring"}, "timezone": {"UTC"}, "weekdays": {"0", "3"},
		"start_time": {"03:00"}, "duration_minutes": {"45"}}
	if code, body := b.post("/status-pages/maintenance", weekly); code != http.StatusSeeOther {
		t.Fatalf("schedule weekly: %d %s", code, body)
	}
	if w := e.apiJSON("GET", "/api/v1/maintenance/2", nil, 200); w["weekdays"] != float64(1|8) {
		t.Errorf("weekdays = %v, want 9", w["weekdays"])
	}
	weekly.Del("weekdays")
	if code, body := b.post("/status-pages/maintenance", weekly); code != http.StatusBadRequest ||
		!strings.Contains(body, "weekday") {
		t.Errorf("weekly without days: %d", code)
	}
	for _, p := range []string{"/status-pages", "/status-pages/1", "/status-pages/incidents", "/status-pages/incidents/1",
		"/status-pages/maintenance", "/status-pages/maintenance/1", "/status-pages/maintenance/new", "/status-pages/new",
		"/status-pages/incidents/new", "/"} {
		if code, _ := b.get(p); code != 200 {
			t.Errorf("GET %s = %d", p, code)
		}
	}
	if _, body := b.get("/"); !strings.Contains(body, `href="/status-pages"><div class="label">Status pages</div><div class="value">1<`) {
		t.Error("the overview does not count the status page")
	}
	code, csv := b.get("/status-pages/1/subscribers.csv")
	if code != 200 || !strings.HasPrefix(csv, "id,kind,target") {
		t.Errorf("CSV export: %d %q", code, csv)
	}
	if code, _ := b.post("/status-pages/1/delete", nil); code != http.StatusSeeOther {
		t.Errorf("delete page: %d", code)
	}
	if res, _ := e.get("/status/forms"); res.StatusCode != http.StatusNotFound {
		t.Errorf("deleted page still answers %d", res.StatusCode)
	}
}

// TestMaintenanceListCountsInSingular: one monitor and one component are
// not "1 monitors · 1 components".
func TestMaintenanceListCountsInSingular(t *testing.T) {
	e := newTestEnv(t)
	_, mon, comps := seedPage(e, "acme")
	start := "2030-01-07T02:00:00Z"
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "One each", "starts_at": start,
		"ends_at": "2030-01-07T03:00:00Z", "monitor_ids": []int64{mon}, "component_ids": []any{comps[0]["id"]}}, 201)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Two components", "starts_at": start,
		"ends_at": "2030-01-07T03:00:00Z", "component_ids": []any{comps[0]["id"], comps[1]["id"]}}, 201)
	code, body := e.browser(e.Email).get("/status-pages/maintenance")
	if code != http.StatusOK {
		t.Fatalf("maintenance list: %d", code)
	}
	for _, want := range []string{"1 monitor · 1 component<", "0 monitors · 2 components<"} {
		if !strings.Contains(body, want) {
			t.Errorf("maintenance list lacks %q", want)
		}
	}
}
