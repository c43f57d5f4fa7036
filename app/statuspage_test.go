package app

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bitwobbly/bitwobbly/store"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files under testdata/")

// addMonitor inserts a monitor row directly (the monitoring area owns the
// real API) with a status.
func (e *testEnv) addMonitor(teamID int64, name, status string) int64 {
	e.t.Helper()
	var id int64
	now := store.Now()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO monitors(team_id, name, type, target, status, created_at, updated_at)
			VALUES (?, ?, 'manual', '', ?, ?, ?)`, teamID, name, status, now, now)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *testEnv) setMonitorStatus(id int64, status string) {
	e.t.Helper()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE monitors SET status=?, status_changed_at=? WHERE id=?`, status, store.Now(), id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// get fetches a public URL without credentials.
func (e *testEnv) get(path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func id(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }

// seedPage makes a page with two grouped components, one linked to a
// monitor, an open incident and an upcoming maintenance.
func seedPage(e *testEnv, slug string) (page map[string]any, mon int64, comps []map[string]any) {
	e.t.Helper()
	page = e.apiJSON("POST", "/api/v1/status-pages", map[string]any{"slug": slug, "title": "Acme Cloud",
		"description": "Live status of Acme's services."}, 201)
	mon = e.addMonitor(e.TeamID, "api health", "up")
	api := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": "API", "status_page_id": page["id"],
		"group": "Core", "monitor_ids": []int64{mon}}, 201)
	web := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": "Website", "status_page_id": page["id"],
		"group": "Core"}, 201)
	return page, mon, []map[string]any{api, web}
}

// normalise replaces what changes from run to run (times, the test
// server's port) so documents compare with golden files.
func normalise(s, base string) string {
	s = strings.ReplaceAll(s, base, "http://HOST")
	for _, r := range []struct{ re, to string }{
		{`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})`, "TIME"},
		{`[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [+-][0-9]{4}`, "DATE"},
		{`([A-Z][a-z]{2} )?[A-Z][a-z]{2} [0-9]{1,2}, [0-9]{2}:[0-9]{2}( [A-Z]{3})?`, "WHEN"},
		{`[0-9]{4}-[0-9]{2}-[0-9]{2}`, "DAY"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.to)
	}
	return s
}

// golden compares got with testdata/statuspage/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "statuspage", name)
	if *updateGolden {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from golden (-want +got):\n%s", name, diff)
	}
}

// seedFull adds to seedPage a resolved incident with two updates, an open
// one and a maintenance window in two days.
func seedFull(e *testEnv) {
	e.t.Helper()
	_, _, comps := seedPage(e, "acme")
	old := e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Slow logins", "impact": "minor",
		"body": "Logins take *seconds*.", "component_ids": []any{comps[1]["id"]}}, 201)
	e.apiJSON("POST", "/api/v1/incidents/"+id(old)+"/updates", map[string]any{"status": "resolved",
		"body": "Fixed by a cache warm-up."}, 201)
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Elevated API errors", "impact": "major",
		"status": "identified", "body": "A bad deploy; **rolling back**.", "component_ids": []any{comps[0]["id"]}}, 201)
	start := time.Date(2031, 1, 7, 2, 0, 0, 0, time.UTC)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Database upgrade", "description": "Read-only for a while.",
		"starts_at": start, "ends_at": start.Add(2 * time.Hour), "component_ids": []any{comps[1]["id"]}}, 201)
}

// TestStatusPageGolden checks the Statuspage v2 documents, the feeds and
// the Shields endpoint against golden files.
func TestStatusPageGolden(t *testing.T) {
	e := newTestEnv(t)
	seedFull(e)
	docs := []struct{ path, file string }{
		{"/status/acme/api/v2/summary.json", "summary.json"},
		{"/status/acme/api/v2/status.json", "status.json"},
		{"/status/acme/api/v2/components.json", "components.json"},
		{"/status/acme/api/v2/incidents.json", "incidents.json"},
		{"/status/acme/api/v2/incidents/unresolved.json", "incidents-unresolved.json"},
		{"/status/acme/api/v2/scheduled-maintenances.json", "scheduled-maintenances.json"},
		{"/status/acme/api/v2/scheduled-maintenances/upcoming.json", "scheduled-maintenances-upcoming.json"},
		{"/status/acme/api/v2/scheduled-maintenances/active.json", "scheduled-maintenances-active.json"},
		{"/status/acme/feed.atom", "feed.atom"},
		{"/status/acme/feed.rss", "feed.rss"},
		{"/status/acme/shields.json", "shields.json"},
		{"/status/acme/badge.svg", "badge.svg"},
	}
	for _, d := range docs {
		t.Run(d.file, func(t *testing.T) {
			res, body := e.get(d.path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", res.StatusCode, body)
			}
			golden(t, d.file, normalise(body, e.URL))
		})
	}
}

