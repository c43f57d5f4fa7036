// Package ntfy publishes notifications to an ntfy server topic.
package ntfy

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// DefaultServer is the public ntfy server.
const DefaultServer = "https://ntfy.sh"

// Type describes the ntfy channel.
var Type = notify.Type{
	Name:  "ntfy",
	Label: "ntfy",
	Fields: []notify.ConfigField{
		{Key: "server_url", Label: "Server URL", Kind: "url", Help: "Default " + DefaultServer + "."},
		{Key: "topic", Label: "Topic", Kind: "text", Required: true},
		{Key: "priority", Label: "Priority", Kind: "select", Options: []string{"", "1", "2", "3", "4", "5"},
			Help: "1 (min) to 5 (max); empty follows the alert's severity."},
		{Key: "token", Label: "Access token", Kind: "text", Secret: true, Help: "Optional, for protected topics."},
	},
	New: New,
}

type config struct {
	ServerURL string `json:"server_url"`
	Topic     string `json:"topic"`
	Priority  any    `json:"priority"`
	Token     string `json:"token"`
}

var topicShape = regexp.MustCompile(`^[-_A-Za-z0-9]{1,64}$`)

var priorityNames = map[string]int{"min": 1, "low": 2, "default": 3, "high": 4, "max": 5, "urgent": 5}

// Channel is a configured ntfy topic.
type Channel struct {
	cfg      config
	priority int
	http     *http.Client
}

// New checks the settings and returns the channel.
func New(raw map[string]any, env notify.Env) (notify.Sender, error) {
	var c config
	if err := notify.Decode(raw, &c); err != nil {
		return nil, err
	}
	if c.ServerURL == "" {
		c.ServerURL = DefaultServer
	}
	if err := env.CheckURL("server_url", c.ServerURL); err != nil {
		return nil, err
	}
	if !topicShape.MatchString(c.Topic) {
		return nil, notify.Invalid("topic", "must be 1 to 64 letters, digits, - or _")
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return nil, notify.Invalid("token", "must be one access token without spaces or line breaks")
	}
	ch := &Channel{cfg: c, http: env.HTTP}
	switch p := c.Priority.(type) {
	case nil:
	case float64:
		if p != math.Trunc(p) || p < 0 || p > 5 {
			return nil, notify.Invalid("priority", "must be 1 to 5 or min, low, default, high, max")
		}
		ch.priority = int(p)
	case string:
		if n, ok := priorityNames[strings.ToLower(p)]; ok {
			ch.priority = n
		} else if p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, notify.Invalid("priority", "must be 1 to 5 or min, low, default, high, max")
			}
			ch.priority = n
		}
	default:
		return nil, notify.Invalid("priority", "must be 1 to 5 or min, low, default, high, max")
	}
	if ch.priority < 0 || ch.priority > 5 {
		return nil, notify.Invalid("priority", "must be 1 to 5")
	}
	return ch, nil
}

var severityPriority = map[string]int{"critical": 5, "error": 4, "warning": 4, "info": 3}
var severityTags = map[string]string{"critical": "rotating_light", "error": "warning", "warning": "warning",
	"info": "information_source"}

// Publish renders a message as an ntfy JSON publish body.
func Publish(m notify.Message, topic string, priority int) map[string]any {
	if priority == 0 {
		priority = severityPriority[m.Severity]
		if m.Action == notify.ActionResolve {
			priority = 3
		}
	}
	tag := severityTags[m.Severity]
	if m.Action == notify.ActionResolve {
		tag = "white_check_mark"
	}
	text := m.Text
	for _, f := range m.Fields {
		text += fmt.Sprintf("\n%s: %s", f.Name, f.Value)
	}
	p := map[string]any{"topic": topic, "title": m.Title, "message": text, "priority": priority,
		"tags": []string{tag, "bitwobbly"}}
	if m.URL != "" {
		p["click"] = m.URL
	}
	return p
}

// Send publishes to the server root with the topic in the JSON body; the
// server answers 200 with the stored message.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	h := http.Header{}
	if c.cfg.Token != "" {
		h.Set("Authorization", "Bearer "+c.cfg.Token)
	}
	res, _, err := notify.PostJSON(ctx, c.http, strings.TrimRight(c.cfg.ServerURL, "/")+"/", h,
		Publish(m, c.cfg.Topic, c.priority))
	return res, err
}
