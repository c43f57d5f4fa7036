package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver is a loopback webhook endpoint counting distinct ids.
type hookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	status int
	bodies []map[string]any
	ids    map[string]int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{status: 200, ids: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.bodies = append(h.bodies, m)
		h.ids[r.Header.Get("webhook-id")]++
		w.WriteHeader(h.status)
		w.Write([]byte(`{"received":true}`))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies)
}

// notifyEnv is a test env whose notification engine knows its own URL
// and retries quickly.
func notifyEnv(t *testing.T) *testEnv {
	e := newTestEnv(t)
	e.srv.notifySelf(e.URL)
	e.srv.notifier.SetTiming(5*time.Millisecond, 50*time.Millisecond, 200*time.Millisecond, 10*time.Millisecond)
	return e
}

func alertsWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestChannelAPIMasksSecrets(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "Ops hook", "type": "webhook",
		"config": map[string]any{"url": hook.URL, "headers": map[string]any{"Authorization": "Bearer zzz"}}}, 201)
	secret, _ := ch["signing_secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("generated secret not shown once: %v", ch)
	}
	cfg := ch["config"].(map[string]any)
	if cfg["secret"] != secretMask || cfg["headers"].(map[string]any)["Authorization"] != secretMask ||
		cfg["url"] != hook.URL {
		t.Fatalf("config %v", cfg)
	}
	id := itoa(int64(ch["id"].(float64)))
	got := e.apiJSON("GET", "/api/v1/channels/"+id, nil, 200)
	if raw, _ := json.Marshal(got); strings.Contains(string(raw), secret) || strings.Contains(string(raw), "zzz") ||
		got["signing_secret"] != nil {
		t.Fatalf("GET leaks a secret: %s", raw)
	}
	list := e.apiJSON("GET", "/api/v1/channels", nil, 200)
	if raw, _ := json.Marshal(list); strings.Contains(string(raw), secret) {
		t.Fatalf("list leaks the secret: %s", raw)
	}

	// A PATCH that sends the masked values back keeps the secrets.
	e.apiJSON("PATCH", "/api/v1/channels/"+id, map[string]any{"name": "Renamed", "config": cfg}, 200)
	if ans := e.apiJSON("POST", "/api/v1/channels/"+id+"/test", nil, 200); ans["ok"] != true ||
		ans["status_code"] != float64(200) || ans["response"] != `{"received":true}` {
		t.Fatalf("test send: %v", ans)
	}
	hook.mu.Lock()
	body := hook.bodies[0]
	hook.mu.Unlock()
	if body["type"] != "test" || body["schema"] != "bitwobbly.notification.v1" {
		t.Fatalf("test body %v", body)
	}

	hook.mu.Lock()
	hook.status = 500
	hook.mu.Unlock()
	ans := e.apiJSON("POST", "/api/v1/channels/"+id+"/test", nil, 200)
	if ans["ok"] != false || ans["status_code"] != float64(500) || !strings.Contains(ans["error"].(string), "500") {
		t.Fatalf("failing test send: %v", ans)
	}
	log := e.apiJSON("GET", "/api/v1/channels/"+id+"/deliveries", nil, 200)
	data := log["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["status"] != "failed" ||
		len(data[0].(map[string]any)["log"].([]any)) != 1 {
		t.Fatalf("delivery log %v", log)
	}
}

func TestChannelAPIRefusesBadInput(t *testing.T) {
	e := notifyEnv(t)
	scenarios := []struct {
		name  string
		body  any
		field string
	}{
		{"no name", map[string]any{"type": "slack"}, "name"},
		{"unknown type", map[string]any{"name": "x", "type": "pigeon"}, "type"},
		{"unknown field", map[string]any{"name": "x", "type": "slack", "colour": "red"}, "colour"},
		{"invalid url", map[string]any{"name": "x", "type": "slack", "config": map[string]any{"webhook_url": "hooks"}},
			"config.webhook_url"},
		{"metadata", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{
			"url": "http://169.254.169.254/latest/meta-data"}}, "config.url"},
		{"ourselves", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{
			"url": e.URL + "/api/v1/channels"}}, "config.url"},
		{"config not object", map[string]any{"name": "x", "type": "slack", "config": "x"}, "config"},
		{"bad telegram token", map[string]any{"name": "x", "type": "telegram", "config": map[string]any{
			"bot_token": "nope", "chat_id": "1"}}, "config.bot_token"},
		{"unknown setting", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{
			"url": "http://127.0.0.1:9/", "secert": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}, "config.secert"},
		{"huge settings", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{
			"url": "http://127.0.0.1:9/", "headers": map[string]any{"X-Big": strings.Repeat("a", 100<<10)}}}, "config"},
		{"name of 101 characters", map[string]any{"name": strings.Repeat("é", 101), "type": "slack"}, "name"},
		{"name with a NUL", map[string]any{"name": "a\x00b", "type": "slack"}, "name"},
		{"name with a newline", map[string]any{"name": "a\nb", "type": "slack"}, "name"},
		{"decimal metadata address", map[string]any{"name": "x", "type": "webhook", "config": map[string]any{
			"url": "http://2852039166/latest/meta-data"}}, "config.url"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, raw := e.api("POST", "/api/v1/channels", sc.body)
			var ans struct {
				Error struct{ Field string }
			}
			json.Unmarshal(raw, &ans)
			if code != 400 || ans.Error.Field != sc.field {
				t.Fatalf("got %d %s, want 400 naming %s", code, raw, sc.field)
			}
		})
	}
}

