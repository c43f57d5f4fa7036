// Package pagerduty sends notifications to PagerDuty Events API v2:
// alerts trigger an incident and recoveries resolve it, matched by the
// dedup key.
package pagerduty

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// DefaultAPIURL is PagerDuty's events endpoint host.
const DefaultAPIURL = "https://events.pagerduty.com"

// Type describes the PagerDuty channel.
var Type = notify.Type{
	Name:  "pagerduty",
	Label: "PagerDuty",
	Fields: []notify.ConfigField{
		{Key: "routing_key", Label: "Integration (routing) key", Kind: "text", Required: true, Secret: true,
			Help: "The 32-character key of an Events API v2 integration."},
		{Key: "api_url", Label: "Events API URL", Kind: "url", Help: "Default " + DefaultAPIURL + "."},
	},
	New: New,
}

type config struct {
	RoutingKey string `json:"routing_key"`
	APIURL     string `json:"api_url"`
}

var keyShape = regexp.MustCompile(`^[A-Za-z0-9+/=_-]{20,64}$`)

// Channel is a configured PagerDuty integration.
type Channel struct {
	cfg  config
	http *http.Client
}

// New checks the settings and returns the channel.
func New(raw map[string]any, env notify.Env) (notify.Sender, error) {
	var c config
	if err := notify.Decode(raw, &c); err != nil {
		return nil, err
	}
	c.RoutingKey = strings.TrimSpace(c.RoutingKey)
	if !keyShape.MatchString(c.RoutingKey) {
		return nil, notify.Invalid("routing_key", "must be the integration key of an Events API v2 integration")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if err := env.CheckURL("api_url", c.APIURL); err != nil {
		return nil, err
	}
	return &Channel{cfg: c, http: env.HTTP}, nil
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Event renders a message as an Events API v2 event.
func Event(routingKey string, m notify.Message) map[string]any {
	ev := map[string]any{"routing_key": routingKey, "dedup_key": cut(m.DedupKey, 255)}
	if m.Action == notify.ActionResolve {
		ev["event_action"] = "resolve"
		return ev
	}
	ev["event_action"] = "trigger"
	details := map[string]any{"text": m.Text, "event": m.Event}
	for _, f := range m.Fields {
		details[f.Name] = f.Value
	}
	if len(m.Items) > 0 {
		details["alerts"] = m.Items
	}
	source := m.Subject.Name
	if source == "" {
		source = "Bit Wobbly"
	}
	ev["payload"] = map[string]any{
		"summary":        cut(m.Title, 1024),
		"source":         source,
		"severity":       m.Severity,
		"timestamp":      m.OccurredAt.Format("2006-01-02T15:04:05.000Z07:00"),
		"component":      m.Subject.Type,
		"class":          m.Event,
		"custom_details": details,
	}
	ev["client"] = "Bit Wobbly"
	if m.URL != "" {
		ev["client_url"] = m.URL
		ev["links"] = []any{map[string]any{"href": m.URL, "text": "Open in Bit Wobbly"}}
	}
	return ev
}

// Send enqueues the event. PagerDuty answers 202 with
// {"status":"success",…}; anything else is an error.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	res, data, err := notify.PostJSON(ctx, c.http, notify.JoinURL(c.cfg.APIURL, "/v2/enqueue"), nil,
		Event(c.cfg.RoutingKey, m))
	if err != nil {
		return res, err
	}
	var ans struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(data, &ans) != nil || ans.Status != "success" {
		return res, errors.New("PagerDuty did not answer with status success")
	}
	return res, nil
}
