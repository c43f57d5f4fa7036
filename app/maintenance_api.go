package app

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
)

// maintenanceJSON is a maintenance window in the API. weekdays is a
// bitmask with Sunday = 1.
type maintenanceJSON struct {
	ID              int64      `json:"id"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	Kind            string     `json:"kind"`
	StartsAt        *time.Time `json:"starts_at"`
	EndsAt          *time.Time `json:"ends_at"`
	Weekdays        int        `json:"weekdays"`
	StartTime       string     `json:"start_time"`
	DurationMinutes int        `json:"duration_minutes"`
	Timezone        string     `json:"timezone"`
	MonitorIDs      []int64    `json:"monitor_ids"`
	ComponentIDs    []int64    `json:"component_ids"`
	Active          bool       `json:"active"`
	NextStart       *time.Time `json:"next_start"`
	NextEnd         *time.Time `json:"next_end"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

func maintenanceOut(m statuspage.Maintenance, now time.Time) maintenanceJSON {
	out := maintenanceJSON{ID: m.ID, Title: m.Title, Description: m.Description, Kind: m.Kind,
		StartsAt: timePtr(m.StartsAt), EndsAt: timePtr(m.EndsAt), Weekdays: m.Weekdays, StartTime: m.StartTime,
		DurationMinutes: m.DurationMinutes, Timezone: m.Timezone, MonitorIDs: m.MonitorIDs,
		ComponentIDs: m.ComponentIDs, CreatedAt: store.Time(m.CreatedAt), UpdatedAt: store.Time(m.UpdatedAt)}
	if w, ok := m.Active(now); ok {
		out.Active = true
		out.NextStart, out.NextEnd = &w.Start, &w.End
	} else if w, ok := m.Next(now); ok {
		out.NextStart, out.NextEnd = &w.Start, &w.End
	}
	return out
}

type maintenanceInput struct {
	Title           *string          `json:"title"`
	Description     *string          `json:"description"`
	Kind            *string          `json:"kind"`
	StartsAt        *json.RawMessage `json:"starts_at"`
	EndsAt          *json.RawMessage `json:"ends_at"`
	Weekdays        *int             `json:"weekdays"`
	StartTime       *string          `json:"start_time"`
	DurationMinutes *int             `json:"duration_minutes"`
	Timezone        *string          `json:"timezone"`
	MonitorIDs      *[]int64         `json:"monitor_ids"`
	ComponentIDs    *[]int64         `json:"component_ids"`
}

func (in maintenanceInput) apply(m *statuspage.Maintenance) error {
	setStr(&m.Title, in.Title)
	setStr(&m.Description, in.Description)
	setStr(&m.Kind, in.Kind)
	setStr(&m.StartTime, in.StartTime)
	setStr(&m.Timezone, in.Timezone)
	if in.StartsAt != nil {
		t, err := apiTime("starts_at", *in.StartsAt)
		if err != nil {
			return err
		}
		m.StartsAt = store.MS(t)
	}
	if in.EndsAt != nil {
		t, err := apiTime("ends_at", *in.EndsAt)
		if err != nil {
			return err
		}
		m.EndsAt = store.MS(t)
	}
	if in.Weekdays != nil {
		m.Weekdays = *in.Weekdays
	}
	if in.DurationMinutes != nil {
		m.DurationMinutes = *in.DurationMinutes
	}
	if in.MonitorIDs != nil {
		m.MonitorIDs = *in.MonitorIDs
	}
	if in.ComponentIDs != nil {
		m.ComponentIDs = *in.ComponentIDs
	}
	if m.MonitorIDs == nil {
		m.MonitorIDs = []int64{}
	}
	if m.ComponentIDs == nil {
		m.ComponentIDs = []int64{}
	}
	return fieldErr(m.Validate())
}

func (s *Server) apiMaintenanceList(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := pg.IDCursor()
	if err != nil {
		return err
	}
	list, err := s.pages.db.MaintenanceList(c.Request().Context(), actorOf(c).TeamID, after, pg.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > pg.Limit {
		list = list[:pg.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	now := time.Now()
	out := make([]maintenanceJSON, 0, len(list))
	for _, m := range list {
		out = append(out, maintenanceOut(m, now))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func (s *Server) saveMaintenance(c echo.Context, m statuspage.Maintenance, code int) error {
	ctx := c.Request().Context()
	m, err := s.pages.db.SaveMaintenance(ctx, m)
	if err != nil {
		return fieldErr(err)
	}
	s.maintenanceChanged(ctx)
	full, err := s.pages.db.MaintenanceByID(ctx, m.TeamID, m.ID)
	if err != nil {
		return err
	}
	return c.JSON(code, maintenanceOut(full, time.Now()))
}

func (s *Server) apiMaintenanceCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in maintenanceInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	m := statuspage.Maintenance{TeamID: actorOf(c).TeamID}
	if err := in.apply(&m); err != nil {
		return err
	}
	return s.saveMaintenance(c, m, http.StatusCreated)
}

func (s *Server) apiMaintenanceGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.pages.db.MaintenanceByID(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maintenanceOut(m, time.Now()))
}

func (s *Server) apiMaintenanceUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.pages.db.MaintenanceByID(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	var in maintenanceInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.apply(&m); err != nil {
		return err
	}
	return s.saveMaintenance(c, m, http.StatusOK)
}

func (s *Server) apiMaintenanceDelete(c echo.Context) error {
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
	return c.NoContent(http.StatusNoContent)
}

// maintenanceChanged refreshes pages and tells the monitoring scheduler
// at once, so monitors enter or leave maintenance without waiting for its
// periodic reload.
func (s *Server) maintenanceChanged(ctx context.Context) {
	s.pages.changed(ctx)
	if s.monitors != nil {
		if err := s.monitors.engine.ReloadMaintenance(ctx); err != nil {
			s.log.Warn("reload maintenance", "error", err)
		}
	}
}

// apiTime reads an RFC 3339 time of a body, naming the field when it is
// not one (the decoder's own time errors name no field).
func apiTime(field string, raw json.RawMessage) (time.Time, error) {
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return time.Time{}, badRequest(field, "%s: must be an RFC 3339 time such as 2026-12-31T18:00:00Z", field)
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, badRequest(field, "%s: must be an RFC 3339 time such as 2026-12-31T18:00:00Z", field)
	}
	return t, nil
}
