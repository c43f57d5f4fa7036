package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// alertSink is a webhook receiver that does what Standard Webhooks asks
// of receivers: it treats webhook-id as the idempotency key, so a
// message sent again after a crash counts once.
type alertSink struct {
	*httptest.Server
	mu     sync.Mutex
	byID   map[string]string // webhook-id → title
	titles map[string]int    // title → distinct ids carrying it
	total  int
}

func newAlertSink(t *testing.T, delay time.Duration) *alertSink {
	s := &alertSink{byID: map[string]string{}, titles: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Type  string `json:"type"`
			Title string `json:"title"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		id := r.Header.Get("webhook-id")
		s.mu.Lock()
		s.total++
		if _, seen := s.byID[id]; !seen && body.Type == "monitor_down" {
			s.byID[id] = body.Title
			s.titles[body.Title]++
		}
		s.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *alertSink) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// TestAlertsSurviveKill9 starts the binary, makes a burst of monitors go
// down against a closed loopback port, kills the process with SIGKILL
// while notifications are being delivered, restarts it, and checks that
// every notification reached the receiver exactly once.
func TestAlertsSurviveKill9(t *testing.T) {
	srv := startServer(t, serverOptions{})
	sink := newAlertSink(t, 400*time.Millisecond)

	ch := srv.API(t, "POST", "/api/v1/channels", map[string]any{"name": "sink", "type": "webhook",
		"config": map[string]any{"url": sink.URL}})
	if ch.Status != 201 {
		t.Fatalf("create channel: %d %s", ch.Status, ch.Body)
	}
	chID := ch.Map(t)["id"]
	rule := srv.API(t, "POST", "/api/v1/alert-rules", map[string]any{"name": "all down", "trigger": "monitor_down",
		"channel_ids": []any{chID}, "storm_limit": 0})
	if rule.Status != 201 {
		t.Fatalf("create rule: %d %s", rule.Status, rule.Body)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	const n = 30
	for i := 0; i < n; i++ {
		r := srv.API(t, "POST", "/api/v1/monitors", map[string]any{"name": fmt.Sprintf("svc-%02d", i), "type": "http",
			"url": "http://" + closed + "/health", "interval_seconds": 10, "timeout_seconds": 2, "failure_threshold": 1,
			"confirm_recheck": false})
		if r.Status != 201 {
			t.Fatalf("create monitor: %d %s", r.Status, r.Body)
		}
	}

	deadline := time.Now().Add(60 * time.Second)
	for sink.distinct() < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d notifications before the kill", sink.distinct())
		}
		time.Sleep(10 * time.Millisecond)
	}
	srv.Kill(t)
	before := sink.distinct()
	srv.Restart(t)

	deadline = time.Now().Add(90 * time.Second)
	for sink.distinct() < n {
		if time.Now().After(deadline) {
			t.Fatalf("after restart: %d of %d notifications arrived", sink.distinct(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(time.Second) // anything extra would arrive now
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.byID) != n || len(sink.titles) != n {
		t.Fatalf("got %d distinct deliveries for %d monitors, want %d each", len(sink.byID), len(sink.titles), n)
	}
	for title, ids := range sink.titles {
		if ids != 1 {
			t.Errorf("%q arrived as %d different notifications", title, ids)
		}
	}
	log := srv.API(t, "GET", fmt.Sprintf("/api/v1/channels/%v/deliveries?limit=500", chID), nil)
	var page struct {
		Data []struct {
			Status   string `json:"status"`
			Attempts int    `json:"attempts"`
		} `json:"data"`
	}
	log.JSON(t, &page)
	if len(page.Data) != n {
		t.Errorf("delivery log holds %d deliveries, want %d", len(page.Data), n)
	}
	for _, d := range page.Data {
		if d.Status != "sent" {
			t.Errorf("delivery %+v after the restart, want sent", d)
		}
	}
	if sink.total <= n {
		t.Errorf("%d requests for %d notifications: the kill did not interrupt a delivery in flight", sink.total, n)
	}
	t.Logf("killed after %d notifications; %d requests in all for %d notifications", before, sink.total, n)
}
