package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/store"
)

// testEnv is a real server over a real SQLite file in a temp directory,
// served by httptest on loopback, with one owner and an API token.
type testEnv struct {
	t      *testing.T
	srv    *Server
	store  *store.Store
	URL    string
	Token  string
	TeamID int64
	UserID int64
	Email  string
}

// testConfig is a valid configuration over dir.
func testConfig(t *testing.T, dir string) Config {
	t.Helper()
	cfg, err := loadConfig(newFlagSet(), []string{"--data", dir, "--addr", "127.0.0.1:0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKey = bytes.Repeat([]byte{7}, 32)
	return cfg
}

// newTestEnv starts a server; options may adjust the config first.
func newTestEnv(t *testing.T, opts ...func(*Config)) *testEnv {
	t.Helper()
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	for _, o := range opts {
		o(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	st, err := store.Open(context.Background(), dir, log, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(cfg, log, st)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv.startWorkers(ctx)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		hs.Close()
		cancel()
		srv.wg.Wait()
		st.Close()
	})
	if srv.cfg.BaseURL == "" {
		srv.cfg.BaseURL = hs.URL
	}
	e := &testEnv{t: t, srv: srv, store: st, URL: hs.URL}
	e.Email = "owner@example.com"
	e.Token, e.TeamID, e.UserID = e.newOwner(e.Email)
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newOwner creates a user owning a new team and returns an API token.
func (e *testEnv) newOwner(email string) (token string, teamID, userID int64) {
	e.t.Helper()
	ctx := context.Background()
	hash, err := hashPassword("password123")
	if err != nil {
		e.t.Fatal(err)
	}
	u, team, err := e.store.CreateOwner(ctx, email, "", hash, email+" team")
	if err != nil {
		e.t.Fatal(err)
	}
	e.store.MarkSetupDone(ctx)
	plain, _, err := issueToken(ctx, e.store, team.ID, u.ID, "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return plain, team.ID, u.ID
}

// do sends a request with a bearer token (empty: none) and a JSON body
// (nil: none; string: sent as is), returning the status and body.
func (e *testEnv) do(method, path, token string, body any) (int, []byte) {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if r != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// api is do with the owner's token.
func (e *testEnv) api(method, path string, body any) (int, []byte) {
	e.t.Helper()
	return e.do(method, path, e.Token, body)
}

// apiJSON is api decoding the answer into a map, failing on another status.
func (e *testEnv) apiJSON(method, path string, body any, want int) map[string]any {
	e.t.Helper()
	code, raw := e.api(method, path, body)
	if code != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, raw)
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return m
}

// browser is a cookie-keeping client signed in as email/password123.
type browser struct {
	e      *testEnv
	client *http.Client
}

func (e *testEnv) browser(email string) *browser {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if email != "" {
		code, body := b.post("/login", url.Values{"email": {email}, "password": {"password123"}})
		if code != http.StatusSeeOther {
			e.t.Fatalf("sign in as %s: status %d: %s", email, code, body)
		}
	}
	return b
}

func (b *browser) get(path string) (int, string) {
	b.e.t.Helper()
	res, err := b.client.Get(b.e.URL + path)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// csrf returns the form token, fetching a page first when needed.
func (b *browser) csrf() string {
	u, _ := url.Parse(b.e.URL)
	for try := 0; try < 2; try++ {
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == csrfCookie {
				return c.Value
			}
		}
		b.get("/login")
	}
	b.e.t.Fatal("no csrf token")
	return ""
}

// post submits a form with the CSRF token.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf())
	}
	res, err := b.client.PostForm(b.e.URL+path, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}
