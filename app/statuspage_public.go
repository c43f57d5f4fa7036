package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

var errNoResource = errors.New("statuspage: no such resource")

// v2Docs maps the Statuspage v2 paths to documents.
var v2Docs = map[string]string{
	"api/v2/summary.json":                         "summary",
	"api/v2/status.json":                          "status",
	"api/v2/components.json":                      "components",
	"api/v2/incidents.json":                       "incidents",
	"api/v2/incidents/unresolved.json":            "incidents/unresolved",
	"api/v2/scheduled-maintenances.json":          "scheduled-maintenances",
	"api/v2/scheduled-maintenances/upcoming.json": "scheduled-maintenances/upcoming",
	"api/v2/scheduled-maintenances/active.json":   "scheduled-maintenances/active",
}

var (
	incidentPath  = regexp.MustCompile(`^incidents/([0-9]{1,18})$`)
	maintPath     = regexp.MustCompile(`^maintenance/([0-9]{1,18})$`)
	historyPath   = regexp.MustCompile(`^history(?:/([0-9]{4}-[0-9]{2}))?$`)
	compBadgePath = regexp.MustCompile(`^components/([0-9]{1,18})/badge\.svg$`)
)

// statusPublic serves every cached document of a page.
func (s *Server) statusPublic(c echo.Context) error {
	p := s.pages
	pg, ok := p.page(c.Param("slug"))
	if !ok {
		return p.notFound(c)
	}
	rest := strings.Trim(c.Param("*"), "/")
	allowed, err := p.allowed(c, pg)
	if err != nil {
		return err
	}
	if !allowed {
		return p.denied(c, pg, rest)
	}
	base, abs := p.bases(c, pg)
	key := strconv.FormatInt(pg.ID, 10) + "|" + rest + "|" + abs
	p.requests.Inc()
	e, err := p.cache.Get(key, func() (*statuspage.Entry, error) {
		p.builds.Inc()
		return p.build(c.Request().Context(), pg, rest, base, abs)
	})
	if errors.Is(err, errNoResource) {
		return p.pageMessage(c, http.StatusNotFound, views.MessageView{Heading: "Page not found",
			Text: "There is no document at this address."}, pg, base)
	}
	if err != nil {
		return err
	}
	return p.send(c, pg, e)
}

// send writes an entry with the headers public documents carry.
func (p *pageService) send(c echo.Context, pg statuspage.Page, e *statuspage.Entry) error {
	h := c.Response().Header()
	if strings.HasPrefix(e.Type, "text/html") {
		h.Set("Content-Security-Policy", pageCSP(statuspage.StyleBlock(pg)))
		h.Set("X-Frame-Options", "SAMEORIGIN")
	}
	if pg.NoIndex {
		h.Set("X-Robots-Tag", "noindex")
	}
	cc := "public, no-cache"
	if pg.Access != statuspage.AccessPublic {
		cc = "private, no-cache"
		h.Set("X-Robots-Tag", "noindex")
	} else if !strings.HasPrefix(e.Type, "text/html") {
		h.Set("Access-Control-Allow-Origin", "*")
	}
	if strings.HasPrefix(e.Type, "image/svg") {
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	}
	e.Write(c.Response(), c.Request(), cc)
	return nil
}

// pageCSP allows the page's stylesheet and exactly its own style element.
func pageCSP(style string) string {
	styles := "style-src 'self'"
	if style != "" {
		styles += " " + statuspage.StyleHash(style)
	}
	return "default-src 'none'; script-src 'self'; " + styles + "; img-src 'self' data: https: http:; form-action 'self'; " +
		"base-uri 'none'; frame-ancestors 'self'"
}

// bases returns the page's path prefix and its absolute URL.
func (p *pageService) bases(c echo.Context, pg statuspage.Page) (string, string) {
	if on, _ := c.Get("sp_domain").(bool); on {
		return "", c.Scheme() + "://" + c.Request().Host
	}
	base := "/status/" + pg.Slug
	root := strings.TrimRight(p.s.baseURL(c), "/")
	p.lastBase.Store(root)
	return base, root + base
}

