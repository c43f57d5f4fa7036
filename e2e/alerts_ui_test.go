package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAlertsInChromium adds a Slack channel through the form against a
// loopback Slack mock, sends a test, reads the answer and the delivery
// log, creates a rule with a dry run, and checks the pages on a phone
// width with no CSP violation.
func TestAlertsInChromium(t *testing.T) {
	var mu sync.Mutex
	var got []map[string]any
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil || m["blocks"] == nil {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		w.Write([]byte("ok"))
	}))
	defer slack.Close()

	srv := startServer(t, serverOptions{})
	b := newBrowser(t, browserOptions{})
	b.SignIn(t, srv, ownerEmail, ownerPassword)
	b.Open(t, srv.URL+"/alerts")
	b.Screenshot(t, "01-empty")
	b.Run(t,
		chromedp.Click(chromedp.CSS(`.empty a[href="/alerts/channels/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/alerts/channels/new?type=slack"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/alerts/channels/new?type=slack"]`)),
		chromedp.WaitVisible(chromedp.CSS("#ch-name")),
		chromedp.SetValue(chromedp.CSS("#ch-name"), "Team Slack"),
		chromedp.SetValue(chromedp.CSS("#cfg-webhook_url"), "http://169.254.169.254/hook"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field .error")),
	)
	if msg := get(t, b, chromedp.Text(chromedp.CSS(".field .error"))); !strings.Contains(msg, "refused") {
		t.Errorf("metadata URL error = %q", msg)
	}
	b.Screenshot(t, "02-refused")
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#cfg-webhook_url"), slack.URL+"/services/T0/B0/x"),
		chromedp.Click(chromedp.CSS(`form.stack button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[type=submit] svg`)),
		chromedp.Click(chromedp.CSS(`form[action$="/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".alerts-test")),
	)
	result := get(t, b, chromedp.Text(chromedp.CSS(".alerts-test")))
	if !strings.Contains(result, "test delivered") || !strings.Contains(result, "200") || !strings.Contains(result, "ok") {
		t.Errorf("test result shows %q", result)
	}
	if log := get(t, b, chromedp.Text(chromedp.CSS(".alerts-log"))); !strings.Contains(log, "Test notification") {
		t.Errorf("delivery log shows %q", log)
	}
	b.Screenshot(t, "03-tested")
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#ch-name"), "Team Slack"),
		chromedp.Click(chromedp.CSS(`form.stack button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.notice`)),
	)
	if msg := get(t, b, chromedp.Text(chromedp.CSS(".notice"))); !strings.Contains(msg, "saved") {
		t.Errorf("saving with the masked secret shows %q", msg)
	}
	mu.Lock()
	if len(got) != 1 {
		t.Errorf("Slack mock got %d messages, want 1", len(got))
	}
	mu.Unlock()

	b.Open(t, srv.URL+"/alerts/rules")
	b.Run(t,
		chromedp.Click(chromedp.CSS(`.empty a[href="/alerts/rules/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#r-name")),
		chromedp.SetValue(chromedp.CSS("#r-name"), "Page on down"),
		chromedp.Click(chromedp.CSS(`input[name=channel_ids]`)),
		chromedp.Click(chromedp.CSS(`button[formaction="/alerts/rules/preview"]`)),
		chromedp.WaitVisible(chromedp.CSS("#preview-h")),
	)
	b.Screenshot(t, "04-preview")
	b.Run(t,
		chromedp.Click(chromedp.CSS(`.alerts-rule button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-confirm] button.danger`)),
	)
	b.Open(t, srv.URL+"/alerts/rules")
	if text := get(t, b, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(text, "Page on down") ||
		!strings.Contains(text, "Team Slack") {
		t.Errorf("rules list shows %q", text)
	}

	phone := newBrowser(t, browserOptions{Width: 390, Height: 844})
	phone.SignIn(t, srv, ownerEmail, ownerPassword)
	for i, p := range []string{"/alerts", "/alerts/channels/1", "/alerts/rules/1", "/alerts/mine"} {
		phone.Open(t, srv.URL+p)
		overflow := get(t, phone, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if overflow {
			t.Errorf("%s overflows a 390 px screen", p)
		}
		phone.Screenshot(t, "05-phone-"+string(rune('a'+i)))
	}
	if v := append(b.CSPViolations(), phone.CSPViolations()...); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
