package app

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
)

// page is a list request's paging: limit (default 50, at most 500) and
// the cursor of the previous page's last row.
type page struct {
	Limit  int
	Cursor string
}

// pageOf reads limit and cursor, naming the field that is wrong.
func pageOf(c echo.Context) (page, error) {
	p := page{Limit: 50, Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return p, badRequest("limit", "limit: must be a whole number from 1 to 500")
		}
		p.Limit = n
	}
	return p, nil
}

// IDCursor decodes a cursor made by makeIDCursor: the id to continue
// after. An empty cursor is 0.
func (p page) IDCursor() (int64, error) {
	if p.Cursor == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err == nil {
		if id, err := strconv.ParseInt(string(raw), 10, 64); err == nil && id > 0 {
			return id, nil
		}
	}
	return 0, badRequest("cursor", "cursor: not a cursor from a previous page")
}

// makeIDCursor makes the opaque cursor that continues after id.
func makeIDCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// pageByID pages a short list held in memory, sorted by id (descending
// when desc): the items after the cursor's id, at most p.Limit of them,
// and the cursor of the next page ("" on the last).
func pageByID[T any](p page, items []T, id func(T) int64, desc bool) ([]T, string, error) {
	after, err := p.IDCursor()
	if err != nil {
		return nil, "", err
	}
	start := 0
	if after > 0 {
		for start < len(items) && (desc && id(items[start]) >= after || !desc && id(items[start]) <= after) {
			start++
		}
	}
	items = items[start:]
	if len(items) <= p.Limit {
		return items, "", nil
	}
	return items[:p.Limit], makeIDCursor(id(items[p.Limit-1])), nil
}

// listBody is the shape of every list answer.
func listBody[T any](items []T, next string) map[string]any {
	if items == nil {
		items = []T{}
	}
	var n any
	if next != "" {
		n = next
	}
	return map[string]any{"data": items, "next_cursor": n}
}

// timePtr turns Unix milliseconds into an RFC 3339 time, nil for 0.
func timePtr(ms int64) *time.Time {
	if ms == 0 {
		return nil
	}
	t := store.Time(ms)
	return &t
}

// apiMe describes the token's user and team.
func (s *Server) apiMe(c echo.Context) error {
	a := actorOf(c)
	t, err := s.store.TeamByID(c.Request().Context(), a.TeamID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"user": map[string]any{"id": a.User.ID, "email": a.User.Email, "name": a.User.Name},
		"team": map[string]any{"id": t.ID, "name": t.Name},
		"role": a.Role,
	})
}

// apiMemberList lists the team's members by user id.
func (s *Server) apiMemberList(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	ms, err := s.store.Members(c.Request().Context(), actorOf(c).TeamID)
	if err != nil {
		return err
	}
	slices.SortFunc(ms, func(a, b store.Member) int { return cmp.Compare(a.ID, b.ID) })
	ms, next, err := pageByID(p, ms, func(m store.Member) int64 { return m.ID }, false)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(ms))
	for _, m := range ms {
		out = append(out, map[string]any{"user_id": m.ID, "email": m.Email, "name": m.Name, "role": m.Role,
			"joined_at": store.Time(m.Joined)})
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}
