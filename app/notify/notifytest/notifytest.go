// Package notifytest helps channel tests: an environment whose guard
// allows loopback mocks, a sample message, and a recorder of requests.
package notifytest

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

// Env is a channel environment for tests: loopback allowed, short timeout.
func Env() notify.Env {
	g := &notify.Guard{AllowPrivate: true}
	return notify.Env{HTTP: g.Client(5 * time.Second), Guard: g, MailFrom: "Bit Wobbly <alerts@example.com>"}
}

// Message is a typical monitor-down message.
func Message() notify.Message {
	return notify.Message{
		ID: "0123456789abcdef0123456789abcdef", Event: "monitor_down", Action: notify.ActionTrigger,
		Severity: "critical", Title: "API is down", Text: "connection refused\nTarget: https://api.example.com",
		URL: "https://bitwobbly.example.com/monitors/7", DedupKey: "bitwobbly-monitor-7",
		Fields:     []notify.Field{{Name: "Status", Value: "down"}, {Name: "Type", Value: "http"}},
		Subject:    notify.Subject{Type: "monitor", ID: 7, Name: "API"},
		Rule:       &notify.RuleRef{ID: 3, Name: "Page on-call"},
		TeamID:     1,
		Data:       json.RawMessage(`{"monitor_id":7,"monitor_name":"API","status":"down"}`),
		OccurredAt: time.Date(2026, 12, 4, 10, 30, 0, 0, time.UTC),
	}
}

// Request is one request a mock received.
type Request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic map, failing the test when it is
// not a JSON object.
func (r Request) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// Recorder keeps the requests a mock handler saw.
type Recorder struct {
	mu   sync.Mutex
	reqs []Request
}

// Keep records r and returns it.
func (rc *Recorder) Keep(r *http.Request) Request {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, req)
	rc.mu.Unlock()
	return req
}

// All returns the requests so far.
func (rc *Recorder) All() []Request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]Request(nil), rc.reqs...)
}

// Dig walks nested maps and lists: Dig(m, "a", 0, "b").
func Dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}
