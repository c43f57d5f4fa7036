package discord

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

func TestDiscordPostsEmbed(t *testing.T) {
	var rec notifytest.Recorder
	limited := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		if r.Method != http.MethodPost || r.URL.Path != "/api/webhooks/123/tok" || r.URL.Query().Get("wait") != "true" {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message": "Unknown Webhook", "code": 10015}`))
			return
		}
		if limited {
			limited = false
			w.Header().Set("Retry-After", "2")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"message": "You are being rate limited.", "retry_after": 2.0, "global": false}`))
			return
		}
		body := req.JSON(t)
		embeds, _ := body["embeds"].([]any)
		if len(embeds) != 1 || notifytest.Dig(embeds[0], "title") == nil {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"message": "Invalid Form Body", "code": 50035}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id": "1", "type": 0, "channel_id": "9"}`))
	}))
	defer srv.Close()
	ch, err := New(map[string]any{"webhook_url": srv.URL + "/api/webhooks/123/tok", "username": "Bit Wobbly"},
		notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err == nil || notify.IsPermanent(err) || res.StatusCode != 429 || res.RetryAfter != 2*time.Second {
		t.Fatalf("first send: %d %v retry-after %v, want a retryable 429 with 2s", res.StatusCode, err, res.RetryAfter)
	}
	if _, err := ch.Send(context.Background(), notifytest.Message()); err != nil {
		t.Fatal(err)
	}
	body := rec.All()[1].JSON(t)
	checks := map[string]any{"username": "Bit Wobbly", "content": "API is down"}
	for k, want := range checks {
		if body[k] != want {
			t.Errorf("%s = %v, want %v", k, body[k], want)
		}
	}
	e := notifytest.Dig(body, "embeds", 0)
	if notifytest.Dig(e, "title") != "API is down" || notifytest.Dig(e, "color") != float64(0xE5483B) ||
		notifytest.Dig(e, "url") != "https://bitwobbly.example.com/monitors/7" {
		t.Errorf("embed = %v", e)
	}
	if notifytest.Dig(e, "fields", 0, "name") != "Status" {
		t.Errorf("fields = %v", notifytest.Dig(e, "fields"))
	}
	if p := notifytest.Dig(body, "allowed_mentions", "parse"); p == nil {
		t.Errorf("allowed_mentions.parse missing: mentions in titles would ping people")
	}
}
