package app

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// goEvent is a sentry-go style event: frames name a module and an absolute
// path, no relative filename.
const goEvent = `{"platform":"go","level":"error","message":"","exception":[{"type":"*errors.errorString",
"value":"order missing","stacktrace":{"frames":[{"function":"main","module":"main","abs_path":"/src/shop/main.go",
"lineno":52,"in_app":true},{"function":"load","module":"main","abs_path":"/src/shop/store.go","lineno":58,"in_app":true}]}}]}`

func TestIssuePageWording(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	if code, _ := b.post("/projects", url.Values{"name": {"shop"}, "platform": {"go"}}); code != http.StatusSeeOther {
		t.Fatalf("create project: %d", code)
	}
	p := e.apiJSON("GET", "/api/v1/projects", nil, 200)["data"].([]any)[0].(map[string]any)
	pid := int64(p["id"].(float64))
	key := strings.SplitN(strings.TrimPrefix(p["dsn"].(string), "http://"), "@", 2)[0]
	e.sendEvents(pid, key, goEvent)

	_, list := b.get("/issues")
	id := regexp.MustCompile(`href="/issues/(\d+)"`).FindStringSubmatch(list)[1]
	for _, tc := range []struct{ want, not string }{
		{`<span class="muted small">event</span>`, `<span class="muted small">events</span>`},
		{`<span class="muted small">users</span>`, `<span class="muted small">user</span>`},
	} {
		if !strings.Contains(list, tc.want) || strings.Contains(list, tc.not) {
			t.Errorf("issue list: want %q and not %q", tc.want, tc.not)
		}
	}

	_, page := b.get("/issues/" + id)
	for _, want := range []string{"/src/shop/store.go:58", "/src/shop/main.go:52"} {
		if !strings.Contains(page, want) {
			t.Errorf("issue page lacks frame location %q", want)
		}
	}

	steps := []struct {
		form       url.Values
		notice     string
		wantButton string
		wantStatus string
	}{
		{url.Values{"status": {"resolved"}}, "Issue resolved.", ">Unresolve</button>", "resolved"},
		{url.Values{"status": {"ignored"}, "ignore": {"1h"}}, "Issue ignored.", ">Stop ignoring</button>", "ignored"},
		{url.Values{"status": {"unresolved"}}, "Issue unresolved.", ">Ignore</button>", "unresolved"},
	}
	for _, st := range steps {
		t.Run(st.wantStatus, func(t *testing.T) {
			if code, _ := b.post("/issues/"+id+"/status", st.form); code != http.StatusSeeOther {
				t.Fatalf("post %v: %d", st.form, code)
			}
			_, page := b.get("/issues/" + id)
			if !strings.Contains(page, st.notice) {
				t.Errorf("page lacks notice %q", st.notice)
			}
			if !strings.Contains(page, st.wantButton) {
				t.Errorf("page lacks button %q", st.wantButton)
			}
			if got := e.apiJSON("GET", "/api/v1/issues/"+id, nil, 200)["status"]; got != st.wantStatus {
				t.Errorf("status = %v, want %s", got, st.wantStatus)
			}
		})
	}

	if code, _ := b.post("/issues/bulk", url.Values{"id": {id}, "action": {"resolve"}}); code != http.StatusSeeOther {
		t.Fatalf("bulk resolve: %d", code)
	}
	if _, body := b.get("/issues"); !strings.Contains(body, "1 issue resolved.") {
		t.Errorf("bulk notice: want %q", "1 issue resolved.")
	}
	_, body := b.get("/projects")
	if !strings.Contains(body, `<th class="col-dsn">DSN</th>`) {
		t.Error("projects table: the DSN column lacks the class that hides it on narrow screens")
	}
}
