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

// The verify_tls box sits with the certificate settings, which the form
// shows for tls monitors too; an unchecked box turns verification off and
// cert_warn_days 0 is kept.
func TestMonitorFormTLSVerifyAndWarn(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Cert", "type": "tls",
		"target": "127.0.0.1:9"}, http.StatusCreated)
	id := int64(m["id"].(float64))
	_, body := b.get(fmt.Sprintf("/monitors/%d/edit", id))
	i, j := strings.Index(body, `data-types="http tls"`), strings.Index(body, `name="verify_tls"`)
	if i < 0 || j < i {
		t.Fatalf("verify_tls is not in the fieldset shown for tls monitors")
	}
	form := url.Values{"name": {"Cert"}, "type": {"tls"}, "target": {"127.0.0.1:9"}, "interval_seconds": {"60"},
		"verify_tls": {"off"}, "cert_warn_days": {"0"}}
	if code, _ := b.post(fmt.Sprintf("/monitors/%d", id), form); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	got := e.apiJSON("GET", fmt.Sprintf("/api/v1/monitors/%d", id), nil, http.StatusOK)
	if got["verify_tls"] != false || got["cert_warn_days"] != float64(0) {
		t.Errorf("after the form: verify_tls %v, cert_warn_days %v; want false and 0", got["verify_tls"], got["cert_warn_days"])
	}
}
