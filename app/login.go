package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// Login throttling: per account and per client address.
const (
	loginWindow     = 15 * time.Minute
	loginPerAccount = 10
	loginPerAddress = 50
)

// loginShow shows the sign-in form (or setup on a fresh instance).
func (s *Server) loginShow(c echo.Context) error {
	done, err := s.store.SetupDone(c.Request().Context())
	if err != nil {
		return err
	}
	if !done {
		return seeOther(c, "/setup")
	}
	if a, _ := s.loadSession(c); a != nil {
		return seeOther(c, "/")
	}
	f := views.Form{CSRF: csrfToken(c), Values: map[string]string{"next": safeNext(c.QueryParam("next"))}}
	return render(c, http.StatusOK, views.LoginPage(f))
}

// loginCreate checks the password and starts a session.
func (s *Server) loginCreate(c echo.Context) error {
	ctx := c.Request().Context()
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	f := views.Form{CSRF: csrfToken(c), Values: map[string]string{"email": email, "next": safeNext(c.FormValue("next"))}}
	attempt, wait := s.passwordAttempt(c, email)
	if attempt == nil {
		f.Error = tooManySignIns(c, wait)
		return render(c, http.StatusTooManyRequests, views.LoginPage(f))
	}

	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash := u.PasswordHash
	if err != nil {
		hash = dummyHash()
	}
	if !verifyPassword(hash, password) || u.ID == 0 {
		attempt(false)
		f.Error = "Wrong e-mail or password."
		return render(c, http.StatusUnauthorized, views.LoginPage(f))
	}
	attempt(true)
	_, teams, err := s.store.TeamsOf(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(teams) == 0 {
		f.Error = "Your account belongs to no team any more. Ask an owner for a new invite."
		return render(c, http.StatusForbidden, views.LoginPage(f))
	}
	if err := s.startSession(c, u.ID, teams[0].ID); err != nil {
		return err
	}
	next := f.V("next")
	if next == "" {
		next = "/"
	}
	return seeOther(c, next)
}

// passwordAttempt counts a password guess against the account and the
// client address before the password is checked, so that parallel guesses
// are counted too. It returns nil and the wait when either is over its
// limit; otherwise a function to call with the outcome: a right password
// clears the account's failures and does not count against the address.
func (s *Server) passwordAttempt(c echo.Context, email string) (func(ok bool), time.Duration) {
	acctKey, addrKey := "acct:"+strings.ToLower(strings.TrimSpace(email)), "addr:"+c.RealIP()
	acctAt, ok, wait := s.throttle.take(acctKey, loginPerAccount, loginWindow)
	if !ok {
		return nil, wait
	}
	addrAt, ok, wait := s.throttle.take(addrKey, loginPerAddress, loginWindow)
	if !ok {
		s.throttle.release(acctKey, acctAt)
		return nil, wait
	}
	return func(ok bool) {
		if ok {
			s.throttle.reset(acctKey)
			s.throttle.release(addrKey, addrAt)
		}
	}, 0
}

// tooManySignIns sets Retry-After and says how long to wait.
func tooManySignIns(c echo.Context, wait time.Duration) string {
	c.Response().Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
	return fmt.Sprintf("Too many failed sign-ins. Try again in %s.", views.Duration(wait.Round(time.Second)+time.Second))
}

// logout ends the session.
func (s *Server) logout(c echo.Context) error {
	a, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if a != nil {
		c.Set("actor", a)
	}
	s.endSession(c)
	return seeOther(c, "/login")
}

// safeNext keeps only local paths, so ?next= cannot send people elsewhere.
// Paths this server makes are escaped ASCII, so anything else is refused:
// browsers drop tabs and other control characters from a Location and read
// a backslash as a slash, which turns "/<tab>/host" into "//host".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return ""
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return ""
		}
	}
	return next
}
