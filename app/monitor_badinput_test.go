package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func errorField(t *testing.T, body []byte) string {
	t.Helper()
	var got struct {
		Error struct{ Field, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	return got.Error.Field
}

func (e *testEnv) monitorCount() int {
	var n int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM monitors`).Scan(&n)
	return n
}

// A refused manual status leaves nothing behind: no monitor on create,
// no other change on PATCH.
func TestManualMonitorBadStatusStoresNothing(t *testing.T) {
	e := newTestEnv(t)
	for _, st := range []string{"paused", "maintenance", "unknown", "sideways"} {
		before := e.monitorCount()
		code, body := e.api("POST", "/api/v1/monitors", map[string]any{"name": "M", "type": "manual", "status": st})
		if code != http.StatusBadRequest || errorField(t, body) != "status" {
			t.Errorf("create with status %s: %d %s, want 400 naming status", st, code, body)
		}
		if n := e.monitorCount(); n != before {
			t.Errorf("create with status %s left %d monitor(s) behind", st, n-before)
		}
	}
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "M", "type": "manual", "status": "up"},
		http.StatusCreated)
	path := fmt.Sprintf("/api/v1/monitors/%v", m["id"])
	code, body := e.api("PATCH", path, map[string]any{"name": "Renamed", "status": "paused"})
	if code != http.StatusBadRequest || errorField(t, body) != "status" {
		t.Errorf("PATCH status paused: %d %s", code, body)
	}
	if got := e.apiJSON("GET", path, nil, http.StatusOK); got["name"] != "M" || got["status"] != "up" {
		t.Errorf("a refused PATCH changed the monitor: %v %v", got["name"], got["status"])
	}
	code, body = e.api("PATCH", path, map[string]any{"status": "down", "status_reason": strings.Repeat("r", 501)})
	if code != http.StatusBadRequest || errorField(t, body) != "status_reason" {
		t.Errorf("long status_reason: %d %s", code, body)
	}
	// A GET answer sent back unchanged is accepted, paused or not.
	e.apiJSON("POST", path+"/pause", nil, http.StatusOK)
	got := e.apiJSON("GET", path, nil, http.StatusOK)
	e.apiJSON("PUT", path, got, http.StatusOK)
}

func TestMonitorBadInputNamesTheField(t *testing.T) {
	e := newTestEnv(t)
	scenarios := []struct {
		name  string
		body  string
		field string
	}{
		{"unknown type with url", `{"name":"x","type":"bogus","url":"http://127.0.0.1/"}`, "type"},
		{"no type with url", `{"name":"x","url":"http://127.0.0.1/"}`, "type"},
		{"headers as array", `{"name":"x","type":"http","url":"http://127.0.0.1/","headers":["a"]}`, "headers"},
		{"status codes as object", `{"name":"x","type":"http","url":"http://127.0.0.1/","accepted_status_codes":{"a":1}}`, "accepted_status_codes"},
		{"verify_tls as number", `{"name":"x","type":"http","url":"http://127.0.0.1/","verify_tls":1}`, "verify_tls"},
		{"json_assertions as string", `{"name":"x","type":"http","url":"http://127.0.0.1/","json_assertions":"x"}`, "json_assertions"},
		{"metadata url", `{"name":"x","type":"http","url":"http://169.254.169.254/latest/meta-data/"}`, "url"},
		{"metadata target", `{"name":"x","type":"tcp","target":"metadata.google.internal:80"}`, "target"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, body := e.api("POST", "/api/v1/monitors", sc.body)
			if code != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", code, body)
			}
			if f := errorField(t, body); f != sc.field {
				t.Errorf("field = %q, want %q: %s", f, sc.field, body)
			}
			if strings.Contains(string(body), "Config.") {
				t.Errorf("message speaks of the Go struct: %s", body)
			}
		})
	}
}

func TestMonitorTimeRangeOutOfBounds(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "M", "type": "manual", "status": "up"},
		http.StatusCreated)
	for _, q := range []struct{ query, field string }{
		{"from=0&to=99999999999999", "to"},
		{"from=-99999999999999&to=0", "from"},
		{"from=-9223372036854775808&to=9223372036854775807", "from"},
		{"from=0001-01-01T00:00:00Z", "from"},
		{"to=2030-01-01T00:00:00Z&from=2031-01-01T00:00:00Z", "to"},
	} {
		for _, ep := range []string{"uptime", "results"} {
			code, body := e.api("GET", fmt.Sprintf("/api/v1/monitors/%v/%s?%s", m["id"], ep, q.query), nil)
			if code != http.StatusBadRequest || errorField(t, body) != q.field {
				t.Errorf("%s?%s: %d %s, want 400 naming %s", ep, q.query, code, body, q.field)
			}
		}
	}
	code, body := e.api("GET", fmt.Sprintf("/api/v1/monitors/%v/uptime?from=0&to=253402300799", m["id"]), nil)
	if code != http.StatusOK {
		t.Errorf("uptime from the epoch to the end of 9999: %d %s", code, body)
	}
}

// A job that posts JSON is heard: {"status":"down"} is a failure, not a
// ping; bad values are 400s that store nothing.
func TestPushJSONBodyAndBadParams(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Job", "type": "push",
		"interval_seconds": 3600}, http.StatusCreated)
	path := strings.TrimPrefix(m["push_url"].(string), e.URL)
	count := func() int {
		var n int
		e.store.R.QueryRow(`SELECT COUNT(*) FROM check_results WHERE monitor_id = ?`, m["id"]).Scan(&n)
		return n
	}
	scenarios := []struct {
		path, body string
		want       int
		field      string
		status     string
	}{
		{path, `{"status":"down","msg":"disk full"}`, http.StatusOK, "", "down"},
		{path, `{"status":"up","latency_ms":12.5,"extra":{"a":1}}`, http.StatusOK, "", "up"},
		{path + "/fail", `{"msg":"exit 2"}`, http.StatusOK, "", "down"},
		{path, `{"latency_ms":"40"}`, http.StatusOK, "", "up"},
		{path, `{"status":"sideways"}`, http.StatusBadRequest, "status", ""},
		{path, `{"status":1}`, http.StatusBadRequest, "status", ""},
		{path, `{"latency_ms":-1}`, http.StatusBadRequest, "latency_ms", ""},
		{path, `{"latency_ms":true}`, http.StatusBadRequest, "latency_ms", ""},
		{path, `{"status":"down"`, http.StatusBadRequest, "body", ""},
		{path, `[1,2]`, http.StatusBadRequest, "body", ""},
		{path + "?latency_ms=NaN", "", http.StatusBadRequest, "latency_ms", ""},
		{path + "?latency_ms=-Inf", "", http.StatusBadRequest, "latency_ms", ""},
		{"/api/push/unknowntoken123", `{"status":"down"}`, http.StatusNotFound, "", ""},
	}
	for _, sc := range scenarios {
		before := count()
		var body any
		if sc.body != "" {
			body = sc.body
		}
		code, out := e.do("POST", sc.path, "", body)
		if code != sc.want {
			t.Errorf("POST %s %s: %d, want %d: %s", sc.path, sc.body, code, sc.want, out)
			continue
		}
		if sc.field != "" && errorField(t, out) != sc.field {
			t.Errorf("POST %s %s: field %q, want %q", sc.path, sc.body, errorField(t, out), sc.field)
		}
		if sc.status == "" {
			if count() != before {
				t.Errorf("POST %s %s stored a result", sc.path, sc.body)
			}
			continue
		}
		if got := e.monitorStatus(m["id"]); got != sc.status {
			t.Errorf("after POST %s %s: status %s, want %s", sc.path, sc.body, got, sc.status)
		}
	}
	var reason string
	e.store.R.QueryRow(`SELECT reason FROM check_results WHERE monitor_id = ? AND reason LIKE '%disk full%'`,
		m["id"]).Scan(&reason)
	if reason == "" {
		t.Errorf("the pushed message was not kept as the reason")
	}
}

func TestMonitorSecretsAreBounded(t *testing.T) {
	e := newTestEnv(t)
	for _, f := range []string{"basic_auth_password", "bearer_token"} {
		code, body := e.api("POST", "/api/v1/monitors", map[string]any{"name": "x", "type": "http",
			"url": "http://127.0.0.1:1/", "enabled": false, f: strings.Repeat("s", 4097)})
		if code != http.StatusBadRequest || errorField(t, body) != f {
			t.Errorf("%s of 4097 bytes: %d %s", f, code, body)
		}
	}
	// A secret at the limit is sealed, and later edits still pass.
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "x", "type": "http",
		"url": "http://127.0.0.1:1/", "enabled": false, "bearer_token": strings.Repeat("s", 4096)}, http.StatusCreated)
	e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", m["id"]), map[string]any{"name": "y"}, http.StatusOK)
}

// An explicit 0 is refused with the field named instead of being replaced
// by the default; leaving the field out takes the default. cert_warn_days
// 0 means "never warn" and stays 0.
func TestMonitorExplicitZero(t *testing.T) {
	e := newTestEnv(t)
	for _, f := range []string{"interval_seconds", "timeout_seconds", "failure_threshold", "recovery_threshold"} {
		code, body := e.api("POST", "/api/v1/monitors",
			`{"name":"x","type":"tcp","target":"127.0.0.1:9","`+f+`":0}`)
		if code != http.StatusBadRequest || errorField(t, body) != f {
			t.Errorf("%s 0: %d %s, want 400 naming it", f, code, body)
		}
	}
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "d", "type": "tcp", "target": "127.0.0.1:9"},
		http.StatusCreated)
	if m["interval_seconds"] != float64(60) || m["timeout_seconds"] != float64(10) {
		t.Errorf("defaults: %v %v", m["interval_seconds"], m["timeout_seconds"])
	}
	for _, typ := range []map[string]any{{"type": "tls", "target": "127.0.0.1:443"},
		{"type": "http", "url": "https://127.0.0.1/"}} {
		typ["name"], typ["cert_warn_days"] = "c", 0
		m := e.apiJSON("POST", "/api/v1/monitors", typ, http.StatusCreated)
		if m["cert_warn_days"] != float64(0) {
			t.Errorf("%s cert_warn_days 0 came back as %v", typ["type"], m["cert_warn_days"])
		}
		m = e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", m["id"]), map[string]any{"name": "c2"}, http.StatusOK)
		if m["cert_warn_days"] != float64(0) {
			t.Errorf("%s cert_warn_days after a PATCH: %v, want 0", typ["type"], m["cert_warn_days"])
		}
		delete(typ, "cert_warn_days")
		m = e.apiJSON("POST", "/api/v1/monitors", typ, http.StatusCreated)
		if m["cert_warn_days"] != float64(14) {
			t.Errorf("%s cert_warn_days left out: %v, want 14", typ["type"], m["cert_warn_days"])
		}
	}
}

// Unknown paths under a push URL are 404s that store nothing, not the
// sign-in page.
func TestPushUnknownSubpathIsNotFound(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "B", "type": "push"}, http.StatusCreated)
	path := strings.TrimPrefix(m["push_url"].(string), e.URL)
	for _, p := range []string{path + "/bogus", path + "/", path + "/start/x", "/api/push/unknowntoken123/bogus",
		"/api/push/", "/api/push"} {
		for _, method := range []string{"GET", "POST"} {
			code, body := e.do(method, p, "", nil)
			if code != http.StatusNotFound || strings.Contains(strings.ToLower(string(body)), "<form") {
				t.Errorf("%s %s: %d %.200s, want 404", method, p, code, body)
			}
		}
	}
	var n int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM check_results`).Scan(&n)
	if n != 0 {
		t.Errorf("%d results stored", n)
	}
}
