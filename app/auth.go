package app

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

const (
	sessionCookie = "bw_session"
	csrfCookie    = "bw_csrf"
	sessionTTL    = 30 * 24 * time.Hour
)

// actor is who is making a request: a signed-in browser or an API token,
// always acting inside exactly one team.
type actor struct {
	User     store.User
	TeamID   int64
	TeamName string
	Role     string
	Session  *store.Session
	TokenID  int64
}

// can reports whether the actor's role is at least role.
func (a *actor) can(role string) bool { return store.RoleRank(a.Role) >= store.RoleRank(role) }

// actorOf returns the request's actor; handlers behind the auth middleware
// always have one.
func actorOf(c echo.Context) *actor {
	a, _ := c.Get("actor").(*actor)
	return a
}

// need refuses the request unless the actor holds at least role.
func need(c echo.Context, role string) error {
	a := actorOf(c)
	if a == nil {
		return errUnauthorized
	}
	if !a.can(role) {
		return &Error{Status: http.StatusForbidden, Code: "forbidden",
			Message: "this needs the " + role + " role or higher; you are " + a.Role}
	}
	return nil
}

// requireToken authenticates /api/v1 with a bearer token.
func (s *Server) requireToken(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		scheme, plain, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(plain) == "" {
			return errUnauthorized
		}
		ctx := c.Request().Context()
		t, err := s.store.TokenByHash(ctx, sha256Hex(strings.TrimSpace(plain)))
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "token is invalid or revoked"}
		}
		if err != nil {
			return err
		}
		role, err := s.store.Membership(ctx, t.TeamID, t.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return &Error{Status: http.StatusUnauthorized, Code: "unauthorized", Message: "token's user left the team"}
		}
		if err != nil {
			return err
		}
		u, err := s.store.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		now := store.Now()
		if now-t.LastUsedAt > 60_000 {
			s.store.TouchToken(ctx, t.ID, now)
		}
		c.Set("actor", &actor{User: u, TeamID: t.TeamID, Role: role, TokenID: t.ID})
		return next(c)
	}
}

// loadSession attaches the signed-in user, when there is one.
func (s *Server) loadSession(c echo.Context) (*actor, error) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	ctx := c.Request().Context()
	se, err := s.store.SessionByID(ctx, sha256Hex(ck.Value))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	role, err := s.store.Membership(ctx, se.TeamID, se.UserID)
	if errors.Is(err, store.ErrNotFound) {
		s.store.DeleteSession(ctx, se.ID)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByID(ctx, se.UserID)
	if err != nil {
		return nil, err
	}
	t, err := s.store.TeamByID(ctx, se.TeamID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if now.UnixMilli()-se.LastSeenAt > int64(time.Hour/time.Millisecond) {
		s.store.TouchSession(ctx, se.ID, now.UnixMilli(), now.Add(sessionTTL).UnixMilli())
	}
	return &actor{User: u, TeamID: se.TeamID, TeamName: t.Name, Role: role, Session: &se}, nil
}

// requireSession guards dashboard pages: no session sends the browser to
// sign in (or to the one-time setup on a fresh instance).
func (s *Server) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a, err := s.loadSession(c)
		if err != nil {
			return err
		}
		if a == nil {
			if c.Request().Header.Get("HX-Request") != "" {
				c.Response().Header().Set("HX-Redirect", "/login")
				return c.NoContent(http.StatusUnauthorized)
			}
			done, err := s.store.SetupDone(c.Request().Context())
			if err != nil {
				return err
			}
			if !done {
				return c.Redirect(http.StatusSeeOther, "/setup")
			}
			next := c.Request().URL.RequestURI()
			if next == "/" {
				return c.Redirect(http.StatusSeeOther, "/login")
			}
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
		}
		c.Set("actor", a)
		return next(c)
	}
}

