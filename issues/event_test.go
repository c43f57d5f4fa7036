package issues

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeEvent(t *testing.T) {
	recv := testMeta.ReceivedAt
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, ev *Event)
	}{
		{"number timestamp", `{"timestamp":1764849600.5}`, func(t *testing.T, ev *Event) {
			if want := time.Unix(1764849600, 5e8).UTC(); !ev.Timestamp.Equal(want) {
				t.Errorf("timestamp = %v, want %v", ev.Timestamp, want)
			}
		}},
		{"rfc3339 timestamp", `{"timestamp":"2026-12-04T11:00:00.250Z"}`, func(t *testing.T, ev *Event) {
			if !ev.Timestamp.Equal(time.Date(2026, 12, 4, 11, 0, 0, 250e6, time.UTC)) {
				t.Errorf("timestamp = %v", ev.Timestamp)
			}
		}},
		{"naive timestamp is utc", `{"timestamp":"2026-12-04T11:00:00"}`, func(t *testing.T, ev *Event) {
			if ev.Timestamp.Hour() != 11 {
				t.Errorf("timestamp = %v", ev.Timestamp)
			}
		}},
		{"future timestamp replaced", `{"timestamp":"2026-12-04T12:05:00Z"}`, func(t *testing.T, ev *Event) {
			if !ev.Timestamp.Equal(recv) {
				t.Errorf("timestamp = %v, want receive time", ev.Timestamp)
			}
		}},
		{"slightly future kept", `{"timestamp":"2026-12-04T12:00:30Z"}`, func(t *testing.T, ev *Event) {
			if ev.Timestamp.Equal(recv) {
				t.Error("a timestamp 30 s ahead was replaced")
			}
		}},
		{"levels", `{"level":"WARN"}`, func(t *testing.T, ev *Event) {
			if ev.Level != "warning" {
				t.Errorf("level = %q", ev.Level)
			}
		}},
		{"unknown level", `{"level":"loud"}`, func(t *testing.T, ev *Event) {
			if ev.Level != "error" {
				t.Errorf("level = %q", ev.Level)
			}
		}},
		{"logentry with params", `{"logentry":{"message":"user %s failed %d times","params":["bob",3]}}`,
			func(t *testing.T, ev *Event) {
				if ev.Message != "user bob failed 3 times" || ev.Title != ev.Message {
					t.Errorf("message = %q, title %q", ev.Message, ev.Title)
				}
			}},
		{"message object", `{"message":{"formatted":"hello there"}}`, func(t *testing.T, ev *Event) {
			if ev.Message != "hello there" {
				t.Errorf("message = %q", ev.Message)
			}
		}},
		{"tags as pairs", `{"tags":[["a","1"],["b",2],["bad"]]}`, func(t *testing.T, ev *Event) {
			if ev.Tags["a"] != "1" || ev.Tags["b"] != "2" || len(ev.Tags) != 2 {
				t.Errorf("tags = %v", ev.Tags)
			}
		}},
		{"auto ip", `{"user":{"ip_address":"{{auto}}"}}`, func(t *testing.T, ev *Event) {
			if ev.User == nil || ev.User.IPAddress != "127.0.0.1" || ev.User.Key() != "ip:127.0.0.1" {
				t.Errorf("user = %+v", ev.User)
			}
		}},
		{"chained exception title from last", `{"exception":{"values":[{"type":"Cause","value":"inner"},
			{"type":"Outer","value":"outer\nsecond line","mechanism":{"type":"onerror","handled":false}}]}}`,
			func(t *testing.T, ev *Event) {
				if ev.Title != "Outer: outer" || len(ev.Exceptions) != 2 || ev.Exceptions[1].Handled == nil ||
					*ev.Exceptions[1].Handled {
					t.Errorf("title = %q, exceptions %+v", ev.Title, ev.Exceptions)
				}
			}},
		{"in_app guessed", `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[
			{"abs_path":"/usr/lib/python3/dist-packages/x.py","function":"lib"},
			{"abs_path":"/srv/app/main.py","function":"handler"},
			{"filename":"node_modules/express/index.js","function":"mw"}]}}]}}`,
			func(t *testing.T, ev *Event) {
				fs := ev.Frames()
				if fs[0].InApp || !fs[1].InApp || fs[2].InApp || ev.Culprit != "/srv/app/main.py in handler" {
					t.Errorf("in_app %v %v %v, culprit %q", fs[0].InApp, fs[1].InApp, fs[2].InApp, ev.Culprit)
				}
			}},
		{"scrubbing", `{"request":{"headers":[["Authorization","Bearer x"],["Cookie","a=b"]],"cookies":"sid=1",
			"query_string":"token=tok3nvalue&page=2","data":{"password":"p","card":"x","note":"pay 4111-1111-1111-1111"}},
			"extra":{"api_key":"k","nested":{"secret":"s"}},"user":{"id":"1","data":{"session_id":"s"}}}`,
			func(t *testing.T, ev *Event) {
				raw, _ := json.Marshal(ev)
				for _, leak := range []string{"Bearer x", "sid=1", "tok3nvalue", `"p"`, "4111", `"k"`, `"s"`} {
					if strings.Contains(string(raw), leak) {
						t.Errorf("%s left in %s", leak, raw)
					}
				}
				if !strings.Contains(string(raw), "page=2") {
					t.Error("harmless query scrubbed")
				}
			}},
		{"trimmed not refused", `{"message":"` + strings.Repeat("x", 20000) + `","breadcrumbs":[` +
			strings.Repeat(`{"message":"b"},`, 300) + `{"message":"last"}]}`, func(t *testing.T, ev *Event) {
			if len(ev.Message) > maxMessage+4 || len(ev.Breadcrumbs) != maxBreadcrumbs ||
				ev.Breadcrumbs[maxBreadcrumbs-1].Message != "last" {
				t.Errorf("message %d bytes, %d breadcrumbs", len(ev.Message), len(ev.Breadcrumbs))
			}
		}},
		{"invalid utf8 repaired", "{\"message\":\"a\xffb\"}", func(t *testing.T, ev *Event) {
			if !strings.Contains(ev.Message, "a") || strings.Contains(ev.Message, "\xff") {
				t.Errorf("message = %q", ev.Message)
			}
		}},
		{"wrong types ignored", `{"exception":5,"user":"bob","tags":3,"request":[],"contexts":"x","fingerprint":"one"}`,
			func(t *testing.T, ev *Event) {
				if len(ev.Exceptions) != 0 || ev.User != nil || len(ev.Fingerprint) != 1 {
					t.Errorf("event = %+v", ev)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := DecodeEvent([]byte(tt.in), testMeta)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, ev)
		})
	}
}

func TestDecodeEventRefuses(t *testing.T) {
	for _, in := range []string{"", "[]", "null", "garbage", `{"a":`} {
		if _, err := DecodeEvent([]byte(in), testMeta); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	m := testMeta
	m.EventID = ""
	if _, err := DecodeEvent([]byte(`{"event_id":"nothex"}`), m); err == nil {
		t.Error("event without a valid id accepted")
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"message":"x","tags":[["a","b"]],"timestamp":1.5}`))
	f.Add([]byte(`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f","in_app":"1"}]}}]}}`))
	f.Add([]byte(`{"logentry":{"message":"%s %d {}","params":[1,{"a":2}]},"user":{"ip_address":"{{auto}}"}}`))
	f.Add([]byte(`{"request":{"headers":{"a":"b"},"cookies":"c=d;e","data":[1,2,{"password":1}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := DecodeEvent(data, testMeta)
		if err != nil {
			return
		}
		g := ev.Group(nil)
		if len(g.Hash) != 32 {
			t.Fatalf("hash %q", g.Hash)
		}
		if _, err := json.Marshal(ev); err != nil {
			t.Fatalf("normalised event does not encode: %v", err)
		}
	})
}
