package app

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/statuspage"
	"github.com/bitwobbly/bitwobbly/views"
)

// pageService serves status pages from ready bytes and keeps them fresh.
type pageService struct {
	s     *Server
	db    *statuspage.DB
	cache *statuspage.Cache

	mu     sync.RWMutex
	bySlug map[string]statuspage.Page
	byHost map[string]string // custom domain -> slug
	fp     string

	guard       *notify.Guard // where webhooks added by team members may post
	publicGuard *notify.Guard // where webhooks of anonymous visitors may post

	requests   prometheus.Counter
	builds     prometheus.Counter
	deliveries *prometheus.CounterVec
	wake       chan struct{} // pokes the delivery loop
	lastBase   atomic.Value  // absolute URL prefix seen last, for links in mail
}

// wireStatusPages creates the status-page service, its workers and the
// custom-domain mapping.
func (s *Server) wireStatusPages() error {
	p := &pageService{s: s, db: statuspage.NewDB(s.store), cache: statuspage.NewCache(),
		wake: make(chan struct{}, 1)}
	s.pages = p
	self := func() []string {
		self := []string{s.cfg.Addr}
		if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Host != "" {
			self = append(self, notifyHostPort(u))
		}
		return self
	}
	p.guard = &notify.Guard{AllowPrivate: s.cfg.AllowPrivateChannels, Self: self}
	p.publicGuard = &notify.Guard{AllowPrivate: false, Self: self}
	if err := p.reload(context.Background()); err != nil {
		return err
	}
	fp, err := p.db.Fingerprint(context.Background())
	if err != nil {
		return err
	}
	p.fp = fp
	p.requests = prometheus.NewCounter(prometheus.CounterOpts{Name: "bitwobbly_statuspage_requests_total",
		Help: "Public status-page documents served (cached or built)."})
	p.builds = prometheus.NewCounter(prometheus.CounterOpts{Name: "bitwobbly_statuspage_builds_total",
		Help: "Public status-page documents built because the cached bytes were missing or stale."})
	p.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bitwobbly_statuspage_deliveries_total",
		Help: "Messages to status-page subscribers by kind (email, webhook) and result (sent, retry, failed)."},
		[]string{"kind", "result"})
	s.metrics.Registry.MustRegister(p.requests, p.builds, p.deliveries)
	s.echo.Pre(p.customDomain)
	s.addWorker("status-page-freshness", p.watch)
	s.addWorker("status-page-notifier", p.notifyLoop)
	s.addWorker("status-page-deliveries", p.deliverLoop)
	s.homeCounters = append(s.homeCounters, p.homeCount)
	return nil
}

// reload reads the slug and host maps and drops every cached page.
func (p *pageService) reload(ctx context.Context) error {
	pages, err := p.db.AllPages(ctx)
	if err != nil {
		return err
	}
	bySlug := make(map[string]statuspage.Page, len(pages))
	byHost := map[string]string{}
	for _, pg := range pages {
		bySlug[pg.Slug] = pg
		if pg.CustomDomain != "" {
			byHost[pg.CustomDomain] = pg.Slug
		}
	}
	p.mu.Lock()
	p.bySlug, p.byHost = bySlug, byHost
	p.mu.Unlock()
	p.cache.Invalidate()
	return nil
}

// changed is called after every write of this area: pages rebuild on the
// next request.
func (p *pageService) changed(ctx context.Context) {
	if err := p.reload(ctx); err != nil {
		p.s.log.Warn("status pages: reload failed", "error", err)
	}
	if fp, err := p.db.Fingerprint(ctx); err == nil {
		p.mu.Lock()
		p.fp = fp
		p.mu.Unlock()
	}
	p.s.store.Publish("status-pages")
}

func (p *pageService) page(slug string) (statuspage.Page, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	pg, ok := p.bySlug[slug]
	return pg, ok
}

// watch rebuilds within a second of any change: it listens for published
// changes and compares a cheap fingerprint of the data twice a second.
func (p *pageService) watch(ctx context.Context) {
	topics, stop := p.s.store.Subscribe()
	defer stop()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case t := <-topics:
			if t != "status-pages" {
				p.cache.Invalidate()
			}
		case <-tick.C:
			fp, err := p.db.Fingerprint(ctx)
			if err != nil {
				continue
			}
			p.mu.Lock()
			stale := fp != p.fp
			p.fp = fp
			p.mu.Unlock()
			if stale {
				p.reload(ctx)
			}
		}
	}
}

// customDomain serves a page for its own host name: requests for a mapped
// host are routed to /status/{slug}/…; every other host is left alone.
func (p *pageService) customDomain(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p.mu.RLock()
		n := len(p.byHost)
		p.mu.RUnlock()
		if n == 0 {
			return next(c)
		}
		host := strings.ToLower(c.Request().Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		p.mu.RLock()
		slug, ok := p.byHost[host]
		p.mu.RUnlock()
		path := c.Request().URL.Path
		if !ok || host == p.s.ownHost() || strings.HasPrefix(path, "/static/") {
			return next(c)
		}
		if strings.HasPrefix(path, "/status/") {
			// A custom domain serves its own page only, never another one.
			if path != "/status/"+slug && !strings.HasPrefix(path, "/status/"+slug+"/") {
				return notFound("status page")
			}
			return next(c)
		}
		if path == "/" {
			path = ""
		}
		c.Set("sp_domain", true)
		c.Request().URL.Path = "/status/" + slug + path
		c.Request().URL.RawPath = ""
		return next(c)
	}
}

func (p *pageService) homeCount(ctx context.Context, teamID int64, v *views.HomeView) error {
	n, err := p.db.CountPages(ctx, teamID)
	v.StatusPages = n
	return err
}
