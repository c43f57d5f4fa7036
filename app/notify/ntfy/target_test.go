package ntfy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

func TestNtfyNamesTheTargetOnce(t *testing.T) {
	raw, _ := json.Marshal(map[string]any{"monitor_id": 1, "monitor_name": "API", "status": "down",
		"reason": "connection refused", "target": "https://api.example.com"})
	m := notify.Render(notify.Event{ID: 1, TeamID: 1, Kind: "monitor_down", MonitorID: 1, Payload: raw,
		CreatedAt: time.Now().UnixMilli()}, "")
	text := Publish(m, "alerts", 0)["message"].(string)
	if n := strings.Count(text, "Target:"); n != 1 {
		t.Fatalf("message names the target %d times:\n%s", n, text)
	}
	if !strings.Contains(text, "connection refused") {
		t.Fatalf("message lost the reason:\n%s", text)
	}
}