// snapshot returns the page's snapshot, built once and shared by every
// document of the page (whatever the host or path asked) until it expires
// or anything changes, so requests for documents that do not exist or
// for many host names cannot make the server rebuild it each time.
func (p *pageService) snapshot(ctx context.Context, pg statuspage.Page) (*statuspage.Snapshot, error) {
	e, err := p.cache.Get("snapshot|"+strconv.FormatInt(pg.ID, 10), func() (*statuspage.Entry, error) {
		sn, err := p.db.Build(context.WithoutCancel(ctx), pg, time.Now())
		if err != nil {
			return nil, err
		}
		return &statuspage.Entry{Expires: sn.Expires, Value: sn}, nil
	})
	if err != nil {
		return nil, err
	}
	return e.Value.(*statuspage.Snapshot), nil
}

// build renders one document of a page from its snapshot.
func (p *pageService) build(ctx context.Context, pg statuspage.Page, rest, base, abs string) (*statuspage.Entry, error) {
	now := time.Now()
	sn, err := p.snapshot(ctx, pg)
	if err != nil {
		return nil, err
	}
	jsonType := "application/json; charset=utf-8"
	ok := func(ctype string, body []byte) (*statuspage.Entry, error) {
		return statuspage.NewEntry(http.StatusOK, ctype, body, sn.Expires), nil
	}
	if doc, found := v2Docs[rest]; found {
		body, _ := sn.V2(doc, abs, now)
		return ok(jsonType, body)
	}
	switch rest {
	case "":
		return p.html(statusPageDoc(sn, base))
	case "feed.atom":
		return ok("application/atom+xml; charset=utf-8", sn.Atom(abs))
	case "feed.rss":
		return ok("application/rss+xml; charset=utf-8", sn.RSS(abs))
	case "badge.svg":
		return ok("image/svg+xml", sn.OverallBadge())
	case "shields.json":
		return ok(jsonType, sn.Shields())
	}
	if m := compBadgePath.FindStringSubmatch(rest); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		body, found := sn.ComponentBadge(id)
		if !found {
			return nil, errNoResource
		}
		return ok("image/svg+xml", body)
	}
	if m := incidentPath.FindStringSubmatch(rest); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return p.incidentDoc(ctx, sn, id, base)
	}
	if m := maintPath.FindStringSubmatch(rest); m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		return p.maintDoc(ctx, sn, id, base, now)
	}
	if m := historyPath.FindStringSubmatch(rest); m != nil {
		return p.historyDoc(ctx, sn, m[1], base, now)
	}
	return nil, errNoResource
}

type doc struct {
	comp    templ.Component
	expires time.Time
}

func statusPageDoc(sn *statuspage.Snapshot, base string) doc {
	frame := publicFrame(sn, base, statuspage.StatusTitle(sn.Page.Title))
	return doc{views.StatusPublicPage(frame, statusView(sn)), sn.Expires}
}

func (p *pageService) html(d doc) (*statuspage.Entry, error) {
	var buf bytes.Buffer
	if err := d.comp.Render(context.Background(), &buf); err != nil {
		return nil, err
	}
	return statuspage.NewEntry(http.StatusOK, "text/html; charset=utf-8", buf.Bytes(), d.expires), nil
}

func (p *pageService) incidentDoc(ctx context.Context, sn *statuspage.Snapshot, id int64, base string) (*statuspage.Entry, error) {
	in, err := p.db.Incident(ctx, sn.Page.TeamID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoResource
	}
	if err != nil {
		return nil, err
	}
	vis := sn.Visible([]statuspage.Incident{in})
	if len(vis) == 0 {
		return nil, errNoResource
	}
	frame := publicFrame(sn, base, vis[0].Title+" · "+statuspage.StatusTitle(sn.Page.Title))
	return p.html(doc{views.IncidentPublicPage(frame, incidentCard(sn, vis[0])), sn.Expires})
}

