package telegram

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

func TestTelegramSendMessage(t *testing.T) {
	var rec notifytest.Recorder
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		calls++
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/bot"+token+"/sendMessage" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"ok":false,"error_code":401,"description":"Unauthorized"}`))
			return
		}
		body := req.JSON(t)
		if body["chat_id"] != "-1001234567890" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`))
			return
		}
		if calls == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`))
			return
		}
		w.Write([]byte(`{"ok":true,"result":{"message_id":42,"chat":{"id":-1001234567890},"date":1764844200}}`))
	}))
	defer srv.Close()
	ch, err := New(map[string]any{"bot_token": token, "chat_id": "-1001234567890", "api_url": srv.URL},
		notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err == nil || notify.IsPermanent(err) || res.RetryAfter != 7*time.Second {
		t.Fatalf("first: %v retry-after %v, want a retryable 429 with 7s", err, res.RetryAfter)
	}
	if _, err := ch.Send(context.Background(), notifytest.Message()); err != nil {
		t.Fatal(err)
	}
	body := rec.All()[1].JSON(t)
	text, _ := body["text"].(string)
	if body["parse_mode"] != "HTML" || !strings.Contains(text, "<b>API is down</b>") ||
		!strings.Contains(text, `href="https://bitwobbly.example.com/monitors/7"`) {
		t.Errorf("body = %v", body)
	}

	wrong, _ := New(map[string]any{"bot_token": token, "chat_id": "@nochat", "api_url": srv.URL}, notifytest.Env())
	_, err = wrong.Send(context.Background(), notifytest.Message())
	if err == nil || !notify.IsPermanent(err) || !strings.Contains(err.Error(), "chat not found") {
		t.Fatalf("wrong chat: %v, want a permanent error quoting Telegram", err)
	}
}

func TestTelegramSettings(t *testing.T) {
	for _, cfg := range []map[string]any{
		{"bot_token": "nope", "chat_id": "1"},
		{"bot_token": token, "chat_id": "not a chat"},
		{"bot_token": token, "chat_id": "1", "api_url": "http://[fe80::1]/"},
	} {
		if _, err := New(cfg, notifytest.Env()); err == nil {
			t.Errorf("%v was accepted", cfg)
		}
	}
	if _, err := New(map[string]any{"bot_token": token, "chat_id": float64(12345)}, notifytest.Env()); err != nil {
		t.Errorf("numeric chat id refused: %v", err)
	}
}

// TestTelegramErrorsHideTheToken: the bot token is part of the URL, and
// errors end up in the delivery log, so they must not quote the URL.
func TestTelegramErrorsHideTheToken(t *testing.T) {
	ch, err := New(map[string]any{"bot_token": token, "chat_id": "1", "api_url": "http://127.0.0.1:1"},
		notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	_, err = ch.Send(context.Background(), notifytest.Message())
	if err == nil || strings.Contains(err.Error(), "AAHdq") {
		t.Fatalf("error %v: want a failure that does not show the token", err)
	}
}
