package issues

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testMeta = Meta{ProjectID: 1, EventID: "0123456789abcdef0123456789abcdef", ClientIP: "127.0.0.1",
	ReceivedAt: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Scrub: Scrubber{Enabled: true}}

// sdkEvents decodes every event captured from one SDK, in file order.
func sdkEvents(t *testing.T, sdk string) []*Event {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "sdk", sdk, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captured payloads for %s: %v", sdk, err)
	}
	var out []*Event
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(f, "-store.txt") {
			ev, err := DecodeEvent(raw, testMeta)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, ev)
			continue
		}
		env, err := ParseEnvelope(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, it := range env.Items {
			if it.Type != "event" {
				continue
			}
			ev, err := DecodeEvent(it.Payload, testMeta)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, ev)
		}
	}
	return out
}

// TestGroupingRealSDKs checks payloads captured from sentry-go,
// @sentry/node, @sentry/browser (in Chromium) and python3-sentry-sdk. Each sent, in order: the same error twice with
// different ids (A), another error (B), the same message with different
// numbers twice (C), two different errors with one custom fingerprint (D).
func TestGroupingRealSDKs(t *testing.T) {
	labels := []string{"A", "A", "B", "C", "C", "D", "D"}
	for _, sdk := range []string{"go", "node", "browser", "python"} {
		t.Run(sdk, func(t *testing.T) {
			evs := sdkEvents(t, sdk)
			if len(evs) != len(labels) {
				t.Fatalf("got %d events, want %d", len(evs), len(labels))
			}
			assertGroups(t, evs, labels, nil)
		})
	}
}

func assertGroups(t *testing.T, evs []*Event, labels []string, rules []FingerprintRule) {
	t.Helper()
	hashes := make([]string, len(evs))
	for i, ev := range evs {
		hashes[i] = ev.Group(rules).Hash
	}
	for i := range evs {
		for j := i + 1; j < len(evs); j++ {
			same := hashes[i] == hashes[j]
			if want := labels[i] == labels[j]; same != want {
				t.Errorf("events %d (%s, %q) and %d (%s, %q): same issue = %v, want %v\n%q\n%q", i, labels[i],
					evs[i].Title, j, labels[j], evs[j].Title, same, want, evs[i].Grouping.Components,
					evs[j].Grouping.Components)
			}
		}
	}
}

// groupCase is one hand-written event and the issue it must land in.
type groupCase struct {
	label string
	json  string
}

