package app

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/checks"
	"github.com/bitwobbly/bitwobbly/store"
)

// pushPing, pushStart and pushFail receive a push monitor's heartbeat:
// GET or POST /api/push/{token}[/start|/fail] with optional status
// (up|down), msg and latency_ms in the query or a form body. An unknown
// token is a 404 that stores nothing.
func (s *Server) pushPing(c echo.Context) error  { return s.pushReceive(c, checks.PushPing) }
func (s *Server) pushStart(c echo.Context) error { return s.pushReceive(c, checks.PushStart) }
func (s *Server) pushFail(c echo.Context) error  { return s.pushReceive(c, checks.PushFail) }

func (s *Server) pushReceive(c echo.Context, kind checks.PushKind) error {
	token := c.Param("token")
	if len(token) < 8 || len(token) > 64 {
		return notFound("push monitor")
	}
	in := checks.PushInput{Kind: kind, LatencyMS: -1}
	in.Status = strings.ToLower(strings.TrimSpace(c.FormValue("status")))
	switch in.Status {
	case "", "up", "down":
	default:
		return badRequest("status", "status: must be up or down")
	}
	in.Message = c.FormValue("msg")
	if v := c.FormValue("latency_ms"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || n > 86400000 {
			return badRequest("latency_ms", "latency_ms: must be a number of milliseconds")
		}
		in.LatencyMS = int64(n)
	}
	m, err := s.mon().engine.Push(c.Request().Context(), token, in)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("push monitor")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "monitor_id": m.ID, "status": m.Status})
}
