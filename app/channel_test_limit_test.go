package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

// TestChannelTestsAreLimitedPerTeam: while a team has
// notify.MaxTestsPerTeam "Send test" calls waiting on a slow provider,
// another one is answered 429 with a clear message, and tests run again
// once those finish.
func TestChannelTestsAreLimitedPerTeam(t *testing.T) {
	e := notifyEnv(t)
	release := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(notify.MaxTestsPerTeam)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			arrived.Done()
			select {
			case <-release:
			case <-time.After(20 * time.Second):
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer slow.Close()
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	defer unblock()

	slowID := itoa(int64(e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "slow", "type": "webhook",
		"config": map[string]any{"url": slow.URL + "/slow"}}, 201)["id"].(float64)))
	fastID := itoa(int64(e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "fast", "type": "webhook",
		"config": map[string]any{"url": slow.URL + "/fast"}}, 201)["id"].(float64)))

	var running sync.WaitGroup
	codes := make([]int, notify.MaxTestsPerTeam)
	for i := range codes {
		running.Add(1)
		go func() {
			defer running.Done()
			codes[i], _ = e.api("POST", "/api/v1/channels/"+slowID+"/test", nil)
		}()
	}
	arrived.Wait()

	code, body := e.api("POST", "/api/v1/channels/"+fastID+"/test", nil)
	if code != http.StatusTooManyRequests || !strings.Contains(string(body), "channel tests running") {
		t.Fatalf("test beyond the limit: %d %s", code, body)
	}
	b := e.browser(e.Email)
	if code, body := b.post("/alerts/channels/"+fastID+"/test", nil); code != http.StatusTooManyRequests ||
		!strings.Contains(body, "channel tests running") {
		t.Fatalf("Send test beyond the limit: %d", code)
	}

	unblock()
	running.Wait()
	for _, c := range codes {
		if c != 200 {
			t.Fatalf("tests within the limit answered %v", codes)
		}
	}
	if code, _ := e.api("POST", "/api/v1/channels/"+fastID+"/test", nil); code != 200 {
		t.Fatalf("test after the others finished: %d", code)
	}
}
