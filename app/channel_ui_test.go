package app

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestAlertsUI(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	b := e.browser(e.Email)

	code, body := b.get("/alerts")
	if code != 200 || !strings.Contains(body, "No channels yet") || !strings.Contains(body, `href="/alerts/channels/new"`) {
		t.Fatalf("empty channels page: %d", code)
	}
	code, body = b.get("/alerts/channels/new")
	if code != 200 || !strings.Contains(body, "/alerts/channels/new?type=slack") {
		t.Fatalf("type picker: %d", code)
	}
	code, body = b.post("/alerts/channels", url.Values{"type": {"webhook"}, "name": {"Ops"}, "enabled": {"1"},
		"cfg_url": {"http://169.254.169.254/"}})
	if code != 400 || !strings.Contains(body, "address refused") {
		t.Fatalf("metadata URL: %d %s", code, regexp1(`(?s)<main[^>]*>(.*)</main>`, body))
	}
	code, body = b.postThenGet("/alerts/channels", url.Values{"type": {"webhook"}, "name": {"Ops"}, "enabled": {"1"},
		"cfg_url": {hook.URL}, "cfg_headers": {"X-Team: ops"}})
	secret := regexp1(`value="(whsec_[^"]+)"`, body)
	if code != 200 || secret == "" {
		t.Fatalf("create: %d, no secret shown", code)
	}
	id := regexp1(`action="/alerts/channels/(\d+)/test"`, body)
	code, body = b.get("/alerts/channels/" + id)
	if code != 200 || strings.Contains(body, secret) || strings.Contains(body, "X-Team: ops") ||
		!strings.Contains(body, "X-Team: ********") {
		t.Fatalf("channel page shows a secret or lost the header: %d", code)
	}
	code, body = b.postThenGet("/alerts/channels/"+id+"/test", nil)
	if code != 200 || !strings.Contains(body, "test delivered") || !strings.Contains(body, "{&#34;received&#34;:true}") {
		t.Fatalf("test: %d %s", code, body)
	}
	hook.mu.Lock()
	hook.status = 401
	hook.mu.Unlock()
	code, body = b.postThenGet("/alerts/channels/"+id+"/test", nil)
	if code != 200 || !strings.Contains(body, "test failed") || !strings.Contains(body, "401") {
		t.Fatalf("failing test: %d", code)
	}
	// The failed test can be sent again from the log once the receiver
	// accepts it.
	hook.mu.Lock()
	hook.status = 200
	hook.mu.Unlock()
	failed := regexp1(`action="/alerts/deliveries/(\d+)/retry"`, body)
	if code, _ := b.post("/alerts/deliveries/"+failed+"/retry", nil); code != 303 {
		t.Fatalf("retry: %d", code)
	}
	alertsWait(t, "retried delivery sent", func() bool {
		ds := e.apiJSON("GET", "/api/v1/channels/"+id+"/deliveries?status=failed", nil, 200)["data"].([]any)
		return len(ds) == 0
	})
	if code, _ := b.post("/alerts/deliveries/"+failed+"/retry", nil); code != 404 {
		t.Fatalf("retrying a delivery that was sent: %d, want 404", code)
	}
	// Saving with masked values keeps the secret and the header.
	code, _ = b.post("/alerts/channels/"+id, url.Values{"name": {"Ops hook"}, "enabled": {"1"}, "cfg_url": {hook.URL},
		"cfg_secret": {secretMask}, "cfg_headers": {"X-Team: ********"}})
	if code != 303 {
		t.Fatalf("update: %d", code)
	}
	ch, err := e.srv.notifier.Channel(t.Context(), e.TeamID, int64Of(t, id))
	if err != nil || ch.Config["secret"] != secret || ch.Config["headers"].(map[string]any)["X-Team"] != "ops" {
		t.Fatalf("secrets after save: %v %v", ch.Config, err)
	}

	code, body = b.get("/alerts/rules/new")
	if code != 200 || !strings.Contains(body, "Certificate expires within N days") {
		t.Fatalf("rule form: %d", code)
	}
	form := url.Values{"name": {"Page me"}, "trigger": {"monitor_down"}, "channel_ids": {id}, "cooldown_minutes": {"5"},
		"storm_limit": {"10"}, "enabled": {"1"}, "tags": {"prod, api"}}
	code, body = b.post("/alerts/rules/preview", form)
	if code != 200 || !strings.Contains(body, "would not have sent anything") {
		t.Fatalf("preview: %d", code)
	}
	code, _ = b.post("/alerts/rules", form)
	if code != 303 {
		t.Fatalf("create rule: %d", code)
	}
	code, body = b.get("/alerts/rules")
	if code != 200 || !strings.Contains(body, "Page me") || !strings.Contains(body, "tags prod, api") {
		t.Fatalf("rules list: %d", code)
	}
	bad := url.Values{"name": {"x"}, "trigger": {"issue_users"}, "window_minutes": {"abc"}}
	if code, body = b.post("/alerts/rules", bad); code != 400 || !strings.Contains(body, "window_minutes") {
		t.Fatalf("bad rule: %d", code)
	}

	code, body = b.get("/alerts/mine")
	if code != 200 || !strings.Contains(body, "Nothing sent to you yet") || !strings.Contains(body, "Test notification") {
		t.Fatalf("my notifications: %d", code)
	}
	// An e-mail channel listing the owner (sent to the log: no transport).
	for _, to := range []string{"x" + e.Email, "OWNER@example.com, ops@example.com"} {
		b.post("/alerts/channels", url.Values{"type": {"email"}, "name": {"Mail " + to}, "enabled": {"1"},
			"cfg_to": {to}})
	}
	for _, ch := range e.apiJSON("GET", "/api/v1/channels", nil, 200)["data"].([]any) {
		id := itoa(int64(ch.(map[string]any)["id"].(float64)))
		e.apiJSON("POST", "/api/v1/channels/"+id+"/test", nil, 200)
	}
	code, body = b.get("/alerts/mine")
	mine := body[:strings.Index(body, "Recent notifications of the team")]
	if code != 200 || !strings.Contains(mine, "Mail OWNER@example.com") || strings.Contains(mine, "Mail x") ||
		strings.Contains(mine, "Ops hook") {
		t.Fatalf("my notifications list the wrong channels: %d", code)
	}

	// Another team sees none of it.
	e.newOwner("stranger@example.com")
	sb := e.browser("stranger@example.com")
	for _, p := range []string{"/alerts/channels/" + id} {
		if code, _ := sb.get(p); code != 404 {
			t.Errorf("GET %s as another team: %d", p, code)
		}
	}
	for _, p := range []string{"/alerts/channels/" + id + "/test", "/alerts/channels/" + id + "/delete"} {
		if code, _ := sb.post(p, nil); code != 404 {
			t.Errorf("POST %s as another team: %d", p, code)
		}
	}
	if _, body := sb.get("/alerts"); strings.Contains(body, "Ops hook") {
		t.Error("another team's channel list shows ours")
	}

	code, _ = b.post("/alerts/channels/"+id+"/delete", nil)
	if code != 303 {
		t.Fatalf("delete: %d", code)
	}
	if _, body := b.get("/alerts"); strings.Contains(body, "Ops hook") {
		t.Error("deleted channel still listed")
	}
}

