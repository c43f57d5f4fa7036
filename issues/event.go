package issues

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is a normalised event: what the issue pages show and the API
// answers for /api/v1/events/{id}.
type Event struct {
	EventID     string            `json:"id"`
	IssueID     int64             `json:"issue_id,omitempty"`
	ProjectID   int64             `json:"project_id"`
	Timestamp   time.Time         `json:"timestamp"`
	ReceivedAt  time.Time         `json:"received_at"`
	Level       string            `json:"level"`
	Platform    string            `json:"platform"`
	Logger      string            `json:"logger,omitempty"`
	Title       string            `json:"title"`
	Culprit     string            `json:"culprit"`
	Message     string            `json:"message"`
	LogEntry    *LogEntry         `json:"logentry,omitempty"`
	Release     string            `json:"release"`
	Environment string            `json:"environment"`
	Dist        string            `json:"dist,omitempty"`
	Transaction string            `json:"transaction,omitempty"`
	ServerName  string            `json:"server_name,omitempty"`
	User        *User             `json:"user"`
	Tags        map[string]string `json:"tags"`
	TagList     [][2]string       `json:"-"`
	Exceptions  []Exception       `json:"exceptions,omitempty"`
	Stacktrace  *Stacktrace       `json:"stacktrace,omitempty"`
	Threads     []Thread          `json:"threads,omitempty"`
	Breadcrumbs []Breadcrumb      `json:"breadcrumbs,omitempty"`
	Request     *Request          `json:"request,omitempty"`
	Contexts    map[string]any    `json:"contexts,omitempty"`
	Extra       map[string]any    `json:"extra,omitempty"`
	Modules     map[string]string `json:"modules,omitempty"`
	Fingerprint []string          `json:"fingerprint,omitempty"`
	SDK         *SDK              `json:"sdk,omitempty"`
	Grouping    *Grouping         `json:"grouping,omitempty"`
	Notes       []string          `json:"processing_notes,omitempty"`
}

// LogEntry is a message with its template and parameters.
type LogEntry struct {
	Message   string   `json:"message,omitempty"`
	Formatted string   `json:"formatted"`
	Params    []string `json:"params,omitempty"`
}

