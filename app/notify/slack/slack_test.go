package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

// mockSlack answers like an incoming webhook: "ok" for a valid Block Kit
// payload, 400 invalid_blocks otherwise, 404 no_service for other paths.
func mockSlack(t *testing.T, rec *notifytest.Recorder) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		if r.URL.Path != "/services/T000/B000/XXXX" {
			http.Error(w, "no_service", http.StatusNotFound)
			return
		}
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		body := req.JSON(t)
		blocks, _ := body["blocks"].([]any)
		if body["text"] == "" || len(blocks) == 0 {
			http.Error(w, "invalid_blocks", http.StatusBadRequest)
			return
		}
		for _, b := range blocks {
			typ := notifytest.Dig(b, "type")
			switch typ {
			case "header":
				if notifytest.Dig(b, "text", "type") != "plain_text" {
					http.Error(w, "invalid_blocks", http.StatusBadRequest)
					return
				}
			case "section", "context", "actions":
			default:
				http.Error(w, "invalid_blocks", http.StatusBadRequest)
				return
			}
		}
		w.Write([]byte("ok"))
	}))
}

func TestSlackPostsBlockKit(t *testing.T) {
	var rec notifytest.Recorder
	srv := mockSlack(t, &rec)
	defer srv.Close()
	ch, err := New(map[string]any{"webhook_url": srv.URL + "/services/T000/B000/XXXX"}, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Response != "ok" {
		t.Fatalf("got %d %q, want 200 ok", res.StatusCode, res.Response)
	}
	body := rec.All()[0].JSON(t)
	if got := notifytest.Dig(body, "blocks", 0, "text", "text"); got != "API is down" {
		t.Errorf("header = %v", got)
	}
	var button any
	for _, b := range body["blocks"].([]any) {
		if notifytest.Dig(b, "type") == "actions" {
			button = notifytest.Dig(b, "elements", 0, "url")
		}
	}
	if button != "https://bitwobbly.example.com/monitors/7" {
		t.Errorf("button url = %v", button)
	}
}

func TestSlackWrongURLIsPermanent(t *testing.T) {
	var rec notifytest.Recorder
	srv := mockSlack(t, &rec)
	defer srv.Close()
	ch, err := New(map[string]any{"webhook_url": srv.URL + "/services/wrong"}, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err == nil || !notify.IsPermanent(err) || res.StatusCode != 404 || !strings.Contains(err.Error(), "no_service") {
		t.Fatalf("got %d %v, want a permanent 404 naming no_service", res.StatusCode, err)
	}
}