func TestGroupingTable(t *testing.T) {
	frames := func(fns ...string) string {
		var b []string
		for _, f := range fns {
			parts := strings.Split(f, ":")
			inApp := "true"
			if len(parts) > 2 {
				inApp = parts[2]
			}
			b = append(b, `{"module":"`+parts[0]+`","function":"`+parts[1]+`","lineno":`+
				itoa(int64(len(b)*7+len(f)))+`,"in_app":`+inApp+`}`)
		}
		return `{"frames":[` + strings.Join(b, ",") + `]}`
	}
	exc := func(typ, val, st string) string {
		return `{"exception":{"values":[{"type":"` + typ + `","value":"` + val + `","stacktrace":` + st + `}]}}`
	}
	cases := []groupCase{
		{"db", exc("DBError", "connection 1 refused", frames("app.db:connect", "app.api:handler"))},
		{"db", exc("DBError", "connection 2 refused at 10.0.0.1", frames("app.db:connect", "app.api:handler"))},
		// Library frames differ, in-app frames match: same issue.
		{"db", exc("DBError", "x", frames("lib.pool:get:false", "app.db:connect", "app.api:handler"))},
		// Another in-app path: another issue.
		{"db-other", exc("DBError", "x", frames("app.db:connect", "app.jobs:run"))},
		// Same frames, another type: another issue.
		{"timeout", exc("Timeout", "x", frames("app.db:connect", "app.api:handler"))},
		// Only library frames: grouped by all frames.
		{"lib", exc("ValueError", "a", frames("lib.x:f:false", "lib.y:g:false"))},
		{"lib", exc("ValueError", "b", frames("lib.x:f:false", "lib.y:g:false"))},
		// No frames: type and normalised value.
		{"noframes", `{"exception":{"values":[{"type":"KeyError","value":"'user-4f9a2c1b'"}]}}`},
		{"noframes", `{"exception":{"values":[{"type":"KeyError","value":"'user-77e0ab12'"}]}}`},
		{"noframes-other", `{"exception":{"values":[{"type":"KeyError","value":"'account'"}]}}`},
		// Messages: numbers, ids, hex, dates normalised.
		{"msg", `{"message":"Job 12 failed after 3 tries at 2026-12-01T10:00:00Z"}`},
		{"msg", `{"message":"Job 4711 failed after 9 tries at 2026-11-30T08:13:59Z"}`},
		// A template groups by the template, whatever its parameters.
		{"tmpl", `{"logentry":{"message":"Job %s failed after %s tries","params":[1,2]}}`},
		{"tmpl", `{"logentry":{"message":"Job %s failed after %s tries","params":["a","b"]}}`},
		{"msg-other", `{"message":"Disk full on /dev/sda1"}`},
		{"uuid", `{"message":"order 1c0b7a3e-7a1b-4c4e-9b8e-0a1b2c3d4e5f missing"}`},
		{"uuid", `{"message":"order 9f8e7d6c-5b4a-4321-8765-fedcba987654 missing"}`},
		{"hex", `{"message":"bad pointer 0xdeadbeef"}`},
		{"hex", `{"message":"bad pointer 0x1234"}`},
		// Fingerprints.
		{"fp", `{"message":"one","fingerprint":["billing"]}`},
		{"fp", `{"message":"two","fingerprint":["billing"]}`},
		{"db", `{"exception":{"values":[{"type":"DBError","value":"z","stacktrace":` +
			frames("app.db:connect", "app.api:handler") + `}]},"fingerprint":["{{ default }}"]}`},
		{"fp-tx-a", `{"message":"x","transaction":"/a","fingerprint":["{{ default }}","{{ transaction }}"]}`},
		{"fp-tx-b", `{"message":"x","transaction":"/b","fingerprint":["{{ default }}","{{ transaction }}"]}`},
		{"fp-type", exc("A", "1", frames("m:f"))[:len(exc("A", "1", frames("m:f")))-1] + `,"fingerprint":["{{ type }}"]}`},
		{"fp-type", `{"exception":{"values":[{"type":"A","value":"2"}]},"fingerprint":["{{ type }}"]}`},
		{"fp-tag-eu", `{"message":"x","tags":{"region":"eu"},"fingerprint":["{{ tags.region }}"]}`},
		{"fp-tag-us", `{"message":"y","tags":[["region","us"]],"fingerprint":["{{ tags.region }}"]}`},
		{"fp-level", `{"message":"p","level":"warning","fingerprint":["{{ level }}"]}`},
		{"fp-level", `{"message":"q","level":"warn","fingerprint":["{{ level }}"]}`},
		{"fp-fn", exc("X", "1", frames("a:fn1", "b:target"))[:len(exc("X", "1", frames("a:fn1", "b:target")))-1] +
			`,"fingerprint":["{{ function }}","{{ module }}"]}`},
		{"fp-fn", exc("Y", "2", frames("b:target"))[:len(exc("Y", "2", frames("b:target")))-1] +
			`,"fingerprint":["{{ function }}","{{ module }}"]}`},
		// Go closures and JS bundles: numbered names and hashed files normalised.
		{"closure", exc("E", "x", `{"frames":[{"module":"main","function":"run.func1","in_app":true}]}`)},
		{"closure", exc("E", "x", `{"frames":[{"module":"main","function":"run.func2","in_app":true}]}`)},
		{"bundle", exc("TypeError", "x", `{"frames":[{"filename":"https://x.test/main.3f9a2b1c.js?v=1","function":"click","in_app":true}]}`)},
		{"bundle", exc("TypeError", "y", `{"frames":[{"filename":"https://x.test/main.77aa00ff.js","function":"click","in_app":true}]}`)},
		// Chained exceptions count every link.
		{"chain", `{"exception":{"values":[{"type":"IOError","stacktrace":` + frames("app.io:read") +
			`},{"type":"ConfigError","stacktrace":` + frames("app.cfg:load") + `}]}}`},
		{"chain-other", `{"exception":{"values":[{"type":"ConfigError","stacktrace":` + frames("app.cfg:load") + `}]}}`},
	}
	var evs []*Event
	var labels []string
	for i, c := range cases {
		m := testMeta
		m.EventID = ""
		ev, err := DecodeEvent([]byte(strings.Replace(c.json, "{", `{"event_id":"`+strings.Repeat("0", 30)+
			itoa(int64(10+i))+`",`, 1)), m)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		evs = append(evs, ev)
		labels = append(labels, c.label)
	}
	assertGroups(t, evs, labels, nil)
}

