package notify

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is one row of the alert_events outbox.
type Event struct {
	ID        int64
	TeamID    int64
	Kind      string
	MonitorID int64
	ProjectID int64
	IssueID   int64
	Payload   json.RawMessage
	CreatedAt int64
}

// payload reads an event's JSON leniently: a field of an unexpected type
// reads as empty rather than failing the whole event.
type payload map[string]any

func parsePayload(raw json.RawMessage) payload {
	p := payload{}
	if len(raw) > 0 {
		json.Unmarshal(raw, &p)
	}
	return p
}

func (p payload) str(keys ...string) string {
	for _, k := range keys {
		switch v := p[k].(type) {
		case string:
			if v != "" {
				return v
			}
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	return ""
}

func (p payload) num(keys ...string) (float64, bool) {
	for _, k := range keys {
		switch v := p[k].(type) {
		case float64:
			return v, true
		case string:
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f, true
			}
		}
	}
	return 0, false
}

func (p payload) id(key string) int64 {
	f, _ := p.num(key)
	return int64(f)
}

func (p payload) strs(key string) []string {
	var out []string
	switch v := p[key].(type) {
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// daysLeft reads a certificate's remaining days from days_left, or from
// expires_at/not_after (Unix ms or RFC 3339).
func (p payload) daysLeft(now time.Time) (float64, bool) {
	if d, ok := p.num("days_left", "days_remaining", "days"); ok {
		return d, true
	}
	for _, k := range []string{"expires_at", "not_after", "valid_until"} {
		switch v := p[k].(type) {
		case float64:
			return time.UnixMilli(int64(v)).Sub(now).Hours() / 24, true
		case string:
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return t.Sub(now).Hours() / 24, true
			}
		}
	}
	return 0, false
}

// monitorID is the event's monitor, from the column or the payload.
func (e Event) monitorID(p payload) int64 {
	if e.MonitorID != 0 {
		return e.MonitorID
	}
	return p.id("monitor_id")
}

func (e Event) issueID(p payload) int64 {
	if e.IssueID != 0 {
		return e.IssueID
	}
	return p.id("issue_id")
}

func (e Event) projectID(p payload) int64 {
	if e.ProjectID != 0 {
		return e.ProjectID
	}
	return p.id("project_id")
}

// subjectKey names what an event is about, for cooldowns and resolves.
func (e Event) subjectKey(p payload) string {
	switch {
	case strings.HasPrefix(e.Kind, "issue_"):
		return "issue:" + strconv.FormatInt(e.issueID(p), 10)
	case e.Kind == "certificate_expiring":
		return "certificate:" + strconv.FormatInt(e.monitorID(p), 10)
	}
	return "monitor:" + strconv.FormatInt(e.monitorID(p), 10)
}

// Render turns an event into a message. base is the instance's URL for
// links (may be empty).
func Render(e Event, base string) Message {
	p := parsePayload(e.Payload)
	m := Message{Event: e.Kind, Action: ActionTrigger, TeamID: e.TeamID, Data: e.Payload,
		OccurredAt: time.UnixMilli(e.CreatedAt).UTC(), URL: p.str("url")}
	if len(m.Data) == 0 || !json.Valid(m.Data) {
		m.Data = json.RawMessage("{}")
	}
	if strings.HasPrefix(m.URL, "/") {
		m.URL = base + m.URL
	}
	if !strings.HasPrefix(m.URL, "http://") && !strings.HasPrefix(m.URL, "https://") {
		m.URL = ""
	}
	if strings.HasPrefix(e.Kind, "issue_") {
		renderIssue(&m, e, p, base)
	} else {
		renderMonitor(&m, e, p, base)
	}
	return m
}

func renderMonitor(m *Message, e Event, p payload, base string) {
	id := e.monitorID(p)
	name := p.str("monitor_name", "name")
	if name == "" {
		name = "Monitor " + strconv.FormatInt(id, 10)
	}
	m.Subject = Subject{Type: "monitor", ID: id, Name: name}
	m.DedupKey = "bitwobbly-monitor-" + strconv.FormatInt(id, 10)
	if m.URL == "" && base != "" && id != 0 {
		m.URL = base + "/monitors/" + strconv.FormatInt(id, 10)
	}
	reason := p.str("reason", "status_reason", "message")
	switch e.Kind {
	case "monitor_down":
		m.Severity, m.Title = "critical", name+" is down"
	case "monitor_recovered":
		m.Severity, m.Action, m.Title = "info", ActionResolve, name+" is up again"
	case "monitor_degraded":
		m.Severity, m.Title = "warning", name+" is degraded"
		m.DedupKey += "-degraded"
	case "heartbeat_missed":
		m.Severity, m.Title = "critical", "Heartbeat missed: "+name
	case "certificate_expiring":
		m.Subject.Type = "certificate"
		m.Severity = "warning"
		m.DedupKey = "bitwobbly-certificate-" + strconv.FormatInt(id, 10)
		m.Title = "Certificate of " + name + " expires soon"
		if d, ok := p.daysLeft(m.OccurredAt); ok {
			m.Title = fmt.Sprintf("Certificate of %s expires in %s", name, days(d))
			if d <= 3 {
				m.Severity = "error"
			}
		}
	default:
		m.Severity, m.Action, m.Title = "info", ActionInfo, name+": "+e.Kind
	}
	// The target is a field: every channel prints the fields after the
	// text, so the text does not repeat it.
	m.Text = reason
	if m.Text == "" {
		m.Text = m.Title
	}
	add := func(n, v string) {
		if v != "" {
			m.Fields = append(m.Fields, Field{Name: n, Value: v})
		}
	}
	add("Status", p.str("status"))
	add("Previous status", p.str("previous_status"))
	add("Type", p.str("monitor_type"))
	add("Target", p.str("target"))
	if tags := p.strs("tags"); len(tags) > 0 {
		add("Tags", strings.Join(tags, ", "))
	}
}

func days(d float64) string {
	n := int(d)
	if d < 0 {
		return "0 days (already expired)"
	}
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

func renderIssue(m *Message, e Event, p payload, base string) {
	id := e.issueID(p)
	title := p.str("title")
	if title == "" {
		title = "Issue " + strconv.FormatInt(id, 10)
	}
	project := p.str("project_name")
	m.Subject = Subject{Type: "issue", ID: id, Name: title}
	m.DedupKey = "bitwobbly-issue-" + strconv.FormatInt(id, 10)
	if m.URL == "" && base != "" && id != 0 {
		m.URL = base + "/issues/" + strconv.FormatInt(id, 10)
	}
	level := p.str("level")
	m.Severity = severityOfLevel(level)
	in := ""
	if project != "" {
		in = " in " + project
	}
	switch e.Kind {
	case "issue_new":
		m.Title = "New issue" + in + ": " + title
	case "issue_regressed":
		m.Title = "Regression" + in + ": " + title
		if m.Severity == "warning" || m.Severity == "info" {
			m.Severity = "error"
		}
	case "issue_frequency":
		n, _ := p.num("count")
		m.Title = fmt.Sprintf("%s: %d events in %s", title, int64(n), window(p))
	case "issue_users":
		n, _ := p.num("users")
		m.Title = fmt.Sprintf("%s: %d users affected in %s", title, int64(n), window(p))
	default:
		m.Action, m.Title = ActionInfo, title
	}
	m.Text = title
	if c := p.str("culprit"); c != "" {
		m.Text += "\n" + c
	}
	add := func(n, v string) {
		if v != "" {
			m.Fields = append(m.Fields, Field{Name: n, Value: v})
		}
	}
	add("Project", project)
	add("Level", level)
	add("Environment", p.str("environment"))
	add("Release", p.str("release"))
	add("Culprit", p.str("culprit"))
}

func window(p payload) string {
	s, _ := p.num("window_seconds")
	return durationWords(time.Duration(s) * time.Second)
}

func durationWords(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", int(d.Hours()))
	case d >= time.Minute:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d s", int(d.Seconds()))
}

func severityOfLevel(level string) string {
	switch level {
	case "fatal":
		return "critical"
	case "warning":
		return "warning"
	case "info", "debug", "log":
		return "info"
	}
	return "error"
}

// Summary merges several messages of one rule into one storm summary.
// Its action is resolve when it only holds recoveries, trigger otherwise,
// and its dedup key is the rule's summary key (SummaryKey).
func Summary(rule RuleRef, teamID int64, ms []Message, base string) Message {
	s := Message{Event: "summary", Action: ActionResolve, Severity: "info", TeamID: teamID, Rule: &rule,
		Subject: Subject{Type: "team", ID: teamID}, DedupKey: SummaryKey(rule.ID),
		OccurredAt: time.Now().UTC(), Data: json.RawMessage("{}")}
	if base != "" {
		s.URL = base + "/alerts"
	}
	AddToSummary(&s, ms)
	return s
}

// SummaryKey is the dedup key of a rule's storm summaries; an alert
// folded into one is resolved through it.
func SummaryKey(ruleID int64) string {
	return "bitwobbly-summary-" + strconv.FormatInt(ruleID, 10)
}

// AddToSummary appends more alerts to a summary not yet sent.
func AddToSummary(s *Message, ms []Message) {
	for _, m := range ms {
		s.Items = append(s.Items, m.Title)
		s.Severity = worse(s.Severity, m.Severity)
		if m.Action != ActionResolve {
			s.Action = ActionTrigger
		}
	}
	name := ""
	if s.Rule != nil {
		name = s.Rule.Name
	}
	what := "alerts"
	if s.Action == ActionResolve {
		what = "recoveries"
	}
	if len(s.Items) == 1 {
		what = strings.TrimSuffix(what, "s")
		if s.Action == ActionResolve {
			what = "recovery"
		}
	}
	s.Title = fmt.Sprintf("%d %s from rule %q", len(s.Items), what, name)
	s.Text = summaryText(s.Items)
}

func summaryText(items []string) string {
	const show = 20
	var b strings.Builder
	for i, it := range items {
		if i == show {
			fmt.Fprintf(&b, "… and %d more", len(items)-show)
			break
		}
		b.WriteString("• " + it + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

var severityRank = map[string]int{"info": 0, "warning": 1, "error": 2, "critical": 3}

func worse(a, b string) string {
	if severityRank[b] > severityRank[a] {
		return b
	}
	return a
}