// TestStatusPageContent checks what the HTML page says for a seeded page.
func TestStatusPageContent(t *testing.T) {
	e := newTestEnv(t)
	seedFull(e)
	res, body := e.get("/status/acme")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{"Acme Cloud", "Partial System Outage", "Elevated API errors", "<strong>rolling back</strong>",
		"Scheduled maintenance", "Database upgrade", ">Core<", "API", "Website", "uptime", "/status/acme/feed.atom"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, ">Slow logins</a>") {
		t.Error("a resolved incident is shown as active on the main page")
	}
	if n := len(body); n > 100_000 {
		t.Errorf("page weighs %d bytes, want under 100 KB", n)
	}
	_, inc := e.get("/status/acme/incidents/1")
	if !strings.Contains(inc, "Slow logins") || !strings.Contains(inc, "Fixed by a cache warm-up.") {
		t.Error("incident permalink lacks its title or updates")
	}
	_, hist := e.get("/status/acme/history")
	if !strings.Contains(hist, "Slow logins") || !strings.Contains(hist, "Elevated API errors") {
		t.Error("history lacks this month's incidents")
	}
	for _, p := range []string{"/status/acme/history/1999-01", "/status/acme/history/2999-01", "/status/acme/nope",
		"/status/acme/incidents/999", "/status/acme/components/999/badge.svg", "/status/nope"} {
		if res, _ := e.get(p); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
}

// TestStatusPageCaching checks identical bytes, ETag, gzip, no cookies
// and a rebuild soon after a change made outside this area.
func TestStatusPageCaching(t *testing.T) {
	e := newTestEnv(t)
	_, mon, _ := seedPage(e, "acme")
	r1, b1 := e.get("/status/acme")
	r2, b2 := e.get("/status/acme")
	if b1 != b2 {
		t.Fatal("two anonymous visitors got different bytes")
	}
	if len(r1.Header["Set-Cookie"]) != 0 {
		t.Errorf("public page sets cookies: %v", r1.Header["Set-Cookie"])
	}
	etag := r1.Header.Get("ETag")
	if etag == "" || r2.Header.Get("ETag") != etag {
		t.Fatalf("ETag %q vs %q", etag, r2.Header.Get("ETag"))
	}
	if csp := r1.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
		strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	r3, _ := e.get("/status/acme", "If-None-Match", etag)
	if r3.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", r3.StatusCode)
	}
	r4, gz := e.get("/status/acme", "Accept-Encoding", "gzip")
	if r4.Header.Get("Content-Encoding") != "gzip" || len(gz) >= len(b1) {
		t.Errorf("gzip: encoding %q, %d bytes vs %d", r4.Header.Get("Content-Encoding"), len(gz), len(b1))
	}
	// A monitor opens an incident the way the scheduler does, outside
	// this area's handlers: the page must notice by itself.
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := store.OpenMonitorIncident(context.Background(), tx, e.TeamID, mon, "api health is down",
			"connection refused", store.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, b := e.get("/status/acme")
		if strings.Contains(b, "Major Service Outage") && strings.Contains(b, "Reduced availability of API") {
			break
		}
		if time.Now().After(deadline) {
			fp, _ := e.srv.pages.db.Fingerprint(context.Background())
			t.Fatalf("page still shows the old state 5 s after the monitor went down: %s %s %s", regexp.MustCompile(`<h1>[^<]*</h1>`).FindString(b), fp, e.srv.pages.fp)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStatusPageTenancy proves another team's token sees none of it.
func TestStatusPageTenancy(t *testing.T) {
	e := newTestEnv(t)
	page, mon, comps := seedPage(e, "acme")
	inc := e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "x", "component_ids": []any{comps[0]["id"]}}, 201)
	start := time.Now().Add(time.Hour)
	m := e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "m", "starts_at": start,
		"ends_at": start.Add(time.Hour)}, 201)
	other, _, _ := e.newOwner("mallory@example.com")
	for _, p := range []string{"/api/v1/status-pages/" + id(page), "/api/v1/components/" + id(comps[0]),
		"/api/v1/incidents/" + id(inc), "/api/v1/maintenance/" + id(m), "/api/v1/status-pages/" + id(page) + "/subscribers"} {
		for _, method := range []string{"GET", "PATCH", "DELETE"} {
			if method != "GET" && strings.HasSuffix(p, "subscribers") {
				continue
			}
			var body any
			if method == "PATCH" {
				body = map[string]any{"title": "stolen"}
				if strings.Contains(p, "components") {
					body = map[string]any{"name": "stolen"}
				}
			}
			if code, raw := e.do(method, p, other, body); code != http.StatusNotFound {
				t.Errorf("%s %s by another team = %d, want 404: %s", method, p, code, raw)
			}
		}
	}
	for _, list := range []string{"/api/v1/status-pages", "/api/v1/components", "/api/v1/incidents", "/api/v1/maintenance"} {
		_, raw := e.do("GET", list, other, nil)
		if !strings.Contains(string(raw), `"data":[]`) {
			t.Errorf("%s of another team is not empty: %s", list, raw)
		}
	}
	code, raw := e.do("POST", "/api/v1/components", other, map[string]any{"name": "x", "status_page_id": page["id"],
		"monitor_ids": []int64{mon}})
	if code != http.StatusBadRequest {
		t.Errorf("component on another team's page = %d: %s", code, raw)
	}
	b := e.browser("mallory@example.com")
	if code, _ := b.get("/status-pages/" + id(page)); code != http.StatusNotFound {
		t.Errorf("UI page of another team = %d, want 404", code)
	}
	if code, _ := b.get("/status-pages/incidents/" + id(inc)); code != http.StatusNotFound {
		t.Errorf("UI incident of another team = %d, want 404", code)
	}
}

