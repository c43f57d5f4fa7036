package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/robfig/cron/v3"

	"github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/secrets"
	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// Server is the running product: HTTP surface plus background workers.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	echo     *echo.Echo
	box      *secrets.Box
	metrics  *metrics
	mail     mail.Sender
	throttle *throttle
	cron     *cron.Cron
	cronCtx  context.Context

	// The areas' services, created by wire.
	monitors *monitoring
	pages    *pageService
	tracker  *issues.Service
	notifier *notify.Engine
	// notifySelf tells the notification guard and links the instance's
	// URL once it is known (tests learn it after httptest picks a port).
	notifySelf func(base string)

	// homeCounters fill the overview's counts of each area.
	homeCounters []func(ctx context.Context, teamID int64, v *views.HomeView) error

	// workers run until the context given to startWorkers ends.
	workers []worker
	wg      sync.WaitGroup

	// stopping is closed when shutdown begins. Handlers that hold a
	// response open (server-sent events, long polls) must return when it
	// closes, or shutdown waits for them until its timeout.
	stopping    <-chan struct{}
	stopStreams func()
}

type worker struct {
	name string
	run  func(ctx context.Context)
}

// addWorker registers a background loop started with the server and
// stopped, in reverse order, on shutdown.
func (s *Server) addWorker(name string, run func(ctx context.Context)) {
	s.workers = append(s.workers, worker{name, run})
}

// NewServer wires the HTTP surface and the workers over an open store.
func NewServer(cfg Config, log *slog.Logger, st *store.Store) (*Server, error) {
	box, err := secrets.New(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      log,
		store:    st,
		box:      box,
		throttle: newThrottle(),
		mail:     mail.New(mailConfig(cfg), log),
	}
	stopping := make(chan struct{})
	s.stopping = stopping
	s.stopStreams = sync.OnceFunc(func() { close(stopping) })
	s.metrics = newMetrics(st)
	s.echo = s.newEcho()
	if err := s.wire(); err != nil {
		return nil, err
	}
	s.addWorker("cron", s.runCron)
	s.routes()
	return s, nil
}

// Handler is the whole HTTP surface (used by tests with httptest).
func (s *Server) Handler() http.Handler { return s.echo }

func (s *Server) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = echo.ExtractIPDirect()
	if s.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	}
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/api/") && !strings.HasPrefix(p, "/api/v1/")
		},
	}))
	e.Use(middleware.RequestID())
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "path", c.Request().URL.Path, "error", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(s.metrics.middleware)
	e.Use(securityHeaders)
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
		Limit:   "1M",
		Skipper: func(c echo.Context) bool { return ingestPath.MatchString(c.Request().URL.Path) },
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level: 5,
		Skipper: func(c echo.Context) bool {
			p := c.Request().URL.Path
			return strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/status/") || p == "/metrics" ||
				ingestPath.MatchString(p) || strings.HasPrefix(p, "/api/push/") ||
				strings.HasSuffix(p, "/events/stream")
		},
	}))
	e.Use(s.csrf)
	return e
}

// contentSecurityPolicy is satisfied by the dashboard: no inline script,
// no inline style, nothing from other origins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		if h.Get("Content-Security-Policy") == "" {
			h.Set("Content-Security-Policy", contentSecurityPolicy)
		}
		h.Set("X-Frame-Options", "DENY")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting and end long-lived streams, finish in-flight requests, stop
// the workers, flush queued writes and close the store. Everything shares
// one --shutdown-timeout deadline.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	start := time.Now()
	if err := loadSecretKey(&cfg); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	s, err := NewServer(cfg, log, st)
	if err != nil {
		st.Close()
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		st.Close()
		return fmt.Errorf("addr (BITWOBBLY_ADDR): listen on %s: %w", cfg.Addr, err)
	}
	reqCtx, cancelRequests := context.WithCancel(context.Background())
	defer cancelRequests()
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return reqCtx },
	}
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	s.startWorkers(workCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("bit wobbly is ready", "url", s.openURL(ln.Addr()), "data", cfg.Data, "version", Version,
		"ready_in", time.Since(start).Round(time.Millisecond).String())

	select {
	case err := <-errc:
		stopWork()
		s.wg.Wait()
		st.Close()
		return fmt.Errorf("app: http server: %w", err)
	case <-ctx.Done():
	}
	return s.shutdown(srv, st, stopWork, cancelRequests)
}

// shutdown is serve's ordered stop.
func (s *Server) shutdown(srv *http.Server, st *store.Store, stopWork, cancelRequests func()) error {
	began := time.Now()
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()

	s.stopStreams()
	if err := srv.Shutdown(ctx); err != nil {
		s.log.Warn("requests still running at the shutdown timeout were cut", "error", err)
		cancelRequests()
		srv.Close()
	}
	stopWork()
	s.waitWorkers(ctx)
	if err := st.Close(); err != nil {
		s.log.Error("closing the store failed", "error", err)
		return fmt.Errorf("app: close store: %w", err)
	}
	s.log.Info("stopped", "took", time.Since(began).Round(time.Millisecond).String())
	return nil
}

func (s *Server) startWorkers(ctx context.Context) {
	for _, w := range s.workers {
		s.wg.Add(1)
		go func(w worker) {
			defer s.wg.Done()
			w.run(ctx)
		}(w)
	}
}

func (s *Server) waitWorkers(ctx context.Context) {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("workers did not stop before the shutdown timeout")
	}
}

// openURL is what the log tells the user to open.
func (s *Server) openURL(addr net.Addr) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	host, port, _ := net.SplitHostPort(addr.String())
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// baseURL is the instance's public URL: --base-url, or the request's own
// scheme and host.
func (s *Server) baseURL(c echo.Context) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	return s.scheme(c) + "://" + c.Request().Host
}

// scheme is the request's scheme; X-Forwarded-Proto counts only with
// --trust-proxy.
func (s *Server) scheme(c echo.Context) string {
	if c.Request().TLS != nil {
		return "https"
	}
	if s.cfg.TrustProxy {
		return c.Scheme()
	}
	return "http"
}

func loadSecretKey(cfg *Config) error {
	if cfg.SecretKeyText != "" {
		key, err := decodeKey(cfg.SecretKeyText)
		if err != nil {
			return fmt.Errorf("secret-key (BITWOBBLY_SECRET_KEY): %w", err)
		}
		cfg.SecretKey = key
		return nil
	}
	key, err := secrets.LoadOrCreateKey(cfg.Data)
	if err != nil {
		return fmt.Errorf("data (BITWOBBLY_DATA): %w", err)
	}
	cfg.SecretKey = key
	return nil
}

func mailConfig(cfg Config) mail.Config {
	return mail.Config{
		From:          cfg.MailFrom,
		ResendAPIKey:  cfg.ResendAPIKey,
		ResendBaseURL: cfg.ResendBaseURL,
		SMTPHost:      cfg.SMTPHost,
		SMTPPort:      cfg.SMTPPort,
		SMTPUser:      cfg.SMTPUser,
		SMTPPassword:  cfg.SMTPPassword,
		SMTPTLS:       cfg.SMTPTLS,
	}
}

var errSetupDone = errors.New("app: setup already done")
