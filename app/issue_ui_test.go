package app

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// sendEvents ingests events through the store endpoint and waits for them.
func (e *testEnv) sendEvents(pid int64, key string, events ...string) {
	e.t.Helper()
	var before int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM events WHERE project_id = ?`, pid).Scan(&before)
	for _, ev := range events {
		code, _, body := e.ingest(ingestReq{path: fmt.Sprintf("/api/%d/store/", pid), headers: sentryAuth(key), body: []byte(ev)})
		if code != 200 {
			e.t.Fatalf("ingest: %d %v", code, body)
		}
	}
	e.waitEvents(pid, before+len(events))
}

const pyError = `{"platform":"python","level":"error","release":"1.0","environment":"prod",
"exception":{"values":[{"type":"ZeroDivisionError","value":"division by zero","mechanism":{"type":"generic","handled":false},
"stacktrace":{"frames":[{"module":"app.views","function":"checkout","filename":"app/views.py","lineno":42,
"context_line":"    total = amount / count","pre_context":["def checkout(amount, count):"],"post_context":["    return total"],
"vars":{"amount":"10","password":"hunter2"},"in_app":true}]}}]},
"breadcrumbs":{"values":[{"timestamp":1764849600,"category":"http","message":"GET /cart","level":"info"}]},
"request":{"url":"https://shop.test/checkout","method":"POST","headers":{"Authorization":"Bearer secret","Accept":"*/*"}},
"user":{"id":"42","email":"buyer@example.com","ip_address":"{{auto}}"},"tags":{"browser":"Firefox"},
"contexts":{"os":{"name":"Linux"}},"extra":{"card":"4111 1111 1111 1111","cart_size":3}}`

func TestIssueUI(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	code, body := b.get("/issues")
	if code != 200 || !strings.Contains(body, "Send your first error") {
		t.Fatalf("empty issues page: %d", code)
	}
	code, body = b.post("/projects", url.Values{"name": {""}, "platform": {"go"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "name: must be") {
		t.Fatalf("empty name: %d", code)
	}
	code, _ = b.post("/projects", url.Values{"name": {"shop"}, "platform": {"python"}})
	if code != http.StatusSeeOther {
		t.Fatalf("create project: %d", code)
	}
	ps := e.apiJSON("GET", "/api/v1/projects", nil, 200)["data"].([]any)
	p := ps[0].(map[string]any)
	pid := int64(p["id"].(float64))
	key := strings.SplitN(strings.TrimPrefix(p["dsn"].(string), "http://"), "@", 2)[0]
	code, body = b.get(fmt.Sprintf("/projects/%d", pid))
	for _, want := range []string{p["dsn"].(string), "sentry_sdk.init", "Sentry.init", "sentry.Init", "Client keys"} {
		if !strings.Contains(body, want) {
			t.Errorf("project page lacks %q", want)
		}
	}
	e.sendEvents(pid, key, pyError, strings.Replace(pyError, `"id":"42"`, `"id":"43"`, 1))
	code, body = b.get("/issues/fresh?since=0")
	if code != 200 || !strings.Contains(body, "1 issue") && !strings.Contains(body, "One issue") {
		t.Errorf("live notice: %d %s", code, body)
	}
	code, body = b.get("/issues")
	if code != 200 || !strings.Contains(body, "ZeroDivisionError: division by zero") ||
		!strings.Contains(body, "app.views in checkout") {
		t.Fatalf("issue list: %d", code)
	}
	id := regexp.MustCompile(`href="/issues/(\d+)"`).FindStringSubmatch(body)[1]
	code, body = b.get("/issues/" + id)
	if code != 200 {
		t.Fatalf("issue page: %d", code)
	}
	for _, want := range []string{"total = amount / count", "GET /cart", "Firefox", "buyer@example.com",
		"https://shop.test/checkout", "[Filtered]", "Raw JSON", "unhandled"} {
		if !strings.Contains(body, want) {
			t.Errorf("issue page lacks %q", want)
		}
	}
	for _, leak := range []string{"hunter2", "Bearer secret", "4111 1111 1111 1111"} {
		if strings.Contains(body, leak) {
			t.Errorf("issue page shows the secret %q", leak)
		}
	}
	code, _ = b.post("/issues/"+id+"/status", url.Values{"status": {"resolved"}})
	if code != http.StatusSeeOther {
		t.Fatalf("resolve: %d", code)
	}
	code, body = b.get("/issues?status=resolved")
	if !strings.Contains(body, "ZeroDivisionError") {
		t.Error("resolved issue not listed under resolved")
	}
	code, _ = b.post("/issues/bulk", url.Values{"id": {id}, "action": {"ignore"}})
	if code != http.StatusSeeOther {
		t.Fatalf("bulk ignore: %d", code)
	}
	if st := e.apiJSON("GET", "/api/v1/issues/"+id, nil, 200)["status"]; st != "ignored" {
		t.Errorf("status after bulk ignore = %v", st)
	}
	code, body = b.get("/")
	if code != 200 || !strings.Contains(body, "Unresolved issues") {
		t.Errorf("overview: %d", code)
	}
}

func TestIssueTenancy(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("a-project")
	e.sendEvents(pid, key, `{"event_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","message":"team A secret"}`)
	id := int64(e.apiJSON("GET", "/api/v1/issues", nil, 200)["data"].([]any)[0].(map[string]any)["id"].(float64))
	otherToken, _, _ := e.newOwner("b@example.com")
	for _, path := range []string{
		fmt.Sprintf("/api/v1/projects/%d", pid),
		fmt.Sprintf("/api/v1/projects/%d/keys", pid),
		fmt.Sprintf("/api/v1/issues/%d", id),
		fmt.Sprintf("/api/v1/issues/%d/events", id),
		"/api/v1/events/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	} {
		if code, body := e.do("GET", path, otherToken, nil); code != 404 {
			t.Errorf("team B GET %s: %d %s, want 404", path, code, body)
		}
	}
	if code, _ := e.do("PATCH", fmt.Sprintf("/api/v1/issues/%d", id), otherToken, map[string]any{"status": "resolved"}); code != 404 {
		t.Errorf("team B PATCH issue: %d, want 404", code)
	}
	list := e.doJSON("GET", "/api/v1/issues", otherToken)
	if n := len(list["data"].([]any)); n != 0 {
		t.Errorf("team B sees %d issues", n)
	}
	b := e.browser("b@example.com")
	for _, path := range []string{fmt.Sprintf("/issues/%d", id), fmt.Sprintf("/projects/%d", pid)} {
		if code, _ := b.get(path); code != 404 {
			t.Errorf("team B browser GET %s: %d, want 404", path, code)
		}
	}
	if code, body := b.get("/issues?status=all"); strings.Contains(body, "team A secret") || code != 200 {
		t.Errorf("team B's list shows team A's issue (%d)", code)
	}
}

func (e *testEnv) doJSON(method, path, token string) map[string]any {
	e.t.Helper()
	code, raw := e.do(method, path, token, nil)
	if code != 200 {
		e.t.Fatalf("%s %s: %d %s", method, path, code, raw)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		e.t.Fatal(err)
	}
	return m
}

func TestIssueAttachmentsAndFeedback(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("files")
	id := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	env := `{"event_id":"` + id + `"}` + "\n" +
		`{"type":"event"}` + "\n" + `{"message":"with a file"}` + "\n" +
		`{"type":"attachment","length":11,"filename":"log \"1\".txt","content_type":"text/html"}` + "\n" + `<b>hello</b` + "\n" +
		`{"type":"user_report"}` + "\n" + `{"event_id":"` + id + `","name":"Ada","email":"ada@example.com","comments":"It broke when I paid."}` + "\n"
	code, _, body := e.ingest(ingestReq{path: fmt.Sprintf("/api/%d/envelope/", pid), headers: sentryAuth(key), body: []byte(env)})
	if code != 200 {
		t.Fatalf("ingest: %d %v", code, body)
	}
	e.waitQueue()
	issue := int64(e.apiJSON("GET", "/api/v1/issues", nil, 200)["data"].([]any)[0].(map[string]any)["id"].(float64))
	b := e.browser(e.Email)
	_, page := b.get(fmt.Sprintf("/issues/%d", issue))
	for _, want := range []string{"It broke when I paid.", "Ada", "Attachments", "log &#34;1&#34;.txt"} {
		if !strings.Contains(page, want) {
			t.Errorf("issue page lacks %q", want)
		}
	}
	link := regexp.MustCompile(`href="(/issues/\d+/events/\d+/attachments/\d+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatal("no attachment link")
	}
	res, err := b.client.Get(e.URL + link[1])
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if string(got) != "<b>hello</b" || res.Header.Get("Content-Type") != "application/octet-stream" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("download: %q %v", got, res.Header)
	}
	e.newOwner("c@example.com")
	if code, _ := e.browser("c@example.com").get(link[1]); code != 404 {
		t.Errorf("another team downloads the attachment: %d", code)
	}
}

