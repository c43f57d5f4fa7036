package app

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zlib"
	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
)

// ingestCORS lets browser SDKs on any origin send to ingest.
func ingestCORS(c echo.Context) {
	h := c.Response().Header()
	origin := c.Request().Header.Get("Origin")
	if origin == "" {
		origin = "*"
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "content-type, content-encoding, x-sentry-auth, authorization, "+
		"sentry-trace, baggage, accept, origin, user-agent")
	h.Set("Access-Control-Expose-Headers", "x-sentry-error, x-sentry-rate-limits, retry-after")
	h.Set("Access-Control-Max-Age", "3600")
}

// ingestPreflight answers CORS preflight requests.
func (s *Server) ingestPreflight(c echo.Context) error {
	ingestCORS(c)
	return c.NoContent(http.StatusOK)
}

// ingestWrongMethod answers a method ingest does not take with 405 and a
// detail, instead of the dashboard's redirect to sign in.
func (s *Server) ingestWrongMethod(c echo.Context) error {
	ingestCORS(c)
	allow := "POST, OPTIONS"
	if strings.Contains(c.Path(), "/store/") {
		allow = "GET, POST, OPTIONS"
	}
	c.Response().Header().Set("Allow", allow)
	return ingestAnswer(c, &issues.IngestError{Status: http.StatusMethodNotAllowed,
		Detail: "method " + c.Request().Method + " is not allowed; send POST"})
}

// ingestEnvelope accepts POST /api/{project_id}/envelope/.
func (s *Server) ingestEnvelope(c echo.Context) error { return s.ingest(c, "envelope") }

// ingestStore accepts the legacy GET/POST /api/{project_id}/store/.
func (s *Server) ingestStore(c echo.Context) error { return s.ingest(c, "store") }

func (s *Server) ingest(c echo.Context, kind string) error {
	ingestCORS(c)
	req := c.Request()
	pid, err := strconv.ParseInt(c.Param("project_id"), 10, 64)
	if err != nil || pid <= 0 {
		return ingestAnswer(c, &issues.IngestError{Status: http.StatusNotFound, Detail: "unknown project"})
	}
	if err := s.tracker.Shed(); err != nil {
		return ingestAnswer(c, err)
	}
	lease := s.tracker.Lease()
	defer lease.Release()
	body, raw, err := s.ingestBody(c, kind, lease)
	if err != nil {
		return ingestAnswer(c, err)
	}
	id, err := s.tracker.Accept(req.Context(), issues.IngestRequest{
		ProjectID: pid, Kind: kind, Body: body, Raw: raw, Auth: issues.ParseAuth(req),
		ClientIP: c.RealIP(), UserAgent: req.UserAgent(),
	})
	if err != nil {
		return ingestAnswer(c, err)
	}
	if id == "" {
		return c.JSON(http.StatusOK, map[string]any{})
	}
	return c.JSON(http.StatusOK, map[string]string{"id": id})
}

// ingestBody reads and decompresses the body within the size limits. It
// also answers the body as sent when that is plain gzip, which the queue
// keeps as is.
func (s *Server) ingestBody(c echo.Context, kind string, lease *issues.Lease) (body, gz []byte, err error) {
	req := c.Request()
	if req.Method == http.MethodGet {
		data := c.QueryParam("sentry_data")
		if data == "" {
			return nil, nil, &issues.IngestError{Status: http.StatusBadRequest, Detail: "missing sentry_data"}
		}
		return []byte(data), nil, nil
	}
	if req.ContentLength > s.cfg.IngestMaxRequest {
		// Refused before reading: the client says it sends too much.
		return nil, nil, issues.ErrTooLarge
	}
	// The body as sent is not counted against the budget: it is no larger
	// than what the client sent, and slow senders must not hold the budget.
	raw, err := issues.ReadBody(req.Body, s.cfg.IngestMaxRequest)
	if err != nil {
		return nil, nil, err
	}
	enc := strings.ToLower(strings.TrimSpace(req.Header.Get("Content-Encoding")))
	body, err = issues.DecompressIn(enc, raw, s.cfg.IngestMaxEnvelope, lease)
	if err != nil {
		return nil, nil, err
	}
	if kind == "store" && len(body) > 0 && body[0] != '{' {
		// Old SDKs send store bodies as base64 of zlib without saying so.
		if dec, err := legacyStoreBody(body, s.cfg.IngestMaxEvent); err == nil {
			return dec, nil, nil
		}
	}
	if enc == "gzip" || enc == "x-gzip" {
		gz = raw
	}
	return body, gz, nil
}

func legacyStoreBody(b []byte, max int64) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(b)))
	if err != nil {
		return nil, err
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return issues.ReadBody(zr, max)
}

// ingestAnswer turns an ingest error into Sentry's answer.
func ingestAnswer(c echo.Context, err error) error {
	var ie *issues.IngestError
	switch {
	case errors.As(err, &ie):
	case errors.Is(err, issues.ErrBusy):
		ie = &issues.IngestError{Status: http.StatusServiceUnavailable, RetryAfter: 5,
			Detail: "too many large request bodies are being read at once; retry later"}
	case errors.Is(err, issues.ErrTooLarge):
		ie = &issues.IngestError{Status: http.StatusRequestEntityTooLarge, Detail: "request is larger than the size limit"}
	case errors.Is(err, issues.ErrMalformed):
		ie = &issues.IngestError{Status: http.StatusBadRequest, Detail: err.Error()[len("issues: "):]}
	default:
		return err
	}
	h := c.Response().Header()
	if ie.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(ie.RetryAfter))
	}
	if ie.RateLimits != "" {
		h.Set("X-Sentry-Rate-Limits", ie.RateLimits)
	}
	h.Set("X-Sentry-Error", ie.Detail)
	return c.JSON(ie.Status, map[string]string{"detail": ie.Detail})
}
