// Package mail sends e-mail through Resend (resend-go) or SMTP, or logs
// it when neither is configured (dry run).
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/resend/resend-go/v2"
)

// Message is one e-mail. Text is required; HTML is optional.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Headers are extra headers, e.g. List-Unsubscribe.
	Headers map[string]string
	// IdempotencyKey lets providers drop a resent duplicate.
	IdempotencyKey string
	// FromName, when set, replaces the display name of the configured
	// sender address (the address itself stays).
	FromName string
}

// Sender returns the From address of m: from with m.FromName as its
// display name when one is set.
func (m Message) Sender(from string) string {
	if m.FromName == "" {
		return from
	}
	a, err := mail.ParseAddress(from)
	if err != nil {
		return from
	}
	a.Name = m.FromName
	return a.String()
}

// Sender sends e-mail.
type Sender interface {
	Send(ctx context.Context, m Message) error
	// Mode says which transport is in use: resend, smtp or log.
	Mode() string
}

// Config selects and configures the transport.
type Config struct {
	From          string
	ResendAPIKey  string
	ResendBaseURL string
	SMTPHost      string
	SMTPPort      int
	SMTPUser      string
	SMTPPassword  string
	SMTPTLS       string // starttls, tls, none
	// HTTPClient, when set, carries Resend requests.
	HTTPClient *http.Client
	// Dial, when set, opens SMTP connections (for example through an
	// address guard).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS, when set, is the base TLS configuration for SMTP (the server
	// name is filled in).
	TLS *tls.Config
}

// New returns the transport the configuration asks for.
func New(cfg Config, log *slog.Logger) Sender {
	switch {
	case cfg.ResendAPIKey != "":
		hc := cfg.HTTPClient
		if hc == nil {
			hc = &http.Client{Timeout: 20 * time.Second}
		}
		c := resend.NewCustomClient(hc, cfg.ResendAPIKey)
		if u, err := url.Parse(strings.TrimRight(cfg.ResendBaseURL, "/") + "/"); err == nil {
			c.BaseURL = u
		}
		return &resendSender{client: c, from: cfg.From}
	case cfg.SMTPHost != "":
		return &smtpSender{cfg: cfg}
	}
	return &LogSender{log: log}
}

// ValidAddress reports whether s is one plain e-mail address.
func ValidAddress(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, "\r\n<>,;\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@") &&
		strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

type resendSender struct {
	client *resend.Client
	from   string
}

func (r *resendSender) Mode() string { return "resend" }

func (r *resendSender) Send(ctx context.Context, m Message) error {
	req := &resend.SendEmailRequest{From: m.Sender(r.from), To: []string{m.To}, Subject: m.Subject,
		Text: m.Text, Html: m.HTML, Headers: m.Headers}
	_, err := r.client.Emails.SendWithOptions(ctx, req, &resend.SendEmailOptions{IdempotencyKey: m.IdempotencyKey})
	if err != nil {
		return fmt.Errorf("mail: resend: %w", err)
	}
	return nil
}

type smtpSender struct{ cfg Config }

func (s *smtpSender) Mode() string { return "smtp" }

func (s *smtpSender) Send(ctx context.Context, m Message) error {
	addr := net.JoinHostPort(s.cfg.SMTPHost, strconv.Itoa(s.cfg.SMTPPort))
	dial := s.cfg.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: 15 * time.Second}).DialContext
	}
	conn, err := dial(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("mail: smtp dial %s: %w", addr, err)
	}
	if s.cfg.SMTPTLS == "tls" {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("mail: smtp tls %s: %w", addr, err)
		}
		conn = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	} else {
		conn.SetDeadline(time.Now().Add(60 * time.Second))
	}
	c, err := smtp.NewClient(conn, s.cfg.SMTPHost)
	if err != nil {
		conn.Close()
		return fmt.Errorf("mail: smtp: %w", err)
	}
	defer c.Close()
	if s.cfg.SMTPTLS == "starttls" {
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("mail: smtp starttls: %w", err)
		}
	}
	if s.cfg.SMTPUser != "" {
		if err := c.Auth(smtp.PlainAuth("", s.cfg.SMTPUser, s.cfg.SMTPPassword, s.cfg.SMTPHost)); err != nil {
			return fmt.Errorf("mail: smtp auth: %w", err)
		}
	}
	from, err := mail.ParseAddress(s.cfg.From)
	if err != nil {
		return fmt.Errorf("mail: from address %q: %w", s.cfg.From, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("mail: smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("mail: smtp RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("mail: smtp DATA: %w", err)
	}
	if _, err := w.Write(Render(m.Sender(s.cfg.From), m)); err != nil {
		return fmt.Errorf("mail: smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("mail: smtp DATA end: %w", err)
	}
	return c.Quit()
}

func (s *smtpSender) tlsConfig() *tls.Config {
	c := &tls.Config{}
	if s.cfg.TLS != nil {
		c = s.cfg.TLS.Clone()
	}
	c.ServerName = s.cfg.SMTPHost
	return c
}

// Render builds an RFC 5322 message with a text part and, when given, an
// HTML alternative.
func Render(from string, m Message) []byte {
	var b strings.Builder
	hdr := func(k, v string) {
		b.WriteString(k + ": " + strings.NewReplacer("\r", "", "\n", "").Replace(v) + "\r\n")
	}
	hdr("From", from)
	hdr("To", m.To)
	hdr("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	hdr("Date", time.Now().UTC().Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	if m.IdempotencyKey != "" {
		hdr("Message-ID", "<"+m.IdempotencyKey+"@bitwobbly>")
	}
	for k, v := range m.Headers {
		hdr(k, v)
	}
	qp := func(s string) string {
		var sb strings.Builder
		w := quotedprintable.NewWriter(&sb)
		w.Write([]byte(s))
		w.Close()
		return sb.String()
	}
	if m.HTML == "" {
		hdr("Content-Type", "text/plain; charset=utf-8")
		hdr("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n" + qp(m.Text))
		return []byte(b.String())
	}
	boundary := "bw-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	hdr("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(m.Text))
	b.WriteString("\r\n--" + boundary + "\r\nContent-Type: text/html; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp(m.HTML))
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return []byte(b.String())
}

// LogSender writes mail to the log instead of sending it (dry run). It
// keeps the last messages so tests and the UI can show them.
type LogSender struct {
	log  *slog.Logger
	mu   sync.Mutex
	sent []Message
}

// Mode is "log".
func (l *LogSender) Mode() string { return "log" }

// Send logs the message.
func (l *LogSender) Send(ctx context.Context, m Message) error {
	if !ValidAddress(m.To) {
		return errors.New("mail: invalid recipient address")
	}
	l.log.Info("e-mail not sent (dry run: configure Resend or SMTP)", "to", m.To, "subject", m.Subject,
		"text", m.Text)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, m)
	if len(l.sent) > 100 {
		l.sent = l.sent[len(l.sent)-100:]
	}
	return nil
}

// Sent returns the messages logged so far (newest last).
func (l *LogSender) Sent() []Message {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Message(nil), l.sent...)
}
