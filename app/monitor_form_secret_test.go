package app

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/checks"
)

// The edit form says which secrets are saved and can remove them; an
// empty field keeps a saved secret.
func TestMonitorFormRemovesSavedSecrets(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Router", "type": "http",
		"url": "http://127.0.0.1:9/", "basic_auth_user": "admin", "basic_auth_password": "pw",
		"bearer_token": "tok"}, http.StatusCreated)
	id := int64(m["id"].(float64))
	secrets := func() checks.Config {
		var raw string
		if err := e.store.R.QueryRow(`SELECT config FROM monitors WHERE id = ?`, id).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		return checks.ParseConfig(raw)
	}

	_, body := b.get(fmt.Sprintf("/monitors/%d/edit", id))
	if strings.Count(body, "Saved and hidden. Leave empty to keep it.") != 2 ||
		!strings.Contains(body, `name="clear_basic_auth_password"`) || !strings.Contains(body, `name="clear_bearer_token"`) {
		t.Fatalf("edit form does not say the secrets are saved")
	}
	form := url.Values{"name": {"Router"}, "type": {"http"}, "url": {"http://127.0.0.1:9/"},
		"interval_seconds": {"60"}, "basic_auth_password": {""}, "bearer_token": {""},
		"clear_basic_auth_password": {"off"}, "clear_bearer_token": {"off", "on"}}
	if code, _ := b.post(fmt.Sprintf("/monitors/%d", id), form); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	if c := secrets(); c.BasicAuthPassword == "" || c.BearerToken != "" {
		t.Fatalf("after removing the token: password kept %v, token removed %v", c.BasicAuthPassword != "", c.BearerToken == "")
	}
	_, body = b.get(fmt.Sprintf("/monitors/%d/edit", id))
	if strings.Contains(body, `name="clear_bearer_token"`) || !strings.Contains(body, "Stored encrypted; never shown again.") {
		t.Errorf("edit form still offers the removed token")
	}
	_, body = b.get("/monitors/new")
	if strings.Contains(body, "Leave empty to keep") {
		t.Errorf("new monitor form speaks of a saved secret")
	}
}
