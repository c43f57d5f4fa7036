// Package discord posts notifications to a Discord channel webhook as
// embeds.
package discord

import (
	"context"
	"net/http"
	"net/url"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// Type describes the Discord channel.
var Type = notify.Type{
	Name:  "discord",
	Label: "Discord",
	Fields: []notify.ConfigField{
		{Key: "webhook_url", Label: "Webhook URL", Kind: "url", Required: true, Secret: true,
			Help: "Channel settings → Integrations → Webhooks: https://discord.com/api/webhooks/…"},
		{Key: "username", Label: "Bot name", Kind: "text", Help: "Optional name shown as the sender."},
	},
	New: New,
}

type config struct {
	WebhookURL string `json:"webhook_url"`
	Username   string `json:"username"`
}

// Channel is a configured Discord webhook.
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
	if err := env.CheckURL("webhook_url", c.WebhookURL); err != nil {
		return nil, err
	}
	if len(c.Username) > 80 {
		return nil, notify.Invalid("username", "must be at most 80 characters")
	}
	return &Channel{cfg: c, http: env.HTTP}, nil
}

var colours = map[string]int{"critical": 0xE5483B, "error": 0xF08A24, "warning": 0xE0A112, "info": 0x3B82F6}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Payload renders a message as a Discord execute-webhook body.
func Payload(m notify.Message, username string) map[string]any {
	colour := colours[m.Severity]
	if m.Action == notify.ActionResolve {
		colour = 0x22A55A
	}
	embed := map[string]any{
		"title":       cut(m.Title, 256),
		"description": cut(m.Text, 4096),
		"color":       colour,
		"timestamp":   m.OccurredAt.Format("2006-01-02T15:04:05.000Z07:00"),
		"footer":      map[string]any{"text": "Bit Wobbly · " + m.Event},
	}
	if m.URL != "" {
		embed["url"] = m.URL
	}
	var fields []any
	for i, f := range m.Fields {
		if i == 25 {
			break
		}
		fields = append(fields, map[string]any{"name": cut(f.Name, 256), "value": cut(f.Value, 1024), "inline": true})
	}
	if fields != nil {
		embed["fields"] = fields
	}
	p := map[string]any{"content": cut(m.Title, 2000), "embeds": []any{embed},
		"allowed_mentions": map[string]any{"parse": []string{}}}
	if username != "" {
		p["username"] = username
	}
	return p
}

// Send posts the message with wait=true, so Discord answers with the
// created message (200) or an error object.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	u, err := url.Parse(c.cfg.WebhookURL)
	if err != nil {
		return notify.Result{}, notify.Permanent(err)
	}
	q := u.Query()
	q.Set("wait", "true")
	u.RawQuery = q.Encode()
	res, _, err := notify.PostJSON(ctx, c.http, u.String(), nil, Payload(m, c.cfg.Username))
	return res, err
}
