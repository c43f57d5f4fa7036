package app

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
)

type updateJSON struct {
	ID        int64     `json:"id"`
	Status    string    `json:"status"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type affectedJSON struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// incidentJSON is an incident with its updates, newest first.
type incidentJSON struct {
	ID           int64          `json:"id"`
	Title        string         `json:"title"`
	Status       string         `json:"status"`
	Impact       string         `json:"impact"`
	MonitorID    *int64         `json:"monitor_id"`
	Source       string         `json:"source"`
	StartedAt    time.Time      `json:"started_at"`
	ResolvedAt   *time.Time     `json:"resolved_at"`
	ComponentIDs []int64        `json:"component_ids"`
	Components   []affectedJSON `json:"components"`
	Updates      []updateJSON   `json:"updates"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

func incidentOut(in statuspage.Incident) incidentJSON {
	out := incidentJSON{ID: in.ID, Title: in.Title, Status: in.Status, Impact: in.Impact, Source: in.Source,
		StartedAt: store.Time(in.StartedAt), ResolvedAt: timePtr(in.ResolvedAt), ComponentIDs: in.ComponentIDs(),
		Components: []affectedJSON{}, Updates: []updateJSON{}, CreatedAt: store.Time(in.CreatedAt),
		UpdatedAt: store.Time(in.UpdatedAt)}
	if in.MonitorID != 0 {
		m := in.MonitorID
		out.MonitorID = &m
	}
	for _, a := range in.Components {
		out.Components = append(out.Components, affectedJSON{a.ComponentID, a.Status})
	}
	for _, u := range in.Updates {
		out.Updates = append(out.Updates, updateJSON{u.ID, u.Status, u.Body, store.Time(u.CreatedAt)})
	}
	return out
}

// incidentInput is a create or change body. body is the Markdown text of
// the update the change appends. component_ids take component_status
// (default from impact); components sets statuses one by one.
type incidentInput struct {
	Title           *string          `json:"title"`
	Status          *string          `json:"status"`
	Impact          *string          `json:"impact"`
	MonitorID       *int64           `json:"monitor_id"`
	StartedAt       *json.RawMessage `json:"started_at"`
	Body            *string          `json:"body"`
	ComponentIDs    *[]int64         `json:"component_ids"`
	ComponentStatus *string          `json:"component_status"`
	Components      *[]affectedJSON  `json:"components"`
}

// affected reads the components of the body; nil when not given.
func (in incidentInput) affected(impact string) (*[]statuspage.Affected, error) {
	st := statuspage.ImpactStatus(impact)
	if in.ComponentStatus != nil {
		st = *in.ComponentStatus
		if !statuspage.ValidComponentStatus(st) {
			return nil, badRequest("component_status", "component_status: use operational, degraded_performance, "+
				"partial_outage, major_outage or under_maintenance")
		}
	}
	var out []statuspage.Affected
	switch {
	case in.Components != nil:
		for _, a := range *in.Components {
			if !statuspage.ValidComponentStatus(a.Status) {
				return nil, badRequest("components", "components: status %q is not a component status", a.Status)
			}
			out = append(out, statuspage.Affected{ComponentID: a.ID, Status: a.Status})
		}
	case in.ComponentIDs != nil:
		for _, id := range *in.ComponentIDs {
			out = append(out, statuspage.Affected{ComponentID: id, Status: st})
		}
	default:
		return nil, nil
	}
	if out == nil {
		out = []statuspage.Affected{}
	}
	return &out, nil
}

func (s *Server) apiIncidentList(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	before, err := pg.IDCursor()
	if err != nil {
		return err
	}
	f := statuspage.IncidentFilter{TeamID: actorOf(c).TeamID, Before: before, Limit: pg.Limit + 1}
	switch c.QueryParam("status") {
	case "", "all":
	case "open", "unresolved":
		f.Open = true
	default:
		return badRequest("status", "status: use open or all")
	}
	list, err := s.pages.db.Incidents(c.Request().Context(), f)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > pg.Limit {
		list = list[:pg.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	out := make([]incidentJSON, 0, len(list))
	for _, in := range list {
		out = append(out, incidentOut(in))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func (s *Server) apiIncidentCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in incidentInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	inc := statuspage.Incident{TeamID: actorOf(c).TeamID}
	setStr(&inc.Title, in.Title)
	setStr(&inc.Status, in.Status)
	setStr(&inc.Impact, in.Impact)
	if in.MonitorID != nil {
		inc.MonitorID = *in.MonitorID
	}
	if in.StartedAt != nil {
		started, err := apiTime("started_at", *in.StartedAt)
		if err != nil {
			return err
		}
		if started.After(time.Now().Add(time.Minute)) {
			return badRequest("started_at", "started_at: cannot be in the future")
		}
		inc.StartedAt = store.MS(started)
	}
	if err := fieldErr(statuspage.ValidateIncident(&inc)); err != nil {
		return err
	}
	aff, err := in.affected(inc.Impact)
	if err != nil {
		return err
	}
	if aff != nil {
		inc.Components = *aff
	}
	body := ""
	setStr(&body, in.Body)
	if len(body) > 20000 {
		return badRequest("body", "body: keep updates under 20,000 characters")
	}
	ctx := c.Request().Context()
	inc, err = s.pages.db.CreateIncident(ctx, inc, body, actorOf(c).User.ID)
	if err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	full, err := s.pages.db.Incident(ctx, inc.TeamID, inc.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, incidentOut(full))
}

func (s *Server) apiIncidentGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	in, err := s.pages.db.Incident(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, incidentOut(in))
}

// apiIncidentUpdate changes an incident (PATCH/PUT) or, on
// POST …/updates, appends an update.
func (s *Server) apiIncidentUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	team := actorOf(c).TeamID
	cur, err := s.pages.db.Incident(ctx, team, id)
	if err != nil {
		return err
	}
	var in incidentInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.MonitorID != nil || in.StartedAt != nil {
		field := "monitor_id"
		if in.StartedAt != nil {
			field = "started_at"
		}
		return badRequest(field, "%s: cannot be changed after the incident is opened", field)
	}
	if in.Body != nil && len(*in.Body) > 20000 {
		return badRequest("body", "body: keep updates under 20,000 characters")
	}
	impact := cur.Impact
	setStr(&impact, in.Impact)
	aff, err := in.affected(impact)
	if err != nil {
		return err
	}
	ch := statuspage.IncidentChange{Title: in.Title, Status: in.Status, Impact: in.Impact, Components: aff,
		Body: in.Body}
	out, err := s.pages.db.ChangeIncident(ctx, team, id, ch, actorOf(c).User.ID)
	if err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	code := http.StatusOK
	if c.Request().Method == http.MethodPost {
		code = http.StatusCreated
	}
	return c.JSON(code, incidentOut(out))
}

func (s *Server) apiIncidentDelete(c echo.Context) error {
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
	return c.NoContent(http.StatusNoContent)
}
