package issues

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// GroupingVersion names the grouping algorithm whose hashes are stored;
// a later algorithm gets a new name so old hashes stay meaningful.
const GroupingVersion = "bw-2026-12"

// Grouping says how an event was grouped.
type Grouping struct {
	Hash       string   `json:"hash"`
	Version    string   `json:"version"`
	Source     string   `json:"source"` // fingerprint rule exception message message+stacktrace
	Components []string `json:"components"`
}

// Rules are a project's grouping settings.
type Rules struct {
	Fingerprint []FingerprintRule
	Stack       []StackRule
}

// Matcher is one condition of a rule: key:pattern (glob with * and ?).
type Matcher struct {
	Key, Pattern string
}

// FingerprintRule assigns a fingerprint to events matching all matchers.
type FingerprintRule struct {
	Matchers    []Matcher
	Fingerprint []string
}

// StackRule marks matching frames in-app (+app) or not (-app).
type StackRule struct {
	Matchers []Matcher
	InApp    bool
}

var matcherKeys = map[string]bool{"type": true, "value": true, "message": true, "module": true,
	"function": true, "path": true, "level": true, "error.type": true, "error.value": true}

// ParseFingerprintRules reads one rule a line:
//
//	type:DatabaseError message:"*timeout*" -> database-timeout, {{ transaction }}
//
// Blank lines and lines starting with # are ignored. Errors name the line.
func ParseFingerprintRules(text string) ([]FingerprintRule, error) {
	var out []FingerprintRule
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lhs, rhs, ok := strings.Cut(line, "->")
		if !ok {
			return nil, fmt.Errorf("line %d: missing -> between matchers and fingerprint", n+1)
		}
		ms, err := parseMatchers(lhs)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n+1, err)
		}
		var fp []string
		for part := range strings.SplitSeq(rhs, ",") {
			if p := strings.TrimSpace(part); p != "" {
				fp = append(fp, p)
			}
		}
		if len(fp) == 0 {
			return nil, fmt.Errorf("line %d: empty fingerprint after ->", n+1)
		}
		out = append(out, FingerprintRule{Matchers: ms, Fingerprint: fp})
	}
	return out, nil
}

// ParseStackRules reads one rule a line: matchers then +app or -app.
func ParseStackRules(text string) ([]StackRule, error) {
	var out []StackRule
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var inApp bool
		switch {
		case strings.HasSuffix(line, "+app"):
			inApp = true
		case strings.HasSuffix(line, "-app"):
		default:
			return nil, fmt.Errorf("line %d: must end with +app or -app", n+1)
		}
		ms, err := parseMatchers(line[:len(line)-4])
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n+1, err)
		}
		for _, m := range ms {
			if m.Key != "module" && m.Key != "function" && m.Key != "path" {
				return nil, fmt.Errorf("line %d: stack rules match module, function or path, not %s", n+1, m.Key)
			}
		}
		out = append(out, StackRule{Matchers: ms, InApp: inApp})
	}
	return out, nil
}

var matcherRe = regexp.MustCompile(`([a-zA-Z_.]+[a-zA-Z0-9_.-]*):("[^"]*"|\S+)`)

func parseMatchers(s string) ([]Matcher, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("no matchers")
	}
	found := matcherRe.FindAllStringSubmatchIndex(s, -1)
	var ms []Matcher
	covered := 0
	for _, f := range found {
		if strings.TrimSpace(s[covered:f[0]]) != "" {
			return nil, fmt.Errorf("cannot read %q", strings.TrimSpace(s[covered:f[0]]))
		}
		covered = f[1]
		key := strings.ToLower(s[f[2]:f[3]])
		if !matcherKeys[key] && !strings.HasPrefix(key, "tags.") {
			return nil, fmt.Errorf("unknown matcher %q (use type, value, message, module, function, path, level, tags.NAME)", key)
		}
		ms = append(ms, Matcher{Key: strings.TrimPrefix(key, "error."), Pattern: strings.Trim(s[f[4]:f[5]], `"`)})
	}
	if strings.TrimSpace(s[covered:]) != "" {
		return nil, fmt.Errorf("cannot read %q", strings.TrimSpace(s[covered:]))
	}
	return ms, nil
}

// glob matches * (any run) and ? (one character), case-insensitively.
func glob(pattern, s string) bool {
	ok, err := path.Match(strings.ToLower(strings.ReplaceAll(pattern, "**", "*")), strings.ToLower(s))
	if err == nil && ok {
		return true
	}
	// path.Match's * stops at '/'; paths and modules need it to cross.
	return globAcross(strings.ToLower(pattern), strings.ToLower(s))
}

