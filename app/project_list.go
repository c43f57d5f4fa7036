package app

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// projectList is the projects page with the new-project form.
func (s *Server) projectList(c echo.Context) error {
	return s.renderProjects(c, http.StatusOK, views.Form{Values: map[string]string{"platform": "go"}})
}

func (s *Server) renderProjects(c echo.Context, status int, f views.Form) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	ps, err := s.tracker.Projects(ctx, a.TeamID)
	if err != nil {
		return err
	}
	v := views.ProjectsView{Platforms: issues.Platforms, CanEdit: a.can(store.RoleMember), Form: f}
	for _, p := range ps {
		row := views.ProjectRow{ID: p.ID, Name: p.Name, Platform: p.Platform}
		s.store.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM issues WHERE project_id = ? AND status = 'unresolved'
			AND merged_into IS NULL`, p.ID).Scan(&row.Unresolved)
		row.DSN = s.projectOut(c, p).DSN
		v.Rows = append(v.Rows, row)
	}
	return render(c, status, views.ProjectsPage(s.shell(c, "Projects", "issues"), v))
}

// projectCreateUI creates a project from the form.
func (s *Server) projectCreateUI(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	name, platform := strings.TrimSpace(c.FormValue("name")), c.FormValue("platform")
	in := projectInput{Name: &name, Platform: &platform}
	p := issues.Project{TeamID: actorOf(c).TeamID}
	if err := in.apply(&p); err != nil {
		return s.renderProjects(c, http.StatusBadRequest, projectFormError(err, map[string]string{"name": name, "platform": platform}))
	}
	p, _, err := s.tracker.CreateProject(c.Request().Context(), p)
	if err != nil {
		return err
	}
	flash(c, "Project created. Copy the DSN into your SDK.")
	return seeOther(c, "/projects/"+idText(p.ID))
}

// formError puts a validation error beside its field.
func projectFormError(err error, values map[string]string) views.Form {
	f := views.Form{Values: values, Errors: map[string]string{}}
	if e, ok := err.(*Error); ok && e.Field != "" {
		f.Errors[e.Field] = e.Message
	} else {
		f.Error = err.Error()
	}
	return f
}
