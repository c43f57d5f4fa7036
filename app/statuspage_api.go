package app

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
)

// pageJSON is a status page in the API.
type pageJSON struct {
	ID                int64             `json:"id"`
	Slug              string            `json:"slug"`
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	Access            string            `json:"access"`
	URL               string            `json:"url"`
	LogoURL           string            `json:"logo_url"`
	FaviconURL        string            `json:"favicon_url"`
	BrandColor        string            `json:"brand_color"`
	Theme             string            `json:"theme"`
	HeaderLinks       []statuspage.Link `json:"header_links"`
	FooterText        string            `json:"footer_text"`
	Timezone          string            `json:"timezone"`
	CustomCSS         string            `json:"custom_css"`
	NoIndex           bool              `json:"hide_from_search"`
	CustomDomain      *string           `json:"custom_domain"`
	ShowAutoIncidents bool              `json:"show_auto_incidents"`
	HidePoweredBy     bool              `json:"hide_powered_by"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
}

func (s *Server) pageOut(c echo.Context, p statuspage.Page) pageJSON {
	out := pageJSON{ID: p.ID, Slug: p.Slug, Title: p.Title, Description: p.Description, Access: p.Access,
		URL: s.baseURL(c) + "/status/" + p.Slug, LogoURL: p.LogoURL, FaviconURL: p.FaviconURL,
		BrandColor: p.BrandColor, Theme: p.Theme, HeaderLinks: p.HeaderLinks, FooterText: p.FooterText,
		Timezone: p.Timezone, CustomCSS: p.CustomCSS, NoIndex: p.NoIndex, ShowAutoIncidents: p.AutoIncidents,
		HidePoweredBy: p.HidePoweredBy, CreatedAt: store.Time(p.CreatedAt), UpdatedAt: store.Time(p.UpdatedAt)}
	if out.HeaderLinks == nil {
		out.HeaderLinks = []statuspage.Link{}
	}
	if p.CustomDomain != "" {
		d := p.CustomDomain
		out.CustomDomain = &d
	}
	return out
}

// pageInput is the body of a create or change; nil fields stay as they are.
type pageInput struct {
	Slug              *string            `json:"slug"`
	Title             *string            `json:"title"`
	Description       *string            `json:"description"`
	Access            *string            `json:"access"`
	Password          *string            `json:"password"`
	LogoURL           *string            `json:"logo_url"`
	FaviconURL        *string            `json:"favicon_url"`
	BrandColor        *string            `json:"brand_color"`
	Theme             *string            `json:"theme"`
	HeaderLinks       *[]statuspage.Link `json:"header_links"`
	FooterText        *string            `json:"footer_text"`
	Timezone          *string            `json:"timezone"`
	CustomCSS         *string            `json:"custom_css"`
	NoIndex           *bool              `json:"hide_from_search"`
	CustomDomain      *string            `json:"custom_domain"`
	ShowAutoIncidents *bool              `json:"show_auto_incidents"`
	HidePoweredBy     *bool              `json:"hide_powered_by"`
}

func setStr(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

// apply copies the given fields onto p and validates the result.
func (in pageInput) apply(p *statuspage.Page) error {
	setStr(&p.Slug, in.Slug)
	setStr(&p.Title, in.Title)
	setStr(&p.Description, in.Description)
	setStr(&p.Access, in.Access)
	setStr(&p.LogoURL, in.LogoURL)
	setStr(&p.FaviconURL, in.FaviconURL)
	setStr(&p.BrandColor, in.BrandColor)
	setStr(&p.Theme, in.Theme)
	setStr(&p.FooterText, in.FooterText)
	setStr(&p.Timezone, in.Timezone)
	setStr(&p.CustomCSS, in.CustomCSS)
	setStr(&p.CustomDomain, in.CustomDomain)
	setBool(&p.NoIndex, in.NoIndex)
	setBool(&p.AutoIncidents, in.ShowAutoIncidents)
	setBool(&p.HidePoweredBy, in.HidePoweredBy)
	if in.HeaderLinks != nil {
		p.HeaderLinks = *in.HeaderLinks
	}
	if in.Password != nil && *in.Password != "" {
		if len(*in.Password) < 8 || len(*in.Password) > 200 {
			return badRequest("password", "password: use 8 to 200 characters")
		}
		h, err := hashPassword(*in.Password)
		if err != nil {
			return err
		}
		p.PasswordHash = h
	}
	return fieldErr(p.Validate())
}

// fieldErr turns a validation error into a 400 naming the field, and a
// uniqueness conflict into a 409.
func fieldErr(err error) error {
	if err == nil {
		return nil
	}
	if v, ok := statuspage.AsInvalid(err); ok {
		if errors.Is(err, store.ErrConflict) {
			return conflict(v.Field, "%s: %s", v.Field, v.Message)
		}
		return badRequest(v.Field, "%s: %s", v.Field, v.Message)
	}
	return err
}

func (s *Server) apiPageList(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := pg.IDCursor()
	if err != nil {
		return err
	}
	list, err := s.pages.db.Pages(c.Request().Context(), actorOf(c).TeamID, after, pg.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(list) > pg.Limit {
		list = list[:pg.Limit]
		next = makeIDCursor(list[len(list)-1].ID)
	}
	out := make([]pageJSON, 0, len(list))
	for _, p := range list {
		out = append(out, s.pageOut(c, p))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func (s *Server) apiPageCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in pageInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p := statuspage.Page{TeamID: actorOf(c).TeamID, AutoIncidents: true}
	if err := in.apply(&p); err != nil {
		return err
	}
	if err := s.refuseOwnHost(p.CustomDomain); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.pages.db.CreatePage(ctx, p)
	if err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	return c.JSON(http.StatusCreated, s.pageOut(c, p))
}

func (s *Server) apiPageGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.pages.db.Page(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.pageOut(c, p))
}

func (s *Server) apiPageUpdate(c echo.Context) error {
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
	var in pageInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.apply(&p); err != nil {
		return err
	}
	if err := s.refuseOwnHost(p.CustomDomain); err != nil {
		return err
	}
	if p, err = s.pages.db.UpdatePage(ctx, p); err != nil {
		return fieldErr(err)
	}
	s.pages.changed(ctx)
	return c.JSON(http.StatusOK, s.pageOut(c, p))
}

func (s *Server) apiPageDelete(c echo.Context) error {
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
	return c.NoContent(http.StatusNoContent)
}

// refuseOwnHost keeps a page from claiming the instance's own host name,
// which would put the dashboard and the API of every team behind it.
func (s *Server) refuseOwnHost(domain string) error {
	if domain != "" && domain == s.ownHost() {
		return badRequest("custom_domain", "custom_domain: %s is this instance's own host name; "+
			"use a separate name such as status.%s", domain, domain)
	}
	return nil
}

// ownHost is the host name of --base-url (empty when unset).
func (s *Server) ownHost() string {
	u, err := url.Parse(s.cfg.BaseURL)
	if err != nil || s.cfg.BaseURL == "" {
		return ""
	}
	return strings.ToLower(u.Hostname())
}
