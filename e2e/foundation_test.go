package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestFirstRunInChromium walks a newcomer's first visit: setup, the
// dashboard, a wrong and a right password, an API token made in the UI and
// used on /api/v1/me, and sign-out.
func TestFirstRunInChromium(t *testing.T) {
	srv := startServer(t, serverOptions{Fresh: true})
	b := newBrowser(t, browserOptions{})

	b.Open(t, srv.URL+"/")
	if loc := b.Location(t); !strings.HasSuffix(loc, "/setup") {
		t.Fatalf("first visit went to %s, want /setup", loc)
	}
	b.Screenshot(t, "01-setup")
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#team"), "Acme"),
		chromedp.SetValue(chromedp.CSS("#name"), "Ada Lovelace"),
		chromedp.SetValue(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SetValue(chromedp.CSS("#password"), "analytical engine"),
		chromedp.Click(chromedp.CSS(`form[action="/setup"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	if h1 := get(t, b, chromedp.Text(chromedp.CSS("main h1"))); h1 != "Overview" {
		t.Errorf("after setup the page says %q, want Overview", h1)
	}
	b.Screenshot(t, "02-overview")

	if r := srv.Do(t, http.MethodGet, "/setup", nil, ""); r.Status != http.StatusNotFound {
		t.Errorf("GET /setup after setup = %d, want 404", r.Status)
	}

	signOut(t, b)
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#email"), "ada@example.com"),
		chromedp.SetValue(chromedp.CSS("#password"), "wrong password"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".form-error")),
	)
	if msg := get(t, b, chromedp.Text(chromedp.CSS(".form-error"))); !strings.Contains(msg, "Wrong e-mail or password") {
		t.Errorf("wrong password shows %q", msg)
	}
	b.Screenshot(t, "03-wrong-password")

	b.SignIn(t, srv, "ada@example.com", "analytical engine")
	b.Open(t, srv.URL+"/settings")
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#token-name"), "deploy script"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-token")),
	)
	token := get(t, b, chromedp.Value(chromedp.CSS("#new-token")))
	b.Screenshot(t, "04-token-created")
	if !strings.HasPrefix(token, "bw_") {
		t.Fatalf("token shown = %q, want bw_…", token)
	}

	me := srv.Do(t, http.MethodGet, "/api/v1/me", nil, token)
	if me.Status != http.StatusOK {
		t.Fatalf("/api/v1/me with the new token = %d %s", me.Status, me.Body)
	}
	var body struct {
		User struct{ Email string }
		Team struct{ Name string }
		Role string
	}
	me.JSON(t, &body)
	if body.User.Email != "ada@example.com" || body.Team.Name != "Acme" || body.Role != "owner" {
		t.Errorf("/api/v1/me = %+v", body)
	}

	b.Open(t, srv.URL+"/settings")
	if html := get(t, b, chromedp.OuterHTML(chromedp.CSS("body"))); strings.Contains(html, token) {
		t.Error("the token is shown again after reloading settings")
	}
	signOut(t, b)
	b.Open(t, srv.URL+"/settings")
	if loc := b.Location(t); !strings.Contains(loc, "/login") {
		t.Errorf("after sign-out /settings went to %s, want /login", loc)
	}
	b.Screenshot(t, "05-signed-out")
	if v := b.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations:\n%s", strings.Join(v, "\n"))
	}
	srv.Stop(t)
}

// signOut presses the sign-out button and waits for the sign-in form.
func signOut(t *testing.T, b *browser) {
	t.Helper()
	b.Run(t,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
	)
}

// TestDashboardLooks takes screenshots of the shell in light and dark, on a
// desktop and at 390 px, and checks the narrow layout does not overflow.
func TestDashboardLooks(t *testing.T) {
	srv := startServer(t, serverOptions{})
	scenarios := []struct {
		name string
		opts browserOptions
	}{
		{"desktop-light", browserOptions{}},
		{"desktop-dark", browserOptions{Dark: true}},
		{"phone-light", browserOptions{Width: 390, Height: 844}},
		{"phone-dark", browserOptions{Width: 390, Height: 844, Dark: true}},
		{"phone-no-js", browserOptions{Width: 390, Height: 844, NoJS: true}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			b := newBrowser(t, sc.opts)
			b.SignIn(t, srv, ownerEmail, ownerPassword)
			for _, page := range []string{"/", "/settings"} {
				b.Open(t, srv.URL+page)
				b.Screenshot(t, map[string]string{"/": "overview", "/settings": "settings"}[page])
				wide := get(t, b, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
				if wide > sc.opts.Width && sc.opts.Width > 0 {
					t.Errorf("%s is %d px wide in a %d px window", page, wide, sc.opts.Width)
				}
			}
			if sc.name == "desktop-light" {
				b.Run(t, chromedp.Click(chromedp.CSS("[data-theme-toggle]")))
				b.Open(t, srv.URL+"/")
				theme := get(t, b, chromedp.Evaluate[string]("document.documentElement.dataset.theme || ''"))
				if theme != "dark" {
					t.Errorf("after the theme toggle and a reload, data-theme = %q, want dark", theme)
				}
				b.Screenshot(t, "toggled-dark")
			}
			switch {
			case sc.opts.Width == 390 && sc.opts.NoJS:
				b.Run(t, chromedp.WaitVisible(chromedp.CSS(`nav a[href="/settings"]`)))
			case sc.opts.Width == 390:
				b.Run(t, chromedp.Click(chromedp.CSS("[data-menu-toggle]")),
					chromedp.WaitVisible(chromedp.CSS(`nav a[href="/settings"]`)))
				expanded := get(t, b, chromedp.AttributeValue(chromedp.CSS("[data-menu-toggle]"), "aria-expanded"))
				if expanded.Value != "true" {
					t.Errorf("open menu button has aria-expanded=%q", expanded.Value)
				}
				b.Screenshot(t, "menu-open")
			}
			if v := b.CSPViolations(); len(v) > 0 {
				t.Errorf("CSP violations:\n%s", strings.Join(v, "\n"))
			}
		})
	}
}

// TestDashboardWithoutJavaScript: signing in, making a token and signing
// out work with scripts off.
func TestDashboardWithoutJavaScript(t *testing.T) {
	srv := startServer(t, serverOptions{})
	b := newBrowser(t, browserOptions{NoJS: true})
	b.SignIn(t, srv, ownerEmail, ownerPassword)
	b.Open(t, srv.URL+"/settings")
	if when := get(t, b, chromedp.Text(chromedp.CSS("time[data-rel]"))); strings.Contains(when, "ago") ||
		strings.Contains(when, "just now") {
		t.Fatalf("time shows %q: app.js ran, so scripts are not off", when)
	}
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#token-name"), "no-js"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/tokens"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-token")),
	)
	token := get(t, b, chromedp.Value(chromedp.CSS("#new-token")))
	if r := srv.Do(t, http.MethodGet, "/api/v1/me", nil, token); r.Status != http.StatusOK {
		t.Errorf("token made without JavaScript: %d", r.Status)
	}
	b.Screenshot(t, "settings-no-js")
	signOut(t, b)
}

// TestTeamInChromium: the owner invites someone by link, they join in
// another browser, the owner changes their role and then removes them
// (cancelling the confirmation once).
func TestTeamInChromium(t *testing.T) {
	srv := startServer(t, serverOptions{})
	owner := newBrowser(t, browserOptions{})
	owner.SignIn(t, srv, ownerEmail, ownerPassword)
	owner.Open(t, srv.URL+"/settings")
	owner.Run(t,
		chromedp.SetValue(chromedp.CSS("#invite-email"), "bob@example.com"),
		chromedp.SetValue(chromedp.CSS("#invite-role"), "member"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/invites"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("#invite-link")),
	)
	link := get(t, owner, chromedp.Value(chromedp.CSS("#invite-link")))
	owner.Screenshot(t, "01-invite-link")

	bob := newBrowser(t, browserOptions{})
	bob.Open(t, link)
	bob.Screenshot(t, "02-join")
	bob.Run(t,
		chromedp.SetValue(chromedp.CSS("#name"), "Bob"),
		chromedp.SetValue(chromedp.CSS("#password"), "bobs password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
	if who := get(t, bob, chromedp.Text(chromedp.CSS(".user-menu .who"))); !strings.Contains(who, "member") {
		t.Errorf("bob joined as %q, want member", who)
	}

	var members struct {
		Data []struct {
			UserID int64  `json:"user_id"`
			Email  string `json:"email"`
		} `json:"data"`
	}
	srv.API(t, http.MethodGet, "/api/v1/members", nil).JSON(t, &members)
	var bobID int64
	for _, m := range members.Data {
		if m.Email == "bob@example.com" {
			bobID = m.UserID
		}
	}
	if bobID == 0 {
		t.Fatalf("bob is not a member: %+v", members)
	}
	uid := strconv.FormatInt(bobID, 10)

	owner.Open(t, srv.URL+"/settings")
	owner.Run(t,
		chromedp.SetValue(chromedp.CSS("#role-"+uid), "viewer"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/members/`+uid+`/role"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	bob.Open(t, srv.URL+"/")
	if who := get(t, bob, chromedp.Text(chromedp.CSS(".user-menu .who"))); !strings.Contains(who, "viewer") {
		t.Errorf("after the change bob is %q, want viewer", who)
	}

	remove := chromedp.CSS(`form[action="/settings/members/` + uid + `/remove"] button`)
	owner.DismissDialogs(true)
	owner.Run(t, chromedp.Click(remove), chromedp.Sleep(300*time.Millisecond))
	if d := owner.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "bob@example.com") {
		t.Fatalf("confirmation dialogs: %q", d)
	}
	bob.Open(t, srv.URL+"/")
	if loc := bob.Location(t); strings.Contains(loc, "/login") {
		t.Fatal("cancelling the confirmation still removed bob")
	}
	owner.DismissDialogs(false)
	owner.Run(t, chromedp.Click(remove), chromedp.WaitVisible(chromedp.CSS(".notice")))
	owner.Screenshot(t, "03-removed")
	bob.Open(t, srv.URL+"/")
	if loc := bob.Location(t); !strings.Contains(loc, "/login") {
		t.Errorf("removed member still sees %s", loc)
	}
}
