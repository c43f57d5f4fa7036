package teams

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

func TestTeamsPostsAdaptiveCard(t *testing.T) {
	var rec notifytest.Recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		body := req.JSON(t)
		if r.Method != http.MethodPost || body["type"] != "message" ||
			notifytest.Dig(body, "attachments", 0, "contentType") != "application/vnd.microsoft.card.adaptive" ||
			notifytest.Dig(body, "attachments", 0, "content", "type") != "AdaptiveCard" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	ch, err := New(map[string]any{"webhook_url": srv.URL + "/workflows/abc/triggers/manual/paths/invoke?sig=x"},
		notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("got %d %v, want 202", res.StatusCode, err)
	}
	r := rec.All()[0]
	if r.Query != "sig=x" {
		t.Errorf("query %q: the workflow signature was lost", r.Query)
	}
	card := notifytest.Dig(r.JSON(t), "attachments", 0, "content")
	if v := notifytest.Dig(card, "version"); v != "1.4" {
		t.Errorf("version = %v", v)
	}
	if got := notifytest.Dig(card, "body", 0, "text"); got != "API is down" {
		t.Errorf("title block = %v", got)
	}
	if got := notifytest.Dig(card, "body", 2, "facts", 0, "title"); got != "Status" {
		t.Errorf("fact set = %v", notifytest.Dig(card, "body", 2))
	}
	if got := notifytest.Dig(card, "actions", 0, "type"); got != "Action.OpenUrl" {
		t.Errorf("action = %v", got)
	}
}
