package app

import (
	"fmt"
	"html"
	"strings"
	"testing"
)

// The project page offers a ready DSN for every client key, not only the
// first enabled one.
func TestProjectPageDSNPerKey(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	pid, _, _ := e.newSentryProject("keys")
	second := e.apiJSON("POST", fmt.Sprintf("/api/v1/projects/%d/keys", pid), `{"label":"mobile"}`, 201)
	keys := e.apiJSON("GET", fmt.Sprintf("/api/v1/projects/%d/keys", pid), nil, 200)["data"].([]any)
	if len(keys) != 2 {
		t.Fatalf("%d keys, want 2", len(keys))
	}
	code, body := b.get(fmt.Sprintf("/projects/%d", pid))
	if code != 200 {
		t.Fatalf("project page: %d", code)
	}
	body = html.UnescapeString(body)
	for _, k := range keys {
		dsn := k.(map[string]any)["dsn"].(string)
		if !strings.Contains(body, `value="`+dsn+`"`) {
			t.Errorf("project page has no ready DSN for key %v (%s)", k.(map[string]any)["label"], dsn)
		}
	}
	if second["dsn"] == "" {
		t.Error("created key has no dsn")
	}
}
