package app

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/bitwobbly/bitwobbly/e2e/sdkgo"
	"github.com/bitwobbly/bitwobbly/issues"
)

// testProject creates a project through the API and answers its id,
// public key and DSN.
func (e *testEnv) newSentryProject(name string) (id int64, key, dsn string) {
	e.t.Helper()
	p := e.apiJSON("POST", "/api/v1/projects", map[string]any{"name": name, "platform": "go"}, http.StatusCreated)
	id = int64(p["id"].(float64))
	dsn = p["dsn"].(string)
	keys := e.apiJSON("GET", fmt.Sprintf("/api/v1/projects/%d/keys", id), nil, http.StatusOK)
	key = keys["data"].([]any)[0].(map[string]any)["public_key"].(string)
	return id, key, dsn
}

// waitEvents waits until the project has processed n events.
func (e *testEnv) waitEvents(projectID int64, n int) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var got int
		e.store.R.QueryRow(`SELECT COUNT(*) FROM events WHERE project_id = ?`, projectID).Scan(&got)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("project %d has %d events, want %d", projectID, got, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitQueue waits until the ingest queue is empty.
func (e *testEnv) waitQueue() {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for e.srv.tracker.QueueDepth() > 0 {
		if time.Now().After(deadline) {
			e.t.Fatalf("queue still holds %d envelopes", e.srv.tracker.QueueDepth())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type ingestReq struct {
	method, path string
	headers      map[string]string
	body         []byte
}

func (e *testEnv) ingest(r ingestReq) (int, http.Header, map[string]any) {
	e.t.Helper()
	if r.method == "" {
		r.method = "POST"
	}
	req, _ := http.NewRequest(r.method, e.URL+r.path, bytes.NewReader(r.body))
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	json.Unmarshal(raw, &m)
	return res.StatusCode, res.Header, m
}

func sentryEnvelope(eventID, dsn, event string) []byte {
	h := map[string]any{"event_id": eventID}
	if dsn != "" {
		h["dsn"] = dsn
	}
	hb, _ := json.Marshal(h)
	return []byte(string(hb) + "\n" + `{"type":"event","length":` + fmt.Sprint(len(event)) + "}\n" + event + "\n")
}

func sentryAuth(key string) map[string]string {
	return map[string]string{"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=test/1.0, sentry_key=" + key}
}

func TestIngestSentryGo(t *testing.T) {
	e := newTestEnv(t)
	pid, _, dsn := e.newSentryProject("backend")
	if err := sdkgo.Send(dsn); err != nil {
		t.Fatal(err)
	}
	e.waitEvents(pid, 7)
	list := e.apiJSON("GET", "/api/v1/issues?sort=events", nil, http.StatusOK)
	data := list["data"].([]any)
	if len(data) != 4 {
		t.Fatalf("got %d issues, want 4: %v", len(data), data)
	}
	byTitle := map[string]map[string]any{}
	for _, d := range data {
		m := d.(map[string]any)
		byTitle[m["title"].(string)] = m
	}
	a := byTitle["*sdkgo.LookupError: user 42 not found"]
	if a == nil {
		a = byTitle["*sdkgo.LookupError: user 43 not found"]
	}
	if a == nil {
		t.Fatalf("no LookupError issue among %v", byTitle)
	}
	if a["event_count"].(float64) != 2 || a["user_count"].(float64) != 2 || a["status"] != "unresolved" {
		t.Errorf("LookupError issue = %v, want 2 events, 2 users, unresolved", a)
	}
	var alerts int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM alert_events WHERE kind = 'issue_new' AND project_id = ?`, pid).Scan(&alerts)
	if alerts != 4 {
		t.Errorf("issue_new alert events = %d, want 4", alerts)
	}
	id := int64(a["id"].(float64))
	evs := e.apiJSON("GET", fmt.Sprintf("/api/v1/issues/%d/events", id), nil, http.StatusOK)["data"].([]any)
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2", len(evs))
	}
	first := evs[0].(map[string]any)
	for _, f := range []string{"id", "issue_id", "timestamp", "received_at", "level", "message", "release",
		"environment", "user", "tags"} {
		if _, ok := first[f]; !ok {
			t.Errorf("event lacks field %q: %v", f, first)
		}
	}
	whole := e.apiJSON("GET", "/api/v1/events/"+first["id"].(string), nil, http.StatusOK)
	if whole["release"] != "go-app@1.0.0" || whole["exceptions"] == nil {
		t.Errorf("whole event = %v", whole)
	}
}

func TestIngestAuthAndAnswers(t *testing.T) {
	e := newTestEnv(t)
	pid, key, dsn := e.newSentryProject("web")
	otherID, otherKey, _ := e.newSentryProject("other")
	disabled := e.apiJSON("POST", fmt.Sprintf("/api/v1/projects/%d/keys", pid),
		map[string]any{"enabled": false}, http.StatusCreated)["public_key"].(string)
	ev := `{"message":"hello"}`
	id := "9ec79c33ec9942ab8353589fcb2e04dc"
	env := sentryEnvelope(id, "", ev)
	path := fmt.Sprintf("/api/%d/envelope/", pid)
	store := fmt.Sprintf("/api/%d/store/", pid)
	tests := []struct {
		name   string
		req    ingestReq
		status int
	}{
		{"x-sentry-auth", ingestReq{path: path, headers: sentryAuth(key), body: env}, 200},
		{"authorization", ingestReq{path: path, headers: map[string]string{"Authorization": "Sentry sentry_key=" + key}, body: env}, 200},
		{"query", ingestReq{path: path + "?sentry_key=" + key + "&sentry_version=7", body: env}, 200},
		{"envelope dsn", ingestReq{path: path, body: sentryEnvelope(id, dsn, ev)}, 200},
		{"store", ingestReq{path: store, headers: sentryAuth(key), body: []byte(ev)}, 200},
		{"store get", ingestReq{method: "GET", path: store + "?sentry_key=" + key + "&sentry_data=" + ev}, 200},
		{"no slash", ingestReq{path: strings.TrimSuffix(path, "/"), headers: sentryAuth(key), body: env}, 200},
		{"no credentials", ingestReq{path: path, body: env}, 401},
		{"unknown key", ingestReq{path: path, headers: sentryAuth(strings.Repeat("a", 32)), body: env}, 403},
		{"disabled key", ingestReq{path: path, headers: sentryAuth(disabled), body: env}, 403},
		{"other project's key", ingestReq{path: path, headers: sentryAuth(otherKey), body: env}, 403},
		{"dsn of another project", ingestReq{path: fmt.Sprintf("/api/%d/envelope/", otherID), body: sentryEnvelope(id, dsn, ev)}, 403},
		{"unknown project", ingestReq{path: "/api/999999/envelope/", headers: sentryAuth(key), body: env}, 404},
		{"garbage", ingestReq{path: path, headers: sentryAuth(key), body: []byte("\x00\x01garbage")}, 400},
		{"truncated", ingestReq{path: path, headers: sentryAuth(key), body: env[:len(env)-10]}, 400},
		{"wrong length", ingestReq{path: path, headers: sentryAuth(key),
			body: []byte("{}\n{\"type\":\"event\",\"length\":500}\n{}\n")}, 400},
		{"invalid event json", ingestReq{path: path, headers: sentryAuth(key),
			body: []byte("{}\n{\"type\":\"event\"}\n{\"a\":\n")}, 400},
		{"store not json", ingestReq{path: store, headers: sentryAuth(key), body: []byte("nope")}, 400},
		{"bad gzip", ingestReq{path: path, headers: map[string]string{"X-Sentry-Auth": sentryAuth(key)["X-Sentry-Auth"],
			"Content-Encoding": "gzip"}, body: []byte("not gzip")}, 400},
		{"event too large", ingestReq{path: store, headers: sentryAuth(key),
			body: []byte(`{"message":"` + strings.Repeat("x", 2<<20) + `"}`)}, 413},
		{"too many items", ingestReq{path: path, headers: sentryAuth(key),
			body: []byte("{}\n" + strings.Repeat("{\"type\":\"client_report\"}\n{}\n", 1001))}, 413},
		{"unknown item type", ingestReq{path: path, headers: sentryAuth(key),
			body: []byte("{}\n{\"type\":\"hologram\"}\n{}\n")}, 200},
		{"empty envelope", ingestReq{path: path, headers: sentryAuth(key), body: []byte("{}\n")}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := e.ingest(tt.req)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %v", code, tt.status, body)
			}
			if code != 200 {
				if d, _ := body["detail"].(string); d == "" {
					t.Errorf("no detail in %v", body)
				}
			}
			if h.Get("Access-Control-Allow-Origin") == "" {
				t.Error("no CORS header")
			}
		})
	}
	code, _, body := e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: env})
	if code != 200 || body["id"] != id {
		t.Errorf("answer = %d %v, want the event id", code, body)
	}
	code, _, body = e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: []byte("{}\n{\"type\":\"session\"}\n{}\n")})
	if _, has := body["id"]; code != 200 || has {
		t.Errorf("answer without event = %d %v, want 200 without id", code, body)
	}
	e.waitQueue()
	var n int
	e.store.R.QueryRow(`SELECT event_count FROM issues WHERE project_id = ?`, pid).Scan(&n)
	if n != 3 { // the same event id is stored once; "store" and "store get" carry their own ids
		t.Errorf("event_count = %d, want 3", n)
	}
}

func TestIngestEncodings(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("enc")
	compress := map[string]func(io.Writer) io.WriteCloser{
		"gzip":    func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"x-gzip":  func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"deflate": func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) },
		"raw deflate": func(w io.Writer) io.WriteCloser {
			fw, _ := flate.NewWriter(w, 5)
			return fw
		},
		"br": func(w io.Writer) io.WriteCloser { return brotli.NewWriter(w) },
		"zstd": func(w io.Writer) io.WriteCloser {
			zw, _ := zstd.NewWriter(w)
			return zw
		},
	}
	i := 0
	for name, mk := range compress {
		i++
		t.Run(name, func(t *testing.T) {
			id := fmt.Sprintf("%032x", 1000+i)
			var buf bytes.Buffer
			w := mk(&buf)
			w.Write(sentryEnvelope(id, "", `{"message":"encoded `+name+`"}`))
			w.Close()
			enc := name
			if name == "raw deflate" {
				enc = "deflate"
			}
			for _, chunked := range []bool{false, true} {
				req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/%d/envelope/", e.URL, pid), nil)
				if chunked {
					req.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
					req.ContentLength = -1
				} else {
					req.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
					req.ContentLength = int64(buf.Len())
				}
				req.Header.Set("Content-Encoding", enc)
				req.Header.Set("X-Sentry-Auth", sentryAuth(key)["X-Sentry-Auth"])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode != 200 || !strings.Contains(string(raw), id) {
					t.Fatalf("chunked=%v: %d %s", chunked, res.StatusCode, raw)
				}
			}
		})
	}
	e.waitEvents(pid, len(compress))
}

func TestIngestDecompressionBomb(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.IngestMaxEnvelope = 1 << 20 })
	pid, key, _ := e.newSentryProject("bomb")
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write([]byte("{}\n{\"type\":\"attachment\"}\n"))
	w.Write(make([]byte, 64<<20))
	w.Close()
	h := sentryAuth(key)
	h["Content-Encoding"] = "gzip"
	code, _, body := e.ingest(ingestReq{path: fmt.Sprintf("/api/%d/envelope/", pid), headers: h, body: buf.Bytes()})
	if code != 413 {
		t.Fatalf("status %d %v, want 413", code, body)
	}
	e2 := newTestEnv(t, func(c *Config) { c.IngestMaxRequest = 1000 })
	pid2, key2, _ := e2.newSentryProject("big")
	code, _, _ = e2.ingest(ingestReq{path: fmt.Sprintf("/api/%d/store/", pid2), headers: sentryAuth(key2),
		body: []byte(`{"message":"` + strings.Repeat("y", 5000) + `"}`)})
	if code != 413 {
		t.Fatalf("status %d, want 413 for a request over the compressed limit", code)
	}
}

func TestIngestRateLimit(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("limited")
	keys := e.apiJSON("GET", fmt.Sprintf("/api/v1/projects/%d/keys", pid), nil, 200)["data"].([]any)
	kid := int64(keys[0].(map[string]any)["id"].(float64))
	e.apiJSON("PATCH", fmt.Sprintf("/api/v1/projects/%d/keys/%d", pid, kid), map[string]any{"rate_limit_per_minute": 2}, 200)
	path := fmt.Sprintf("/api/%d/store/", pid)
	var codes []int
	var last http.Header
	for i := 0; i < 3; i++ {
		code, h, _ := e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: []byte(`{"message":"x"}`)})
		codes = append(codes, code)
		last = h
	}
	if fmt.Sprint(codes) != "[200 200 429]" {
		t.Fatalf("codes = %v, want [200 200 429]", codes)
	}
	if last.Get("Retry-After") == "" || !strings.HasSuffix(last.Get("X-Sentry-Rate-Limits"), "::key") {
		t.Errorf("headers = %v", last)
	}
	k := e.apiJSON("PATCH", fmt.Sprintf("/api/v1/projects/%d/keys/%d", pid, kid), map[string]any{"rate_limit_per_minute": nil}, 200)
	if k["rate_limit_per_minute"] != nil {
		t.Fatalf("limit not cleared: %v", k)
	}
	if code, _, _ := e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: []byte(`{"message":"x"}`)}); code != 200 {
		t.Errorf("after clearing the limit: %d", code)
	}
}

func TestIngestPreflight(t *testing.T) {
	e := newTestEnv(t)
	req, _ := http.NewRequest("OPTIONS", e.URL+"/api/1/envelope/", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "x-sentry-auth") {
		t.Errorf("preflight = %d %v", res.StatusCode, res.Header)
	}
}

func TestIngestBadInputKeepsServing(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.IngestMaxEvent = 4 << 20 })
	pid, key, _ := e.newSentryProject("hostile")
	path := fmt.Sprintf("/api/%d/store/", pid)
	manyTags := map[string]string{}
	for i := 0; i < 100000; i++ {
		manyTags[fmt.Sprintf("t%d", i)] = "v"
	}
	tagsJSON, _ := json.Marshal(map[string]any{"message": "many tags", "tags": manyTags})
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	bodies := []string{
		string(tagsJSON),
		`{"message":"deep","extra":` + deep + `}`,
		"{\"message\":\"bad \xff\xfe utf8\"}",
		`{"message":"` + strings.Repeat("long ", 50000) + `"}`,
		`{"exception":"not an object","threads":5,"breadcrumbs":"x","user":[],"tags":7,"timestamp":"yesterday"}`,
		`{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"lineno":"12","in_app":"yes","vars":5}]}}]}}`,
		`{"timestamp":99999999999,"level":42,"release":1.5}`,
		`{"message":"bomb","extra":` + strings.Repeat("[", 500000) + strings.Repeat("]", 500000) + `}`,
	}
	for i, b := range bodies {
		code, _, body := e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: []byte(b)})
		if code != 200 && code != 400 {
			t.Errorf("body %d: status %d %v", i, code, body)
		}
	}
	e.waitQueue()
	var failed int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM ingest_queue`).Scan(&failed)
	if failed != 0 {
		t.Errorf("%d envelopes left in the queue", failed)
	}
	var tags int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM issue_tags`).Scan(&tags)
	if tags > 1000 {
		t.Errorf("%d tag rows kept, want a bounded number", tags)
	}
	if code, _ := e.api("GET", "/api/v1/issues", nil); code != 200 {
		t.Errorf("server unwell after bad input: %d", code)
	}
}

// rawIngest sends head (request line and headers) and body on a new
// connection and answers the connection, for bodies that lie or stall.
func (e *testEnv) rawIngest(head string, body []byte) net.Conn {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.URL, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write(append([]byte(head), body...)); err != nil {
		e.t.Fatal(err)
	}
	return conn
}

func readStatus(t *testing.T, conn net.Conn) (int, http.Header, string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// A Content-Length over the request limit is refused at once, without
// waiting for a body that may never come.
func TestIngestContentLengthOverLimit(t *testing.T) {
	e := newTestEnv(t, func(c *Config) { c.IngestMaxRequest = 1000 })
	pid, key, _ := e.newSentryProject("cl")
	conn := e.rawIngest(fmt.Sprintf("POST /api/%d/envelope/?sentry_key=%s HTTP/1.1\r\nHost: x\r\n"+
		"Content-Length: 999999999999\r\n\r\n", pid, key), []byte("{}\n"))
	status, _, body := readStatus(t, conn)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"detail"`) {
		t.Errorf("got %d %s, want 413 with a detail", status, body)
	}
}

