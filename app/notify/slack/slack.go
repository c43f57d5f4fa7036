// Package slack posts notifications to a Slack incoming webhook as Block
// Kit messages.
package slack

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// Type describes the Slack channel.
var Type = notify.Type{
	Name:  "slack",
	Label: "Slack",
	Fields: []notify.ConfigField{
		{Key: "webhook_url", Label: "Incoming webhook URL", Kind: "url", Required: true, Secret: true,
			Help: "From a Slack app with incoming webhooks: https://hooks.slack.com/services/…"},
	},
	New: New,
}

type config struct {
	WebhookURL string `json:"webhook_url"`
}

// Channel is a configured Slack webhook.
type Channel struct {
	url  string
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
	return &Channel{url: c.WebhookURL, http: env.HTTP}, nil
}

func text(kind, s string) map[string]any {
	return map[string]any{"type": kind, "text": s}
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

var icons = map[string]string{"critical": ":red_circle:", "error": ":large_orange_circle:",
	"warning": ":large_yellow_circle:", "info": ":large_blue_circle:"}

// Payload renders a message as Slack blocks with a plain-text fallback.
func Payload(m notify.Message) map[string]any {
	icon := icons[m.Severity]
	if m.Action == notify.ActionResolve {
		icon = ":large_green_circle:"
	}
	body := m.Text
	if len(m.Items) > 0 {
		body = m.Text
	}
	blocks := []any{
		map[string]any{"type": "header", "text": text("plain_text", cut(m.Title, 150))},
		map[string]any{"type": "section", "text": text("mrkdwn", cut(icon+" "+escape(body), 3000))},
	}
	if len(m.Fields) > 0 {
		var fs []any
		for i, f := range m.Fields {
			if i == 10 {
				break
			}
			fs = append(fs, text("mrkdwn", cut("*"+escape(f.Name)+"*\n"+escape(f.Value), 2000)))
		}
		blocks = append(blocks, map[string]any{"type": "section", "fields": fs})
	}
	blocks = append(blocks, map[string]any{"type": "context", "elements": []any{
		text("mrkdwn", fmt.Sprintf("Bit Wobbly · %s · <!date^%d^{date_short_pretty} {time}|%s>", m.Event,
			m.OccurredAt.Unix(), m.OccurredAt.Format("2006-01-02 15:04 UTC"))),
	}})
	if m.URL != "" {
		blocks = append(blocks, map[string]any{"type": "actions", "elements": []any{
			map[string]any{"type": "button", "text": text("plain_text", "Open in Bit Wobbly"), "url": m.URL},
		}})
	}
	return map[string]any{"text": cut(m.Title, 3000), "blocks": blocks}
}

// escape protects Slack's mrkdwn control characters.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Send posts the message. Slack answers "ok" on success and a short
// error word (invalid_payload, no_service, …) otherwise.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	res, _, err := notify.PostJSON(ctx, c.http, c.url, nil, Payload(m))
	return res, err
}
