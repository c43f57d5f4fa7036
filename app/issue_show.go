package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// issueShow is the issue page; ?event=<row id> picks an event.
func (s *Server) issueShow(c echo.Context) error {
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	if i.MergedInto != 0 {
		return seeOther(c, "/issues/"+strconv.FormatInt(i.MergedInto, 10))
	}
	v, err := s.issueView(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.IssuePage(s.shell(c, v.Title, "issues"), v))
}

func (s *Server) issueView(c echo.Context) (views.IssueView, error) {
	a := actorOf(c)
	ctx := c.Request().Context()
	i, err := s.issueParam(c)
	if err != nil {
		return views.IssueView{}, err
	}
	v := views.IssueView{ID: i.ID, Title: i.Title, Culprit: i.Culprit, Project: i.ProjectName, ProjectID: i.ProjectID,
		Level: i.Level, Status: i.Status, Substatus: i.Substatus, Events: i.EventCount, Users: i.UserCount,
		FirstSeen: store.Time(i.FirstSeen), LastSeen: store.Time(i.LastSeen), FirstRelease: i.FirstRelease,
		LastRelease: i.LastRelease, Assignee: i.AssigneeEmail, CanEdit: a.can(store.RoleMember),
		StatusNote: issueStatusNote(i)}
	if err := s.issueCharts(c, i, &v); err != nil {
		return v, err
	}
	tags, keys, err := s.tracker.Tags(ctx, i.ID, 5)
	if err != nil {
		return v, err
	}
	for _, k := range keys {
		tb := views.TagBars{Key: k}
		for _, t := range tags[k] {
			pct := 0
			if i.EventCount > 0 {
				pct = int(t.Count * 100 / i.EventCount)
			}
			tb.Values = append(tb.Values, views.TagValue{Value: t.Value, Count: t.Count, Percent: min(pct, 100)})
		}
		v.Tags = append(v.Tags, tb)
	}
	acts, err := s.tracker.ActivityOf(ctx, a.TeamID, i.ID)
	if err != nil {
		return v, err
	}
	for _, x := range acts {
		v.Activity = append(v.Activity, views.ActivityRow{Kind: x.Kind, Body: x.Body, Who: x.UserEmail, At: store.Time(x.CreatedAt)})
	}
	hashes, err := s.tracker.Hashes(ctx, a.TeamID, i.ID)
	if err != nil {
		return v, err
	}
	for _, h := range hashes {
		v.Hashes = append(v.Hashes, views.HashRow{Hash: h.Key, Version: h.Value, Events: h.Count})
	}
	if v.CanEdit {
		ms, err := s.store.Members(ctx, a.TeamID)
		if err != nil {
			return v, err
		}
		for _, m := range ms {
			v.Members = append(v.Members, views.Choice{Value: m.Email, Label: m.Email})
		}
	}
	return v, s.issueEvent(c, i, &v)
}

func issueStatusNote(i issues.Issue) string {
	switch {
	case i.Status == "resolved" && i.ResolvedInRelease != "":
		return "Resolved in release " + i.ResolvedInRelease + "."
	case i.Status == "resolved" && i.ResolvedInNextRelease:
		return "Resolved in the next release: events from the current release do not reopen it."
	case i.Status == "resolved":
		return "Resolved: a new event reopens it as a regression."
	case i.Status == "ignored" && i.IgnoreUntil != 0:
		return "Ignored until " + views.Exact(store.Time(i.IgnoreUntil)) + "."
	case i.Status == "ignored" && i.IgnoreCount != nil:
		return fmt.Sprintf("Ignored until %d more events arrive.", *i.IgnoreCount)
	case i.Status == "ignored" && i.IgnoreUserCount != nil:
		return fmt.Sprintf("Ignored until %d more users are affected.", *i.IgnoreUserCount)
	case i.Status == "ignored":
		return "Ignored: new events do not notify."
	case i.Substatus == "regressed":
		return "Regressed: it came back after being resolved."
	}
	return ""
}

func (s *Server) issueCharts(c echo.Context, i issues.Issue, v *views.IssueView) error {
	now := time.Now().UTC()
	start := now.Truncate(24*time.Hour).AddDate(0, 0, -29)
	hours := int(now.Sub(start).Hours()) + 1
	h, err := s.tracker.Hourly(c.Request().Context(), []int64{i.ID}, start, hours)
	if err != nil {
		return err
	}
	days := make([]int64, 30)
	for j, n := range h[i.ID] {
		if d := j / 24; d < 30 {
			days[d] += n
		}
	}
	v.Chart = views.Bars(days, 600, 80, func(d int) string { return start.AddDate(0, 0, d).Format("Mon 2 Jan") })
	return nil
}

