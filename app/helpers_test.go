package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"

	"github.com/bitwobbly/bitwobbly/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func regexp1(pattern, s string) string {
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// newBareEnv is a server with no account at all (setup not done).
func newBareEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), dir, log, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := NewServer(cfg, log, st)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); st.Close() })
	return &testEnv{t: t, srv: srv, store: st, URL: hs.URL}
}
