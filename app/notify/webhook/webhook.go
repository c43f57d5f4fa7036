// Package webhook posts notifications as JSON (schema
// bitwobbly.notification.v1) to any URL, signed as Standard Webhooks do.
package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/webhooksign"
)

var _ notify.Sender = (*Channel)(nil)

// Type describes the webhook channel.
var Type = notify.Type{
	Name:  "webhook",
	Label: "Webhook",
	Fields: []notify.ConfigField{
		{Key: "url", Label: "URL", Kind: "url", Required: true, Help: "Receives a signed JSON POST for every notification."},
		{Key: "secret", Label: "Signing secret", Kind: "text", Secret: true,
			Help: "whsec_ followed by base64; generated when left empty."},
		{Key: "headers", Label: "Extra headers", Kind: "headers", Secret: true,
			Help: "One per line, as Name: value."},
	},
	Defaults: func(cfg map[string]any) {
		if s, _ := cfg["secret"].(string); strings.TrimSpace(s) == "" {
			cfg["secret"] = webhooksign.NewSecret()
		}
	},
	New: New,
}

type config struct {
	URL     string            `json:"url"`
	Secret  string            `json:"secret"`
	Headers map[string]string `json:"headers"`
}

// reserved headers are set by the channel and cannot be overridden.
var reserved = map[string]bool{"content-type": true, "content-length": true, "host": true, "webhook-id": true,
	"webhook-timestamp": true, "webhook-signature": true, "transfer-encoding": true, "connection": true}

// Channel is a configured webhook.
type Channel struct {
	cfg  config
	key  []byte
	http *http.Client
}

// New checks the settings and returns the channel.
func New(raw map[string]any, env notify.Env) (notify.Sender, error) {
	var c config
	if err := notify.Decode(raw, &c); err != nil {
		return nil, err
	}
	if err := env.CheckURL("url", c.URL); err != nil {
		return nil, err
	}
	key, err := webhooksign.Key(c.Secret)
	if err != nil {
		return nil, notify.Invalid("secret", "must be whsec_ followed by base64 of 16 to 64 bytes")
	}
	for k, v := range c.Headers {
		if reserved[strings.ToLower(k)] {
			return nil, notify.Invalid("headers", "%s is set by Bit Wobbly and cannot be changed", k)
		}
		if !validHeaderName(k) {
			return nil, notify.Invalid("headers", "%q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~)", k)
		}
		if !validHeaderValue(v) {
			return nil, notify.Invalid("headers", "the value of %s holds a control character or line break", k)
		}
	}
	return &Channel{cfg: c, key: key, http: env.HTTP}, nil
}

// Body is the versioned JSON every webhook receives.
type Body struct {
	Schema     string          `json:"schema"`
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Action     string          `json:"action"`
	Severity   string          `json:"severity"`
	Title      string          `json:"title"`
	Text       string          `json:"text"`
	URL        string          `json:"url,omitempty"`
	DedupKey   string          `json:"dedup_key"`
	OccurredAt time.Time       `json:"occurred_at"`
	TeamID     int64           `json:"team_id"`
	Rule       *notify.RuleRef `json:"rule"`
	Subject    notify.Subject  `json:"subject"`
	Fields     []notify.Field  `json:"fields"`
	Items      []string        `json:"items,omitempty"`
	Data       json.RawMessage `json:"data"`
}

// BodyOf renders a message in the webhook schema.
func BodyOf(m notify.Message) Body {
	b := Body{Schema: notify.SchemaVersion, ID: "msg_" + m.ID, Type: m.Event, Action: m.Action, Severity: m.Severity,
		Title: m.Title, Text: m.Text, URL: m.URL, DedupKey: m.DedupKey, OccurredAt: m.OccurredAt, TeamID: m.TeamID,
		Rule: m.Rule, Subject: m.Subject, Fields: m.Fields, Items: m.Items, Data: m.Data}
	if b.Fields == nil {
		b.Fields = []notify.Field{}
	}
	if len(b.Data) == 0 {
		b.Data = json.RawMessage("{}")
	}
	return b
}

// Send posts the message, signed; webhook-id stays the same on every
// retry so receivers can drop duplicates.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	body, err := json.Marshal(BodyOf(m))
	if err != nil {
		return notify.Result{}, notify.Permanent(err)
	}
	h := http.Header{}
	for k, v := range c.cfg.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	webhooksign.SetHeaders(h, c.key, "msg_"+m.ID, time.Now(), body)
	res, _, err := notify.Do(ctx, c.http, http.MethodPost, c.cfg.URL, h, body)
	return res, err
}

// validHeaderName reports whether k is an HTTP field name (an RFC 9110
// token).
func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v can be sent as a field value: no
// control characters other than tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