// issueEvent loads the chosen (or latest) event and its neighbours.
func (s *Server) issueEvent(c echo.Context, i issues.Issue, v *views.IssueView) error {
	ctx := c.Request().Context()
	row, err := strconv.ParseInt(c.QueryParam("event"), 10, 64)
	if err != nil || row <= 0 {
		if row, err = s.tracker.LatestEventRow(ctx, i.TeamID, i.ID); err != nil {
			if err == store.ErrNotFound {
				return nil
			}
			return err
		}
	}
	ev, er, err := s.tracker.EventByRow(ctx, i.TeamID, row)
	if err != nil || er.IssueID != i.ID {
		return notFound("event")
	}
	older, newer, err := s.tracker.Neighbours(ctx, i.ID, row)
	if err != nil {
		return err
	}
	base := "/issues/" + strconv.FormatInt(i.ID, 10) + "?event="
	if older != 0 {
		v.OlderURL = base + strconv.FormatInt(older, 10)
	}
	if newer != 0 {
		v.NewerURL = base + strconv.FormatInt(newer, 10)
	}
	v.EventPosition = "latest"
	if newer != 0 {
		v.EventPosition = "older event"
	}
	v.Event = eventView(ev, row)
	v.Event.RawURL = fmt.Sprintf("/issues/%d/events/%d.json", i.ID, row)
	items, err := s.tracker.ItemsOfEvent(ctx, i.TeamID, ev.EventID)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.Type == "attachment" {
			v.Event.Attachments = append(v.Event.Attachments, views.AttachmentView{Name: it.Filename,
				Size: fmt.Sprintf("%d bytes", it.Size), URL: fmt.Sprintf("/issues/%d/events/%d/attachments/%d", i.ID, row, it.ID)})
			continue
		}
		v.Event.Feedback = append(v.Event.Feedback, views.FeedbackView{Name: it.Name, Email: it.Email, Comments: it.Comments})
	}
	return nil
}

// issueAttachment downloads an attachment of one of the issue's events.
func (s *Server) issueAttachment(c echo.Context) error {
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	row, err1 := strconv.ParseInt(c.Param("event"), 10, 64)
	item, err2 := strconv.ParseInt(c.Param("item"), 10, 64)
	if err1 != nil || err2 != nil {
		return notFound("attachment")
	}
	ctx := c.Request().Context()
	_, er, err := s.tracker.EventByRow(ctx, i.TeamID, row)
	if err != nil || er.IssueID != i.ID {
		return notFound("attachment")
	}
	name, _, data, err := s.tracker.Attachment(ctx, i.TeamID, er.EventID, item)
	if err != nil {
		return issNotFound(err, "attachment")
	}
	// Served as a download of opaque bytes, never rendered in our origin.
	c.Response().Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(orSafeName(name)))
	return c.Blob(http.StatusOK, "application/octet-stream", data)
}

