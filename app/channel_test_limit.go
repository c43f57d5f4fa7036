package app

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

// testsBusy answers a "Send test" refused because the team already has
// notify.MaxTestsPerTeam tests running.
func testsBusy(c echo.Context) error {
	c.Response().Header().Set("Retry-After", "10")
	return &Error{Status: http.StatusTooManyRequests, Code: "too_many_requests", Message: fmt.Sprintf(
		"your team already has %d channel tests running; wait for one to finish, then try again",
		notify.MaxTestsPerTeam)}
}