// TestStatusPageBadInput checks that bad input is a 400 or 409 naming
// the field.
func TestStatusPageBadInput(t *testing.T) {
	e := newTestEnv(t)
	page, _, _ := seedPage(e, "acme")
	scenarios := []struct {
		name, method, path string
		body               any
		code               int
		field              string
	}{
		{"duplicate slug", "POST", "/api/v1/status-pages", map[string]any{"slug": "acme", "title": "x"}, 409, "slug"},
		{"malformed slug", "POST", "/api/v1/status-pages", map[string]any{"slug": "Bad Slug!", "title": "x"}, 400, "slug"},
		{"slug with dash at end", "POST", "/api/v1/status-pages", map[string]any{"slug": "acme-", "title": "x"}, 400, "slug"},
		{"no title", "POST", "/api/v1/status-pages", map[string]any{"slug": "ok"}, 400, "title"},
		{"invalid colour", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"brand_color": "red;}"}, 400, "brand_color"},
		{"css closing style", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"custom_css": "a{}</style><script>alert(1)</script>"}, 400, "custom_css"},
		{"bad access", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"access": "secret"}, 400, "access"},
		{"password page without password", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"access": "password"}, 400, "password"},
		{"bad timezone", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"timezone": "Mars/Base"}, 400, "timezone"},
		{"javascript logo", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"logo_url": "javascript:alert(1)"}, 400, "logo_url"},
		{"unknown field", "PATCH", "/api/v1/status-pages/" + id(page), map[string]any{"colour": "#fff"}, 400, "colour"},
		{"unknown component", "POST", "/api/v1/incidents", map[string]any{"title": "x", "component_ids": []int{999}}, 400, "component_ids"},
		{"bad impact", "POST", "/api/v1/incidents", map[string]any{"title": "x", "impact": "huge"}, 400, "impact"},
		{"bad incident status", "POST", "/api/v1/incidents", map[string]any{"title": "x", "status": "fine"}, 400, "status"},
		{"unknown monitor", "POST", "/api/v1/components", map[string]any{"name": "x", "status_page_id": page["id"], "monitor_ids": []int{999}}, 400, "monitor_ids"},
		{"bad component status", "POST", "/api/v1/components", map[string]any{"name": "x", "status_page_id": page["id"], "status": "broken"}, 400, "status"},
		{"component without page", "POST", "/api/v1/components", map[string]any{"name": "x"}, 400, "status_page_id"},
		{"maintenance ends first", "POST", "/api/v1/maintenance", map[string]any{"title": "m", "starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}, 400, "ends_at"},
		{"recurring without days", "POST", "/api/v1/maintenance", map[string]any{"title": "m", "kind": "recurring", "start_time": "02:00", "duration_minutes": 30}, 400, "weekdays"},
		{"recurring bad time", "POST", "/api/v1/maintenance", map[string]any{"title": "m", "kind": "recurring", "weekdays": 1, "start_time": "25:00", "duration_minutes": 30}, 400, "start_time"},
		{"limit too big", "GET", "/api/v1/incidents?limit=501", nil, 400, "limit"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, raw := e.api(sc.method, sc.path, sc.body)
			if code != sc.code || !strings.Contains(string(raw), `"field":"`+sc.field+`"`) {
				t.Errorf("got %d %s, want %d naming %q", code, raw, sc.code, sc.field)
			}
		})
	}
}

