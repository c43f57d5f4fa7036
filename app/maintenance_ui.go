package app

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

var weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// maintenanceListUI lists maintenance windows.
func (s *Server) maintenanceListUI(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	list, err := s.pages.db.MaintenanceList(ctx, a.TeamID, 0, 500)
	if err != nil {
		return err
	}
	now := time.Now()
	v := views.MaintListView{CanEdit: a.can(store.RoleMember)}
	for _, m := range list {
		r := views.MaintRow{ID: m.ID, Title: m.Title, Kind: maintKind(m), State: "past",
			Covers: countWord(len(m.MonitorIDs), "monitor") + " · " + countWord(len(m.ComponentIDs), "component")}
		if w, ok := m.Active(now); ok {
			r.State, r.When = "active", windowText(w, m.Timezone)
		} else if w, ok := m.Next(now); ok {
			r.State, r.When = "upcoming", windowText(w, m.Timezone)
		} else {
			r.When = windowText(statuspage.Window{Start: store.Time(m.StartsAt), End: store.Time(m.EndsAt)}, m.Timezone)
		}
		v.Rows = append(v.Rows, r)
	}
	return render(c, http.StatusOK, views.MaintListPage(s.shell(c, "Maintenance", "status-pages"), v))
}

func maintKind(m statuspage.Maintenance) string {
	if m.Kind != "recurring" {
		return "once"
	}
	var days []string
	for i, d := range weekdayNames {
		if m.Weekdays&(1<<i) != 0 {
			days = append(days, d[:3])
		}
	}
	return "every " + strings.Join(days, ", ") + " at " + m.StartTime + " for " +
		views.Duration(time.Duration(m.DurationMinutes)*time.Minute)
}

func windowText(w statuspage.Window, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil || w.Start.IsZero() {
		loc = time.UTC
	}
	return w.Start.In(loc).Format("Mon Jan 2, 15:04") + " – " + w.End.In(loc).Format("Mon Jan 2, 15:04 MST")
}

func maintForm(m statuspage.Maintenance) views.Form {
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		loc = time.UTC
	}
	local := func(ms int64) string {
		if ms == 0 {
			return ""
		}
		return store.Time(ms).In(loc).Format("2006-01-02T15:04")
	}
	return views.Form{Values: map[string]string{"title": m.Title, "description": m.Description, "kind": m.Kind,
		"timezone": m.Timezone, "starts_at": local(m.StartsAt), "ends_at": local(m.EndsAt), "start_time": m.StartTime,
		"duration_minutes": strconv.Itoa(m.DurationMinutes)}, Errors: map[string]string{}}
}

func (s *Server) renderMaintForm(c echo.Context, code int, m statuspage.Maintenance, f views.Form, isNew bool) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	v := views.MaintFormView{New: isNew, ID: m.ID, Form: f, Timezones: commonTimezones, CanEdit: a.can(store.RoleMember)}
	for i, d := range weekdayNames {
		v.Weekdays = append(v.Weekdays, views.Option{Value: strconv.Itoa(i), Label: d, Selected: m.Weekdays&(1<<i) != 0})
	}
	mons, err := s.pages.db.Monitors(ctx, a.TeamID)
	if err != nil {
		return err
	}
	chosen := map[int64]bool{}
	for _, id := range m.MonitorIDs {
		chosen[id] = true
	}
	for _, x := range mons {
		v.Monitors = append(v.Monitors, views.Option{Value: strconv.FormatInt(x.ID, 10), Label: x.Name, Selected: chosen[x.ID]})
	}
	if v.Components, err = s.componentOptions(ctx, a.TeamID, m.ComponentIDs); err != nil {
		return err
	}
	title := "Schedule maintenance"
	if !isNew {
		title = m.Title
	}
	return render(c, code, views.MaintFormPage(s.shell(c, title, "status-pages"), v))
}

// maintenanceNewUI shows the scheduler for a new window.
func (s *Server) maintenanceNewUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m := statuspage.Maintenance{Kind: "once", Timezone: "UTC", StartTime: "02:00", DurationMinutes: 60}
	return s.renderMaintForm(c, http.StatusOK, m, maintForm(m), true)
}

