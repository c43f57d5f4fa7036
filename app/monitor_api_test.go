package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func (e *testEnv) monitorStatus(id any) string {
	e.t.Helper()
	m := e.apiJSON("GET", fmt.Sprintf("/api/v1/monitors/%v", id), nil, http.StatusOK)
	return m["status"].(string)
}

func TestMonitorAPICRUD(t *testing.T) {
	e := newTestEnv(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	defer target.Close()

	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Front", "type": "http",
		"url": target.URL, "interval_seconds": 30, "tags": []string{"web"}}, http.StatusCreated)
	for _, f := range []string{"id", "name", "type", "url", "interval_seconds", "timeout_seconds",
		"failure_threshold", "enabled", "status", "last_checked_at", "last_latency_ms"} {
		if _, ok := m[f]; !ok {
			t.Errorf("created monitor lacks %q: %v", f, m)
		}
	}
	id := m["id"]
	if got, want := m["url"], target.URL; got != want {
		t.Errorf("url = %v, want %v", got, want)
	}
	waitFor(t, "monitor up", 10*time.Second, func() bool { return e.monitorStatus(id) == "up" })

	got := e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", id), map[string]any{"name": "Front page"}, http.StatusOK)
	if got["name"] != "Front page" || got["url"] != target.URL || got["interval_seconds"].(float64) != 30 {
		t.Errorf("patch changed more than the name: %v", got)
	}
	list := e.apiJSON("GET", "/api/v1/monitors?tag=web", nil, http.StatusOK)
	if n := len(list["data"].([]any)); n != 1 {
		t.Errorf("list by tag: %d monitors, want 1", n)
	}
	paused := e.apiJSON("POST", fmt.Sprintf("/api/v1/monitors/%v/pause", id), nil, http.StatusOK)
	if paused["status"] != "paused" || paused["enabled"] != false {
		t.Errorf("pause: %v", paused)
	}
	resumed := e.apiJSON("POST", fmt.Sprintf("/api/v1/monitors/%v/resume", id), nil, http.StatusOK)
	if resumed["enabled"] != true {
		t.Errorf("resume: %v", resumed)
	}
	res := e.apiJSON("GET", fmt.Sprintf("/api/v1/monitors/%v/results", id), nil, http.StatusOK)
	if len(res["data"].([]any)) == 0 {
		t.Errorf("no results")
	}
	up := e.apiJSON("GET", fmt.Sprintf("/api/v1/monitors/%v/uptime", id), nil, http.StatusOK)
	if up["uptime_percent"] != 100.0 {
		t.Errorf("uptime = %v, want 100", up)
	}
	if code, _ := e.api("DELETE", fmt.Sprintf("/api/v1/monitors/%v", id), nil); code != http.StatusNoContent {
		t.Errorf("delete: %d", code)
	}
	if code, _ := e.api("GET", fmt.Sprintf("/api/v1/monitors/%v", id), nil); code != http.StatusNotFound {
		t.Errorf("get after delete: %d", code)
	}
}