// Decompressed bodies share one memory budget: while it is held, a
// decompression bomb is answered 503 with Retry-After instead of
// inflating, and ingest works again once the budget is free. Slow
// uploads do not hold it.
func TestIngestBodyBudget(t *testing.T) {
	e := newTestEnv(t, func(c *Config) {
		c.IngestMaxRequest = 16 << 10
		c.IngestMaxEvent = 64 << 10
		c.IngestMaxEnvelope = 64 << 10
	})
	pid, key, _ := e.newSentryProject("budget")
	path := fmt.Sprintf("/api/%d/envelope/?sentry_key=%s", pid, key)
	for range 12 { // more than the budget of 144 KiB, if they counted
		chunk := bytes.Repeat([]byte("x"), 16<<10)
		e.rawIngest("POST "+path+" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
			append(fmt.Appendf(nil, "%x\r\n", len(chunk)), chunk...))
	}
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	fmt.Fprintf(w, "{}\n{\"type\":\"attachment\"}\n%s\n", bytes.Repeat([]byte("a"), 60<<10))
	w.Close()
	bomb := ingestReq{path: path, headers: map[string]string{"Content-Encoding": "gzip"}, body: buf.Bytes()}
	if status, _, body := e.ingest(bomb); status != http.StatusOK {
		t.Fatalf("with slow uploads pending: %d %v, want 200", status, body)
	}
	// Another request mid-decompression holds 100 of the 144 KiB.
	held := e.srv.tracker.Lease()
	filler := make([]byte, 100<<10)
	var zw bytes.Buffer
	gw := gzip.NewWriter(&zw)
	gw.Write(filler)
	gw.Close()
	if _, err := issues.DecompressIn("gzip", zw.Bytes(), 1<<20, held); err != nil {
		t.Fatal(err)
	}
	status, h, body := e.ingest(bomb)
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || body["detail"] == nil {
		t.Fatalf("while the budget is held: %d %v %v, want 503 with Retry-After and a detail", status, h, body)
	}
	held.Release()
	if status, _, body := e.ingest(bomb); status != http.StatusOK {
		t.Fatalf("after release: %d %v, want 200", status, body)
	}
	if n := e.srv.tracker.BodyBytes(); n != 0 {
		t.Errorf("%d bytes still held after every request answered", n)
	}
}

