package app

import (
	"net/http"
	"strings"
	"testing"
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
