package notify_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
	"github.com/bitwobbly/bitwobbly/app/notify/pagerduty"
	"github.com/bitwobbly/bitwobbly/app/notify/webhook"
	"github.com/bitwobbly/bitwobbly/app/secrets"
	"github.com/bitwobbly/bitwobbly/store"
)

type fixture struct {
	t      testing.TB
	st     *store.Store
	eng    *notify.Engine
	reg    *prometheus.Registry
	teamID int64
}

// newFixture runs an engine over a fresh database with short timings.
func newFixture(t testing.TB, attempts int) *fixture {
	t.Helper()
	return newFixtureTimeout(t, attempts, time.Second)
}

// newFixtureTimeout is newFixture with another HTTP timeout per attempt.
func newFixtureTimeout(t testing.TB, attempts int, timeout time.Duration) *fixture {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), dir, log, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	box, _ := secrets.New(bytes.Repeat([]byte{9}, 32))
	env := notifytest.Env()
	env.HTTP = env.Guard.Client(timeout)
	reg := prometheus.NewRegistry()
	eng := notify.New(st, log, box, env, []notify.Type{webhook.Type, pagerduty.Type}, notify.Options{
		Attempts: attempts, Workers: 4, Registry: reg, BaseURL: "https://bw.example.com"})
	eng.SetTiming(5*time.Millisecond, 40*time.Millisecond, 300*time.Millisecond, 10*time.Millisecond)
	_, team, err := st.CreateOwner(context.Background(), "o@example.com", "", "x", "Team")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { eng.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; st.Close() })
	return &fixture{t: t, st: st, eng: eng, reg: reg, teamID: team.ID}
}

