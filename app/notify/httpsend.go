package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxAnswer is how much of a provider's answer is read; the rest is
// dropped, so a huge answer costs nothing.
const maxAnswer = 64 << 10

// excerptLen is how much of an answer the attempts log keeps.
const excerptLen = 500

// PostJSON sends body as JSON with extra headers and classifies the
// answer with Classify.
func PostJSON(ctx context.Context, c *http.Client, rawURL string, headers http.Header, body any) (Result, []byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return Result{}, nil, Permanent(fmt.Errorf("encode body: %w", err))
	}
	h := headers.Clone()
	if h == nil {
		h = http.Header{}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	return Do(ctx, c, http.MethodPost, rawURL, h, raw)
}

// Do sends one request and reads at most 64 KiB of the answer. It returns
// the result, the answer bytes read, and an error for anything but 2xx (a
// 2xx whose body breaks off is a success, noted in the excerpt):
// redirects, 4xx other than 408/425/429 are permanent; 5xx, 408, 425,
// 429, timeouts and connection errors may be retried.
func Do(ctx context.Context, c *http.Client, method, rawURL string, h http.Header, body []byte) (Result, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, bytes.NewReader(body))
	if err != nil {
		return Result{}, nil, Permanent(fmt.Errorf("bad URL: %w", err))
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "BitWobbly-Notifier/1")
	}
	res, err := c.Do(req)
	if err != nil {
		return Result{}, nil, transportError(err)
	}
	defer res.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	r := Result{StatusCode: res.StatusCode, Response: Excerpt(data), RetryAfter: RetryAfter(res.Header)}
	if err := Classify(res, r); err != nil {
		return r, data, err
	}
	if rerr != nil {
		// The provider accepted the request; only its answer was cut
		// short. Sending again would duplicate the notification.
		r.Response = strings.TrimSpace(r.Response + " (answer cut short: " + trim(rerr.Error(), 120) + ")")
	}
	return r, data, nil
}

// Classify turns a non-2xx answer into an error (see Do).
func Classify(res *http.Response, r Result) error {
	code := res.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code >= 300 && code < 400:
		loc := res.Header.Get("Location")
		return Permanent(fmt.Errorf("provider answered %d redirecting to %q; notifications do not follow redirects, "+
			"use the final URL", code, trim(loc, 200)))
	case code == 408 || code == 425 || code == 429 || code >= 500:
		return fmt.Errorf("provider answered %d %s%s", code, http.StatusText(code), said(r.Response))
	}
	return Permanent(fmt.Errorf("provider refused the request: %d %s%s", code, http.StatusText(code), said(r.Response)))
}

// said quotes the start of an answer for an error message.
func said(excerpt string) string {
	if excerpt == "" {
		return ""
	}
	return ": " + trim(strings.Join(strings.Fields(excerpt), " "), 160)
}

func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, ErrRefused):
		return Permanent(err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("timed out waiting for the provider: %w", err)
	}
	return fmt.Errorf("could not reach the provider: %w", err)
}

// maxRetryAfter caps what RetryAfter reports, so that absurd values
// (1e300, Infinity, a date in the year 9999) cannot overflow a duration.
const maxRetryAfter = 24 * time.Hour

// RetryAfter reads a Retry-After header (seconds or an HTTP date), at
// most a day.
func RetryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); (err == nil || errors.Is(err, strconv.ErrRange)) && n > 0 {
		if n >= maxRetryAfter.Seconds() {
			return maxRetryAfter
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return min(d, maxRetryAfter)
		}
	}
	return 0
}

// Excerpt is the start of an answer as printable text, for the log.
func Excerpt(b []byte) string {
	cut := len(b) > excerptLen
	if cut {
		b = b[:excerptLen]
	}
	s := strings.ToValidUTF8(string(b), "�")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r >= 32 && r != 127 {
			return r
		}
		return -1
	}, s)
	s = strings.TrimSpace(s)
	if cut {
		s += "…"
	}
	return s
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Decode copies a channel's settings into v, naming the setting whose
// type is wrong.
func Decode(cfg map[string]any, v any) error {
	raw, err := json.Marshal(cfg)
	if err != nil {
		return Invalid("config", "cannot encode settings: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return Invalid(te.Field, "must be a %s", kindName(te.Type.Kind().String()))
		}
		return Invalid("config", "invalid settings: %v", err)
	}
	return nil
}

func kindName(k string) string {
	switch k {
	case "int", "int64", "float64":
		return "number"
	case "map", "struct":
		return "JSON object"
	case "slice":
		return "list"
	case "bool":
		return "true or false"
	}
	return k
}

// CheckURL validates a URL setting with the guard, naming the field.
func (e Env) CheckURL(field, raw string) error {
	if strings.TrimSpace(raw) == "" {
		return Invalid(field, "is required")
	}
	if e.Guard == nil {
		return nil
	}
	if err := e.Guard.CheckURL(raw); err != nil {
		return Invalid(field, "%v", err)
	}
	return nil
}

// JoinURL joins a configurable base URL and a path.
func JoinURL(base, path string) string {
	return strings.TrimRight(base, "/") + path
}