// User is who was affected.
type User struct {
	ID        string         `json:"id,omitempty"`
	Email     string         `json:"email,omitempty"`
	Username  string         `json:"username,omitempty"`
	IPAddress string         `json:"ip_address,omitempty"`
	Name      string         `json:"name,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// Key is the user's identity for unique-user counts: id, e-mail,
// username or IP, whichever comes first.
func (u *User) Key() string {
	switch {
	case u == nil:
		return ""
	case u.ID != "":
		return "id:" + u.ID
	case u.Email != "":
		return "email:" + strings.ToLower(u.Email)
	case u.Username != "":
		return "username:" + u.Username
	case u.IPAddress != "":
		return "ip:" + u.IPAddress
	}
	return ""
}

// Exception is one exception of a (possibly chained) error.
type Exception struct {
	Type       string         `json:"type"`
	Value      string         `json:"value"`
	Module     string         `json:"module,omitempty"`
	ThreadID   string         `json:"thread_id,omitempty"`
	Mechanism  map[string]any `json:"mechanism,omitempty"`
	Handled    *bool          `json:"handled,omitempty"`
	Stacktrace *Stacktrace    `json:"stacktrace,omitempty"`
}

// Stacktrace is a list of frames, oldest call first.
type Stacktrace struct {
	Frames []Frame `json:"frames"`
}

// Frame is one stack frame.
type Frame struct {
	Function    string         `json:"function,omitempty"`
	Module      string         `json:"module,omitempty"`
	Package     string         `json:"package,omitempty"`
	Filename    string         `json:"filename,omitempty"`
	AbsPath     string         `json:"abs_path,omitempty"`
	Lineno      int64          `json:"lineno,omitempty"`
	Colno       int64          `json:"colno,omitempty"`
	InApp       bool           `json:"in_app"`
	ContextLine string         `json:"context_line,omitempty"`
	PreContext  []string       `json:"pre_context,omitempty"`
	PostContext []string       `json:"post_context,omitempty"`
	Vars        map[string]any `json:"vars,omitempty"`
	Platform    string         `json:"platform,omitempty"`
}

// Thread is one thread, possibly with its stack.
type Thread struct {
	ID         string      `json:"id,omitempty"`
	Name       string      `json:"name,omitempty"`
	Crashed    bool        `json:"crashed,omitempty"`
	Current    bool        `json:"current,omitempty"`
	Stacktrace *Stacktrace `json:"stacktrace,omitempty"`
}

// Breadcrumb is one entry of the trail before the event.
type Breadcrumb struct {
	Timestamp time.Time      `json:"timestamp"`
	Type      string         `json:"type,omitempty"`
	Category  string         `json:"category,omitempty"`
	Level     string         `json:"level,omitempty"`
	Message   string         `json:"message,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// Request is the HTTP request the event happened in.
type Request struct {
	URL         string         `json:"url,omitempty"`
	Method      string         `json:"method,omitempty"`
	QueryString string         `json:"query_string,omitempty"`
	Headers     [][2]string    `json:"headers,omitempty"`
	Cookies     [][2]string    `json:"cookies,omitempty"`
	Data        any            `json:"data,omitempty"`
	Env         map[string]any `json:"env,omitempty"`
}

// SDK names the client that sent the event.
type SDK struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Limits on normalised values; longer values are trimmed, never refused.
const (
	maxMessage     = 8192
	maxTitle       = 200
	maxShort       = 200
	maxTagKey      = 32
	maxTagValue    = 200
	maxTags        = 100
	maxBreadcrumbs = 100
	maxFrames      = 250
	maxExceptions  = 25
	maxThreads     = 50
	maxValueDepth  = 6
	maxValueString = 1024
	maxValueItems  = 100
)

// rawEvent is the wire shape, decoded leniently.
type rawEvent struct {
	EventID     lstr            `json:"event_id"`
	Timestamp   json.RawMessage `json:"timestamp"`
	Level       lstr            `json:"level"`
	Platform    lstr            `json:"platform"`
	Logger      lstr            `json:"logger"`
	Message     json.RawMessage `json:"message"`
	LogEntry    json.RawMessage `json:"logentry"`
	SentryMsg   json.RawMessage `json:"sentry.interfaces.Message"`
	Release     lstr            `json:"release"`
	Environment lstr            `json:"environment"`
	Dist        lstr            `json:"dist"`
	Transaction lstr            `json:"transaction"`
	ServerName  lstr            `json:"server_name"`
	Culprit     lstr            `json:"culprit"`
	User        json.RawMessage `json:"user"`
	Tags        json.RawMessage `json:"tags"`
	Exception   json.RawMessage `json:"exception"`
	Stacktrace  json.RawMessage `json:"stacktrace"`
	Threads     json.RawMessage `json:"threads"`
	Breadcrumbs json.RawMessage `json:"breadcrumbs"`
	Request     json.RawMessage `json:"request"`
	Contexts    lobj            `json:"contexts"`
	Extra       lobj            `json:"extra"`
	Modules     lobj            `json:"modules"`
	Fingerprint lstrs           `json:"fingerprint"`
	SDK         json.RawMessage `json:"sdk"`
}

// Meta is what the server knows about an event beyond its body.
type Meta struct {
	ProjectID  int64
	EventID    string // used when the body has none
	ClientIP   string
	ReceivedAt time.Time
	Scrub      Scrubber
}

// DecodeEvent parses and normalises an event payload. Only a body that
// is not a JSON object is an error; odd fields are dropped or trimmed.
func DecodeEvent(payload []byte, m Meta) (*Event, error) {
	var raw rawEvent
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || payload[0] != '{' {
		return nil, malformed("event is not a JSON object")
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return nil, malformed("event: %v", err)
	}
	ev := &Event{ProjectID: m.ProjectID, ReceivedAt: m.ReceivedAt.UTC()}
	ev.EventID = normEventID(string(raw.EventID))
	if ev.EventID == "" {
		ev.EventID = normEventID(m.EventID)
	}
	if ev.EventID == "" {
		return nil, malformed("event has no valid event_id")
	}
	ev.Timestamp = eventTime(raw.Timestamp, ev.ReceivedAt)
	ev.Level = normLevel(string(raw.Level))
	ev.Platform = trim(orDefault(string(raw.Platform), "other"), 64)
	ev.Logger = trim(string(raw.Logger), 64)
	ev.Release = trim(strings.TrimSpace(string(raw.Release)), maxShort)
	ev.Environment = trim(strings.TrimSpace(string(raw.Environment)), 64)
	ev.Dist = trim(string(raw.Dist), 64)
	ev.Transaction = trim(string(raw.Transaction), maxShort)
	ev.ServerName = trim(string(raw.ServerName), maxShort)

	ev.decodeMessage(raw)
	ev.decodeExceptions(raw.Exception)
	ev.Stacktrace = decodeStacktrace(raw.Stacktrace)
	ev.decodeThreads(raw.Threads)
	ev.markBuiltinFrames()
	ev.decodeBreadcrumbs(raw.Breadcrumbs)
	ev.decodeUser(raw.User, m.ClientIP)
	ev.decodeTags(raw.Tags)
	ev.Request = decodeRequest(raw.Request)
	ev.Contexts = trimMap(raw.Contexts, 0)
	ev.Extra = trimMap(raw.Extra, 0)
	ev.decodeModules(raw.Modules)
	ev.decodeSDK(raw.SDK)
	for _, f := range raw.Fingerprint {
		if len(ev.Fingerprint) < 20 {
			ev.Fingerprint = append(ev.Fingerprint, trim(f, maxShort))
		}
	}
	ev.Title, ev.Culprit = ev.titleAndCulprit(string(raw.Culprit))
	m.Scrub.Event(ev)
	return ev, nil
}

func normEventID(s string) string {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	if !isHex32(s) {
		return ""
	}
	return s
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// eventTime reads a timestamp (seconds as a number, or RFC 3339) and
// replaces times more than a minute in the future by the receive time.
func eventTime(b json.RawMessage, received time.Time) time.Time {
	t, ok := parseTime(b)
	if !ok || t.After(received.Add(time.Minute)) || t.Year() < 2000 {
		return received
	}
	return t.UTC()
}

func parseTime(b json.RawMessage) (time.Time, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return time.Time{}, false
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return time.Time{}, false
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return secondsTime(f)
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), true
			}
		}
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return time.Time{}, false
	}
	return secondsTime(f)
}

