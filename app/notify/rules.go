package notify

import (
	"slices"
	"strings"
	"time"
)

// Triggers are the kinds of alert rule, as the API spells them.
var Triggers = []string{"monitor_down", "monitor_recovered", "monitor_degraded", "certificate_expiring",
	"heartbeat_missed", "issue_new", "issue_regressed", "issue_frequency", "issue_users"}

// TriggerLabels are the triggers in words, for the UI.
var TriggerLabels = map[string]string{
	"monitor_down":         "Monitor goes down",
	"monitor_recovered":    "Monitor recovers",
	"monitor_degraded":     "Monitor is degraded",
	"certificate_expiring": "Certificate expires within N days",
	"heartbeat_missed":     "Heartbeat missed",
	"issue_new":            "New error issue",
	"issue_regressed":      "Issue regressed",
	"issue_frequency":      "Issue has more than N events in a window",
	"issue_users":          "Issue affects more than N users in a window",
}

// Rule is an alert rule with the ids of its channels.
type Rule struct {
	ID              int64
	TeamID          int64
	Name            string
	Trigger         string
	Filters         Filters
	Threshold       int64
	WindowSeconds   int64
	CooldownSeconds int64
	RenotifyMinutes int64
	StormLimit      int64
	Enabled         bool
	ChannelIDs      []int64
	CreatedAt       int64
	UpdatedAt       int64
}

// Filters narrow which events a rule fires on. Empty lists match all.
// Monitor filters apply to monitor events, the others to issue events.
type Filters struct {
	MonitorIDs   []int64  `json:"monitor_ids,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	ProjectIDs   []int64  `json:"project_ids,omitempty"`
	Environments []string `json:"environments,omitempty"`
	Levels       []string `json:"levels,omitempty"`
}

// DefaultThreshold is the N a trigger uses when the rule gives none.
func DefaultThreshold(trigger string) int64 {
	switch trigger {
	case "certificate_expiring":
		return 14
	case "issue_frequency":
		return 100
	case "issue_users":
		return 10
	}
	return 0
}

// opens reports whether a trigger opens an alert that a recovery resolves.
func opens(trigger string) bool {
	return trigger == "monitor_down" || trigger == "monitor_degraded" || trigger == "heartbeat_missed"
}

// match says what a rule does with an event: fire it, resolve an open
// alert, or nothing.
func (r Rule) match(e Event, p payload, now time.Time) (fire, resolve bool) {
	if !r.filtersMatch(e, p) {
		return false, false
	}
	switch {
	case e.Kind == r.Trigger && r.Trigger == "certificate_expiring":
		n := r.Threshold
		if n <= 0 {
			n = DefaultThreshold(r.Trigger)
		}
		d, ok := p.daysLeft(now)
		return !ok || d <= float64(n), false
	case e.Kind == r.Trigger:
		return true, false
	case e.Kind == "monitor_recovered" && opens(r.Trigger):
		return false, true
	}
	return false, false
}

func (r Rule) filtersMatch(e Event, p payload) bool {
	f := r.Filters
	if strings.HasPrefix(e.Kind, "issue_") {
		if len(f.ProjectIDs) > 0 && !slices.Contains(f.ProjectIDs, e.projectID(p)) {
			return false
		}
		if len(f.Environments) > 0 && !slices.Contains(f.Environments, p.str("environment")) {
			return false
		}
		if len(f.Levels) > 0 && !slices.Contains(f.Levels, p.str("level")) {
			return false
		}
		return true
	}
	if len(f.MonitorIDs) > 0 && !slices.Contains(f.MonitorIDs, e.monitorID(p)) {
		return false
	}
	if len(f.Tags) > 0 {
		tags := p.strs("tags")
		for _, t := range f.Tags {
			if slices.Contains(tags, t) {
				return true
			}
		}
		return false
	}
	return true
}

// maintWindow is one maintenance window as stored in the maintenance table.
type maintWindow struct {
	kind        string
	startsAt    int64
	endsAt      int64
	weekdays    int64
	startTime   string
	durationMin int64
	timezone    string
}

// active reports whether the window covers t.
func (w maintWindow) active(t time.Time) bool {
	if w.kind != "recurring" {
		return w.startsAt != 0 && t.UnixMilli() >= w.startsAt && (w.endsAt == 0 || t.UnixMilli() < w.endsAt)
	}
	loc, err := time.LoadLocation(w.timezone)
	if err != nil {
		loc = time.UTC
	}
	hm, err := time.Parse("15:04", w.startTime)
	if err != nil || w.durationMin <= 0 {
		return false
	}
	lt := t.In(loc)
	for back := 0; back <= 7; back++ {
		d := lt.AddDate(0, 0, -back)
		if w.weekdays&(1<<int(d.Weekday())) == 0 {
			continue
		}
		start := time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
		end := start.Add(time.Duration(w.durationMin) * time.Minute)
		if !t.Before(start) && t.Before(end) {
			return true
		}
	}
	return false
}
