package app

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// issueList is the issue inbox page.
func (s *Server) issueList(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	if c.QueryParam("status") == "" && c.QueryParams().Get("status") == "" && len(c.QueryParams()) == 0 {
		c.QueryParams().Set("status", "unresolved")
	}
	v := views.IssueListView{CanEdit: a.can(store.RoleMember), Since: store.Now()}
	f, err := issueFilter(c, a.TeamID)
	var ve *Error
	if errors.As(err, &ve) {
		v.FilterError = ve.Message
		f = issues.Filter{TeamID: a.TeamID, Status: "unresolved", Sort: "last_seen"}
	} else if err != nil {
		return err
	}
	v.Status, v.Level, v.ProjectID, v.Environment, v.Release, v.Query, v.Sort =
		f.Status, f.Level, f.ProjectID, f.Environment, f.Release, f.Query, f.Sort
	projects, err := s.tracker.Projects(ctx, a.TeamID)
	if err != nil {
		return err
	}
	v.HasProjects = len(projects) > 0
	for _, p := range projects {
		v.Projects = append(v.Projects, views.Choice{Value: strconv.FormatInt(p.ID, 10), Label: p.Name})
	}
	if v.Environments, err = s.tracker.FacetValues(ctx, a.TeamID, "environment"); err != nil {
		return err
	}
	if v.Releases, err = s.tracker.FacetValues(ctx, a.TeamID, "release"); err != nil {
		return err
	}
	pg := page{Limit: 50, Cursor: c.QueryParam("cursor")}
	list, next, err := s.issuePage(c, f, pg)
	if errors.As(err, &ve) {
		v.FilterError = ve.Message
		list, next, err = s.issuePage(c, f, page{Limit: 50})
	}
	if err != nil {
		return err
	}
	v.NextCursor = next
	if err := s.issueRows(c, list, &v); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.IssuesPage(s.shell(c, "Issues", "issues"), v))
}

func (s *Server) issueRows(c echo.Context, list []issues.Issue, v *views.IssueListView) error {
	ids := make([]int64, 0, len(list))
	for _, i := range list {
		ids = append(ids, i.ID)
	}
	now := time.Now()
	spark, err := s.tracker.Hourly(c.Request().Context(), ids, now.Add(-23*time.Hour), 24)
	if err != nil {
		return err
	}
	for _, i := range list {
		v.Rows = append(v.Rows, views.IssueRow{ID: i.ID, Title: i.Title, Culprit: i.Culprit, Project: i.ProjectName,
			Level: i.Level, Status: i.Status, Substatus: i.Substatus, Events: i.EventCount, Users: i.UserCount,
			FirstSeen: store.Time(i.FirstSeen), LastSeen: store.Time(i.LastSeen), Spark: spark[i.ID],
			Assignee: i.AssigneeEmail})
	}
	return nil
}

// issueFresh is polled by the inbox: how many of the team's issues saw
// events since the page was rendered.
func (s *Server) issueFresh(c echo.Context) error {
	since, _ := strconv.ParseInt(c.QueryParam("since"), 10, 64)
	n, err := s.tracker.ChangedSince(c.Request().Context(), actorOf(c).TeamID, since)
	if err != nil {
		return err
	}
	back := c.Request().Referer()
	if u, err := url.Parse(back); err != nil || u.Path != "/issues" {
		back = "/issues"
	} else {
		back = u.RequestURI()
	}
	return render(c, http.StatusOK, views.IssuesFresh(n, back))
}
