package pagerduty

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

const key = "R0123456789ABCDEF0123456789ABCDE"

// mockPD validates events as the Events API v2 documents them.
func mockPD(t *testing.T, rec *notifytest.Recorder) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodPost || r.URL.Path != "/v2/enqueue" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		ev := req.JSON(t)
		bad := func(msg string) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":"invalid event","message":"Event object is invalid","errors":["` + msg + `"]}`))
		}
		if ev["routing_key"] != key {
			bad("'routing_key' is invalid")
			return
		}
		switch ev["event_action"] {
		case "trigger":
			for _, f := range []string{"summary", "source", "severity"} {
				if v, _ := notifytest.Dig(ev, "payload", f).(string); v == "" {
					bad("'payload." + f + "' is missing")
					return
				}
			}
			switch notifytest.Dig(ev, "payload", "severity") {
			case "critical", "error", "warning", "info":
			default:
				bad("'payload.severity' is invalid")
				return
			}
		case "resolve", "acknowledge":
			if ev["dedup_key"] == "" {
				bad("'dedup_key' is missing")
				return
			}
		default:
			bad("'event_action' is invalid")
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(`{"status":"success","message":"Event processed","dedup_key":"` + ev["dedup_key"].(string) + `"}`))
	}))
}

func TestPagerDutyTriggerAndResolve(t *testing.T) {
	var rec notifytest.Recorder
	srv := mockPD(t, &rec)
	defer srv.Close()
	ch, err := New(map[string]any{"routing_key": key, "api_url": srv.URL}, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	m := notifytest.Message()
	if res, err := ch.Send(context.Background(), m); err != nil || res.StatusCode != 202 {
		t.Fatalf("trigger: %d %v", res.StatusCode, err)
	}
	m.Action = notify.ActionResolve
	if res, err := ch.Send(context.Background(), m); err != nil || res.StatusCode != 202 {
		t.Fatalf("resolve: %d %v", res.StatusCode, err)
	}
	reqs := rec.All()
	trig, res := reqs[0].JSON(t), reqs[1].JSON(t)
	if trig["dedup_key"] != "bitwobbly-monitor-7" || res["dedup_key"] != trig["dedup_key"] {
		t.Errorf("dedup keys %v / %v, want the same", trig["dedup_key"], res["dedup_key"])
	}
	if res["event_action"] != "resolve" || res["payload"] != nil {
		t.Errorf("resolve event = %v", res)
	}
	if notifytest.Dig(trig, "payload", "severity") != "critical" || notifytest.Dig(trig, "links", 0, "href") == nil {
		t.Errorf("trigger event = %v", trig)
	}
}

func TestPagerDutyWrongKey(t *testing.T) {
	var rec notifytest.Recorder
	srv := mockPD(t, &rec)
	defer srv.Close()
	ch, err := New(map[string]any{"routing_key": strings.Repeat("X", 32), "api_url": srv.URL}, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err == nil || !notify.IsPermanent(err) || res.StatusCode != 400 || !strings.Contains(res.Response, "routing_key") {
		t.Fatalf("got %d %q %v, want a permanent 400 with PagerDuty's reason", res.StatusCode, res.Response, err)
	}
	if _, err := New(map[string]any{"routing_key": "short"}, notifytest.Env()); err == nil {
		t.Fatal("a malformed routing key was accepted")
	}
}
