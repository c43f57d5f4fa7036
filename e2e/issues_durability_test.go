package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestIngestSurvivesKill acknowledges events, kills the process with
// SIGKILL in the middle of the stream, restarts it and expects every
// acknowledged event to end up in an issue.
func TestIngestSurvivesKill(t *testing.T) {
	srv := startServer(t, serverOptions{})
	pid, dsn := sentryProject(t, srv, "durable")
	key := strings.SplitN(strings.TrimPrefix(dsn, "http://"), "@", 2)[0]
	url := fmt.Sprintf("%s/api/%d/store/?sentry_key=%s", srv.URL, pid, key)
	var acked atomic.Int64
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > 4000 {
					return
				}
				body := fmt.Sprintf(`{"event_id":"%032x","message":"durable event %d"}`, i, i%3)
				res, err := http.Post(url, "application/json", bytes.NewReader([]byte(body)))
				if err != nil {
					return // the process is gone
				}
				res.Body.Close()
				if res.StatusCode == 200 {
					acked.Add(1)
				}
			}
		}()
	}
	for acked.Load() < 1500 {
		time.Sleep(time.Millisecond)
	}
	srv.Kill(t)
	wg.Wait()
	got := acked.Load()
	srv.Restart(t)
	issues := projectIssues(t, srv, pid, int(got))
	total := 0
	for _, m := range issues {
		total += int(m["event_count"].(float64))
	}
	if total < int(got) {
		t.Fatalf("%d events acknowledged, %d stored after the restart", got, total)
	}
	t.Logf("%d acknowledged before SIGKILL, %d stored after restart", got, total)
}