func TestGroupingRules(t *testing.T) {
	rules, err := ParseFingerprintRules(`
# database timeouts are one issue wherever they happen
type:DBError message:"*timeout*" -> db-timeout
tags.region:eu* level:warning -> eu-warnings, {{ transaction }}
module:app.payments* -> payments`)
	if err != nil {
		t.Fatal(err)
	}
	evs := []string{
		`{"exception":{"values":[{"type":"DBError","value":"read timeout","stacktrace":{"frames":[{"module":"a","function":"f"}]}}]}}`,
		`{"exception":{"values":[{"type":"DBError","value":"write timeout","stacktrace":{"frames":[{"module":"b","function":"g"}]}}]}}`,
		`{"exception":{"values":[{"type":"DBError","value":"refused","stacktrace":{"frames":[{"module":"b","function":"g"}]}}]}}`,
		`{"message":"a","level":"warning","tags":{"region":"eu-west"},"transaction":"/x"}`,
		`{"message":"b","level":"warning","tags":{"region":"eu-north"},"transaction":"/x"}`,
		`{"message":"b","level":"warning","tags":{"region":"eu-north"},"transaction":"/y"}`,
		`{"exception":{"values":[{"type":"E1","stacktrace":{"frames":[{"module":"app.payments.card","function":"charge"}]}}]}}`,
		`{"exception":{"values":[{"type":"E2","stacktrace":{"frames":[{"module":"app.payments","function":"refund"}]}}]}}`,
	}
	labels := []string{"timeout", "timeout", "refused", "eu-x", "eu-x", "eu-y", "pay", "pay"}
	var decoded []*Event
	for i, j := range evs {
		m := testMeta
		m.EventID = strings.Repeat("a", 31) + itoa(int64(i))
		ev, err := DecodeEvent([]byte(j), m)
		if err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, ev)
	}
	assertGroups(t, decoded, labels, rules)
	if got := decoded[0].Grouping.Source; got != "rule" {
		t.Errorf("source = %q, want rule", got)
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name, text string
		stack      bool
	}{
		{"no arrow", "type:X db", false},
		{"empty fingerprint", "type:X ->", false},
		{"unknown matcher", "colour:red -> x", false},
		{"junk", "type:X junk -> x", false},
		{"stack without action", "module:x", true},
		{"stack wrong matcher", "type:X +app", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.stack {
				_, err = ParseStackRules(tt.text)
			} else {
				_, err = ParseFingerprintRules(tt.text)
			}
			if err == nil || !strings.Contains(err.Error(), "line 1") {
				t.Errorf("err = %v, want an error naming line 1", err)
			}
		})
	}
}

func TestStackRules(t *testing.T) {
	rules, err := ParseStackRules("module:vendor.* -app\npath:**/src/** +app")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := DecodeEvent([]byte(`{"event_id":"`+strings.Repeat("b", 32)+`","exception":{"values":[{"type":"E",
		"stacktrace":{"frames":[{"module":"vendor.lib","function":"f","in_app":true},
		{"abs_path":"/home/me/src/app.py","function":"g","in_app":false}]}}]}}`), testMeta)
	if err != nil {
		t.Fatal(err)
	}
	ev.ApplyStackRules(rules)
	fs := ev.Frames()
	if fs[0].InApp || !fs[1].InApp {
		t.Errorf("in_app = %v, %v; want false, true", fs[0].InApp, fs[1].InApp)
	}
	if ev.Culprit != "/home/me/src/app.py in g" {
		t.Errorf("culprit = %q", ev.Culprit)
	}
}
