package app

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMonitorFlexibleLists(t *testing.T) {
	e := newTestEnv(t)
	for _, codes := range []any{[]any{200, 301}, "200-299, 301", []string{"200-299"}} {
		m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "x", "type": "http",
			"url": "http://a.example/", "accepted_status_codes": codes}, http.StatusCreated)
		if len(m["accepted_status_codes"].([]any)) == 0 {
			t.Errorf("%v: codes %v", codes, m["accepted_status_codes"])
		}
	}
	code, body := e.api("POST", "/api/v1/monitors", `{"name":"x","type":"http","url":"http://a.example/","accepted_status_codes":{"a":1}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(body), "accepted_status_codes") {
		t.Errorf("object as codes: %d %s", code, body)
	}
}

func TestTLSMonitorFromURL(t *testing.T) {
	e := newTestEnv(t)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "cert", "type": "tls",
		"url": "https://shop.example/"}, http.StatusCreated)
	if m["target"] != "shop.example:443" {
		t.Errorf("target = %v", m["target"])
	}
}

func TestMonitorCredentialsSealedAtRest(t *testing.T) {
	e := newTestEnv(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ann" || p != "hunter2-secret" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer target.Close()
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "auth", "type": "http", "url": target.URL,
		"basic_auth_user": "ann", "basic_auth_password": "hunter2-secret"}, http.StatusCreated)
	waitFor(t, "up", 10*time.Second, func() bool { return e.monitorStatus(m["id"]) == "up" })
	var raw string
	e.store.R.QueryRow(`SELECT config FROM monitors WHERE id = ?`, m["id"]).Scan(&raw)
	if strings.Contains(raw, "hunter2") {
		t.Errorf("password stored in clear: %s", raw)
	}
	_, body := e.api("GET", fmt.Sprintf("/api/v1/monitors/%v", m["id"]), nil)
	if strings.Contains(string(body), "hunter2") || strings.Contains(string(body), "basic_auth_password") {
		t.Errorf("password shown by the API: %s", body)
	}
	e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", m["id"]), map[string]any{"name": "auth 2"}, http.StatusOK)
	e.apiJSON("POST", fmt.Sprintf("/api/v1/monitors/%v/check", m["id"]), nil, http.StatusAccepted)
	time.Sleep(500 * time.Millisecond)
	if got := e.monitorStatus(m["id"]); got != "up" {
		t.Errorf("after an edit without the password: %s", got)
	}
}