func orSafeName(n string) string {
	n = strings.Map(func(r rune) rune {
		if r < 32 || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, n)
	if n == "" {
		return "attachment"
	}
	return n
}

// issueEventJSON downloads one event's raw normalised JSON.
func (s *Server) issueEventJSON(c echo.Context) error {
	i, err := s.issueParam(c)
	if err != nil {
		return err
	}
	row, err := strconv.ParseInt(strings.TrimSuffix(c.Param("event"), ".json"), 10, 64)
	if err != nil {
		return notFound("event")
	}
	ev, er, err := s.tracker.EventByRow(c.Request().Context(), i.TeamID, row)
	if err != nil || er.IssueID != i.ID {
		return notFound("event")
	}
	raw, _ := json.MarshalIndent(ev, "", "  ")
	c.Response().Header().Set("Content-Disposition", "inline")
	return c.Blob(http.StatusOK, "application/json; charset=utf-8", raw)
}

func eventView(ev *issues.Event, row int64) *views.EventView {
	out := &views.EventView{ID: ev.EventID, RowID: row, Timestamp: ev.Timestamp, Received: ev.ReceivedAt,
		Level: ev.Level, Message: ev.Message, Release: ev.Release, Environment: ev.Environment, Platform: ev.Platform}
	if ev.SDK != nil {
		out.SDK = ev.SDK.Name + " " + ev.SDK.Version
	}
	if len(ev.Exceptions) > 0 && ev.Message == ev.Exceptions[len(ev.Exceptions)-1].Value {
		out.Message = ""
	}
	// The outermost exception first, frames newest first, as people read them.
	for j := len(ev.Exceptions) - 1; j >= 0; j-- {
		x := ev.Exceptions[j]
		xv := views.ExceptionView{Type: x.Type, Value: x.Value, Frames: framesView(x.Stacktrace)}
		if t, ok := x.Mechanism["type"].(string); ok {
			xv.Mechanism = t
			xv.Handled = "handled"
			if x.Handled != nil && !*x.Handled {
				xv.Handled = "unhandled"
			}
		}
		out.Exceptions = append(out.Exceptions, xv)
	}
	if len(ev.Exceptions) == 0 {
		if ev.Stacktrace != nil {
			out.Threads = append(out.Threads, views.ExceptionView{Type: "Stack trace", Frames: framesView(ev.Stacktrace)})
		}
		for _, t := range ev.Threads {
			if t.Stacktrace != nil && (t.Crashed || t.Current || len(ev.Threads) == 1) {
				out.Threads = append(out.Threads, views.ExceptionView{Type: "Thread " + issOr(t.Name, t.ID),
					Frames: framesView(t.Stacktrace)})
			}
		}
	}
	for _, b := range ev.Breadcrumbs {
		bv := views.BreadcrumbView{At: b.Timestamp, Category: b.Category, Level: b.Level, Message: b.Message}
		if len(b.Data) > 0 {
			raw, _ := json.Marshal(b.Data)
			bv.Data = trimTo(string(raw), 300)
		}
		out.Breadcrumbs = append(out.Breadcrumbs, bv)
	}
	for _, k := range issSortedKeys(ev.Tags) {
		out.Tags = append(out.Tags, [2]string{k, ev.Tags[k]})
	}
	if r := ev.Request; r != nil {
		out.Request = issNonEmpty([][2]string{{"URL", r.URL}, {"Method", r.Method}, {"Query", r.QueryString},
			{"Data", issJSONText(r.Data)}})
		out.RequestHead = append(r.Headers, r.Cookies...)
	}
	if u := ev.User; u != nil {
		out.User = issNonEmpty([][2]string{{"ID", u.ID}, {"E-mail", u.Email}, {"Username", u.Username},
			{"IP address", u.IPAddress}, {"Name", u.Name}})
		out.User = append(out.User, issFlat(u.Data)...)
	}
	for _, k := range issSortedKeys(ev.Contexts) {
		m, ok := ev.Contexts[k].(map[string]any)
		if !ok {
			continue
		}
		out.Contexts = append(out.Contexts, views.KVSection{Title: "Context: " + k, Rows: issFlat(m)})
	}
	out.Extra = issFlat(ev.Extra)
	if ev.SDK != nil {
		out.Extra = append(out.Extra, [2]string{"sdk", out.SDK})
	}
	if ev.Grouping != nil {
		out.Grouping = ev.Grouping.Source + " " + ev.Grouping.Hash[:12]
	}
	raw, _ := json.MarshalIndent(ev, "", "  ")
	out.RawJSON = trimTo(string(raw), 200_000)
	return out
}

func framesView(st *issues.Stacktrace) []views.FrameView {
	if st == nil {
		return nil
	}
	out := make([]views.FrameView, 0, len(st.Frames))
	for j := len(st.Frames) - 1; j >= 0; j-- {
		f := st.Frames[j]
		fv := views.FrameView{Function: f.Function, Location: issOr(f.Filename, issOr(f.AbsPath, f.Module)),
			Line: f.Lineno, InApp: f.InApp, Vars: issFlat(f.Vars)}
		if f.ContextLine != "" {
			n := f.Lineno - int64(len(f.PreContext))
			for _, l := range f.PreContext {
				fv.Context = append(fv.Context, views.ContextLine{No: n, Text: l})
				n++
			}
			fv.Context = append(fv.Context, views.ContextLine{No: n, Text: f.ContextLine, Current: true})
			for _, l := range f.PostContext {
				n++
				fv.Context = append(fv.Context, views.ContextLine{No: n, Text: l})
			}
		}
		out = append(out, fv)
	}
	return out
}

func issOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func issNonEmpty(rows [][2]string) [][2]string {
	var out [][2]string
	for _, r := range rows {
		if r[1] != "" && r[1] != "null" {
			out = append(out, r)
		}
	}
	return out
}

func issJSONText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// flat turns an object into sorted key/value rows, values as JSON text.
func issFlat(m map[string]any) [][2]string {
	var out [][2]string
	for _, k := range issSortedKeys(m) {
		out = append(out, [2]string{k, trimTo(issJSONText(m[k]), 2000)})
	}
	return out
}

func issSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return slices.Clip(keys)
}
