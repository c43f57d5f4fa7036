package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/bitwobbly/bitwobbly/e2e/sdkgo"
)

// TestIssuesInBrowser walks the error-tracking pages in Chromium, light
// and dark and on a phone: projects, the inbox, an issue, resolving it.
func TestIssuesInBrowser(t *testing.T) {
	srv := startServer(t, serverOptions{})
	b := newBrowser(t, browserOptions{})
	b.SignIn(t, srv, ownerEmail, ownerPassword)
	b.Open(t, srv.URL+"/issues")
	b.Screenshot(t, "issues-empty")
	b.Run(t, chromedp.Click(chromedp.CSS(`a.btn.primary[href="/projects"]`)), chromedp.WaitVisible(chromedp.CSS("#pname")),
		chromedp.SetValue(chromedp.CSS("#pname"), "checkout"),
		chromedp.Click(chromedp.CSS(`form[action="/projects"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#dsn")))
	b.Screenshot(t, "project")
	dsn := get(t, b, chromedp.Value(chromedp.CSS("#dsn")))
	if !strings.HasPrefix(dsn, "http://") || !strings.HasSuffix(dsn, "/1") {
		t.Fatalf("DSN %q", dsn)
	}
	if err := sdkgo.Send(dsn); err != nil {
		t.Fatal(err)
	}
	projectIssues(t, srv, 1, 7)
	b.Open(t, srv.URL+"/issues")
	rows := get(t, b, chromedp.Evaluate[int]("document.querySelectorAll('.issue-row').length"))
	if rows != 4 {
		t.Fatalf("inbox shows %d issues, want 4", rows)
	}
	b.Screenshot(t, "inbox")
	b.Run(t, chromedp.Click(chromedp.CSS(".issue-row .issue-title")), chromedp.WaitVisible(chromedp.CSS(".frames")))
	open := get(t, b, chromedp.Evaluate[int]("document.querySelectorAll('.frame.in-app details[open]').length"))
	if open == 0 {
		t.Error("no in-app frame is open on the issue page")
	}
	b.Screenshot(t, "issue")
	b.Run(t, chromedp.Click(chromedp.CSS(`.issue-actions button.primary`)), chromedp.WaitVisible(chromedp.CSS(".notice")))
	status := get(t, b, chromedp.Text(chromedp.CSS(".issue-head .pill:nth-of-type(2)")))
	if !strings.Contains(status, "Resolved") {
		t.Errorf("status after resolving = %q", status)
	}
	if v := b.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}

	for _, o := range []browserOptions{{Width: 390, Height: 844}, {Dark: true}} {
		p := newBrowser(t, o)
		p.SignIn(t, srv, ownerEmail, ownerPassword)
		p.Open(t, srv.URL+"/issues?status=all")
		name := fmt.Sprintf("inbox-%dpx-dark-%v", o.Width, o.Dark)
		p.Screenshot(t, name)
		overflow := get(t, p, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth + 1"))
		if overflow {
			t.Errorf("%s: the page is wider than the screen", name)
		}
		p.Open(t, srv.URL+"/issues/1")
		p.Screenshot(t, strings.Replace(name, "inbox", "issue", 1))
		overflow = get(t, p, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth + 1"))
		if overflow {
			t.Errorf("%s issue page: wider than the screen", name)
		}
	}
}
