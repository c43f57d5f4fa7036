// Package teams posts notifications to a Microsoft Teams workflow
// ("Post to a channel when a webhook request is received") as an
// Adaptive Card.
package teams

import (
	"context"
	"net/http"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// Type describes the Microsoft Teams channel.
var Type = notify.Type{
	Name:  "teams",
	Label: "Microsoft Teams",
	Fields: []notify.ConfigField{
		{Key: "webhook_url", Label: "Workflow webhook URL", Kind: "url", Required: true, Secret: true,
			Help: "The URL of a Teams workflow triggered by a webhook request."},
	},
	New: New,
}

type config struct {
	WebhookURL string `json:"webhook_url"`
}

// Channel is a configured Teams workflow webhook.
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

var colours = map[string]string{"critical": "Attention", "error": "Attention", "warning": "Warning", "info": "Accent"}

// Card renders a message as an Adaptive Card inside a Teams message.
func Card(m notify.Message) map[string]any {
	colour := colours[m.Severity]
	if m.Action == notify.ActionResolve {
		colour = "Good"
	}
	body := []any{
		map[string]any{"type": "TextBlock", "text": m.Title, "size": "Large", "weight": "Bolder", "wrap": true,
			"color": colour},
		map[string]any{"type": "TextBlock", "text": m.Text, "wrap": true},
	}
	if len(m.Fields) > 0 {
		var facts []any
		for _, f := range m.Fields {
			facts = append(facts, map[string]any{"title": f.Name, "value": f.Value})
		}
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	}
	body = append(body, map[string]any{"type": "TextBlock", "text": "Bit Wobbly · " + m.Event + " · " +
		m.OccurredAt.Format("2006-01-02 15:04 UTC"), "isSubtle": true, "size": "Small", "wrap": true})
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
	}
	if m.URL != "" {
		card["actions"] = []any{map[string]any{"type": "Action.OpenUrl", "title": "Open in Bit Wobbly", "url": m.URL}}
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     card,
		}},
	}
}

// Send posts the card; workflows answer 202 Accepted.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	res, _, err := notify.PostJSON(ctx, c.http, c.url, nil, Card(m))
	return res, err
}
