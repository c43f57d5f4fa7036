package app

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// commonTimezones fill the time-zone suggestions of forms.
var commonTimezones = []string{"UTC", "Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Madrid",
	"Europe/Helsinki", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
	"America/Sao_Paulo", "Asia/Tokyo", "Asia/Singapore", "Asia/Kolkata", "Asia/Shanghai", "Australia/Sydney"}

// pagesList lists the team's status pages.
func (s *Server) pagesList(c echo.Context) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	list, err := s.pages.db.Pages(ctx, a.TeamID, 0, 500)
	if err != nil {
		return err
	}
	v := views.PagesListView{CanEdit: a.can(store.RoleMember)}
	for _, p := range list {
		row := views.PageRow{ID: p.ID, Title: p.Title, Slug: p.Slug, URL: "/status/" + p.Slug, Access: p.Access}
		if sn, err := s.pages.db.Build(ctx, p, time.Now()); err == nil {
			row.Components = len(sn.Components)
			row.Status, row.StatusClass = sn.Description, bannerClass(sn)
		}
		subs, _ := s.pages.db.Subscribers(ctx, a.TeamID, p.ID, true)
		row.Subscribers = len(subs)
		v.Rows = append(v.Rows, row)
	}
	return render(c, http.StatusOK, views.PagesListPage(s.shell(c, "Status pages", "status-pages"), v))
}

func pageForm(p statuspage.Page) views.Form {
	var links []string
	for _, l := range p.HeaderLinks {
		links = append(links, l.Label+" | "+l.URL)
	}
	b := func(v bool) string {
		if v {
			return "1"
		}
		return ""
	}
	return views.Form{Values: map[string]string{"title": p.Title, "slug": p.Slug, "description": p.Description,
		"logo_url": p.LogoURL, "favicon_url": p.FaviconURL, "brand_color": p.BrandColor, "theme": p.Theme,
		"timezone": p.Timezone, "header_links": strings.Join(links, "\n"), "footer_text": p.FooterText,
		"custom_css": p.CustomCSS, "access": p.Access, "custom_domain": p.CustomDomain, "noindex": b(p.NoIndex),
		"auto_incidents": b(p.AutoIncidents), "hide_powered_by": b(p.HidePoweredBy)}, Errors: map[string]string{}}
}

// pagesNew shows the form of a new page.
func (s *Server) pagesNew(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	v := views.PageEditView{New: true, CanEdit: true, Timezones: commonTimezones,
		Form: pageForm(statuspage.Page{Theme: "auto", Timezone: "UTC", Access: "public", AutoIncidents: true})}
	return render(c, http.StatusOK, views.PageEditPage(s.shell(c, "New status page", "status-pages"), v))
}

// readPageForm applies the submitted form onto p.
func (s *Server) readPageForm(c echo.Context, p *statuspage.Page) error {
	f := func(k string) *string { v := c.FormValue(k); return &v }
	var links []statuspage.Link
	for _, line := range strings.Split(c.FormValue("header_links"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		label, u, ok := strings.Cut(line, "|")
		if !ok {
			return badRequest("header_links", "header_links: write each link as label | URL")
		}
		links = append(links, statuspage.Link{Label: strings.TrimSpace(label), URL: strings.TrimSpace(u)})
	}
	on := func(k string) *bool { v := c.FormValue(k) == "1"; return &v }
	in := pageInput{Slug: f("slug"), Title: f("title"), Description: f("description"), Access: f("access"),
		Password: f("password"), LogoURL: f("logo_url"), FaviconURL: f("favicon_url"), BrandColor: f("brand_color"),
		Theme: f("theme"), HeaderLinks: &links, FooterText: f("footer_text"), Timezone: f("timezone"),
		CustomCSS: f("custom_css"), NoIndex: on("noindex"), CustomDomain: f("custom_domain"),
		ShowAutoIncidents: on("auto_incidents"), HidePoweredBy: on("hide_powered_by")}
	return in.apply(p)
}

// formError turns a 400/409 into a form error beside its field.
func formError(err error, f *views.Form) bool {
	var e *Error
	if !errors.As(err, &e) || (e.Status != http.StatusBadRequest && e.Status != http.StatusConflict) {
		return false
	}
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	if e.Field != "" {
		msg := e.Message
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			msg = rest
		}
		f.Errors[e.Field] = strings.ToUpper(msg[:1]) + msg[1:] + "."
	} else {
		f.Error = e.Message
	}
	return true
}

func spFormValues(c echo.Context) map[string]string {
	out := map[string]string{}
	params, _ := c.FormParams()
	for k, v := range params {
		if len(v) > 0 && k != "password" && k != "_csrf" {
			out[k] = v[0]
		}
	}
	return out
}