// TestStatusPageWeight keeps a page of twelve components with 90 days of
// history (some incidents) under 100 KB.
func TestStatusPageWeight(t *testing.T) {
	e := newTestEnv(t)
	page := e.apiJSON("POST", "/api/v1/status-pages", map[string]any{"slug": "heavy", "title": "Heavy Cloud",
		"description": "Twelve components with a full history."}, 201)
	var first any
	for i := 0; i < 12; i++ {
		c := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": fmt.Sprintf("Service number %d", i+1),
			"group": fmt.Sprintf("Region %d", i/4+1), "status_page_id": page["id"]}, 201)
		if i == 0 {
			first = c["id"]
		}
	}
	for i := 0; i < 5; i++ {
		e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": fmt.Sprintf("Elevated error rates %d", i),
			"status": "resolved", "component_ids": []any{first}}, 201)
	}
	old := store.Now() - 100*24*3600*1000
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE components SET created_at=?`, old); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE incidents SET started_at = started_at - id*86400000*7,
			resolved_at = started_at - id*86400000*7 + 3600000`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.pages.changed(context.Background())
	_, body := e.get("/status/heavy")
	if !strings.Contains(body, "Elevated error rates 3") {
		t.Fatal("history lacks the backdated incidents")
	}
	if n := len(body); n > 100_000 {
		t.Errorf("page weighs %d bytes, want under 100 KB", n)
	} else {
		t.Logf("page weighs %d bytes", n)
	}
}

// TestPagePreviewShowsUnsavedChanges renders the editor's draft without
// saving it.
func TestPagePreviewShowsUnsavedChanges(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "acme")
	b := e.browser(e.Email)
	form := url.Values{"title": {"Draft Title"}, "slug": {"acme"}, "theme": {"dark"}, "timezone": {"UTC"},
		"access": {"public"}, "brand_color": {"#112233"}}
	code, body := b.post("/status-pages/1/preview", form)
	if code != 200 || !strings.Contains(body, "Draft Title") || !strings.Contains(body, "--brand:#112233") {
		t.Fatalf("preview: %d", code)
	}
	if _, page := e.get("/status/acme"); strings.Contains(page, "Draft Title") {
		t.Error("the preview changed the published page")
	}
	form.Set("brand_color", "red")
	if code, body := b.post("/status-pages/1/preview", form); code != 200 || !strings.Contains(body, "Cannot preview yet") {
		t.Errorf("invalid draft: %d", code)
	}
}

// TestStatusPageMetrics counts requests and builds: repeated requests are
// answered from the cache.
func TestStatusPageMetrics(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "acme")
	for i := 0; i < 5; i++ {
		e.get("/status/acme")
	}
	_, m := e.get("/metrics")
	req := regexp.MustCompile(`(?m)^bitwobbly_statuspage_requests_total ([0-9]+)`).FindStringSubmatch(m)
	bld := regexp.MustCompile(`(?m)^bitwobbly_statuspage_builds_total ([0-9]+)`).FindStringSubmatch(m)
	if req == nil || bld == nil || req[1] != "5" || (bld[1] != "1" && bld[1] != "2") {
		t.Errorf("requests %v builds %v, want 5 requests and 1 build (2 if a change notice raced)", req, bld)
	}
}

