// Package issues owns error tracking: the Sentry ingest protocol (auth,
// decompression, envelopes), the durable ingest queue, event
// normalisation, grouping, the issue lifecycle and release health.
package issues

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Auth is what a request says about who sends it.
type Auth struct {
	PublicKey string
	Client    string
	Version   string
}

// ParseAuth reads the public key from the forms SDKs use: the sentry_key
// query parameter, the X-Sentry-Auth header, or Authorization: Sentry ….
// The envelope header's dsn is read by the caller when this finds none.
func ParseAuth(r *http.Request) Auth {
	var a Auth
	if h := r.Header.Get("X-Sentry-Auth"); h != "" {
		a = parseAuthHeader(h)
	}
	if a.PublicKey == "" {
		if h := r.Header.Get("Authorization"); h != "" {
			a = parseAuthHeader(h)
		}
	}
	if a.PublicKey == "" {
		q := r.URL.Query()
		a.PublicKey = strings.TrimSpace(q.Get("sentry_key"))
		if a.Client == "" {
			a.Client = q.Get("sentry_client")
		}
		if a.Version == "" {
			a.Version = q.Get("sentry_version")
		}
	}
	a.PublicKey = strings.ToLower(a.PublicKey)
	return a
}

// parseAuthHeader reads "Sentry sentry_key=…, sentry_version=7, …".
func parseAuthHeader(h string) Auth {
	var a Auth
	h = strings.TrimSpace(h)
	if len(h) < 7 || !strings.EqualFold(h[:7], "sentry ") {
		return a
	}
	for part := range strings.SplitSeq(h[7:], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v = strings.Trim(strings.TrimSpace(v), `"`)
		switch strings.TrimSpace(k) {
		case "sentry_key":
			a.PublicKey = v
		case "sentry_client":
			a.Client = v
		case "sentry_version":
			a.Version = v
		}
	}
	return a
}

// DSN is a parsed Data Source Name.
type DSN struct {
	PublicKey string
	ProjectID int64
	Host      string
}

// ParseDSN reads http(s)://<key>@<host>[/path]/<project id>.
func ParseDSN(s string) (DSN, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.User == nil || (u.Scheme != "http" && u.Scheme != "https") {
		return DSN{}, false
	}
	p := strings.TrimRight(u.Path, "/")
	i := strings.LastIndexByte(p, '/')
	id, err := strconv.ParseInt(p[i+1:], 10, 64)
	if err != nil || id <= 0 {
		return DSN{}, false
	}
	return DSN{PublicKey: strings.ToLower(u.User.Username()), ProjectID: id, Host: u.Host}, true
}

// ValidKey reports whether k looks like a public key: 32 hex digits.
func ValidKey(k string) bool {
	if len(k) != 32 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
