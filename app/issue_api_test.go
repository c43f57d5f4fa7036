package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestIssueAPIPatch(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("api")
	e.sendEvents(pid, key, `{"message":"patch me","release":"1.0"}`)
	id := int64(e.apiJSON("GET", "/api/v1/issues", nil, 200)["data"].([]any)[0].(map[string]any)["id"].(float64))
	path := fmt.Sprintf("/api/v1/issues/%d", id)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name  string
		body  string
		code  int
		field string
		check func(m map[string]any) bool
	}{
		{"resolve in release", `{"status":"resolved","resolved_in_release":"2.0"}`, 200, "",
			func(m map[string]any) bool { return m["status"] == "resolved" && m["resolved_in_release"] == "2.0" }},
		{"resolve in next release", `{"status":"resolved","resolved_in_next_release":true}`, 200, "",
			func(m map[string]any) bool {
				return m["resolved_in_next_release"] == true && m["resolved_in_release"] == nil
			}},
		{"ignore until", `{"status":"ignored","ignore_until":"` + future + `"}`, 200, "",
			func(m map[string]any) bool { return m["status"] == "ignored" && m["ignore_until"] != nil }},
		{"ignore counts", `{"status":"ignored","ignore_count":10,"ignore_user_count":3}`, 200, "",
			func(m map[string]any) bool {
				return m["ignore_count"] == float64(10) && m["ignore_user_count"] == float64(3)
			}},
		{"assign", `{"assignee":"` + e.Email + `"}`, 200, "",
			func(m map[string]any) bool { return m["assignee"] == e.Email }},
		{"unassign", `{"assignee":null}`, 200, "", func(m map[string]any) bool { return m["assignee"] == nil }},
		{"unresolve", `{"status":"unresolved"}`, 200, "",
			func(m map[string]any) bool { return m["status"] == "unresolved" && m["ignore_count"] == nil }},
		{"bad status", `{"status":"done"}`, 400, "status", nil},
		{"release without resolved", `{"status":"ignored","resolved_in_release":"1"}`, 400, "resolved_in_release", nil},
		{"release with a newline", `{"status":"resolved","resolved_in_release":"1.0\nrm"}`, 400, "resolved_in_release", nil},
		{"release over 200 bytes", `{"status":"resolved","resolved_in_release":"` + strings.Repeat("r", 201) + `"}`, 400,
			"resolved_in_release", nil},
		{"count without ignored", `{"ignore_count":5}`, 400, "ignore_count", nil},
		{"zero count", `{"status":"ignored","ignore_count":0}`, 400, "ignore_count", nil},
		{"past until", `{"status":"ignored","ignore_until":"2001-01-01T00:00:00Z"}`, 400, "ignore_until", nil},
		{"until not a time", `{"status":"ignored","ignore_until":"tomorrow"}`, 400, "ignore_until", nil},
		{"until a number", `{"status":"ignored","ignore_until":1893456000}`, 400, "ignore_until", nil},
		{"stranger", `{"assignee":"nobody@example.com"}`, 400, "assignee", nil},
		{"unknown field", `{"colour":"red"}`, 400, "colour", nil},
		{"wrong type", `{"status":5}`, 400, "status", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, raw := e.api("PATCH", path, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, raw)
			}
			if tt.field != "" && !strings.Contains(string(raw), `"field":"`+tt.field+`"`) {
				t.Errorf("error does not name %s: %s", tt.field, raw)
			}
			if tt.check != nil {
				m := e.apiJSON("GET", path, nil, 200)
				if !tt.check(m) {
					t.Errorf("issue after change: %v", m)
				}
			}
		})
	}
	if code, _ := e.api("PATCH", "/api/v1/issues/999999", `{"status":"resolved"}`); code != http.StatusNotFound {
		t.Errorf("unknown issue: %d, want 404", code)
	}
	acts := e.apiJSON("GET", path+"/events", nil, 200)["data"].([]any)
	if len(acts) != 1 {
		t.Errorf("%d events, want 1", len(acts))
	}
	if code, _ := e.api("GET", "/api/v1/issues?status=done", nil); code != 400 {
		t.Errorf("bad status filter: %d, want 400", code)
	}
	if code, _ := e.api("GET", "/api/v1/issues?cursor=!!", nil); code != 400 {
		t.Errorf("bad cursor: %d, want 400", code)
	}
}

func TestIssueAPIPaging(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("paging")
	var evs []string
	for i := 0; i < 7; i++ {
		evs = append(evs, fmt.Sprintf(`{"exception":{"values":[{"type":"E%d","value":"x"}]}}`, i))
	}
	e.sendEvents(pid, key, evs...)
	seen := map[float64]bool{}
	cursor := ""
	for pages := 0; pages < 10; pages++ {
		m := e.apiJSON("GET", "/api/v1/issues?limit=3&sort=first_seen"+cursor, nil, 200)
		for _, d := range m["data"].([]any) {
			id := d.(map[string]any)["id"].(float64)
			if seen[id] {
				t.Fatalf("issue %v listed twice", id)
			}
			seen[id] = true
		}
		next, _ := m["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = "&cursor=" + next
	}
	if len(seen) != 7 {
		t.Errorf("paged through %d issues, want 7", len(seen))
	}
}

func TestIssueAPIMergedAway(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("merged")
	e.sendEvents(pid, key, `{"message":"alpha"}`, `{"message":"beta"}`)
	list := e.apiJSON("GET", "/api/v1/issues", nil, 200)["data"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d issues, want 2", len(list))
	}
	keep := int64(list[0].(map[string]any)["id"].(float64))
	gone := int64(list[1].(map[string]any)["id"].(float64))
	e.apiJSON("POST", fmt.Sprintf("/api/v1/issues/%d/merge", keep), fmt.Sprintf(`{"issue_ids":[%d]}`, gone), 200)
	path := fmt.Sprintf("/api/v1/issues/%d", gone)
	want := fmt.Sprintf("merged into issue %d", keep)
	for _, r := range []struct{ method, path, body string }{
		{"GET", path, ""}, {"PATCH", path, `{"status":"resolved"}`}, {"GET", path + "/events", ""},
	} {
		code, raw := e.api(r.method, r.path, r.body)
		if code != http.StatusNotFound || !strings.Contains(string(raw), want) {
			t.Errorf("%s %s of a merged issue: %d %s, want 404 naming issue %d", r.method, r.path, code, raw, keep)
		}
	}
	e.apiJSON("GET", fmt.Sprintf("/api/v1/issues/%d", keep), nil, 200)
}
