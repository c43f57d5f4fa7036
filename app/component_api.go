package app

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
)

// componentJSON is a component in the API; status is its current state.
type componentJSON struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	StatusPageID   int64     `json:"status_page_id"`
	Group          string    `json:"group"`
	MonitorIDs     []int64   `json:"monitor_ids"`
	Status         string    `json:"status"`
	StatusOverride *string   `json:"status_override"`
	Description    string    `json:"description"`
	Position       int       `json:"position"`
	ShowUptime     bool      `json:"show_uptime"`
	ShowLatency    bool      `json:"show_latency"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// componentInput is a create or change body. status sets a manual
// override; null or "" returns the component to its monitors.
type componentInput struct {
	Name         *string  `json:"name"`
	StatusPageID *int64   `json:"status_page_id"`
	Group        *string  `json:"group"`
	MonitorIDs   *[]int64 `json:"monitor_ids"`
	Status       *string  `json:"status"`
	Description  *string  `json:"description"`
	Position     *int     `json:"position"`
	ShowUptime   *bool    `json:"show_uptime"`
	ShowLatency  *bool    `json:"show_latency"`
}

func (in componentInput) apply(c *statuspage.Component) error {
	setStr(&c.Name, in.Name)
	setStr(&c.Group, in.Group)
	setStr(&c.Description, in.Description)
	setStr(&c.StatusOverride, in.Status)
	setBool(&c.ShowUptime, in.ShowUptime)
	setBool(&c.ShowLatency, in.ShowLatency)
	if in.Position != nil {
		c.Position = *in.Position
	}
	if in.MonitorIDs != nil {
		c.MonitorIDs = *in.MonitorIDs
	}
	return fieldErr(c.Validate())
}

// currentStatuses computes the live status of components per page.
func (s *Server) currentStatuses(ctx context.Context, teamID int64, comps []statuspage.Component) map[int64]string {
	out := map[int64]string{}
	built := map[int64]bool{}
	for _, c := range comps {
		if built[c.StatusPageID] {
			continue
		}
		built[c.StatusPageID] = true
		pg, err := s.pages.db.Page(ctx, teamID, c.StatusPageID)
		if err != nil {
			continue
		}
		sn, err := s.pages.db.Build(ctx, pg, time.Now())
		if err != nil {
			continue
		}
		for _, cs := range sn.Components {
			out[cs.ID] = cs.Status
		}
	}
	return out
}

func componentOut(c statuspage.Component, status string) componentJSON {
	out := componentJSON{ID: c.ID, Name: c.Name, StatusPageID: c.StatusPageID, Group: c.Group, MonitorIDs: c.MonitorIDs,
		Status: status, Description: c.Description, Position: c.Position, ShowUptime: c.ShowUptime,
		ShowLatency: c.ShowLatency,
		CreatedAt:   store.Time(c.CreatedAt), UpdatedAt: store.Time(c.UpdatedAt)}
	if out.MonitorIDs == nil {
		out.MonitorIDs = []int64{}
	}
	if out.Status == "" {
		out.Status = statuspage.Operational
	}
	if c.StatusOverride != "" {
		o := c.StatusOverride
		out.StatusOverride = &o
	}
	return out
}

func (s *Server) apiComponentList(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := pg.IDCursor()
	if err != nil {
		return err
	}
	var pageID int64
	if v := c.QueryParam("status_page_id"); v != "" {
		if pageID, err = strconv.ParseInt(v, 10, 64); err != nil || pageID <= 0 {
			return badRequest("status_page_id", "status_page_id: must be a page id")
		}
	}
	ctx := c.Request().Context()
	team := actorOf(c).TeamID
	list, err := s.pages.db.Components(ctx, team, pageID, after, pg.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > pg.Limit {
		list = list[:pg.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	st := s.currentStatuses(ctx, team, list)
	out := make([]componentJSON, 0, len(list))
	for _, x := range list {
		out = append(out, componentOut(x, st[x.ID]))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func (s *Server) componentReply(c echo.Context, code int, x statuspage.Component) error {
	st := s.currentStatuses(c.Request().Context(), x.TeamID, []statuspage.Component{x})
	return c.JSON(code, componentOut(x, st[x.ID]))
}

func (s *Server) apiComponentCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in componentInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.StatusPageID == nil {
		return badRequest("status_page_id", "status_page_id: is required")
	}
	x := statuspage.Component{TeamID: actorOf(c).TeamID, StatusPageID: *in.StatusPageID, ShowUptime: true}
	if err := in.apply(&x); err != nil {
		return err
	}
	ctx := c.Request().Context()
	x, err := s.pages.db.CreateComponent(ctx, x)
	if err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	return s.componentReply(c, http.StatusCreated, x)
}

func (s *Server) apiComponentGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	x, err := s.pages.db.Component(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return s.componentReply(c, http.StatusOK, x)
}

func (s *Server) apiComponentUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	x, err := s.pages.db.Component(ctx, actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	var in componentInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.StatusPageID != nil && *in.StatusPageID != x.StatusPageID {
		return badRequest("status_page_id", "status_page_id: a component cannot move to another page")
	}
	if err := in.apply(&x); err != nil {
		return err
	}
	if x, err = s.pages.db.UpdateComponent(ctx, x); err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	return s.componentReply(c, http.StatusOK, x)
}

func (s *Server) apiComponentDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.pages.db.DeleteComponent(ctx, actorOf(c).TeamID, id); err != nil {
		return err
	}
	s.pages.changed(ctx)
	return c.NoContent(http.StatusNoContent)
}
