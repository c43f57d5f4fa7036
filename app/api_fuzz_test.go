package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// fuzzBody has a field of each kind the API decodes.
type fuzzBody struct {
	Name     string            `json:"name"`
	Interval int               `json:"interval_seconds"`
	Enabled  *bool             `json:"enabled"`
	At       *time.Time        `json:"at"`
	IDs      []int64           `json:"monitor_ids"`
	Tags     map[string]string `json:"tags"`
	Config   json.RawMessage   `json:"config"`
	Nested   struct {
		Count uint8 `json:"count"`
	} `json:"nested"`
}

// fuzzFields are the field names bindJSON may blame.
var fuzzFields = map[string]bool{"": true, "name": true, "interval_seconds": true, "enabled": true, "at": true,
	"monitor_ids": true, "tags": true, "config": true, "nested": true, "nested.count": true}

// FuzzBindJSON: any body either decodes, or is refused with a 400 (or 413
// when over the limit) that has a message and blames a real field; only
// valid JSON is ever accepted.
func FuzzBindJSON(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","interval_seconds":60,"enabled":true}`,
		`{"name":1}`, `{"nested":{"count":300}}`, `{"nope":1}`, `{"nested":{"nope":1}}`,
		`[]`, `null`, ``, `{`, `{"name":"a"} {"name":"b"}`, `{"at":"yesterday"}`,
		`{"monitor_ids":[1,"2"]}`, `{"tags":{"a":1}}`, `{"config":{"x":[1,2,{}]}}`,
		`"` + strings.Repeat("x", 300) + `"`, "\xff\xfe", `{"name":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/x", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		req.Body = http.MaxBytesReader(rec, req.Body, 256)
		c := e.NewContext(req, rec)

		var v fuzzBody
		err := bindJSON(c, &v)
		if err == nil {
			if !json.Valid(body) {
				t.Fatalf("accepted invalid JSON %q", body)
			}
			return
		}
		var apiErr *Error
		if !errors.As(err, &apiErr) {
			t.Fatalf("error %T %v is not an *Error", err, err)
		}
		switch {
		case apiErr.Status == http.StatusRequestEntityTooLarge && len(body) > 256:
		case apiErr.Status == http.StatusBadRequest:
		default:
			t.Fatalf("status %d for %d bytes: %v", apiErr.Status, len(body), apiErr)
		}
		if apiErr.Message == "" || apiErr.Code == "" {
			t.Fatalf("error without code or message: %+v", apiErr)
		}
		unknown := strings.HasPrefix(apiErr.Message, "unknown field ")
		if unknown && apiErr.Message != fmt.Sprintf("unknown field %q", apiErr.Field) ||
			!unknown && !fuzzFields[apiErr.Field] {
			t.Fatalf("error blames unknown field %q: %v", apiErr.Field, apiErr.Message)
		}
	})
}

// TestBindJSONNamesTheField checks the messages people read.
func TestBindJSONNamesTheField(t *testing.T) {
	e := echo.New()
	scenarios := []struct {
		body, field, message string
	}{
		{`{"name":1}`, "name", "name: must be a string, not number"},
		{`{"nested":{"count":"x"}}`, "nested.count", "nested.count: must be a whole number, not string"},
		{`{"nested":{"count":7.5}}`, "nested.count", "nested.count: must be a whole number, not number 7.5"},
		{`{"nope":true}`, "nope", `unknown field "nope"`},
		{``, "", "request body is empty; send a JSON object"},
		{`{"name":"a"}{}`, "", "request body must hold exactly one JSON value"},
		{`[1]`, "", "request body must be a JSON object"},
		{`{"name":`, "", "request body ends in the middle of a JSON value"},
	}
	for _, sc := range scenarios {
		t.Run(sc.body, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(strings.NewReader(sc.body)))
			var v fuzzBody
			err := bindJSON(e.NewContext(req, httptest.NewRecorder()), &v)
			var got *Error
			if !errors.As(err, &got) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if got.Field != sc.field || got.Message != sc.message || got.Status != http.StatusBadRequest {
				t.Errorf("got %d field %q message %q; want 400 field %q message %q",
					got.Status, got.Field, got.Message, sc.field, sc.message)
			}
		})
	}
}
