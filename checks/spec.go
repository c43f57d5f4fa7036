// Package checks owns monitoring: the check types (http, tls, dns, tcp,
// ping, push, manual), the scheduler that runs them on time, the decision
// that turns results into honest states with incidents and alert events,
// maintenance windows, and the rollups that keep history small.
package checks

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/miekg/dns"
	"github.com/robfig/cron/v3"
)

// Types lists the check types in the order the UI offers them.
var Types = []string{"http", "tls", "dns", "tcp", "ping", "push", "manual"}

// Config holds the type-specific settings of a monitor, stored as JSON in
// monitors.config. Fields not used by a type stay empty.
type Config struct {
	// http
	Method               string            `json:"method,omitempty"`
	Headers              map[string]string `json:"headers,omitempty"`
	Body                 string            `json:"body,omitempty"`
	BasicAuthUser        string            `json:"basic_auth_user,omitempty"`
	BasicAuthPassword    string            `json:"basic_auth_password,omitempty"`
	BearerToken          string            `json:"bearer_token,omitempty"`
	AcceptedStatusCodes  FlexList          `json:"accepted_status_codes,omitempty"`
	FollowRedirects      *bool             `json:"follow_redirects,omitempty"`
	MaxRedirects         int               `json:"max_redirects,omitempty"`
	VerifyTLS            *bool             `json:"verify_tls,omitempty"`
	MaxBodyBytes         int64             `json:"max_body_bytes,omitempty"`
	Keyword              string            `json:"keyword,omitempty"`
	KeywordAbsent        bool              `json:"keyword_absent,omitempty"`
	KeywordCaseSensitive bool              `json:"keyword_case_sensitive,omitempty"`
	JSONAssertions       []JSONAssertion   `json:"json_assertions,omitempty"`

	// http, tcp, dns, ping: slower than this is degraded (0 = never).
	DegradedLatencyMS int `json:"degraded_latency_ms,omitempty"`
	// http (https URLs) and tls: warn this many days before expiry; 0 never
	// warns, nil (not given) is DefaultCertWarnDays.
	CertWarnDays *int `json:"cert_warn_days,omitempty"`

	// dns
	RecordType  string   `json:"record_type,omitempty"`
	DNSServer   string   `json:"dns_server,omitempty"`
	DNSProtocol string   `json:"dns_protocol,omitempty"` // udp tcp tls https
	Expect      FlexList `json:"expect,omitempty"`
	ExpectMode  string   `json:"expect_mode,omitempty"` // contains_all contains_any exactly
	ExpectCount *int     `json:"expect_count,omitempty"`
	ExpectRcode string   `json:"expect_rcode,omitempty"`

	// tcp
	Send        string `json:"send,omitempty"`
	ExpectReply string `json:"expect_reply,omitempty"`

	// ping
	PingCount      int      `json:"ping_count,omitempty"`
	MaxLossPercent *float64 `json:"max_loss_percent,omitempty"`

	// push: expected every interval_seconds, or on PushCron in PushTimezone.
	PushCron      string `json:"push_cron,omitempty"`
	PushTimezone  string `json:"push_timezone,omitempty"`
	GraceSeconds  int    `json:"grace_seconds,omitempty"`
	MaxRunSeconds int    `json:"max_run_seconds,omitempty"`
}

// DefaultCertWarnDays is the certificate warning when none is given.
const DefaultCertWarnDays = 14

// WarnDays is the certificate warning in days (0: never warn).
func (c Config) WarnDays() int {
	if c.CertWarnDays == nil {
		return DefaultCertWarnDays
	}
	return *c.CertWarnDays
}

func intPtr(n int) *int { return &n }

