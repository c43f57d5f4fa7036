package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// publicFrame is the frame view model of a page; base is the path prefix.
func publicFrame(sn *statuspage.Snapshot, base, title string) views.PublicPage {
	v := brandFrame(sn.Page, base, title)
	v.StateClass = bannerClass(sn)
	return v
}

// brandFrame is the frame of a page with its branding (name, logo,
// favicon, colours, theme, links, footer) and no state.
func brandFrame(p statuspage.Page, base, title string) views.PublicPage {
	v := views.PublicPage{Title: title, Name: p.Title, Description: p.Description, Base: base, LogoURL: p.LogoURL,
		FaviconURL: p.FaviconURL, StateClass: "none", Theme: p.Theme, Style: statuspage.StyleBlock(p),
		NoIndex: p.NoIndex || p.Access != statuspage.AccessPublic, Footer: p.FooterText, PoweredBy: !p.HidePoweredBy,
		CanSubscribe: p.Access == statuspage.AccessPublic}
	for _, l := range p.HeaderLinks {
		v.Links = append(v.Links, views.PublicLink{Label: l.Label, URL: l.URL})
	}
	return v
}

func bannerClass(sn *statuspage.Snapshot) string {
	switch sn.Indicator {
	case "none":
		return "up"
	case "maintenance":
		return "maintenance"
	case "minor":
		return "degraded"
	}
	return "down"
}

func label(a statuspage.AffectedComponent) views.ComponentLabel {
	return views.ComponentLabel{Name: a.Name, Status: statuspage.StatusLabel(a.Status),
		Class: statuspage.StatusClass(a.Status)}
}

func incidentCard(sn *statuspage.Snapshot, in statuspage.PageIncident) views.IncidentCard {
	c := views.IncidentCard{ID: in.ID, Title: in.Title, Impact: in.Impact, Status: statuspage.StatusWord(in.Status),
		ImpactText: map[string]string{"none": "No impact", "minor": "Minor impact", "major": "Major impact",
			"critical": "Critical impact"}[in.Impact],
		Started: views.PublicTime(sn.PageTime(in.StartedAt))}
	if in.ResolvedAt != 0 {
		c.Resolved = views.PublicTime(sn.PageTime(in.ResolvedAt))
		c.Duration = views.Duration(time.Duration(in.ResolvedAt-in.StartedAt) * time.Millisecond)
	}
	for _, u := range in.Updates {
		c.Updates = append(c.Updates, views.UpdateItem{Status: statuspage.StatusWord(u.Status),
			When: views.PublicTime(sn.PageTime(u.CreatedAt)), ISO: views.ISO(store.Time(u.CreatedAt)),
			HTML: statuspage.Markdown(u.Body)})
	}
	if len(in.Updates) == 0 {
		c.Updates = append(c.Updates, views.UpdateItem{Status: statuspage.StatusWord(in.Status), When: c.Started,
			ISO: views.ISO(store.Time(in.StartedAt))})
	}
	for _, a := range in.Affected {
		c.Components = append(c.Components, label(a))
	}
	return c
}

func maintCard(sn *statuspage.Snapshot, m statuspage.PageMaint) views.MaintCard {
	c := views.MaintCard{ID: m.ID, Title: m.Title, When: sn.Window(m.Window), HTML: statuspage.Markdown(m.Description),
		Active: m.Active, Completed: m.Done}
	for _, a := range m.Affected {
		c.Components = append(c.Components, label(a))
	}
	return c
}

