package app

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sentryEvent is a store-endpoint event from a given user.
func sentryEvent(user string) string {
	return `{"platform":"go","level":"error","environment":"production","release":"1.2.0",
"exception":{"values":[{"type":"PaymentError","value":"card declined",
"stacktrace":{"frames":[{"function":"charge","filename":"pay.go","lineno":12,"in_app":true}]}}]},
"user":{"id":"` + user + `"}}`
}

func (h *hookReceiver) ofType(typ string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, b := range h.bodies {
		if b["type"] == typ {
			out = append(out, b)
		}
	}
	return out
}

// TestIssueAlertsFromRealEvents ingests events through the Sentry store
// endpoint and checks the issue_new, issue_frequency and issue_users
// rules fire on them, once each.
func TestIssueAlertsFromRealEvents(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	pid, key, _ := e.newSentryProject("payments")
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	rule := func(body map[string]any) {
		body["channel_ids"] = []any{ch["id"]}
		e.apiJSON("POST", "/api/v1/alert-rules", body, 201)
	}
	rule(map[string]any{"name": "new", "trigger": "issue_new", "filters": map[string]any{
		"project_ids": []int64{pid}, "environments": []string{"production"}, "levels": []string{"error"}}})
	rule(map[string]any{"name": "busy", "trigger": "issue_frequency", "threshold": 3, "window_seconds": 3600})
	rule(map[string]any{"name": "many users", "trigger": "issue_users", "threshold": 2, "window_seconds": 3600})
	rule(map[string]any{"name": "other project", "trigger": "issue_new", "filters": map[string]any{
		"project_ids": []int64{pid + 100}}})

	e.sendEvents(pid, key, sentryEvent("u1"), sentryEvent("u1"))
	alertsWait(t, "issue_new alert", func() bool { return len(hook.ofType("issue_new")) == 1 })
	preview := e.apiJSON("POST", "/api/v1/alert-rules/preview", map[string]any{"trigger": "issue_frequency",
		"threshold": 1, "window_seconds": 3600}, 200)
	if rows := preview["data"].([]any); len(rows) != 1 || rows[0].(map[string]any)["outcome"] != "fire" {
		t.Fatalf("frequency preview %v", preview)
	}
	if n := len(hook.ofType("issue_frequency")) + len(hook.ofType("issue_users")); n != 0 {
		t.Fatalf("%d threshold alerts below the thresholds", n)
	}

	e.sendEvents(pid, key, sentryEvent("u2"), sentryEvent("u3"))
	alertsWait(t, "frequency and users alerts", func() bool {
		return len(hook.ofType("issue_frequency")) == 1 && len(hook.ofType("issue_users")) == 1
	})
	freq := hook.ofType("issue_frequency")[0]
	if !strings.Contains(freq["title"].(string), "4 events in 1 h") {
		t.Errorf("frequency title %q", freq["title"])
	}
	users := hook.ofType("issue_users")[0]
	if !strings.Contains(users["title"].(string), "3 users affected") {
		t.Errorf("users title %q", users["title"])
	}

	// More events in the same window do not fire the same rules again.
	e.sendEvents(pid, key, sentryEvent("u4"), sentryEvent("u5"))
	e.srv.notifier.Poke()
	for i := 0; i < 3; i++ {
		e.sendEvents(pid, key, sentryEvent(fmt.Sprint("again", i)))
	}
	time.Sleep(time.Second) // several evaluation rounds (every 300 ms here)
	if n := len(hook.ofType("issue_frequency")); n != 1 {
		t.Errorf("frequency rule fired %d times in one window", n)
	}
	if n := len(hook.ofType("issue_new")); n != 1 {
		t.Errorf("issue_new fired %d times", n)
	}
}
