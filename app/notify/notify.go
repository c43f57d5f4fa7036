// Package notify turns alert events into notifications and delivers them:
// it matches the alert_events outbox against alert rules, writes one
// delivery row per channel in the same transaction that marks the events
// processed, and sends deliveries from a bounded pool with retries,
// backoff, an attempts log, cooldowns, re-notification, storm summaries
// and maintenance silences. Each channel type lives in its own
// sub-package and implements Sender.
package notify

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bitwobbly/bitwobbly/app/mail"
)

// SchemaVersion names the JSON shape of outgoing webhook bodies.
const SchemaVersion = "bitwobbly.notification.v1"

// Actions a message carries: open an alert, resolve it, or just inform.
const (
	ActionTrigger = "trigger"
	ActionResolve = "resolve"
	ActionInfo    = "info"
)

// Message is one rendered notification. It is stored with its delivery,
// so every attempt sends the same content.
type Message struct {
	// ID is the delivery's idempotency key, stable across attempts.
	ID string `json:"id"`
	// Event is the trigger kind (monitor_down, issue_new, …), "summary"
	// for a storm summary, "reminder" for a re-notification, or "test".
	Event    string `json:"event"`
	Action   string `json:"action"`
	Severity string `json:"severity"` // critical, error, warning, info
	Title    string `json:"title"`
	Text     string `json:"text"`
	URL      string `json:"url,omitempty"`
	// DedupKey groups the trigger and resolve of one alert (PagerDuty
	// dedup_key, Opsgenie alias).
	DedupKey   string          `json:"dedup_key"`
	Fields     []Field         `json:"fields,omitempty"`
	Subject    Subject         `json:"subject"`
	Rule       *RuleRef        `json:"rule,omitempty"`
	TeamID     int64           `json:"team_id"`
	Items      []string        `json:"items,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	OccurredAt time.Time       `json:"occurred_at"`
}

// Field is one labelled value shown with a message.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Subject is what the message is about.
type Subject struct {
	Type string `json:"type"` // monitor, issue, certificate, team
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// RuleRef names the alert rule that produced a message.
type RuleRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Result is a provider's answer to one attempt.
type Result struct {
	StatusCode int
	// Response is a short excerpt of the answer's body (or a note).
	Response string
	// RetryAfter is how long the provider asked us to wait, if it did.
	RetryAfter time.Duration
}

// Sender delivers messages to one configured channel.
type Sender interface {
	Send(ctx context.Context, m Message) (Result, error)
}

// Env is what channel constructors may use.
type Env struct {
	// HTTP is the guarded client: no redirects, SSRF checks at dial time.
	HTTP *http.Client
	// Guard checks URLs when a channel is configured.
	Guard *Guard
	// Mail is the instance's e-mail transport.
	Mail mail.Sender
	// MailFrom is the instance's sender address.
	MailFrom string
	// TLS is the base TLS configuration of channels' own SMTP servers
	// (nil: system roots).
	TLS *tls.Config
}

// Type describes one channel type: its settings and its constructor.
type Type struct {
	Name  string
	Label string
	// Fields describe the settings for forms and documentation.
	Fields []ConfigField
	// Defaults fills settings that are generated when not given.
	Defaults func(cfg map[string]any)
	// New validates cfg and returns a sender; a *FieldError names the
	// setting that is wrong.
	New func(cfg map[string]any, env Env) (Sender, error)
}

// Secret reports whether the setting key holds a secret.
func (t Type) Secret(key string) bool {
	for _, f := range t.Fields {
		if f.Key == key {
			return f.Secret
		}
	}
	return false
}

// ConfigField is one setting of a channel type.
type ConfigField struct {
	Key      string
	Label    string
	Help     string
	Kind     string // text, url, email, number, select, headers
	Options  []string
	Required bool
	Secret   bool
}

// FieldError is a configuration error naming the setting.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Invalid returns a *FieldError.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as one that retrying cannot fix (a wrong token, a
// refused address); the delivery fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
