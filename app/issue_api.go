package app

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
)

type issueJSON struct {
	ID                    int64      `json:"id"`
	ProjectID             int64      `json:"project_id"`
	ProjectName           string     `json:"project_name"`
	Title                 string     `json:"title"`
	Culprit               string     `json:"culprit"`
	Type                  string     `json:"type"`
	Value                 string     `json:"value"`
	Level                 string     `json:"level"`
	Platform              string     `json:"platform"`
	Status                string     `json:"status"`
	Substatus             string     `json:"substatus"`
	EventCount            int64      `json:"event_count"`
	UserCount             int64      `json:"user_count"`
	FirstSeen             time.Time  `json:"first_seen"`
	LastSeen              time.Time  `json:"last_seen"`
	FirstRelease          string     `json:"first_release"`
	LastRelease           string     `json:"last_release"`
	Environment           string     `json:"environment"`
	Assignee              *string    `json:"assignee"`
	ResolvedAt            *time.Time `json:"resolved_at"`
	ResolvedInRelease     *string    `json:"resolved_in_release"`
	ResolvedInNextRelease bool       `json:"resolved_in_next_release"`
	IgnoreUntil           *time.Time `json:"ignore_until"`
	IgnoreCount           *int64     `json:"ignore_count"`
	IgnoreUserCount       *int64     `json:"ignore_user_count"`
	URL                   string     `json:"url"`
}

func issueOut(i issues.Issue) issueJSON {
	out := issueJSON{ID: i.ID, ProjectID: i.ProjectID, ProjectName: i.ProjectName, Title: i.Title, Culprit: i.Culprit,
		Type: i.Type, Value: i.Value, Level: i.Level, Platform: i.Platform, Status: i.Status, Substatus: i.Substatus,
		EventCount: i.EventCount, UserCount: i.UserCount, FirstSeen: store.Time(i.FirstSeen),
		LastSeen: store.Time(i.LastSeen), FirstRelease: i.FirstRelease, LastRelease: i.LastRelease,
		Environment: i.Environment, ResolvedAt: timePtr(i.ResolvedAt), ResolvedInNextRelease: i.ResolvedInNextRelease,
		IgnoreUntil: timePtr(i.IgnoreUntil), IgnoreCount: i.IgnoreCount, IgnoreUserCount: i.IgnoreUserCount,
		URL: "/issues/" + strconv.FormatInt(i.ID, 10)}
	if i.AssigneeEmail != "" {
		out.Assignee = &i.AssigneeEmail
	}
	if i.ResolvedInRelease != "" {
		out.ResolvedInRelease = &i.ResolvedInRelease
	}
	return out
}

// issueFilter reads the list filters shared by the API and the UI.
func issueFilter(c echo.Context, teamID int64) (issues.Filter, error) {
	f := issues.Filter{TeamID: teamID, Status: c.QueryParam("status"), Level: c.QueryParam("level"),
		Environment: c.QueryParam("environment"), Release: c.QueryParam("release"), Query: c.QueryParam("query"),
		Sort: c.QueryParam("sort")}
	if f.Query == "" {
		f.Query = c.QueryParam("q")
	}
	if f.Status == "all" {
		f.Status = ""
	}
	if f.Status != "" && !slices.Contains(issues.Statuses, f.Status) {
		return f, badRequest("status", "status: must be unresolved, resolved or ignored")
	}
	if f.Level != "" && !slices.Contains([]string{"fatal", "error", "warning", "info", "debug"}, f.Level) {
		return f, badRequest("level", "level: must be fatal, error, warning, info or debug")
	}
	if f.Sort == "" {
		f.Sort = "last_seen"
	}
	if _, ok := issues.Sorts[f.Sort]; !ok {
		return f, badRequest("sort", "sort: must be last_seen, first_seen, events or users")
	}
	if p := c.QueryParam("project"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return f, badRequest("project", "project: must be a project id")
		}
		f.ProjectID = id
	}
	if p := c.QueryParam("project_id"); p != "" && f.ProjectID == 0 {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return f, badRequest("project_id", "project_id: must be a project id")
		}
		f.ProjectID = id
	}
	return f, nil
}

// issueCursor encodes the position after an issue in a sorted list.
func issueCursor(v, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(v, 10) + ":" + strconv.FormatInt(id, 10)))
}

func parseIssueCursor(s string) (int64, int64, error) {
	bad := badRequest("cursor", "cursor: not a cursor from a previous page")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, 0, bad
	}
	a, b, ok := strings.Cut(string(raw), ":")
	v, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return 0, 0, bad
	}
	return v, id, nil
}

