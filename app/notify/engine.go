package notify

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bitwobbly/bitwobbly/app/secrets"
	"github.com/bitwobbly/bitwobbly/store"
)

// Options configure an Engine.
type Options struct {
	// Attempts is how many times a delivery is tried before it is given up.
	Attempts int
	// Workers is the size of the delivery pool (default 16).
	Workers int
	// PerChannel caps deliveries in flight to one channel (default 2), so
	// a slow channel cannot hold the whole pool.
	PerChannel int
	// BaseURL is the instance's public URL for links (see SetBaseURL).
	BaseURL string
	// Registry receives the notification metrics (optional).
	Registry prometheus.Registerer
}

// Engine matches alert events to rules and delivers the notifications.
type Engine struct {
	st    *store.Store
	log   *slog.Logger
	box   *secrets.Box
	types map[string]Type
	env   Env
	opt   Options

	backoffBase atomic.Int64 // nanoseconds
	backoffMax  atomic.Int64
	stormGather atomic.Int64
	poll        atomic.Int64
	base        atomic.Pointer[string]

	wakeMatch    chan struct{}
	wakeDispatch chan struct{}

	mu       sync.Mutex
	inflight map[int64]bool
	perChan  map[int64]int
	tests    map[int64]int // "Send test" calls running, by team

	sent     *prometheus.CounterVec
	failures *prometheus.CounterVec
	retries  *prometheus.CounterVec
	givenUp  *prometheus.CounterVec
	silenced prometheus.Counter
}

// New returns an engine over the store. types lists the channel types.
func New(st *store.Store, log *slog.Logger, box *secrets.Box, env Env, types []Type, opt Options) *Engine {
	if opt.Attempts <= 0 {
		opt.Attempts = 8
	}
	if opt.Workers <= 0 {
		opt.Workers = 16
	}
	if opt.PerChannel <= 0 {
		opt.PerChannel = 2
	}
	e := &Engine{st: st, log: log, box: box, env: env, opt: opt, types: map[string]Type{},
		wakeMatch: make(chan struct{}, 1), wakeDispatch: make(chan struct{}, 1), inflight: map[int64]bool{}, perChan: map[int64]int{},
		tests: map[int64]int{}}
	for _, t := range types {
		e.types[t.Name] = t
	}
	e.SetBaseURL(opt.BaseURL)
	e.SetTiming(10*time.Second, 30*time.Minute, 10*time.Second, 500*time.Millisecond)
	e.sent = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bitwobbly_notifications_sent_total",
		Help: "Notifications delivered, by channel type."}, []string{"channel_type"})
	e.failures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bitwobbly_notification_failures_total",
		Help: "Failed delivery attempts, by channel type."}, []string{"channel_type"})
	e.retries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bitwobbly_notification_retries_total",
		Help: "Delivery attempts scheduled again after a failure, by channel type."}, []string{"channel_type"})
	e.givenUp = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bitwobbly_notifications_given_up_total",
		Help: "Notifications given up after their last attempt or a permanent error."}, []string{"channel_type"})
	e.silenced = prometheus.NewCounter(prometheus.CounterOpts{Name: "bitwobbly_notifications_silenced_total",
		Help: "Alerts not sent because of a maintenance window or a cooldown."})
	if opt.Registry != nil {
		opt.Registry.MustRegister(e.sent, e.failures, e.retries, e.givenUp, e.silenced,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bitwobbly_notifications_pending",
				Help: "Deliveries waiting to be sent."}, e.pendingCount))
	}
	return e
}

// SetTiming sets the retry backoff (first delay and cap), how long a
// storm summary gathers alerts before it is sent, and the polling
// interval of the outbox. Tests shorten them.
func (e *Engine) SetTiming(backoffBase, backoffMax, stormGather, poll time.Duration) {
	e.backoffBase.Store(int64(backoffBase))
	e.backoffMax.Store(int64(backoffMax))
	e.stormGather.Store(int64(stormGather))
	e.poll.Store(int64(poll))
}

// SetBaseURL sets the public URL used in links of new messages.
func (e *Engine) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	e.base.Store(&u)
}

func (e *Engine) baseURL() string { return *e.base.Load() }

// Types lists the channel types by name.
func (e *Engine) Types() []Type {
	out := make([]Type, 0, len(e.types))
	for _, t := range e.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// TypeNames lists the channel type names.
func (e *Engine) TypeNames() []string {
	var out []string
	for _, t := range e.Types() {
		out = append(out, t.Name)
	}
	return out
}

// TypeOf returns a channel type.
func (e *Engine) TypeOf(name string) (Type, bool) {
	t, ok := e.types[name]
	return t, ok
}

func (e *Engine) pendingCount() float64 {
	var n int64
	e.st.R.QueryRow("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'").Scan(&n)
	return float64(n)
}

// poke wakes both loops without blocking.
func (e *Engine) poke() {
	signal(e.wakeMatch)
	signal(e.wakeDispatch)
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Poke tells the engine new alert events may be waiting.
func (e *Engine) Poke() { e.poke() }

// Run matches and delivers until ctx ends, then waits for in-flight
// deliveries (their contexts end with ctx).
func (e *Engine) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); e.matchLoop(ctx) }()
	go func() { defer wg.Done(); e.dispatchLoop(ctx) }()
	wg.Wait()
}

func (e *Engine) sleep(ctx context.Context, wake chan struct{}) bool {
	t := time.NewTimer(time.Duration(e.poll.Load()))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-t.C:
	}
	return true
}

func (e *Engine) matchLoop(ctx context.Context) {
	lastRenotify := time.Time{}
	for {
		n, err := e.matchOnce(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("matching alert events failed", "error", err)
		}
		if n > 0 {
			signal(e.wakeDispatch)
			continue
		}
		if time.Since(lastRenotify) > 30*time.Duration(e.poll.Load()) {
			lastRenotify = time.Now()
			if err := e.renotify(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("re-notification failed", "error", err)
			}
			if err := e.evaluateIssueRules(ctx); err != nil && ctx.Err() == nil {
				e.log.Error("issue frequency rules failed", "error", err)
			}
		}
		if !e.sleep(ctx, e.wakeMatch) {
			return
		}
	}
}
