package app

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/views"
)

// notificationsMine shows what was sent to the signed-in person (e-mail
// channels listing their address) and the team's recent notifications.
func (s *Server) notificationsMine(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	eng := s.notifier()
	mine, err := eng.Deliveries(ctx, notify.DeliveryQuery{TeamID: a.TeamID, Email: a.User.Email, Limit: 50,
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
