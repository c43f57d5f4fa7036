package app

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
)

type subscriberJSON struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Target       string     `json:"target"`
	ComponentIDs []int64    `json:"component_ids"`
	Confirmed    bool       `json:"confirmed"`
	ConfirmedAt  *time.Time `json:"confirmed_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

// apiSubscriberList lists a page's subscribers.
func (s *Server) apiSubscriberList(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	team := actorOf(c).TeamID
	if _, err := s.sp().db.Page(ctx, team, id); err != nil {
		return err
	}
	subs, err := s.sp().db.Subscribers(ctx, team, id, false)
	if err != nil {
		return err
	}
	out := make([]subscriberJSON, 0, len(subs))
	for _, x := range subs {
		comps := x.ComponentIDs
		if comps == nil {
			comps = []int64{}
		}
		out = append(out, subscriberJSON{ID: x.ID, Kind: x.Kind, Target: x.Target, ComponentIDs: comps,
			Confirmed: x.ConfirmedAt != 0, ConfirmedAt: timePtr(x.ConfirmedAt), CreatedAt: store.Time(x.CreatedAt)})
	}
	return c.JSON(http.StatusOK, listBody(out, ""))
}

// apiSubscriberDelete removes a subscriber of a page.
func (s *Server) apiSubscriberDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "sub")
	if err != nil {
		return err
	}
	if err := s.sp().db.RemoveSubscriber(c.Request().Context(), actorOf(c).TeamID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
