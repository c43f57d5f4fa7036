package statuspage

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// The Statuspage v2 API shapes, with Atlassian's field names and values.

type v2Page struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	TimeZone  string `json:"time_zone"`
	UpdatedAt string `json:"updated_at"`
}

type v2Status struct {
	Indicator   string `json:"indicator"`
	Description string `json:"description"`
}

type v2Component struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	CreatedAt          string   `json:"created_at"`
	UpdatedAt          string   `json:"updated_at"`
	Position           int      `json:"position"`
	Description        *string  `json:"description"`
	Showcase           bool     `json:"showcase"`
	StartDate          *string  `json:"start_date"`
	GroupID            *string  `json:"group_id"`
	PageID             string   `json:"page_id"`
	Group              bool     `json:"group"`
	OnlyShowIfDegraded bool     `json:"only_show_if_degraded"`
	Components         []string `json:"components,omitempty"`
}

type v2Affected struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus string `json:"old_status"`
	NewStatus string `json:"new_status"`
}

type v2Update struct {
	ID                   string       `json:"id"`
	Status               string       `json:"status"`
	Body                 string       `json:"body"`
	IncidentID           string       `json:"incident_id"`
	CreatedAt            string       `json:"created_at"`
	UpdatedAt            string       `json:"updated_at"`
	DisplayAt            string       `json:"display_at"`
	AffectedComponents   []v2Affected `json:"affected_components"`
	DeliverNotifications bool         `json:"deliver_notifications"`
}

type v2Incident struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	CreatedAt       string        `json:"created_at"`
	UpdatedAt       string        `json:"updated_at"`
	MonitoringAt    *string       `json:"monitoring_at"`
	ResolvedAt      *string       `json:"resolved_at"`
	Impact          string        `json:"impact"`
	Shortlink       string        `json:"shortlink"`
	StartedAt       string        `json:"started_at"`
	PageID          string        `json:"page_id"`
	IncidentUpdates []v2Update    `json:"incident_updates"`
	Components      []v2Component `json:"components"`
	ScheduledFor    *string       `json:"scheduled_for,omitempty"`
	ScheduledUntil  *string       `json:"scheduled_until,omitempty"`
}

func ts(ms int64) string { return store.Time(ms).Format("2006-01-02T15:04:05.000Z") }

func tsp(ms int64) *string {
	if ms == 0 {
		return nil
	}
	s := ts(ms)
	return &s
}

func sid(id int64) string { return strconv.FormatInt(id, 10) }

func (sn *Snapshot) v2Page(base string) v2Page {
	return v2Page{ID: sid(sn.Page.ID), Name: sn.Page.Title, URL: base, TimeZone: sn.Page.Timezone,
		UpdatedAt: ts(sn.UpdatedAt)}
}

func (sn *Snapshot) v2Status() v2Status {
	ind := sn.Indicator
	if ind == "maintenance" {
		ind = "none"
	}
	return v2Status{Indicator: ind, Description: sn.Description}
}

func groupID(name string) string {
	var b strings.Builder
	b.WriteString("group-")
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func (sn *Snapshot) v2Components() []v2Component {
	out := []v2Component{}
	pid := sid(sn.Page.ID)
	for _, g := range sn.Groups {
		var gid *string
		if g.Name != "" {
			id := groupID(g.Name)
			gid = &id
			grp := v2Component{ID: id, Name: g.Name, Status: g.Status, PageID: pid, Group: true, Components: []string{}}
			for i, c := range g.Components {
				grp.Components = append(grp.Components, sid(c.ID))
				if i == 0 {
					grp.CreatedAt, grp.Position = ts(c.CreatedAt), c.Position
				}
				if u := ts(c.UpdatedAt); u > grp.UpdatedAt {
					grp.UpdatedAt = u
				}
			}
			out = append(out, grp)
		}
		for _, c := range g.Components {
			var desc *string
			if c.Description != "" {
				d := c.Description
				desc = &d
			}
			start := store.Time(c.CreatedAt).Format("2006-01-02")
			out = append(out, v2Component{ID: sid(c.ID), Name: c.Name, Status: c.Status, CreatedAt: ts(c.CreatedAt),
				UpdatedAt: ts(c.UpdatedAt), Position: c.Position, Description: desc, Showcase: c.ShowUptime,
				StartDate: &start, GroupID: gid, PageID: pid})
		}
	}
	return out
}

func (sn *Snapshot) componentByID(id int64) (ComponentState, bool) {
	for _, c := range sn.Components {
		if c.ID == id {
			return c, true
		}
	}
	return ComponentState{}, false
}

func (sn *Snapshot) v2Incident(in PageIncident, base string) v2Incident {
	out := v2Incident{ID: sid(in.ID), Name: in.Title, Status: in.Status, CreatedAt: ts(in.CreatedAt),
		UpdatedAt: ts(in.UpdatedAt), ResolvedAt: tsp(in.ResolvedAt), Impact: in.Impact,
		Shortlink: base + "/incidents/" + sid(in.ID), StartedAt: ts(in.StartedAt), PageID: sid(sn.Page.ID),
		IncidentUpdates: []v2Update{}, Components: []v2Component{}}
	var affected []v2Affected
	for _, a := range in.Affected {
		affected = append(affected, v2Affected{Code: sid(a.ID), Name: a.Name, OldStatus: Operational, NewStatus: a.Status})
		if c, ok := sn.componentByID(a.ID); ok {
			out.Components = append(out.Components, v2Component{ID: sid(c.ID), Name: c.Name, Status: c.Status,
				CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt), Position: c.Position, PageID: sid(sn.Page.ID),
				Showcase: c.ShowUptime})
		}
	}
	if affected == nil {
		affected = []v2Affected{}
	}
	for i := len(in.Updates) - 1; i >= 0; i-- {
		if in.Updates[i].Status == "monitoring" && out.MonitoringAt == nil {
			out.MonitoringAt = tsp(in.Updates[i].CreatedAt)
		}
	}
	for i, u := range in.Updates {
		aff := []v2Affected{}
		if i == len(in.Updates)-1 {
			aff = affected
		}
		out.IncidentUpdates = append(out.IncidentUpdates, v2Update{ID: sid(u.ID), Status: u.Status, Body: u.Body,
			IncidentID: sid(in.ID), CreatedAt: ts(u.CreatedAt), UpdatedAt: ts(u.CreatedAt), DisplayAt: ts(u.CreatedAt),
			AffectedComponents: aff, DeliverNotifications: true})
	}
	return out
}

