package views

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// IssueListView is the issue inbox.
type IssueListView struct {
	Rows         []IssueRow
	Status       string
	Level        string
	ProjectID    int64
	Environment  string
	Release      string
	Query        string
	Sort         string
	Projects     []Choice
	Environments []string
	Releases     []string
	NextCursor   string
	HasProjects  bool
	CanEdit      bool
	FilterError  string
	// Since is when the page was rendered (Unix ms), for the live notice.
	Since int64
}

// Choice is one choice of an issue-page select.
type Choice struct {
	Value, Label string
}

// IssueRow is one issue of the list.
type IssueRow struct {
	ID        int64
	Title     string
	Culprit   string
	Project   string
	Level     string
	Status    string
	Substatus string
	Events    int64
	Users     int64
	FirstSeen time.Time
	LastSeen  time.Time
	Spark     []int64 // events per hour, oldest first
	Assignee  string
}

// Query is the list URL with the current filters and the given changes.
func (v IssueListView) URL(changes ...string) string {
	q := url.Values{}
	set := func(k, val string) {
		if val != "" {
			q.Set(k, val)
		}
	}
	set("status", v.Status)
	set("level", v.Level)
	if v.ProjectID != 0 {
		q.Set("project", strconv.FormatInt(v.ProjectID, 10))
	}
	set("environment", v.Environment)
	set("release", v.Release)
	set("q", v.Query)
	if v.Sort != "last_seen" {
		set("sort", v.Sort)
	}
	for i := 0; i+1 < len(changes); i += 2 {
		if changes[i+1] == "" {
			q.Del(changes[i])
		} else {
			q.Set(changes[i], changes[i+1])
		}
	}
	if len(q) == 0 {
		return "/issues"
	}
	return "/issues?" + q.Encode()
}

// Bar is one bar of a small SVG bar chart.
type Bar struct {
	X, Y, W, H float64
	Title      string
}

// Bars lays out counts as bars in a width×height box, with titles.
func Bars(counts []int64, width, height float64, label func(i int) string) []Bar {
	if len(counts) == 0 {
		return nil
	}
	var max int64 = 1
	for _, c := range counts {
		max = maxInt(max, c)
	}
	w := width / float64(len(counts))
	out := make([]Bar, len(counts))
	for i, c := range counts {
		h := float64(c) / float64(max) * (height - 1)
		if c > 0 && h < 1.5 {
			h = 1.5
		}
		out[i] = Bar{X: float64(i) * w, Y: height - h, W: maxF(w-1, 1), H: h,
			Title: fmt.Sprintf("%s: %d events", label(i), c)}
	}
	return out
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func maxF(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// F formats a float for an SVG attribute.
func F(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// Count formats an event or user count compactly.
func Count(n int64) string {
	switch {
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.FormatInt(n, 10)
}

// IssueStatusLabel is the words for an issue's status.
func IssueStatusLabel(status, substatus string) string {
	switch {
	case status == "unresolved" && substatus == "regressed":
		return "Regressed"
	case status == "unresolved" && substatus == "new":
		return "New"
	case status == "unresolved" && substatus == "escalating":
		return "Escalating"
	case status == "unresolved":
		return "Unresolved"
	case status == "resolved":
		return "Resolved"
	case status == "ignored":
		return "Ignored"
	}
	return status
}

// IssueView is the issue page.
type IssueView struct {
	ID            int64
	Title         string
	Culprit       string
	Project       string
	ProjectID     int64
	Level         string
	Status        string
	Substatus     string
	StatusNote    string
	Events        int64
	Users         int64
	FirstSeen     time.Time
	LastSeen      time.Time
	FirstRelease  string
	LastRelease   string
	Assignee      string
	Members       []Choice
	CanEdit       bool
	Chart         []Bar // events per day, 30 days
	Spark24       []Bar // events per hour, 24 h
	Tags          []TagBars
	Activity      []ActivityRow
	Hashes        []HashRow
	Event         *EventView
	OlderURL      string
	NewerURL      string
	EventPosition string
	Form          Form
}

// TagBars is one tag with its most frequent values.
type TagBars struct {
	Key    string
	Values []TagValue
}

// TagValue is one tag value with its share of events.
type TagValue struct {
	Value   string
	Count   int64
	Percent int
}

// ActivityRow is one entry of an issue's log.
type ActivityRow struct {
	Kind string
	Body string
	Who  string
	At   time.Time
}

// HashRow is one grouping hash of an issue.
type HashRow struct {
	Hash    string
	Version string
	Events  int64
}

// EventView is one event as the issue page shows it.
type EventView struct {
	ID          string
	RowID       int64
	Timestamp   time.Time
	Received    time.Time
	Level       string
	Message     string
	Release     string
	Environment string
	Platform    string
	SDK         string
	Exceptions  []ExceptionView
	Threads     []ExceptionView
	Breadcrumbs []BreadcrumbView
	Tags        [][2]string
	Request     [][2]string
	RequestHead [][2]string
	User        [][2]string
	Contexts    []KVSection
	Extra       [][2]string
	Grouping    string
	RawURL      string
	RawJSON     string
	Attachments []AttachmentView
	Feedback    []FeedbackView
}

// AttachmentView is a file sent with an event.
type AttachmentView struct {
	Name string
	Size string
	URL  string
}

// FeedbackView is what a user wrote about an event.
type FeedbackView struct {
	Name     string
	Email    string
	Comments string
}

// ExceptionView is one exception (or thread) with its frames, newest first.
type ExceptionView struct {
	Type      string
	Value     string
	Mechanism string
	Handled   string
	Frames    []FrameView
}

// FrameView is one stack frame.
type FrameView struct {
	Function string
	Location string
	Line     int64
	InApp    bool
	Context  []ContextLine
	Vars     [][2]string
}

// ContextLine is one line of source around a frame.
type ContextLine struct {
	No      int64
	Text    string
	Current bool
}

// BreadcrumbView is one breadcrumb.
type BreadcrumbView struct {
	At       time.Time
	Category string
	Level    string
	Message  string
	Data     string
}

// KVSection is a titled key/value table.
type KVSection struct {
	Title string
	Rows  [][2]string
}