// FlexList is a list of strings that also accepts, in JSON, a single
// comma-separated string and numbers (so [200, 301], "200-299, 301" and
// ["200-299"] all work).
type FlexList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *FlexList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = nil
		for _, p := range strings.Split(one, ",") {
			if p = strings.TrimSpace(p); p != "" {
				*l = append(*l, p)
			}
		}
		return nil
	}
	var items []any
	bad := &json.UnmarshalTypeError{Value: "value", Type: reflect.TypeFor[[]string]()}
	if err := json.Unmarshal(b, &items); err != nil {
		return bad
	}
	out := make(FlexList, 0, len(items))
	for _, it := range items {
		switch v := it.(type) {
		case string:
			out = append(out, v)
		case float64:
			out = append(out, strconv.FormatFloat(v, 'f', -1, 64))
		default:
			return bad
		}
	}
	*l = out
	return nil
}

// JSONAssertion compares the value at a gjson path of the response body.
type JSONAssertion struct {
	Path  string `json:"path"`
	Op    string `json:"op"` // equals not_equals lt gt contains exists
	Value string `json:"value,omitempty"`
}

// JSONOps lists the JSON assertion operators.
var JSONOps = []string{"equals", "not_equals", "lt", "gt", "contains", "exists"}

// DNSRecordTypes lists the record types a dns monitor can query.
var DNSRecordTypes = []string{"A", "AAAA", "CNAME", "MX", "TXT", "NS", "CAA", "SRV", "SOA"}

// Spec is a monitor's definition as people write it: the common fields and
// the type-specific Config.
type Spec struct {
	Name              string
	Type              string
	Target            string // URL for http, host:port for tls/tcp, name for dns, host for ping
	IntervalSeconds   int
	TimeoutSeconds    int
	FailureThreshold  int
	RecoveryThreshold int
	ConfirmRecheck    bool
	Description       string
	Tags              []string
	Config            Config
}

// FieldError names the field of a Spec that is wrong.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func bad(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Defaults fills unset fields with their defaults.
func (s *Spec) Defaults() {
	if s.IntervalSeconds == 0 {
		s.IntervalSeconds = 60
	}
	if s.TimeoutSeconds == 0 {
		s.TimeoutSeconds = 10
		if s.TimeoutSeconds >= s.IntervalSeconds && s.IntervalSeconds > 1 {
			s.TimeoutSeconds = s.IntervalSeconds - 1
		}
	}
	if s.FailureThreshold == 0 {
		s.FailureThreshold = 1
	}
	if s.RecoveryThreshold == 0 {
		s.RecoveryThreshold = 1
	}
	c := &s.Config
	switch s.Type {
	case "http":
		if c.Method == "" {
			c.Method = "GET"
		}
		c.Method = strings.ToUpper(c.Method)
		if c.MaxRedirects == 0 {
			c.MaxRedirects = 10
		}
		if c.MaxBodyBytes == 0 {
			c.MaxBodyBytes = 1 << 20
		}
		if c.CertWarnDays == nil {
			c.CertWarnDays = intPtr(DefaultCertWarnDays)
		}
	case "tls":
		if c.CertWarnDays == nil {
			c.CertWarnDays = intPtr(DefaultCertWarnDays)
		}
	case "dns":
		c.RecordType = strings.ToUpper(c.RecordType)
		if c.RecordType == "" {
			c.RecordType = "A"
		}
		if c.DNSProtocol == "" {
			c.DNSProtocol = "udp"
		}
		if c.ExpectMode == "" && len(c.Expect) > 0 {
			c.ExpectMode = "contains_all"
		}
		if c.ExpectRcode == "" {
			c.ExpectRcode = "NOERROR"
		}
		c.ExpectRcode = strings.ToUpper(c.ExpectRcode)
	case "ping":
		if c.PingCount == 0 {
			c.PingCount = 3
		}
	case "push":
		if c.PushCron != "" && c.PushTimezone == "" {
			c.PushTimezone = "UTC"
		}
	}
}

