package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestViewerCannotChangeStatusPagesInUI posts every status-page form of
// the dashboard as a viewer (403 each, nothing changed) and as a member
// of another team (404 each).
func TestViewerCannotChangeStatusPagesInUI(t *testing.T) {
	e := newTestEnv(t)
	page, mon, comps := seedPage(e, "acme")
	inc := e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Queue stuck",
		"component_ids": []any{comps[0]["id"]}}, 201)
	m := e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Window", "starts_at": "2031-01-07T02:00:00Z",
		"ends_at": "2031-01-07T04:00:00Z", "monitor_ids": []int64{mon}}, 201)
	sub := e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": "http://127.0.0.1:9/hook"}, 201)
	pid, cid := id(page), id(comps[0])
	forms := []struct {
		path string
		form url.Values
	}{
		{"/status-pages", url.Values{"slug": {"viewer"}, "title": {"Viewer"}}},
		{"/status-pages/" + pid, url.Values{"slug": {"acme"}, "title": {"Changed"}}},
		{"/status-pages/" + pid + "/delete", nil},
		{"/status-pages/" + pid + "/components", url.Values{"name": {"New"}}},
		{"/status-pages/" + pid + "/components/" + cid, url.Values{"name": {"Changed"}}},
		{"/status-pages/" + pid + "/components/" + cid + "/delete", nil},
		{"/status-pages/" + pid + "/subscribers/" + id(sub) + "/delete", nil},
		{"/status-pages/incidents", url.Values{"title": {"New"}}},
		{"/status-pages/incidents/" + id(inc) + "/updates", url.Values{"status": {"resolved"}, "body": {"x"}}},
		{"/status-pages/incidents/" + id(inc) + "/delete", nil},
		{"/status-pages/maintenance", url.Values{"title": {"New"}, "kind": {"once"}}},
		{"/status-pages/maintenance/" + id(m), url.Values{"title": {"Changed"}}},
		{"/status-pages/maintenance/" + id(m) + "/delete", nil},
	}
	e.addMember(e.TeamID, "viewer@example.com", "viewer")
	viewer := e.browser("viewer@example.com")
	_, otherTeam, _ := e.newOwner("other@example.com")
	_ = otherTeam
	other := e.browser("other@example.com")
	for _, f := range forms {
		if f.form == nil {
			f.form = url.Values{}
		}
		if code, _ := viewer.post(f.path, cloneValues(f.form)); code != http.StatusForbidden {
			t.Errorf("viewer POST %s = %d, want 403", f.path, code)
		}
		if f.path == "/status-pages" || f.path == "/status-pages/incidents" || f.path == "/status-pages/maintenance" {
			continue // creating in one's own team is allowed
		}
		if code, _ := other.post(f.path, cloneValues(f.form)); code != http.StatusNotFound {
			t.Errorf("other team POST %s = %d, want 404", f.path, code)
		}
	}
	got := e.apiJSON("GET", "/api/v1/status-pages/"+pid, nil, 200)
	if got["title"] != "Acme Cloud" {
		t.Errorf("title changed to %v", got["title"])
	}
	e.apiJSON("GET", "/api/v1/incidents/"+id(inc), nil, 200)
	e.apiJSON("GET", "/api/v1/maintenance/"+id(m), nil, 200)
	e.apiJSON("GET", "/api/v1/components/"+cid, nil, 200)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// TestMemberWebhookSubscriberAccess lets only members of the page's team
// add webhook subscribers: viewers get 403, other teams 404, and wrong
// types or kinds name the field.
func TestMemberWebhookSubscriberAccess(t *testing.T) {
	e := newTestEnv(t)
	page, _, _ := seedPage(e, "acme")
	path := "/api/v1/status-pages/" + id(page) + "/subscribers"
	uid := e.addMember(e.TeamID, "viewer@example.com", "viewer")
	viewer, _, err := issueToken(context.Background(), e.store, e.TeamID, uid, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := e.newOwner("other@example.com")
	body := map[string]any{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}
	if code, _ := e.do("POST", path, viewer, body); code != http.StatusForbidden {
		t.Errorf("viewer = %d, want 403", code)
	}
	if code, _ := e.do("POST", path, other, body); code != http.StatusNotFound {
		t.Errorf("other team = %d, want 404", code)
	}
	for _, bad := range []map[string]any{
		{"kind": "email", "url": "http://127.0.0.1:9/hook"},
		{"kind": "webhook", "url": 5},
		{"kind": "webhook", "url": "ftp://127.0.0.1/x"},
		{"kind": "webhook", "url": "http://127.0.0.1:9/hook", "component_ids": []int64{999}},
		{"kind": "webhook", "url": "http://127.0.0.1:9/hook", "extra": true},
	} {
		if code, raw := e.api("POST", path, bad); code != http.StatusBadRequest || !strings.Contains(string(raw), `"field"`) {
			t.Errorf("POST %v = %d %s, want 400 naming a field", bad, code, raw)
		}
	}
}

// TestBadTimesNameTheirField sends times that are not RFC 3339 and checks
// the 400 names the field.
func TestBadTimesNameTheirField(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "acme")
	for _, sc := range []struct {
		path, field string
		body        map[string]any
	}{
		{"/api/v1/maintenance", "starts_at", map[string]any{"title": "x", "starts_at": "nope", "ends_at": "2031-01-07T04:00:00Z"}},
		{"/api/v1/maintenance", "ends_at", map[string]any{"title": "x", "starts_at": "2031-01-07T02:00:00Z", "ends_at": 5}},
		{"/api/v1/maintenance", "starts_at", map[string]any{"title": "x", "starts_at": "0000-01-01T00:00:00Z", "ends_at": "2031-01-07T04:00:00Z"}},
		{"/api/v1/incidents", "started_at", map[string]any{"title": "x", "started_at": "yesterday"}},
	} {
		code, raw := e.api("POST", sc.path, sc.body)
		if code != http.StatusBadRequest || !strings.Contains(string(raw), `"field":"`+sc.field+`"`) {
			t.Errorf("POST %s %v = %d %s, want 400 naming %s", sc.path, sc.body, code, raw, sc.field)
		}
	}
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "ok", "starts_at": "2031-01-07T02:00:00+01:00",
		"ends_at": "2031-01-07T04:00:00.5Z"}, 201)
}