// pagesCreate creates a page from the form.
func (s *Server) pagesCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := statuspage.Page{TeamID: actorOf(c).TeamID}
	err := s.readPageForm(c, &p)
	if err == nil {
		err = s.refuseOwnHost(p.CustomDomain)
	}
	if err == nil {
		p, err = s.pages.db.CreatePage(ctx, p)
		err = fieldErr(err)
	}
	if err != nil {
		v := views.PageEditView{New: true, CanEdit: true, Timezones: commonTimezones, Form: views.Form{Values: spFormValues(c)}}
		if !formError(err, &v.Form) {
			return err
		}
		return render(c, http.StatusBadRequest, views.PageEditPage(s.shell(c, "New status page", "status-pages"), v))
	}
	s.pages.changed(ctx)
	flash(c, "Status page created. Add its components below.")
	return seeOther(c, "/status-pages/"+strconv.FormatInt(p.ID, 10)+"#components")
}

// pagesEdit shows the editor of a page.
func (s *Server) pagesEdit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.pages.db.Page(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return s.renderPageEdit(c, http.StatusOK, p, pageForm(p), views.Form{})
}

func (s *Server) renderPageEdit(c echo.Context, code int, p statuspage.Page, f, newComp views.Form) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	v := views.PageEditView{ID: p.ID, URL: "/status/" + p.Slug, Form: f, NewComponent: newComp,
		CanEdit: a.can(store.RoleMember), HasPassword: p.PasswordHash != "", Timezones: commonTimezones}
	mons, err := s.pages.db.Monitors(ctx, a.TeamID)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, m := range mons {
		v.Monitors = append(v.Monitors, views.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name})
		names[m.ID] = m.Name
	}
	sn, err := s.pages.db.Build(ctx, p, time.Now())
	if err != nil {
		return err
	}
	for _, cs := range sn.Components {
		row := views.ComponentEditRow{ID: cs.ID, Name: cs.Name, Group: cs.Group, Description: cs.Description,
			Override: cs.StatusOverride, Position: cs.Position, ShowUptime: cs.ShowUptime, ShowLatency: cs.ShowLatency,
			Status: statuspage.StatusLabel(cs.Status), StatusClass: statuspage.StatusClass(cs.Status),
			BadgeURL: s.baseURL(c) + "/status/" + p.Slug + "/components/" + strconv.FormatInt(cs.ID, 10) + "/badge.svg"}
		for _, m := range cs.MonitorIDs {
			row.Monitors = append(row.Monitors, views.Option{Value: strconv.FormatInt(m, 10), Label: names[m]})
		}
		v.Components = append(v.Components, row)
	}
	subs, err := s.pages.db.Subscribers(ctx, a.TeamID, p.ID, false)
	if err != nil {
		return err
	}
	for _, x := range subs {
		v.Subscribers = append(v.Subscribers, views.SubscriberRow{ID: x.ID, Kind: x.Kind, Target: x.Target,
			Confirmed: x.ConfirmedAt != 0, Created: store.Time(x.CreatedAt)})
	}
	return render(c, code, views.PageEditPage(s.shell(c, p.Title, "status-pages"), v))
}

// pagesSave saves the editor's form.
func (s *Server) pagesSave(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.pages.db.Page(ctx, actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	orig := p
	err = s.readPageForm(c, &p)
	if err == nil {
		err = s.refuseOwnHost(p.CustomDomain)
	}
	if err == nil {
		_, err = s.pages.db.UpdatePage(ctx, p)
		err = fieldErr(err)
	}
	if err != nil {
		f := views.Form{Values: spFormValues(c)}
		if !formError(err, &f) {
			return err
		}
		return s.renderPageEdit(c, http.StatusBadRequest, orig, f, views.Form{})
	}
	s.pages.changed(ctx)
	flash(c, "Page saved.")
	return seeOther(c, "/status-pages/"+strconv.FormatInt(id, 10))
}

// pagesDelete deletes a page.
func (s *Server) pagesDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.pages.db.DeletePage(ctx, actorOf(c).TeamID, id); err != nil {
		return err
	}
	s.pages.changed(ctx)
	flash(c, "Status page deleted.")
	return seeOther(c, "/status-pages")
}

// uiPage loads the page of the :id parameter for the actor's team.
func (s *Server) uiPage(c echo.Context) (statuspage.Page, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return statuspage.Page{}, err
	}
	return s.pages.db.Page(c.Request().Context(), actorOf(c).TeamID, id)
}

// pagesPreview renders the page with the form's unsaved values, for the
// editor's preview frame.
func (s *Server) pagesPreview(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.uiPage(c)
	if err != nil {
		return err
	}
	draft := p
	if err := s.readPageForm(c, &draft); err != nil {
		msg := err.Error()
		return s.pages.message(c, http.StatusOK, views.MessageView{Heading: "Cannot preview yet", Text: msg}, "")
	}
	draft.ID, draft.TeamID = p.ID, p.TeamID
	sn, err := s.pages.db.Build(c.Request().Context(), draft, time.Now())
	if err != nil {
		return err
	}
	d := statusPageDoc(sn, "/status/"+p.Slug)
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageCSP(statuspage.StyleBlock(draft)))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	return render(c, http.StatusOK, d.comp)
}