func statusView(sn *statuspage.Snapshot) views.StatusView {
	v := views.StatusView{Banner: sn.Description, BannerClass: bannerClass(sn)}
	for _, in := range sn.Open {
		v.Open = append(v.Open, incidentCard(sn, in))
	}
	for _, m := range sn.ActiveMaint {
		v.ActiveMaint = append(v.ActiveMaint, maintCard(sn, m))
	}
	for _, m := range sn.Upcoming {
		v.Upcoming = append(v.Upcoming, maintCard(sn, m))
	}
	for _, g := range sn.Groups {
		vg := views.ComponentGroup{Name: g.Name, Status: statuspage.StatusLabel(g.Status),
			Class: statuspage.StatusClass(g.Status), AllFine: g.Status == statuspage.Operational}
		for _, c := range g.Components {
			vg.Components = append(vg.Components, componentRow(sn, c))
			v.Components = append(v.Components, views.PublicLink{Label: c.Name, URL: strconv.FormatInt(c.ID, 10)})
		}
		v.Groups = append(v.Groups, vg)
	}
	return v
}

func componentRow(sn *statuspage.Snapshot, c statuspage.ComponentState) views.ComponentRow {
	r := views.ComponentRow{ID: c.ID, Name: c.Name, Description: c.Description, Status: statuspage.StatusLabel(c.Status),
		Class: statuspage.StatusClass(c.Status), ShowUptime: c.ShowUptime, Uptime: statuspage.FormatUptime(c.Uptime)}
	r.Latency = latencyChart(c.Latency, sn)
	lead := 0
	for lead < len(c.Bars) && c.Bars[lead].Class == "none" {
		lead++
	}
	if lead > 0 {
		t := "No data before " + c.Bars[min(lead, len(c.Bars)-1)].Day.Format("Jan 2")
		r.Bars = append(r.Bars, views.DayBar{X: 0, Width: lead*10 - 2, Class: "none", Title: t})
	}
	for i := lead; i < len(c.Bars); i++ {
		r.Bars = append(r.Bars, views.DayBar{X: i * 10, Width: 8, Class: c.Bars[i].Class, Title: barTitle(c.Bars[i])})
	}
	for i := len(c.Bars) - 1; i >= lead; i-- {
		if b := c.Bars[i]; b.Class == "down" || b.Class == "degraded" || len(b.Incidents) > 0 {
			r.BadDays = append(r.BadDays, barTitle(b))
		}
	}
	return r
}

// barTitle says a day's date, uptime and incidents, short enough that 90
// of them per component keep the page light.
func barTitle(b statuspage.Bar) string {
	t := b.Day.Format("Jan 2") + " · "
	switch {
	case b.Class == "none":
		t += "no data"
	case b.Uptime >= 100:
		t += "100% uptime"
	default:
		t += statuspage.FormatUptime(b.Uptime) + " uptime"
	}
	switch len(b.Incidents) {
	case 0:
	case 1:
		t += " · incident: " + b.Incidents[0]
	default:
		t += fmt.Sprintf(" · %d incidents: %s", len(b.Incidents), joinTitles(b.Incidents))
	}
	return t
}

func joinTitles(ts []string) string {
	out := ""
	for i, t := range ts {
		if i > 0 {
			out += "; "
		}
		out += t
	}
	return out
}

// latencyChart scales hourly medians into the 900×80 chart box.
func latencyChart(pts []statuspage.LatencyPoint, sn *statuspage.Snapshot) *views.LatencyChart {
	if len(pts) < 2 {
		return nil
	}
	var top int64 = 1
	for _, p := range pts {
		top = max(top, p.MS)
	}
	top = top + top/5
	start := pts[len(pts)-1].At.Add(-24 * time.Hour)
	ch := &views.LatencyChart{Max: fmt.Sprintf("%d ms", top), Last: fmt.Sprintf("%d ms", pts[len(pts)-1].MS)}
	var b strings.Builder
	for _, p := range pts {
		x := int(900 * p.At.Sub(start) / (24 * time.Hour))
		y := 78 - int(74*p.MS/top)
		fmt.Fprintf(&b, "%d,%d ", x, y)
		ch.Dots = append(ch.Dots, views.LatencyDot{X: x, Y: y,
			Title: p.At.In(sn.Loc).Format("Jan 2 15:04") + " · " + fmt.Sprintf("%d ms", p.MS)})
	}
	ch.Points = strings.TrimSpace(b.String())
	return ch
}
