package statuspage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Days is how many daily bars a component shows.
const Days = 90

// Snapshot is everything a page shows, computed once per rebuild.
type Snapshot struct {
	Page        Page
	Loc         *time.Location
	Components  []ComponentState
	Groups      []Group
	Open        []PageIncident // unresolved, newest first
	Incidents   []PageIncident // every incident of the last Days days, newest first
	ActiveMaint []PageMaint
	Upcoming    []PageMaint
	Completed   []PageMaint // one-time windows that have ended, latest end first
	Status      string      // worst component status
	Indicator   string      // none minor major critical maintenance
	Description string
	UpdatedAt   int64
	// Expires is when the snapshot must be rebuilt even without a change
	// (a maintenance boundary, midnight, or the next minute while an
	// incident keeps today's uptime moving).
	Expires time.Time
}

// ComponentState is a component with its current status and history.
type ComponentState struct {
	Component
	Status  string
	Uptime  float64 // percent over the days with data; -1 without data
	Bars    []Bar
	Latency []LatencyPoint // last 24 hours of the first monitor, hourly
}

// LatencyPoint is one hour's median response time.
type LatencyPoint struct {
	At time.Time
	MS int64
}

// Bar is one day of a component's history.
type Bar struct {
	Day       time.Time
	Class     string // up degraded down none
	Uptime    float64
	Incidents []string
}

// Group is components shown together under one name ("" = ungrouped).
type Group struct {
	Name       string
	Status     string
	Components []ComponentState
}

// PageIncident is an incident as a page shows it.
type PageIncident struct {
	Incident
	Affected []AffectedComponent
}

// AffectedComponent names a component an incident affects.
type AffectedComponent struct {
	ID     int64
	Name   string
	Status string
}

// PageMaint is a maintenance window as a page shows it.
type PageMaint struct {
	Maintenance
	Window   Window
	Affected []AffectedComponent
	Active   bool
	Done     bool // a one-time window that has ended
}

type interval struct {
	start, end int64
	class      string // down degraded
	title      string
}

