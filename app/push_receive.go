package app

import (
	"encoding/json"
	"errors"
	"io"
	"math"
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

// pushUnknown answers paths under /api/push that are no push URL.
func (s *Server) pushUnknown(echo.Context) error { return notFound("push monitor") }

func (s *Server) pushReceive(c echo.Context, kind checks.PushKind) error {
	token := c.Param("token")
	if len(token) < 8 || len(token) > 64 {
		return notFound("push monitor")
	}
	body, err := pushJSONBody(c)
	if err != nil {
		return err
	}
	value := func(name string) string {
		if v := c.FormValue(name); v != "" {
			return v
		}
		return body[name]
	}
	in := checks.PushInput{Kind: kind, LatencyMS: -1}
	in.Status = strings.ToLower(strings.TrimSpace(value("status")))
	switch in.Status {
	case "", "up", "down":
	default:
		return badRequest("status", "status: must be up or down")
	}
	in.Message = value("msg")
	if v := strings.TrimSpace(value("latency_ms")); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(n) || n < 0 || n > 86400000 {
			return badRequest("latency_ms", "latency_ms: must be a number of milliseconds from 0 to 86400000")
		}
		in.LatencyMS = int64(n)
	}
	m, err := s.monitors.engine.Push(c.Request().Context(), token, in)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("push monitor")
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"ok": true, "monitor_id": m.ID, "status": m.Status})
}

// pushJSONBody reads status, msg and latency_ms from a JSON object body
// (Content-Type application/json), so a job posting {"status":"down"} is
// not taken for a success. Other members are ignored; a body that is not
// a JSON object is a 400.
func pushJSONBody(c echo.Context) (map[string]string, error) {
	r := c.Request()
	if r.Body == nil || !strings.HasPrefix(strings.ToLower(r.Header.Get(echo.HeaderContentType)), echo.MIMEApplicationJSON) {
		return nil, nil
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, jsonError(err)
		}
		return nil, badRequest("body", "body: a JSON body must be an object such as {\"status\":\"down\",\"msg\":\"…\"}")
	}
	out := map[string]string{}
	for _, k := range []string{"status", "msg", "latency_ms"} {
		v, ok := raw[k]
		if !ok || string(v) == "null" {
			continue
		}
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
			continue
		}
		var num json.Number
		if k == "latency_ms" && json.Unmarshal(v, &num) == nil {
			out[k] = num.String()
			continue
		}
		return nil, badRequest(k, "%s: must be a string", k)
	}
	return out, nil
}
