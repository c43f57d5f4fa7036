package app

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// rulesPage lists the team's alert rules.
func (s *Server) rulesPage(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	eng := s.notifier
	rules, err := eng.Rules(ctx, a.TeamID, 0, 0)
	if err != nil {
		return err
	}
	chans, err := eng.Channels(ctx, a.TeamID, 0, 0)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, ch := range chans {
		names[ch.ID] = ch.Name
	}
	v := views.RulesView{CanEdit: a.can(store.RoleMember), HasChannels: len(chans) > 0}
	for _, r := range rules {
		row := views.RuleRow{ID: r.ID, Name: r.Name, Trigger: notify.TriggerLabels[r.Trigger], Enabled: r.Enabled,
			Cooldown: "none", Filters: filterSummary(r.Filters)}
		if r.CooldownSeconds > 0 {
			row.Cooldown = views.Duration(secondsDuration(r.CooldownSeconds))
		}
		for _, id := range r.ChannelIDs {
			row.Channels = append(row.Channels, names[id])
		}
		v.Rules = append(v.Rules, row)
	}
	return render(c, http.StatusOK, views.RulesPage(s.shell(c, "Alert rules", "alerts"), v))
}

func filterSummary(f notify.Filters) string {
	var parts []string
	if len(f.MonitorIDs) > 0 {
		parts = append(parts, strconv.Itoa(len(f.MonitorIDs))+" monitors")
	}
	if len(f.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(f.Tags, ", "))
	}
	if len(f.ProjectIDs) > 0 {
		parts = append(parts, strconv.Itoa(len(f.ProjectIDs))+" projects")
	}
	if len(f.Environments) > 0 {
		parts = append(parts, "env "+strings.Join(f.Environments, ", "))
	}
	if len(f.Levels) > 0 {
		parts = append(parts, "levels "+strings.Join(f.Levels, ", "))
	}
	return strings.Join(parts, " · ")
}

// ruleNew shows an empty rule form.
func (s *Server) ruleNew(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	r := notify.Rule{Trigger: "monitor_down", Enabled: true, StormLimit: 10}
	v, err := s.ruleForm(c, r)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.RuleFormPage(s.shell(c, "New alert rule", "alerts"), v))
}

// ruleShow shows a rule's form.
func (s *Server) ruleShow(c echo.Context) error {
	r, err := s.ruleOf(c)
	if err != nil {
		return err
	}
	v, err := s.ruleForm(c, r)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.RuleFormPage(s.shell(c, r.Name, "alerts"), v))
}

// ruleForm builds the form view of r with the team's choices.
func (s *Server) ruleForm(c echo.Context, r notify.Rule) (views.RuleFormView, error) {
	a := actorOf(c)
	ctx := c.Request().Context()
	v := views.RuleFormView{ID: r.ID, Name: r.Name, Trigger: r.Trigger, Enabled: r.Enabled, CanEdit: a.can(store.RoleMember),
		Tags: strings.Join(r.Filters.Tags, ", "), Envs: strings.Join(r.Filters.Environments, ", "),
		Threshold: zeroBlank(r.Threshold), WindowMin: zeroBlank(r.WindowSeconds / 60),
		CooldownMin: zeroBlank(r.CooldownSeconds / 60), RenotifyMin: zeroBlank(r.RenotifyMinutes),
		StormLimit: strconv.FormatInt(r.StormLimit, 10), Form: views.Form{Errors: map[string]string{}}}
	for _, t := range notify.Triggers {
		v.Triggers = append(v.Triggers, views.AlertOption{Value: t, Label: notify.TriggerLabels[t], Selected: t == r.Trigger})
	}
	for _, l := range issueLevels {
		v.Levels = append(v.Levels, views.AlertOption{Value: l, Label: l, Selected: slices.Contains(r.Filters.Levels, l)})
	}
	chans, err := s.notifier.Channels(ctx, a.TeamID, 0, 0)
	if err != nil {
		return v, err
	}
	for _, ch := range chans {
		v.Channels = append(v.Channels, views.AlertOption{Value: itoaID(ch.ID), Label: ch.Name,
			Selected: slices.Contains(r.ChannelIDs, ch.ID)})
	}
	pick := func(q string, chosen []int64) ([]views.AlertOption, error) {
		rows, err := s.store.R.QueryContext(ctx, q, a.TeamID)
		if err != nil {
			if strings.Contains(err.Error(), "no such table") {
				return nil, nil
			}
			return nil, err
		}
		defer rows.Close()
		var out []views.AlertOption
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				return nil, err
			}
			out = append(out, views.AlertOption{Value: itoaID(id), Label: name, Selected: slices.Contains(chosen, id)})
		}
		return out, rows.Err()
	}
	if v.Monitors, err = pick("SELECT id, name FROM monitors WHERE team_id = ? ORDER BY name, id LIMIT 2000",
		r.Filters.MonitorIDs); err != nil {
		return v, err
	}
	if v.Projects, err = pick("SELECT id, name FROM projects WHERE team_id = ? ORDER BY name, id LIMIT 500",
		r.Filters.ProjectIDs); err != nil {
		return v, err
	}
	return v, nil
}

