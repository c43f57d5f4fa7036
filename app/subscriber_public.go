package app

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/app/webhooksign"
	"github.com/bitwobbly/bitwobbly/views"
)

// subscribeLimit bounds subscription attempts from one address per hour;
// targetLimit bounds confirmation mails to one address per page per hour,
// so nobody can use the form to flood a third party.
const (
	subscribeLimit = 10
	targetLimit    = 1
)

// statusSubscribe adds an e-mail (double opt-in) or webhook subscriber.
func (s *Server) statusSubscribe(c echo.Context) error {
	p := s.pages
	pg, ok := p.page(c.Param("slug"))
	if !ok || pg.Access != statuspage.AccessPublic {
		return p.notFound(c)
	}
	base, abs := p.bases(c, pg)
	ipKey := "sp-sub-ip:" + c.RealIP()
	if blocked, wait := s.throttle.blocked(ipKey, subscribeLimit, time.Hour); blocked {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return p.pageMessage(c, http.StatusTooManyRequests, views.MessageView{Heading: "Too many attempts",
			Text: "Please try again later."}, pg, base)
	}
	s.throttle.fail(ipKey, time.Hour)

	form, _ := c.FormParams()
	comps, err := p.pageComponentIDs(c.Request().Context(), pg, form["component_ids"])
	if err != nil {
		return p.pageMessage(c, http.StatusBadRequest, views.MessageView{Heading: "Could not subscribe",
			Text: "Choose components of this page."}, pg, base)
	}
	if c.FormValue("kind") == "webhook" {
		return s.subscribeWebhook(c, pg, base, comps)
	}
	addr := strings.TrimSpace(c.FormValue("email"))
	if !mail.ValidAddress(addr) {
		return p.pageMessage(c, http.StatusBadRequest, views.MessageView{Heading: "Could not subscribe",
			Text: "Enter one valid e-mail address, such as you@example.com."}, pg, base)
	}
	sub, existed, err := p.db.AddSubscriber(c.Request().Context(), statuspage.Subscriber{TeamID: pg.TeamID,
		StatusPageID: pg.ID, Kind: "email", Target: addr, ComponentIDs: comps, Token: randomToken(24)})
	if err != nil {
		return err
	}
	tKey := "sp-sub-target:" + strconv.FormatInt(pg.ID, 10) + ":" + strings.ToLower(addr)
	if blocked, _ := s.throttle.blocked(tKey, targetLimit, time.Hour); !blocked && sub.ConfirmedAt == 0 {
		s.throttle.fail(tKey, time.Hour)
		key := "confirm:" + strconv.FormatInt(time.Now().Unix()/3600, 10)
		if !existed {
			key = "confirm"
		}
		link := abs + "/confirm/" + sub.Token
		body := "Someone (hopefully you) asked to receive status updates of " + pg.Title + " at this address.\n\n" +
			"Confirm the subscription: " + link + "\n\nIf it was not you, ignore this message; nothing more will be sent."
		err = p.db.Enqueue(c.Request().Context(), []statuspage.Delivery{{SubscriberID: sub.ID, EventKey: key,
			Subject: "Confirm your subscription to " + statuspage.StatusTitle(pg.Title), Body: body, Payload: "{}"}})
		if err != nil {
			return err
		}
		p.poke()
	}
	return p.pageMessage(c, http.StatusOK, views.MessageView{Heading: "Check your inbox",
		Text: "If the address can receive mail, a confirmation link is on its way. Updates start once you confirm."}, pg, base)
}

// subscribeWebhook registers a webhook subscriber and shows its secret once.
func (s *Server) subscribeWebhook(c echo.Context, pg statuspage.Page, base string, comps []int64) error {
	p := s.pages
	raw := strings.TrimSpace(c.FormValue("url"))
	if err := statuspage.ValidURL("url", raw); err != nil || raw == "" || !s.webhookTargetAllowed(raw) {
		return p.pageMessage(c, http.StatusBadRequest, views.MessageView{Heading: "Could not subscribe",
			Text: "Enter an http:// or https:// URL that this server may reach."}, pg, base)
	}
	secret := webhooksign.NewSecret()
	sub, existed, err := p.db.AddSubscriber(c.Request().Context(), statuspage.Subscriber{TeamID: pg.TeamID,
		StatusPageID: pg.ID, Kind: "webhook", Target: raw, Secret: s.box.Seal(secret), ComponentIDs: comps,
		Token: randomToken(24), ConfirmedAt: time.Now().UnixMilli()})
	if err != nil {
		return err
	}
	if existed {
		return p.pageMessage(c, http.StatusOK, views.MessageView{Heading: "Already subscribed",
			Text: "This URL already receives updates. To change its secret, unsubscribe it first."}, pg, base)
	}
	return p.pageMessage(c, http.StatusCreated, views.MessageView{Heading: "Webhook added",
		Text: "Signing secret (shown once): " + secret + " · Unsubscribe: " + base + "/unsubscribe/" + sub.Token}, pg, base)
}

