package checks

import (
	"container/heap"
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Options configure an Engine.
type Options struct {
	// Concurrency is how many checks run at once (default 256).
	Concurrency int
	// PerHost is how many checks run at once against one host (default 16).
	PerHost int
	// Checker runs the checks (default NewChecker(nil, false)).
	Checker *Checker
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Metrics, when set, receive check counters and start lag.
	Metrics *Metrics
	// Tick is how often maintenance windows and push deadlines are
	// evaluated (default 5 s).
	Tick time.Duration
	// Resync is how often the whole monitor list is re-read (default 60 s).
	Resync time.Duration
	// OpenSecret decrypts a sealed credential of a monitor's settings
	// (basic auth password, bearer token); nil leaves them as stored.
	OpenSecret func(sealed string) (string, error)
}

// Engine schedules and runs every monitor's checks and applies results.
// Due times are kept per monitor with second precision, spread over the
// interval by the monitor's id, and advance by whole intervals from the
// previous due time, so a check's duration never shifts the schedule.
type Engine struct {
	store   *store.Store
	log     *slog.Logger
	checker *Checker
	metrics *Metrics
	now     func() time.Time
	perHost int
	tick    time.Duration
	resync  time.Duration
	sem     chan struct{}

	mu      sync.Mutex
	entries map[int64]*entry
	queue   dueQueue
	hosts   map[string]chan struct{}
	windows map[int64][]namedWindow // monitor id -> windows
	wake    chan struct{}
	wg      sync.WaitGroup
	started bool
	open    func(string) (string, error)
}

type namedWindow struct {
	title string
	w     Window
}

// entry is one monitor in the scheduler.
type entry struct {
	m       store.Monitor
	job     Job
	host    string
	due     time.Time
	index   int // position in the queue, -1 when not queued
	running bool
	again   bool // check right after the running one ends
	stats   monitorStats
}

// NewEngine creates an engine over st.
func NewEngine(st *store.Store, log *slog.Logger, o Options) *Engine {
	if o.Concurrency <= 0 {
		o.Concurrency = 256
	}
	if o.PerHost <= 0 {
		o.PerHost = 16
	}
	if o.Checker == nil {
		o.Checker = NewChecker(nil, false)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Tick <= 0 {
		o.Tick = 5 * time.Second
	}
	if o.Resync <= 0 {
		o.Resync = time.Minute
	}
	e := &Engine{store: st, log: log, checker: o.Checker, metrics: o.Metrics, now: o.Now, perHost: o.PerHost,
		tick: o.Tick, resync: o.Resync, sem: make(chan struct{}, o.Concurrency),
		entries: map[int64]*entry{}, hosts: map[string]chan struct{}{}, windows: map[int64][]namedWindow{},
		wake: make(chan struct{}, 1), open: o.OpenSecret}
	if e.metrics != nil {
		e.metrics.engine = e
	}
	return e
}

// Run loads the monitors and runs the schedule until ctx ends, then waits
// for checks in flight to finish.
func (e *Engine) Run(ctx context.Context) {
	for {
		if err := e.load(ctx); err == nil {
			break
		} else if ctx.Err() != nil {
			return
		} else {
			e.log.Error("load monitors", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
	defer e.wg.Wait()

	tick := time.NewTicker(e.tick)
	defer tick.Stop()
	resync := time.NewTicker(e.resync)
	defer resync.Stop()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	topics, unsubscribe := e.store.Subscribe()
	defer unsubscribe()
	lastWindows := time.Now()
	for {
		e.dispatch(ctx)
		timer.Reset(e.untilNext())
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-e.wake:
		case <-tick.C:
			if time.Since(lastWindows) >= 15*time.Second {
				lastWindows = time.Now()
				e.reloadWindows(ctx)
			}
			e.sweep(ctx)
		case topic := <-topics:
			if strings.HasPrefix(topic, "maintenance") {
				lastWindows = time.Now()
				e.reloadWindows(ctx)
				e.sweep(ctx)
			}
		case <-resync.C:
			if err := e.load(ctx); err != nil && ctx.Err() == nil {
				e.log.Warn("reload monitors", "error", err)
			}
		}
	}
}

// load reads every monitor and maintenance window and brings the
// schedule in line with them.
func (e *Engine) load(ctx context.Context) error {
	ms, err := e.store.AllMonitors(ctx)
	if err != nil {
		return err
	}
	ws, err := e.store.MaintenanceWindows(ctx)
	if err != nil {
		return err
	}
	windows := map[int64][]namedWindow{}
	for _, w := range ws {
		for _, id := range w.MonitorIDs {
			windows[id] = append(windows[id], namedWindow{w.Title, WindowOf(w)})
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.windows = windows
	seen := make(map[int64]bool, len(ms))
	for _, m := range ms {
		seen[m.ID] = true
		e.upsertLocked(m, !e.started)
	}
	for id, en := range e.entries {
		if !seen[id] {
			e.removeLocked(en)
		}
	}
	e.started = true
	return nil
}

// Reload re-reads one monitor after it was created, changed, paused,
// resumed or deleted; a new or changed monitor is checked right away.
func (e *Engine) Reload(ctx context.Context, id int64) {
	m, err := e.store.MonitorByIDAnyTeam(ctx, id)
	e.mu.Lock()
	defer e.mu.Unlock()
	if errors.Is(err, store.ErrNotFound) {
		if en := e.entries[id]; en != nil {
			e.removeLocked(en)
		}
		return
	}
	if err != nil {
		e.log.Warn("reload monitor", "monitor_id", id, "error", err)
		return
	}
	en := e.upsertLocked(m, false)
	switch {
	case m.Type == "push" || m.Type == "manual" || !m.Enabled:
	case en.index >= 0:
		e.setDueLocked(en, e.now())
	case en.running:
		en.again = true
	}
	e.poke()
}

// ReloadMaintenance re-reads the maintenance windows now and applies
// them. The engine also does so every 15 s, and at once when a change to
// a "maintenance…" topic is published on the store.
func (e *Engine) ReloadMaintenance(ctx context.Context) error {
	if err := e.reloadWindows(ctx); err != nil {
		return err
	}
	e.sweep(ctx)
	return nil
}

func (e *Engine) reloadWindows(ctx context.Context) error {
	ws, err := e.store.MaintenanceWindows(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("load maintenance windows", "error", err)
		}
		return err
	}
	windows := map[int64][]namedWindow{}
	for _, w := range ws {
		for _, id := range w.MonitorIDs {
			windows[id] = append(windows[id], namedWindow{w.Title, WindowOf(w)})
		}
	}
	e.mu.Lock()
	e.windows = windows
	e.mu.Unlock()
	return nil
}

// CheckNow runs the monitor's check as soon as possible.
func (e *Engine) CheckNow(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.entries[id]
	if en == nil || en.index < 0 && !en.running {
		return false
	}
	if en.running {
		en.again = true
		return true
	}
	e.setDueLocked(en, e.now())
	e.poke()
	return true
}

func (e *Engine) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// upsertLocked adds or updates the entry of m; first places a new monitor
// on its spread slot instead of now.
func (e *Engine) upsertLocked(m store.Monitor, spread bool) *entry {
	en := e.entries[m.ID]
	if en == nil {
		en = &entry{index: -1}
		e.entries[m.ID] = en
		spread = spread || m.LastCheckedAt != 0
	} else {
		spread = false
	}
	changed := en.m.IntervalSeconds != m.IntervalSeconds
	e.setJob(en, m)
	active := m.Enabled && m.Type != "push" && m.Type != "manual"
	switch {
	case !active && en.index >= 0:
		heap.Remove(&e.queue, en.index)
	case active && en.index < 0 && !en.running:
		now := e.now()
		due := now
		if spread {
			// The first round after a start is compressed into 90 % of the
			// interval, so every monitor is checked within one interval of
			// the start even when loading took a moment.
			slot := nextSlot(m.ID, m.IntervalSeconds, now.Add(-time.Millisecond))
			due = now.Add(slot.Sub(now) * 9 / 10)
		}
		en.due = due
		heap.Push(&e.queue, en)
	case active && changed && en.index >= 0:
		e.setDueLocked(en, nextSlot(m.ID, m.IntervalSeconds, e.now()))
	}
	return en
}

func (e *Engine) removeLocked(en *entry) {
	if en.index >= 0 {
		heap.Remove(&e.queue, en.index)
	}
	delete(e.entries, en.m.ID)
}

func (e *Engine) setDueLocked(en *entry, due time.Time) {
	en.due = due
	if en.index >= 0 {
		heap.Fix(&e.queue, en.index)
	}
}

// nextSlot is the first due time after t on the monitor's grid: multiples
// of the interval offset by a phase derived from the id, so monitors
// spread over the interval and keep their place across restarts.
func nextSlot(id int64, intervalS int, t time.Time) time.Time {
	iv := int64(intervalS) * 1000
	if iv <= 0 {
		iv = 60000
	}
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(id, 10)))
	phase := int64(h.Sum64() % uint64(iv))
	d := t.UnixMilli() - phase
	k := d / iv
	if d%iv < 0 {
		k--
	}
	k++
	return time.UnixMilli(phase + k*iv)
}

func hostOf(typ, target string) string {
	if typ == "http" {
		if u, err := url.Parse(target); err == nil {
			return u.Hostname()
		}
	}
	if h, _, err := net.SplitHostPort(target); err == nil {
		return h
	}
	return target
}

func (e *Engine) untilNext() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queue) == 0 {
		return time.Hour
	}
	d := e.queue[0].due.Sub(e.now())
	if d < 0 {
		return 0
	}
	return d
}

// dispatch starts every check that is due.
func (e *Engine) dispatch(ctx context.Context) {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	for len(e.queue) > 0 && !e.queue[0].due.After(now) {
		en := heap.Pop(&e.queue).(*entry)
		due := en.due
		if title, on := e.maintenanceLocked(en.m.ID, now); on || en.m.Status == StatusMaintenance {
			en.due = nextSlot(en.m.ID, en.m.IntervalSeconds, now)
			heap.Push(&e.queue, en)
			if on != (en.m.Status == StatusMaintenance) {
				e.goMaintenance(ctx, en.m.ID, on, title, now)
			}
			continue
		}
		en.running = true
		job, host, id := en.job, en.host, en.m.ID
		confirm := en.m.ConfirmRecheck && en.m.Status != StatusDown &&
			en.m.FailStreak+1 >= en.m.FailureThreshold
		e.wg.Add(1)
		go e.runCheck(ctx, id, job, host, due, confirm)
	}
}

func (e *Engine) goMaintenance(ctx context.Context, id int64, on bool, title string, now time.Time) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		m, err := e.setMaintenance(ctx, id, on, title, now)
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, store.ErrNotFound) {
				e.log.Warn("maintenance state", "monitor_id", id, "error", err)
			}
			return
		}
		e.refresh(m)
		if !on {
			e.CheckNow(id)
		}
	}()
}

