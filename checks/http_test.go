package checks

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

func boolp(b bool) *bool { return &b }

func TestHTTPCheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "All Systems GO") })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	mux.HandleFunc("/404", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/latin1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
		w.Write([]byte("<p>Gr\xfc\xdfe aus K\xf6ln</p>"))
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok","version":"10","data":{"items":[1,2,3],"load":0.25,"ready":true,"name":null}}`)
	})
	mux.HandleFunc("/notjson", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") })
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if r.Header.Get("Authorization") == "Bearer s3cret" || ok && u == "ann" && p == "pw" {
			fmt.Fprint(w, "in")
			return
		}
		w.WriteHeader(401)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s", r.Method, r.Header.Get("X-Probe"))
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		fmt.Fprint(w, "late")
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"a":"`+strings.Repeat("x", 2000)+`"}`)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	scenarios := []struct {
		name   string
		path   string
		cfg    Config
		want   int
		reason string
	}{
		{"ok", "/ok", Config{}, store.ResultUp, "HTTP 200"},
		{"500 is down", "/500", Config{}, store.ResultDown, "HTTP 500"},
		{"404 accepted by list", "/404", Config{AcceptedStatusCodes: []string{"200-299", "404"}}, store.ResultUp, ""},
		{"redirect followed", "/redirect", Config{Keyword: "systems go"}, store.ResultUp, ""},
		{"redirect not followed is 302", "/redirect", Config{FollowRedirects: boolp(false),
			AcceptedStatusCodes: []string{"200"}}, store.ResultDown, "HTTP 302"},
		{"redirect loop stops", "/loop", Config{MaxRedirects: 3}, store.ResultDown, "stopped after 3 redirects"},
		{"keyword case-insensitive", "/ok", Config{Keyword: "systems go"}, store.ResultUp, ""},
		{"keyword case-sensitive misses", "/ok", Config{Keyword: "systems go", KeywordCaseSensitive: true},
			store.ResultDown, "not found"},
		{"keyword absent", "/ok", Config{Keyword: "GO", KeywordAbsent: true}, store.ResultDown, "present"},
		{"keyword in latin-1 body", "/latin1", Config{Keyword: "Grüße aus Köln"}, store.ResultUp, ""},
		{"json equals string", "/json", Config{JSONAssertions: []JSONAssertion{{"status", "equals", "ok"}}}, store.ResultUp, ""},
		{"json count", "/json", Config{JSONAssertions: []JSONAssertion{{"data.items.#", "equals", "3"}}}, store.ResultUp, ""},
		{"json number compared as number", "/json", Config{JSONAssertions: []JSONAssertion{{"data.load", "lt", "0.5"}}},
			store.ResultUp, ""},
		{"json number 3 equals 3.0", "/json", Config{JSONAssertions: []JSONAssertion{{"data.items.#", "equals", "3.0"}}},
			store.ResultUp, ""},
		{"json string compared as string", "/json", Config{JSONAssertions: []JSONAssertion{{"version", "equals", "10.0"}}},
			store.ResultDown, `"10"`},
		{"json gt on string fails", "/json", Config{JSONAssertions: []JSONAssertion{{"version", "gt", "5"}}},
			store.ResultDown, "not a number"},
		{"json missing path", "/json", Config{JSONAssertions: []JSONAssertion{{"data.nope", "exists", ""}}},
			store.ResultDown, "not found"},
		{"json bool", "/json", Config{JSONAssertions: []JSONAssertion{{"data.ready", "equals", "true"}}}, store.ResultUp, ""},
		{"json contains", "/json", Config{JSONAssertions: []JSONAssertion{{"status", "contains", "o"}}}, store.ResultUp, ""},
		{"json not equals", "/json", Config{JSONAssertions: []JSONAssertion{{"status", "not_equals", "ok"}}},
			store.ResultDown, "expected"},
		{"json number vs word", "/json", Config{JSONAssertions: []JSONAssertion{{"data.load", "equals", "low"}}},
			store.ResultDown, "not a number"},
		{"invalid json body", "/notjson", Config{JSONAssertions: []JSONAssertion{{"a", "exists", ""}}},
			store.ResultDown, "not valid JSON"},
		{"body over cap", "/big", Config{MaxBodyBytes: 100, JSONAssertions: []JSONAssertion{{"a", "exists", ""}}},
			store.ResultDown, "larger than 100 bytes"},
		{"basic auth", "/auth", Config{BasicAuthUser: "ann", BasicAuthPassword: "pw"}, store.ResultUp, ""},
		{"bearer", "/auth", Config{BearerToken: "s3cret"}, store.ResultUp, ""},
		{"no auth", "/auth", Config{}, store.ResultDown, "401"},
		{"method and headers", "/echo", Config{Method: "POST", Headers: map[string]string{"X-Probe": "yes"},
			Keyword: "POST yes"}, store.ResultUp, ""},
		{"slow is degraded", "/slow", Config{DegradedLatencyMS: 50}, store.ResultDegraded, "above the 50 ms"},
		{"timeout", "/hang", Config{}, store.ResultDown, "timed out"},
	}
	c := NewChecker(nil, false)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			cfg := sc.cfg
			spec := Spec{Type: "http", Config: cfg}
			spec.Defaults()
			if sc.cfg.MaxRedirects != 0 {
				spec.Config.MaxRedirects = sc.cfg.MaxRedirects
			}
			out := c.Run(context.Background(), Job{Type: "http", Target: srv.URL + sc.path, Config: spec.Config,
				Timeout: time.Second})
			if out.Status != sc.want {
				t.Errorf("status = %d, want %d (%s)", out.Status, sc.want, out.Reason)
			}
			if !strings.Contains(out.Reason, sc.reason) {
				t.Errorf("reason = %q, want it to contain %q", out.Reason, sc.reason)
			}
		})
	}
}

func TestHTTPRefusedAndRestricted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close()
	out := NewChecker(nil, false).Run(context.Background(), Job{Type: "http", Target: url, Timeout: time.Second})
	if out.Status != store.ResultDown || !strings.Contains(out.Reason, "refused") {
		t.Errorf("closed port: %+v", out)
	}
	live := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer live.Close()
	out = NewChecker(nil, true).Run(context.Background(), Job{Type: "http", Target: live.URL, Timeout: time.Second})
	if out.Status != store.ResultDown || !strings.Contains(out.Reason, "refused on this instance") {
		t.Errorf("restricted loopback: %+v", out)
	}
}

func TestJSONAssertionNeverSilentlyPasses(t *testing.T) {
	bodies := []string{`{}`, `[]`, `null`, `{"a":null}`, `{"a":[]}`, `{"a":{"b":1}}`, `"str"`, `1`}
	as := []JSONAssertion{{"a.b.c", "equals", "1"}, {"a", "gt", "0"}, {"a.#", "lt", "0"}, {"x", "exists", ""}}
	for _, b := range bodies {
		for _, a := range as {
			if reason := assertJSON(b, []JSONAssertion{a}); reason == "" {
				got := evalAssertion(b, a)
				t.Errorf("%s with %+v passed (%q)", b, a, got)
			}
		}
	}
}

func FuzzJSONAssertion(f *testing.F) {
	f.Add(`{"a":{"b":[1,2]}}`, "a.b.#", "equals", "2")
	f.Add(`{"a":"x"}`, "a", "lt", "3")
	f.Add(`not json`, "a", "exists", "")
	f.Fuzz(func(t *testing.T, body, path, op, value string) {
		assertJSON(body, []JSONAssertion{{Path: path, Op: op, Value: value}})
	})
}