func TestMonitorAPIValidation(t *testing.T) {
	e := newTestEnv(t)
	scenarios := []struct {
		name  string
		body  string
		field string
	}{
		{"no name", `{"type":"http","url":"http://127.0.0.1/"}`, "name"},
		{"bad type", `{"name":"x","type":"smtp","target":"a:1"}`, "type"},
		{"bad url", `{"name":"x","type":"http","url":"ftp://x"}`, "url"},
		{"url without host", `{"name":"x","type":"http","url":"http://"}`, "url"},
		{"interval too short", `{"name":"x","type":"http","url":"http://a.example","interval_seconds":5}`, "interval_seconds"},
		{"interval as string", `{"name":"x","type":"http","url":"http://a.example","interval_seconds":"60"}`, "interval_seconds"},
		{"timeout above interval", `{"name":"x","type":"http","url":"http://a.example","interval_seconds":10,"timeout_seconds":30}`, "timeout_seconds"},
		{"bad status codes", `{"name":"x","type":"http","url":"http://a.example","accepted_status_codes":["2xx"]}`, "accepted_status_codes"},
		{"bad json path", `{"name":"x","type":"http","url":"http://a.example","json_assertions":[{"path":"a.(b","op":"equals"}]}`, "json_assertions.path"},
		{"bad json op", `{"name":"x","type":"http","url":"http://a.example","json_assertions":[{"path":"a","op":"like"}]}`, "json_assertions.op"},
		{"lt needs number", `{"name":"x","type":"http","url":"http://a.example","json_assertions":[{"path":"a","op":"lt","value":"x"}]}`, "json_assertions.value"},
		{"tcp without port", `{"name":"x","type":"tcp","target":"db.example"}`, "target"},
		{"bad host", `{"name":"x","type":"ping","target":"not a host"}`, "target"},
		{"bad record type", `{"name":"x","type":"dns","target":"example.com","record_type":"AXFR"}`, "record_type"},
		{"bad dns name", `{"name":"x","type":"dns","target":"exa mple.com"}`, "target"},
		{"bad cron", `{"name":"x","type":"push","push_cron":"61 * * * *"}`, "push_cron"},
		{"bad time zone", `{"name":"x","type":"push","push_cron":"0 3 * * *","push_timezone":"Mars/Base"}`, "push_timezone"},
		{"zero threshold", `{"name":"x","type":"http","url":"http://a.example","failure_threshold":0}`, "failure_threshold"},
		{"unknown field", `{"name":"x","type":"http","url":"http://a.example","colour":"red"}`, "colour"},
		{"bad loss", `{"name":"x","type":"ping","target":"127.0.0.1","max_loss_percent":120}`, "max_loss_percent"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, body := e.api("POST", "/api/v1/monitors", sc.body)
			if sc.field == "" {
				if code != http.StatusCreated {
					t.Errorf("status %d, want 201 (0 means default): %s", code, body)
				}
				return
			}
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", code, body)
			}
			var got struct {
				Error struct{ Field string } `json:"error"`
			}
			json.Unmarshal(body, &got)
			if got.Error.Field != sc.field {
				t.Errorf("field = %q, want %q: %s", got.Error.Field, sc.field, body)
			}
		})
	}
}

func TestMonitorRestrictTargets(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.RestrictTargets = true })
	for _, target := range []string{"http://127.0.0.1/", "http://10.1.2.3/", "http://localhost:8080/", "http://[::1]/"} {
		code, body := e.api("POST", "/api/v1/monitors", map[string]any{"name": "x", "type": "http", "url": target})
		if code != http.StatusBadRequest || !strings.Contains(string(body), `"field":"url"`) {
			t.Errorf("%s: status %d: %s", target, code, body)
		}
	}
}

func TestMonitorTenancy(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Mine", "type": "manual"}, http.StatusCreated)
	id := m["id"]
	otherToken, _, _ := e.newOwner("other@example.com")
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/monitors/%v"}, {"PATCH", "/api/v1/monitors/%v"}, {"DELETE", "/api/v1/monitors/%v"},
		{"POST", "/api/v1/monitors/%v/pause"}, {"GET", "/api/v1/monitors/%v/results"},
		{"GET", "/api/v1/monitors/%v/uptime"}, {"POST", "/api/v1/monitors/%v/check"},
	} {
		var body any
		if req.method == "PATCH" {
			body = map[string]any{"name": "stolen"}
		}
		code, raw := e.do(req.method, fmt.Sprintf(req.path, id), otherToken, body)
		if code != http.StatusNotFound {
			t.Errorf("%s %s as another team: %d, want 404: %s", req.method, req.path, code, raw)
		}
	}
	list := map[string]any{}
	_, raw := e.do("GET", "/api/v1/monitors", otherToken, nil)
	json.Unmarshal(raw, &list)
	if n := len(list["data"].([]any)); n != 0 {
		t.Errorf("other team lists %d monitors", n)
	}
	b := e.browser("other@example.com")
	if code, _ := b.get(fmt.Sprintf("/monitors/%v", id)); code != http.StatusNotFound {
		t.Errorf("UI page of another team's monitor: %d", code)
	}
	if code, _ := b.post(fmt.Sprintf("/monitors/%v/delete", id), nil); code != http.StatusNotFound {
		t.Errorf("UI delete of another team's monitor: %d", code)
	}
	if e.monitorStatus(id) == "" {
		t.Error("monitor gone")
	}
}

