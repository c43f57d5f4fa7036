package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/app/webhooksign"
)

// waitFor polls cond until it holds or a generous deadline passes.
func spWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (m *resendMock) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.mails)
}

func (m *resendMock) mail(i int) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mails[i]
}

// postForm posts a public form without cookies or CSRF token.
func (e *testEnv) postForm(path string, form url.Values) (int, string) {
	e.t.Helper()
	res, err := http.PostForm(e.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var linkRE = regexp.MustCompile(`https?://[^\s]+`)

// TestSubscriptionFlow subscribes by e-mail through a loopback Resend
// mock: confirmation, an incident notice with an unsubscribe link, no
// mail after unsubscribing, and no repeated mails to one address.
func TestSubscriptionFlow(t *testing.T) {
	mock := &resendMock{}
	api := httptest.NewServer(mock)
	defer api.Close()
	e := newTestEnv(t, func(c *Config) {
		c.ResendAPIKey, c.ResendBaseURL = "re_test_key", api.URL
		c.MailFrom = "Status <status@example.com>"
	})
	_, _, comps := seedPage(e, "acme")

	code, body := e.postForm("/status/acme/subscribe", url.Values{"email": {"visitor@example.com"}})
	if code != http.StatusOK || !strings.Contains(body, "Check your inbox") {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	spWaitFor(t, "the confirmation mail", func() bool { return mock.count() == 1 })
	confirm := mock.mail(0)
	if to, _ := confirm["to"].([]any); len(to) != 1 || to[0] != "visitor@example.com" {
		t.Fatalf("confirmation to %v", confirm["to"])
	}
	if from, _ := confirm["from"].(string); from != `"Acme Cloud" <status@example.com>` {
		t.Errorf("confirmation from %q, want the page title as sender name", from)
	}
	link := linkRE.FindString(confirm["text"].(string))
	if !strings.Contains(link, "/status/acme/confirm/") {
		t.Fatalf("no confirmation link in %q", confirm["text"])
	}

	// Asking again does not mail the address again (no mail bombing).
	for i := 0; i < 3; i++ {
		e.postForm("/status/acme/subscribe", url.Values{"email": {"visitor@example.com"}})
	}
	// Opening the link (as a mail scanner would) only asks.
	res, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "Confirm subscription") ||
		strings.Contains(string(page), "You are subscribed") {
		t.Fatalf("confirm link: %d %s", res.StatusCode, page)
	}
	var confirmed int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM subscribers WHERE confirmed_at IS NOT NULL`).Scan(&confirmed)
	if confirmed != 0 {
		t.Fatal("opening the confirmation link confirmed the subscription")
	}
	res, err = http.Post(link, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), "You are subscribed") {
		t.Fatalf("confirm: %d %s", res.StatusCode, page)
	}
	if n := mock.count(); n != 1 {
		t.Fatalf("repeated subscriptions sent %d mails, want 1", n)
	}

	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Payments failing", "impact": "critical",
		"body": "Card payments fail.", "component_ids": []any{comps[0]["id"]}}, 201)
	spWaitFor(t, "the incident mail", func() bool { return mock.count() == 2 })
	notice := mock.mail(1)
	text, _ := notice["text"].(string)
	if !strings.Contains(notice["subject"].(string), "New incident: Payments failing") ||
		!strings.Contains(text, "Card payments fail.") {
		t.Errorf("incident mail: %v / %q", notice["subject"], text)
	}
	hdrs, _ := notice["headers"].(map[string]any)
	unsub, _ := hdrs["List-Unsubscribe"].(string)
	if !strings.Contains(unsub, "/status/acme/unsubscribe/") || !strings.Contains(text, "/unsubscribe/") {
		t.Fatalf("incident mail lacks an unsubscribe link: %v %q", hdrs, text)
	}
	unsubURL := strings.Trim(unsub, "<>")
	res, err = http.PostForm(unsubURL, url.Values{"List-Unsubscribe": {"One-Click"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("unsubscribe: %d", res.StatusCode)
	}
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Another one",
		"component_ids": []any{comps[0]["id"]}}, 201)
	time.Sleep(3 * time.Second)
	if n := mock.count(); n != 2 {
		t.Errorf("%d mails after unsubscribing, want still 2", n)
	}
}

// TestSubscribeRateLimitAndBadInput refuses bad addresses and floods.
func TestSubscribeRateLimitAndBadInput(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "acme")
	for _, bad := range []string{"", "not-an-address", "a@b", "x@example.com, y@example.com", "<script>@x.com"} {
		if code, _ := e.postForm("/status/acme/subscribe", url.Values{"email": {bad}}); code != http.StatusBadRequest {
			t.Errorf("subscribe %q = %d, want 400", bad, code)
		}
	}
	if code, _ := e.postForm("/status/acme/subscribe", url.Values{"email": {"a@example.com"},
		"component_ids": {"999"}}); code != http.StatusBadRequest {
		t.Errorf("unknown component = %d, want 400", code)
	}
	last := 0
	for i := 0; i < subscribeLimit+2; i++ {
		last, _ = e.postForm("/status/acme/subscribe", url.Values{"email": {"flood@example.com"}})
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("flood of subscriptions ends with %d, want 429", last)
	}
}

// TestWebhookSubscription delivers a signed incident notice.
func TestWebhookSubscription(t *testing.T) {
	type hit struct {
		hdr  http.Header
		body []byte
	}
	var mu sync.Mutex
	var hits []hit
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		hits = append(hits, hit{r.Header.Clone(), b})
		mu.Unlock()
	}))
	defer recv.Close()
	e := newTestEnv(t)
	page, _, comps := seedPage(e, "acme")
	sub := e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": recv.URL + "/hook"}, http.StatusCreated)
	secret, _ := sub["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") || sub["source"] != "team" {
		t.Fatalf("webhook subscriber: %v", sub)
	}
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Queue stuck",
		"component_ids": []any{comps[0]["id"]}}, 201)
	spWaitFor(t, "the webhook", func() bool { mu.Lock(); defer mu.Unlock(); return len(hits) > 0 })
	mu.Lock()
	h := hits[0]
	mu.Unlock()
	key, err := webhooksign.Key(secret)
	if err != nil {
		t.Fatal(err)
	}
	var ts int64
	json.Unmarshal([]byte(h.hdr.Get("webhook-timestamp")), &ts)
	want := webhooksign.Signature(key, h.hdr.Get("webhook-id"), time.Unix(ts, 0), h.body)
	if h.hdr.Get("webhook-signature") != want {
		t.Errorf("signature %q, want %q", h.hdr.Get("webhook-signature"), want)
	}
	var payload map[string]any
	json.Unmarshal(h.body, &payload)
	if payload["type"] != "incident.created" {
		t.Errorf("payload type %v", payload["type"])
	}
}

// TestMaintenanceNotifiesAndViewerCannotWrite hears about a window that
// starts, and checks a viewer can read but not change anything.
func TestMaintenanceNotifiesAndViewerCannotWrite(t *testing.T) {
	var mu sync.Mutex
	var types []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p map[string]any
		json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		types = append(types, p["type"].(string))
		mu.Unlock()
	}))
	defer recv.Close()
	e := newTestEnv(t)
	page, _, comps := seedPage(e, "acme")
	e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": recv.URL}, http.StatusCreated)
	start := time.Now().Add(2 * time.Second)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Quick restart", "starts_at": start,
		"ends_at": start.Add(2 * time.Second), "component_ids": []any{comps[1]["id"]}}, 201)
	spWaitFor(t, "maintenance start and end notices", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(strings.Join(types, ","), "maintenance.started") &&
			strings.Contains(strings.Join(types, ","), "maintenance.ended")
	})

	uid := e.addMember(e.TeamID, "viewer@example.com", "viewer")
	viewer, _, err := issueToken(context.Background(), e.store, e.TeamID, uid, "viewer")
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := e.do("GET", "/api/v1/status-pages", viewer, nil); code != 200 {
		t.Errorf("viewer cannot read pages: %d", code)
	}
	for _, req := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/status-pages", map[string]any{"slug": "v", "title": "v"}},
		{"PATCH", "/api/v1/components/" + id(comps[0]), map[string]any{"name": "v"}},
		{"POST", "/api/v1/incidents", map[string]any{"title": "v"}},
		{"DELETE", "/api/v1/status-pages/1", nil},
	} {
		if code, _ := e.do(req.method, req.path, viewer, req.body); code != http.StatusForbidden {
			t.Errorf("viewer %s %s = %d, want 403", req.method, req.path, code)
		}
	}
}

// TestWebhookTargetsGuarded refuses metadata and link-local targets
// always; visitors never reach loopback, private or the server's own
// address even while private channels are allowed, while team members
// follow that setting.
func TestWebhookTargetsGuarded(t *testing.T) {
	e := newTestEnv(t) // private channels allowed (the default)
	page, _, _ := seedPage(e, "acme")
	refused := []string{"http://169.254.169.254/latest/meta-data", "http://127.0.0.1:9/hook", "http://10.0.0.1/hook",
		"http://192.168.1.20:8080/hook", "http://localhost/hook", "http://[::1]:9/hook", "http://2130706433/hook",
		"http://0x7f.1/hook", "http://[::ffff:127.0.0.1]/hook", "http://172.16.0.1/hook", "http://100.64.0.1/hook",
		"http://[fd00::1]/hook", "http://[fe80::1]/hook", "http://0.0.0.0:9/hook", "http://localhost./hook",
		"http://foo.localhost/hook"}
	for i, u := range refused {
		if err := guardTarget(e.srv.pages.publicGuard, u); err == nil {
			t.Errorf("visitor webhook %s passes the guard", u)
		}
		if i >= subscribeLimit-1 {
			continue // the form answers 429 from here on
		}
		if code, body := e.postForm("/status/acme/subscribe", url.Values{"kind": {"webhook"}, "url": {u}}); code != http.StatusBadRequest {
			t.Errorf("visitor webhook %s = %d, want 400 (%s)", u, code, body)
		}
	}
	if err := guardTarget(e.srv.pages.publicGuard, e.URL+"/x"); err == nil {
		t.Errorf("the server's own address passes the guard")
	}
	var n int
	e.store.R.QueryRow(`SELECT COUNT(*) FROM subscribers`).Scan(&n)
	if n != 0 {
		t.Errorf("%d refused webhooks were stored", n)
	}
	path := "/api/v1/status-pages/" + id(page) + "/subscribers"
	e.apiJSON("POST", path, map[string]any{"kind": "webhook", "url": "http://127.0.0.1:9/hook"}, http.StatusCreated)
	for _, u := range []string{"http://169.254.169.254/latest/meta-data", e.URL + "/hook"} {
		e.apiJSON("POST", path, map[string]any{"kind": "webhook", "url": u}, http.StatusBadRequest)
	}

	strict := newTestEnv(t, func(c *Config) { c.AllowPrivateChannels = false })
	sp, _, _ := seedPage(strict, "acme")
	for _, u := range []string{"http://127.0.0.1:9/hook", "http://10.0.0.1/hook", "http://localhost/hook"} {
		if code, _ := strict.postForm("/status/acme/subscribe", url.Values{"kind": {"webhook"}, "url": {u}}); code != http.StatusBadRequest {
			t.Errorf("%s without private channels = %d, want 400", u, code)
		}
		strict.apiJSON("POST", "/api/v1/status-pages/"+id(sp)+"/subscribers", map[string]any{"kind": "webhook",
			"url": u}, http.StatusBadRequest)
	}
}

// TestVisitorWebhookRefusedAtDial stores a visitor's webhook that points
// at loopback (as a name that resolved elsewhere when it was added would)
// and checks no request reaches it while a member's webhook is delivered.
func TestVisitorWebhookRefusedAtDial(t *testing.T) {
	var mu sync.Mutex
	hits := map[string]int{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
	}))
	defer recv.Close()
	e := newTestEnv(t)
	page, _, comps := seedPage(e, "acme")
	e.apiJSON("POST", "/api/v1/status-pages/"+id(page)+"/subscribers", map[string]any{"kind": "webhook",
		"url": recv.URL + "/team"}, http.StatusCreated)
	_, _, err := e.srv.pages.db.AddSubscriber(context.Background(), statuspage.Subscriber{TeamID: e.TeamID,
		StatusPageID: int64(page["id"].(float64)), Kind: "webhook", Target: recv.URL + "/visitor",
		Secret: e.srv.box.Seal(webhooksign.NewSecret()), Token: "visitor-token", ConfirmedAt: time.Now().UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Queue stuck",
		"component_ids": []any{comps[0]["id"]}}, 201)
	spWaitFor(t, "the visitor delivery to be refused", func() bool {
		var last string
		e.store.R.QueryRow(`SELECT d.last_error FROM subscriber_deliveries d JOIN subscribers s ON s.id = d.subscriber_id
			WHERE s.token = 'visitor-token'`).Scan(&last)
		return strings.Contains(last, "refused")
	})
	spWaitFor(t, "the member's webhook", func() bool { mu.Lock(); defer mu.Unlock(); return hits["/team"] > 0 })
	mu.Lock()
	defer mu.Unlock()
	if hits["/visitor"] != 0 {
		t.Errorf("a visitor's webhook reached loopback %d times", hits["/visitor"])
	}
}
