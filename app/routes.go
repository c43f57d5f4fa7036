package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/static"
)

// routes registers the whole HTTP surface in one place.
func (s *Server) routes() {
	e := s.echo

	// Probes, metrics, static files.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(s.metrics.handler()))
	e.GET("/static/*", echo.WrapHandler(static.Handler()))
	e.GET("/favicon.ico", func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, static.URL("favicon.svg"))
	})

	// Setup, sign in and out, invites.
	e.GET("/setup", s.setupShow)
	e.POST("/setup", s.setupCreate)
	e.GET("/login", s.loginShow)
	e.POST("/login", s.loginCreate)
	e.POST("/logout", s.logout)
	e.GET("/invite/:token", s.inviteShow)
	e.POST("/invite/:token", s.inviteAccept)

	// Dashboard (signed-in browsers).
	ui := e.Group("", s.requireSession)
	ui.GET("/", s.home)
	ui.GET("/settings", s.settingsShow)
	ui.POST("/settings/team", s.teamRename)
	ui.POST("/settings/team/switch", s.teamSwitch)
	ui.POST("/settings/members/:user/role", s.memberRole)
	ui.POST("/settings/members/:user/remove", s.memberRemove)
	ui.POST("/settings/invites", s.inviteCreate)
	ui.POST("/settings/invites/:id/revoke", s.inviteRevoke)
	ui.POST("/settings/tokens", s.tokenCreateUI)
	ui.POST("/settings/tokens/:id/revoke", s.tokenRevokeUI)
	// -- monitoring UI (checks) --
	// -- status pages UI --
	// -- issues UI --
	// -- alerts UI --

	// REST API (bearer tokens).
	api := e.Group("/api/v1", s.requireToken)
	api.GET("/me", s.apiMe)
	api.GET("/tokens", s.apiTokenList)
	api.DELETE("/tokens/:id", s.apiTokenRevoke)
	api.GET("/members", s.apiMemberList)
	// -- monitoring API --
	// -- status pages API --
	// -- issues API --
	// -- alerts API --

	// Public endpoints without a session.
	// -- push --
	// -- status pages (public) --
	// -- sentry ingest --
	api.Any("/*", func(c echo.Context) error { return notFound("API route") })
}
