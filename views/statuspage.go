package views

import "time"

// PublicPage is the frame of every public status-page document.
type PublicPage struct {
	Title        string
	Name         string
	Description  string
	Base         string // path prefix of the page ("/status/acme" or "" on a custom domain)
	LogoURL      string
	FaviconURL   string // empty: a dot in the overall state's colour
	StateClass   string // up degraded down maintenance
	Theme        string // auto light dark
	Style        string // text of the page's own style element (already safe)
	NoIndex      bool
	Links        []PublicLink
	Footer       string
	PoweredBy    bool
	CanSubscribe bool
	// Neutral hides the page's links (error and access pages name nothing).
	Neutral bool
}

// PublicLink is a header link.
type PublicLink struct{ Label, URL string }

// StatusView is the main status page.
type StatusView struct {
	Banner      string
	BannerClass string
	Open        []IncidentCard
	ActiveMaint []MaintCard
	Groups      []ComponentGroup
	Upcoming    []MaintCard
	Components  []PublicLink // for the subscribe choice: Label = name, URL = id
	Notice      string
}

// IncidentCard is an incident as the public page shows it.
type IncidentCard struct {
	ID         int64
	Title      string
	Impact     string
	ImpactText string
	Status     string
	Started    string
	Resolved   string
	Duration   string
	Updates    []UpdateItem
	Components []ComponentLabel
}

// UpdateItem is one update of an incident, body already sanitised HTML.
type UpdateItem struct {
	Status string
	When   string
	ISO    string
	HTML   string
}

// ComponentLabel is a component name with a status.
type ComponentLabel struct {
	Name, Status, Class string
}

// MaintCard is a maintenance window on the page.
type MaintCard struct {
	ID         int64
	Title      string
	When       string
	HTML       string
	Active     bool
	Completed  bool
	Components []ComponentLabel
}

// ComponentGroup is a group of components (Name "" = not grouped).
type ComponentGroup struct {
	Name       string
	Status     string
	Class      string
	AllFine    bool
	Components []ComponentRow
}

// ComponentRow is a component with its bars.
type ComponentRow struct {
	ID          int64
	Name        string
	Description string
	Status      string
	Class       string
	ShowUptime  bool
	Uptime      string
	Bars        []DayBar
	BadDays     []string // titles of days that were not fully up, newest first
	Latency     *LatencyChart
}

// LatencyChart is a component's 24-hour response-time line.
type LatencyChart struct {
	Points string // polyline points in a 900×80 box
	Max    string // label of the top of the scale
	Last   string // the latest value
	Dots   []LatencyDot
}

// LatencyDot is one hour on the chart, with its hover text.
type LatencyDot struct {
	X, Y  int
	Title string
}

// DayBar is one day's bar: x offset, class and its hover/no-JS text.
type DayBar struct {
	X     int
	Width int
	Class string
	Title string
}

// HistoryView lists a month of incidents and links to other months.
type HistoryView struct {
	Month     string
	Prev      string
	Next      string
	PrevLabel string
	NextLabel string
	Incidents []IncidentCard
	Maint     []MaintCard
}

// MessageView is a short page: subscription results, errors, password form.
type MessageView struct {
	Heading  string
	Text     string
	Password bool // show the password form
	Error    string
	Back     string // "Back to the status page" link; none when empty
	SignIn   string // sign-in link for a team-only page; none when empty
}

// PublicTime formats a time in the page's zone.
func PublicTime(t time.Time) string { return t.Format("Jan 2, 2006 15:04 MST") }
