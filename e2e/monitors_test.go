package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMonitorUpThenDownInChromium creates an HTTP monitor through the form
// against a loopback server, watches its page turn up (live, without a
// reload), stops the server, presses Check now and watches the page turn
// down with the reason.
func TestMonitorUpThenDownInChromium(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "shop is open")
	})}
	go target.Serve(ln)
	defer target.Close()

	srv := startServer(t, serverOptions{})
	b := newBrowser(t, browserOptions{})
	b.SignIn(t, srv, ownerEmail, ownerPassword)

	b.Open(t, srv.URL+"/monitors")
	b.Screenshot(t, "01-empty")
	b.Run(t,
		chromedp.Click(chromedp.CSS(`.empty a[href="/monitors/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#mf-name")),
	)
	if visible := get(t, b, chromedp.Evaluate[bool](`!document.querySelector("#mf-target").closest("[data-types]").hidden`)); visible {
		t.Error("the target field of other types shows for an HTTP monitor")
	}
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#mf-name"), "Shop"),
		chromedp.SetValue(chromedp.CSS("#mf-url"), "not a url"),
		chromedp.Click(chromedp.CSS(`form[data-monitor-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".field .error")),
	)
	if msg := get(t, b, chromedp.Text(chromedp.CSS(".field .error"))); !strings.Contains(msg, "http://") {
		t.Errorf("bad URL shows %q", msg)
	}
	b.Screenshot(t, "02-form-error")
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#mf-url"), "http://"+ln.Addr().String()+"/"),
		chromedp.SetValue(chromedp.CSS("#mf-interval_seconds"), "10"),
		chromedp.SetValue(chromedp.CSS("#mf-keyword"), "open"),
		chromedp.Click(chromedp.CSS(`form[data-monitor-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#monitor-summary")),
	)
	if loc := b.Location(t); !strings.Contains(loc, "/monitors/") {
		t.Fatalf("after create the browser is at %s", loc)
	}
	b.Run(t, chromedp.WaitVisible(chromedp.CSS("#monitor-summary .pill.up")))
	b.Screenshot(t, "03-up")

	target.Close()
	b.Run(t,
		chromedp.Click(chromedp.CSS(`form[action$="/check"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#monitor-summary .pill.down")),
	)
	reason := get(t, b, chromedp.Text(chromedp.CSS("[data-monitor-reason]")))
	if !strings.Contains(reason, "refused") {
		t.Errorf("down reason = %q", reason)
	}
	b.Screenshot(t, "04-down")

	b.Open(t, srv.URL+"/monitors")
	if text := get(t, b, chromedp.Text(chromedp.CSS("#monitor-rows"))); !strings.Contains(text, "Down") {
		t.Errorf("list shows %q", text)
	}
	b.Screenshot(t, "05-list")

	phone := newBrowser(t, browserOptions{Width: 390, Height: 844})
	phone.SignIn(t, srv, ownerEmail, ownerPassword)
	phone.Open(t, srv.URL+"/monitors/1")
	phone.Screenshot(t, "06-phone")
	if v := append(b.CSPViolations(), phone.CSPViolations()...); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
