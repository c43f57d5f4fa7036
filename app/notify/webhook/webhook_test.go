package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

// verify checks a Standard Webhooks signature from first principles:
// HMAC-SHA256 over "id.timestamp.body" keyed with the base64-decoded
// part of the whsec_ secret, compared with any v1 signature given.
func verify(t *testing.T, secret string, h http.Header, body []byte) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret: %v", err)
	}
	id, ts := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		t.Fatalf("webhook-timestamp %q is not a current Unix time", ts)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Fields(h.Get("Webhook-Signature")) {
		if v, s, ok := strings.Cut(sig, ","); ok && v == "v1" && hmac.Equal([]byte(s), []byte(want)) {
			return
		}
	}
	t.Fatalf("no valid v1 signature in %q", h.Get("Webhook-Signature"))
}

func TestWebhookSendsSignedVersionedJSON(t *testing.T) {
	var rec notifytest.Recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.Keep(r)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	cfg := map[string]any{"url": srv.URL + "/hook", "secret": secret,
		"headers": map[string]any{"X-Team": "ops", "Authorization": "Bearer abc"}}
	ch, err := New(cfg, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	m := notifytest.Message()
	for i := 0; i < 2; i++ {
		if _, err := ch.Send(context.Background(), m); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	reqs := rec.All()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		if r.Method != http.MethodPost || r.Path != "/hook" {
			t.Errorf("got %s %s, want POST /hook", r.Method, r.Path)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("content-type %q", got)
		}
		if r.Header.Get("X-Team") != "ops" || r.Header.Get("Authorization") != "Bearer abc" {
			t.Errorf("custom headers missing: %v", r.Header)
		}
		verify(t, secret, r.Header, r.Body)
	}
	if a, b := reqs[0].Header.Get("Webhook-Id"), reqs[1].Header.Get("Webhook-Id"); a != b || a != "msg_"+m.ID {
		t.Errorf("webhook-id %q then %q, want the same msg_ id on retries", a, b)
	}
	body := reqs[0].JSON(t)
	checks := map[string]any{
		"schema": "bitwobbly.notification.v1", "type": "monitor_down", "action": "trigger",
		"severity": "critical", "title": "API is down", "dedup_key": "bitwobbly-monitor-7",
		"occurred_at": "2026-12-04T10:30:00Z",
	}
	for k, want := range checks {
		if got := body[k]; got != want {
			t.Errorf("%s = %v, want %v", k, got, want)
		}
	}
	if got := notifytest.Dig(body, "subject", "id"); got != float64(7) {
		t.Errorf("subject.id = %v", got)
	}
	if got := notifytest.Dig(body, "data", "monitor_name"); got != "API" {
		t.Errorf("data.monitor_name = %v", got)
	}
	if got := notifytest.Dig(body, "fields", 0, "name"); got != "Status" {
		t.Errorf("fields[0].name = %v", got)
	}
}

func TestWebhookSettings(t *testing.T) {
	scenarios := []struct {
		name  string
		cfg   map[string]any
		field string
	}{
		{"no url", map[string]any{"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "url"},
		{"ftp url", map[string]any{"url": "ftp://example.com/x", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "url"},
		{"metadata", map[string]any{"url": "http://169.254.169.254/latest", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "url"},
		{"bad secret", map[string]any{"url": "https://example.com", "secret": "hunter2"}, "secret"},
		{"reserved header", map[string]any{"url": "https://example.com", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"headers": map[string]any{"webhook-signature": "x"}}, "headers"},
		{"header type", map[string]any{"url": "https://example.com", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
			"headers": "X: y"}, "headers"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			_, err := New(sc.cfg, notifytest.Env())
			if err == nil || !strings.HasPrefix(err.Error(), sc.field+":") {
				t.Fatalf("got %v, want an error about %s", err, sc.field)
			}
		})
	}
}

func TestWebhookDefaultsGenerateSecret(t *testing.T) {
	cfg := map[string]any{}
	Type.Defaults(cfg)
	s, _ := cfg["secret"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(raw) != 32 {
		t.Fatalf("generated secret %q is not whsec_ + base64 of 32 bytes", s)
	}
	given := map[string]any{"secret": "whsec_given"}
	Type.Defaults(given)
	if given["secret"] != "whsec_given" {
		t.Fatalf("a given secret was replaced: %v", given["secret"])
	}
}