func (sn *Snapshot) v2Maint(m PageMaint, base string, now time.Time) v2Incident {
	status := "scheduled"
	if m.Active {
		status = "in_progress"
	} else if m.Done || !m.Window.End.After(now) {
		status = "completed"
	}
	start, end := m.Window.Start.UnixMilli(), m.Window.End.UnixMilli()
	id := "m" + sid(m.ID)
	out := v2Incident{ID: id, Name: m.Title, Status: status, CreatedAt: ts(m.CreatedAt), UpdatedAt: ts(m.UpdatedAt),
		Impact: "maintenance", Shortlink: base + "/maintenance/" + sid(m.ID), StartedAt: ts(start),
		PageID: sid(sn.Page.ID), ScheduledFor: tsp(start), ScheduledUntil: tsp(end), IncidentUpdates: []v2Update{},
		Components: []v2Component{}}
	aff := []v2Affected{}
	for _, a := range m.Affected {
		aff = append(aff, v2Affected{Code: sid(a.ID), Name: a.Name, OldStatus: Operational, NewStatus: UnderMaint})
		if c, ok := sn.componentByID(a.ID); ok {
			out.Components = append(out.Components, v2Component{ID: sid(c.ID), Name: c.Name, Status: c.Status,
				CreatedAt: ts(c.CreatedAt), UpdatedAt: ts(c.UpdatedAt), Position: c.Position, PageID: sid(sn.Page.ID),
				Showcase: c.ShowUptime})
		}
	}
	out.IncidentUpdates = append(out.IncidentUpdates, v2Update{ID: id + "-0", Status: status, Body: m.Description,
		IncidentID: id, CreatedAt: ts(m.UpdatedAt), UpdatedAt: ts(m.UpdatedAt), DisplayAt: ts(m.UpdatedAt),
		AffectedComponents: aff, DeliverNotifications: true})
	return out
}

// V2 builds one of the Statuspage v2 documents: summary, status,
// components, incidents, incidents/unresolved, scheduled-maintenances,
// scheduled-maintenances/upcoming, scheduled-maintenances/active.
func (sn *Snapshot) V2(doc, base string, now time.Time) ([]byte, bool) {
	body := map[string]any{"page": sn.v2Page(base)}
	incs := func(list []PageIncident) []v2Incident {
		out := []v2Incident{}
		for i, in := range list {
			if i == 50 {
				break
			}
			out = append(out, sn.v2Incident(in, base))
		}
		return out
	}
	maints := func(lists ...[]PageMaint) []v2Incident {
		out := []v2Incident{}
		for _, l := range lists {
			for _, m := range l {
				out = append(out, sn.v2Maint(m, base, now))
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return *out[i].ScheduledFor < *out[j].ScheduledFor })
		return out
	}
	switch doc {
	case "summary":
		body["components"] = sn.v2Components()
		body["incidents"] = incs(sn.Open)
		body["scheduled_maintenances"] = maints(sn.ActiveMaint, sn.Upcoming)
		body["status"] = sn.v2Status()
	case "status":
		body["status"] = sn.v2Status()
	case "components":
		body["components"] = sn.v2Components()
	case "incidents":
		body["incidents"] = incs(sn.Incidents)
	case "incidents/unresolved":
		body["incidents"] = incs(sn.Open)
	case "scheduled-maintenances":
		body["scheduled_maintenances"] = maints(sn.ActiveMaint, sn.Upcoming, sn.Completed)
	case "scheduled-maintenances/upcoming":
		body["scheduled_maintenances"] = maints(sn.Upcoming)
	case "scheduled-maintenances/active":
		body["scheduled_maintenances"] = maints(sn.ActiveMaint)
	default:
		return nil, false
	}
	raw, _ := json.MarshalIndent(body, "", "  ")
	return append(raw, '\n'), true
}
