package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The monitor page's live checks table also brings the incidents, so an
// incident opened after the page loaded shows without a reload.
func TestMonitorLivePartCarriesIncidents(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Fridge", "type": "manual",
		"status": "up"}, http.StatusCreated)
	id := m["id"]
	_, page := b.get(fmt.Sprintf("/monitors/%v", id))
	if !strings.Contains(page, `id="monitor-incidents"`) || strings.Contains(page, "hx-swap-oob") {
		t.Fatalf("page: incidents block missing or marked out of band")
	}
	e.apiJSON("PATCH", fmt.Sprintf("/api/v1/monitors/%v", id), map[string]any{"status": "down",
		"status_reason": "door open"}, http.StatusOK)
	code, part := b.get(fmt.Sprintf("/monitors/%v/checks", id))
	if code != http.StatusOK || !strings.Contains(part, `id="monitor-checks"`) ||
		!strings.Contains(part, `id="monitor-incidents" hx-swap-oob="true"`) || !strings.Contains(part, "Fridge is down") {
		t.Errorf("live part: %d %s", code, part)
	}
}
