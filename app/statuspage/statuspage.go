// Package statuspage owns what status pages are made of: pages, components,
// the incidents and maintenance shown on them, subscribers and their
// delivery outbox, and the public outputs built from one snapshot of a page
// (the Statuspage v2 JSON, Atom and RSS feeds, SVG badges, the Shields
// endpoint) kept as ready bytes in a cache.
package statuspage

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Component statuses, with the names Atlassian Statuspage uses.
const (
	Operational = "operational"
	Degraded    = "degraded_performance"
	Partial     = "partial_outage"
	Major       = "major_outage"
	UnderMaint  = "under_maintenance"
)

// ComponentStatuses lists the component statuses, best first.
var ComponentStatuses = []string{Operational, UnderMaint, Degraded, Partial, Major}

// IncidentStatuses are the states of an incident's life.
var IncidentStatuses = []string{"investigating", "identified", "monitoring", "resolved"}

// Impacts are the severities of an incident.
var Impacts = []string{"none", "minor", "major", "critical"}

// Access values of a page.
const (
	AccessPublic   = "public"
	AccessPassword = "password"
	AccessTeam     = "team"
)

// ErrInvalid wraps validation errors; Field names what is wrong.
type ErrInvalid struct {
	Field   string
	Message string
}

func (e *ErrInvalid) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) error {
	return &ErrInvalid{Field: field, Message: fmt.Sprintf(format, args...)}
}

// AsInvalid returns the validation error inside err, if any.
func AsInvalid(err error) (*ErrInvalid, bool) {
	var e *ErrInvalid
	ok := errors.As(err, &e)
	return e, ok
}

// rank orders component statuses from best to worst.
func rank(status string) int {
	for i, s := range ComponentStatuses {
		if s == status {
			return i
		}
	}
	return 0
}

// Worse returns the worse of two component statuses.
func Worse(a, b string) string {
	if rank(b) > rank(a) {
		return b
	}
	if a == "" {
		return Operational
	}
	return a
}

// ValidComponentStatus reports whether s is a component status.
func ValidComponentStatus(s string) bool { return contains(ComponentStatuses, s) }

// ValidIncidentStatus reports whether s is an incident status.
func ValidIncidentStatus(s string) bool { return contains(IncidentStatuses, s) }

// ValidImpact reports whether s is an impact.
func ValidImpact(s string) bool { return contains(Impacts, s) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// StatusLabel is the human label of a component status.
func StatusLabel(s string) string {
	switch s {
	case Degraded:
		return "Degraded performance"
	case Partial:
		return "Partial outage"
	case Major:
		return "Major outage"
	case UnderMaint:
		return "Under maintenance"
	}
	return "Operational"
}

// StatusClass is the CSS state class shared with the dashboard pills.
func StatusClass(s string) string {
	switch s {
	case Degraded:
		return "degraded"
	case Partial, Major:
		return "down"
	case UnderMaint:
		return "maintenance"
	}
	return "up"
}

// FromMonitor maps a monitor status to a component status; ok is false for
// states that say nothing (unknown, paused).
func FromMonitor(status string) (string, bool) {
	switch status {
	case "up":
		return Operational, true
	case "degraded":
		return Degraded, true
	case "down":
		return Major, true
	case "maintenance":
		return UnderMaint, true
	}
	return "", false
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// reservedSlugs would shadow nothing today but keep room for page-level
// routes.
var reservedSlugs = map[string]bool{"api": true, "static": true, "new": true}

// ValidSlug checks a page slug: lowercase letters, digits and inner dashes.
func ValidSlug(s string) error {
	if !slugRE.MatchString(s) || reservedSlugs[s] {
		return invalid("slug", "use 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash")
	}
	return nil
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// ValidColor checks a brand colour (#rrggbb, or empty).
func ValidColor(s string) error {
	if s != "" && !colorRE.MatchString(s) {
		return invalid("brand_color", "use a colour like #4f46e5")
	}
	return nil
}

// ValidURL checks an http(s) URL (or empty).
func ValidURL(field, s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 {
		return invalid(field, "use an http:// or https:// URL")
	}
	return nil
}

var hostRE = regexp.MustCompile(`^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$`)

// ValidDomain checks a custom domain name (or empty).
func ValidDomain(s string) error {
	if s != "" && (!hostRE.MatchString(s) || len(s) > 253) {
		return invalid("custom_domain", "use a host name such as status.example.com")
	}
	return nil
}

// ValidTimezone checks an IANA time zone name.
func ValidTimezone(s string) error {
	if _, err := time.LoadLocation(s); err != nil || s == "" || s == "Local" {
		return invalid("timezone", "use an IANA time zone such as Europe/Berlin or UTC")
	}
	return nil
}

// ValidCSS refuses custom CSS that could leave the style element or is too
// large. The page also escapes every "<" it writes into the element.
func ValidCSS(s string) error {
	if len(s) > 20000 {
		return invalid("custom_css", "keep custom CSS under 20,000 characters")
	}
	if strings.Contains(s, "<") {
		return invalid("custom_css", "custom CSS cannot contain \"<\" (it would close the style element)")
	}
	if strings.Contains(cssPlain(s), "@import") {
		return invalid("custom_css", "custom CSS cannot @import other style sheets")
	}
	return nil
}

// cssPlain is CSS without comments and escapes, lowercased, so rules
// spelled with escapes (@\69mport) or split by comments are still seen.
func cssPlain(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return strings.ToLower(b.String())
			}
			i += end + 3
		case s[i] == '\\' && i+1 < len(s):
			j := i + 1
			for j < len(s) && j < i+7 && isHex(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteByte(s[j])
				i = j
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 32)
			b.WriteRune(rune(n))
			if j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n') {
				j++
			}
			i = j - 1
		default:
			b.WriteByte(s[i])
		}
	}
	return strings.ToLower(b.String())
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// trimLen trims s and checks its length.
func trimLen(field, s string, min, max int) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) < min {
		return s, invalid(field, "is required")
	}
	if len(s) > max {
		return s, invalid(field, "keep it under %d characters", max)
	}
	return s, nil
}