func (e *Engine) maintenanceLocked(id int64, now time.Time) (string, bool) {
	for _, w := range e.windows[id] {
		if MaintenanceActive(w.w, now) {
			return w.title, true
		}
	}
	return "", false
}

// InMaintenance reports whether a monitor is covered by an active
// maintenance window right now.
func (e *Engine) InMaintenance(id int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, on := e.maintenanceLocked(id, e.now())
	return on
}

// runCheck runs one check under the global and per-host limits, confirms
// a would-be failure once, and applies the verdict.
func (e *Engine) runCheck(ctx context.Context, id int64, job Job, host string, due time.Time, confirm bool) {
	defer e.wg.Done()
	dispatched := e.now()
	release, ok := e.acquire(ctx, host)
	if !ok {
		e.finished(id, due)
		return
	}
	start := e.now()
	out := e.checker.Run(ctx, job)
	if out.Status == store.ResultDown && confirm && ctx.Err() == nil {
		first := out.Reason
		out = e.checker.Run(ctx, job)
		if out.Status != store.ResultDown {
			out.Reason += " (a failure was not confirmed on re-check: " + first + ")"
		}
	}
	release()
	if e.metrics != nil {
		e.metrics.observe(job.Type, start.Sub(due), start.Sub(dispatched), e.now().Sub(start), out)
	}
	if ctx.Err() != nil {
		e.finished(id, due)
		return
	}
	e.record(ctx, id, out, start)
	e.finished(id, due)
}