// webhookTargetAllowed applies the guard of visitors' webhooks: never
// loopback, private, link-local, metadata or this server itself, whatever
// the instance allows channels. A host name is resolved and each of its
// addresses checked too; every connection is checked again when dialled.
func (s *Server) webhookTargetAllowed(raw string) bool {
	return guardTarget(s.pages.publicGuard, raw) == nil
}

// guardTarget checks a webhook URL with g, resolving a host name (briefly)
// so a name that points at a refused address is refused when saved.
func guardTarget(g *notify.Guard, raw string) error {
	if err := g.CheckURL(raw); err != nil {
		return err
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return err
	}
	host := u.Hostname()
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil // unresolvable now; the dial-time check still applies
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p, err := strconv.Atoi(u.Port()); err == nil {
		port = p
	}
	for _, a := range addrs {
		if err := g.CheckIP(a, port); err != nil {
			return err
		}
	}
	return nil
}

// pageComponentIDs parses chosen component ids; each must be on the page.
func (p *pageService) pageComponentIDs(ctx context.Context, pg statuspage.Page, vals []string) ([]int64, error) {
	ids, err := statuspage.ParseIDs(vals)
	if err != nil || len(ids) == 0 {
		return []int64{}, err
	}
	comps, err := p.db.PageComponents(ctx, pg.ID)
	if err != nil {
		return nil, err
	}
	on := map[int64]bool{}
	for _, c := range comps {
		on[c.ID] = true
	}
	for _, id := range ids {
		if !on[id] {
			return nil, errNoResource
		}
	}
	return ids, nil
}

// statusConfirm shows (GET) and performs (POST) the confirmation of an
// e-mail subscription: opening the link only asks, so mail scanners that
// follow links confirm nothing.
func (s *Server) statusConfirm(c echo.Context) error {
	p := s.pages
	pg, ok := p.page(c.Param("slug"))
	if !ok {
		return p.notFound(c)
	}
	base, _ := p.bases(c, pg)
	sub, err := p.db.SubscriberByToken(c.Request().Context(), c.Param("token"))
	if err != nil || sub.StatusPageID != pg.ID {
		return p.pageMessage(c, http.StatusNotFound, views.MessageView{Heading: "Link not valid",
			Text: "This confirmation link is unknown or was already used to unsubscribe."}, pg, base)
	}
	if c.Request().Method == http.MethodGet && sub.ConfirmedAt == 0 {
		frame := brandFrame(pg, base, "Confirm subscription · "+statuspage.StatusTitle(pg.Title))
		frame.NoIndex = true
		c.Response().Header().Set("Content-Security-Policy", pageCSP(frame.Style))
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, views.ConfirmPublicPage(frame, base+"/confirm/"+sub.Token))
	}
	if err := p.db.ConfirmSubscriber(c.Request().Context(), sub.ID); err != nil {
		return err
	}
	return p.pageMessage(c, http.StatusOK, views.MessageView{Heading: "You are subscribed",
		Text: "You will hear about incidents and maintenance of " + pg.Title + ". Every message has an unsubscribe link."}, pg, base)
}

// statusUnsubscribe shows (GET) and performs (POST, also one-click from
// mail clients) an unsubscription.
func (s *Server) statusUnsubscribe(c echo.Context) error {
	p := s.pages
	pg, ok := p.page(c.Param("slug"))
	if !ok {
		return p.notFound(c)
	}
	base, _ := p.bases(c, pg)
	ctx := c.Request().Context()
	sub, err := p.db.SubscriberByToken(ctx, c.Param("token"))
	if err != nil || sub.StatusPageID != pg.ID {
		return p.pageMessage(c, http.StatusNotFound, views.MessageView{Heading: "Link not valid",
			Text: "This subscription does not exist any more."}, pg, base)
	}
	if c.Request().Method == http.MethodGet {
		frame := brandFrame(pg, base, "Unsubscribe · "+statuspage.StatusTitle(pg.Title))
		frame.NoIndex = true
		c.Response().Header().Set("Content-Security-Policy", pageCSP(frame.Style))
		c.Response().Header().Set("Cache-Control", "no-store")
		return render(c, http.StatusOK, views.UnsubscribePublicPage(frame, base+"/unsubscribe/"+sub.Token))
	}
	if err := p.db.RemoveSubscriber(ctx, sub.TeamID, sub.ID); err != nil {
		return err
	}
	return p.pageMessage(c, http.StatusOK, views.MessageView{Heading: "Unsubscribed",
		Text: "You will not receive further updates of " + pg.Title + "."}, pg, base)
}