// csrf protects every browser form: unsafe methods must carry the token of
// the bw_csrf cookie (form field _csrf or header X-CSRF-Token) and, when
// the browser sends Origin, come from this origin. The API (bearer tokens),
// push and ingest endpoints are exempt: browsers do not attach those
// credentials on their own.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if csrfExempt(req.URL.Path) {
			return next(c)
		}
		token := ""
		if ck, err := req.Cookie(csrfCookie); err == nil && len(ck.Value) >= 20 {
			token = ck.Value
		}
		if token == "" {
			token = randomToken(24)
			c.SetCookie(&http.Cookie{Name: csrfCookie, Value: token, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c)})
		}
		c.Set("csrf", token)
		if safeMethod(req.Method) {
			return next(c)
		}
		if o := req.Header.Get("Origin"); o != "" && o != "null" {
			if u, err := url.Parse(o); err != nil || u.Host != req.Host {
				return &Error{Status: http.StatusForbidden, Code: "csrf", Message: "cross-origin form submission refused"}
			}
		}
		got := req.Header.Get("X-CSRF-Token")
		if got == "" {
			if _, err := c.FormParams(); err != nil && tooLarge(err) {
				return errTooLarge
			}
			got = c.FormValue("_csrf")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return &Error{Status: http.StatusForbidden, Code: "csrf",
				Message: "the form expired or came from another site; reload the page and try again"}
		}
		return next(c)
	}
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfExempt lists paths that never use the session cookie: the token API,
// push and ingest, public status pages (cached as identical bytes for every
// visitor, so they carry no per-visitor token and set no cookie), static
// files and probes.
func csrfExempt(path string) bool {
	for _, p := range []string{"/api/", "/status/", "/static/", "/metrics", "/healthz", "/readyz"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func csrfToken(c echo.Context) string {
	t, _ := c.Get("csrf").(string)
	return t
}

// secureCookies is true when the browser talks to us over https.
func (s *Server) secureCookies(c echo.Context) bool {
	return strings.HasPrefix(s.cfg.BaseURL, "https://") || s.scheme(c) == "https"
}

// startSession signs a user in to a team and sets the cookie.
func (s *Server) startSession(c echo.Context, userID, teamID int64) error {
	plain := randomToken(32)
	now := time.Now()
	se := store.Session{
		ID: sha256Hex(plain), UserID: userID, TeamID: teamID, CSRF: randomToken(24),
		IP: c.RealIP(), UserAgent: trimTo(c.Request().UserAgent(), 300),
		CreatedAt: now.UnixMilli(), LastSeenAt: now.UnixMilli(), ExpiresAt: now.Add(sessionTTL).UnixMilli(),
	}
	if err := s.store.CreateSession(c.Request().Context(), se); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: plain, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c), MaxAge: int(sessionTTL / time.Second)})
	return nil
}

func (s *Server) endSession(c echo.Context) {
	if a := actorOf(c); a != nil && a.Session != nil {
		s.store.DeleteSession(c.Request().Context(), a.Session.ID)
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c)})
}

// shell builds the frame of a dashboard page for the signed-in actor.
func (s *Server) shell(c echo.Context, title, active string) views.Shell {
	a := actorOf(c)
	sh := views.Shell{Title: title, Active: active, CSRF: csrfToken(c)}
	if a == nil {
		return sh
	}
	sh.UserEmail, sh.UserName, sh.TeamName, sh.Role = a.User.Email, a.User.Name, a.TeamName, a.Role
	ms, ts, err := s.store.TeamsOf(c.Request().Context(), a.User.ID)
	if err == nil {
		for i, t := range ts {
			_ = ms[i]
			sh.Teams = append(sh.Teams, views.TeamOption{ID: t.ID, Name: t.Name, Current: t.ID == a.TeamID})
		}
	}
	if f, err := c.Cookie("bw_flash"); err == nil && f.Value != "" {
		if v, err := url.QueryUnescape(f.Value); err == nil {
			sh.Flash = v
		}
		c.SetCookie(&http.Cookie{Name: "bw_flash", Value: "", Path: "/", MaxAge: -1})
	}
	return sh
}

// flash shows msg once on the next dashboard page.
func flash(c echo.Context, msg string) {
	c.SetCookie(&http.Cookie{Name: "bw_flash", Value: url.QueryEscape(msg), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

// nameOK reports whether a name typed by someone (a team, a person, a
// token) is valid UTF-8 of at most max characters without control
// characters.
func nameOK(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