// readMaintForm applies the scheduler form onto m.
func readMaintForm(c echo.Context, m *statuspage.Maintenance) error {
	form, _ := c.FormParams()
	in := maintenanceInput{}
	str := func(k string) *string { v := strings.TrimSpace(c.FormValue(k)); return &v }
	in.Title, in.Description, in.Kind, in.Timezone = str("title"), str("description"), str("kind"), str("timezone")
	loc, err := time.LoadLocation(*in.Timezone)
	if err != nil || *in.Timezone == "" {
		return badRequest("timezone", "timezone: use an IANA time zone such as Europe/Berlin or UTC")
	}
	if *in.Kind == "recurring" {
		in.StartTime = str("start_time")
		wd := 0
		for _, d := range form["weekdays"] {
			n, err := strconv.Atoi(d)
			if err != nil || n < 0 || n > 6 {
				return badRequest("weekdays", "weekdays: choose days of the week")
			}
			wd |= 1 << n
		}
		in.Weekdays = &wd
		dur, err := strconv.Atoi(c.FormValue("duration_minutes"))
		if err != nil {
			return badRequest("duration_minutes", "duration_minutes: must be a whole number of minutes")
		}
		in.DurationMinutes = &dur
	} else {
		for _, k := range []string{"starts_at", "ends_at"} {
			t, err := time.ParseInLocation("2006-01-02T15:04", c.FormValue(k), loc)
			if err != nil {
				return badRequest(k, "%s: choose a date and time", k)
			}
			raw, _ := json.Marshal(t)
			msg := json.RawMessage(raw)
			if k == "starts_at" {
				in.StartsAt = &msg
			} else {
				in.EndsAt = &msg
			}
		}
	}
	mons, err := statuspage.ParseIDs(form["monitor_ids"])
	if err != nil {
		return badRequest("monitor_ids", "monitor_ids: %v", err)
	}
	comps, err := statuspage.ParseIDs(form["component_ids"])
	if err != nil {
		return badRequest("component_ids", "component_ids: %v", err)
	}
	in.MonitorIDs, in.ComponentIDs = &mons, &comps
	return in.apply(m)
}

func (s *Server) saveMaintForm(c echo.Context, m statuspage.Maintenance, isNew bool) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	ctx := c.Request().Context()
	orig := m
	err := readMaintForm(c, &m)
	if err == nil {
		m, err = s.pages.db.SaveMaintenance(ctx, m)
		err = fieldErr(err)
	}
	if err != nil {
		f := views.Form{Values: spFormValues(c)}
		if !formError(err, &f) {
			return err
		}
		form, _ := c.FormParams()
		orig.MonitorIDs, _ = statuspage.ParseIDs(form["monitor_ids"])
		orig.ComponentIDs, _ = statuspage.ParseIDs(form["component_ids"])
		return s.renderMaintForm(c, http.StatusBadRequest, orig, f, isNew)
	}
	s.maintenanceChanged(ctx)
	flash(c, "Maintenance saved.")
	return seeOther(c, "/status-pages/maintenance")
}

// maintenanceCreateUI schedules a new window.
func (s *Server) maintenanceCreateUI(c echo.Context) error {
	return s.saveMaintForm(c, statuspage.Maintenance{TeamID: actorOf(c).TeamID}, true)
}

// maintenanceEditUI shows the scheduler for an existing window.
func (s *Server) maintenanceEditUI(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.pages.db.MaintenanceByID(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return s.renderMaintForm(c, http.StatusOK, m, maintForm(m), false)
}

// maintenanceSaveUI saves an existing window.
func (s *Server) maintenanceSaveUI(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.pages.db.MaintenanceByID(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return s.saveMaintForm(c, m, false)
}

// maintenanceDeleteUI deletes a window.
func (s *Server) maintenanceDeleteUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.pages.db.DeleteMaintenance(ctx, actorOf(c).TeamID, id); err != nil {
		return err
	}
	s.maintenanceChanged(ctx)
	flash(c, "Maintenance deleted.")
	return seeOther(c, "/status-pages/maintenance")
}

// countWord says n things: "1 monitor", "2 monitors".
func countWord(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
