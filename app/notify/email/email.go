// Package email sends notifications by e-mail: through the instance's
// transport (Resend, SMTP or the log), or through the channel's own
// Resend key or SMTP server.
package email

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	"github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/app/notify"
)

var _ notify.Sender = (*Channel)(nil)

// Type describes the e-mail channel.
var Type = notify.Type{
	Name:  "email",
	Label: "E-mail",
	Fields: []notify.ConfigField{
		{Key: "to", Label: "Recipients", Kind: "text", Required: true, Help: "E-mail addresses, separated by commas."},
		{Key: "transport", Label: "Send through", Kind: "select", Options: []string{"instance", "resend", "smtp"},
			Help: "instance uses the server's e-mail settings; resend or smtp use the settings below."},
		{Key: "from", Label: "From", Kind: "text", Help: "Sender for resend/smtp; default the instance's."},
		{Key: "resend_api_key", Label: "Resend API key", Kind: "text", Secret: true},
		{Key: "resend_base_url", Label: "Resend API URL", Kind: "url", Help: "Default https://api.resend.com."},
		{Key: "smtp_host", Label: "SMTP host", Kind: "text"},
		{Key: "smtp_port", Label: "SMTP port", Kind: "number", Help: "Default 587."},
		{Key: "smtp_user", Label: "SMTP user", Kind: "text"},
		{Key: "smtp_password", Label: "SMTP password", Kind: "text", Secret: true},
		{Key: "smtp_tls", Label: "SMTP security", Kind: "select", Options: []string{"starttls", "tls", "none"}},
	},
	New: New,
}

type config struct {
	To            any    `json:"to"`
	Transport     string `json:"transport"`
	From          string `json:"from"`
	ResendAPIKey  string `json:"resend_api_key"`
	ResendBaseURL string `json:"resend_base_url"`
	SMTPHost      string `json:"smtp_host"`
	SMTPPort      any    `json:"smtp_port"`
	SMTPUser      string `json:"smtp_user"`
	SMTPPassword  string `json:"smtp_password"`
	SMTPTLS       string `json:"smtp_tls"`
}

// Channel is a configured list of recipients and a transport.
type Channel struct {
	to     []string
	mode   string
	sender mail.Sender
	rec    *recorder
}

// Recipients splits the to setting (a string or a list) into addresses.
func Recipients(v any) []string {
	var parts []string
	switch t := v.(type) {
	case string:
		parts = strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == ' ' })
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				parts = append(parts, s)
			}
		}
	case []string:
		parts = t
	}
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// New checks the settings and returns the channel.
func New(raw map[string]any, env notify.Env) (notify.Sender, error) {
	var c config
	if err := notify.Decode(raw, &c); err != nil {
		return nil, err
	}
	switch v := c.To.(type) {
	case nil, string:
	case []any:
		for _, x := range v {
			if _, ok := x.(string); !ok {
				return nil, notify.Invalid("to", "must be e-mail addresses as text")
			}
		}
	default:
		return nil, notify.Invalid("to", "must be e-mail addresses, comma-separated or a list")
	}
	to := Recipients(c.To)
	if len(to) == 0 {
		return nil, notify.Invalid("to", "give at least one e-mail address")
	}
	if len(to) > 50 {
		return nil, notify.Invalid("to", "at most 50 addresses")
	}
	for _, a := range to {
		if !mail.ValidAddress(a) {
			return nil, notify.Invalid("to", "%q is not an e-mail address", a)
		}
	}
	if c.From != "" {
		if _, err := netmail.ParseAddress(c.From); err != nil || strings.ContainsAny(c.From, "\r\n") {
			return nil, notify.Invalid("from", "must be one e-mail address, like Alerts <alerts@example.com>")
		}
	}
	ch := &Channel{to: to, mode: c.Transport}
	from := c.From
	if from == "" {
		from = env.MailFrom
	}
	switch c.Transport {
	case "", "instance":
		ch.mode = "instance"
		if env.Mail == nil {
			return nil, notify.Invalid("transport", "the server has no e-mail transport")
		}
		ch.sender = env.Mail
	case "resend":
		if strings.TrimSpace(c.ResendAPIKey) == "" {
			return nil, notify.Invalid("resend_api_key", "is required to send through Resend")
		}
		base := c.ResendBaseURL
		if base == "" {
			base = "https://api.resend.com"
		}
		if err := env.CheckURL("resend_base_url", base); err != nil {
			return nil, err
		}
		ch.rec = &recorder{}
		hc := *env.HTTP
		hc.Transport = &recordingTransport{base: env.HTTP.Transport, rec: ch.rec}
		ch.sender = mail.New(mail.Config{From: from, ResendAPIKey: c.ResendAPIKey, ResendBaseURL: base,
			HTTPClient: &hc}, nil)
	case "smtp":
		port, err := portOf(c.SMTPPort)
		if err != nil {
			return nil, err
		}
		host := strings.TrimSpace(c.SMTPHost)
		if host == "" || strings.ContainsAny(host, "/: ") {
			return nil, notify.Invalid("smtp_host", "give the SMTP server's host name")
		}
		if err := env.CheckURL("smtp_host", "http://"+host+":"+strconv.Itoa(port)); err != nil {
			return nil, err
		}
		tlsMode := c.SMTPTLS
		if tlsMode == "" {
			tlsMode = "starttls"
		}
		if tlsMode != "starttls" && tlsMode != "tls" && tlsMode != "none" {
			return nil, notify.Invalid("smtp_tls", "must be starttls, tls or none")
		}
		cfg := mail.Config{From: from, SMTPHost: host, SMTPPort: port, SMTPUser: c.SMTPUser,
			SMTPPassword: c.SMTPPassword, SMTPTLS: tlsMode, TLS: env.TLS}
		if env.Guard != nil {
			cfg.Dial = env.Guard.Dialer().DialContext
		}
		ch.sender = mail.New(cfg, nil)
	default:
		return nil, notify.Invalid("transport", "must be instance, resend or smtp")
	}
	return ch, nil
}

