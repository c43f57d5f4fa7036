package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
)

type eventJSON struct {
	ID          string            `json:"id"`
	IssueID     int64             `json:"issue_id"`
	ProjectID   int64             `json:"project_id"`
	Timestamp   time.Time         `json:"timestamp"`
	ReceivedAt  time.Time         `json:"received_at"`
	Level       string            `json:"level"`
	Title       string            `json:"title"`
	Message     string            `json:"message"`
	Release     string            `json:"release"`
	Environment string            `json:"environment"`
	User        any               `json:"user"`
	Tags        map[string]string `json:"tags"`
}

func eventOut(e issues.EventRow) eventJSON {
	out := eventJSON{ID: e.EventID, IssueID: e.IssueID, ProjectID: e.ProjectID, Timestamp: store.Time(e.Timestamp),
		ReceivedAt: store.Time(e.ReceivedAt), Level: e.Level, Title: e.Title, Message: e.Message, Release: e.Release,
		Environment: e.Environment, Tags: e.Tags}
	if out.Tags == nil {
		out.Tags = map[string]string{}
	}
	if e.UserKey != "" {
		kind, val, _ := strings.Cut(e.UserKey, ":")
		if kind == "ip" {
			kind = "ip_address"
		}
		out.User = map[string]string{kind: val}
	}
	return out
}

// apiIssueEvents lists an issue's events, newest first.
func (s *Server) apiIssueEvents(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := pg.IDCursor()
	if err != nil {
		return err
	}
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	rows, err := s.tracker.Events(c.Request().Context(), i.TeamID, i.ID, after, pg.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(rows) > pg.Limit {
		rows = rows[:pg.Limit]
		next = makeIDCursor(rows[len(rows)-1].ID)
	}
	out := make([]eventJSON, 0, len(rows))
	for _, e := range rows {
		out = append(out, eventOut(e))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

// apiEventGet answers the whole normalised event by its 32-hex id.
func (s *Server) apiEventGet(c echo.Context) error {
	id := strings.ToLower(strings.ReplaceAll(c.Param("id"), "-", ""))
	ev, _, err := s.tracker.Event(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return issNotFound(err, "event")
	}
	raw, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, raw)
}
