package views

import (
	"strings"
	"time"
)

// AlertTab names the sub-pages of Alerts.
type AlertTab string

// The Alerts sub-pages.
const (
	TabChannels AlertTab = "channels"
	TabRules    AlertTab = "rules"
	TabMine     AlertTab = "mine"
)

// ChannelRow is one channel in the list.
type ChannelRow struct {
	ID         int64
	Name       string
	TypeLabel  string
	Enabled    bool
	LastStatus string // sent, failed, pending or ""
	LastAt     time.Time
	LastTitle  string
}

// ChannelsView is the channels page.
type ChannelsView struct {
	Channels  []ChannelRow
	CanManage bool
}

// ChannelTypeOption is a channel type to choose when adding one.
type ChannelTypeOption struct {
	Name  string
	Label string
}

// ChannelField is one setting in a channel form.
type ChannelField struct {
	Key      string
	Label    string
	Help     string
	Kind     string // text, url, email, number, select, headers
	Options  []string
	Required bool
	Secret   bool
	Value    string
}

// HasSaved reports whether a secret field holds a stored value, shown
// masked.
func (f ChannelField) HasSaved() bool { return f.Secret && strings.Contains(f.Value, "********") }

// ChannelFormView is the add/edit form of a channel, with its delivery
// log when it exists.
type ChannelFormView struct {
	ID         int64 // 0 when new
	Type       string
	TypeLabel  string
	Types      []ChannelTypeOption // shown when Type is empty
	Name       string
	Enabled    bool
	Fields     []ChannelField
	Form       Form
	CanManage  bool
	NewSecret  string // a generated signing secret, shown once
	TestResult *TestResult
	Deliveries []DeliveryRow
	MoreURL    string
}

// TestResult is the answer to "Send test".
type TestResult struct {
	OK         bool
	StatusCode int
	Response   string
	Error      string
}

// DeliveryRow is one notification in a delivery log.
type DeliveryRow struct {
	ID          int64
	Channel     string
	Kind        string
	Title       string
	Status      string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	Created     time.Time
	Sent        time.Time
	Log         []AttemptRow
}

// Queued reports whether the delivery waits for its first attempt.
func (d DeliveryRow) Queued() bool { return d.Status == "pending" && d.Attempts == 0 }

// Overdue reports whether a queued delivery is past its due time: it
// waits for earlier messages to the same channel (or a free sender).
func (d DeliveryRow) Overdue() bool {
	return d.Queued() && !d.NextAttempt.IsZero() && time.Since(d.NextAttempt) > 30*time.Second
}

// AttemptRow is one attempt of a delivery.
type AttemptRow struct {
	Started    time.Time
	DurationMS int64
	StatusCode int
	Response   string
	Error      string
}

// RuleRow is one alert rule in the list.
type RuleRow struct {
	ID       int64
	Name     string
	Trigger  string
	Channels []string
	Cooldown string
	Enabled  bool
	Filters  string
}

// RulesView is the alert rules page.
type RulesView struct {
	Rules       []RuleRow
	CanEdit     bool
	HasChannels bool
}

// AlertOption is a value with a label, possibly chosen.
type AlertOption struct {
	Value    string
	Label    string
	Selected bool
}

// RuleFormView is the add/edit form of a rule with its dry run.
type RuleFormView struct {
	ID          int64
	Name        string
	Trigger     string
	Triggers    []AlertOption
	Channels    []AlertOption
	Monitors    []AlertOption
	Projects    []AlertOption
	Levels      []AlertOption
	Tags        string
	Envs        string
	Threshold   string
	WindowMin   string
	CooldownMin string
	RenotifyMin string
	StormLimit  string
	Enabled     bool
	Form        Form
	CanEdit     bool
	Preview     []RulePreviewRow
	Previewed   bool
}

// RulePreviewRow is one event the dry run would have acted on.
type RulePreviewRow struct {
	Kind    string
	Title   string
	At      time.Time
	Outcome string
}

// MyNotificationsView lists what reached the signed-in person and the
// team's recent notifications.
type MyNotificationsView struct {
	Email string
	Mine  []DeliveryRow
	Team  []DeliveryRow
}

// DeliveryPill maps a delivery status to a pill class and label.
func DeliveryPill(status string) (string, string) {
	switch status {
	case "sent":
		return "up", "sent"
	case "failed":
		return "down", "failed"
	case "pending":
		return "degraded", "retrying"
	}
	return "paused", status
}

// OutcomePill maps a dry-run outcome to a pill class and label.
func OutcomePill(o string) (string, string) {
	switch o {
	case "fire":
		return "down", "would notify"
	case "resolve":
		return "up", "would resolve"
	case "cooldown":
		return "paused", "cooldown"
	case "maintenance":
		return "maintenance", "silenced"
	}
	return "paused", o
}
