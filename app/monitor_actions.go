package app

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
)

// monitorPauseUI and monitorResumeUI stop and restart checking.
func (s *Server) monitorPauseUI(c echo.Context) error  { return s.enabledUI(c, false) }
func (s *Server) monitorResumeUI(c echo.Context) error { return s.enabledUI(c, true) }

func (s *Server) enabledUI(c echo.Context, on bool) error {
	m, err := s.setEnabled(c, on)
	if err != nil {
		return err
	}
	msg := "Monitor paused: no checks, no alerts."
	if on {
		msg = "Monitor resumed."
	}
	flash(c, msg)
	return seeOther(c, "/monitors/"+strconv.FormatInt(m.ID, 10))
}

// monitorCheckUI asks for a check right away.
func (s *Server) monitorCheckUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	if err := s.checkNow(m); err != nil {
		return err
	}
	flash(c, "Check started; the result appears in a few seconds.")
	return seeOther(c, "/monitors/"+strconv.FormatInt(m.ID, 10))
}

// monitorStateUI sets a manual monitor's state.
func (s *Server) monitorStateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	if m.Type != "manual" {
		return conflict("type", "only manual monitors are set by hand")
	}
	reason := trimTo(strings.TrimSpace(c.FormValue("reason")), 500)
	if _, err := s.monitors.engine.SetManual(c.Request().Context(), m.TeamID, m.ID, c.FormValue("status"), reason); err != nil {
		return manualError(err)
	}
	flash(c, "State set.")
	return seeOther(c, "/monitors/"+strconv.FormatInt(m.ID, 10))
}

// monitorDeleteUI deletes a monitor after the browser confirmed.
func (s *Server) monitorDeleteUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteMonitor(c.Request().Context(), m.TeamID, m.ID); err != nil {
		return err
	}
	s.monitors.engine.Reload(c.Request().Context(), m.ID)
	flash(c, "Monitor "+m.Name+" deleted.")
	return seeOther(c, "/monitors")
}
