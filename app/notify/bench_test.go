package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

// BenchmarkAlertBurst measures a burst of b.N monitor_down events written
// in one transaction, handed off to deliveries for 4 webhook channels on
// loopback and sent; it reports events and deliveries per second from
// commit to the last delivery recorded.
func BenchmarkAlertBurst(b *testing.B) {
	f := newFixture(b, 3)
	f.eng.SetTiming(5*time.Millisecond, 40*time.Millisecond, 300*time.Millisecond, 50*time.Millisecond)
	var ids []int64
	for i := 0; i < 4; i++ {
		mock := newHookMock(b)
		ids = append(ids, f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret}).ID)
	}
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: ids, StormLimit: 0})
	payload, _ := json.Marshal(down(1, "M"))
	b.ResetTimer()
	start := time.Now()
	err := f.st.Write(context.Background(), func(tx *sql.Tx) error {
		for i := 0; i < b.N; i++ {
			if _, err := tx.Exec(`INSERT INTO alert_events(team_id, kind, monitor_id, payload, created_at)
				VALUES (?, 'monitor_down', ?, ?, ?)`, f.teamID, i+1, string(payload), time.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	f.eng.Poke()
	want := 4 * b.N
	for {
		var sent int
		f.st.R.QueryRow("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").Scan(&sent)
		if sent >= want {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	el := time.Since(start).Seconds()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el, "events/s")
	b.ReportMetric(float64(want)/el, "deliveries/s")
}
