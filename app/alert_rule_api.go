package app

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/store"
)

// ruleJSON is an alert rule as the API shows it.
type ruleJSON struct {
	ID              int64          `json:"id"`
	Name            string         `json:"name"`
	Trigger         string         `json:"trigger"`
	ChannelIDs      []int64        `json:"channel_ids"`
	Filters         notify.Filters `json:"filters"`
	CooldownSeconds int64          `json:"cooldown_seconds"`
	Enabled         bool           `json:"enabled"`
	Threshold       int64          `json:"threshold"`
	WindowSeconds   int64          `json:"window_seconds"`
	RenotifyMinutes int64          `json:"renotify_minutes"`
	StormLimit      int64          `json:"storm_limit"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

func ruleOut(r notify.Rule) ruleJSON {
	f := r.Filters
	for _, p := range []*[]string{&f.Tags, &f.Environments, &f.Levels} {
		if *p == nil {
			*p = []string{}
		}
	}
	for _, p := range []*[]int64{&f.MonitorIDs, &f.ProjectIDs} {
		if *p == nil {
			*p = []int64{}
		}
	}
	ids := r.ChannelIDs
	if ids == nil {
		ids = []int64{}
	}
	return ruleJSON{ID: r.ID, Name: r.Name, Trigger: r.Trigger, ChannelIDs: ids, Filters: f,
		CooldownSeconds: r.CooldownSeconds, Enabled: r.Enabled, Threshold: r.Threshold, WindowSeconds: r.WindowSeconds,
		RenotifyMinutes: r.RenotifyMinutes, StormLimit: r.StormLimit, CreatedAt: store.Time(r.CreatedAt),
		UpdatedAt: store.Time(r.UpdatedAt)}
}

type ruleInput struct {
	Name            *string         `json:"name"`
	Trigger         *string         `json:"trigger"`
	ChannelIDs      *[]int64        `json:"channel_ids"`
	Filters         *notify.Filters `json:"filters"`
	CooldownSeconds *int64          `json:"cooldown_seconds"`
	Enabled         *bool           `json:"enabled"`
	Threshold       *int64          `json:"threshold"`
	WindowSeconds   *int64          `json:"window_seconds"`
	RenotifyMinutes *int64          `json:"renotify_minutes"`
	StormLimit      *int64          `json:"storm_limit"`
}

// apply copies the given fields onto r and validates the result.
func (in ruleInput) apply(r *notify.Rule) error {
	if in.Name != nil {
		r.Name = strings.TrimSpace(*in.Name)
	}
	if in.Trigger != nil {
		r.Trigger = *in.Trigger
	}
	if in.ChannelIDs != nil {
		r.ChannelIDs = *in.ChannelIDs
	}
	if in.Filters != nil {
		r.Filters = *in.Filters
	}
	set := func(dst *int64, src *int64) {
		if src != nil {
			*dst = *src
		}
	}
	set(&r.CooldownSeconds, in.CooldownSeconds)
	set(&r.Threshold, in.Threshold)
	set(&r.WindowSeconds, in.WindowSeconds)
	set(&r.RenotifyMinutes, in.RenotifyMinutes)
	set(&r.StormLimit, in.StormLimit)
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	return validateRule(r)
}

var issueLevels = []string{"fatal", "error", "warning", "info", "debug"}

func validateRule(r *notify.Rule) error {
	if err := notifyValidName(r.Name); err != nil {
		return err
	}
	if !slices.Contains(notify.Triggers, r.Trigger) {
		return badRequest("trigger", "trigger: must be one of %s", strings.Join(notify.Triggers, ", "))
	}
	bounds := []struct {
		field    string
		v        int64
		min, max int64
	}{
		{"cooldown_seconds", r.CooldownSeconds, 0, 7 * 86400},
		{"renotify_minutes", r.RenotifyMinutes, 0, 7 * 1440},
		{"storm_limit", r.StormLimit, 0, 10000},
		{"threshold", r.Threshold, 0, 1_000_000_000},
		{"window_seconds", r.WindowSeconds, 0, 30 * 86400},
	}
	for _, b := range bounds {
		if b.v < b.min || b.v > b.max {
			return badRequest(b.field, "%s: must be from %d to %d", b.field, b.min, b.max)
		}
	}
	if r.Threshold == 0 {
		r.Threshold = notify.DefaultThreshold(r.Trigger)
	}
	if r.Trigger == "issue_frequency" || r.Trigger == "issue_users" {
		if r.Threshold < 1 {
			return badRequest("threshold", "threshold: must be at least 1 for %s", r.Trigger)
		}
		if r.WindowSeconds == 0 {
			r.WindowSeconds = 3600
		}
		if r.WindowSeconds < 60 {
			return badRequest("window_seconds", "window_seconds: must be at least 60 for %s", r.Trigger)
		}
	}
	for _, l := range r.Filters.Levels {
		if !slices.Contains(issueLevels, l) {
			return badRequest("filters.levels", "filters.levels: %q is not one of %s", l, strings.Join(issueLevels, ", "))
		}
	}
	idLists := []struct {
		field string
		ids   []int64
	}{{"filters.monitor_ids", r.Filters.MonitorIDs}, {"filters.project_ids", r.Filters.ProjectIDs}}
	for _, l := range idLists {
		if len(l.ids) > maxRuleFilter {
			return badRequest(l.field, "%s: at most %d entries", l.field, maxRuleFilter)
		}
		for _, id := range l.ids {
			if id <= 0 {
				return badRequest(l.field, "%s: ids must be positive numbers", l.field)
			}
		}
	}
	textLists := []struct {
		field string
		list  []string
	}{{"filters.tags", r.Filters.Tags}, {"filters.environments", r.Filters.Environments},
		{"filters.levels", r.Filters.Levels}}
	for _, l := range textLists {
		if len(l.list) > maxRuleFilter {
			return badRequest(l.field, "%s: at most %d entries", l.field, maxRuleFilter)
		}
		for _, v := range l.list {
			if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > 200 {
				return badRequest(l.field, "%s: entries must be 1 to 200 characters", l.field)
			}
		}
	}
	slices.Sort(r.ChannelIDs)
	r.ChannelIDs = slices.Compact(r.ChannelIDs)
	if len(r.ChannelIDs) > maxRuleFilter {
		return badRequest("channel_ids", "channel_ids: at most %d channels", maxRuleFilter)
	}
	return nil
}

// maxRuleFilter bounds each list of a rule (channels, each filter).
const maxRuleFilter = 200

// apiRuleList lists the team's alert rules.
func (s *Server) apiRuleList(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := p.IDCursor()
	if err != nil {
		return err
	}
	list, err := s.notifier.Rules(c.Request().Context(), actorOf(c).TeamID, after, p.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > p.Limit {
		list = list[:p.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	out := make([]ruleJSON, 0, len(list))
	for _, r := range list {
		out = append(out, ruleOut(r))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func (s *Server) ruleOf(c echo.Context) (notify.Rule, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return notify.Rule{}, notFound("alert rule")
	}
	r, err := s.notifier.Rule(c.Request().Context(), actorOf(c).TeamID, id)
	if err == store.ErrNotFound {
		return r, notFound("alert rule")
	}
	return r, err
}

// apiRuleGet answers one rule.
func (s *Server) apiRuleGet(c echo.Context) error {
	r, err := s.ruleOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ruleOut(r))
}

// apiRuleCreate creates a rule (member).
func (s *Server) apiRuleCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in ruleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return badRequest("name", "name: is required")
	}
	if in.Trigger == nil {
		return badRequest("trigger", "trigger: is required, one of %s", strings.Join(notify.Triggers, ", "))
	}
	r := notify.Rule{TeamID: actorOf(c).TeamID, Enabled: true, StormLimit: 10}
	if err := in.apply(&r); err != nil {
		return err
	}
	saved, err := s.notifier.SaveRule(c.Request().Context(), r)
	if err != nil {
		return notifyFieldError(err, "")
	}
	return c.JSON(http.StatusCreated, ruleOut(saved))
}

// apiRuleUpdate changes a rule (member).
func (s *Server) apiRuleUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	r, err := s.ruleOf(c)
	if err != nil {
		return err
	}
	var in ruleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.apply(&r); err != nil {
		return err
	}
	saved, err := s.notifier.SaveRule(c.Request().Context(), r)
	if err != nil {
		return notifyFieldError(err, "")
	}
	return c.JSON(http.StatusOK, ruleOut(saved))
}

// apiRuleDelete removes a rule (member).
func (s *Server) apiRuleDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	r, err := s.ruleOf(c)
	if err != nil {
		return err
	}
	if err := s.notifier.DeleteRule(c.Request().Context(), r.TeamID, r.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type previewJSON struct {
	AlertEventID int64     `json:"alert_event_id"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	CreatedAt    time.Time `json:"created_at"`
	Outcome      string    `json:"outcome"`
}

// apiRulePreview is the dry run: the body is a rule (saved or not); the
// answer lists the events of the last 7 days it would have acted on.
func (s *Server) apiRulePreview(c echo.Context) error {
	var in ruleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Name == nil {
		n := "preview"
		in.Name = &n
	}
	r := notify.Rule{TeamID: actorOf(c).TeamID, Enabled: true}
	if err := in.apply(&r); err != nil {
		return err
	}
	return s.previewAnswer(c, r)
}

// apiRulePreviewSaved is the dry run of a saved rule.
func (s *Server) apiRulePreviewSaved(c echo.Context) error {
	r, err := s.ruleOf(c)
	if err != nil {
		return err
	}
	return s.previewAnswer(c, r)
}

func (s *Server) previewAnswer(c echo.Context, r notify.Rule) error {
	rows, err := s.notifier.Preview(c.Request().Context(), r, 7)
	if err != nil {
		return err
	}
	out := make([]previewJSON, 0, len(rows))
	for _, p := range rows {
		out = append(out, previewJSON{AlertEventID: p.EventID, Kind: p.Kind, Title: p.Title,
			CreatedAt: store.Time(p.CreatedAt), Outcome: p.Outcome})
	}
	return c.JSON(http.StatusOK, listBody(out, ""))
}
