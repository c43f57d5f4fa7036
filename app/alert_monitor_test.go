package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMonitorAlertsReachPagerDuty drives a real push monitor down and up
// through its endpoints and checks a PagerDuty mock sees a trigger and
// then a resolve with the same dedup key, and nothing for an untagged
// monitor.
func TestMonitorAlertsReachPagerDuty(t *testing.T) {
	e := notifyEnv(t)
	var mu sync.Mutex
	var events []map[string]any
	pd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev map[string]any
		if r.URL.Path != "/v2/enqueue" || json.NewDecoder(r.Body).Decode(&ev) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"status":"success","message":"Event processed","dedup_key":"x"}`))
	}))
	defer pd.Close()
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "on-call", "type": "pagerduty",
		"config": map[string]any{"routing_key": "R0123456789ABCDEF0123456789ABCDE", "api_url": pd.URL}}, 201)
	e.apiJSON("POST", "/api/v1/alert-rules", map[string]any{"name": "page prod", "trigger": "monitor_down",
		"channel_ids": []any{ch["id"]}, "filters": map[string]any{"tags": []string{"prod"}}}, 201)

	push := func(tags []string) string {
		m := e.apiJSON("POST", "/api/v1/monitors", map[string]any{"name": "Backup " + strings.Join(tags, ""),
			"type": "push", "interval_seconds": 3600, "tags": tags}, 201)
		return strings.TrimPrefix(m["push_url"].(string), e.URL)
	}
	prod, other := push([]string{"prod"}), push(nil)
	for _, p := range []string{prod + "?msg=ok", other + "?msg=ok", prod + "/fail?msg=disk+full",
		other + "/fail?msg=disk+full"} {
		if code, body := e.do("POST", p, "", nil); code != 200 {
			t.Fatalf("push %s: %d %s", p, code, body)
		}
	}
	got := func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return append([]map[string]any(nil), events...)
	}
	alertsWait(t, "trigger", func() bool { return len(got()) >= 1 })
	if code, _ := e.do("POST", prod+"?msg=ok", "", nil); code != 200 {
		t.Fatal("push ok")
	}
	alertsWait(t, "resolve", func() bool { return len(got()) >= 2 })
	evs := got()
	if len(evs) != 2 || evs[0]["event_action"] != "trigger" || evs[1]["event_action"] != "resolve" ||
		evs[0]["dedup_key"] != evs[1]["dedup_key"] {
		t.Fatalf("PagerDuty got %v", evs)
	}
	payload := evs[0]["payload"].(map[string]any)
	if payload["summary"] != "Backup prod is down" || payload["severity"] != "critical" {
		t.Errorf("trigger payload %v", payload)
	}
	details, _ := payload["custom_details"].(map[string]any)
	if !strings.Contains(details["text"].(string), "disk full") {
		t.Errorf("details %v", details)
	}
	// The counter moves once the worker has read PagerDuty's answer,
	// which can be a moment after the mock saw the request.
	var metrics []byte
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(e.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(metrics), `bitwobbly_notifications_sent_total{channel_type="pagerduty"} 2`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks the sent counter:\n%s", grepLines(string(metrics), "bitwobbly_notification"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