func secondsTime(f float64) (time.Time, bool) {
	if math.IsNaN(f) || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

var levels = map[string]string{"fatal": "fatal", "critical": "fatal", "error": "error", "warning": "warning",
	"warn": "warning", "info": "info", "log": "info", "debug": "debug"}

func normLevel(s string) string {
	if l, ok := levels[strings.ToLower(strings.TrimSpace(s))]; ok {
		return l
	}
	return "error"
}

func (ev *Event) decodeMessage(raw rawEvent) {
	var le struct {
		Message   lstr  `json:"message"`
		Formatted lstr  `json:"formatted"`
		Params    []any `json:"params"`
	}
	for _, b := range []json.RawMessage{raw.LogEntry, raw.SentryMsg, raw.Message} {
		b = bytes.TrimSpace(b)
		if len(b) == 0 || b[0] != '{' {
			continue
		}
		if json.Unmarshal(b, &le) == nil && (le.Message != "" || le.Formatted != "") {
			break
		}
	}
	if le.Message == "" && le.Formatted == "" {
		var s lstr
		s.UnmarshalJSON(raw.Message)
		if s == "" {
			return
		}
		le.Formatted = s
	}
	e := &LogEntry{Message: trim(string(le.Message), maxMessage)}
	for i, p := range le.Params {
		if i >= 50 {
			break
		}
		e.Params = append(e.Params, trim(scalarString(p), maxShort))
	}
	e.Formatted = trim(string(le.Formatted), maxMessage)
	if e.Formatted == "" {
		e.Formatted = formatLogEntry(e.Message, e.Params)
	}
	ev.LogEntry = e
	ev.Message = e.Formatted
}

// formatLogEntry fills %s-style (and {}-style) placeholders with params.
func formatLogEntry(msg string, params []string) string {
	if len(params) == 0 {
		return msg
	}
	var b strings.Builder
	i := 0
	for j := 0; j < len(msg); j++ {
		if i < len(params) && msg[j] == '%' && j+1 < len(msg) && strings.IndexByte("sdfrvi", msg[j+1]) >= 0 {
			b.WriteString(params[i])
			i++
			j++
			continue
		}
		if i < len(params) && msg[j] == '{' && j+1 < len(msg) && msg[j+1] == '}' {
			b.WriteString(params[i])
			i++
			j++
			continue
		}
		b.WriteByte(msg[j])
	}
	return trim(b.String(), maxMessage)
}

type rawException struct {
	Type       lstr            `json:"type"`
	Value      lstr            `json:"value"`
	Module     lstr            `json:"module"`
	ThreadID   lstr            `json:"thread_id"`
	Mechanism  lobj            `json:"mechanism"`
	Stacktrace json.RawMessage `json:"stacktrace"`
}

func (ev *Event) decodeExceptions(b json.RawMessage) {
	vals := valuesOf(b)
	if len(vals) > maxExceptions {
		vals = vals[len(vals)-maxExceptions:]
		ev.Notes = append(ev.Notes, "exceptions trimmed to the last 25")
	}
	for _, v := range vals {
		var r rawException
		if json.Unmarshal(v, &r) != nil {
			continue
		}
		x := Exception{Type: trim(string(r.Type), maxShort), Value: trim(string(r.Value), maxMessage),
			Module: trim(string(r.Module), maxShort), ThreadID: trim(string(r.ThreadID), 64),
			Mechanism: trimMap(r.Mechanism, 0), Stacktrace: decodeStacktrace(r.Stacktrace)}
		if h, ok := x.Mechanism["handled"].(bool); ok {
			x.Handled = &h
		}
		if x.Type == "" && x.Value == "" && x.Stacktrace == nil {
			continue
		}
		ev.Exceptions = append(ev.Exceptions, x)
	}
}

type rawFrame struct {
	Function    lstr  `json:"function"`
	RawFunction lstr  `json:"raw_function"`
	Module      lstr  `json:"module"`
	Package     lstr  `json:"package"`
	Filename    lstr  `json:"filename"`
	AbsPath     lstr  `json:"abs_path"`
	Lineno      lint  `json:"lineno"`
	Colno       lint  `json:"colno"`
	InApp       lbool `json:"in_app"`
	ContextLine lstr  `json:"context_line"`
	PreContext  lstrs `json:"pre_context"`
	PostContext lstrs `json:"post_context"`
	Vars        lobj  `json:"vars"`
	Platform    lstr  `json:"platform"`
}

func decodeStacktrace(b json.RawMessage) *Stacktrace {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var w struct {
		Frames []json.RawMessage `json:"frames"`
	}
	if json.Unmarshal(b, &w) != nil || len(w.Frames) == 0 {
		return nil
	}
	raws := w.Frames
	if len(raws) > maxFrames {
		raws = append(raws[:maxFrames/2:maxFrames/2], raws[len(raws)-maxFrames/2:]...)
	}
	st := &Stacktrace{Frames: make([]Frame, 0, len(raws))}
	for _, fb := range raws {
		var r rawFrame
		if json.Unmarshal(fb, &r) != nil {
			continue
		}
		f := Frame{Function: trim(string(r.Function), maxShort), Module: trim(string(r.Module), maxShort),
			Package: trim(string(r.Package), maxShort), Filename: trim(string(r.Filename), maxShort),
			AbsPath: trim(string(r.AbsPath), maxShort), Lineno: int64(r.Lineno), Colno: int64(r.Colno),
			ContextLine: trim(string(r.ContextLine), maxValueString), Vars: trimMap(r.Vars, 1),
			Platform: trim(string(r.Platform), 32)}
		if f.Function == "" {
			f.Function = trim(string(r.RawFunction), maxShort)
		}
		f.PreContext = trimLines(r.PreContext)
		f.PostContext = trimLines(r.PostContext)
		if r.InApp.Set {
			f.InApp = r.InApp.Val
		} else {
			f.InApp = guessInApp(f)
		}
		st.Frames = append(st.Frames, f)
	}
	if len(st.Frames) == 0 {
		return nil
	}
	return st
}

func trimLines(l []string) []string {
	if len(l) > 10 {
		l = l[len(l)-10:]
	}
	out := make([]string, 0, len(l))
	for _, s := range l {
		out = append(out, trim(s, maxValueString))
	}
	return out
}

// libraryMarkers are path pieces of third-party and standard-library code.
var libraryMarkers = []string{"/site-packages/", "/dist-packages/", "node_modules/", "/usr/lib/", "/usr/local/lib/",
	"/go/pkg/mod/", "/pkg/mod/", "/libexec/", "<frozen ", "node:", "internal/", "/gems/", "/vendor/"}

// guessInApp decides in_app for frames whose SDK did not say.
func guessInApp(f Frame) bool {
	p := f.AbsPath
	if p == "" {
		p = f.Filename
	}
	for _, m := range libraryMarkers {
		if strings.Contains(p, m) {
			return false
		}
	}
	if strings.HasPrefix(p, "/usr/local/go/src/") || strings.HasPrefix(p, "/usr/lib/go") {
		return false
	}
	if f.Platform == "go" || strings.HasSuffix(p, ".go") {
		mod := f.Module
		if mod != "" && mod != "main" && !strings.Contains(strings.SplitN(mod, "/", 2)[0], ".") {
			return false // standard library
		}
	}
	return true
}

type rawThread struct {
	ID         lstr            `json:"id"`
	Name       lstr            `json:"name"`
	Crashed    lbool           `json:"crashed"`
	Current    lbool           `json:"current"`
	Stacktrace json.RawMessage `json:"stacktrace"`
}

func (ev *Event) decodeThreads(b json.RawMessage) {
	vals := valuesOf(b)
	for i, v := range vals {
		if i >= maxThreads {
			break
		}
		var r rawThread
		if json.Unmarshal(v, &r) != nil {
			continue
		}
		ev.Threads = append(ev.Threads, Thread{ID: trim(string(r.ID), 64), Name: trim(string(r.Name), maxShort),
			Crashed: r.Crashed.Val, Current: r.Current.Val, Stacktrace: decodeStacktrace(r.Stacktrace)})
	}
}

type rawBreadcrumb struct {
	Timestamp json.RawMessage `json:"timestamp"`
	Type      lstr            `json:"type"`
	Category  lstr            `json:"category"`
	Level     lstr            `json:"level"`
	Message   lstr            `json:"message"`
	Data      lobj            `json:"data"`
}

func (ev *Event) decodeBreadcrumbs(b json.RawMessage) {
	vals := valuesOf(b)
	if len(vals) > maxBreadcrumbs {
		vals = vals[len(vals)-maxBreadcrumbs:]
	}
	for _, v := range vals {
		var r rawBreadcrumb
		if json.Unmarshal(v, &r) != nil {
			continue
		}
		t, _ := parseTime(r.Timestamp)
		bc := Breadcrumb{Timestamp: t, Type: trim(string(r.Type), 32), Category: trim(string(r.Category), 64),
			Message: trim(string(r.Message), maxValueString), Data: trimMap(r.Data, 1)}
		if r.Level != "" {
			bc.Level = normLevel(string(r.Level))
		}
		ev.Breadcrumbs = append(ev.Breadcrumbs, bc)
	}
}

func (ev *Event) decodeUser(b json.RawMessage, clientIP string) {
	var r struct {
		ID        lstr `json:"id"`
		Email     lstr `json:"email"`
		Username  lstr `json:"username"`
		IPAddress lstr `json:"ip_address"`
		Name      lstr `json:"name"`
		Data      lobj `json:"data"`
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &r) != nil {
		return
	}
	u := &User{ID: trim(string(r.ID), 128), Email: trim(string(r.Email), 128), Username: trim(string(r.Username), 128),
		IPAddress: trim(string(r.IPAddress), 64), Name: trim(string(r.Name), 128), Data: trimMap(r.Data, 1)}
	if u.IPAddress == "{{auto}}" {
		u.IPAddress = clientIP
	}
	if u.Key() == "" && u.Name == "" && len(u.Data) == 0 {
		return
	}
	ev.User = u
}

func (ev *Event) decodeTags(b json.RawMessage) {
	pairs := pairsOf(b)
	seen := map[string]bool{}
	ev.Tags = map[string]string{}
	for _, p := range pairs {
		if len(ev.TagList) >= maxTags {
			ev.Notes = append(ev.Notes, fmt.Sprintf("tags trimmed to %d", maxTags))
			break
		}
		k := trim(strings.TrimSpace(p[0]), maxTagKey)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		v := trim(p[1], maxTagValue)
		ev.TagList = append(ev.TagList, [2]string{k, v})
		ev.Tags[k] = v
	}
}

func decodeRequest(b json.RawMessage) *Request {
	var r struct {
		URL         lstr            `json:"url"`
		Method      lstr            `json:"method"`
		QueryString json.RawMessage `json:"query_string"`
		Headers     json.RawMessage `json:"headers"`
		Cookies     json.RawMessage `json:"cookies"`
		Data        lany            `json:"data"`
		Env         lobj            `json:"env"`
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &r) != nil {
		return nil
	}
	req := &Request{URL: trim(string(r.URL), maxValueString), Method: trim(strings.ToUpper(string(r.Method)), 16),
		Env: trimMap(r.Env, 1), Data: trimValue(r.Data.V, 1)}
	var qs lstr
	qs.UnmarshalJSON(r.QueryString)
	if qs != "" {
		req.QueryString = trim(string(qs), maxValueString)
	} else if pairs := pairsOf(r.QueryString); len(pairs) > 0 {
		parts := make([]string, 0, len(pairs))
		for _, p := range pairs {
			parts = append(parts, p[0]+"="+p[1])
		}
		req.QueryString = trim(strings.Join(parts, "&"), maxValueString)
	}
	req.Headers = trimPairs(pairsOf(r.Headers))
	var cs lstr
	cs.UnmarshalJSON(r.Cookies)
	if cs != "" {
		for part := range strings.SplitSeq(string(cs), ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			if k != "" {
				req.Cookies = append(req.Cookies, [2]string{k, v})
			}
		}
		req.Cookies = trimPairs(req.Cookies)
	} else {
		req.Cookies = trimPairs(pairsOf(r.Cookies))
	}
	return req
}

func trimPairs(p [][2]string) [][2]string {
	if len(p) > maxValueItems {
		p = p[:maxValueItems]
	}
	for i := range p {
		p[i] = [2]string{trim(p[i][0], maxShort), trim(p[i][1], maxValueString)}
	}
	return p
}

func (ev *Event) decodeModules(m lobj) {
	if len(m) == 0 {
		return
	}
	ev.Modules = map[string]string{}
	for k, v := range m {
		if len(ev.Modules) >= 500 {
			break
		}
		ev.Modules[trim(k, maxShort)] = trim(scalarString(v), 64)
	}
}

func (ev *Event) decodeSDK(b json.RawMessage) {
	var r struct {
		Name    lstr `json:"name"`
		Version lstr `json:"version"`
	}
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' && json.Unmarshal(b, &r) == nil && r.Name != "" {
		ev.SDK = &SDK{Name: trim(string(r.Name), 64), Version: trim(string(r.Version), 64)}
	}
}

