package checks

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// BenchmarkHTTPCheck is the cost of one HTTP check against a loopback
// server (new connection each time, as monitors do).
func BenchmarkHTTPCheck(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	c := NewChecker(nil, false)
	sp := Spec{Type: "http"}
	sp.Defaults()
	job := Job{Type: "http", Target: srv.URL, Config: sp.Config, Timeout: 5 * time.Second}
	b.ResetTimer()
	for b.Loop() {
		if out := c.Run(context.Background(), job); out.Status != store.ResultUp {
			b.Fatal(out.Reason)
		}
	}
}

// BenchmarkRecordResult is the cost of storing one result with its state
// update, 64 writers at once (group commit), on a real SQLite file.
func BenchmarkRecordResult(b *testing.B) {
	e := newEngineEnv(b)
	var ids []int64
	for i := 0; i < 64; i++ {
		ids = append(ids, e.monitor("m", "http://127.0.0.1:1/", 1))
	}
	e.eng = NewEngine(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	out := Outcome{Status: store.ResultUp, LatencyMS: 3, Reason: "HTTP 200"}
	b.ResetTimer()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			id := ids[(i+int(time.Now().UnixNano()))%len(ids)]
			at := time.Now().Add(time.Duration(i) * time.Microsecond)
			if _, _, err := e.eng.apply(context.Background(), id, out, at, applyOpts{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