func portOf(v any) (int, error) {
	switch p := v.(type) {
	case nil:
		return 587, nil
	case float64:
		if p >= 1 && p <= 65535 {
			return int(p), nil
		}
	case string:
		if p == "" {
			return 587, nil
		}
		if n, err := strconv.Atoi(p); err == nil && n >= 1 && n <= 65535 {
			return n, nil
		}
	}
	return 0, notify.Invalid("smtp_port", "must be a port number from 1 to 65535")
}

// Compose renders a message as an e-mail with text and HTML parts.
func Compose(m notify.Message, to string, key string) mail.Message {
	var text, h strings.Builder
	text.WriteString(m.Title + "\n\n" + m.Text + "\n")
	h.WriteString("<h2>" + html.EscapeString(m.Title) + "</h2><p>" +
		strings.ReplaceAll(html.EscapeString(m.Text), "\n", "<br>") + "</p>")
	if len(m.Fields) > 0 {
		text.WriteString("\n")
		h.WriteString("<table>")
		for _, f := range m.Fields {
			text.WriteString(f.Name + ": " + f.Value + "\n")
			h.WriteString("<tr><th align=\"left\">" + html.EscapeString(f.Name) + "</th><td>" +
				html.EscapeString(f.Value) + "</td></tr>")
		}
		h.WriteString("</table>")
	}
	if m.URL != "" {
		text.WriteString("\n" + m.URL + "\n")
		h.WriteString(`<p><a href="` + html.EscapeString(m.URL) + `">Open in Bit Wobbly</a></p>`)
	}
	return mail.Message{To: to, Subject: "[Bit Wobbly] " + m.Title, Text: text.String(), HTML: h.String(),
		IdempotencyKey: key, Headers: map[string]string{"X-Bitwobbly-Event": m.Event}}
}

// Send mails every recipient. Each recipient has its own idempotency key
// derived from the delivery's, stable across retries.
func (c *Channel) Send(ctx context.Context, m notify.Message) (notify.Result, error) {
	var res notify.Result
	var errs []error
	for i, to := range c.to {
		key := m.ID
		if len(c.to) > 1 {
			key += "-" + strconv.Itoa(i)
		}
		err := c.sender.Send(ctx, Compose(m, to, key))
		if c.rec != nil {
			res = c.rec.result()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", to, err))
		}
	}
	if res.Response == "" {
		res.Response = c.note()
	}
	if err := errors.Join(errs...); err != nil {
		var reply *textproto.Error
		switch {
		case res.StatusCode >= 400 && res.StatusCode < 500 && res.StatusCode != 429:
			return res, notify.Permanent(err)
		case errors.As(err, &reply) && reply.Code >= 500:
			// SMTP 5xx replies are final (bad credentials, unknown
			// recipient); 4xx ones are worth another try.
			return res, notify.Permanent(err)
		}
		return res, err
	}
	return res, nil
}

func (c *Channel) note() string {
	mode := c.mode
	if c.mode == "instance" {
		mode = c.sender.Mode()
	}
	switch mode {
	case "log":
		return "written to the server log: no e-mail transport is configured (dry run)"
	case "smtp":
		return "accepted by the SMTP server"
	}
	return "sent through " + mode
}

// recorder keeps the status and the start of the last HTTP answer, so
// the attempts log shows what Resend really said.
type recorder struct {
	mu     sync.Mutex
	status int
	body   []byte
	retry  http.Header
}

func (r *recorder) result() notify.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return notify.Result{StatusCode: r.status, Response: notify.Excerpt(r.body), RetryAfter: notify.RetryAfter(r.retry)}
}

type recordingTransport struct {
	base http.RoundTripper
	rec  *recorder
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	res, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	data, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(data))
	t.rec.mu.Lock()
	t.rec.status, t.rec.body, t.rec.retry = res.StatusCode, data, res.Header.Clone()
	t.rec.mu.Unlock()
	return res, nil
}