// mainException is the exception shown as the event's headline: the last
// one of the chain (SDKs list the cause first).
func (ev *Event) mainException() *Exception {
	if len(ev.Exceptions) == 0 {
		return nil
	}
	return &ev.Exceptions[len(ev.Exceptions)-1]
}

// Frames is the stack of the main exception, the event's stacktrace, or
// the crashed (or only) thread's stack.
func (ev *Event) Frames() []Frame {
	if x := ev.mainException(); x != nil && x.Stacktrace != nil {
		return x.Stacktrace.Frames
	}
	if ev.Stacktrace != nil {
		return ev.Stacktrace.Frames
	}
	for _, t := range ev.Threads {
		if t.Stacktrace != nil && (t.Crashed || t.Current || len(ev.Threads) == 1) {
			return t.Stacktrace.Frames
		}
	}
	return nil
}

func (ev *Event) titleAndCulprit(sent string) (title, culprit string) {
	if x := ev.mainException(); x != nil {
		title = orDefault(x.Type, "Error")
		if v := firstLine(x.Value); v != "" {
			title += ": " + v
		}
	} else if ev.Message != "" {
		title = firstLine(ev.Message)
	} else if ev.Transaction != "" {
		title = ev.Transaction
	} else {
		title = "<unlabeled event>"
	}
	frames := ev.Frames()
	for i := len(frames) - 1; i >= 0 && culprit == ""; i-- {
		if frames[i].InApp {
			culprit = frameLabel(frames[i])
		}
	}
	if culprit == "" && len(frames) > 0 {
		culprit = frameLabel(frames[len(frames)-1])
	}
	if culprit == "" {
		culprit = orDefault(ev.Transaction, sent)
	}
	return trim(title, maxTitle), trim(culprit, maxShort)
}