// Validate checks every field, returning a *FieldError for the first
// wrong one.
func (s *Spec) Validate(restrictTargets bool) error {
	s.Name = strings.TrimSpace(s.Name)
	s.Target = strings.TrimSpace(s.Target)
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 200 {
		return bad("name", "give the monitor a name of 1 to 200 characters")
	}
	if !utf8.ValidString(s.Name) || hasControl(s.Name) {
		return bad("name", "must not hold control characters")
	}
	if !validType(s.Type) {
		return bad("type", "must be one of %s", strings.Join(Types, ", "))
	}
	if s.IntervalSeconds < 10 || s.IntervalSeconds > 86400 {
		return bad("interval_seconds", "must be from 10 to 86400 seconds")
	}
	if s.TimeoutSeconds < 1 || s.TimeoutSeconds > 300 {
		return bad("timeout_seconds", "must be from 1 to 300 seconds")
	}
	if s.Type != "push" && s.Type != "manual" && s.TimeoutSeconds > s.IntervalSeconds {
		return bad("timeout_seconds", "must not be longer than the interval")
	}
	if s.FailureThreshold < 1 || s.FailureThreshold > 100 {
		return bad("failure_threshold", "must be from 1 to 100")
	}
	if s.RecoveryThreshold < 1 || s.RecoveryThreshold > 100 {
		return bad("recovery_threshold", "must be from 1 to 100")
	}
	if utf8.RuneCountInString(s.Description) > 2000 {
		return bad("description", "must be at most 2000 characters")
	}
	if err := validTags(s.Tags); err != nil {
		return err
	}
	if s.Config.DegradedLatencyMS < 0 || s.Config.DegradedLatencyMS > 300000 {
		return bad("degraded_latency_ms", "must be from 0 (off) to 300000")
	}
	if w := s.Config.CertWarnDays; w != nil && (*w < 0 || *w > 365) {
		return bad("cert_warn_days", "must be from 0 to 365 days")
	}
	if err := validSizes(&s.Config); err != nil {
		return err
	}
	switch s.Type {
	case "http":
		return s.validateHTTP(restrictTargets)
	case "tls":
		return validHostPort("target", s.Target, "443", restrictTargets)
	case "dns":
		return s.validateDNS(restrictTargets)
	case "tcp":
		if err := validHostPort("target", s.Target, "", restrictTargets); err != nil {
			return err
		}
		if len(s.Config.Send) > 4096 || len(s.Config.ExpectReply) > 4096 {
			return bad("send", "send and expect_reply hold at most 4096 bytes")
		}
	case "ping":
		return s.validatePing(restrictTargets)
	case "push":
		return s.validatePush()
	}
	return nil
}

// Bounds on the size of settings, whatever the type, so a monitor's
// stored and in-memory definition stays small. (Secrets are bounded
// before they are sealed, by the caller.)
const (
	maxHeaders      = 50
	maxHeaderLen    = 8 << 10
	maxRequestBody  = 64 << 10
	maxExpect       = 100
	maxExpectLen    = 1000
	maxSettingLen   = 1000
	maxAssertionVal = 1000
)

