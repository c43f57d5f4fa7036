package opsgenie

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

func TestOpsgenieCreateAndCloseByAlias(t *testing.T) {
	var rec notifytest.Recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"Could not authenticate","took":0.0,"requestId":"x"}`))
			return
		}
		body := req.JSON(t)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v2/alerts":
			msg, _ := body["message"].(string)
			if msg == "" || len(msg) > 130 {
				w.WriteHeader(http.StatusUnprocessableEntity)
				w.Write([]byte(`{"message":"Request body is not processable","took":0.0,"requestId":"x"}`))
				return
			}
		case r.Method == http.MethodPost && r.URL.Path == "/v2/alerts/bitwobbly-monitor-7/close" &&
			r.URL.Query().Get("identifierType") == "alias":
		default:
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"result":"Request will be processed","took":0.107,"requestId":"9ae63dd7"}`))
	}))
	defer srv.Close()
	ch, err := New(map[string]any{"api_key": "eb243592-faa2-4ba2-a551q-1afdf565c889", "api_url": srv.URL,
		"responders": "SRE"}, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	m := notifytest.Message()
	if res, err := ch.Send(context.Background(), m); err != nil || res.StatusCode != 202 {
		t.Fatalf("create: %d %v", res.StatusCode, err)
	}
	m.Action = notify.ActionResolve
	if res, err := ch.Send(context.Background(), m); err != nil || res.StatusCode != 202 {
		t.Fatalf("close: %d %v", res.StatusCode, err)
	}
	create := rec.All()[0].JSON(t)
	want := map[string]any{"alias": "bitwobbly-monitor-7", "priority": "P1", "message": "API is down"}
	for k, v := range want {
		if create[k] != v {
			t.Errorf("%s = %v, want %v", k, create[k], v)
		}
	}
	if notifytest.Dig(create, "responders", 0, "name") != "SRE" {
		t.Errorf("responders = %v", create["responders"])
	}

	bad, _ := New(map[string]any{"api_key": "wrong", "api_url": srv.URL}, notifytest.Env())
	res, err := bad.Send(context.Background(), notifytest.Message())
	if err == nil || !notify.IsPermanent(err) || res.StatusCode != 401 {
		t.Fatalf("wrong key: %d %v, want a permanent 401", res.StatusCode, err)
	}
}

func TestOpsgenieAPIKeySetting(t *testing.T) {
	scenarios := []struct {
		key, want string
	}{
		{"", "api_key: is required"},
		{"k\r\nX-Evil: 1", "api_key: must be one API key without spaces or line breaks"},
		{"abc def", "api_key: must be one API key without spaces or line breaks"},
		{"0f1e2d3c-aaaa-bbbb-cccc-0123456789ab", ""},
	}
	for _, sc := range scenarios {
		_, err := New(map[string]any{"api_key": sc.key, "api_url": "http://127.0.0.1:9"}, notifytest.Env())
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != sc.want {
			t.Errorf("api_key %q: got %q, want %q", sc.key, got, sc.want)
		}
	}
}
