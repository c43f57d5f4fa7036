package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// issueStatusUI resolves, ignores or reopens an issue from its page.
func (s *Server) issueStatusUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	ch, err := statusFromForm(c.FormValue("status"), c.FormValue("next_release") != "", c.FormValue("ignore"))
	if err != nil {
		return err
	}
	a := actorOf(c)
	if err := s.tracker.UpdateIssue(c.Request().Context(), a.TeamID, a.User.ID, i.ID, ch); err != nil {
		return err
	}
	flash(c, "Issue "+strings.ToLower(views.IssueStatusLabel(ch.Status, ""))+".")
	return seeOther(c, "/issues/"+strconv.FormatInt(i.ID, 10))
}

// statusFromForm reads a status change: ignore is "", a duration
// ("24h"), "count:N" or "users:N".
func statusFromForm(status string, nextRelease bool, ignore string) (issues.Change, error) {
	ch := issues.Change{Status: status}
	switch status {
	case "unresolved":
	case "resolved":
		ch.ResolvedInNextRelease = nextRelease
	case "ignored":
		switch {
		case ignore == "":
		case strings.HasPrefix(ignore, "count:"), strings.HasPrefix(ignore, "users:"):
			n, err := strconv.ParseInt(ignore[6:], 10, 64)
			if err != nil || n < 1 {
				return ch, badRequest("ignore", "ignore: not a count")
			}
			if ignore[0] == 'c' {
				ch.IgnoreCount = n
			} else {
				ch.IgnoreUserCount = n
			}
		default:
			d, err := time.ParseDuration(ignore)
			if err != nil || d <= 0 {
				return ch, badRequest("ignore", "ignore: not a duration")
			}
			ch.IgnoreUntil = time.Now().Add(d).UnixMilli()
		}
	default:
		return ch, badRequest("status", "status: must be unresolved, resolved or ignored")
	}
	return ch, nil
}

// issueAssignUI sets or clears an issue's assignee.
func (s *Server) issueAssignUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	ch := issues.Change{SetAssignee: true}
	if email := c.FormValue("assignee"); email != "" {
		if ch.AssigneeID, err = s.memberID(c, email); err != nil {
			return err
		}
	}
	a := actorOf(c)
	if err := s.tracker.UpdateIssue(c.Request().Context(), a.TeamID, a.User.ID, i.ID, ch); err != nil {
		return err
	}
	flash(c, "Assignee saved.")
	return seeOther(c, "/issues/"+strconv.FormatInt(i.ID, 10))
}

// issueCommentUI adds a comment to the activity log.
func (s *Server) issueCommentUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	body := strings.TrimSpace(c.FormValue("body"))
	if body == "" {
		v, err := s.issueView(c)
		if err != nil {
			return err
		}
		v.Form = views.Form{Errors: map[string]string{"body": "Write something to comment."}}
		return render(c, http.StatusBadRequest, views.IssuePage(s.shell(c, v.Title, "issues"), v))
	}
	a := actorOf(c)
	if err := s.tracker.Comment(c.Request().Context(), a.TeamID, a.User.ID, i.ID, body); err != nil {
		return err
	}
	return seeOther(c, "/issues/"+strconv.FormatInt(i.ID, 10))
}

// issueUnmergeUI splits chosen hashes into a new issue.
func (s *Server) issueUnmergeUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	a := actorOf(c)
	id, err := s.tracker.Unmerge(c.Request().Context(), a.TeamID, a.User.ID, i.ID, form["hash"])
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		flash(c, "Choose some, but not all, of the groups to split out.")
		return seeOther(c, "/issues/"+strconv.FormatInt(i.ID, 10))
	}
	if err != nil {
		return err
	}
	flash(c, "Split into a new issue.")
	return seeOther(c, "/issues/"+strconv.FormatInt(id, 10))
}

// issueBulkUI resolves, ignores, reopens or merges the selected issues.
func (s *Server) issueBulkUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, "/issues") {
		back = "/issues"
	}
	form, _ := c.FormParams()
	var ids []int64
	for _, raw := range form["id"] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		flash(c, "Select at least one issue first.")
		return seeOther(c, back)
	}
	a := actorOf(c)
	ctx := c.Request().Context()
	action := c.FormValue("action")
	if action == "merge" {
		if len(ids) < 2 {
			flash(c, "Select two or more issues to merge.")
			return seeOther(c, back)
		}
		if err := s.tracker.Merge(ctx, a.TeamID, a.User.ID, ids[0], ids[1:]); err != nil {
			if errors.Is(err, store.ErrConflict) {
				flash(c, "Only issues of the same project can be merged.")
				return seeOther(c, back)
			}
			return err
		}
		flash(c, "Merged "+strconv.Itoa(len(ids))+" issues.")
		return seeOther(c, "/issues/"+strconv.FormatInt(ids[0], 10))
	}
	status := map[string]string{"resolve": "resolved", "ignore": "ignored", "unresolve": "unresolved"}[action]
	if status == "" {
		return badRequest("action", "action: must be resolve, ignore, unresolve or merge")
	}
	n, err := s.bulkStatus(ctx, a, ids, status)
	if err != nil {
		return err
	}
	flash(c, issueCount(n)+" "+strings.ToLower(views.IssueStatusLabel(status, ""))+".")
	return seeOther(c, back)
}

// issueCount is "1 issue" or "N issues".
func issueCount(n int) string {
	if n == 1 {
		return "1 issue"
	}
	return strconv.Itoa(n) + " issues"
}

func (s *Server) bulkStatus(ctx context.Context, a *actor, ids []int64, status string) (int, error) {
	n := 0
	for _, id := range ids {
		err := s.tracker.UpdateIssue(ctx, a.TeamID, a.User.ID, id, issues.Change{Status: status})
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