// flakyTarget is an HTTP server on a fixed loopback port that can be
// stopped and started again.
type flakyTarget struct {
	addr string
	srv  *http.Server
}

func newFlakyTarget(t *testing.T) *flakyTarget {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &flakyTarget{addr: ln.Addr().String()}
	f.serve(ln)
	t.Cleanup(f.stop)
	return f
}

func (f *flakyTarget) serve(ln net.Listener) {
	f.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})}
	go f.srv.Serve(ln)
}

func (f *flakyTarget) stop() { f.srv.Close() }

func (f *flakyTarget) start(t *testing.T) {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	f.serve(ln)
}

func TestMonitorDownOpensIncidentAndAlerts(t *testing.T) {
	e := newTestEnv(t)
	target := newFlakyTarget(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "API", "type": "http",
		"url": "http://" + target.addr + "/", "interval_seconds": 10, "timeout_seconds": 2,
		"tags": []string{"prod"}}, http.StatusCreated)
	id := m["id"]
	waitFor(t, "up", 10*time.Second, func() bool { return e.monitorStatus(id) == "up" })

	target.stop()
	e.apiJSON("POST", fmt.Sprintf("/api/v1/monitors/%v/check", id), nil, http.StatusAccepted)
	waitFor(t, "down", 10*time.Second, func() bool { return e.monitorStatus(id) == "down" })

	ctx := context.Background()
	var incID int64
	var incStatus, source string
	err := e.store.R.QueryRowContext(ctx, `SELECT id, status, source FROM incidents WHERE monitor_id = ?`, id).
		Scan(&incID, &incStatus, &source)
	if err != nil || incStatus != "investigating" || source != "monitor" {
		t.Fatalf("incident: %v %q %q", err, incStatus, source)
	}
	var updates int
	e.store.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM incident_updates WHERE incident_id = ? AND body LIKE '%refused%'`,
		incID).Scan(&updates)
	if updates != 1 {
		t.Errorf("incident updates with the reason: %d, want 1", updates)
	}
	payload := alertPayload(t, e, "monitor_down", id)
	want := map[string]any{"monitor_name": "API", "monitor_type": "http", "status": "down",
		"previous_status": "up", "incident_id": float64(incID), "url": fmt.Sprintf("/monitors/%v", id)}
	for k, v := range want {
		if payload[k] != v {
			t.Errorf("payload[%s] = %v, want %v", k, payload[k], v)
		}
	}
	if tags, _ := payload["tags"].([]any); len(tags) != 1 || tags[0] != "prod" {
		t.Errorf("payload tags = %v", payload["tags"])
	}
	if !strings.Contains(payload["reason"].(string), "refused") {
		t.Errorf("reason = %v", payload["reason"])
	}

	target.start(t)
	e.apiJSON("POST", fmt.Sprintf("/api/v1/monitors/%v/check", id), nil, http.StatusAccepted)
	waitFor(t, "recovered", 10*time.Second, func() bool { return e.monitorStatus(id) == "up" })
	var resolved int64
	e.store.R.QueryRowContext(ctx, `SELECT COALESCE(resolved_at, 0) FROM incidents WHERE id = ?`, incID).Scan(&resolved)
	if resolved == 0 {
		t.Error("incident not resolved after recovery")
	}
	rec := alertPayload(t, e, "monitor_recovered", id)
	if rec["previous_status"] != "down" || rec["incident_id"] != float64(incID) {
		t.Errorf("recovered payload: %v", rec)
	}
}

func alertPayload(t *testing.T, e *testEnv, kind string, monitorID any) map[string]any {
	t.Helper()
	var raw string
	err := e.store.R.QueryRowContext(context.Background(), `SELECT payload FROM alert_events
		WHERE kind = ? AND monitor_id = ? ORDER BY id DESC LIMIT 1`, kind, monitorID).Scan(&raw)
	if err != nil {
		t.Fatalf("alert event %s: %v", kind, err)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPushEndpoints(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Backup", "type": "push",
		"interval_seconds": 3600}, http.StatusCreated)
	pushURL, _ := m["push_url"].(string)
	if !strings.Contains(pushURL, "/api/push/") {
		t.Fatalf("push_url = %q", pushURL)
	}
	path := strings.TrimPrefix(pushURL, e.URL)
	count := func() int {
		var n int
		e.store.R.QueryRow(`SELECT COUNT(*) FROM check_results`).Scan(&n)
		return n
	}

	scenarios := []struct {
		method, path string
		want         int
		status       string
	}{
		{"GET", "/api/push/unknowntoken123", http.StatusNotFound, ""},
		{"POST", "/api/push/unknowntoken123/fail", http.StatusNotFound, ""},
		{"GET", path + "?msg=nightly&latency_ms=1200", http.StatusOK, "up"},
		{"POST", path + "/fail?msg=disk+full", http.StatusOK, "down"},
		{"POST", path + "/start", http.StatusOK, "down"},
		{"POST", path + "?status=up", http.StatusOK, "up"},
		{"GET", path + "?status=down", http.StatusOK, "down"},
		{"GET", path + "?status=maybe", http.StatusBadRequest, "down"},
		{"GET", path, http.StatusOK, "up"},
	}
	for _, sc := range scenarios {
		before := count()
		code, body := e.do(sc.method, sc.path, "", nil)
		if code != sc.want {
			t.Errorf("%s %s: %d, want %d: %s", sc.method, sc.path, code, sc.want, body)
		}
		if sc.status == "" {
			if count() != before {
				t.Errorf("%s %s stored a result", sc.method, sc.path)
			}
			continue
		}
		if got := e.monitorStatus(m["id"]); got != sc.status {
			t.Errorf("after %s %s: status %s, want %s", sc.method, sc.path, got, sc.status)
		}
	}
	var kinds []string
	rows, _ := e.store.R.Query(`SELECT kind FROM alert_events WHERE monitor_id = ? ORDER BY id`, m["id"])
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	if got, want := strings.Join(kinds, ","), "monitor_down,monitor_recovered,monitor_down,monitor_recovered"; got != want {
		t.Errorf("alert kinds = %s, want %s", got, want)
	}
}

func TestMonitorMaintenance(t *testing.T) {
	e := newTestEnv(t)
	target := newFlakyTarget(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "DB", "type": "http",
		"url": "http://" + target.addr + "/", "interval_seconds": 10, "timeout_seconds": 2}, http.StatusCreated)
	id := int64(m["id"].(float64))
	waitFor(t, "up", 10*time.Second, func() bool { return e.monitorStatus(id) == "up" })

	now := time.Now()
	mid := execW(t, e, `INSERT INTO maintenance(team_id, title, kind, starts_at, ends_at, created_at, updated_at)
		VALUES (?, 'Upgrade', 'once', ?, ?, ?, ?)`, e.TeamID, now.Add(-time.Minute).UnixMilli(),
		now.Add(time.Hour).UnixMilli(), now.UnixMilli(), now.UnixMilli())
	execW(t, e, `INSERT INTO maintenance_monitors(maintenance_id, monitor_id) VALUES (?, ?)`, mid, id)
	e.srv.monitors.engine.ReloadMaintenance(context.Background())
	waitFor(t, "maintenance", 10*time.Second, func() bool { return e.monitorStatus(id) == "maintenance" })

	target.stop()
	e.api("POST", fmt.Sprintf("/api/v1/monitors/%d/check", id), nil)
	time.Sleep(1500 * time.Millisecond)
	if got := e.monitorStatus(id); got != "maintenance" {
		t.Errorf("status in maintenance with the target down: %s", got)
	}
	var events, incidents int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM alert_events WHERE monitor_id = ?`, id).Scan(&events)
	e.store.R.QueryRow(`SELECT COUNT(*) FROM incidents WHERE monitor_id = ?`, id).Scan(&incidents)
	if events != 0 || incidents != 0 {
		t.Errorf("in maintenance: %d alert events, %d incidents, want none", events, incidents)
	}

	execW(t, e, `UPDATE maintenance SET ends_at = ? WHERE id = ?`, time.Now().Add(-time.Second).UnixMilli(), mid)
	e.srv.monitors.engine.ReloadMaintenance(context.Background())
	waitFor(t, "down after maintenance", 10*time.Second, func() bool { return e.monitorStatus(id) == "down" })
}

