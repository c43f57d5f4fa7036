package checks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"golang.org/x/net/html/charset"
)

// userAgent identifies checks in the target's logs.
const userAgent = "BitWobbly-Monitor/1"

func (c *Checker) checkHTTP(ctx context.Context, j Job) Outcome {
	cfg := j.Config
	req, err := c.httpRequest(ctx, j)
	if err != nil {
		return down(-1, "%v", err)
	}
	tr := c.verify
	if !boolOr(cfg.VerifyTLS, true) {
		tr = c.insecure
	}
	follow, maxRedirects := boolOr(cfg.FollowRedirects, true), cfg.MaxRedirects
	client := &http.Client{Transport: tr, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if !follow {
			return http.ErrUseLastResponse
		}
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}}

	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return down(-1, "%s", describe(err, j.Timeout))
	}
	defer resp.Body.Close()
	out := c.evaluateHTTP(resp, j, start)
	if resp.TLS != nil {
		if chains := resp.TLS.VerifiedChains; len(chains) > 0 && len(chains[0]) > 0 {
			out.Cert = certInfo(chains[0][0])
		} else if len(resp.TLS.PeerCertificates) > 0 {
			out.Cert = certInfo(resp.TLS.PeerCertificates[0])
		}
	}
	return out
}

func (c *Checker) httpRequest(ctx context.Context, j Job) (*http.Request, error) {
	cfg := j.Config
	var body io.Reader
	if cfg.Body != "" {
		body = strings.NewReader(cfg.Body)
	}
	method := cfg.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, j.Target, body)
	if err != nil {
		return nil, fmt.Errorf("invalid request: %v", err)
	}
	req.Header.Set("User-Agent", userAgent)
	for k, v := range cfg.Headers {
		req.Header.Set(k, v)
	}
	if req.Host = req.Header.Get("Host"); req.Host == "" {
		req.Host = req.URL.Host
	}
	if cfg.BasicAuthUser != "" || cfg.BasicAuthPassword != "" {
		req.SetBasicAuth(cfg.BasicAuthUser, cfg.BasicAuthPassword)
	}
	if cfg.BearerToken != "" {
		req.Header.Set("Authorization", "Bearer "+cfg.BearerToken)
	}
	return req, nil
}

// evaluateHTTP applies status codes, keyword, JSON assertions and the
// latency threshold to a response.
func (c *Checker) evaluateHTTP(resp *http.Response, j Job, start time.Time) Outcome {
	cfg := j.Config
	ranges, err := ParseStatusCodes(cfg.AcceptedStatusCodes)
	if err != nil {
		return down(-1, "accepted status codes: %v", err)
	}
	needBody := cfg.Keyword != "" || len(cfg.JSONAssertions) > 0
	var text string
	truncated := false
	if needBody {
		text, truncated, err = readBody(resp, cfg.MaxBodyBytes)
		if err != nil {
			return down(since(start), "reading the body: %s", describe(err, j.Timeout))
		}
	}
	latency := since(start)

	if !statusAccepted(resp.StatusCode, ranges) {
		return down(latency, "HTTP %d %s is not an accepted status (%s)", resp.StatusCode,
			http.StatusText(resp.StatusCode), acceptedText(cfg.AcceptedStatusCodes))
	}
	if cfg.Keyword != "" {
		if reason := keywordReason(text, cfg); reason != "" {
			return down(latency, "%s", reason)
		}
	}
	if len(cfg.JSONAssertions) > 0 {
		if truncated {
			return down(latency, "body is larger than %d bytes; JSON assertions need the whole body", cfg.MaxBodyBytes)
		}
		if reason := assertJSON(text, cfg.JSONAssertions); reason != "" {
			return down(latency, "%s", reason)
		}
	}
	return finish(latency, cfg.DegradedLatencyMS, fmt.Sprintf("HTTP %d", resp.StatusCode))
}

// readBody reads at most max bytes, decoded to UTF-8 by the declared or
// sniffed charset.
func readBody(resp *http.Response, max int64) (string, bool, error) {
	if max <= 0 {
		max = 1 << 20
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return "", false, err
	}
	truncated := int64(len(raw)) > max
	if truncated {
		raw = raw[:max]
	}
	r, err := charset.NewReader(strings.NewReader(string(raw)), resp.Header.Get("Content-Type"))
	if err != nil {
		return string(raw), truncated, nil
	}
	decoded, err := io.ReadAll(r)
	if err != nil {
		return string(raw), truncated, nil
	}
	return string(decoded), truncated, nil
}

