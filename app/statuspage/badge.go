package statuspage

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

func badgeColor(status string) (hex, shields string) {
	switch status {
	case Degraded:
		return "#b07800", "yellow"
	case Partial:
		return "#d9480f", "orange"
	case Major:
		return "#c92a2a", "red"
	case UnderMaint:
		return "#1d63c9", "blue"
	}
	return "#2b8a3e", "brightgreen"
}

func badgeMessage(status string) string { return strings.ToLower(StatusLabel(status)) }

// textWidth estimates the width in px of s at 11 px Verdana-like text.
func textWidth(s string) int { return utf8.RuneCountInString(s)*7 + 10 }

// Badge draws a two-part SVG badge.
func Badge(label, message, color string) []byte {
	if utf8.RuneCountInString(label) > 40 {
		label = string([]rune(label)[:39]) + "…"
	}
	lw, mw := textWidth(label), textWidth(message)
	w := lw + mw
	l, m := html.EscapeString(label), html.EscapeString(message)
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="20" role="img" aria-label="%s: %s">`+
		`<title>%s: %s</title>`+
		`<linearGradient id="s" x2="0" y2="100%%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>`+
		`<stop offset="1" stop-opacity=".1"/></linearGradient>`+
		`<clipPath id="r"><rect width="%d" height="20" rx="3" fill="#fff"/></clipPath>`+
		`<g clip-path="url(#r)"><rect width="%d" height="20" fill="#555"/>`+
		`<rect x="%d" width="%d" height="20" fill="%s"/><rect width="%d" height="20" fill="url(#s)"/></g>`+
		`<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">`+
		`<text x="%d" y="14">%s</text><text x="%d" y="14">%s</text></g></svg>`,
		w, l, m, l, m, w, w, lw, mw, color, w, lw/2, l, lw+mw/2, m)
	return []byte(svg)
}

// OverallBadge is the page's status badge.
func (sn *Snapshot) OverallBadge() []byte {
	c, _ := badgeColor(sn.Status)
	msg := strings.ToLower(sn.Description)
	return Badge("status", msg, c)
}

// ComponentBadge is one component's badge: status and uptime %.
func (sn *Snapshot) ComponentBadge(id int64) ([]byte, bool) {
	cs, ok := sn.componentByID(id)
	if !ok {
		return nil, false
	}
	c, _ := badgeColor(cs.Status)
	msg := badgeMessage(cs.Status)
	if cs.ShowUptime && cs.Uptime >= 0 {
		msg += " · " + FormatUptime(cs.Uptime)
	}
	return Badge(cs.Name, msg, c), true
}

// Shields is the Shields.io endpoint document.
func (sn *Snapshot) Shields() []byte {
	_, color := badgeColor(sn.Status)
	raw, _ := json.Marshal(map[string]any{"schemaVersion": 1, "label": "status",
		"message": strings.ToLower(sn.Description), "color": color})
	return append(raw, '\n')
}

// FormatUptime writes an uptime percentage the way pages show it.
func FormatUptime(p float64) string {
	if p < 0 {
		return "no data"
	}
	if p >= 99.995 && p < 100 {
		return "99.99%"
	}
	return fmt.Sprintf("%.2f%%", p)
}