func globAcross(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globAcross(p, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}

func frameMatches(ms []Matcher, f Frame) bool {
	for _, m := range ms {
		var v string
		switch m.Key {
		case "module":
			v = f.Module
		case "function":
			v = f.Function
		case "path":
			v = orDefault(f.AbsPath, f.Filename)
		}
		if !glob(m.Pattern, v) {
			return false
		}
	}
	return true
}

// ApplyStackRules marks frames in-app or not by the project's rules; the
// last matching rule wins. It also refreshes the culprit.
func (ev *Event) ApplyStackRules(rules []StackRule) {
	if len(rules) == 0 {
		return
	}
	apply := func(st *Stacktrace) {
		if st == nil {
			return
		}
		for i := range st.Frames {
			for _, r := range rules {
				if frameMatches(r.Matchers, st.Frames[i]) {
					st.Frames[i].InApp = r.InApp
				}
			}
		}
	}
	apply(ev.Stacktrace)
	for i := range ev.Exceptions {
		apply(ev.Exceptions[i].Stacktrace)
	}
	for i := range ev.Threads {
		apply(ev.Threads[i].Stacktrace)
	}
	ev.Title, ev.Culprit = ev.titleAndCulprit(ev.Culprit)
}

func (ev *Event) ruleMatches(ms []Matcher) bool {
	for _, m := range ms {
		if !ev.matcher(m) {
			return false
		}
	}
	return true
}

func (ev *Event) matcher(m Matcher) bool {
	anyFrame := func(pick func(Frame) string) bool {
		for _, f := range ev.Frames() {
			if glob(m.Pattern, pick(f)) {
				return true
			}
		}
		return false
	}
	switch m.Key {
	case "type", "value":
		for _, x := range ev.Exceptions {
			v := x.Type
			if m.Key == "value" {
				v = x.Value
			}
			if glob(m.Pattern, v) {
				return true
			}
		}
		return false
	case "message":
		return glob(m.Pattern, ev.Message) || (len(ev.Exceptions) > 0 && glob(m.Pattern, ev.mainException().Value))
	case "level":
		return glob(m.Pattern, ev.Level)
	case "module":
		return anyFrame(func(f Frame) string { return f.Module })
	case "function":
		return anyFrame(func(f Frame) string { return f.Function })
	case "path":
		return anyFrame(func(f Frame) string { return orDefault(f.AbsPath, f.Filename) })
	}
	if name, ok := strings.CutPrefix(m.Key, "tags."); ok {
		v, has := ev.Tags[name]
		return has && glob(m.Pattern, v)
	}
	return false
}

// Group computes the event's grouping: a matching project rule, else the
// event's own fingerprint, else the default: exception types with their
// in-app frames (all frames when none is in-app, the normalised value
// when there are no frames); without an exception the normalised message
// and the in-app frames of an attached stack.
func (ev *Event) Group(rules []FingerprintRule) *Grouping {
	g := &Grouping{Version: GroupingVersion}
	fp := ev.Fingerprint
	g.Source = "fingerprint"
	for _, r := range rules {
		if ev.ruleMatches(r.Matchers) {
			fp, g.Source = r.Fingerprint, "rule"
			break
		}
	}
	if len(fp) == 0 || (len(fp) == 1 && isDefaultVar(fp[0])) {
		g.Source, g.Components = ev.defaultComponents()
	} else {
		for _, part := range fp {
			if isDefaultVar(part) {
				_, def := ev.defaultComponents()
				g.Components = append(g.Components, def...)
				continue
			}
			g.Components = append(g.Components, "fp:"+ev.expandVar(part))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(g.Components, "\n")))
	g.Hash = hex.EncodeToString(sum[:16])
	ev.Grouping = g
	return g
}

var varRe = regexp.MustCompile(`^\{\{\s*([a-zA-Z_.]+)\s*\}\}$`)

func isDefaultVar(s string) bool {
	m := varRe.FindStringSubmatch(strings.TrimSpace(s))
	return m != nil && m[1] == "default"
}

func (ev *Event) expandVar(s string) string {
	m := varRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return s
	}
	frames := ev.Frames()
	top := func() *Frame {
		for i := len(frames) - 1; i >= 0; i-- {
			if frames[i].InApp {
				return &frames[i]
			}
		}
		if len(frames) > 0 {
			return &frames[len(frames)-1]
		}
		return nil
	}
	switch name := m[1]; name {
	case "transaction":
		return "<transaction>" + ev.Transaction
	case "type", "error.type":
		if x := ev.mainException(); x != nil {
			return "<type>" + x.Type
		}
		return "<type>"
	case "value", "error.value":
		if x := ev.mainException(); x != nil {
			return "<value>" + x.Value
		}
		return "<value>"
	case "function":
		if f := top(); f != nil {
			return "<function>" + f.Function
		}
		return "<function>"
	case "module":
		if f := top(); f != nil {
			return "<module>" + f.Module
		}
		return "<module>"
	case "level":
		return "<level>" + ev.Level
	case "message":
		return "<message>" + ev.Message
	default:
		if t, ok := strings.CutPrefix(name, "tags."); ok {
			return "<tag>" + t + "=" + ev.Tags[t]
		}
	}
	return s
}