// An event item is never answered 200 and then dropped: one without a
// usable event_id gets an id that names the stored event; one that is
// not a JSON object is refused with 400.
func TestIngestEventItemWithoutID(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("noid")
	path := fmt.Sprintf("/api/%d/envelope/", pid)
	stored := []string{
		"{}\n{\"type\":\"event\"}\n{\"message\":\"no id anywhere\"}\n",
		"{\"event_id\":\"zz\"}\n{\"type\":\"event\"}\n{\"message\":\"garbage id\",\"event_id\":\"not-hex\"}\n",
	}
	for i, b := range stored {
		code, _, body := e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: []byte(b)})
		id, _ := body["id"].(string)
		if code != 200 || len(id) != 32 {
			t.Fatalf("envelope %d: %d %v, want 200 with an id", i, code, body)
		}
		e.waitEvents(pid, i+1)
		var n int
		e.store.R.QueryRow(`SELECT COUNT(*) FROM events WHERE project_id = ? AND event_id = ?`, pid, id).Scan(&n)
		if n != 1 {
			t.Errorf("envelope %d: no event stored under the answered id %s", i, id)
		}
	}
	for _, payload := range []string{`[1,2]`, `null`, `5`, `"text"`} {
		b := "{}\n{\"type\":\"event\"}\n" + payload + "\n"
		code, _, body := e.ingest(ingestReq{path: path, headers: sentryAuth(key), body: []byte(b)})
		if code != 400 || body["detail"] == nil {
			t.Errorf("event item %s: %d %v, want 400 with a detail", payload, code, body)
		}
	}
}

// A method ingest does not take is 405 with a detail, not the dashboard's
// redirect to the sign-in page (which an SDK would follow to a 200).
func TestIngestWrongMethod(t *testing.T) {
	e := newTestEnv(t)
	pid, key, _ := e.newSentryProject("methods")
	for _, m := range []string{"PUT", "PATCH", "DELETE"} {
		for _, kind := range []string{"envelope", "store"} {
			path := fmt.Sprintf("/api/%d/%s/?sentry_key=%s", pid, kind, key)
			code, h, body := e.ingest(ingestReq{method: m, path: path, body: []byte("{}")})
			if code != http.StatusMethodNotAllowed || body["detail"] == nil || !strings.Contains(h.Get("Allow"), "POST") {
				t.Errorf("%s %s: %d %v Allow=%q, want 405 with a detail", m, kind, code, body, h.Get("Allow"))
			}
		}
	}
}