func frameLabel(f Frame) string {
	where := f.Module
	if where == "" {
		where = f.Filename
	}
	if where == "" {
		where = f.AbsPath
	}
	switch {
	case where != "" && f.Function != "":
		return where + " in " + f.Function
	case where != "":
		return where
	}
	return f.Function
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// trim cuts s to at most n bytes on a rune boundary and repairs invalid
// UTF-8.
func trim(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// trimMap bounds an arbitrary object: depth, item count, string length.
func trimMap(m map[string]any, depth int) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out, _ := trimValue(map[string]any(m), depth).(map[string]any)
	return out
}

func trimValue(v any, depth int) any {
	switch x := v.(type) {
	case string:
		return trim(x, maxValueString)
	case map[string]any:
		if depth >= maxValueDepth {
			return "[object]"
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make(map[string]any, min(len(x), maxValueItems))
		for i, k := range keys {
			if i >= maxValueItems {
				break
			}
			out[trim(k, maxShort)] = trimValue(x[k], depth+1)
		}
		return out
	case []any:
		if depth >= maxValueDepth {
			return "[array]"
		}
		n := min(len(x), maxValueItems)
		out := make([]any, n)
		for i := 0; i < n; i++ {
			out[i] = trimValue(x[i], depth+1)
		}
		return out
	}
	return v
}

func sortPairs(p [][2]string) {
	slices.SortFunc(p, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
}
