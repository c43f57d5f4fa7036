package app

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/app/webhooksign"
	"github.com/bitwobbly/bitwobbly/store"
)

type subscriberJSON struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"`
	Target       string     `json:"target"`
	ComponentIDs []int64    `json:"component_ids"`
	Source       string     `json:"source"`
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
	if _, err := s.pages.db.Page(ctx, team, id); err != nil {
		return err
	}
	subs, err := s.pages.db.Subscribers(ctx, team, id, false)
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
			Source: x.Source, Confirmed: x.ConfirmedAt != 0, ConfirmedAt: timePtr(x.ConfirmedAt), CreatedAt: store.Time(x.CreatedAt)})
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
	if err := s.pages.db.RemoveSubscriber(c.Request().Context(), actorOf(c).TeamID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// subscriberInput is what a team member sends to add a webhook subscriber.
type subscriberInput struct {
	Kind         string  `json:"kind"`
	URL          string  `json:"url"`
	ComponentIDs []int64 `json:"component_ids"`
}

// apiSubscriberCreate lets a team member add a webhook subscriber; its URL
// follows the instance's allow-private-channels setting. The signing
// secret is in the answer only.
func (s *Server) apiSubscriberCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in subscriberInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Kind != "webhook" {
		return badRequest("kind", "kind: use webhook (visitors subscribe by e-mail on the page)")
	}
	raw := strings.TrimSpace(in.URL)
	if err := statuspage.ValidURL("url", raw); err != nil || raw == "" {
		return badRequest("url", "url: use an http:// or https:// URL")
	}
	p := s.pages
	ctx := c.Request().Context()
	team := actorOf(c).TeamID
	pg, err := p.db.Page(ctx, team, id)
	if err != nil {
		return err
	}
	if err := guardTarget(p.guard, raw); err != nil {
		return badRequest("url", "url: %v", err)
	}
	comps, err := p.pageComponentIDs(ctx, pg, idStrings(in.ComponentIDs))
	if err != nil {
		return badRequest("component_ids", "component_ids: choose components of this page")
	}
	secret := webhooksign.NewSecret()
	sub, existed, err := p.db.AddSubscriber(ctx, statuspage.Subscriber{TeamID: team, StatusPageID: pg.ID,
		Kind: "webhook", Target: raw, Secret: s.box.Seal(secret), ComponentIDs: comps, Token: randomToken(24),
		ConfirmedAt: time.Now().UnixMilli(), Source: statuspage.SourceTeam})
	if err != nil {
		return fieldErr(err)
	}
	if existed {
		return conflict("url", "url: this URL already receives updates of the page")
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": sub.ID, "kind": sub.Kind, "target": sub.Target,
		"component_ids": comps, "source": statuspage.SourceTeam, "confirmed": true,
		"created_at": store.Time(sub.CreatedAt), "secret": secret})
}

func idStrings(ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, strconv.FormatInt(id, 10))
	}
	return out
}
