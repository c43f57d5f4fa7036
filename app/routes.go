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
	ui.GET("/monitors", s.monitorList)
	ui.GET("/monitors/rows", s.monitorRows)
	ui.GET("/monitors/new", s.monitorNew)
	ui.POST("/monitors", s.monitorCreate)
	ui.GET("/monitors/:id", s.monitorShow)
	ui.GET("/monitors/:id/summary", s.monitorSummary)
	ui.GET("/monitors/:id/checks", s.monitorChecksPart)
	ui.GET("/monitors/:id/edit", s.monitorEdit)
	ui.POST("/monitors/:id", s.monitorUpdate)
	ui.POST("/monitors/:id/pause", s.monitorPauseUI)
	ui.POST("/monitors/:id/resume", s.monitorResumeUI)
	ui.POST("/monitors/:id/check", s.monitorCheckUI)
	ui.POST("/monitors/:id/state", s.monitorStateUI)
	ui.POST("/monitors/:id/delete", s.monitorDeleteUI)
	// -- status pages UI --
	ui.GET("/status-pages", s.pagesList)
	ui.GET("/status-pages/new", s.pagesNew)
	ui.POST("/status-pages", s.pagesCreate)
	ui.GET("/status-pages/:id", s.pagesEdit)
	ui.POST("/status-pages/:id", s.pagesSave)
	ui.POST("/status-pages/:id/delete", s.pagesDelete)
	ui.POST("/status-pages/:id/components", s.componentCreateUI)
	ui.POST("/status-pages/:id/components/:cid", s.componentSaveUI)
	ui.POST("/status-pages/:id/components/:cid/delete", s.componentDeleteUI)
	ui.GET("/status-pages/:id/subscribers.csv", s.subscriberExport)
	ui.POST("/status-pages/:id/subscribers/:sub/delete", s.subscriberRemoveUI)
	ui.GET("/status-pages/incidents", s.incidentListUI)
	ui.GET("/status-pages/incidents/new", s.incidentNewUI)
	ui.POST("/status-pages/incidents", s.incidentCreateUI)
	ui.GET("/status-pages/incidents/:id", s.incidentShowUI)
	ui.POST("/status-pages/incidents/:id/updates", s.incidentUpdateUI)
	ui.POST("/status-pages/incidents/:id/delete", s.incidentDeleteUI)
	ui.GET("/status-pages/maintenance", s.maintenanceListUI)
	ui.GET("/status-pages/maintenance/new", s.maintenanceNewUI)
	ui.POST("/status-pages/maintenance", s.maintenanceCreateUI)
	ui.GET("/status-pages/maintenance/:id", s.maintenanceEditUI)
	ui.POST("/status-pages/maintenance/:id", s.maintenanceSaveUI)
	ui.POST("/status-pages/maintenance/:id/delete", s.maintenanceDeleteUI)
	// -- issues UI --
	// -- alerts UI --

	// REST API (bearer tokens).
	api := e.Group("/api/v1", s.requireToken)
	api.GET("/me", s.apiMe)
	api.GET("/tokens", s.apiTokenList)
	api.DELETE("/tokens/:id", s.apiTokenRevoke)
	api.GET("/members", s.apiMemberList)
	// -- monitoring API --
	api.GET("/monitors", s.apiMonitorList)
	api.POST("/monitors", s.apiMonitorCreate)
	api.GET("/monitors/:id", s.apiMonitorGet)
	api.PATCH("/monitors/:id", s.apiMonitorUpdate)
	api.PUT("/monitors/:id", s.apiMonitorUpdate)
	api.DELETE("/monitors/:id", s.apiMonitorDelete)
	api.POST("/monitors/:id/pause", s.apiMonitorPause)
	api.POST("/monitors/:id/resume", s.apiMonitorResume)
	api.POST("/monitors/:id/check", s.apiMonitorCheck)
	api.GET("/monitors/:id/results", s.apiMonitorResults)
	api.GET("/monitors/:id/uptime", s.apiMonitorUptime)
	// -- status pages API --
	api.GET("/status-pages", s.apiPageList)
	api.POST("/status-pages", s.apiPageCreate)
	api.GET("/status-pages/:id", s.apiPageGet)
	api.PATCH("/status-pages/:id", s.apiPageUpdate)
	api.PUT("/status-pages/:id", s.apiPageUpdate)
	api.DELETE("/status-pages/:id", s.apiPageDelete)
	api.GET("/status-pages/:id/subscribers", s.apiSubscriberList)
	api.DELETE("/status-pages/:id/subscribers/:sub", s.apiSubscriberDelete)
	api.GET("/components", s.apiComponentList)
	api.POST("/components", s.apiComponentCreate)
	api.GET("/components/:id", s.apiComponentGet)
	api.PATCH("/components/:id", s.apiComponentUpdate)
	api.PUT("/components/:id", s.apiComponentUpdate)
	api.DELETE("/components/:id", s.apiComponentDelete)
	api.GET("/incidents", s.apiIncidentList)
	api.POST("/incidents", s.apiIncidentCreate)
	api.GET("/incidents/:id", s.apiIncidentGet)
	api.PATCH("/incidents/:id", s.apiIncidentUpdate)
	api.PUT("/incidents/:id", s.apiIncidentUpdate)
	api.POST("/incidents/:id/updates", s.apiIncidentUpdate)
	api.DELETE("/incidents/:id", s.apiIncidentDelete)
	api.GET("/maintenance", s.apiMaintenanceList)
	api.POST("/maintenance", s.apiMaintenanceCreate)
	api.GET("/maintenance/:id", s.apiMaintenanceGet)
	api.PATCH("/maintenance/:id", s.apiMaintenanceUpdate)
	api.PUT("/maintenance/:id", s.apiMaintenanceUpdate)
	api.DELETE("/maintenance/:id", s.apiMaintenanceDelete)
	// -- issues API --
	api.GET("/projects", s.apiProjectList)
	api.POST("/projects", s.apiProjectCreate)
	api.GET("/projects/:id", s.apiProjectGet)
	api.PATCH("/projects/:id", s.apiProjectUpdate)
	api.PUT("/projects/:id", s.apiProjectUpdate)
	api.DELETE("/projects/:id", s.apiProjectDelete)
	api.GET("/projects/:id/keys", s.apiKeyList)
	api.POST("/projects/:id/keys", s.apiKeyCreate)
	api.GET("/projects/:id/keys/:key", s.apiKeyGet)
	api.PATCH("/projects/:id/keys/:key", s.apiKeyUpdate)
	api.PUT("/projects/:id/keys/:key", s.apiKeyUpdate)
	api.DELETE("/projects/:id/keys/:key", s.apiKeyDelete)
	api.GET("/issues", s.apiIssueList)
	api.GET("/issues/:id", s.apiIssueGet)
	api.PATCH("/issues/:id", s.apiIssueUpdate)
	api.PUT("/issues/:id", s.apiIssueUpdate)
	api.GET("/issues/:id/events", s.apiIssueEvents)
	api.GET("/issues/:id/hashes", s.apiIssueHashes)
	api.POST("/issues/:id/merge", s.apiIssueMerge)
	api.POST("/issues/:id/unmerge", s.apiIssueUnmerge)
	api.POST("/issues/:id/comments", s.apiIssueComment)
	api.GET("/events/:id", s.apiEventGet)
	// -- alerts API --

	// Public endpoints without a session.
	// -- push --
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		e.Add(m, "/api/push/:token", s.pushPing)
		e.Add(m, "/api/push/:token/start", s.pushStart)
		e.Add(m, "/api/push/:token/fail", s.pushFail)
	}
	// -- status pages (public) --
	e.GET("/status/:slug", s.statusPublic)
	e.HEAD("/status/:slug", s.statusPublic)
	e.GET("/status/:slug/*", s.statusPublic)
	e.HEAD("/status/:slug/*", s.statusPublic)
	e.POST("/status/:slug/access", s.statusAccess)
	e.POST("/status/:slug/subscribe", s.statusSubscribe)
	e.GET("/status/:slug/confirm/:token", s.statusConfirm)
	e.GET("/status/:slug/unsubscribe/:token", s.statusUnsubscribe)
	e.POST("/status/:slug/unsubscribe/:token", s.statusUnsubscribe)
	// -- sentry ingest --
	e.POST("/api/:project_id/envelope/", s.ingestEnvelope)
	e.OPTIONS("/api/:project_id/envelope/", s.ingestPreflight)
	e.POST("/api/:project_id/store/", s.ingestStore)
	e.GET("/api/:project_id/store/", s.ingestStore)
	e.OPTIONS("/api/:project_id/store/", s.ingestPreflight)
	e.POST("/api/:project_id/envelope", s.ingestEnvelope)
	e.POST("/api/:project_id/store", s.ingestStore)
	api.Any("/*", func(c echo.Context) error { return notFound("API route") })
}