// Build computes the snapshot of page at now.
func (d *DB) Build(ctx context.Context, p Page, now time.Time) (*Snapshot, error) {
	d.Builds.Add(1)
	loc, err := time.LoadLocation(p.Timezone)
	if err != nil {
		loc = time.UTC
	}
	sn := &Snapshot{Page: p, Loc: loc, UpdatedAt: p.UpdatedAt}
	comps, err := d.PageComponents(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	monStatus, err := d.monitorStatuses(ctx, p.TeamID)
	if err != nil {
		return nil, err
	}
	since := now.AddDate(0, 0, -Days-1).UnixMilli()
	incs, err := d.Incidents(ctx, IncidentFilter{TeamID: p.TeamID, Since: since, Limit: 5000})
	if err != nil {
		return nil, err
	}
	maints, err := d.MaintenanceList(ctx, p.TeamID, 0, 5000)
	if err != nil {
		return nil, err
	}

	byID := map[int64]*Component{}
	byMonitor := map[int64][]*Component{}
	for i := range comps {
		c := &comps[i]
		byID[c.ID] = c
		for _, m := range c.MonitorIDs {
			byMonitor[m] = append(byMonitor[m], c)
		}
		sn.bump(c.UpdatedAt)
	}

	perComp := map[int64][]interval{}
	openStatus := map[int64]string{}
	for _, in := range incs {
		pi, ok := sn.pageIncident(in, p, byID, byMonitor)
		if !ok {
			continue
		}
		sn.Incidents = append(sn.Incidents, pi)
		sn.bump(in.UpdatedAt)
		end := in.ResolvedAt
		if end == 0 {
			end = now.UnixMilli()
			sn.Open = append(sn.Open, pi)
		}
		for _, a := range pi.Affected {
			class := "down"
			if a.Status == Degraded || a.Status == UnderMaint || a.Status == Operational {
				class = "degraded"
			}
			if a.Status != Operational && a.Status != UnderMaint {
				perComp[a.ID] = append(perComp[a.ID], interval{in.StartedAt, end, class, pi.Title})
			}
			if in.ResolvedAt == 0 {
				openStatus[a.ID] = Worse(openStatus[a.ID], a.Status)
			}
		}
	}

	maintComp := sn.maintenance(maints, now, byID, byMonitor)
	bounds := barBounds(now, loc)
	var cd *checkData
	read := map[string][]dayCount{}
	for i := range comps {
		c := comps[i]
		st := Operational
		for _, m := range c.MonitorIDs {
			if ms, ok := FromMonitor(monStatus[m]); ok {
				if ms == Major && len(c.MonitorIDs) > 1 && !allDown(c.MonitorIDs, monStatus) {
					ms = Partial
				}
				st = Worse(st, ms)
			}
		}
		st = Worse(st, openStatus[c.ID])
		if maintComp[c.ID] && rank(st) < rank(UnderMaint) {
			st = UnderMaint
		}
		if c.StatusOverride != "" {
			st = c.StatusOverride
		}
		cs := ComponentState{Component: c, Status: st}
		if len(c.MonitorIDs) == 0 {
			cs.Bars, cs.Uptime = bars(perComp[c.ID], c.CreatedAt, now, loc)
		} else {
			if cd == nil {
				if cd, err = d.newCheckData(ctx, bounds); err != nil {
					return nil, err
				}
			}
			excl := componentMaint(c, maints, time.UnixMilli(bounds[0]), now)
			per := make([][]dayCount, 0, len(c.MonitorIDs))
			for _, m := range c.MonitorIDs {
				key := monitorKey(m, excl)
				days, ok := read[key]
				if !ok {
					if days, err = cd.days(ctx, m, excl); err != nil {
						return nil, err
					}
					read[key] = days
				}
				per = append(per, days)
			}
			cs.Bars, cs.Uptime = monitorBars(cd, per, excl, perComp[c.ID], now, loc)
		}
		if c.ShowLatency && len(c.MonitorIDs) > 0 {
			if cs.Latency, err = d.latency(ctx, c.MonitorIDs[0], now); err != nil {
				return nil, err
			}
		}
		sn.Components = append(sn.Components, cs)
	}
	sn.group()
	sn.overall()
	sn.expiry(now, loc)
	for _, c := range sn.Components {
		if c.ShowUptime && len(c.MonitorIDs) > 0 {
			// Today's bar follows the checks as they land.
			if next := now.Add(time.Minute); next.Before(sn.Expires) {
				sn.Expires = next
			}
			break
		}
	}
	for _, c := range sn.Components {
		if c.ShowLatency && len(c.MonitorIDs) > 0 {
			// Rollups land every hour and do not change the fingerprint.
			if next := now.Truncate(time.Hour).Add(time.Hour + 2*time.Minute); next.Before(sn.Expires) {
				sn.Expires = next
			}
			break
		}
	}
	return sn, nil
}

func allDown(ids []int64, st map[int64]string) bool {
	for _, id := range ids {
		if st[id] != "down" {
			return false
		}
	}
	return true
}

func (sn *Snapshot) bump(t int64) {
	if t > sn.UpdatedAt {
		sn.UpdatedAt = t
	}
}

func (d *DB) monitorStatuses(ctx context.Context, teamID int64) (map[int64]string, error) {
	rows, err := d.st.R.QueryContext(ctx, `SELECT id, status FROM monitors WHERE team_id=?`, teamID)
	if err != nil {
		return nil, fmt.Errorf("statuspage: monitor statuses: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, rows.Err()
}

// pageIncident decides whether an incident shows on the page: it names a
// component of the page, or (when the page shows them) a monitor of one
// of its components opened it.
func (sn *Snapshot) pageIncident(in Incident, p Page, byID map[int64]*Component,
	byMonitor map[int64][]*Component) (PageIncident, bool) {
	pi := PageIncident{Incident: in}
	seen := map[int64]bool{}
	for _, a := range in.Components {
		if c, ok := byID[a.ComponentID]; ok {
			pi.Affected = append(pi.Affected, AffectedComponent{c.ID, c.Name, a.Status})
			seen[c.ID] = true
		}
	}
	if in.MonitorID != 0 && (p.AutoIncidents || in.Source != "monitor") {
		for _, c := range byMonitor[in.MonitorID] {
			if !seen[c.ID] {
				pi.Affected = append(pi.Affected, AffectedComponent{c.ID, c.Name, Major})
				seen[c.ID] = true
			}
		}
	}
	if len(pi.Affected) == 0 {
		return pi, false
	}
	if in.Source == "monitor" {
		pi.Title = "Reduced availability of " + pi.componentNames()
		pi.Updates = make([]Update, len(in.Updates))
		for i, u := range in.Updates {
			u.Body = pi.PublicBody(u.Status, u.Body)
			pi.Updates[i] = u
		}
	}
	return pi, true
}

// PublicBody is the text pages, feeds, JSON and subscriber mails show for
// an update body of pi: what a monitor wrote when it opened or resolved
// the incident (the check's technical reason) becomes a neutral sentence
// about the affected components; anything a person wrote stays.
func (pi PageIncident) PublicBody(status, body string) string {
	if pi.Source != "monitor" || !(strings.HasPrefix(body, "Automatically opened") ||
		strings.HasPrefix(body, "Recovered (now ")) {
		return body
	}
	if status == "resolved" {
		return "Availability of " + pi.componentNames() + " has recovered."
	}
	return "We are investigating reduced availability of " + pi.componentNames() + "."
}

// componentNames lists the affected components: "API", "API and Website",
// "API, Website and Database".
func (pi PageIncident) componentNames() string {
	names := make([]string, len(pi.Affected))
	for i, a := range pi.Affected {
		names[i] = a.Name
	}
	switch n := len(names); n {
	case 0:
		return "our services"
	case 1:
		return names[0]
	default:
		return strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
}

// maintenance fills active and upcoming windows and returns the set of
// components under maintenance now.
func (sn *Snapshot) maintenance(ms []Maintenance, now time.Time, byID map[int64]*Component,
	byMonitor map[int64][]*Component) map[int64]bool {
	under := map[int64]bool{}
	for _, m := range ms {
		var aff []AffectedComponent
		seen := map[int64]bool{}
		add := func(c *Component) {
			if !seen[c.ID] {
				seen[c.ID] = true
				aff = append(aff, AffectedComponent{c.ID, c.Name, UnderMaint})
			}
		}
		for _, id := range m.ComponentIDs {
			if c, ok := byID[id]; ok {
				add(c)
			}
		}
		for _, id := range m.MonitorIDs {
			for _, c := range byMonitor[id] {
				add(c)
			}
		}
		if len(aff) == 0 {
			continue
		}
		sn.bump(m.UpdatedAt)
		if w, ok := m.Active(now); ok {
			sn.ActiveMaint = append(sn.ActiveMaint, PageMaint{m, w, aff, true, false})
			for _, a := range aff {
				under[a.ID] = true
			}
			continue
		}
		if w, ok := m.Next(now); ok {
			sn.Upcoming = append(sn.Upcoming, PageMaint{m, w, aff, false, false})
			continue
		}
		if m.Kind == "once" && m.EndsAt > 0 && m.EndsAt <= now.UnixMilli() {
			w := Window{time.UnixMilli(m.StartsAt).UTC(), time.UnixMilli(m.EndsAt).UTC()}
			sn.Completed = append(sn.Completed, PageMaint{m, w, aff, false, true})
		}
	}
	sort.Slice(sn.Completed, func(i, j int) bool { return sn.Completed[i].Window.End.After(sn.Completed[j].Window.End) })
	sort.Slice(sn.Upcoming, func(i, j int) bool { return sn.Upcoming[i].Window.Start.Before(sn.Upcoming[j].Window.Start) })
	return under
}

// bars computes the daily bars (oldest first) and the uptime over the days
// with data.
func bars(ivs []interval, created int64, now time.Time, loc *time.Location) ([]Bar, float64) {
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	out := make([]Bar, 0, Days)
	var total, down float64
	for i := Days - 1; i >= 0; i-- {
		start := today.AddDate(0, 0, -i)
		end := start.AddDate(0, 0, 1)
		if end.After(now) {
			end = now
		}
		b := Bar{Day: start, Class: "none", Uptime: -1}
		if end.UnixMilli() <= created {
			out = append(out, b)
			continue
		}
		from := max(start.UnixMilli(), created)
		span := float64(end.UnixMilli() - from)
		dn, degraded, titles := overlap(ivs, from, end.UnixMilli())
		b.Incidents = titles
		b.Class = "up"
		if degraded {
			b.Class = "degraded"
		}
		if dn > 0 {
			b.Class = "down"
		}
		if span > 0 {
			b.Uptime = 100 * (1 - float64(dn)/span)
			total += span
			down += float64(dn)
		}
		out = append(out, b)
	}
	if total == 0 {
		return out, -1
	}
	return out, 100 * (1 - down/total)
}

// overlap returns the milliseconds of [from,to) covered by down intervals
// (overlaps counted once), whether any degraded interval touches it, and
// the titles of the incidents that do.
func overlap(ivs []interval, from, to int64) (int64, bool, []string) {
	var spans [][2]int64
	degraded := false
	var titles []string
	seen := map[string]bool{}
	for _, iv := range ivs {
		s, e := max(iv.start, from), min(iv.end, to)
		if e <= s {
			continue
		}
		if !seen[iv.title] {
			seen[iv.title] = true
			titles = append(titles, iv.title)
		}
		if iv.class == "degraded" {
			degraded = true
			continue
		}
		spans = append(spans, [2]int64{s, e})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var sum, curS, curE int64
	for i, sp := range spans {
		if i == 0 || sp[0] > curE {
			sum += curE - curS
			curS, curE = sp[0], sp[1]
			continue
		}
		curE = max(curE, sp[1])
	}
	sum += curE - curS
	return sum, degraded, titles
}

func (sn *Snapshot) group() {
	idx := map[string]int{}
	for _, c := range sn.Components {
		i, ok := idx[c.Group]
		if !ok {
			i = len(sn.Groups)
			idx[c.Group] = i
			sn.Groups = append(sn.Groups, Group{Name: c.Group, Status: Operational})
		}
		g := &sn.Groups[i]
		g.Components = append(g.Components, c)
		g.Status = Worse(g.Status, c.Status)
	}
}

// overall derives the banner from components and open incidents.
func (sn *Snapshot) overall() {
	sn.Status = Operational
	for _, c := range sn.Components {
		sn.Status = Worse(sn.Status, c.Status)
	}
	ind := map[string]string{Operational: "none", Degraded: "minor", Partial: "major", Major: "critical",
		UnderMaint: "maintenance"}[sn.Status]
	for _, in := range sn.Open {
		if impactRank(in.Impact) > impactRank(ind) {
			ind = in.Impact
		}
	}
	sn.Indicator = ind
	sn.Description = map[string]string{
		"none":        "All Systems Operational",
		"minor":       "Minor Service Outage",
		"major":       "Partial System Outage",
		"critical":    "Major Service Outage",
		"maintenance": "Service Under Maintenance",
	}[ind]
	if ind == "minor" && sn.Status == Degraded && len(sn.Open) == 0 {
		sn.Description = "Degraded Performance"
	}
}

func impactRank(s string) int {
	switch s {
	case "maintenance":
		return 0
	case "minor":
		return 1
	case "major":
		return 2
	case "critical":
		return 3
	}
	return -1
}

func (sn *Snapshot) expiry(now time.Time, loc *time.Location) {
	local := now.In(loc)
	exp := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, loc)
	for _, m := range sn.ActiveMaint {
		if m.Window.End.Before(exp) {
			exp = m.Window.End
		}
	}
	for _, m := range sn.Upcoming {
		if m.Window.Start.Before(exp) {
			exp = m.Window.Start
		}
	}
	if len(sn.Open) > 0 && now.Add(time.Minute).Before(exp) {
		exp = now.Add(time.Minute)
	}
	sn.Expires = exp
}

// PageTime is a Unix ms time in the page's zone.
func (sn *Snapshot) PageTime(ms int64) time.Time { return store.Time(ms).In(sn.Loc) }

// Visible keeps the incidents that show on the snapshot's page, with
// their affected components.
func (sn *Snapshot) Visible(list []Incident) []PageIncident {
	byID := map[int64]*Component{}
	byMonitor := map[int64][]*Component{}
	for i := range sn.Components {
		c := &sn.Components[i].Component
		byID[c.ID] = c
		for _, m := range c.MonitorIDs {
			byMonitor[m] = append(byMonitor[m], c)
		}
	}
	var out []PageIncident
	for _, in := range list {
		if pi, ok := sn.pageIncident(in, sn.Page, byID, byMonitor); ok {
			out = append(out, pi)
		}
	}
	return out
}

// IncidentsBetween lists a team's incidents started in [from, to), newest
// first.
func (d *DB) IncidentsBetween(ctx context.Context, teamID int64, from, to time.Time) ([]Incident, error) {
	rows, err := d.st.R.QueryContext(ctx, `SELECT `+incidentCols+` FROM incidents WHERE team_id=? AND started_at>=?
		AND started_at<? ORDER BY started_at DESC, id DESC LIMIT 2000`, teamID, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("statuspage: incidents between: %w", err)
	}
	var out []Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, d.fillIncidents(ctx, out)
}

// Fingerprint summarises everything pages are built from; when it
// changes, cached pages are stale.
func (d *DB) Fingerprint(ctx context.Context) (string, error) {
	var fp string
	err := d.st.R.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*)||':'||COALESCE(SUM(COALESCE(status_changed_at,0)),0)||':'||COALESCE(MAX(updated_at),0)||':'||
			COALESCE(SUM(id * (CASE status WHEN 'up' THEN 1 WHEN 'down' THEN 2 WHEN 'degraded' THEN 3
			WHEN 'maintenance' THEN 4 WHEN 'paused' THEN 5 ELSE 6 END)),0) FROM monitors)||'|'||
		(SELECT COUNT(*)||':'||COALESCE(MAX(updated_at),0)||':'||COALESCE(SUM(COALESCE(resolved_at,0)),0)||':'||
			COALESCE(SUM(length(status)),0) FROM incidents)||'|'||
		(SELECT COUNT(*)||':'||COALESCE(MAX(id),0) FROM incident_updates)||'|'||
		(SELECT COUNT(*)||':'||COALESCE(MAX(updated_at),0) FROM maintenance)||'|'||
		(SELECT COUNT(*) FROM maintenance_monitors)||'|'||
		(SELECT COUNT(*)||':'||COALESCE(MAX(updated_at),0) FROM status_pages)||'|'||
		(SELECT COUNT(*)||':'||COALESCE(MAX(updated_at),0) FROM components)||'|'||
		(SELECT COUNT(*) FROM component_monitors)||'|'||(SELECT COUNT(*) FROM incident_components)||'|'||
		(SELECT COUNT(*) FROM maintenance_components)`).Scan(&fp)
	if err != nil {
		return "", fmt.Errorf("statuspage: fingerprint: %w", err)
	}
	return fp, nil
}

// latency reads the hourly median response times of a monitor over the
// last 24 hours from the monitoring rollups.
func (d *DB) latency(ctx context.Context, monitorID int64, now time.Time) ([]LatencyPoint, error) {
	from := now.Add(-24 * time.Hour).Truncate(time.Hour)
	rs, err := d.st.Rollups(ctx, monitorID, 3600, from.UnixMilli(), now.UnixMilli())
	if err != nil {
		return nil, err
	}
	var out []LatencyPoint
	for _, r := range rs {
		if r.LatencyP50 >= 0 {
			out = append(out, LatencyPoint{At: store.Time(r.Bucket), MS: r.LatencyP50})
		}
	}
	return out, nil
}
