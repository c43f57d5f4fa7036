package app

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// componentOptions lists the team's components as "Page · Name" choices.
func (s *Server) componentOptions(ctx context.Context, teamID int64, chosen []int64) ([]views.Option, error) {
	pages, err := s.pages.db.Pages(ctx, teamID, 0, 500)
	if err != nil {
		return nil, err
	}
	on := map[int64]bool{}
	for _, id := range chosen {
		on[id] = true
	}
	var out []views.Option
	for _, p := range pages {
		comps, err := s.pages.db.PageComponents(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range comps {
			out = append(out, views.Option{Value: strconv.FormatInt(c.ID, 10), Label: p.Title + " · " + c.Name,
				Selected: on[c.ID]})
		}
	}
	return out, nil
}

func (s *Server) monitorNames(ctx context.Context, teamID int64) map[int64]string {
	out := map[int64]string{}
	mons, _ := s.pages.db.Monitors(ctx, teamID)
	for _, m := range mons {
		out[m.ID] = m.Name
	}
	return out
}

func incidentRow(in statuspage.Incident, names map[int64]string) views.IncidentRow {
	return views.IncidentRow{ID: in.ID, Title: in.Title, Status: in.Status, Impact: in.Impact, Source: in.Source,
		Started: store.Time(in.StartedAt), Resolved: store.Time(in.ResolvedAt), Monitor: names[in.MonitorID]}
}

// incidentListUI lists incidents, newest first.
func (s *Server) incidentListUI(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	before, err := pg.IDCursor()
	if err != nil {
		return err
	}
	list, err := s.pages.db.Incidents(ctx, statuspage.IncidentFilter{TeamID: a.TeamID, Before: before, Limit: 51})
	if err != nil {
		return err
	}
	v := views.IncidentListView{CanEdit: a.can(store.RoleMember)}
	if len(list) > 50 {
		list = list[:50]
		v.Next = makeIDCursor(list[49].ID)
	}
	names := s.monitorNames(ctx, a.TeamID)
	for _, in := range list {
		v.Rows = append(v.Rows, incidentRow(in, names))
	}
	return render(c, http.StatusOK, views.IncidentListPage(s.shell(c, "Incidents", "status-pages"), v))
}

// incidentNewUI shows the composer of a new incident.
func (s *Server) incidentNewUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	return s.renderIncidentNew(c, http.StatusOK, views.Form{Values: map[string]string{"status": "investigating",
		"impact": "minor"}}, nil)
}

func (s *Server) renderIncidentNew(c echo.Context, code int, f views.Form, chosen []int64) error {
	opts, err := s.componentOptions(c.Request().Context(), actorOf(c).TeamID, chosen)
	if err != nil {
		return err
	}
	v := views.IncidentFormView{Form: f, Components: opts}
	return render(c, code, views.IncidentNewPage(s.shell(c, "New incident", "status-pages"), v))
}

// incidentFormInput reads the composer's fields.
func incidentFormInput(c echo.Context) (incidentInput, []int64, error) {
	form, _ := c.FormParams()
	ids, err := statuspage.ParseIDs(form["component_ids"])
	if err != nil {
		return incidentInput{}, nil, badRequest("component_ids", "component_ids: %v", err)
	}
	str := func(k string) *string {
		if _, ok := form[k]; !ok {
			return nil
		}
		v := c.FormValue(k)
		return &v
	}
	in := incidentInput{Title: str("title"), Status: str("status"), Impact: str("impact"), Body: str("body"),
		ComponentIDs: &ids}
	if cs := c.FormValue("component_status"); cs != "" {
		in.ComponentStatus = &cs
	}
	return in, ids, nil
}

// incidentCreateUI opens an incident from the composer.
func (s *Server) incidentCreateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actorOf(c)
	in, ids, err := incidentFormInput(c)
	inc := statuspage.Incident{TeamID: a.TeamID}
	if err == nil {
		setStr(&inc.Title, in.Title)
		setStr(&inc.Status, in.Status)
		setStr(&inc.Impact, in.Impact)
		err = fieldErr(statuspage.ValidateIncident(&inc))
	}
	var aff *[]statuspage.Affected
	if err == nil {
		aff, err = in.affected(inc.Impact)
	}
	if err == nil {
		inc.Components = *aff
		body := ""
		setStr(&body, in.Body)
		inc, err = s.pages.db.CreateIncident(ctx, inc, body, a.User.ID)
		err = fieldErr(err)
	}
	if err != nil {
		f := views.Form{Values: spFormValues(c)}
		if !formError(err, &f) {
			return err
		}
		return s.renderIncidentNew(c, http.StatusBadRequest, f, ids)
	}
	s.pages.changed(ctx)
	flash(c, "Incident opened. It shows on the pages of its components.")
	return seeOther(c, "/status-pages/incidents/"+strconv.FormatInt(inc.ID, 10))
}

// incidentShowUI shows an incident's history and the update composer.
func (s *Server) incidentShowUI(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in, err := s.pages.db.Incident(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	f := views.Form{Values: map[string]string{"status": in.Status, "impact": in.Impact}}
	return s.renderIncidentShow(c, http.StatusOK, in, f)
}

func (s *Server) renderIncidentShow(c echo.Context, code int, in statuspage.Incident, f views.Form) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	opts, err := s.componentOptions(ctx, a.TeamID, in.ComponentIDs())
	if err != nil {
		return err
	}
	v := views.IncidentShowView{Incident: incidentRow(in, s.monitorNames(ctx, a.TeamID)), Components: opts, Form: f,
		CanEdit: a.can(store.RoleMember)}
	for _, u := range in.Updates {
		v.Updates = append(v.Updates, views.IncidentUpdateRow{Status: u.Status, HTML: statuspage.Markdown(u.Body),
			At: store.Time(u.CreatedAt)})
	}
	return render(c, code, views.IncidentShowPage(s.shell(c, in.Title, "status-pages"), v))
}

// incidentUpdateUI posts an update (status, message, components).
func (s *Server) incidentUpdateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	a := actorOf(c)
	cur, err := s.pages.db.Incident(ctx, a.TeamID, id)
	if err != nil {
		return err
	}
	in, _, err := incidentFormInput(c)
	var aff *[]statuspage.Affected
	if err == nil {
		impact := cur.Impact
		setStr(&impact, in.Impact)
		aff, err = in.affected(impact)
	}
	if err == nil {
		ch := statuspage.IncidentChange{Status: in.Status, Impact: in.Impact, Components: aff, Body: in.Body}
		_, err = s.pages.db.ChangeIncident(ctx, a.TeamID, id, ch, a.User.ID)
		err = fieldErr(err)
	}
	if err != nil {
		f := views.Form{Values: spFormValues(c)}
		if !formError(err, &f) {
			return err
		}
		return s.renderIncidentShow(c, http.StatusBadRequest, cur, f)
	}
	s.pages.changed(ctx)
	flash(c, "Update posted.")
	return seeOther(c, "/status-pages/incidents/"+strconv.FormatInt(id, 10))
}

// incidentDeleteUI deletes an incident.
func (s *Server) incidentDeleteUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.pages.db.DeleteIncident(ctx, actorOf(c).TeamID, id); err != nil {
		return err
	}
	s.pages.changed(ctx)
	flash(c, "Incident deleted.")
	return seeOther(c, "/status-pages/incidents")
}
