package email

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

func TestEmailNamesTheTargetOnce(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"monitor_id": 1, "monitor_name": "API", "status": "down",
		"reason": "connection refused", "target": "https://api.example.com"})
	m := notify.Render(notify.Event{ID: 1, TeamID: 1, Kind: "monitor_down", MonitorID: 1, Payload: raw,
		CreatedAt: time.Now().UnixMilli()}, "")
	mail := Compose(m, "a@example.com", "k")
	if n := strings.Count(mail.Text, "Target:"); n != 1 {
		t.Fatalf("text part names the target %d times:\n%s", n, mail.Text)
	}
	if n := strings.Count(mail.HTML, "Target"); n != 1 {
		t.Fatalf("HTML part names the target %d times:\n%s", n, mail.HTML)
	}
}
