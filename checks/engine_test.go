package checks

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

type engineEnv struct {
	t      testing.TB
	st     *store.Store
	teamID int64
	eng    *Engine
	cancel context.CancelFunc
	done   chan struct{}
}

func newEngineEnv(t testing.TB) *engineEnv {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), t.TempDir(), log, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, team, err := st.CreateOwner(context.Background(), "o@example.com", "", "x", "T")
	if err != nil {
		t.Fatal(err)
	}
	return &engineEnv{t: t, st: st, teamID: team.ID}
}

func (e *engineEnv) start(o Options) {
	if o.Tick == 0 {
		o.Tick = 100 * time.Millisecond
	}
	e.eng = NewEngine(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go func() { e.eng.Run(ctx); close(e.done) }()
	e.t.Cleanup(e.stop)
}

func (e *engineEnv) stop() {
	if e.cancel != nil {
		e.cancel()
		<-e.done
		e.cancel = nil
	}
}

func (e *engineEnv) monitor(name, url string, ft int) int64 {
	e.t.Helper()
	m, err := e.st.CreateMonitor(context.Background(), store.Monitor{TeamID: e.teamID, Name: name, Type: "http",
		Target: url, Config: ConfigJSON(Config{Method: "GET", MaxRedirects: 10}), IntervalSeconds: 3600,
		TimeoutSeconds: 2, FailureThreshold: ft, RecoveryThreshold: 1, Enabled: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return m.ID
}

func (e *engineEnv) get(id int64) store.Monitor {
	m, err := e.st.MonitorByIDAnyTeam(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *engineEnv) waitChecked(id int64, n int) store.Monitor {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var c int
		e.st.R.QueryRow(`SELECT COUNT(*) FROM check_results WHERE monitor_id = ?`, id).Scan(&c)
		if c >= n {
			return e.get(id)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("monitor %d: fewer than %d results", id, n)
	return store.Monitor{}
}

func TestEngineBusyStoreIsNeverDown(t *testing.T) {
	e := newEngineEnv(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer target.Close()
	id := e.monitor("a", target.URL, 1)
	e.start(Options{})
	e.eng.Reload(context.Background(), id)
	if m := e.waitChecked(id, 1); m.Status != StatusUp {
		t.Fatalf("status %s", m.Status)
	}

	release := make(chan struct{})
	blocked := make(chan struct{})
	go e.st.Write(context.Background(), func(tx *sql.Tx) error {
		close(blocked)
		<-release
		return nil
	})
	<-blocked
	for i := 0; i < 3; i++ {
		e.eng.CheckNow(id)
		time.Sleep(300 * time.Millisecond)
	}
	close(release)
	m := e.waitChecked(id, 2)
	var downs int
	e.st.R.QueryRow(`SELECT COUNT(*) FROM check_results WHERE monitor_id = ? AND status = 2`, id).Scan(&downs)
	if m.Status != StatusUp || downs != 0 {
		t.Errorf("after a busy store: status %s, %d down results", m.Status, downs)
	}
}

func TestEngineRestartKeepsStreaksAndSpreads(t *testing.T) {
	e := newEngineEnv(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
	}))
	defer target.Close()
	id := e.monitor("a", target.URL, 3)
	e.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE monitors SET status = 'up', confirm_recheck = 0 WHERE id = ?`, id)
		return err
	})
	e.start(Options{})
	e.eng.Reload(context.Background(), id)
	e.waitChecked(id, 1)
	e.eng.CheckNow(id)
	m := e.waitChecked(id, 2)
	if m.Status != StatusUp || m.FailStreak != 2 {
		t.Fatalf("after two failures: %s streak %d", m.Status, m.FailStreak)
	}
	e.stop()

	e.start(Options{})
	time.Sleep(200 * time.Millisecond)
	e.eng.mu.Lock()
	due := e.eng.entries[id].due
	e.eng.mu.Unlock()
	if time.Until(due) < 0 || time.Until(due) > time.Hour {
		t.Errorf("after restart, due in %s; want on its slot within the interval", time.Until(due))
	}
	e.eng.CheckNow(id)
	if m := e.waitChecked(id, 3); m.Status != StatusDown {
		t.Errorf("third failure across a restart: %s streak %d", m.Status, m.FailStreak)
	}
}

func TestEngineLimits(t *testing.T) {
	e := newEngineEnv(t)
	var mu sync.Mutex
	inFlight, peak := map[string]int{}, map[string]int{}
	var total atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		mu.Lock()
		inFlight[key]++
		inFlight["all"]++
		peak[key] = max(peak[key], inFlight[key])
		peak["all"] = max(peak["all"], inFlight["all"])
		mu.Unlock()
		time.Sleep(150 * time.Millisecond)
		mu.Lock()
		inFlight[key]--
		inFlight["all"]--
		mu.Unlock()
		total.Add(1)
	}))
	defer target.Close()
	var ids []int64
	for i := 0; i < 6; i++ {
		ids = append(ids, e.monitor(fmt.Sprint(i), fmt.Sprintf("%s/m%d", target.URL, i), 1))
	}
	e.start(Options{Concurrency: 10, PerHost: 2})
	for round := 0; round < 3; round++ {
		for _, id := range ids {
			e.eng.CheckNow(id)
		}
		time.Sleep(60 * time.Millisecond)
	}
	deadline := time.Now().Add(10 * time.Second)
	for total.Load() < 6 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if peak["all"] > 2 {
		t.Errorf("per-host limit 2, but %d checks ran at once", peak["all"])
	}
	for i := 0; i < 6; i++ {
		if p := peak[fmt.Sprintf("/m%d", i)]; p > 1 {
			t.Errorf("monitor %d had %d checks in flight", i, p)
		}
	}
}

func TestRollupsAndUptime(t *testing.T) {
	e := newEngineEnv(t)
	id := e.monitor("a", "http://127.0.0.1:1/", 1)
	base := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	err := e.st.Write(context.Background(), func(tx *sql.Tx) error {
		for i := 0; i < 36*60; i++ {
			status, latency := store.ResultUp, int64(10+i%10)
			if i >= 600 && i < 630 {
				status, latency = store.ResultDown, -1
			}
			r := store.CheckResult{MonitorID: id, CheckedAt: base.Add(time.Duration(i) * time.Minute).UnixMilli(),
				Status: status, LatencyMS: latency}
			if err := store.InsertResult(context.Background(), tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := NewRollups(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.st.SetRollupMark(context.Background(), ResMinute, base.UnixMilli())
	now := base.Add(36 * time.Hour)
	r.now = func() time.Time { return now }
	for i := 0; i < 10; i++ {
		if err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	days, _ := e.st.Rollups(context.Background(), id, ResDay, base.UnixMilli(), now.UnixMilli())
	if len(days) != 1 || days[0].Checks != 1440 || days[0].Failures != 30 || days[0].DowntimeS != 30*60 {
		t.Fatalf("day rollup: %+v", days)
	}
	if days[0].LatencyP50 < 10 || days[0].LatencyP50 > 19 || days[0].LatencyMax != 19 {
		t.Errorf("day latency: %+v", days[0])
	}
	scenarios := []struct {
		from, to time.Time
		checks   int
		failures int
	}{
		{base, base.Add(24 * time.Hour), 1440, 30},
		{base.Add(10 * time.Hour), base.Add(11 * time.Hour), 60, 30},
		{base.Add(9*time.Hour + 59*time.Minute), base.Add(10*time.Hour + 2*time.Minute), 3, 2},
		{base, now, 36 * 60, 30},
		{base.Add(-48 * time.Hour), base, 0, 0},
	}
	for _, sc := range scenarios {
		u, err := r.Uptime(context.Background(), id, sc.from, sc.to)
		if err != nil {
			t.Fatal(err)
		}
		if u.Checks != sc.checks || u.Failures != sc.failures {
			t.Errorf("uptime %s..%s: %d checks %d failures, want %d and %d", sc.from, sc.to, u.Checks,
				u.Failures, sc.checks, sc.failures)
		}
	}
	if p := (Uptime{Checks: 1440, Failures: 30}).Percent(); p < 97.9 || p > 98 {
		t.Errorf("percent = %v", p)
	}
}

func TestCertificateExpiringOncePerDay(t *testing.T) {
	e := newEngineEnv(t)
	m, err := e.st.CreateMonitor(context.Background(), store.Monitor{TeamID: e.teamID, Name: "cert", Type: "tls",
		Target: "shop.example:443", Config: ConfigJSON(Config{CertWarnDays: intPtr(14)}), IntervalSeconds: 3600,
		TimeoutSeconds: 5, FailureThreshold: 1, RecoveryThreshold: 1, Enabled: true, Tags: []string{"shop"}})
	if err != nil {
		t.Fatal(err)
	}
	e.start(Options{})
	now := time.Now()
	cert := &CertInfo{Subject: "CN=shop.example", NotAfter: now.Add(5*24*time.Hour + time.Hour)}
	out := Outcome{Status: store.ResultDegraded, LatencyMS: 3, Reason: "expires in 5 days", Cert: cert}
	for _, at := range []time.Time{now, now.Add(time.Hour), now.Add(23 * time.Hour), now.Add(25 * time.Hour)} {
		if _, _, err := e.eng.apply(context.Background(), m.ID, out, at, applyOpts{}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	var payload string
	e.st.R.QueryRow(`SELECT COUNT(*), MAX(payload) FROM alert_events WHERE kind = 'certificate_expiring'`).Scan(&n, &payload)
	if n != 2 {
		t.Errorf("certificate_expiring events: %d, want 2 (one per day)", n)
	}
	for _, want := range []string{`"days_left":5`, `"expires_at":`, `"monitor_name":"cert"`, `"tags":["shop"]`} {
		if !strings.Contains(payload, want) {
			t.Errorf("payload %s lacks %s", payload, want)
		}
	}
}

func TestEngineHeartbeatMissed(t *testing.T) {
	e := newEngineEnv(t)
	created := time.Now().Add(-time.Hour)
	m, err := e.st.CreateMonitor(context.Background(), store.Monitor{TeamID: e.teamID, Name: "backup", Type: "push",
		Config: ConfigJSON(Config{GraceSeconds: 60}), IntervalSeconds: 600, TimeoutSeconds: 5, FailureThreshold: 3,
		RecoveryThreshold: 1, Enabled: true, PushToken: "tok-backup-123"})
	if err != nil {
		t.Fatal(err)
	}
	var now atomic.Int64
	now.Store(created.Add(5 * time.Minute).UnixMilli())
	clock := func() time.Time { return time.UnixMilli(now.Load()) }
	e.eng = NewEngine(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: clock})
	e.eng.load(context.Background())
	e.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE monitors SET created_at = ? WHERE id = ?`, created.UnixMilli(), m.ID)
		return err
	})
	e.eng.load(context.Background())

	if _, err := e.eng.Push(context.Background(), "tok-backup-123", PushInput{LatencyMS: -1}); err != nil {
		t.Fatal(err)
	}
	pinged := clock()
	steps := []struct {
		after time.Duration
		want  string
	}{
		{10 * time.Minute, StatusUp},
		{11*time.Minute - time.Second, StatusUp},
		{11*time.Minute + time.Second, StatusDown},
		{30 * time.Minute, StatusDown},
	}
	for _, st := range steps {
		now.Store(pinged.Add(st.after).UnixMilli())
		e.eng.sweep(context.Background())
		if got := e.get(m.ID).Status; got != st.want {
			t.Errorf("%s after the ping: %s, want %s", st.after, got, st.want)
		}
	}
	var kinds []string
	rows, _ := e.st.R.Query(`SELECT kind FROM alert_events WHERE monitor_id = ? ORDER BY id`, m.ID)
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	rows.Close()
	if got := strings.Join(kinds, ","); got != KindMissed {
		t.Errorf("alert events %s, want one %s", got, KindMissed)
	}
	if _, err := e.eng.Push(context.Background(), "no-such-token", PushInput{}); err != store.ErrNotFound {
		t.Errorf("unknown token: %v", err)
	}
}

// A certificate from a chain that failed verification is recorded for the
// monitor page but sends no certificate_expiring.
func TestUnverifiedCertificateSendsNoExpiring(t *testing.T) {
	e := newEngineEnv(t)
	m, err := e.st.CreateMonitor(context.Background(), store.Monitor{TeamID: e.teamID, Name: "cert", Type: "tls",
		Target: "shop.example:443", Config: ConfigJSON(Config{CertWarnDays: intPtr(14)}), IntervalSeconds: 3600,
		TimeoutSeconds: 5, FailureThreshold: 1, RecoveryThreshold: 1, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	e.start(Options{})
	cert := &CertInfo{Subject: "CN=shop.example", NotAfter: time.Now().Add(5*24*time.Hour + time.Hour)}
	out := Outcome{Status: store.ResultDown, LatencyMS: 3, Reason: "TLS: certificate is not trusted", Cert: cert,
		CertUnverified: true}
	if _, _, err := e.eng.apply(context.Background(), m.ID, out, time.Now(), applyOpts{}); err != nil {
		t.Fatal(err)
	}
	var n int
	e.st.R.QueryRow(`SELECT COUNT(*) FROM alert_events WHERE kind = 'certificate_expiring'`).Scan(&n)
	if n != 0 {
		t.Errorf("certificate_expiring events for an untrusted chain: %d, want 0", n)
	}
	got, err := e.st.MonitorByID(context.Background(), e.teamID, m.ID)
	if err != nil || !strings.Contains(got.CertInfo, "shop.example") {
		t.Errorf("certificate not recorded: %q %v", got.CertInfo, err)
	}
}

// TestRetainKeepsRollups400Days deletes raw results past the retention but
// keeps minute, hourly and daily rollups for 400 days.
func TestRetainKeepsRollups400Days(t *testing.T) {
	e := newEngineEnv(t)
	id := e.monitor("a", "http://127.0.0.1:1/", 1)
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	ctx := context.Background()
	at := func(d time.Duration) int64 { return now.Add(-d).UnixMilli() }
	err := e.st.Write(ctx, func(tx *sql.Tx) error {
		return store.InsertResult(ctx, tx, store.CheckResult{MonitorID: id, CheckedAt: at(30 * 24 * time.Hour),
			Status: store.ResultUp, LatencyMS: 5})
	})
	if err != nil {
		t.Fatal(err)
	}
	var rs []store.Rollup
	for _, res := range []int{ResMinute, ResHour, ResDay} {
		rs = append(rs,
			store.Rollup{MonitorID: id, Res: res, Bucket: at(30 * 24 * time.Hour), Checks: 1},
			store.Rollup{MonitorID: id, Res: res, Bucket: at(401 * 24 * time.Hour), Checks: 1})
	}
	if err := e.st.UpsertRollups(ctx, rs); err != nil {
		t.Fatal(err)
	}
	r := NewRollups(e.st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.now = func() time.Time { return now }
	if err := r.Retain(ctx, 14*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	results, _ := e.st.Results(ctx, id, 0, now.UnixMilli(), 0, 10)
	if len(results) != 0 {
		t.Errorf("a 30-day-old raw result survived a 14-day retention: %+v", results)
	}
	for _, res := range []int{ResMinute, ResHour, ResDay} {
		got, _ := e.st.Rollups(ctx, id, res, 0, now.UnixMilli())
		if len(got) != 1 || got[0].Bucket != at(30*24*time.Hour) {
			t.Errorf("res %d: rollups %+v, want only the 30-day-old one", res, got)
		}
	}
}
