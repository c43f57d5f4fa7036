package app

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/email"
	"github.com/bitwobbly/bitwobbly/views"
)

// notificationsMine shows what was sent to the signed-in person (e-mail
// channels listing their address) and the team's recent notifications.
func (s *Server) notificationsMine(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	eng := s.notifier
	chans, err := eng.Channels(ctx, a.TeamID, 0, 0)
	if err != nil {
		return err
	}
	ids := []int64{}
	for _, ch := range chans {
		if ch.Type != "email" {
			continue
		}
		for _, to := range email.Recipients(ch.Config["to"]) {
			if strings.EqualFold(to, a.User.Email) {
				ids = append(ids, ch.ID)
				break
			}
		}
	}
	mine, err := eng.Deliveries(ctx, notify.DeliveryQuery{TeamID: a.TeamID, ChannelIDs: ids, Limit: 50,
		WithAttempts: true})
	if err != nil {
		return err
	}
	team, err := eng.Deliveries(ctx, notify.DeliveryQuery{TeamID: a.TeamID, Limit: 50, WithAttempts: true})
	if err != nil {
		return err
	}
	v := views.MyNotificationsView{Email: a.User.Email, Mine: deliveryRows(mine), Team: deliveryRows(team)}
	return render(c, http.StatusOK, views.MyNotificationsPage(s.shell(c, "My notifications", "alerts"), v))
}