func TestAlertRuleAPI(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	chID := ch["id"].(float64)
	for _, trig := range []string{"monitor_down", "monitor_recovered", "monitor_degraded", "certificate_expiring",
		"heartbeat_missed", "issue_new", "issue_regressed", "issue_frequency", "issue_users"} {
		r := e.apiJSON("POST", "/api/v1/alert-rules", map[string]any{"name": trig, "trigger": trig,
			"channel_ids": []any{chID}, "filters": map[string]any{"tags": []string{"prod"}}, "cooldown_seconds": 60}, 201)
		if r["trigger"] != trig || r["cooldown_seconds"] != float64(60) || r["enabled"] != true ||
			r["channel_ids"].([]any)[0] != chID {
			t.Fatalf("created %v", r)
		}
	}
	list := e.apiJSON("GET", "/api/v1/alert-rules?limit=5", nil, 200)
	if len(list["data"].([]any)) != 5 || list["next_cursor"] == nil {
		t.Fatalf("first page %v", list)
	}
	next := e.apiJSON("GET", "/api/v1/alert-rules?limit=5&cursor="+list["next_cursor"].(string), nil, 200)
	if len(next["data"].([]any)) != 4 || next["next_cursor"] != nil {
		t.Fatalf("second page %v", next)
	}
	first := list["data"].([]any)[0].(map[string]any)
	id := itoa(int64(first["id"].(float64)))
	upd := e.apiJSON("PATCH", "/api/v1/alert-rules/"+id, map[string]any{"enabled": false, "renotify_minutes": 30}, 200)
	if upd["enabled"] != false || upd["renotify_minutes"] != float64(30) || upd["name"] != first["name"] {
		t.Fatalf("patched %v", upd)
	}
	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x", "trigger": "monitor_sad"}, "trigger"},
		{map[string]any{"name": "x", "trigger": "monitor_down", "channel_ids": []any{999}}, "channel_ids"},
		{map[string]any{"name": "x", "trigger": "monitor_down", "cooldown_seconds": -1}, "cooldown_seconds"},
		{map[string]any{"name": "x", "trigger": "issue_new", "filters": map[string]any{"levels": []string{"loud"}}},
			"filters.levels"},
		{map[string]any{"name": "x", "trigger": "issue_users", "window_seconds": 5}, "window_seconds"},
		{map[string]any{"name": "x", "trigger": "issue_new", "filters": map[string]any{"owner": "me"}}, "owner"},
		{map[string]any{"name": "x", "trigger": "monitor_down", "filters": map[string]any{"monitor_ids": []any{0}}},
			"filters.monitor_ids"},
		{map[string]any{"name": "x", "trigger": "issue_new", "filters": map[string]any{"project_ids": []any{-3}}},
			"filters.project_ids"},
		{map[string]any{"name": "x", "trigger": "monitor_down", "filters": map[string]any{"tags": manyTags(201)}},
			"filters.tags"},
		{map[string]any{"name": "x", "trigger": "monitor_down", "filters": map[string]any{"tags": []string{" "}}},
			"filters.tags"},
		{map[string]any{"name": "x", "trigger": "issue_new", "filters": map[string]any{
			"environments": []string{strings.Repeat("p", 201)}}}, "filters.environments"},
		{map[string]any{"name": "x", "trigger": "monitor_down", "channel_ids": manyIDs(201)}, "channel_ids"},
		{map[string]any{"name": "a\x00b", "trigger": "monitor_down"}, "name"},
	}
	for _, b := range bad {
		code, raw := e.api("POST", "/api/v1/alert-rules", b.body)
		var ans struct {
			Error struct{ Field string }
		}
		json.Unmarshal(raw, &ans)
		if code != 400 || ans.Error.Field != b.field {
			t.Errorf("%v: got %d %s, want 400 naming %s", b.body, code, raw, b.field)
		}
	}
	if code, _ := e.api("DELETE", "/api/v1/alert-rules/"+id, nil); code != 204 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := e.api("GET", "/api/v1/alert-rules/"+id, nil); code != 404 {
		t.Fatalf("deleted rule answers %d", code)
	}
}