// execW runs one statement through the store's writer and returns the
// last insert id.
func execW(t *testing.T, e *testEnv, q string, args ...any) int64 {
	t.Helper()
	var id int64
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(q, args...)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestMonitorUI(t *testing.T) {
	e := newTestEnv(t)
	target := newFlakyTarget(t)
	b := e.browser(e.Email)
	if code, body := b.get("/monitors"); code != http.StatusOK || !strings.Contains(body, "No monitors yet") {
		t.Fatalf("empty list: %d", code)
	}
	code, body := b.post("/monitors", url.Values{"name": {"Shop"}, "type": {"http"}, "url": {"not a url"},
		"interval_seconds": {"60"}})
	if code != http.StatusBadRequest || !strings.Contains(body, `id="mf-url"`) ||
		!strings.Contains(body, "Must be an http:// or https:// URL") {
		t.Fatalf("bad url: %d %s", code, body)
	}
	code, _ = b.post("/monitors", url.Values{"name": {"Shop"}, "type": {"http"}, "url": {"http://" + target.addr + "/"},
		"interval_seconds": {"60"}, "timeout_seconds": {"5"}, "confirm_recheck": {"off", "on"},
		"json_path_1": {""}, "tags": {"shop, eu"}})
	if code != http.StatusSeeOther {
		t.Fatalf("create: %d", code)
	}
	list := e.apiJSON("GET", "/api/v1/monitors", nil, http.StatusOK)
	m := list["data"].([]any)[0].(map[string]any)
	id := m["id"]
	waitFor(t, "up", 10*time.Second, func() bool { return e.monitorStatus(id) == "up" })
	for _, path := range []string{"/monitors", "/monitors/rows", fmt.Sprintf("/monitors/%v", id),
		fmt.Sprintf("/monitors/%v?range=7d", id), fmt.Sprintf("/monitors/%v?range=30d", id),
		fmt.Sprintf("/monitors/%v/summary", id), fmt.Sprintf("/monitors/%v/checks", id),
		fmt.Sprintf("/monitors/%v/edit", id), "/monitors/new?type=dns", "/monitors?status=up&tag=shop&q=Sh"} {
		code, body := b.get(path)
		named := !strings.Contains(path, "new") && !strings.Contains(path, "checks") && !strings.Contains(path, "summary")
		if code != http.StatusOK || named && !strings.Contains(body, "Shop") {
			t.Errorf("GET %s: %d", path, code)
		}
		if strings.Contains(body, "style=") {
			t.Errorf("GET %s: inline style attribute", path)
		}
	}
	code, _ = b.post(fmt.Sprintf("/monitors/%v", id), url.Values{"name": {"Shop EU"}, "type": {"http"},
		"url": {"http://" + target.addr + "/"}, "interval_seconds": {"120"}, "timeout_seconds": {"5"}})
	if code != http.StatusSeeOther {
		t.Fatalf("edit: %d", code)
	}
	if got := e.apiJSON("GET", fmt.Sprintf("/api/v1/monitors/%v", id), nil, http.StatusOK); got["name"] != "Shop EU" ||
		got["interval_seconds"].(float64) != 120 {
		t.Errorf("after edit: %v", got)
	}
	for _, action := range []string{"pause", "resume", "check", "delete"} {
		if code, _ := b.post(fmt.Sprintf("/monitors/%v/%s", id, action), nil); code != http.StatusSeeOther {
			t.Errorf("%s: %d", action, code)
		}
	}
}

func TestMonitorMetrics(t *testing.T) {
	e := newTestEnv(t)
	target := newFlakyTarget(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "M", "type": "http",
		"url": "http://" + target.addr + "/"}, http.StatusCreated)
	waitFor(t, "up", 10*time.Second, func() bool { return e.monitorStatus(m["id"]) == "up" })
	_, body := e.do("GET", "/metrics", "", nil)
	for _, want := range []string{"bitwobbly_checks_total{result=\"up\",type=\"http\"}",
		"bitwobbly_check_start_lag_seconds_bucket", fmt.Sprintf("bitwobbly_monitor_up{monitor_id=\"%v\",type=\"http\"} 1", m["id"]),
		"bitwobbly_monitor_latency_seconds", "bitwobbly_monitor_checks_total"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestMonitorRecurringMaintenanceViaAPI(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Cron", "type": "push",
		"interval_seconds": 10}, http.StatusCreated)
	id := m["id"]
	start := time.Now().UTC().Add(-time.Minute)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Nightly backup window", "kind": "recurring",
		"weekdays": 127, "start_time": start.Format("15:04"), "duration_minutes": 30, "timezone": "UTC",
		"monitor_ids": []any{id}}, http.StatusCreated)
	waitFor(t, "maintenance", 10*time.Second, func() bool { return e.monitorStatus(id) == "maintenance" })

	code, _ := e.do("GET", strings.TrimPrefix(m["push_url"].(string), e.URL)+"/fail", "", nil)
	if code != http.StatusOK {
		t.Fatalf("push during maintenance: %d", code)
	}
	time.Sleep(300 * time.Millisecond)
	var events int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM alert_events WHERE monitor_id = ?`, id).Scan(&events)
	if got := e.monitorStatus(id); got != "maintenance" || events != 0 {
		t.Errorf("after a failure in maintenance: status %s, %d alert events", got, events)
	}
}

func TestManualMonitor(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Supplier", "type": "manual",
		"status": "up"}, http.StatusCreated)
	if m["status"] != "up" {
		t.Fatalf("created manual monitor is %v", m["status"])
	}
	id := m["id"]
	got := e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", id), map[string]any{"status": "down",
		"status_reason": "supplier confirmed an outage"}, http.StatusOK)
	if got["status"] != "down" || got["status_reason"] != "supplier confirmed an outage" {
		t.Errorf("after PATCH down: %v %v", got["status"], got["status_reason"])
	}
	var open int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM incidents WHERE monitor_id = ? AND resolved_at IS NULL`, id).Scan(&open)
	if open != 1 {
		t.Errorf("open incidents: %d, want 1", open)
	}
	code, body := e.api("PATCH", fmt.Sprintf("/api/v1/monitors/%v", id), map[string]any{"status": "sideways"})
	if code != http.StatusBadRequest || !strings.Contains(string(body), `"field":"status"`) {
		t.Errorf("bad status: %d %s", code, body)
	}
	e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", id), map[string]any{"status": "up"}, http.StatusOK)
	e.store.R.QueryRow(`SELECT COUNT(*) FROM incidents WHERE monitor_id = ? AND resolved_at IS NULL`, id).Scan(&open)
	if open != 0 {
		t.Errorf("open incidents after up: %d, want 0", open)
	}
	if code, _ := e.api("POST", fmt.Sprintf("/api/v1/monitors/%v/check", id), nil); code != http.StatusConflict {
		t.Errorf("check now on a manual monitor: %d, want 409", code)
	}
}

func TestMonitorViewerReadsOnly(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Ro", "type": "manual"}, http.StatusCreated)
	e.addMember(e.TeamID, "viewer@example.com", "viewer")
	b := e.browser("viewer@example.com")
	if code, body := b.get(fmt.Sprintf("/monitors/%v", m["id"])); code != http.StatusOK || strings.Contains(body, "Delete") {
		t.Errorf("viewer sees the page: %d, with a Delete button: %v", code, strings.Contains(body, "Delete"))
	}
	for _, path := range []string{"/monitors/%v/pause", "/monitors/%v/delete", "/monitors/%v/state"} {
		if code, _ := b.post(fmt.Sprintf(path, m["id"]), url.Values{"status": {"down"}}); code != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", path, code)
		}
	}
	if code, _ := b.post("/monitors", url.Values{"name": {"x"}, "type": {"manual"}}); code != http.StatusForbidden {
		t.Errorf("viewer creates a monitor: %d, want 403", code)
	}
	if got := e.monitorStatus(m["id"]); got != "unknown" {
		t.Errorf("status changed to %s", got)
	}
}
