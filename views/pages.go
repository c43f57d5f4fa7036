package views

import "time"

// Option is a choice in a select or a checkbox list.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// PagesListView lists the team's status pages.
type PagesListView struct {
	Rows    []PageRow
	CanEdit bool
}

// PageRow is one status page in the list.
type PageRow struct {
	ID          int64
	Title       string
	Slug        string
	URL         string
	Access      string
	Components  int
	Subscribers int
	Status      string
	StatusClass string
}

// PageEditView is the page editor with components and subscribers.
type PageEditView struct {
	New          bool
	ID           int64
	URL          string
	Form         Form
	CanEdit      bool
	HasPassword  bool
	Components   []ComponentEditRow
	NewComponent Form
	Monitors     []Option
	Subscribers  []SubscriberRow
	Timezones    []string
}

// ComponentEditRow is a component with its inline edit form.
type ComponentEditRow struct {
	ID          int64
	Name        string
	Group       string
	Description string
	Override    string
	Position    int
	ShowUptime  bool
	ShowLatency bool
	Monitors    []Option
	Status      string
	StatusClass string
	BadgeURL    string
}

// SubscriberRow is one subscriber of a page.
type SubscriberRow struct {
	ID        int64
	Kind      string
	Target    string
	Confirmed bool
	Created   time.Time
}

// IncidentListView lists incidents.
type IncidentListView struct {
	Rows    []IncidentRow
	CanEdit bool
	Next    string
}

// IncidentRow is one incident in lists and headers.
type IncidentRow struct {
	ID       int64
	Title    string
	Status   string
	Impact   string
	Source   string
	Started  time.Time
	Resolved time.Time
	Monitor  string
}

// IncidentFormView is the composer of a new incident.
type IncidentFormView struct {
	Form       Form
	Components []Option
	Monitors   []Option
}

// IncidentShowView is an incident with its history and the update composer.
type IncidentShowView struct {
	Incident   IncidentRow
	Updates    []IncidentUpdateRow
	Components []Option
	Form       Form
	CanEdit    bool
}

// IncidentUpdateRow is one entry of an incident's history.
type IncidentUpdateRow struct {
	Status string
	HTML   string
	At     time.Time
}

// MaintListView lists maintenance windows.
type MaintListView struct {
	Rows    []MaintRow
	CanEdit bool
}

// MaintRow is one maintenance window in the list.
type MaintRow struct {
	ID     int64
	Title  string
	Kind   string
	When   string
	State  string // active upcoming past
	Covers string
}

// MaintFormView is the maintenance scheduler form.
type MaintFormView struct {
	New        bool
	ID         int64
	Form       Form
	Weekdays   []Option
	Monitors   []Option
	Components []Option
	Timezones  []string
	CanEdit    bool
}

// ComponentStatusOptions are the manual component statuses.
var ComponentStatusOptions = []Option{
	{Value: "operational", Label: "Operational"},
	{Value: "degraded_performance", Label: "Degraded performance"},
	{Value: "partial_outage", Label: "Partial outage"},
	{Value: "major_outage", Label: "Major outage"},
	{Value: "under_maintenance", Label: "Under maintenance"},
}

// IncidentStatusOptions are the states of an incident.
var IncidentStatusOptions = []Option{
	{Value: "investigating", Label: "Investigating"},
	{Value: "identified", Label: "Identified"},
	{Value: "monitoring", Label: "Monitoring"},
	{Value: "resolved", Label: "Resolved"},
}

// ImpactOptions are the severities of an incident.
var ImpactOptions = []Option{
	{Value: "none", Label: "None"},
	{Value: "minor", Label: "Minor"},
	{Value: "major", Label: "Major"},
	{Value: "critical", Label: "Critical"},
}