// record applies an outcome, retrying while the store is busy. A store
// that stays in trouble loses the result, never the monitor's truth.
func (e *Engine) record(ctx context.Context, id int64, out Outcome, at time.Time) {
	var err error
	for try := 0; try < 3; try++ {
		var m store.Monitor
		m, _, err = e.apply(ctx, id, out, at, applyOpts{})
		if err == nil {
			e.refresh(m)
			e.count(id, out)
			return
		}
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrClosed) || ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(try+1) * time.Second):
		}
	}
	e.log.Error("store check result", "monitor_id", id, "error", err)
}

// acquire takes a per-host slot, then a global one, so checks waiting
// for a busy host never hold global slots other hosts could use.
func (e *Engine) acquire(ctx context.Context, host string) (func(), bool) {
	e.mu.Lock()
	hs := e.hosts[host]
	if hs == nil {
		hs = make(chan struct{}, e.perHost)
		e.hosts[host] = hs
	}
	e.mu.Unlock()
	select {
	case hs <- struct{}{}:
	case <-ctx.Done():
		return nil, false
	}
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		<-hs
		return nil, false
	}
	return func() { <-e.sem; <-hs }, true
}

// finished puts the monitor back on the schedule at its next slot after
// the due time it ran for, or right away when a check was asked for.
func (e *Engine) finished(id int64, due time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.entries[id]
	if en == nil {
		return
	}
	en.running = false
	if !en.m.Enabled || en.m.Type == "push" || en.m.Type == "manual" || en.index >= 0 {
		return
	}
	now := e.now()
	iv := time.Duration(en.m.IntervalSeconds) * time.Second
	next := nextSlot(id, en.m.IntervalSeconds, due)
	if next.Sub(due) < iv/2 {
		// due was off the grid (first round, check now): skip a slot
		// that would come too soon.
		next = nextSlot(id, en.m.IntervalSeconds, next)
	}
	if !next.After(now) {
		next = nextSlot(id, en.m.IntervalSeconds, now)
	}
	if en.again {
		en.again, next = false, now
	}
	en.due = next
	heap.Push(&e.queue, en)
	e.poke()
}