func statusAccepted(code int, ranges [][2]int) bool {
	for _, r := range ranges {
		if code >= r[0] && code <= r[1] {
			return true
		}
	}
	return false
}

func acceptedText(list []string) string {
	if len(list) == 0 {
		return "200-399"
	}
	return strings.Join(list, ", ")
}

func keywordReason(body string, cfg Config) string {
	hay, needle := body, cfg.Keyword
	if !cfg.KeywordCaseSensitive {
		hay, needle = strings.ToLower(hay), strings.ToLower(needle)
	}
	found := strings.Contains(hay, needle)
	switch {
	case cfg.KeywordAbsent && found:
		return fmt.Sprintf("keyword %q is present but should be absent", cfg.Keyword)
	case !cfg.KeywordAbsent && !found:
		return fmt.Sprintf("keyword %q not found in the body", cfg.Keyword)
	}
	return ""
}

// assertJSON returns the reason of the first failing assertion, or "".
func assertJSON(body string, as []JSONAssertion) string {
	if !gjson.Valid(body) {
		return "body is not valid JSON"
	}
	for _, a := range as {
		if reason := evalAssertion(body, a); reason != "" {
			return reason
		}
	}
	return ""
}

// evalAssertion compares numbers as numbers and everything else as
// strings; any evaluation error is a failure with its reason.
func evalAssertion(body string, a JSONAssertion) string {
	if err := ValidJSONPath(a.Path); err != nil {
		return "JSON path: " + err.Error()
	}
	res := gjson.Get(body, a.Path)
	if !res.Exists() {
		return fmt.Sprintf("JSON path %s not found", a.Path)
	}
	if a.Op == "exists" {
		return ""
	}
	got := res.String()
	if res.Type == gjson.Number {
		want, err := strconv.ParseFloat(strings.TrimSpace(a.Value), 64)
		if err != nil && a.Op != "contains" {
			return fmt.Sprintf("JSON path %s is the number %s; %q is not a number", a.Path, res.Raw, a.Value)
		}
		return compareNumber(a, res.Num, want, res.Raw)
	}
	if a.Op == "lt" || a.Op == "gt" {
		return fmt.Sprintf("JSON path %s is %s, not a number", a.Path, describeJSON(res))
	}
	if res.IsObject() || res.IsArray() {
		got = res.Raw
	}
	return compareString(a, got)
}

func compareNumber(a JSONAssertion, got, want float64, raw string) string {
	ok := false
	switch a.Op {
	case "equals":
		ok = got == want
	case "not_equals":
		ok = got != want
	case "lt":
		ok = got < want
	case "gt":
		ok = got > want
	case "contains":
		ok = strings.Contains(raw, a.Value)
	default:
		return fmt.Sprintf("unknown JSON operator %q", a.Op)
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("JSON path %s is %s; expected %s %s", a.Path, raw, opWords(a.Op), a.Value)
}

func compareString(a JSONAssertion, got string) string {
	ok := false
	switch a.Op {
	case "equals":
		ok = got == a.Value
	case "not_equals":
		ok = got != a.Value
	case "contains":
		ok = strings.Contains(got, a.Value)
	default:
		return fmt.Sprintf("unknown JSON operator %q", a.Op)
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("JSON path %s is %q; expected %s %q", a.Path, trimTo(got, 80), opWords(a.Op), a.Value)
}

func describeJSON(r gjson.Result) string {
	switch {
	case r.IsObject():
		return "an object"
	case r.IsArray():
		return "an array"
	case r.Type == gjson.Null:
		return "null"
	case r.Type == gjson.True || r.Type == gjson.False:
		return r.Raw
	}
	return strconv.Quote(trimTo(r.String(), 80))
}

func opWords(op string) string {
	switch op {
	case "equals":
		return "="
	case "not_equals":
		return "≠"
	case "lt":
		return "<"
	case "gt":
		return ">"
	}
	return op
}

func trimTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