func TestAlertsAreScopedToTheTeam(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	chID := itoa(int64(ch["id"].(float64)))
	rule := e.apiJSON("POST", "/api/v1/alert-rules", map[string]any{"name": "r", "trigger": "monitor_down",
		"channel_ids": []any{ch["id"]}}, 201)
	ruleID := itoa(int64(rule["id"].(float64)))

	other, _, _ := e.newOwner("other@example.com")
	for _, req := range []struct{ method, path string }{
		{"GET", "/api/v1/channels/" + chID}, {"PATCH", "/api/v1/channels/" + chID},
		{"DELETE", "/api/v1/channels/" + chID}, {"POST", "/api/v1/channels/" + chID + "/test"},
		{"GET", "/api/v1/channels/" + chID + "/deliveries"}, {"GET", "/api/v1/alert-rules/" + ruleID},
		{"PATCH", "/api/v1/alert-rules/" + ruleID}, {"DELETE", "/api/v1/alert-rules/" + ruleID},
		{"GET", "/api/v1/alert-rules/" + ruleID + "/preview"},
	} {
		var body any
		if req.method == "PATCH" {
			body = map[string]any{"name": "stolen"}
		}
		if code, raw := e.do(req.method, req.path, other, body); code != 404 {
			t.Errorf("%s %s as another team: %d %s, want 404", req.method, req.path, code, raw)
		}
	}
	code, raw := e.do("POST", "/api/v1/alert-rules", other, map[string]any{"name": "r", "trigger": "monitor_down",
		"channel_ids": []any{ch["id"]}})
	if code != 400 || !strings.Contains(string(raw), "channel_ids") {
		t.Errorf("rule on another team's channel: %d %s", code, raw)
	}
	if code, raw := e.do("GET", "/api/v1/channels", other, nil); code != 200 || strings.Contains(string(raw), "hook") {
		t.Errorf("other team's list: %d %s", code, raw)
	}
	if hook.count() != 0 {
		t.Errorf("another team triggered a test send")
	}
}

func TestAlertRoles(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "hook", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	chID := itoa(int64(ch["id"].(float64)))
	token := func(email, role string) string {
		uid := e.addMember(e.TeamID, email, role)
		plain, _, err := issueToken(t.Context(), e.store, e.TeamID, uid, "t")
		if err != nil {
			t.Fatal(err)
		}
		return plain
	}
	viewer, member := token("viewer@example.com", "viewer"), token("member@example.com", "member")
	newChannel := map[string]any{"name": "x", "type": "webhook", "config": map[string]any{"url": hook.URL}}
	newRule := map[string]any{"name": "r", "trigger": "monitor_down", "channel_ids": []any{ch["id"]}}
	scenarios := []struct {
		token, method, path string
		body                any
		want                int
	}{
		{viewer, "GET", "/api/v1/channels/" + chID, nil, 200},
		{viewer, "POST", "/api/v1/channels", newChannel, 403},
		{viewer, "POST", "/api/v1/channels/" + chID + "/test", nil, 403},
		{viewer, "POST", "/api/v1/alert-rules", newRule, 403},
		{member, "POST", "/api/v1/channels", newChannel, 403},
		{member, "DELETE", "/api/v1/channels/" + chID, nil, 403},
		{member, "POST", "/api/v1/channels/" + chID + "/test", nil, 200},
		{member, "POST", "/api/v1/alert-rules", newRule, 201},
	}
	for _, sc := range scenarios {
		if code, raw := e.do(sc.method, sc.path, sc.token, sc.body); code != sc.want {
			t.Errorf("%s %s: %d %s, want %d", sc.method, sc.path, code, raw, sc.want)
		}
	}
}

// TestChannelAPINamesAndSettingsEdges: names are counted in characters,
// and a PATCH may remove a stored setting with null but not add an
// unknown one.
func TestChannelAPINamesAndSettingsEdges(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": strings.Repeat("é", 100), "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	id := itoa(int64(ch["id"].(float64)))
	if code, raw := e.api("PATCH", "/api/v1/channels/"+id, map[string]any{"config": map[string]any{"colour": "red"}}); code != 400 ||
		!strings.Contains(string(raw), `"field":"config.colour"`) {
		t.Fatalf("unknown setting in PATCH: %d %s", code, raw)
	}
	got := e.apiJSON("PATCH", "/api/v1/channels/"+id, map[string]any{"config": map[string]any{"colour": nil,
		"headers": nil}}, 200)
	if _, ok := got["config"].(map[string]any)["colour"]; ok {
		t.Fatalf("config after PATCH: %v", got["config"])
	}
}

func manyTags(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "t" + itoa(int64(i))
	}
	return out
}

func manyIDs(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}
