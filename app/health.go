package app

import (
	"context"
	"database/sql"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the store answers a read and the writer
// commits (an empty write goes through the queue like any other).
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	err := s.store.Ping(ctx)
	if err == nil {
		err = s.store.Write(ctx, func(*sql.Tx) error { return nil })
	}
	if err != nil {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "write_queue": s.store.QueueDepth()})
}

// sessionCleanup removes expired sessions (run hourly by the cron).
func (s *Server) sessionCleanup(ctx context.Context) {
	if n, err := s.store.DeleteExpiredSessions(ctx); err != nil {
		s.log.Warn("session cleanup failed", "error", err)
	} else if n > 0 {
		s.log.Debug("expired sessions removed", "count", n)
	}
}