func int64Of(t *testing.T, s string) int64 {
	t.Helper()
	if !regexp.MustCompile(`^\d+$`).MatchString(s) {
		t.Fatalf("not an id: %q", s)
	}
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestAlertsUIPreviewOfSavedRuleKeepsTheRule(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	b := e.browser(e.Email)

	code, body := b.get("/alerts/channels/new?type=webhook")
	if code != 200 || strings.Contains(body, "keep the saved value") || !strings.Contains(body, "Stored encrypted.") {
		t.Fatalf("a new channel's form speaks of a saved value: %d", code)
	}
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "Ops", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	chID := itoa(int64(ch["id"].(float64)))
	code, body = b.get("/alerts/channels/" + chID)
	if code != 200 || !strings.Contains(body, "keep the saved value") {
		t.Fatalf("a saved channel's form does not say how to keep its secret: %d", code)
	}

	r := e.apiJSON("POST", "/api/v1/alert-rules", map[string]any{"name": "Page me", "trigger": "monitor_down",
		"channel_ids": []any{ch["id"]}}, 201)
	id := itoa(int64(r["id"].(float64)))
	code, body = b.get("/alerts/rules/" + id)
	if code != 200 || !strings.Contains(body, `name="id" value="`+id+`"`) {
		t.Fatalf("rule form does not carry its id: %d", code)
	}
	form := url.Values{"id": {id}, "name": {"Page me"}, "trigger": {"monitor_down"}, "channel_ids": {chID},
		"storm_limit": {"10"}, "enabled": {"1"}}
	code, body = b.post("/alerts/rules/preview", form)
	if code != 200 || !strings.Contains(body, "Dry run") {
		t.Fatalf("preview: %d", code)
	}
	if strings.Contains(body, "New alert rule") || strings.Contains(body, `action="/alerts/rules"`) ||
		!strings.Contains(body, `action="/alerts/rules/`+id+`"`) || !strings.Contains(body, "/alerts/rules/"+id+"/delete") {
		t.Fatalf("the preview of a saved rule turned it into a new rule:\n%s", regexp1(`(?s)<main[^>]*>(.*)</main>`, body))
	}

	e.apiJSON("POST", "/api/v1/alert-rules", map[string]any{"name": "Draft", "trigger": "issue_new",
		"channel_ids": []any{}}, 201)
	if _, body := b.get("/alerts/rules"); !strings.Contains(body, "none: sends nothing") {
		t.Fatal("a rule without channels shows nothing in the channels column")
	}
}

// TestAlertsUIRefusesBadChannelForms: each bad form answers 400 with the
// reason on the page, never a 500.
func TestAlertsUIRefusesBadChannelForms(t *testing.T) {
	e := notifyEnv(t)
	b := e.browser(e.Email)
	scenarios := []struct {
		name string
		form url.Values
		want string
	}{
		{"control character in name", url.Values{"type": {"webhook"}, "name": {"a\x00b"}, "cfg_url": {"http://127.0.0.1:9/"}},
			"without control characters"},
		{"huge headers", url.Values{"type": {"webhook"}, "name": {"Big"}, "cfg_url": {"http://127.0.0.1:9/"},
			"cfg_headers": {"X-Big: " + strings.Repeat("a", 100<<10)}}, "at most 16 KiB"},
		{"hex metadata address", url.Values{"type": {"webhook"}, "name": {"Hex"}, "cfg_url": {"http://0xa9fea9fe/"}},
			"address refused"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, body := b.post("/alerts/channels", sc.form)
			if code != 400 || !strings.Contains(body, sc.want) {
				t.Fatalf("got %d %s, want 400 saying %q", code, regexp1(`(?s)<main[^>]*>(.*)</main>`, body), sc.want)
			}
		})
	}
}