func (p *pageService) maintDoc(ctx context.Context, sn *statuspage.Snapshot, id int64, base string,
	now time.Time) (*statuspage.Entry, error) {
	for _, list := range [][]statuspage.PageMaint{sn.ActiveMaint, sn.Upcoming, sn.Completed} {
		for _, m := range list {
			if m.ID == id {
				frame := publicFrame(sn, base, m.Title+" · "+statuspage.StatusTitle(sn.Page.Title))
				return p.html(doc{views.MaintPublicPage(frame, maintCard(sn, m)), sn.Expires})
			}
		}
	}
	return nil, errNoResource
}

func (p *pageService) historyDoc(ctx context.Context, sn *statuspage.Snapshot, month, base string,
	now time.Time) (*statuspage.Entry, error) {
	local := now.In(sn.Loc)
	start := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, sn.Loc)
	if month != "" {
		t, err := time.ParseInLocation("2006-01", month, sn.Loc)
		if err != nil || t.After(start) || t.Before(start.AddDate(-10, 0, 0)) {
			return nil, errNoResource
		}
		start = t
	}
	end := start.AddDate(0, 1, 0)
	list, err := p.db.IncidentsBetween(ctx, sn.Page.TeamID, start, end)
	if err != nil {
		return nil, err
	}
	v := views.HistoryView{Month: start.Format("January 2006")}
	prev := start.AddDate(0, -1, 0)
	if prev.After(time.Date(local.Year()-10, local.Month(), 1, 0, 0, 0, 0, sn.Loc)) {
		v.Prev, v.PrevLabel = prev.Format("2006-01"), prev.Format("January 2006")
	}
	if end.Before(time.Date(local.Year(), local.Month(), 2, 0, 0, 0, 0, sn.Loc)) {
		v.Next, v.NextLabel = end.Format("2006-01"), end.Format("January 2006")
	}
	for _, in := range sn.Visible(list) {
		v.Incidents = append(v.Incidents, incidentCard(sn, in))
	}
	for _, m := range sn.Completed {
		if !m.Window.End.Before(start) && m.Window.End.Before(end) {
			v.Maint = append(v.Maint, maintCard(sn, m))
		}
	}
	frame := publicFrame(sn, base, "History · "+statuspage.StatusTitle(sn.Page.Title))
	return p.html(doc{views.HistoryPublicPage(frame, v), sn.Expires})
}

// notFound answers unknown pages and documents without naming anything.
func (p *pageService) notFound(c echo.Context) error {
	return p.message(c, http.StatusNotFound, views.MessageView{Heading: "Page not found",
		Text: "There is no status page or document at this address."}, "")
}

// message renders a short uncached page in a neutral frame: no page is
// known, so it names none and links to none.
func (p *pageService) message(c echo.Context, status int, v views.MessageView, base string) error {
	frame := views.PublicPage{Title: v.Heading, Name: "Status", Base: base, StateClass: "none", NoIndex: true,
		Neutral: true}
	if on, _ := c.Get("sp_domain").(bool); on && v.Back == "" && !v.Password {
		v.Back = "/" // on a page's own domain its root is the status page
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageCSP(""))
	h.Set("X-Robots-Tag", "noindex")
	return render(c, status, views.MessagePublicPage(frame, v))
}

// pageMessage renders a short uncached page (subscription steps, access)
// in the page's own frame: its name, logo, colours and theme. A page only
// the team or password holders may see keeps its theme and brand colour
// but names nothing (no title, logo, custom CSS, links or footer), as
// private pages leak nothing without access.
func (p *pageService) pageMessage(c echo.Context, status int, v views.MessageView, pg statuspage.Page,
	base string) error {
	frame := brandFrame(pg, base, v.Heading+" · "+statuspage.StatusTitle(pg.Title))
	frame.NoIndex = true
	if pg.Access != statuspage.AccessPublic {
		frame = views.PublicPage{Title: v.Heading, Name: "Status", Base: base, StateClass: "none", NoIndex: true,
			Neutral: true, Theme: pg.Theme, Style: statuspage.StyleBlock(statuspage.Page{BrandColor: pg.BrandColor})}
	} else if v.Back == "" && !v.Password {
		v.Back = base + "/"
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageCSP(frame.Style))
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Cache-Control", "no-store")
	return render(c, status, views.MessagePublicPage(frame, v))
}

