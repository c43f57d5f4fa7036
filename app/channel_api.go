package app

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/store"
)

// apiChannelList lists the team's channels.
func (s *Server) apiChannelList(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := p.IDCursor()
	if err != nil {
		return err
	}
	list, err := s.notifier.Channels(c.Request().Context(), actorOf(c).TeamID, after, p.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > p.Limit {
		list = list[:p.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	out := make([]channelJSON, 0, len(list))
	for _, ch := range list {
		out = append(out, s.channelOut(ch))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

// channelOf loads the path's channel inside the actor's team.
func (s *Server) channelOf(c echo.Context) (notify.Channel, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return notify.Channel{}, notFound("channel")
	}
	ch, err := s.notifier.Channel(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		if err == store.ErrNotFound {
			return ch, notFound("channel")
		}
		return ch, err
	}
	return ch, nil
}

// apiChannelGet answers one channel.
func (s *Server) apiChannelGet(c echo.Context) error {
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.channelOut(ch))
}

type channelInput struct {
	Name    *string        `json:"name"`
	Type    *string        `json:"type"`
	Config  map[string]any `json:"config"`
	Enabled *bool          `json:"enabled"`
}

// apiChannelCreate creates a channel (admin).
func (s *Server) apiChannelCreate(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	var in channelInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return badRequest("name", "name: is required")
	}
	if err := notifyValidName(*in.Name); err != nil {
		return err
	}
	if in.Type == nil {
		return badRequest("type", "type: is required, one of %s", s.typeList())
	}
	if t, ok := s.notifier.TypeOf(*in.Type); ok {
		if err := checkChannelKeys(t, in.Config, false); err != nil {
			return err
		}
	}
	ch := notify.Channel{TeamID: actorOf(c).TeamID, Name: strings.TrimSpace(*in.Name), Type: *in.Type,
		Config: in.Config, Enabled: true}
	if ch.Config == nil {
		ch.Config = map[string]any{}
	}
	if in.Enabled != nil {
		ch.Enabled = *in.Enabled
	}
	given, _ := ch.Config["secret"].(string)
	saved, err := s.notifier.SaveChannel(c.Request().Context(), ch)
	if err != nil {
		return notifyFieldError(err, "config.")
	}
	out := s.channelOut(saved)
	if saved.Type == "webhook" && strings.TrimSpace(given) == "" {
		out.SigningSecret, _ = saved.Config["secret"].(string)
	}
	return c.JSON(http.StatusCreated, out)
}

// apiChannelUpdate changes a channel's name, settings or enabled flag
// (admin). Masked secrets keep their stored values.
func (s *Server) apiChannelUpdate(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	var in channelInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Type != nil && *in.Type != ch.Type {
		return badRequest("type", "type: cannot be changed; create a new channel")
	}
	if in.Name != nil {
		if err := notifyValidName(*in.Name); err != nil {
			return err
		}
		ch.Name = strings.TrimSpace(*in.Name)
	}
	if in.Enabled != nil {
		ch.Enabled = *in.Enabled
	}
	if in.Config != nil {
		if t, ok := s.notifier.TypeOf(ch.Type); ok {
			if err := checkChannelKeys(t, in.Config, true); err != nil {
				return err
			}
		}
		ch.Config = mergeChannelConfig(ch.Config, in.Config)
	}
	saved, err := s.notifier.SaveChannel(c.Request().Context(), ch)
	if err != nil {
		return notifyFieldError(err, "config.")
	}
	return c.JSON(http.StatusOK, s.channelOut(saved))
}

// apiChannelDelete removes a channel and its delivery log (admin).
func (s *Server) apiChannelDelete(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	if err := s.notifier.DeleteChannel(c.Request().Context(), ch.TeamID, ch.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// testAnswer is what a test send reports: the provider's real answer.
type testAnswer struct {
	OK         bool    `json:"ok"`
	StatusCode int     `json:"status_code"`
	Response   string  `json:"response"`
	Error      *string `json:"error"`
}

// apiChannelTest sends a test message now and reports the answer.
func (s *Server) apiChannelTest(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	res, sendErr := s.notifier.Test(c.Request().Context(), ch)
	if errors.Is(sendErr, notify.ErrTooManyTests) {
		return testsBusy(c)
	}
	out := testAnswer{OK: sendErr == nil, StatusCode: res.StatusCode, Response: res.Response}
	if sendErr != nil {
		msg := sendErr.Error()
		out.Error = &msg
	}
	return c.JSON(http.StatusOK, out)
}

// deliveryJSON is one delivery with its attempts.
type deliveryJSON struct {
	ID             int64         `json:"id"`
	ChannelID      int64         `json:"channel_id"`
	RuleID         *int64        `json:"rule_id"`
	AlertEventID   *int64        `json:"alert_event_id"`
	Kind           string        `json:"kind"`
	Subject        string        `json:"subject"`
	Title          string        `json:"title"`
	IdempotencyKey string        `json:"idempotency_key"`
	Status         string        `json:"status"`
	Attempts       int           `json:"attempts"`
	NextAttemptAt  any           `json:"next_attempt_at"`
	LastError      string        `json:"last_error"`
	CreatedAt      any           `json:"created_at"`
	SentAt         any           `json:"sent_at"`
	Log            []attemptJSON `json:"log"`
}

type attemptJSON struct {
	StartedAt  any    `json:"started_at"`
	DurationMS int64  `json:"duration_ms"`
	StatusCode int    `json:"status_code"`
	Response   string `json:"response"`
	Error      string `json:"error"`
}

func notifyIDPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func deliveryOut(d notify.Delivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, ChannelID: d.ChannelID, RuleID: notifyIDPtr(d.RuleID), AlertEventID: notifyIDPtr(d.AlertEventID),
		Kind: d.Kind, Subject: d.Subject, Title: d.Title, IdempotencyKey: d.IdemKey, Status: d.Status,
		Attempts: d.Attempts, LastError: d.LastError, CreatedAt: store.Time(d.CreatedAt), SentAt: timePtr(d.SentAt),
		Log: []attemptJSON{}}
	if d.Status == "pending" {
		out.NextAttemptAt = timePtr(d.NextAttemptAt)
	}
	for _, a := range d.Log {
		out.Log = append(out.Log, attemptJSON{StartedAt: store.Time(a.StartedAt), DurationMS: a.DurationMS,
			StatusCode: a.StatusCode, Response: a.Response, Error: a.Error})
	}
	return out
}

// apiChannelDeliveries lists a channel's deliveries, newest first, with
// every attempt.
func (s *Server) apiChannelDeliveries(c echo.Context) error {
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	before, err := p.IDCursor()
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	switch status {
	case "", "pending", "sent", "failed":
	default:
		return badRequest("status", "status: must be pending, sent or failed")
	}
	list, err := s.notifier.Deliveries(c.Request().Context(), notify.DeliveryQuery{TeamID: ch.TeamID,
		ChannelID: ch.ID, Status: status, Before: before, Limit: p.Limit + 1, WithAttempts: true})
	if err != nil {
		return err
	}
	next := ""
	if len(list) > p.Limit {
		list = list[:p.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	out := make([]deliveryJSON, 0, len(list))
	for _, d := range list {
		out = append(out, deliveryOut(d))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}
