package app

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
)

// subscriberExport downloads a page's subscribers as CSV.
func (s *Server) subscriberExport(c echo.Context) error {
	p, err := s.uiPage(c)
	if err != nil {
		return err
	}
	subs, err := s.pages.db.Subscribers(c.Request().Context(), p.TeamID, p.ID, false)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+p.Slug+`-subscribers.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	w.Write([]string{"id", "kind", "target", "confirmed", "component_ids", "created_at"})
	for _, x := range subs {
		var comps []string
		for _, id := range x.ComponentIDs {
			comps = append(comps, strconv.FormatInt(id, 10))
		}
		w.Write([]string{strconv.FormatInt(x.ID, 10), x.Kind, csvSafe(x.Target), strconv.FormatBool(x.ConfirmedAt != 0),
			strings.Join(comps, " "), store.Time(x.CreatedAt).Format("2006-01-02T15:04:05Z")})
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps spreadsheet programs from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// subscriberRemoveUI removes a subscriber of a page.
func (s *Server) subscriberRemoveUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.uiPage(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "sub")
	if err != nil {
		return err
	}
	if err := s.pages.db.RemoveSubscriber(c.Request().Context(), p.TeamID, id); err != nil {
		return err
	}
	flash(c, "Subscriber removed.")
	return seeOther(c, "/status-pages/"+strconv.FormatInt(p.ID, 10))
}