// issuePage lists one page of issues and the cursor of the next.
func (s *Server) issuePage(c echo.Context, f issues.Filter, pg page) ([]issues.Issue, string, error) {
	if pg.Cursor != "" {
		v, id, err := parseIssueCursor(pg.Cursor)
		if err != nil {
			return nil, "", err
		}
		f.AfterValue, f.AfterID = v, id
	}
	f.Limit = pg.Limit + 1
	list, err := s.tracker.Issues(c.Request().Context(), f)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(list) > pg.Limit {
		list = list[:pg.Limit]
		last := list[len(list)-1]
		next = issueCursor(f.SortValue(last), last.ID)
	}
	return list, next, nil
}

// apiIssueList lists issues with filters: status, level, project,
// environment, release, query; sort last_seen, first_seen, events, users.
func (s *Server) apiIssueList(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	f, err := issueFilter(c, actorOf(c).TeamID)
	if err != nil {
		return err
	}
	list, next, err := s.issuePage(c, f, pg)
	if err != nil {
		return err
	}
	out := make([]issueJSON, 0, len(list))
	for _, i := range list {
		out = append(out, issueOut(i))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func (s *Server) issueParam(c echo.Context) (issues.Issue, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return issues.Issue{}, notFound("issue")
	}
	i, err := s.tracker.Issue(c.Request().Context(), actorOf(c).TeamID, id)
	return i, issNotFound(err, "issue")
}

// apiIssueParam is issueParam for the API: an issue merged into another
// is gone, answered 404 with a message naming the issue it lives on in.
func (s *Server) apiIssueParam(c echo.Context) (issues.Issue, error) {
	i, err := s.issueParam(c)
	if err == nil && i.MergedInto != 0 {
		return issues.Issue{}, &Error{Status: http.StatusNotFound, Code: "not_found",
			Message: fmt.Sprintf("issue %d was merged into issue %d", i.ID, i.MergedInto)}
	}
	return i, err
}

// apiIssueGet answers one issue.
func (s *Server) apiIssueGet(c echo.Context) error {
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, issueOut(i))
}

type issueInput struct {
	Status                *string          `json:"status"`
	ResolvedInRelease     *string          `json:"resolved_in_release"`
	ResolvedInNextRelease *bool            `json:"resolved_in_next_release"`
	IgnoreUntil           *json.RawMessage `json:"ignore_until"`
	IgnoreCount           *int64           `json:"ignore_count"`
	IgnoreUserCount       *int64           `json:"ignore_user_count"`
	Assignee              sentNullable     `json:"assignee"`
}

// change validates the input into an issue change.
func (s *Server) issueChange(c echo.Context, in issueInput) (issues.Change, error) {
	var ch issues.Change
	if in.Status != nil {
		if !slices.Contains(issues.Statuses, *in.Status) {
			return ch, badRequest("status", "status: must be unresolved, resolved or ignored")
		}
		ch.Status = *in.Status
	}
	if in.ResolvedInRelease != nil && *in.ResolvedInRelease != "" {
		if ch.Status != "resolved" {
			return ch, badRequest("resolved_in_release", "resolved_in_release: only with status resolved")
		}
		ch.ResolvedInRelease = strings.TrimSpace(*in.ResolvedInRelease)
		// Events keep at most 200 bytes of a release, so a longer name
		// could never match one; control characters are no release.
		if len(ch.ResolvedInRelease) > 200 || !utf8.ValidString(ch.ResolvedInRelease) ||
			strings.IndexFunc(ch.ResolvedInRelease, unicode.IsControl) >= 0 {
			return ch, badRequest("resolved_in_release",
				"resolved_in_release: must be a release name of at most 200 bytes without control characters")
		}
	}
	if in.ResolvedInNextRelease != nil && *in.ResolvedInNextRelease {
		if ch.Status != "resolved" || ch.ResolvedInRelease != "" {
			return ch, badRequest("resolved_in_next_release",
				"resolved_in_next_release: only with status resolved and without resolved_in_release")
		}
		ch.ResolvedInNextRelease = true
	}
	ignoreOnly := func(field string) error {
		if ch.Status != "ignored" {
			return badRequest(field, "%s: only with status ignored", field)
		}
		return nil
	}
	if in.IgnoreUntil != nil {
		if err := ignoreOnly("ignore_until"); err != nil {
			return ch, err
		}
		// Parsed here rather than by the decoder, whose time errors name no field.
		var raw string
		until, err := time.Time{}, json.Unmarshal(*in.IgnoreUntil, &raw)
		if err == nil {
			until, err = time.Parse(time.RFC3339, raw)
		}
		if err != nil {
			return ch, badRequest("ignore_until", "ignore_until: must be an RFC 3339 time, e.g. 2026-12-31T18:00:00Z")
		}
		if !until.After(time.Now()) {
			return ch, badRequest("ignore_until", "ignore_until: must be in the future")
		}
		ch.IgnoreUntil = until.UnixMilli()
	}
	for _, x := range []struct {
		field string
		v     *int64
		dst   *int64
	}{{"ignore_count", in.IgnoreCount, &ch.IgnoreCount}, {"ignore_user_count", in.IgnoreUserCount, &ch.IgnoreUserCount}} {
		if x.v == nil {
			continue
		}
		if err := ignoreOnly(x.field); err != nil {
			return ch, err
		}
		if *x.v < 1 {
			return ch, badRequest(x.field, "%s: must be a whole number from 1", x.field)
		}
		*x.dst = *x.v
	}
	if in.Assignee.Set {
		ch.SetAssignee = true
		if string(in.Assignee.Raw) != "null" {
			var email string
			if err := json.Unmarshal(in.Assignee.Raw, &email); err != nil || strings.TrimSpace(email) == "" {
				return ch, badRequest("assignee", "assignee: must be a member's e-mail or null")
			}
			id, err := s.memberID(c, email)
			if err != nil {
				return ch, err
			}
			ch.AssigneeID = id
		}
	}
	return ch, nil
}

