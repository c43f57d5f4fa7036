package issues

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

func benchFixture(b *testing.B) (*store.Store, *Service, Project, Key) {
	b.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), b.TempDir(), log, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO teams (id, name, created_at) VALUES (1, 'team', 0)`)
		return err
	})
	svc := New(st, log, Config{QueueMax: 1 << 30})
	p, k, err := svc.CreateProject(context.Background(), Project{TeamID: 1, Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return st, svc, p, k
}

func benchEnvelope(i int64) []byte {
	id := fmt.Sprintf("%032x", i)
	ev := `{"event_id":"` + id + `","level":"error","platform":"python","release":"1.0","environment":"prod",` +
		`"exception":{"values":[{"type":"OrderError","value":"order ` + fmt.Sprint(i) + ` failed","stacktrace":{"frames":[` +
		strings.Repeat(`{"module":"app.orders","function":"handle","filename":"app/orders.py","lineno":12,"in_app":true,"context_line":"x = y"},`, 8) +
		`{"module":"app.main","function":"run","in_app":true}]}}]},"user":{"id":"` + fmt.Sprint(i%100) + `"},` +
		`"tags":{"browser":"Firefox","os":"Linux"},"breadcrumbs":[` +
		strings.Repeat(`{"timestamp":1764849600,"category":"http","message":"GET /api/orders/1"},`, 6) + `{"message":"x"}]}`
	return []byte(`{"event_id":"` + id + `"}` + "\n" + `{"type":"event"}` + "\n" + ev + "\n")
}

func BenchmarkAccept(b *testing.B) {
	_, svc, p, k := benchFixture(b)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			body := benchEnvelope(n.Add(1))
			if _, err := svc.Accept(context.Background(), IngestRequest{ProjectID: p.ID, Kind: "envelope", Body: body,
				Auth: Auth{PublicKey: k.PublicKey}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkProcess(b *testing.B) {
	_, svc, p, k := benchFixture(b)
	for i := 0; i < b.N; i++ {
		if _, err := svc.Accept(context.Background(), IngestRequest{ProjectID: p.ID, Kind: "envelope",
			Body: benchEnvelope(int64(i)), Auth: Auth{PublicKey: k.PublicKey}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.Start(ctx); close(done) }()
	for svc.QueueDepth() > 0 {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cancel()
	<-done
}
