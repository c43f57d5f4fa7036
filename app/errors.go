package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// Error is an error with an HTTP status and a stable code, answered as
// {"error":{"code","message","field"}} to the API and as a page to browsers.
type Error struct {
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string { return e.Message }

// badRequest names the field that is wrong.
func badRequest(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid", Field: field, Message: fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized = &Error{Status: http.StatusUnauthorized, Code: "unauthorized",
		Message: "missing or invalid API token; send Authorization: Bearer <token>"}
	errForbidden = &Error{Status: http.StatusForbidden, Code: "forbidden",
		Message: "your role does not allow this"}
	errNotFound = &Error{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	errTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body too large"}
)

// tooLarge reports whether reading a body failed on the body limit.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	var he *echo.HTTPError
	return errors.As(err, &mbe) || errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge ||
		strings.Contains(err.Error(), "http: request body too large")
}

func notFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

func conflict(field, format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Code: "conflict", Field: field, Message: fmt.Sprintf(format, args...)}
}

// ingestPath matches Sentry ingest URLs, whose errors use {"detail": …}.
var ingestPath = regexp.MustCompile(`^/api/[0-9]+/`)

// toError turns any error into an *Error; unknown errors become 500s.
func toError(err error) (*Error, bool) {
	var e *Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &e):
		return e, true
	case errors.As(err, &he):
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && s != "" {
			msg = s
		}
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_"))
		if he.Code == http.StatusRequestEntityTooLarge {
			code, msg = "too_large", "request body too large"
		}
		return &Error{Status: he.Code, Code: code, Message: msg}, true
	case errors.Is(err, store.ErrNotFound):
		return errNotFound, true
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "already exists"}, true
	case errors.Is(err, context.Canceled):
		return &Error{Status: 499, Code: "canceled", Message: "request canceled"}, true
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal server error"}, false
}

// handleError is echo's one error handler.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e, known := toError(err)
	req := c.Request()
	if !known {
		s.log.Error("request failed", "method", req.Method, "path", req.URL.Path,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	}
	path := req.URL.Path
	switch {
	case ingestPath.MatchString(path):
		c.JSON(e.Status, map[string]string{"detail": e.Message})
	case strings.HasPrefix(path, "/api/") || wantsJSON(req):
		body := map[string]any{"code": e.Code, "message": e.Message}
		if e.Field != "" {
			body["field"] = e.Field
		}
		c.JSON(e.Status, map[string]any{"error": body})
	default:
		title := http.StatusText(e.Status)
		if title == "" {
			title = "Error"
		}
		c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		c.Response().WriteHeader(e.Status)
		views.ErrorPage(e.Status, title, e.Message).Render(req.Context(), c.Response())
	}
}

func wantsJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/json") && !strings.Contains(a, "text/html")
}

// bindJSON decodes a JSON body strictly: unknown fields and trailing data
// are refused, and errors name the field.
func bindJSON(c echo.Context, v any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("", "request body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	var he *echo.HTTPError
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("", "request body is empty; send a JSON object")
	case errors.As(err, &mbe), errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body too large"}
	case errors.As(err, &syn):
		return badRequest("", "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return badRequest("", "request body must be a JSON object")
		}
		return badRequest(field, "%s: must be %s, not %s", field, typeName(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "request body ends in the middle of a JSON value")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return badRequest(f, "unknown field %q", f)
	case strings.Contains(err.Error(), "http: request body too large"):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Message: "request body too large"}
	}
	return badRequest("", "invalid JSON: %v", err)
}

func typeName(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr":
		return "a whole number"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return kind
}