// signInURL is the main host's sign-in page returning to the page.
func (p *pageService) signInURL(c echo.Context, pg statuspage.Page) string {
	next := "/login?next=" + url.QueryEscape("/status/"+pg.Slug)
	if on, _ := c.Get("sp_domain").(bool); !on {
		return next
	}
	root := strings.TrimRight(p.s.cfg.BaseURL, "/")
	if root == "" {
		root, _ = p.lastBase.Load().(string)
	}
	return root + next
}

// allowed says whether the request may see a page.
func (p *pageService) allowed(c echo.Context, pg statuspage.Page) (bool, error) {
	switch pg.Access {
	case statuspage.AccessPublic:
		return true, nil
	case statuspage.AccessPassword:
		ck, err := c.Cookie(pageCookie(pg))
		return err == nil && hmac.Equal([]byte(ck.Value), []byte(p.accessToken(pg))), nil
	}
	a, err := p.s.loadSession(c)
	if err != nil || a == nil {
		return false, err
	}
	if a.TeamID == pg.TeamID {
		return true, nil
	}
	_, err = p.s.store.Membership(c.Request().Context(), pg.TeamID, a.User.ID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func pageCookie(pg statuspage.Page) string { return "bw_sp_" + strconv.FormatInt(pg.ID, 10) }

// accessToken is the cookie value proving the page's password was given;
// it changes when the password does.
func (p *pageService) accessToken(pg statuspage.Page) string {
	mac := hmac.New(sha256.New, p.s.cfg.SecretKey)
	fmt.Fprintf(mac, "status-page-access:%d:%s", pg.ID, pg.PasswordHash)
	return hex.EncodeToString(mac.Sum(nil))
}

// denied answers a request without access: a neutral sign-in or password
// page for the HTML page, 404 for every other document.
func (p *pageService) denied(c echo.Context, pg statuspage.Page, rest string) error {
	base, _ := p.bases(c, pg)
	if rest != "" {
		return p.notFound(c)
	}
	if pg.Access == statuspage.AccessPassword {
		return p.pageMessage(c, http.StatusUnauthorized, views.MessageView{Heading: "This status page is private",
			Text: "Enter the password you were given.", Password: true}, pg, base)
	}
	return p.pageMessage(c, http.StatusUnauthorized, views.MessageView{Heading: "This status page is private",
		Text: "Sign in to Bit Wobbly with an account of the team that owns it.", SignIn: p.signInURL(c, pg)}, pg, base)
}

// statusAccess checks a page's password and sets the access cookie.
func (s *Server) statusAccess(c echo.Context) error {
	p := s.pages
	pg, ok := p.page(c.Param("slug"))
	if !ok || pg.Access != statuspage.AccessPassword {
		return p.notFound(c)
	}
	base, _ := p.bases(c, pg)
	key := "sp-access:" + strconv.FormatInt(pg.ID, 10) + ":" + c.RealIP()
	if blocked, wait := s.throttle.blocked(key, 10, 15*time.Minute); blocked {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return p.pageMessage(c, http.StatusTooManyRequests, views.MessageView{Heading: "This status page is private",
			Password: true, Error: "Too many attempts. Try again in a few minutes."}, pg, base)
	}
	if !verifyPassword(pg.PasswordHash, c.FormValue("password")) {
		s.throttle.fail(key, 15*time.Minute)
		return p.pageMessage(c, http.StatusUnauthorized, views.MessageView{Heading: "This status page is private",
			Password: true, Error: "That password is not right."}, pg, base)
	}
	s.throttle.reset(key)
	c.SetCookie(&http.Cookie{Name: pageCookie(pg), Value: p.accessToken(pg), Path: cookiePath(base), HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(c), MaxAge: 30 * 24 * 3600})
	if base == "" {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return c.Redirect(http.StatusSeeOther, base)
}

func cookiePath(base string) string {
	if base == "" {
		return "/"
	}
	return base
}