func (f *fixture) channel(typ string, cfg map[string]any) notify.Channel {
	f.t.Helper()
	ch, err := f.eng.SaveChannel(context.Background(), notify.Channel{TeamID: f.teamID, Name: typ, Type: typ,
		Config: cfg, Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return ch
}

func (f *fixture) rule(r notify.Rule) notify.Rule {
	f.t.Helper()
	r.TeamID, r.Enabled = f.teamID, true
	if r.Name == "" {
		r.Name = r.Trigger
	}
	saved, err := f.eng.SaveRule(context.Background(), r)
	if err != nil {
		f.t.Fatal(err)
	}
	return saved
}

// monitor inserts a monitor row and returns its id.
func (f *fixture) monitor(name, status string) int64 {
	f.t.Helper()
	var id int64
	err := f.st.Write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO monitors(team_id, name, type, status, created_at, updated_at)
			VALUES (?, ?, 'http', ?, 1, 1)`, f.teamID, name, status)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// event writes an alert event as the monitoring and issues code does.
func (f *fixture) event(kind string, monitorID int64, payload map[string]any) {
	f.t.Helper()
	raw, _ := json.Marshal(payload)
	err := f.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO alert_events(team_id, kind, monitor_id, issue_id, project_id, payload, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, f.teamID, kind, nullable(monitorID), nullable(int64(num(payload["issue_id"]))),
			nullable(int64(num(payload["project_id"]))), string(raw), time.Now().UnixMilli())
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	f.eng.Poke()
}

func num(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func down(id int64, name string, tags ...string) map[string]any {
	return map[string]any{"monitor_id": id, "monitor_name": name, "monitor_type": "http", "status": "down",
		"previous_status": "up", "reason": "connection refused", "tags": tags, "target": "https://x.example"}
}

func up(id int64, name string) map[string]any {
	return map[string]any{"monitor_id": id, "monitor_name": name, "status": "up", "previous_status": "down",
		"reason": "200 OK"}
}

// eventually waits for cond, failing after a generous cap.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (f *fixture) deliveries(channelID int64) []notify.Delivery {
	f.t.Helper()
	ds, err := f.eng.Deliveries(context.Background(), notify.DeliveryQuery{TeamID: f.teamID, ChannelID: channelID,
		Limit: 500, WithAttempts: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return ds
}

func (f *fixture) settled(channelID int64, n int) []notify.Delivery {
	f.t.Helper()
	var ds []notify.Delivery
	eventually(f.t, "deliveries to settle", func() bool {
		ds = f.deliveries(channelID)
		if len(ds) < n {
			return false
		}
		for _, d := range ds {
			if d.Status == "pending" {
				return false
			}
		}
		return true
	})
	return ds
}

func (f *fixture) unprocessed() int {
	var n int
	f.st.R.QueryRow("SELECT COUNT(*) FROM alert_events WHERE processed_at IS NULL").Scan(&n)
	return n
}

// hookMock is a webhook receiver that answers with the next scripted
// status (200 when the script is used up) and keeps what it got.
type hookMock struct {
	*httptest.Server
	mu     sync.Mutex
	script []func(w http.ResponseWriter)
	got    []notifytest.Request
	ids    map[string]int
}

func newHookMock(t testing.TB, script ...func(w http.ResponseWriter)) *hookMock {
	m := &hookMock{script: script, ids: map[string]int{}}
	var rec notifytest.Recorder
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		m.mu.Lock()
		m.got = append(m.got, req)
		var step func(w http.ResponseWriter)
		if len(m.script) > 0 {
			step, m.script = m.script[0], m.script[1:]
		}
		if step == nil {
			m.ids[r.Header.Get("webhook-id")]++
		}
		m.mu.Unlock()
		if step != nil {
			step(w)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *hookMock) bodies(t *testing.T) []map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []map[string]any
	for _, r := range m.got {
		out = append(out, r.JSON(t))
	}
	return out
}

func status(code int) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { w.WriteHeader(code) }
}

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestEventsAreHandedOffOnceAndDelivered(t *testing.T) {
	f := newFixture(t, 5)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	other := f.channel("webhook", map[string]any{"url": mock.URL + "/2", "secret": secret})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID, other.ID}, StormLimit: 100})
	a, b := f.monitor("A", "down"), f.monitor("B", "down")
	f.event("monitor_down", a, down(a, "A"))
	f.event("monitor_down", b, down(b, "B"))
	f.event("monitor_degraded", b, down(b, "B")) // no rule for it

	for _, id := range []int64{ch.ID, other.ID} {
		ds := f.settled(id, 2)
		if len(ds) != 2 {
			t.Fatalf("channel %d: %d deliveries, want 2", id, len(ds))
		}
		for _, d := range ds {
			if d.Status != "sent" || d.Attempts != 1 || len(d.Log) != 1 || d.Log[0].StatusCode != 200 {
				t.Errorf("delivery %+v, want sent in one attempt", d)
			}
		}
	}
	if n := f.unprocessed(); n != 0 {
		t.Errorf("%d alert events left unprocessed", n)
	}
	if got := counter(t, f.reg, "bitwobbly_notifications_sent_total"); got != 4 {
		t.Errorf("bitwobbly_notifications_sent_total = %v, want 4", got)
	}
	titles := map[string]bool{}
	for _, b := range mock.bodies(t) {
		titles[b["title"].(string)] = true
		if !strings.HasPrefix(b["url"].(string), "https://bw.example.com/monitors/") {
			t.Errorf("url = %v", b["url"])
		}
	}
	if !titles["A is down"] || !titles["B is down"] || len(titles) != 2 {
		t.Errorf("titles %v", titles)
	}
}

func counter(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

func TestRetriesThenSucceeds(t *testing.T) {
	scenarios := []struct {
		name   string
		script []func(w http.ResponseWriter)
	}{
		{"500s", []func(http.ResponseWriter){status(500), status(503)}},
		{"429 with Retry-After", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0.05")
			w.WriteHeader(http.StatusTooManyRequests)
		}}},
		{"timeout", []func(http.ResponseWriter){func(w http.ResponseWriter) { time.Sleep(1500 * time.Millisecond) }}},
		{"connection cut", []func(http.ResponseWriter){func(w http.ResponseWriter) {
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
		}}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			f := newFixture(t, 5)
			mock := newHookMock(t, sc.script...)
			ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
			f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}})
			id := f.monitor("A", "down")
			f.event("monitor_down", id, down(id, "A"))
			ds := f.settled(ch.ID, 1)
			d := ds[0]
			want := len(sc.script) + 1
			if d.Status != "sent" || d.Attempts != want || len(d.Log) != want {
				t.Fatalf("got %s after %d attempts (%d logged), want sent after %d", d.Status, d.Attempts, len(d.Log), want)
			}
			if d.Log[0].Error == "" {
				t.Errorf("first attempt has no error in the log: %+v", d.Log[0])
			}
			mock.mu.Lock()
			defer mock.mu.Unlock()
			if len(mock.ids) != 1 {
				t.Errorf("mock accepted %d distinct ids, want 1", len(mock.ids))
			}
		})
	}
}

func TestBadAnswersFailClearly(t *testing.T) {
	huge := strings.Repeat("x", 5<<20)
	scenarios := []struct {
		name     string
		typ      string
		script   func(w http.ResponseWriter)
		status   string
		attempts int
		errLike  string
	}{
		{"401 is permanent", "webhook", status(401), "failed", 1, "401"},
		{"redirect is refused", "webhook", func(w http.ResponseWriter) {
			w.Header().Set("Location", "http://169.254.169.254/")
			w.WriteHeader(http.StatusFound)
		}, "failed", 1, "redirect"},
		{"always 500 gives up", "webhook", status(500), "failed", 3, "500"},
		{"html to pagerduty", "pagerduty", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html><body>Gateway</body></html>"))
		}, "failed", 3, "status success"},
		{"huge 500 answer", "webhook", func(w http.ResponseWriter) {
			w.WriteHeader(500)
			io.WriteString(w, huge)
		}, "failed", 3, "500"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			f := newFixture(t, 3)
			steps := []func(http.ResponseWriter){sc.script, sc.script, sc.script, sc.script}
			mock := newHookMock(t, steps...)
			cfg := map[string]any{"url": mock.URL, "secret": secret}
			if sc.typ == "pagerduty" {
				cfg = map[string]any{"routing_key": "R0123456789ABCDEF0123456789ABCDE", "api_url": mock.URL}
			}
			ch := f.channel(sc.typ, cfg)
			f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}})
			id := f.monitor("A", "down")
			f.event("monitor_down", id, down(id, "A"))
			d := f.settled(ch.ID, 1)[0]
			if d.Status != sc.status || d.Attempts != sc.attempts || !strings.Contains(d.LastError, sc.errLike) {
				t.Fatalf("got %s after %d attempts, error %q; want %s after %d mentioning %q", d.Status, d.Attempts,
					d.LastError, sc.status, sc.attempts, sc.errLike)
			}
			for _, a := range d.Log {
				if len(a.Response) > 600 {
					t.Errorf("attempt log keeps %d bytes of the answer", len(a.Response))
				}
			}
		})
	}
}

func TestUnreachableChannelDoesNotBlockOthers(t *testing.T) {
	f := newFixture(t, 2)
	var script []func(http.ResponseWriter)
	for i := 0; i < 40; i++ {
		script = append(script, func(w http.ResponseWriter) { time.Sleep(1500 * time.Millisecond) })
	}
	slow := newHookMock(t, script...)
	good := newHookMock(t)
	dead := f.channel("webhook", map[string]any{"url": "http://127.0.0.1:1/nothing", "secret": secret})
	s := f.channel("webhook", map[string]any{"url": slow.URL, "secret": secret})
	g := f.channel("webhook", map[string]any{"url": good.URL, "secret": secret})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{dead.ID, s.ID, g.ID}, StormLimit: 0})
	for i := 0; i < 20; i++ {
		id := f.monitor("M", "down")
		f.event("monitor_down", id, down(id, "M"))
	}
	ds := f.settled(g.ID, 20)
	for _, d := range ds {
		if d.Status != "sent" {
			t.Fatalf("good channel delivery %d is %s: %s", d.ID, d.Status, d.LastError)
		}
	}
	pending := 0
	for _, d := range f.deliveries(s.ID) {
		if d.Status == "pending" {
			pending++
		}
	}
	if pending == 0 {
		t.Errorf("the slow channel drained as fast as the good one: the test proves nothing")
	}
	dd := f.settled(dead.ID, 20)
	if dd[0].Status != "failed" || !strings.Contains(dd[0].LastError, "could not reach") {
		t.Errorf("unreachable: %s %q", dd[0].Status, dd[0].LastError)
	}
}

// TestHangingChannelsCannotHoldEveryWorker: with as many channels hanging
// (answering only when the test ends) as it takes to fill the pool at two
// deliveries each, a healthy channel is still served at once.
func TestHangingChannelsCannotHoldEveryWorker(t *testing.T) {
	f := newFixtureTimeout(t, 2, time.Minute)
	release := make(chan struct{})
	hang := func(w http.ResponseWriter) { <-release }
	var script []func(http.ResponseWriter)
	for i := 0; i < 20; i++ {
		script = append(script, hang)
	}
	h1, h2 := newHookMock(t, script...), newHookMock(t, script...)
	t.Cleanup(func() { close(release) })
	good := newHookMock(t)
	c1 := f.channel("webhook", map[string]any{"url": h1.URL, "secret": secret})
	c2 := f.channel("webhook", map[string]any{"url": h2.URL, "secret": secret})
	g := f.channel("webhook", map[string]any{"url": good.URL, "secret": secret})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{c1.ID, c2.ID, g.ID}, StormLimit: 0})
	for i := 0; i < 6; i++ {
		id := f.monitor("M", "down")
		f.event("monitor_down", id, down(id, "M"))
	}
	ds := f.settled(g.ID, 6)
	for _, d := range ds {
		if d.Status != "sent" {
			t.Fatalf("healthy channel delivery %d is %s: %s", d.ID, d.Status, d.LastError)
		}
	}
	h1.mu.Lock()
	hung := len(h1.got)
	h1.mu.Unlock()
	if hung == 0 {
		t.Errorf("no delivery reached the hanging channel: the test proves nothing")
	}
}