// defaultComponents is the default grouping.
func (ev *Event) defaultComponents() (string, []string) {
	if len(ev.Exceptions) > 0 {
		var inApp, all []string
		for _, x := range ev.Exceptions {
			typ := "type:" + orDefault(x.Type, "Error")
			inApp, all = append(inApp, typ), append(all, typ)
			if x.Stacktrace == nil {
				continue
			}
			for _, f := range x.Stacktrace.Frames {
				if builtinFrame(f, ev.Platform) {
					continue
				}
				c := frameComponent(f)
				if f.InApp {
					inApp = append(inApp, c)
				}
				all = append(all, c)
			}
		}
		switch {
		case len(inApp) > len(ev.Exceptions):
			return "exception", inApp
		case len(all) > len(ev.Exceptions):
			return "exception", all
		}
		// No frames anywhere: type and normalised value.
		x := ev.mainException()
		return "exception", []string{"type:" + orDefault(x.Type, "Error"), "value:" + NormaliseMessage(x.Value)}
	}
	msg := ev.Message
	if ev.LogEntry != nil && ev.LogEntry.Message != "" {
		msg = ev.LogEntry.Message
	}
	if msg == "" {
		msg = ev.Title
	}
	comps := []string{"message:" + NormaliseMessage(msg)}
	// A stack attached to a message narrows it to where it was raised.
	for _, f := range ev.Frames() {
		if f.InApp && !builtinFrame(f, ev.Platform) {
			comps = append(comps, frameComponent(f))
		}
	}
	if len(comps) > 1 {
		return "message+stacktrace", comps
	}
	return "message", comps
}

// builtinFrame tells frames of the JavaScript engine itself: "<anonymous>",
// "[native code]" and, on JavaScript, file names without a path (built-in
// functions and engine internals). They are never in-app and never group.
func builtinFrame(f Frame, platform string) bool {
	p := f.AbsPath
	if p == "" {
		p = f.Filename
	}
	switch p {
	case "<anonymous>", "[native code]", "native", "<native>":
		return true
	case "":
		return false
	}
	if f.Platform != "" {
		platform = f.Platform
	}
	if platform == "javascript" || platform == "node" {
		return !strings.ContainsAny(p, "/\\")
	}
	return false
}

// markBuiltinFrames takes engine built-in frames out of the app, whatever
// the SDK said (browser SDKs mark them in-app).
func (ev *Event) markBuiltinFrames() {
	mark := func(st *Stacktrace) {
		if st == nil {
			return
		}
		for i := range st.Frames {
			if builtinFrame(st.Frames[i], ev.Platform) {
				st.Frames[i].InApp = false
			}
		}
	}
	mark(ev.Stacktrace)
	for i := range ev.Exceptions {
		mark(ev.Exceptions[i].Stacktrace)
	}
	for i := range ev.Threads {
		mark(ev.Threads[i].Stacktrace)
	}
}

var (
	lambdaNum  = regexp.MustCompile(`(func|lambda|anonymous|closure)\d+`)
	jsHashFile = regexp.MustCompile(`[.-][0-9a-f]{6,}(\.(?:m?js|css))$`)
)

// frameComponent identifies a frame by module (or file name) and
// function, never by line number.
func frameComponent(f Frame) string {
	where := f.Module
	if where == "" {
		where = f.Filename
		if where == "" {
			where = f.AbsPath
		}
		if i := strings.IndexAny(where, "?#"); i >= 0 {
			where = where[:i]
		}
		where = jsHashFile.ReplaceAllString(path.Base(where), "$1")
	}
	fn := lambdaNum.ReplaceAllString(f.Function, "$1")
	return "frame:" + where + ":" + fn
}

var normalisers = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}`), "<uuid>"},
	{regexp.MustCompile(`[\w.+-]+@[\w-]+\.[\w.-]+`), "<email>"},
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?`), "<date>"},
	{regexp.MustCompile(`\b\d{1,2}:\d{2}(:\d{2})?\b`), "<time>"},
	{regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`), "<ip>"},
	{regexp.MustCompile(`\b0x[0-9a-fA-F]+\b`), "<hex>"},
	{regexp.MustCompile(`\b[0-9a-fA-F]*[0-9][0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*\b|\b[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*[0-9][0-9a-fA-F]*\b`), "<hex>"},
	{regexp.MustCompile(`-?\b\d+(\.\d+)?\b`), "<int>"},
}

// NormaliseMessage replaces the variable parts of a message (ids, hex,
// numbers, dates, addresses) so similar messages group together.
func NormaliseMessage(s string) string {
	s = firstLine(s)
	if len(s) > 1024 {
		s = s[:1024]
	}
	for _, n := range normalisers {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}
