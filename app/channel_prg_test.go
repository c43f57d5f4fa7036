package app

import (
	"io"
	"net/url"
	"strings"
	"testing"
)

// postThenGet submits a form that must answer 303 See Other, and
// follows the redirect as a browser does.
func (b *browser) postThenGet(path string, form url.Values) (int, string) {
	b.e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.csrf())
	res, err := b.client.PostForm(b.e.URL+path, form)
	if err != nil {
		b.e.t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 303 {
		b.e.t.Fatalf("POST %s: %d, want 303 See Other", path, res.StatusCode)
	}
	return b.get(res.Header.Get("Location"))
}

// TestChannelCreateAndTestRedirect: creating a channel and "Send test"
// answer with a redirect to the channel's page, which shows the new
// secret or the test's answer once, so reloading the page neither
// creates another channel nor sends another test.
func TestChannelCreateAndTestRedirect(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	b := e.browser(e.Email)

	code, body := b.postThenGet("/alerts/channels", url.Values{"type": {"webhook"}, "name": {"Ops"},
		"enabled": {"1"}, "cfg_url": {hook.URL}})
	secret := regexp1(`value="(whsec_[^"]+)"`, body)
	if code != 200 || secret == "" {
		t.Fatalf("page after create: %d, no secret shown", code)
	}
	id := regexp1(`action="/alerts/channels/(\d+)/test"`, body)
	// A reload of that page is a GET: no second channel, the secret is
	// not shown again.
	code, body = b.get("/alerts/channels/" + id)
	if code != 200 || strings.Contains(body, secret) {
		t.Fatalf("reload after create: %d, secret shown again", code)
	}
	if n := len(e.apiJSON("GET", "/api/v1/channels", nil, 200)["data"].([]any)); n != 1 {
		t.Fatalf("%d channels, want 1", n)
	}

	code, body = b.postThenGet("/alerts/channels/"+id+"/test", nil)
	if code != 200 || !strings.Contains(body, "test delivered") {
		t.Fatalf("page after test: %d", code)
	}
	code, body = b.get("/alerts/channels/" + id)
	if code != 200 || strings.Contains(body, "test delivered") {
		t.Fatalf("reload after test: %d, result shown again", code)
	}
	if n := len(e.apiJSON("GET", "/api/v1/channels/"+id+"/deliveries", nil, 200)["data"].([]any)); n != 1 {
		t.Fatalf("%d deliveries, want the one test", n)
	}

	// Another team's browser cannot read the notice of this channel.
	e.newOwner("stranger@example.com")
	sb := e.browser("stranger@example.com")
	if code, _ := sb.get("/alerts/channels/" + id); code != 404 {
		t.Fatalf("another team: %d", code)
	}
}
