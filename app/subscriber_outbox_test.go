package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// TestSubscribersHearEveryEventOnce follows a webhook subscriber through
// an incident's creation, update and resolution, an incident a monitor
// opens and resolves, an incident created after the newest one was
// deleted, a maintenance window created already in progress that ends,
// and one deleted while in progress: each is delivered exactly once.
func TestSubscribersHearEveryEventOnce(t *testing.T) {
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct {
			Type string `json:"type"`
			Data struct {
				Title string `json:"title"`
			} `json:"data"`
		}
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		got = append(got, p.Type+" "+p.Data.Title)
		mu.Unlock()
	}))
	defer recv.Close()
	e := newTestEnv(t)
	ctx := context.Background()
	page, mon, comps := seedPage(e, "acme")
	e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": recv.URL}, http.StatusCreated)
	// The notifier's first run starts after what exists now.
	spWaitFor(t, "the notifier to start", func() bool {
		_, found, _ := e.srv.pages.db.Cursor(ctx, "statuspage_events")
		return found
	})
	var want []string
	waitAll := func(step string) {
		t.Helper()
		spWaitFor(t, step, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(got) >= len(want)
		})
	}

	in := e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Queue stuck",
		"component_ids": []any{comps[0]["id"]}}, 201)
	e.apiJSON("PATCH", "/api/v1/incidents/"+id(in), map[string]any{"status": "identified", "body": "Found it"}, 200)
	e.apiJSON("PATCH", "/api/v1/incidents/"+id(in), map[string]any{"status": "resolved", "body": "Fixed"}, 200)
	want = append(want, "incident.created Queue stuck", "incident.updated Queue stuck", "incident.resolved Queue stuck")
	waitAll("the manual incident")

	var auto int64
	monitorWrite := func(fn func(tx *sql.Tx) error) {
		t.Helper()
		if err := e.store.Write(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	monitorWrite(func(tx *sql.Tx) error {
		var err error
		auto, err = store.OpenMonitorIncident(ctx, tx, e.TeamID, mon, "api health is down", "connection refused", store.Now())
		return err
	})
	want = append(want, "incident.created Reduced availability of API")
	waitAll("the monitor's incident")
	monitorWrite(func(tx *sql.Tx) error {
		_, err := store.ResolveMonitorIncident(ctx, tx, mon, "Recovered", store.Now())
		return err
	})
	want = append(want, "incident.resolved Reduced availability of API")
	waitAll("the monitor's recovery")

	// Deleting the newest incident frees the highest update ids.
	if code, _ := e.api("DELETE", fmt.Sprintf("/api/v1/incidents/%d", auto), nil); code != 204 {
		t.Fatalf("delete incident: %d", code)
	}
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "After delete",
		"component_ids": []any{comps[0]["id"]}}, 201)
	want = append(want, "incident.created After delete")
	waitAll("the incident created after a deletion")

	now := time.Now()
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Running already",
		"starts_at": now.Add(-time.Minute), "ends_at": now.Add(3 * time.Second), "component_ids": []any{comps[1]["id"]}}, 201)
	cut := e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Cancelled midway",
		"starts_at": now.Add(-time.Minute), "ends_at": now.Add(time.Hour), "component_ids": []any{comps[1]["id"]}}, 201)
	want = append(want, "maintenance.started Running already", "maintenance.started Cancelled midway")
	waitAll("maintenance in progress")
	if code, _ := e.api("DELETE", "/api/v1/maintenance/"+id(cut), nil); code != 204 {
		t.Fatalf("delete maintenance: %d", code)
	}
	want = append(want, "maintenance.ended Running already", "maintenance.ended Cancelled midway")
	waitAll("the ends of maintenance")

	// Nothing is left to send and nothing was sent twice.
	spWaitFor(t, "the outbox to drain", func() bool {
		var n int
		e.store.R.QueryRow(`SELECT COUNT(*) FROM subscriber_deliveries WHERE sent_at IS NULL`).Scan(&n)
		return n == 0
	})
	mu.Lock()
	defer mu.Unlock()
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("delivered:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
