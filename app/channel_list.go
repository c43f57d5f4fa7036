package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// channelsPage is /alerts: the team's channels with their last delivery.
func (s *Server) channelsPage(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	eng := s.notifier
	list, err := eng.Channels(ctx, a.TeamID, 0, 0)
	if err != nil {
		return err
	}
	v := views.ChannelsView{CanManage: a.can(store.RoleAdmin)}
	for _, ch := range list {
		t, _ := eng.TypeOf(ch.Type)
		row := views.ChannelRow{ID: ch.ID, Name: ch.Name, TypeLabel: t.Label, Enabled: ch.Enabled}
		last, err := eng.Deliveries(ctx, notify.DeliveryQuery{TeamID: a.TeamID, ChannelID: ch.ID, Limit: 1})
		if err != nil {
			return err
		}
		if len(last) == 1 {
			row.LastStatus, row.LastTitle, row.LastAt = last[0].Status, last[0].Title, store.Time(last[0].CreatedAt)
		}
		v.Channels = append(v.Channels, row)
	}
	return render(c, http.StatusOK, views.ChannelsPage(s.shell(c, "Alerts", "alerts"), v))
}
