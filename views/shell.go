// Package views holds the templ components of the dashboard and the public
// pages. Views take view models defined here, never store rows.
package views

import (
	"fmt"
	"strings"
	"time"
)

// Shell is what every dashboard page needs for its frame.
type Shell struct {
	Title     string
	Active    string // nav key: monitors, status-pages, issues, alerts, settings, home
	UserEmail string
	UserName  string
	TeamName  string
	Role      string
	Teams     []TeamOption
	CSRF      string
	Flash     string
}

// TeamOption is one entry of the team switcher.
type TeamOption struct {
	ID      int64
	Name    string
	Current bool
}

// Initial is the avatar letter of the signed-in user.
func (s Shell) Initial() string {
	n := s.UserName
	if n == "" {
		n = s.UserEmail
	}
	if n == "" {
		return "?"
	}
	return strings.ToUpper(n[:1])
}

// navItem is one entry of the left navigation.
type navItem struct {
	Key, Label, Href, Icon string
}

var nav = []navItem{
	{"home", "Overview", "/", "home"},
	{"monitors", "Monitors", "/monitors", "pulse"},
	{"status-pages", "Status pages", "/status-pages", "globe"},
	{"issues", "Issues", "/issues", "bug"},
	{"alerts", "Alerts", "/alerts", "bell"},
	{"settings", "Settings", "/settings", "gear"},
}

// ISO formats a time for a datetime attribute.
func ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Exact formats a time for humans in UTC; browsers rewrite it to local time.
func Exact(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Duration says a duration in words: "2 h 14 min", "45 s".
func Duration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	case d < 24*time.Hour:
		h := int(d.Hours())
		m := int(d.Minutes()) - h*60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	default:
		days := int(d.Hours()) / 24
		h := int(d.Hours()) - days*24
		if h == 0 {
			return fmt.Sprintf("%d d", days)
		}
		return fmt.Sprintf("%d d %d h", days, h)
	}
}

// Itoa formats an integer.
func Itoa[T ~int | ~int64 | ~int32](n T) string { return fmt.Sprint(n) }
