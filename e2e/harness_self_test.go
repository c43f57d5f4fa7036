package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestHarness proves the helpers work: the instance answers, the token
// authenticates, the browser signs in, and the server stops cleanly.
func TestHarness(t *testing.T) {
	srv := startServer(t, serverOptions{})
	if !strings.HasPrefix(srv.Token, "bw_") && len(srv.Token) < 20 {
		t.Fatalf("token = %q, want a token", srv.Token)
	}
	r := srv.API(t, http.MethodGet, "/api/v1/me", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /api/v1/me = %d %s", r.Status, r.Body)
	}
	if r := srv.Do(t, http.MethodGet, "/api/v1/me", nil, ""); r.Status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me without token = %d, want 401", r.Status)
	}

	b := newBrowser(t, browserOptions{})
	b.SignIn(t, srv, ownerEmail, ownerPassword)
	title := get(t, b, chromedp.Title())
	if !strings.Contains(title, "Bit Wobbly") {
		t.Errorf("title = %q", title)
	}
	b.Screenshot(t, "signed-in")

	srv.Restart(t)
	if r := srv.API(t, http.MethodGet, "/api/v1/me", nil); r.Status != http.StatusOK {
		t.Errorf("after restart GET /api/v1/me = %d", r.Status)
	}
	srv.Stop(t)
}
