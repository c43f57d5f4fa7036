package app

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestProjectAPI(t *testing.T) {
	e := newTestEnv(t)
	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{}, "name"},
		{map[string]any{"name": " "}, "name"},
		{map[string]any{"name": "x", "platform": "cobol"}, "platform"},
		{map[string]any{"name": "x", "rate_limit_per_minute": 0}, "rate_limit_per_minute"},
		{map[string]any{"name": "x", "fingerprint_rules": "type:X"}, "fingerprint_rules"},
		{map[string]any{"name": "x", "stack_rules": "module:x"}, "stack_rules"},
		{map[string]any{"name": "x", "extra": 1}, "extra"},
	}
	for _, b := range bad {
		code, raw := e.api("POST", "/api/v1/projects", b.body)
		if code != 400 || !strings.Contains(string(raw), `"field":"`+b.field+`"`) {
			t.Errorf("POST %v: %d %s, want 400 naming %s", b.body, code, raw, b.field)
		}
	}
	p := e.apiJSON("POST", "/api/v1/projects", map[string]any{"name": "web", "platform": "javascript",
		"rate_limit_per_minute": 600, "fingerprint_rules": "type:Timeout -> timeouts"}, 201)
	id := int64(p["id"].(float64))
	dsn := regexp.MustCompile(`^http://[0-9a-f]{32}@127\.0\.0\.1:\d+/` + fmt.Sprint(id) + `$`)
	if !dsn.MatchString(p["dsn"].(string)) || p["rate_limit_per_minute"] != float64(600) ||
		p["fingerprint_rules"] != "type:Timeout -> timeouts" {
		t.Errorf("created project = %v", p)
	}
	got := e.apiJSON("PATCH", fmt.Sprintf("/api/v1/projects/%d", id), map[string]any{"name": "web app",
		"rate_limit_per_minute": nil, "scrub_fields": []string{"iban"}}, 200)
	if got["name"] != "web app" || got["rate_limit_per_minute"] != nil || fmt.Sprint(got["scrub_fields"]) != "[iban]" {
		t.Errorf("patched project = %v", got)
	}
	keysPath := fmt.Sprintf("/api/v1/projects/%d/keys", id)
	k := e.apiJSON("POST", keysPath, map[string]any{"label": "frontend", "rate_limit_per_minute": 60}, 201)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(k["public_key"].(string)) || k["enabled"] != true ||
		!strings.Contains(k["dsn"].(string), k["public_key"].(string)) {
		t.Errorf("new key = %v", k)
	}
	kid := int64(k["id"].(float64))
	k = e.apiJSON("PATCH", fmt.Sprintf("%s/%d", keysPath, kid), map[string]any{"enabled": false}, 200)
	if k["enabled"] != false || k["rate_limit_per_minute"] != float64(60) {
		t.Errorf("patched key = %v", k)
	}
	if n := len(e.apiJSON("GET", keysPath, nil, 200)["data"].([]any)); n != 2 {
		t.Errorf("%d keys, want 2", n)
	}
	if code, _ := e.api("DELETE", fmt.Sprintf("%s/%d", keysPath, kid), nil); code != 204 {
		t.Errorf("delete key: %d", code)
	}
	if code, _ := e.api("GET", fmt.Sprintf("%s/%d", keysPath, kid), nil); code != 404 {
		t.Errorf("deleted key: %d, want 404", code)
	}
	if code, _ := e.api("DELETE", fmt.Sprintf("/api/v1/projects/%d", id), nil); code != 204 {
		t.Errorf("delete project: %d", code)
	}
	if code, _ := e.api("GET", fmt.Sprintf("/api/v1/projects/%d", id), nil); code != 404 {
		t.Errorf("deleted project: %d, want 404", code)
	}
}
