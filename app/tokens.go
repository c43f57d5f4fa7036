package app

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// tokenCreateUI creates an API token and shows it once.
func (s *Server) tokenCreateUI(c echo.Context) error {
	a := actorOf(c)
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || !nameOK(name, 100) {
		f := views.Form{Values: map[string]string{"token_name": name},
			Errors: map[string]string{"token_name": "Give the token a name of at most 100 characters."}}
		return s.renderSettings(c, http.StatusBadRequest, views.SettingsView{Form: f})
	}
	plain, _, err := issueToken(c.Request().Context(), s.store, a.TeamID, a.User.ID, name)
	if err != nil {
		return err
	}
	return s.renderSettings(c, http.StatusOK, views.SettingsView{NewToken: plain})
}

// tokenRevokeUI revokes a token: your own, or any of the team's as admin.
func (s *Server) tokenRevokeUI(c echo.Context) error {
	if err := s.revokeToken(c); err != nil {
		return err
	}
	flash(c, "Token revoked.")
	return seeOther(c, "/settings")
}

func (s *Server) revokeToken(c echo.Context) error {
	a := actorOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	tokens, err := s.store.Tokens(c.Request().Context(), a.TeamID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.ID != id {
			continue
		}
		if t.UserID != a.User.ID && !a.can(store.RoleAdmin) {
			return errForbidden
		}
		return s.store.RevokeToken(c.Request().Context(), a.TeamID, id)
	}
	return notFound("token")
}

// apiTokenJSON is a token as the API shows it (never the secret).
type apiTokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	User       string     `json:"user"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Revoked    bool       `json:"revoked"`
}

// apiTokenList lists the team's tokens, newest first (members see their
// own).
func (s *Server) apiTokenList(c echo.Context) error {
	a := actorOf(c)
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	tokens, err := s.store.Tokens(c.Request().Context(), a.TeamID)
	if err != nil {
		return err
	}
	out := []apiTokenJSON{}
	for _, t := range tokens {
		if !a.can(store.RoleAdmin) && t.UserID != a.User.ID {
			continue
		}
		out = append(out, apiTokenJSON{ID: t.ID, Name: t.Name, Prefix: t.Prefix, User: t.UserEmail,
			CreatedAt: store.Time(t.CreatedAt), LastUsedAt: timePtr(t.LastUsedAt), Revoked: t.RevokedAt != 0})
	}
	out, next, err := pageByID(p, out, func(t apiTokenJSON) int64 { return t.ID }, true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

// apiTokenRevoke revokes a token.
func (s *Server) apiTokenRevoke(c echo.Context) error {
	if err := s.revokeToken(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