func validSizes(c *Config) error {
	if len(c.Headers) > maxHeaders {
		return bad("headers", "at most %d headers", maxHeaders)
	}
	for k, v := range c.Headers {
		if len(k)+len(v) > maxHeaderLen {
			return bad("headers", "header %.40q is longer than %d bytes", k, maxHeaderLen)
		}
	}
	if len(c.Body) > maxRequestBody {
		return bad("body", "must be at most %d bytes", maxRequestBody)
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{
		{"basic_auth_user", c.BasicAuthUser, maxSettingLen}, {"dns_server", c.DNSServer, maxSettingLen},
		{"push_cron", c.PushCron, maxSettingLen}, {"push_timezone", c.PushTimezone, maxSettingLen},
		{"method", c.Method, 20}, {"record_type", c.RecordType, 20}, {"dns_protocol", c.DNSProtocol, 20},
		{"expect_mode", c.ExpectMode, 20}, {"expect_rcode", c.ExpectRcode, 20},
	} {
		if len(f.v) > f.max {
			return bad(f.name, "must be at most %d bytes", f.max)
		}
	}
	if len(c.AcceptedStatusCodes) > maxExpect {
		return bad("accepted_status_codes", "at most %d codes or ranges", maxExpect)
	}
	for _, v := range c.AcceptedStatusCodes {
		if len(v) > maxSettingLen {
			return bad("accepted_status_codes", "each entry is at most %d bytes", maxSettingLen)
		}
	}
	if len(c.Expect) > maxExpect {
		return bad("expect", "at most %d values", maxExpect)
	}
	for _, v := range c.Expect {
		if len(v) > maxExpectLen {
			return bad("expect", "each value is at most %d bytes", maxExpectLen)
		}
	}
	if len(c.JSONAssertions) > 20 {
		return bad("json_assertions", "at most 20 assertions")
	}
	for _, a := range c.JSONAssertions {
		if len(a.Value) > maxAssertionVal {
			return bad("json_assertions.value", "must be at most %d bytes", maxAssertionVal)
		}
	}
	return nil
}

func validType(t string) bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

func validTags(tags []string) error {
	if len(tags) > 20 {
		return bad("tags", "at most 20 tags")
	}
	for i, t := range tags {
		tags[i] = strings.TrimSpace(t)
		if tags[i] == "" || utf8.RuneCountInString(tags[i]) > 40 || strings.Contains(tags[i], ",") || hasControl(tags[i]) {
			return bad("tags", "each tag is 1 to 40 characters without commas")
		}
	}
	return nil
}

func (s *Spec) validateHTTP(restrict bool) error {
	u, err := url.Parse(s.Target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return bad("url", "must be an http:// or https:// URL with a host")
	}
	if err := validHost("url", u.Hostname(), restrict); err != nil {
		return err
	}
	if p := u.Port(); p != "" && !validPort(p) {
		return bad("url", "port must be from 1 to 65535")
	}
	c := &s.Config
	switch c.Method {
	case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS":
	default:
		return bad("method", "must be GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS")
	}
	for k, v := range c.Headers {
		if k == "" || strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(v, "\r\n") {
			return bad("headers", "header %q is not a valid header name and value", k)
		}
	}
	if _, err := ParseStatusCodes(c.AcceptedStatusCodes); err != nil {
		return bad("accepted_status_codes", "%v", err)
	}
	if c.MaxRedirects < 0 || c.MaxRedirects > 30 {
		return bad("max_redirects", "must be from 0 to 30")
	}
	if c.MaxBodyBytes < 1 || c.MaxBodyBytes > 10<<20 {
		return bad("max_body_bytes", "must be from 1 to 10485760")
	}
	if len(c.Keyword) > 1000 {
		return bad("keyword", "must be at most 1000 characters")
	}
	if len(c.JSONAssertions) > 20 {
		return bad("json_assertions", "at most 20 assertions")
	}
	for i := range c.JSONAssertions {
		if err := c.JSONAssertions[i].validate(); err != nil {
			return err
		}
	}
	return nil
}

func (a *JSONAssertion) validate() error {
	a.Path = strings.TrimSpace(a.Path)
	if err := ValidJSONPath(a.Path); err != nil {
		return bad("json_assertions.path", "%v", err)
	}
	ok := false
	for _, op := range JSONOps {
		ok = ok || op == a.Op
	}
	if !ok {
		return bad("json_assertions.op", "must be one of %s", strings.Join(JSONOps, ", "))
	}
	if (a.Op == "lt" || a.Op == "gt") && !isNumber(a.Value) {
		return bad("json_assertions.value", "%s compares numbers; %q is not a number", a.Op, a.Value)
	}
	return nil
}

// isNumber reports whether s is a finite decimal number (NaN and
// infinities compare false or true with everything, so they are refused).
func isNumber(s string) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
}

// hasControl reports whether s holds a control character.
func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// ValidJSONPath refuses paths gjson would silently misread: empty, with
// spaces at the ends, control characters, or unbalanced brackets.
func ValidJSONPath(p string) error {
	if p == "" {
		return fmt.Errorf("give a path such as data.items.# or status")
	}
	if len(p) > 500 {
		return fmt.Errorf("path is longer than 500 characters")
	}
	if strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, "..") {
		return fmt.Errorf("path %q has an empty part", p)
	}
	depth := []rune{}
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	escaped := false
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("path holds a control character")
		}
		if escaped {
			escaped = false
			continue
		}
		switch r {
		case '\\':
			escaped = true
		case '(', '[', '{':
			depth = append(depth, r)
		case ')', ']', '}':
			if len(depth) == 0 || depth[len(depth)-1] != pairs[r] {
				return fmt.Errorf("path %q has an unbalanced %q", p, r)
			}
			depth = depth[:len(depth)-1]
		}
	}
	if len(depth) > 0 || escaped {
		return fmt.Errorf("path %q is not closed", p)
	}
	return nil
}

