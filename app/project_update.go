package app

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
)

// projectUpdateUI saves a project's settings form.
func (s *Server) projectUpdateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	name, platform := c.FormValue("name"), c.FormValue("platform")
	scrub := c.FormValue("scrub_data") != ""
	fp, st := c.FormValue("fingerprint_rules"), c.FormValue("stack_rules")
	var fields []string
	for f := range strings.SplitSeq(c.FormValue("scrub_fields"), ",") {
		fields = append(fields, strings.TrimSpace(f))
	}
	rl := json.RawMessage("null")
	if v := strings.TrimSpace(c.FormValue("rate_limit")); v != "" {
		rl = json.RawMessage(v)
		if !json.Valid(rl) {
			rl = json.RawMessage(`"` + "x" + `"`)
		}
	}
	in := projectInput{Name: &name, Platform: &platform, ScrubData: &scrub, ScrubFields: &fields,
		FingerprintRules: &fp, StackRules: &st, RateLimit: sentNullable{Set: true, Raw: rl}}
	if err := in.apply(&p); err != nil {
		f := projectFormError(err, nil)
		p.FingerprintRules, p.StackRules = fp, st
		return s.renderProject(c, http.StatusBadRequest, p, f)
	}
	if err := s.tracker.UpdateProject(c.Request().Context(), p); err != nil {
		return err
	}
	flash(c, "Settings saved. Rules apply to events from now on.")
	return seeOther(c, "/projects/"+idText(p.ID))
}

// projectDeleteUI deletes a project.
func (s *Server) projectDeleteUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	if err := s.tracker.DeleteProject(c.Request().Context(), p.TeamID, p.ID); err != nil {
		return err
	}
	flash(c, "Project "+p.Name+" deleted.")
	return seeOther(c, "/projects")
}

// keyCreateUI adds a key.
func (s *Server) keyCreateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	label := strings.TrimSpace(c.FormValue("label"))
	in := keyInput{Label: &label}
	k := issues.Key{ProjectID: p.ID, TeamID: p.TeamID, Enabled: true}
	if err := in.apply(&k); err != nil {
		return s.renderProject(c, http.StatusBadRequest, p, projectFormError(err, nil))
	}
	if _, err := s.tracker.CreateKey(c.Request().Context(), k); err != nil {
		return err
	}
	flash(c, "Key created.")
	return seeOther(c, "/projects/"+idText(p.ID))
}

// keyUpdateUI saves a key's rate limit.
func (s *Server) keyUpdateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	k, err := s.keyParam(c)
	if err != nil {
		return err
	}
	rl := json.RawMessage("null")
	if v := strings.TrimSpace(c.FormValue("rate_limit")); v != "" {
		rl = json.RawMessage(v)
	}
	if err := (keyInput{RateLimit: sentNullable{Set: true, Raw: rl}}).apply(&k); err != nil {
		flash(c, "Rate limit must be empty or a whole number from 1.")
		return seeOther(c, "/projects/"+idText(k.ProjectID))
	}
	if err := s.tracker.UpdateKey(c.Request().Context(), k); err != nil {
		return err
	}
	flash(c, "Key saved.")
	return seeOther(c, "/projects/"+idText(k.ProjectID))
}

// keyToggleUI enables or disables a key.
func (s *Server) keyToggleUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	k, err := s.keyParam(c)
	if err != nil {
		return err
	}
	k.Enabled = !k.Enabled
	if err := s.tracker.UpdateKey(c.Request().Context(), k); err != nil {
		return err
	}
	flash(c, map[bool]string{true: "Key enabled.", false: "Key disabled."}[k.Enabled])
	return seeOther(c, "/projects/"+idText(k.ProjectID))
}

// keyDeleteUI deletes a key.
func (s *Server) keyDeleteUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	k, err := s.keyParam(c)
	if err != nil {
		return err
	}
	if err := s.tracker.DeleteKey(c.Request().Context(), k.TeamID, k.ProjectID, k.ID); err != nil {
		return err
	}
	flash(c, "Key deleted.")
	return seeOther(c, "/projects/"+idText(k.ProjectID))
}