// TestStatusPageLatencyChart draws a component's response times from the
// monitoring rollups when the component asks for it.
func TestStatusPageLatencyChart(t *testing.T) {
	e := newTestEnv(t)
	_, mon, comps := seedPage(e, "acme")
	hour := time.Now().Truncate(time.Hour)
	var rs []store.Rollup
	for i := 1; i <= 6; i++ {
		rs = append(rs, store.Rollup{MonitorID: mon, Res: 3600, Bucket: hour.Add(-time.Duration(i) * time.Hour).UnixMilli(),
			Checks: 60, LatencyP50: int64(100 + 20*i), LatencyP95: 300, LatencyMax: 400})
	}
	if err := e.store.UpsertRollups(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	if _, body := e.get("/status/acme"); strings.Contains(body, "sp-latency") {
		t.Fatal("chart shown without being asked for")
	}
	got := e.apiJSON("PATCH", "/api/v1/components/"+id(comps[0]), map[string]any{"show_latency": true}, 200)
	if got["show_latency"] != true {
		t.Fatalf("show_latency = %v", got["show_latency"])
	}
	_, body := e.get("/status/acme")
	if !strings.Contains(body, `class="sp-latency"`) || !strings.Contains(body, "latest 120 ms") ||
		!strings.Contains(body, "<polyline points=") {
		t.Error("the page lacks the response-time chart")
	}
}

// TestMaintenanceStartsAndEndsOnTime: with no other change, the cached
// page shows a window as scheduled, then in progress, then gone.
func TestMaintenanceStartsAndEndsOnTime(t *testing.T) {
	e := newTestEnv(t)
	_, _, comps := seedPage(e, "acme")
	start := time.Now().Add(1500 * time.Millisecond)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Router swap", "starts_at": start,
		"ends_at": start.Add(1500 * time.Millisecond), "component_ids": []any{comps[1]["id"]}}, 201)
	want := func(what string, ok func(string) bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, b := e.get("/status/acme/api/v2/summary.json")
			if ok(b) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %s", what, b)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	want("scheduled first", func(b string) bool { return strings.Contains(b, `"status": "scheduled"`) })
	want("in progress at its start", func(b string) bool {
		return strings.Contains(b, `"status": "in_progress"`) && strings.Contains(b, `"under_maintenance"`)
	})
	want("gone after its end", func(b string) bool { return !strings.Contains(b, "Router swap") })
}

