package app

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// errSetupComplete answers the setup page once an account exists.
var errSetupComplete = &Error{Status: http.StatusNotFound, Code: "not_found",
	Message: "Setup is already complete; sign in instead."}

// setupShow shows the one-time setup page while no account exists.
func (s *Server) setupShow(c echo.Context) error {
	done, err := s.store.SetupDone(c.Request().Context())
	if err != nil {
		return err
	}
	if done {
		return errSetupComplete
	}
	return render(c, http.StatusOK, views.SetupPage(views.Form{CSRF: csrfToken(c)}))
}

// setupCreate creates the owner and team, then signs the owner in. Of two
// racing requests exactly one succeeds; the store decides.
func (s *Server) setupCreate(c echo.Context) error {
	ctx := c.Request().Context()
	done, err := s.store.SetupDone(ctx)
	if err != nil {
		return err
	}
	if done {
		return errSetupComplete
	}
	f := views.Form{CSRF: csrfToken(c), Errors: map[string]string{}, Values: map[string]string{
		"team":  strings.TrimSpace(c.FormValue("team")),
		"name":  strings.TrimSpace(c.FormValue("name")),
		"email": strings.TrimSpace(c.FormValue("email")),
	}}
	password := c.FormValue("password")
	if f.V("team") == "" || !nameOK(f.V("team"), 100) {
		f.Errors["team"] = "Enter a team name of at most 100 characters."
	}
	if !nameOK(f.V("name"), 100) {
		f.Errors["name"] = "Enter a name of at most 100 characters."
	}
	if !mail.ValidAddress(f.V("email")) {
		f.Errors["email"] = "Enter a valid e-mail address."
	}
	if err := checkPassword(password); err != nil {
		f.Errors["password"] = "Password " + err.Error() + "."
	}
	if len(f.Errors) > 0 {
		return render(c, http.StatusBadRequest, views.SetupPage(f))
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	u, t, err := s.store.CompleteSetup(ctx, f.V("email"), f.V("name"), hash, f.V("team"))
	if errors.Is(err, store.ErrConflict) {
		return errSetupComplete
	}
	if err != nil {
		return err
	}
	s.log.Info("setup complete", "user_id", u.ID, "team_id", t.ID)
	if err := s.startSession(c, u.ID, t.ID); err != nil {
		return err
	}
	return seeOther(c, "/")
}
