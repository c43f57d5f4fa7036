package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/views"
)

// home is the overview page.
func (s *Server) home(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	var v views.HomeView
	err := s.store.R.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(status IN ('up','degraded')), 0), COALESCE(SUM(status = 'down'), 0)
		FROM monitors WHERE team_id = ?`, a.TeamID).Scan(&v.Monitors, &v.MonitorsUp, &v.MonitorsDown)
	if err != nil {
		return err
	}
	err = s.store.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM incidents WHERE team_id = ? AND resolved_at IS NULL`,
		a.TeamID).Scan(&v.OpenIncidents)
	if err != nil {
		return err
	}
	for _, q := range s.homeCounters {
		if err := q(ctx, a.TeamID, &v); err != nil {
			return err
		}
	}
	return render(c, http.StatusOK, views.HomePage(s.shell(c, "Overview", "home"), v))
}
