package app

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// TestPanicsBecomeA500 answers a panicking handler with the usual error
// shape, JSON for the API and a page for browsers, without the panic text.
func TestPanicsBecomeA500(t *testing.T) {
	e := newTestEnv(t)
	boom := func(echo.Context) error { panic("secret internals") }
	e.srv.echo.GET("/api/v1/boom", boom)
	e.srv.echo.GET("/boom", boom)

	code, body := e.api("GET", "/api/v1/boom", nil)
	var got struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &got); err != nil || code != 500 || got.Error.Code != "internal" {
		t.Errorf("API panic: %d %s", code, body)
	}
	code, page := e.browser("").get("/boom")
	if code != 500 || !strings.Contains(page, "<html") {
		t.Errorf("page panic: %d %.200s", code, page)
	}
	for _, b := range []string{string(body), page} {
		if strings.Contains(b, "secret internals") || strings.Contains(b, "goroutine") {
			t.Errorf("the answer shows the panic: %.300s", b)
		}
	}
	if code, _ := e.api("GET", "/api/v1/me", nil); code != 200 {
		t.Errorf("after a panic the server answers %d", code)
	}
}

// TestResponseHeaders: security headers and a request id on every answer,
// gzip for HTML.
func TestResponseHeaders(t *testing.T) {
	e := newTestEnv(t)
	req, _ := http.NewRequest("GET", e.URL+"/login", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "strict-origin-when-cross-origin",
		"Content-Encoding":        "gzip",
		"Cache-Control":           "no-store",
	} {
		if got := res.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if len(res.Header.Get("X-Request-Id")) < 16 {
		t.Errorf("X-Request-Id = %q", res.Header.Get("X-Request-Id"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(zr)
	if !strings.Contains(string(html), "Sign in") {
		t.Errorf("gzipped page does not decode to the sign-in page")
	}
	if strings.Contains(string(html), " style=") || strings.Contains(string(html), "<script>") {
		t.Error("the sign-in page has inline style or script, which the CSP refuses")
	}
}

// TestStaticFilesAreHashedAndImmutable follows the stylesheet link of a
// page: a content-hashed URL cached for a year, with ETag revalidation.
func TestStaticFilesAreHashedAndImmutable(t *testing.T) {
	e := newTestEnv(t)
	_, page := e.browser("").get("/login")
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(page)
	if css == nil {
		t.Fatal("no hashed stylesheet link on the page")
	}
	res, err := http.Get(e.URL + css[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("%s: %d %q %q", css[1], res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	req, _ := http.NewRequest("GET", e.URL+css[1], nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %v %v, want 304", res.StatusCode, err)
	}
	if res, _ := http.Get(e.URL + "/static/app.000000000000.css"); res.StatusCode != 404 {
		t.Errorf("unknown hash: %d, want 404", res.StatusCode)
	}
}

// TestSessionCookie: HttpOnly and SameSite=Lax always; Secure behind https
// (base URL, or a trusted proxy's X-Forwarded-Proto, never an untrusted one).
func TestSessionCookie(t *testing.T) {
	scenarios := []struct {
		name       string
		baseURL    string
		trustProxy bool
		proto      string
		secure     bool
	}{
		{"plain http", "", false, "", false},
		{"https base URL", "https://status.example.com", false, "", true},
		{"untrusted X-Forwarded-Proto", "", false, "https", false},
		{"trusted X-Forwarded-Proto", "", true, "https", true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			e := newTestEnv(t, func(c *Config) { c.TrustProxy = sc.trustProxy })
			e.srv.cfg.BaseURL = sc.baseURL
			b := e.browser("")
			form := url.Values{"email": {e.Email}, "password": {"password123"}, "_csrf": {b.csrf()}}
			req, _ := http.NewRequest("POST", e.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if sc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", sc.proto)
			}
			res, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			var session *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == sessionCookie {
					session = c
				}
			}
			if session == nil {
				t.Fatalf("no session cookie (status %d)", res.StatusCode)
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure != sc.secure {
				t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v; want true, Lax, %v",
					session.HttpOnly, session.SameSite, session.Secure, sc.secure)
			}
		})
	}
}

// TestLoginIsThrottledPerAddress: failures spread over many accounts from
// one address block that address, even for a right password.
func TestLoginIsThrottledPerAddress(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser("")
	for i := 0; i < loginPerAddress; i++ {
		b.post("/login", url.Values{"email": {"nobody" + itoa(int64(i)) + "@example.com"}, "password": {"guess"}})
	}
	code, body := b.post("/login", url.Values{"email": {e.Email}, "password": {"password123"}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("after %d failures from one address: %d", loginPerAddress, code)
	}
}

// TestTokensAreStoredHashedWithPrefixAndLastUse: the database holds only
// the hash and a short prefix; use is recorded.
func TestTokensAreStoredHashedWithPrefixAndLastUse(t *testing.T) {
	e := newTestEnv(t)
	var list struct {
		Data []apiTokenJSON `json:"data"`
	}
	if code, body := e.api("GET", "/api/v1/tokens", nil); code != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("list: %d %s", code, body)
	}
	if len(list.Data) != 1 || list.Data[0].LastUsedAt == nil || !strings.HasPrefix(e.Token, list.Data[0].Prefix) ||
		len(list.Data[0].Prefix) != 9 {
		t.Errorf("token in the list: %+v", list.Data)
	}
	var leaks int
	err := e.store.R.QueryRow(`SELECT COUNT(*) FROM api_tokens
		WHERE name = ? OR prefix = ? OR hash = ?`, e.Token, e.Token, e.Token).Scan(&leaks)
	if err != nil || leaks != 0 {
		t.Errorf("the plain token is in the database (%d rows, %v)", leaks, err)
	}
	body, _ := json.Marshal(list)
	if strings.Contains(string(body), e.Token) {
		t.Error("the API lists the whole token")
	}
}
