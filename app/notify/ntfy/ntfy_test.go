package ntfy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

func TestNtfyPublishesJSON(t *testing.T) {
	var rec notifytest.Recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		if r.Header.Get("Authorization") != "Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2" {
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"code":40301,"http":403,"error":"forbidden"}`))
			return
		}
		body := req.JSON(t)
		if r.Method != http.MethodPost || r.URL.Path != "/" || body["topic"] != "alerts" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Write([]byte(`{"id":"sPs71M8A2T","time":1764844200,"event":"message","topic":"alerts","message":"x"}`))
	}))
	defer srv.Close()
	scenarios := []struct {
		priority any
		want     float64
	}{{nil, 5}, {"2", 2}, {"high", 4}, {float64(1), 1}}
	for _, sc := range scenarios {
		ch, err := New(map[string]any{"server_url": srv.URL, "topic": "alerts", "priority": sc.priority,
			"token": "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"}, notifytest.Env())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Send(context.Background(), notifytest.Message()); err != nil {
			t.Fatal(err)
		}
		all := rec.All()
		body := all[len(all)-1].JSON(t)
		if body["priority"] != sc.want || body["title"] != "API is down" ||
			body["click"] != "https://bitwobbly.example.com/monitors/7" {
			t.Errorf("priority %v: body = %v", sc.priority, body)
		}
	}
	ch, _ := New(map[string]any{"server_url": srv.URL, "topic": "alerts", "token": "wrong"}, notifytest.Env())
	if res, err := ch.Send(context.Background(), notifytest.Message()); err == nil || res.StatusCode != 403 {
		t.Fatalf("wrong token: %d %v", res.StatusCode, err)
	}
	for _, bad := range []map[string]any{{"topic": "a b"}, {"topic": "ok", "priority": "9"}} {
		if _, err := New(bad, notifytest.Env()); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestNtfySettings(t *testing.T) {
	scenarios := []struct {
		name  string
		cfg   map[string]any
		field string // "" = accepted
	}{
		{"priority 4", map[string]any{"topic": "t", "priority": 4.0}, ""},
		{"priority high", map[string]any{"topic": "t", "priority": "high"}, ""},
		{"priority 3.5", map[string]any{"topic": "t", "priority": 3.5}, "priority"},
		{"priority 1e300", map[string]any{"topic": "t", "priority": 1e300}, "priority"},
		{"priority 99", map[string]any{"topic": "t", "priority": "99"}, "priority"},
		{"topic with a path", map[string]any{"topic": "../admin"}, "topic"},
		{"token with a line break", map[string]any{"topic": "t", "token": "tk_a\r\nX-Evil: 1"}, "token"},
		{"token", map[string]any{"topic": "t", "token": "tk_abc"}, ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.cfg["server_url"] = "http://127.0.0.1:9"
			_, err := New(sc.cfg, notifytest.Env())
			got := ""
			if err != nil {
				got, _, _ = strings.Cut(err.Error(), ":")
			}
			if got != sc.field {
				t.Errorf("got %v, want an error about %q", err, sc.field)
			}
		})
	}
}