func (s *Spec) validateDNS(restrict bool) error {
	c := &s.Config
	name := strings.TrimSuffix(s.Target, ".")
	if _, ok := dns.IsDomainName(name); !ok || name == "" || strings.ContainsAny(name, " /:@") {
		return bad("target", "must be a domain name such as example.com")
	}
	ok := false
	for _, t := range DNSRecordTypes {
		ok = ok || t == c.RecordType
	}
	if !ok {
		return bad("record_type", "must be one of %s", strings.Join(DNSRecordTypes, ", "))
	}
	switch c.DNSProtocol {
	case "udp", "tcp", "tls":
		if c.DNSServer != "" {
			def := "53"
			if c.DNSProtocol == "tls" {
				def = "853"
			}
			if err := validHostPort("dns_server", c.DNSServer, def, restrict); err != nil {
				return err
			}
		}
	case "https":
		u, err := url.Parse(c.DNSServer)
		if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
			return bad("dns_server", "DNS over HTTPS needs the server's URL, e.g. https://dns.example/dns-query")
		}
		if err := validHost("dns_server", u.Hostname(), restrict); err != nil {
			return err
		}
	default:
		return bad("dns_protocol", "must be udp, tcp, tls or https")
	}
	switch c.ExpectMode {
	case "", "contains_all", "contains_any", "exactly":
	default:
		return bad("expect_mode", "must be contains_all, contains_any or exactly")
	}
	if c.ExpectMode != "" && len(c.Expect) == 0 {
		return bad("expect", "list the values to expect for %s", c.ExpectMode)
	}
	if c.ExpectCount != nil && (*c.ExpectCount < 0 || *c.ExpectCount > 1000) {
		return bad("expect_count", "must be from 0 to 1000")
	}
	if _, ok := dns.StringToRcode[c.ExpectRcode]; !ok {
		return bad("expect_rcode", "must be an rcode such as NOERROR or NXDOMAIN")
	}
	return nil
}

func (s *Spec) validatePing(restrict bool) error {
	if err := validHost("target", s.Target, restrict); err != nil {
		return err
	}
	c := &s.Config
	if c.PingCount < 1 || c.PingCount > 20 {
		return bad("ping_count", "must be from 1 to 20")
	}
	if c.MaxLossPercent != nil && (*c.MaxLossPercent < 0 || *c.MaxLossPercent > 100) {
		return bad("max_loss_percent", "must be from 0 to 100")
	}
	return nil
}

func (s *Spec) validatePush() error {
	c := &s.Config
	if c.GraceSeconds < 0 || c.GraceSeconds > 86400 {
		return bad("grace_seconds", "must be from 0 to 86400")
	}
	if c.MaxRunSeconds < 0 || c.MaxRunSeconds > 7*86400 {
		return bad("max_run_seconds", "must be from 0 (no limit) to 604800")
	}
	if c.PushTimezone != "" {
		if _, err := time.LoadLocation(c.PushTimezone); err != nil {
			return bad("push_timezone", "unknown time zone %q", c.PushTimezone)
		}
	}
	if c.PushCron != "" {
		sch, err := ParsePushCron(c.PushCron, c.PushTimezone)
		if err != nil {
			return bad("push_cron", "%v", err)
		}
		if sch.Next(time.Now()).IsZero() {
			return bad("push_cron", "%q never matches a date (e.g. 30 February)", c.PushCron)
		}
	}
	return nil
}