// TestAlertsUIViewerCannotChangeAnything: a viewer's posts to every
// alerts form are refused and change nothing; another team's ids are 404.
func TestAlertsUIViewerCannotChangeAnything(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "Ops", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	id := itoa(int64(ch["id"].(float64)))
	rule := e.apiJSON("POST", "/api/v1/alert-rules", map[string]any{"name": "Down", "trigger": "monitor_down",
		"channel_ids": []any{ch["id"]}}, 201)
	rid := itoa(int64(rule["id"].(float64)))
	e.apiJSON("POST", "/api/v1/channels/"+id+"/test", nil, 200)
	log := e.apiJSON("GET", "/api/v1/channels/"+id+"/deliveries", nil, 200)
	did := itoa(int64(log["data"].([]any)[0].(map[string]any)["id"].(float64)))
	e.addMember(e.TeamID, "viewer@example.com", "viewer")
	v := e.browser("viewer@example.com")
	posts := []struct {
		path string
		form url.Values
	}{
		{"/alerts/channels", url.Values{"type": {"webhook"}, "name": {"Mine"}, "cfg_url": {hook.URL}}},
		{"/alerts/channels/" + id, url.Values{"name": {"Renamed"}, "cfg_url": {hook.URL}}},
		{"/alerts/channels/" + id + "/test", nil},
		{"/alerts/channels/" + id + "/delete", nil},
		{"/alerts/deliveries/" + did + "/retry", nil},
		{"/alerts/rules", url.Values{"name": {"Mine"}, "trigger": {"monitor_down"}}},
		{"/alerts/rules/" + rid, url.Values{"name": {"Renamed"}, "trigger": {"monitor_down"}}},
		{"/alerts/rules/" + rid + "/delete", nil},
	}
	for _, p := range posts {
		if code, _ := v.post(p.path, p.form); code != 403 {
			t.Errorf("viewer POST %s: %d, want 403", p.path, code)
		}
	}
	if got := e.apiJSON("GET", "/api/v1/channels/"+id, nil, 200); got["name"] != "Ops" {
		t.Errorf("channel after the viewer's posts: %v", got)
	}
	if got := e.apiJSON("GET", "/api/v1/alert-rules/"+rid, nil, 200); got["name"] != "Down" {
		t.Errorf("rule after the viewer's posts: %v", got)
	}
	if n := len(e.apiJSON("GET", "/api/v1/channels/"+id+"/deliveries", nil, 200)["data"].([]any)); n != 1 {
		t.Errorf("deliveries after the viewer's posts: %d, want 1", n)
	}
	if code, body := v.get("/alerts/channels/" + id); code != 200 || strings.Contains(body, `action="/alerts/channels/`+id+`/delete"`) {
		t.Errorf("viewer's channel page: %d, shows a delete form: %v", code, strings.Contains(body, "/delete"))
	}

	e.newOwner("stranger@example.com")
	sb := e.browser("stranger@example.com")
	for _, p := range []string{"/alerts/deliveries/" + did + "/retry", "/alerts/rules/" + rid, "/alerts/rules/" + rid + "/delete"} {
		if code, _ := sb.post(p, url.Values{"name": {"x"}, "trigger": {"monitor_down"}}); code != 404 {
			t.Errorf("another team POST %s: %d, want 404", p, code)
		}
	}
	if code, _ := sb.get("/alerts/rules/" + rid); code != 404 {
		t.Errorf("another team GET rule: %d, want 404", code)
	}
}