func zeroBlank(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// ruleFromForm reads the posted rule over r.
func ruleFromForm(c echo.Context, r *notify.Rule) error {
	num := func(name string, mult int64) (int64, error) {
		raw := strings.TrimSpace(c.FormValue(name))
		if raw == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 || n > 1_000_000_000 {
			return 0, badRequest(name, "%s: must be a whole number of at least 0", name)
		}
		return n * mult, nil
	}
	ids := func(name string) ([]int64, error) {
		var out []int64
		for _, s := range c.Request().Form[name] {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, badRequest(name, "%s: not a valid choice", name)
			}
			out = append(out, id)
		}
		return out, nil
	}
	list := func(name string) []string {
		var out []string
		for _, p := range strings.Split(c.FormValue(name), ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	var err error
	r.Name, r.Trigger, r.Enabled = strings.TrimSpace(c.FormValue("name")), c.FormValue("trigger"), c.FormValue("enabled") != ""
	if r.Threshold, err = num("threshold", 1); err != nil {
		return err
	}
	if r.WindowSeconds, err = num("window_minutes", 60); err != nil {
		return err
	}
	if r.CooldownSeconds, err = num("cooldown_minutes", 60); err != nil {
		return err
	}
	if r.RenotifyMinutes, err = num("renotify_minutes", 1); err != nil {
		return err
	}
	if r.StormLimit, err = num("storm_limit", 1); err != nil {
		return err
	}
	if r.ChannelIDs, err = ids("channel_ids"); err != nil {
		return err
	}
	f := notify.Filters{Tags: list("tags"), Environments: list("environments"), Levels: c.Request().Form["levels"]}
	if f.MonitorIDs, err = ids("monitor_ids"); err != nil {
		return err
	}
	if f.ProjectIDs, err = ids("project_ids"); err != nil {
		return err
	}
	r.Filters = f
	return validateRule(r)
}

// ruleCreate saves a new rule from the form.
func (s *Server) ruleCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	return s.saveRuleForm(c, notify.Rule{TeamID: actorOf(c).TeamID})
}

// ruleUpdate saves a rule's form.
func (s *Server) ruleUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	r, err := s.ruleOf(c)
	if err != nil {
		return err
	}
	return s.saveRuleForm(c, r)
}

func (s *Server) saveRuleForm(c echo.Context, r notify.Rule) error {
	c.Request().ParseForm()
	err := ruleFromForm(c, &r)
	var saved notify.Rule
	if err == nil {
		saved, err = s.notifier.SaveRule(c.Request().Context(), r)
		if fe := (*notify.FieldError)(nil); errors.As(err, &fe) {
			err = badRequest(fe.Field, "%s", fe.Message)
		}
	}
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusBadRequest {
		v, ferr := s.ruleForm(c, r)
		if ferr != nil {
			return ferr
		}
		field := e.Field
		switch field {
		case "window_minutes":
			field = "window_seconds"
		case "cooldown_minutes":
			field = "cooldown_seconds"
		case "tags", "environments", "levels", "monitor_ids", "project_ids", "filters.levels":
			field = "filters"
		}
		v.Form.Errors[field] = e.Message
		if field == "" {
			v.Form.Error = e.Message
		}
		return render(c, http.StatusBadRequest, views.RuleFormPage(s.shell(c, "Alert rule", "alerts"), v))
	}
	if err != nil {
		return err
	}
	flash(c, "Rule saved.")
	return seeOther(c, "/alerts/rules/"+itoaID(saved.ID))
}

// rulePreviewUI shows the form with the dry run of what it holds.
func (s *Server) rulePreviewUI(c echo.Context) error {
	a := actorOf(c)
	c.Request().ParseForm()
	r := notify.Rule{TeamID: a.TeamID}
	if id, err := strconv.ParseInt(c.FormValue("id"), 10, 64); err == nil && id > 0 {
		if saved, err := s.notifier.Rule(c.Request().Context(), a.TeamID, id); err == nil {
			r = saved
		}
	}
	ferr := ruleFromForm(c, &r)
	if r.Name == "" {
		r.Name = "preview"
	}
	v, err := s.ruleForm(c, r)
	if err != nil {
		return err
	}
	var e *Error
	if errors.As(ferr, &e) && e.Status == http.StatusBadRequest {
		v.Form.Error = e.Message
		return render(c, http.StatusBadRequest, views.RuleFormPage(s.shell(c, "Alert rule", "alerts"), v))
	}
	rows, err := s.notifier.Preview(c.Request().Context(), r, 7)
	if err != nil {
		return err
	}
	v.Previewed = true
	for _, p := range rows {
		v.Preview = append(v.Preview, views.RulePreviewRow{Kind: p.Kind, Title: p.Title, At: store.Time(p.CreatedAt),
			Outcome: p.Outcome})
	}
	return render(c, http.StatusOK, views.RuleFormPage(s.shell(c, "Alert rule", "alerts"), v))
}

// ruleDelete removes a rule.
func (s *Server) ruleDelete(c echo.Context) error {
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
	flash(c, "Rule deleted.")
	return seeOther(c, "/alerts/rules")
}