// TestAutoIncidentOnPageWithHumanUpdate: a monitor's incident shows on
// the page of the component linking it (per page setting) and takes a
// person's update.
func TestAutoIncidentOnPageWithHumanUpdate(t *testing.T) {
	e := newTestEnv(t)
	_, mon, _ := seedPage(e, "acme")
	var incID int64
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		var err error
		incID, err = store.OpenMonitorIncident(context.Background(), tx, e.TeamID, mon, "api health is down",
			"HTTP 502 from upstream", store.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/incidents/" + itoa(incID)
	got := e.apiJSON("POST", path+"/updates", map[string]any{"status": "identified",
		"body": "The upstream proxy restarted; **recovering**."}, 201)
	if got["source"] != "monitor" || len(got["updates"].([]any)) != 2 {
		t.Fatalf("after the update: %v", got)
	}
	spWaitFor(t, "the page to show the update", func() bool {
		_, b := e.get("/status/acme")
		return strings.Contains(b, "Reduced availability of API") && strings.Contains(b, "<strong>recovering</strong>")
	})
	e.apiJSON("PATCH", "/api/v1/status-pages/1", map[string]any{"show_auto_incidents": false}, 200)
	if _, b := e.get("/status/acme"); strings.Contains(b, ">Reduced availability of API<") {
		t.Error("the page shows monitor incidents although it was told not to")
	}
}

// TestStatusPageTitleEndingInStatus: a page titled "… Status" is not
// called "… Status status" in the tab, the history page or the feeds.
func TestStatusPageTitleEndingInStatus(t *testing.T) {
	e := newTestEnv(t)
	e.apiJSON("POST", "/api/v1/status-pages", map[string]any{"slug": "acme", "title": "Acme Status"}, 201)
	for _, path := range []string{"/status/acme", "/status/acme/history", "/status/acme/feed.rss", "/status/acme/feed.atom"} {
		_, b := e.get(path)
		if strings.Contains(strings.ToLower(b), "status status") {
			t.Errorf("%s doubles the word status", path)
		}
		if !strings.Contains(b, "Acme Status") {
			t.Errorf("%s lacks the title", path)
		}
	}
}

// TestCompletedMaintenanceStays: a one-time window that has ended stays in
// the history, both feeds and scheduled-maintenances.json (as completed),
// and its permalink keeps working.
func TestCompletedMaintenanceStays(t *testing.T) {
	e := newTestEnv(t)
	_, _, comps := seedPage(e, "acme")
	start := time.Now().Add(-2 * time.Hour)
	m := e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Router swap", "starts_at": start,
		"ends_at": start.Add(time.Hour), "component_ids": []any{comps[1]["id"]}}, 201)
	resp, b := e.get("/status/acme/maintenance/" + id(m))
	if resp.StatusCode != 200 || !strings.Contains(b, "Router swap") || !strings.Contains(b, "Completed") {
		t.Errorf("permalink of a completed maintenance: %d\n%s", resp.StatusCode, b)
	}
	if _, b := e.get("/status/acme/history"); !strings.Contains(b, "Router swap") {
		t.Errorf("history lacks the completed maintenance:\n%s", b)
	}
	for _, feed := range []string{"/status/acme/feed.rss", "/status/acme/feed.atom"} {
		if _, b := e.get(feed); !strings.Contains(b, "Router swap (Completed)") {
			t.Errorf("%s lacks the completed maintenance:\n%s", feed, b)
		}
	}
	_, b = e.get("/status/acme/api/v2/scheduled-maintenances.json")
	if !strings.Contains(b, "Router swap") || !strings.Contains(b, `"status": "completed"`) {
		t.Errorf("scheduled-maintenances.json lacks it as completed:\n%s", b)
	}
	if _, b := e.get("/status/acme"); strings.Contains(b, "Router swap") {
		t.Error("the main page still lists an ended maintenance")
	}
}