// memberID finds a member of the actor's team by e-mail.
func (s *Server) memberID(c echo.Context, email string) (int64, error) {
	ctx := c.Request().Context()
	u, err := s.store.UserByEmail(ctx, strings.TrimSpace(email))
	if err == nil {
		_, err = s.store.Membership(ctx, actorOf(c).TeamID, u.ID)
	}
	if errors.Is(err, store.ErrNotFound) {
		return 0, badRequest("assignee", "assignee: %s is not a member of this team", email)
	}
	return u.ID, err
}

// apiIssueUpdate changes an issue's status or assignee.
func (s *Server) apiIssueUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	var in issueInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	ch, err := s.issueChange(c, in)
	if err != nil {
		return err
	}
	a := actorOf(c)
	if err := s.tracker.UpdateIssue(c.Request().Context(), a.TeamID, a.User.ID, i.ID, ch); err != nil {
		return err
	}
	i, err = s.apiIssueParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, issueOut(i))
}

// apiIssueMerge merges other issues into this one: {"issue_ids":[…]}.
func (s *Server) apiIssueMerge(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	var in struct {
		IssueIDs []int64 `json:"issue_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if len(in.IssueIDs) == 0 {
		return badRequest("issue_ids", "issue_ids: list the issues to merge into this one")
	}
	a := actorOf(c)
	if err := s.tracker.Merge(c.Request().Context(), a.TeamID, a.User.ID, i.ID, in.IssueIDs); err != nil {
		return mergeError(err)
	}
	i, err = s.apiIssueParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, issueOut(i))
}

func mergeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("issue")
	case errors.Is(err, store.ErrConflict):
		return conflict("", "%s", strings.TrimPrefix(err.Error(), store.ErrConflict.Error()+": "))
	}
	return err
}

// apiIssueUnmerge splits hashes out into a new issue: {"hashes":[…]}.
func (s *Server) apiIssueUnmerge(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Hashes []string `json:"hashes"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if len(in.Hashes) == 0 {
		return badRequest("hashes", "hashes: list the grouping hashes to split out")
	}
	a := actorOf(c)
	id, err := s.tracker.Unmerge(c.Request().Context(), a.TeamID, a.User.ID, i.ID, in.Hashes)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return badRequest("hashes", "hashes: not hashes of this issue")
		}
		return mergeError(err)
	}
	n, err := s.tracker.Issue(c.Request().Context(), a.TeamID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, issueOut(n))
}

// apiIssueHashes lists an issue's grouping hashes.
func (s *Server) apiIssueHashes(c echo.Context) error {
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	hs, err := s.tracker.Hashes(c.Request().Context(), i.TeamID, i.ID)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(hs))
	for _, h := range hs {
		out = append(out, map[string]any{"hash": h.Key, "version": h.Value, "event_count": h.Count})
	}
	return c.JSON(http.StatusOK, listBody(out, ""))
}

// apiIssueComment adds a comment: {"body":"…"}.
func (s *Server) apiIssueComment(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	i, err := s.apiIssueParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Body) == "" {
		return badRequest("body", "body: write something")
	}
	a := actorOf(c)
	if err := s.tracker.Comment(c.Request().Context(), a.TeamID, a.User.ID, i.ID, in.Body); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"issue_id": i.ID, "body": in.Body})
}
