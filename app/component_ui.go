package app

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// readComponentForm reads the component form onto x.
func readComponentForm(c echo.Context, x *statuspage.Component) error {
	form, _ := c.FormParams()
	mons, err := statuspage.ParseIDs(form["monitor_ids"])
	if err != nil {
		return badRequest("monitor_ids", "monitor_ids: %v", err)
	}
	pos := 0
	if v := c.FormValue("position"); v != "" {
		if pos, err = strconv.Atoi(v); err != nil {
			return badRequest("position", "position: must be a whole number")
		}
	}
	name, group, desc, st := c.FormValue("name"), c.FormValue("group"), c.FormValue("description"), c.FormValue("status")
	show, lat := c.FormValue("show_uptime") == "1", c.FormValue("show_latency") == "1"
	in := componentInput{Name: &name, Group: &group, Description: &desc, Status: &st, ShowUptime: &show,
		ShowLatency: &lat, MonitorIDs: &mons, Position: &pos}
	return in.apply(x)
}

// componentCreateUI adds a component to a page.
func (s *Server) componentCreateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.uiPage(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	x := statuspage.Component{TeamID: p.TeamID, StatusPageID: p.ID}
	err = readComponentForm(c, &x)
	if err == nil {
		_, err = s.pages.db.CreateComponent(ctx, x)
		err = fieldErr(err)
	}
	if err != nil {
		f := views.Form{Values: spFormValues(c)}
		if !formError(err, &f) {
			return err
		}
		if f.Error != "" || len(f.Errors) > 0 {
			for _, m := range f.Errors {
				f.Errors["name"] = m
			}
		}
		return s.renderPageEdit(c, http.StatusBadRequest, p, pageForm(p), f)
	}
	s.pages.changed(ctx)
	flash(c, "Component added.")
	return seeOther(c, "/status-pages/"+strconv.FormatInt(p.ID, 10)+"#components")
}

// componentSaveUI saves a component's inline form.
func (s *Server) componentSaveUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.uiPage(c)
	if err != nil {
		return err
	}
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	x, err := s.pages.db.Component(ctx, p.TeamID, cid)
	if err != nil || x.StatusPageID != p.ID {
		return notFound("component")
	}
	if err := readComponentForm(c, &x); err != nil {
		return err
	}
	if _, err := s.pages.db.UpdateComponent(ctx, x); err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	flash(c, "Component saved.")
	return seeOther(c, "/status-pages/"+strconv.FormatInt(p.ID, 10)+"#components")
}

// componentDeleteUI deletes a component.
func (s *Server) componentDeleteUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.uiPage(c)
	if err != nil {
		return err
	}
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if x, err := s.pages.db.Component(ctx, p.TeamID, cid); err != nil || x.StatusPageID != p.ID {
		return notFound("component")
	}
	if err := s.pages.db.DeleteComponent(ctx, p.TeamID, cid); err != nil {
		return err
	}
	s.pages.changed(ctx)
	flash(c, "Component deleted.")
	return seeOther(c, "/status-pages/"+strconv.FormatInt(p.ID, 10)+"#components")
}
