package statuspage

import (
	"encoding/xml"
	"html"
	"strings"
	"time"
)

// FeedItem is one entry of the page's feeds: an incident or a maintenance.
type FeedItem struct {
	ID      string
	Title   string
	Link    string
	Updated time.Time
	HTML    string // sanitised HTML: update bodies rendered from Markdown
}

// feedItems lists incidents and maintenance, newest change first.
func (sn *Snapshot) feedItems(base string) []FeedItem {
	var out []FeedItem
	for i, in := range sn.Incidents {
		if i == 50 {
			break
		}
		var b strings.Builder
		for _, u := range in.Updates {
			b.WriteString("<p><strong>" + html.EscapeString(StatusWord(u.Status)) + "</strong> — " +
				html.EscapeString(sn.PageTime(u.CreatedAt).Format("Jan 2, 15:04 MST")) + "</p>\n")
			if u.Body != "" {
				b.WriteString(Markdown(u.Body) + "\n")
			}
		}
		out = append(out, FeedItem{ID: base + "/incidents/" + sid(in.ID), Title: in.Title + " (" + StatusWord(in.Status) + ")",
			Link: base + "/incidents/" + sid(in.ID), Updated: sn.PageTime(in.UpdatedAt).UTC(), HTML: b.String()})
	}
	done := sn.Completed
	if len(done) > 50 {
		done = done[:50]
	}
	for _, list := range [][]PageMaint{sn.ActiveMaint, sn.Upcoming, done} {
		for _, m := range list {
			when := sn.Window(m.Window)
			title, updated := "Maintenance: "+m.Title, sn.PageTime(m.UpdatedAt).UTC()
			if m.Done {
				title += " (" + StatusWord("completed") + ")"
				if m.Window.End.After(updated) {
					updated = m.Window.End
				}
			}
			out = append(out, FeedItem{ID: base + "/maintenance/" + sid(m.ID), Title: title,
				Link: base + "/maintenance/" + sid(m.ID), Updated: updated,
				HTML: "<p>" + html.EscapeString(when) + "</p>\n" + Markdown(m.Description)})
		}
	}
	return out
}

// StatusTitle is a page title followed by "status", unless the title
// already ends with that word ("Acme Status" stays as it is).
func StatusTitle(title string) string {
	t := strings.TrimSpace(title)
	l := strings.ToLower(t)
	if l == "status" || strings.HasSuffix(l, " status") || strings.HasSuffix(l, "-status") {
		return t
	}
	return t + " status"
}

// Window says a window in the page's time zone.
func (sn *Snapshot) Window(w Window) string {
	s, e := w.Start.In(sn.Loc), w.End.In(sn.Loc)
	day := "Mon Jan 2, 15:04"
	if s.Year() != time.Now().In(sn.Loc).Year() {
		day = "Mon Jan 2 2006, 15:04"
	}
	if s.Format("2006-01-02") == e.Format("2006-01-02") {
		return s.Format(day) + " – " + e.Format("15:04 MST")
	}
	return s.Format(day) + " – " + e.Format(day+" MST")
}

// StatusWord is the human word of an incident or maintenance status.
func StatusWord(s string) string {
	switch s {
	case "investigating":
		return "Investigating"
	case "identified":
		return "Identified"
	case "monitoring":
		return "Monitoring"
	case "resolved":
		return "Resolved"
	case "scheduled":
		return "Scheduled"
	case "in_progress":
		return "In progress"
	case "completed":
		return "Completed"
	}
	return s
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Content atomText `xml:"content"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  string      `xml:"author>name"`
	Entries []atomEntry `xml:"entry"`
}

// Atom is the page's Atom feed.
func (sn *Snapshot) Atom(base string) []byte {
	f := atomFeed{ID: base + "/", Title: StatusTitle(sn.Page.Title), Updated: ts(sn.UpdatedAt),
		Links:  []atomLink{{Href: base, Rel: "alternate", Type: "text/html"}, {Href: base + "/feed.atom", Rel: "self"}},
		Author: sn.Page.Title}
	for _, it := range sn.feedItems(base) {
		f.Entries = append(f.Entries, atomEntry{ID: it.ID, Title: it.Title, Updated: it.Updated.Format(time.RFC3339),
			Link: atomLink{Href: it.Link, Rel: "alternate"}, Content: atomText{Type: "html", Body: it.HTML}})
	}
	raw, _ := xml.MarshalIndent(f, "", "  ")
	return append([]byte(xml.Header), append(raw, '\n')...)
}

type rssItem struct {
	Title       string `xml:"title"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	PubDate     string `xml:"pubDate"`
	Description string `xml:"description"`
}

type rssFeed struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Channel struct {
		Title         string    `xml:"title"`
		Link          string    `xml:"link"`
		Description   string    `xml:"description"`
		LastBuildDate string    `xml:"lastBuildDate"`
		Items         []rssItem `xml:"item"`
	} `xml:"channel"`
}

// RSS is the page's RSS 2.0 feed.
func (sn *Snapshot) RSS(base string) []byte {
	var f rssFeed
	f.Version = "2.0"
	f.Channel.Title = StatusTitle(sn.Page.Title)
	f.Channel.Link = base
	f.Channel.Description = "Incidents and maintenance of " + sn.Page.Title
	f.Channel.LastBuildDate = sn.PageTime(sn.UpdatedAt).UTC().Format(time.RFC1123Z)
	for _, it := range sn.feedItems(base) {
		f.Channel.Items = append(f.Channel.Items, rssItem{Title: it.Title, Link: it.Link, GUID: it.ID,
			PubDate: it.Updated.Format(time.RFC1123Z), Description: it.HTML})
	}
	raw, _ := xml.MarshalIndent(f, "", "  ")
	return append([]byte(xml.Header), append(raw, '\n')...)
}