// A viewer reads issues and projects but every form post that would change
// one is refused and changes nothing; another team's issue and project
// ids are 404 through the pages, their forms and the API.
func TestIssueUIViewerAndOtherTeam(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("roles")
	e.sendEvents(pid, key, `{"message":"role check"}`)
	var id, keyID int64
	e.store.R.QueryRow(`SELECT id FROM issues WHERE project_id = ?`, pid).Scan(&id)
	e.store.R.QueryRow(`SELECT id FROM project_keys WHERE project_id = ?`, pid).Scan(&keyID)
	e.addMember(e.TeamID, "viewer@example.com", "viewer")
	viewer := e.browser("viewer@example.com")
	if code, _ := viewer.get(fmt.Sprintf("/issues/%d", id)); code != http.StatusOK {
		t.Fatalf("viewer reads the issue: %d", code)
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{fmt.Sprintf("/issues/%d/status", id), url.Values{"status": {"resolved"}}},
		{fmt.Sprintf("/issues/%d/assign", id), url.Values{"assignee": {e.Email}}},
		{fmt.Sprintf("/issues/%d/comment", id), url.Values{"body": {"hi"}}},
		{fmt.Sprintf("/issues/%d/unmerge", id), url.Values{"hash": {"x"}}},
		{"/issues/bulk", url.Values{"ids": {fmt.Sprint(id)}, "action": {"resolve"}}},
		{"/projects", url.Values{"name": {"new"}, "platform": {"go"}}},
		{fmt.Sprintf("/projects/%d", pid), url.Values{"name": {"renamed"}}},
		{fmt.Sprintf("/projects/%d/keys", pid), url.Values{"label": {"k"}}},
		{fmt.Sprintf("/projects/%d/keys/%d/toggle", pid, keyID), nil},
		{fmt.Sprintf("/projects/%d/keys/%d/delete", pid, keyID), nil},
		{fmt.Sprintf("/projects/%d/delete", pid), nil},
	}
	for _, p := range posts {
		if code, _ := viewer.post(p.path, maps.Clone(p.form)); code != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d, want 403", p.path, code)
		}
	}
	var status, name string
	var comments, projects, enabled int
	e.store.R.QueryRow(`SELECT status FROM issues WHERE id = ?`, id).Scan(&status)
	e.store.R.QueryRow(`SELECT name FROM projects WHERE id = ?`, pid).Scan(&name)
	e.store.R.QueryRow(`SELECT COUNT(*) FROM issue_activity WHERE issue_id = ? AND kind = 'comment'`, id).Scan(&comments)
	e.store.R.QueryRow(`SELECT COUNT(*) FROM projects`).Scan(&projects)
	e.store.R.QueryRow(`SELECT enabled FROM project_keys WHERE id = ?`, keyID).Scan(&enabled)
	if status != "unresolved" || name != "roles" || comments != 0 || projects != 1 || enabled != 1 {
		t.Errorf("viewer posts changed something: status %s, name %s, %d comments, %d projects, key enabled %d",
			status, name, comments, projects, enabled)
	}

	token, _, _ := e.newOwner("other@example.com")
	other := e.browser("other@example.com")
	for _, path := range []string{fmt.Sprintf("/issues/%d", id), fmt.Sprintf("/projects/%d", pid)} {
		if code, _ := other.get(path); code != http.StatusNotFound {
			t.Errorf("another team GET %s: %d, want 404", path, code)
		}
	}
	for _, p := range posts[:4] {
		if code, _ := other.post(p.path, maps.Clone(p.form)); code != http.StatusNotFound {
			t.Errorf("another team POST %s: %d, want 404", p.path, code)
		}
	}
	for _, r := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("/api/v1/issues/%d", id), ""},
		{"PATCH", fmt.Sprintf("/api/v1/issues/%d", id), `{"status":"resolved"}`},
		{"GET", fmt.Sprintf("/api/v1/issues/%d/events", id), ""},
		{"POST", fmt.Sprintf("/api/v1/issues/%d/comments", id), `{"body":"x"}`},
		{"GET", fmt.Sprintf("/api/v1/projects/%d/keys", pid), ""},
	} {
		var body any
		if r.body != "" {
			body = r.body
		}
		if code, raw := e.do(r.method, r.path, token, body); code != http.StatusNotFound {
			t.Errorf("another team %s %s: %d %s, want 404", r.method, r.path, code, raw)
		}
	}
}