// ParsePushCron parses a five-field cron expression in a time zone.
func ParsePushCron(expr, tz string) (cron.Schedule, error) {
	if strings.Contains(expr, "TZ=") {
		return nil, fmt.Errorf("give the time zone in push_timezone, not in the expression")
	}
	if strings.HasPrefix(strings.TrimSpace(expr), "@every") {
		return nil, fmt.Errorf("@every is not a cron schedule; leave push_cron empty and set interval_seconds")
	}
	if tz == "" {
		tz = "UTC"
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, fmt.Errorf("unknown time zone %q", tz)
	}
	sch, err := cron.ParseStandard("CRON_TZ=" + tz + " " + strings.TrimSpace(expr))
	if err != nil {
		return nil, fmt.Errorf("not a cron expression (minute hour day month weekday): %v", err)
	}
	return sch, nil
}

// validHostPort checks host:port (the port may default to def).
func validHostPort(field, hp, def string, restrict bool) error {
	host, port, err := net.SplitHostPort(hp)
	if err != nil {
		if def == "" {
			return bad(field, "must be host:port, e.g. db.example.com:5432")
		}
		host, port = strings.Trim(hp, "[]"), def
	}
	if !validPort(port) {
		return bad(field, "port must be from 1 to 65535")
	}
	return validHost(field, host, restrict)
}

// validPort reports whether p is a port number from 1 to 65535 written in
// plain digits (no sign).
func validPort(p string) bool {
	if p == "" || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return false
	}
	n, _ := strconv.Atoi(p)
	return n >= 1 && n <= 65535
}

// validHost checks a host name or IP literal; with restrict, literal
// loopback, private and link-local addresses are refused (names are also
// checked when the check dials).
func validHost(field, host string, restrict bool) error {
	if host == "" {
		return bad(field, "needs a host")
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if MetadataAddr(ip.WithZone("")) {
			return bad(field, "%s is a cloud metadata address, which is never checked", host)
		}
		if restrict && !PublicAddr(ip) {
			return bad(field, "%s is a loopback, private or link-local address, which this instance refuses", host)
		}
		return nil
	}
	if _, ok := dns.IsDomainName(host); !ok || strings.ContainsAny(host, " /\\@?#:[]%") || len(host) > 253 {
		return bad(field, "%q is not a valid host name", host)
	}
	if metadataName(host) {
		return bad(field, "%s is a cloud metadata address, which is never checked", host)
	}
	if restrict && (host == "localhost" || strings.HasSuffix(host, ".localhost")) {
		return bad(field, "%s is a loopback name, which this instance refuses", host)
	}
	return nil
}

// metadataName reports whether host names a cloud metadata service.
func metadataName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "metadata.google.internal"
}

// PublicAddr reports whether ip is a public unicast address (not loopback,
// private, link-local, unspecified or multicast).
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() &&
		!ip.IsLinkLocalMulticast() && !ip.IsUnspecified() && !ip.IsMulticast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(ip)
}

// ParseStatusCodes parses accepted status codes: single codes ("200") and
// ranges ("200-299"). An empty list means 200-399.
func ParseStatusCodes(list []string) ([][2]int, error) {
	if len(list) == 0 {
		return [][2]int{{200, 399}}, nil
	}
	var out [][2]int
	for _, item := range list {
		for _, part := range strings.Split(item, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			lo, hi, isRange := strings.Cut(part, "-")
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b := a
			var err2 error
			if isRange {
				b, err2 = strconv.Atoi(strings.TrimSpace(hi))
			}
			if err1 != nil || err2 != nil || a < 100 || b > 599 || a > b {
				return nil, fmt.Errorf("%q is not a status code (100-599) or range such as 200-299", part)
			}
			out = append(out, [2]int{a, b})
		}
	}
	if len(out) == 0 {
		return [][2]int{{200, 399}}, nil
	}
	return out, nil
}

// ConfigJSON encodes c for monitors.config.
func ConfigJSON(c Config) string {
	b, _ := json.Marshal(c)
	return string(b)
}

// ParseConfig decodes monitors.config; a broken value is an empty Config.
func ParseConfig(raw string) Config {
	var c Config
	if raw != "" {
		json.Unmarshal([]byte(raw), &c)
	}
	return c
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}