// TestAutoIncidentKeepsMonitorDetailsInternal: the check's reason an
// incident was opened or resolved with stays on the dashboard; pages,
// feeds, JSON and subscriber messages get a neutral text.
func TestAutoIncidentKeepsMonitorDetailsInternal(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer recv.Close()
	e := newTestEnv(t)
	ctx := context.Background()
	page, mon, _ := seedPage(e, "acme")
	e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": recv.URL}, http.StatusCreated)
	spWaitFor(t, "the notifier to start", func() bool {
		_, found, _ := e.srv.pages.db.Cursor(ctx, "statuspage_events")
		return found
	})
	var incID int64
	if err := e.store.Write(ctx, func(tx *sql.Tx) error {
		var err error
		incID, err = store.OpenMonitorIncident(ctx, tx, e.TeamID, mon, "api health is down",
			"Automatically opened: connection refused (flapping: thresholds doubled)", store.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Write(ctx, func(tx *sql.Tx) error {
		_, err := store.ResolveMonitorIncident(ctx, tx, mon, "Recovered (now up): HTTP 200 in 12 ms", store.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var sent string
	spWaitFor(t, "both messages to be queued", func() bool {
		rows, err := e.store.R.Query(`SELECT subject || ' ' || body || ' ' || payload FROM subscriber_deliveries`)
		if err != nil {
			return false
		}
		defer rows.Close()
		var all []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			all = append(all, s)
		}
		sent = strings.Join(all, "\n")
		return len(all) == 2
	})
	secret := []string{"connection refused", "flapping", "Automatically opened", "HTTP 200 in 12 ms", "api health"}
	docs := map[string]string{"messages": sent}
	for _, path := range []string{"/status/acme", "/status/acme/history", "/status/acme/incidents/" + itoa(incID),
		"/status/acme/feed.rss", "/status/acme/feed.atom", "/status/acme/api/v2/incidents.json"} {
		_, docs[path] = e.get(path)
	}
	for name, b := range docs {
		for _, s := range secret {
			if strings.Contains(b, s) {
				i := strings.Index(b, s)
				t.Errorf("%s shows %q: …%s…", name, s, b[max(0, i-200):min(len(b), i+100)])
			}
		}
		if name != "/status/acme" && !strings.Contains(b, "Reduced availability of API") {
			t.Errorf("%s lacks the neutral title", name)
		}
	}
	if !strings.Contains(docs["/status/acme/incidents/"+itoa(incID)], "We are investigating reduced availability of API.") {
		t.Error("the incident page lacks the neutral first update")
	}
	got := e.apiJSON("GET", "/api/v1/incidents/"+itoa(incID), nil, 200)
	if raw := fmt.Sprint(got); !strings.Contains(raw, "connection refused") || !strings.Contains(raw, "api health is down") {
		t.Errorf("the team's API lost the technical reason: %s", raw)
	}
}

// TestStatusPageMessagesKeepBranding: subscription steps and a page's 404
// show its name, logo, colours and theme; access pages of private pages
// keep theme and colour but name nothing; the team-only notice offers
// sign-in returning to the page, and "Back to the status page" never
// points at the dashboard.
func TestStatusPageMessagesKeepBranding(t *testing.T) {
	e := newTestEnv(t)
	page, _, _ := seedPage(e, "acme")
	e.apiJSON("PATCH", "/api/v1/status-pages/"+id(page), map[string]any{"theme": "dark", "brand_color": "#ff6600",
		"logo_url": "https://cdn.example/acme.png"}, 200)
	branded := func(name string, res *http.Response, b string) {
		t.Helper()
		want := []string{`data-theme="dark"`, "--brand:#ff6600", "https://cdn.example/acme.png", "Acme Cloud status</title>"}
		if strings.Contains(name, "private") {
			// Private pages name nothing without access: theme and colour only.
			want = want[:2]
			if strings.Contains(b, "Acme Cloud") || strings.Contains(b, "acme.png") {
				t.Errorf("%s names the private page:\n%s", name, b)
			}
		}
		for _, want := range want {
			if !strings.Contains(b, want) {
				t.Errorf("%s lacks %q:\n%s", name, want, b)
			}
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "'sha256-") {
			t.Errorf("%s: CSP does not allow the page's style: %q", name, csp)
		}
	}
	res, err := http.PostForm(e.URL+"/status/acme/subscribe", url.Values{"email": {"v@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	branded("check your inbox", res, string(b))
	if !strings.Contains(string(b), `href="/status/acme/"`) {
		t.Error("check your inbox lacks its way back to the page")
	}
	var token string
	e.store.R.QueryRow(`SELECT token FROM subscribers`).Scan(&token)
	for _, path := range []string{"/status/acme/confirm/" + token, "/status/acme/unsubscribe/" + token, "/status/acme/incidents/999"} {
		res, b := e.get(path)
		branded(path, res, b)
		if strings.Contains(b, `href="/"`) {
			t.Errorf("%s links to the dashboard", path)
		}
	}
	if _, b := e.get("/status/nope"); strings.Contains(b, "Back to the status page") {
		t.Error("the 404 of an unknown page links back to a status page that does not exist (the dashboard)")
	}

	e.apiJSON("PATCH", "/api/v1/status-pages/"+id(page), map[string]any{"access": "team"}, 200)
	res, b2 := e.get("/status/acme")
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("team-only page to a visitor: %d", res.StatusCode)
	}
	branded("private team-only notice", res, b2)
	if !strings.Contains(b2, `href="/login?next=%2Fstatus%2Facme"`) {
		t.Errorf("team-only notice lacks sign-in returning to the page:\n%s", b2)
	}
	e.apiJSON("PATCH", "/api/v1/status-pages/"+id(page), map[string]any{"access": "password", "password": "correct horse"}, 200)
	res, b2 = e.get("/status/acme")
	branded("private password form", res, b2)
	if !strings.Contains(b2, `name="password"`) || strings.Contains(b2, "feed.atom") {
		t.Errorf("password form missing or the private page names its feeds:\n%s", b2)
	}
}
