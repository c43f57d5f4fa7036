// Package opsgenie creates Opsgenie alerts and closes them on recovery,
// both by alias.
package opsgenie

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// DefaultAPIURL is Opsgenie's API host (EU accounts use api.eu.opsgenie.com).
const DefaultAPIURL = "https://api.opsgenie.com"

// Type describes the Opsgenie channel.
var Type = notify.Type{
	Name:  "opsgenie",
	Label: "Opsgenie",
	Fields: []notify.ConfigField{
		{Key: "api_key", Label: "API key", Kind: "text", Required: true, Secret: true,
			Help: "The key of an API integration."},
		{Key: "api_url", Label: "API URL", Kind: "url", Help: "Default " + DefaultAPIURL +
			"; https://api.eu.opsgenie.com for EU accounts."},
		{Key: "responders", Label: "Team responder", Kind: "text", Help: "Optional team name to route alerts to."},
	},
	New: New,
}

type config struct {
	APIKey     string `json:"api_key"`
	APIURL     string `json:"api_url"`
	Responders string `json:"responders"`
}

// Channel is a configured Opsgenie integration.
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
	c.APIKey = strings.TrimSpace(c.APIKey)
	if c.APIKey == "" {
		return nil, notify.Invalid("api_key", "is required")
	}
	if strings.ContainsAny(c.APIKey, " \t\r\n") {
		return nil, notify.Invalid("api_key", "must be one API key without spaces or line breaks")
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

var priorities = map[string]string{"critical": "P1", "error": "P2", "warning": "P3", "info": "P5"}

// Alert renders a message as an Opsgenie create-alert body.
func Alert(m notify.Message, team string) map[string]any {
	details := map[string]string{"event": m.Event}
	for _, f := range m.Fields {
		details[f.Name] = f.Value
	}
	if m.URL != "" {
		details["url"] = m.URL
	}
	desc := m.Text
	if m.URL != "" {
		desc += "\n\n" + m.URL
	}
	a := map[string]any{
		"message":     cut(m.Title, 130),
		"alias":       cut(m.DedupKey, 512),
		"description": cut(desc, 15000),
		"priority":    priorities[m.Severity],
		"source":      "Bit Wobbly",
		"tags":        []string{"bitwobbly", m.Event},
		"details":     details,
	}
	if team != "" {
		a["responders"] = []any{map[string]any{"name": team, "type": "team"}}
	}
	return a
}

// Send creates the alert, or closes it for a recovery. Opsgenie answers
// 202 and processes the request asynchronously.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	h := http.Header{"Authorization": {"GenieKey " + c.cfg.APIKey}}
	if m.Action == notify.ActionResolve {
		u := notify.JoinURL(c.cfg.APIURL, "/v2/alerts/"+url.PathEscape(cut(m.DedupKey, 512))+"/close?identifierType=alias")
		res, _, err := notify.PostJSON(ctx, c.http, u, h, map[string]any{"source": "Bit Wobbly", "note": m.Title})
		return res, err
	}
	res, _, err := notify.PostJSON(ctx, c.http, notify.JoinURL(c.cfg.APIURL, "/v2/alerts"), h,
		Alert(m, c.cfg.Responders))
	return res, err
}
