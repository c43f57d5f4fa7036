// Package telegram sends notifications through a Telegram bot
// (Bot API sendMessage).
package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// DefaultAPIURL is the Bot API host.
const DefaultAPIURL = "https://api.telegram.org"

// Type describes the Telegram channel.
var Type = notify.Type{
	Name:  "telegram",
	Label: "Telegram",
	Fields: []notify.ConfigField{
		{Key: "bot_token", Label: "Bot token", Kind: "text", Required: true, Secret: true,
			Help: "From @BotFather, like 123456:ABC-DEF…"},
		{Key: "chat_id", Label: "Chat ID", Kind: "text", Required: true,
			Help: "A numeric chat id or @channelname."},
		{Key: "api_url", Label: "Bot API URL", Kind: "url", Help: "Default " + DefaultAPIURL + "."},
	},
	New: New,
}

type config struct {
	BotToken string `json:"bot_token"`
	ChatID   string `json:"chat_id"`
	APIURL   string `json:"api_url"`
}

var (
	tokenShape = regexp.MustCompile(`^[0-9]{3,20}:[A-Za-z0-9_-]{20,100}$`)
	chatShape  = regexp.MustCompile(`^(-?[0-9]{1,20}|@[A-Za-z0-9_]{4,64})$`)
)

// Channel is a configured Telegram bot and chat.
type Channel struct {
	cfg  config
	http *http.Client
}

// New checks the settings and returns the channel.
func New(raw map[string]any, env notify.Env) (notify.Sender, error) {
	var c config
	if v, ok := raw["chat_id"].(float64); ok {
		raw = cloneWith(raw, "chat_id", fmt.Sprintf("%.0f", v))
	}
	if err := notify.Decode(raw, &c); err != nil {
		return nil, err
	}
	c.BotToken, c.ChatID = strings.TrimSpace(c.BotToken), strings.TrimSpace(c.ChatID)
	if !tokenShape.MatchString(c.BotToken) {
		return nil, notify.Invalid("bot_token", "must look like 123456:ABC-DEF… as @BotFather gives it")
	}
	if !chatShape.MatchString(c.ChatID) {
		return nil, notify.Invalid("chat_id", "must be a numeric chat id or @channelname")
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if err := env.CheckURL("api_url", c.APIURL); err != nil {
		return nil, err
	}
	return &Channel{cfg: c, http: env.HTTP}, nil
}

func cloneWith(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m))
	for a, b := range m {
		out[a] = b
	}
	out[k] = v
	return out
}

// Text renders a message as Telegram HTML (at most 4096 characters).
func Text(m notify.Message) string {
	var b strings.Builder
	icon := map[string]string{"critical": "🔴", "error": "🟠", "warning": "🟡", "info": "🔵"}[m.Severity]
	if m.Action == notify.ActionResolve {
		icon = "🟢"
	}
	b.WriteString(icon + " <b>" + html.EscapeString(m.Title) + "</b>\n")
	if m.Text != "" && m.Text != m.Title {
		b.WriteString(html.EscapeString(m.Text) + "\n")
	}
	for _, f := range m.Fields {
		b.WriteString("<i>" + html.EscapeString(f.Name) + ":</i> " + html.EscapeString(f.Value) + "\n")
	}
	if m.URL != "" {
		b.WriteString(`<a href="` + html.EscapeString(m.URL) + `">Open in Bit Wobbly</a>`)
	}
	s := strings.TrimRight(b.String(), "\n")
	if r := []rune(s); len(r) > 4096 {
		s = html.EscapeString(m.Title)
	}
	return s
}

// Send calls sendMessage. The Bot API answers {"ok":true,…} or
// {"ok":false,"error_code":…,"description":…}; 429 answers carry
// parameters.retry_after.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	u := notify.JoinURL(c.cfg.APIURL, "/bot"+c.cfg.BotToken+"/sendMessage")
	body := map[string]any{"chat_id": c.cfg.ChatID, "text": Text(m), "parse_mode": "HTML",
		"link_preview_options": map[string]any{"is_disabled": true}}
	res, data, err := notify.PostJSON(ctx, c.http, u, nil, body)
	var ans struct {
		OK          bool   `json:"ok"`
		Description string `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	decoded := json.Unmarshal(data, &ans) == nil
	if decoded && ans.Parameters.RetryAfter > 0 && res.RetryAfter == 0 {
		res.RetryAfter = time.Duration(ans.Parameters.RetryAfter) * time.Second
	}
	if err != nil {
		if decoded && ans.Description != "" {
			err = fmt.Errorf("%w: %s", err, ans.Description)
		}
		return res, err
	}
	if !decoded || !ans.OK {
		return res, notify.Permanent(fmt.Errorf("Telegram did not answer ok: %s", ans.Description))
	}
	return res, nil
}
