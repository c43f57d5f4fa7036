package issues

import (
	"regexp"
	"strings"
)

// Filtered replaces scrubbed values.
const Filtered = "[Filtered]"

// defaultSensitive are parts of field names whose values are scrubbed.
var defaultSensitive = []string{"password", "passwd", "secret", "token", "api_key", "apikey", "auth",
	"credentials", "cookie", "session", "csrf", "xsrf", "private_key", "privatekey", "card", "cvv", "ssn"}

var cardNumber = regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`)

// Scrubber removes sensitive values from events: fields whose names look
// secret, auth headers, cookies, and card numbers anywhere in text.
type Scrubber struct {
	Enabled bool
	// Fields are extra field names (case-insensitive substrings) to scrub.
	Fields []string
}

func (s Scrubber) sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, p := range defaultSensitive {
		if strings.Contains(k, p) {
			return true
		}
	}
	for _, p := range s.Fields {
		if p != "" && strings.Contains(k, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// Event scrubs an event in place.
func (s Scrubber) Event(ev *Event) {
	if !s.Enabled {
		return
	}
	if r := ev.Request; r != nil {
		r.Headers = s.pairs(r.Headers)
		for i := range r.Cookies {
			r.Cookies[i][1] = Filtered
		}
		r.QueryString = s.query(r.QueryString)
		r.Data = s.value(r.Data)
		r.Env = s.object(r.Env)
	}
	ev.Extra = s.object(ev.Extra)
	ev.Contexts = s.object(ev.Contexts)
	if ev.User != nil {
		ev.User.Data = s.object(ev.User.Data)
	}
	for i := range ev.Breadcrumbs {
		ev.Breadcrumbs[i].Data = s.object(ev.Breadcrumbs[i].Data)
		ev.Breadcrumbs[i].Message = s.text(ev.Breadcrumbs[i].Message)
	}
	s.stack(ev.Stacktrace)
	for i := range ev.Exceptions {
		ev.Exceptions[i].Value = s.text(ev.Exceptions[i].Value)
		s.stack(ev.Exceptions[i].Stacktrace)
	}
	for i := range ev.Threads {
		s.stack(ev.Threads[i].Stacktrace)
	}
	ev.Message = s.text(ev.Message)
	if ev.LogEntry != nil {
		ev.LogEntry.Formatted = s.text(ev.LogEntry.Formatted)
		for i, p := range ev.LogEntry.Params {
			ev.LogEntry.Params[i] = s.text(p)
		}
	}
	for k, v := range ev.Tags {
		if s.sensitive(k) {
			ev.Tags[k] = Filtered
		} else {
			ev.Tags[k] = s.text(v)
		}
	}
	for i, p := range ev.TagList {
		ev.TagList[i][1] = ev.Tags[p[0]]
	}
}

func (s Scrubber) stack(st *Stacktrace) {
	if st == nil {
		return
	}
	for i := range st.Frames {
		st.Frames[i].Vars = s.object(st.Frames[i].Vars)
	}
}

func (s Scrubber) pairs(p [][2]string) [][2]string {
	for i := range p {
		k := strings.ToLower(p[i][0])
		if s.sensitive(k) || k == "authorization" || k == "x-api-key" || k == "proxy-authorization" {
			p[i][1] = Filtered
		} else {
			p[i][1] = s.text(p[i][1])
		}
	}
	return p
}

func (s Scrubber) query(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, part := range parts {
		k, _, ok := strings.Cut(part, "=")
		if ok && s.sensitive(k) {
			parts[i] = k + "=" + Filtered
		}
	}
	return s.text(strings.Join(parts, "&"))
}

func (s Scrubber) object(m map[string]any) map[string]any {
	for k, v := range m {
		if s.sensitive(k) {
			m[k] = Filtered
		} else {
			m[k] = s.value(v)
		}
	}
	return m
}

func (s Scrubber) value(v any) any {
	switch x := v.(type) {
	case string:
		return s.text(x)
	case map[string]any:
		return s.object(x)
	case []any:
		for i := range x {
			x[i] = s.value(x[i])
		}
	}
	return v
}

// text replaces card numbers (those passing the Luhn check) in free text.
func (s Scrubber) text(t string) string {
	if len(t) < 13 {
		return t
	}
	return cardNumber.ReplaceAllStringFunc(t, func(m string) string {
		if luhn(m) {
			return Filtered
		}
		return m
	})
}

func luhn(s string) bool {
	sum, n, double := 0, 0, false
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
		double = !double
	}
	return n >= 13 && sum%10 == 0
}