// refresh keeps the scheduler's copy of a monitor's state current.
func (e *Engine) refresh(m store.Monitor) {
	if m.ID == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if en := e.entries[m.ID]; en != nil {
		e.setJob(en, m)
	}
}

// setJob stores m on the entry, parsing its configuration only when it
// changed.
func (e *Engine) setJob(en *entry, m store.Monitor) {
	if en.job.Type == "" || en.m.Config != m.Config || en.m.Type != m.Type || en.m.Target != m.Target {
		en.job = Job{Type: m.Type, Target: m.Target, Config: ParseConfig(m.Config)}
		en.host = hostOf(m.Type, m.Target)
		if e.open != nil {
			for _, p := range []*string{&en.job.Config.BasicAuthPassword, &en.job.Config.BearerToken} {
				if *p == "" {
					continue
				}
				if plain, err := e.open(*p); err == nil {
					*p = plain
				}
			}
		}
	}
	en.job.Timeout = time.Duration(m.TimeoutSeconds) * time.Second
	en.m = m
}

// sweep applies maintenance windows that began or ended and push
// deadlines that passed.
func (e *Engine) sweep(ctx context.Context) {
	now := e.now()
	type change struct {
		id    int64
		on    bool
		title string
	}
	var maint []change
	var missed []store.Monitor
	e.mu.Lock()
	for id, en := range e.entries {
		if !en.m.Enabled {
			continue
		}
		title, on := e.maintenanceLocked(id, now)
		if on != (en.m.Status == StatusMaintenance) {
			maint = append(maint, change{id, on, title})
			continue
		}
		if en.m.Type == "push" && !on && en.m.Status != StatusDown && !en.running {
			if dl, _, ok := PushDeadline(en.m, now); ok && now.After(dl) {
				en.running = true
				missed = append(missed, en.m)
			}
		}
	}
	e.mu.Unlock()
	for _, c := range maint {
		e.goMaintenance(ctx, c.id, c.on, c.title, now)
	}
	for _, m := range missed {
		_, reason, _ := PushDeadline(m, now)
		out := Outcome{Status: store.ResultDown, LatencyMS: -1, Reason: reason}
		saved, _, err := e.apply(ctx, m.ID, out, now, applyOpts{immediate: true, missed: true})
		if err != nil && ctx.Err() == nil && !errors.Is(err, store.ErrNotFound) {
			e.log.Warn("push deadline", "monitor_id", m.ID, "error", err)
		}
		e.mu.Lock()
		if en := e.entries[m.ID]; en != nil {
			en.running = false
		}
		e.mu.Unlock()
		if err == nil {
			e.refresh(saved)
		}
	}
}

// dueQueue is a min-heap of entries by due time.
type dueQueue []*entry

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *dueQueue) Push(x any) {
	en := x.(*entry)
	en.index = len(*q)
	*q = append(*q, en)
}
func (q *dueQueue) Pop() any {
	old := *q
	n := len(old)
	en := old[n-1]
	old[n-1] = nil
	en.index = -1
	*q = old[:n-1]
	return en
}
