package issues

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/bitwobbly/bitwobbly/store"
)

type fixture struct {
	t    *testing.T
	st   *store.Store
	svc  *Service
	p    Project
	key  Key
	stop context.CancelFunc
	done chan struct{}
}

// newFixture opens a real store in a temp dir with a team and a project.
func newFixture(t *testing.T, cfg Config) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{t: t}
	f.open(dir, cfg)
	ctx := context.Background()
	if err := f.st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO teams (id, name, created_at) VALUES (1, 'team', 0)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	f.p, f.key, err = f.svc.CreateProject(ctx, Project{TeamID: 1, Name: "app", Platform: "go"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) open(dir string, cfg Config) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(context.Background(), dir, log, store.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.st = st
	f.svc = New(st, log, cfg)
	f.t.Cleanup(func() { f.close() })
}

func (f *fixture) start() {
	ctx, cancel := context.WithCancel(context.Background())
	f.stop, f.done = cancel, make(chan struct{})
	go func() { f.svc.Start(ctx); close(f.done) }()
}

func (f *fixture) close() {
	if f.stop != nil {
		f.stop()
		<-f.done
		f.stop = nil
	}
	if f.st != nil {
		f.st.Close()
		f.st = nil
	}
}

func (f *fixture) send(body string) string {
	f.t.Helper()
	id, err := f.svc.Accept(context.Background(), IngestRequest{ProjectID: f.p.ID, Kind: "store", Body: []byte(body),
		Auth: Auth{PublicKey: f.key.PublicKey}, ClientIP: "10.0.0.9"})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) drain() {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	rows := func() int {
		var n int
		f.st.R.QueryRow(`SELECT COUNT(*) FROM ingest_queue WHERE failed_at IS NULL`).Scan(&n)
		return n
	}
	for f.svc.QueueDepth() > 0 || rows() > 0 {
		if time.Now().After(deadline) {
			f.t.Fatalf("queue still holds %d", f.svc.QueueDepth())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) issue(id int64) Issue {
	f.t.Helper()
	i, err := f.svc.Issue(context.Background(), 1, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return i
}

func (f *fixture) alerts(kind string) int {
	var n int
	f.st.R.QueryRow(`SELECT COUNT(*) FROM alert_events WHERE kind = ?`, kind).Scan(&n)
	return n
}

func ev(id int, extra string) string {
	return fmt.Sprintf(`{"event_id":"%032x","exception":{"values":[{"type":"E","value":"boom",
		"stacktrace":{"frames":[{"module":"app","function":"run","in_app":true}]}}]}%s}`, id, extra)
}

func TestLifecycle(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	ctx := context.Background()
	f.send(ev(1, `,"release":"1.0"`))
	f.drain()
	issues, _ := f.svc.Issues(ctx, Filter{TeamID: 1})
	if len(issues) != 1 || f.alerts("issue_new") != 1 {
		t.Fatalf("issues %d, issue_new alerts %d; want 1, 1", len(issues), f.alerts("issue_new"))
	}
	id := issues[0].ID

	steps := []struct {
		name       string
		change     *Change
		event      string
		wantStatus string
		wantAlerts int // issue_regressed so far
	}{
		{"resolve", &Change{Status: "resolved"}, "", "resolved", 0},
		{"new event regresses", nil, ev(2, `,"release":"1.0"`), "unresolved", 1},
		{"resolve in next release", &Change{Status: "resolved", ResolvedInNextRelease: true}, "", "resolved", 1},
		{"event of the current release does not regress", nil, ev(3, `,"release":"1.0"`), "resolved", 1},
		{"event without release does not regress", nil, ev(4, ``), "resolved", 1},
		{"event of a new release regresses", nil, ev(5, `,"release":"1.1"`), "unresolved", 2},
		{"resolve in release 2.0", &Change{Status: "resolved", ResolvedInRelease: "2.0"}, "", "resolved", 2},
		{"event of an older release does not regress", nil, ev(6, `,"release":"1.1"`), "resolved", 2},
		{"event of the fixed release regresses", nil, ev(7, `,"release":"2.0"`), "unresolved", 3},
		{"ignore until 2 more events", &Change{Status: "ignored", IgnoreCount: 2}, "", "ignored", 3},
		{"one event keeps it ignored", nil, ev(8, ``), "ignored", 3},
		{"two more events", nil, ev(9, ``), "ignored", 3},
		{"the third wakes it", nil, ev(10, ``), "unresolved", 3},
		{"ignore until 1 more user", &Change{Status: "ignored", IgnoreUserCount: 1}, "", "ignored", 3},
		{"same user again", nil, ev(11, `,"user":{"id":"a"}`), "ignored", 3},
		{"second new user wakes it", nil, ev(12, `,"user":{"id":"b"}`), "unresolved", 3},
		{"ignore until a past time", &Change{Status: "ignored", IgnoreUntil: time.Now().Add(50 * time.Millisecond).UnixMilli()}, "", "ignored", 3},
		{"an event after the time wakes it", nil, "sleep" + ev(13, ``), "unresolved", 3},
		{"duplicate event counted once", nil, ev(13, ``), "unresolved", 3},
	}
	for _, s := range steps {
		if s.change != nil {
			if err := f.svc.UpdateIssue(ctx, 1, 0, id, *s.change); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		if s.event != "" {
			if body, ok := strings.CutPrefix(s.event, "sleep"); ok {
				time.Sleep(100 * time.Millisecond)
				s.event = body
			}
			f.send(s.event)
			f.drain()
		}
		got := f.issue(id)
		if got.Status != s.wantStatus || f.alerts("issue_regressed") != s.wantAlerts {
			t.Fatalf("%s: status %s, regressed alerts %d; want %s, %d", s.name, got.Status,
				f.alerts("issue_regressed"), s.wantStatus, s.wantAlerts)
		}
	}
	if got := f.issue(id); got.EventCount != 13 || got.UserCount != 2 {
		t.Errorf("counts = %d events, %d users; want 13, 2", got.EventCount, got.UserCount)
	}
	var payload string
	f.st.R.QueryRow(`SELECT payload FROM alert_events WHERE kind = 'issue_regressed' LIMIT 1`).Scan(&payload)
	for _, k := range []string{`"issue_id"`, `"project_name":"app"`, `"url":"/issues/`, `"event_id"`, `"release"`} {
		if !strings.Contains(payload, k) {
			t.Errorf("alert payload %s lacks %s", payload, k)
		}
	}
}

func TestMergeUnmerge(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	ctx := context.Background()
	f.send(`{"event_id":"` + strings.Repeat("1", 32) + `","message":"alpha"}`)
	f.send(`{"event_id":"` + strings.Repeat("2", 32) + `","message":"beta"}`)
	f.send(`{"event_id":"` + strings.Repeat("3", 32) + `","message":"beta"}`)
	f.drain()
	list, _ := f.svc.Issues(ctx, Filter{TeamID: 1, Sort: "events"})
	if len(list) != 2 {
		t.Fatalf("%d issues, want 2", len(list))
	}
	beta, alpha := list[0].ID, list[1].ID
	if err := f.svc.Merge(ctx, 1, 0, alpha, []int64{beta}); err != nil {
		t.Fatal(err)
	}
	if got := f.issue(alpha); got.EventCount != 3 {
		t.Errorf("merged issue has %d events, want 3", got.EventCount)
	}
	if list, _ = f.svc.Issues(ctx, Filter{TeamID: 1}); len(list) != 1 {
		t.Errorf("after merge the list shows %d issues, want 1", len(list))
	}
	f.send(`{"event_id":"` + strings.Repeat("4", 32) + `","message":"beta"}`)
	f.drain()
	if got := f.issue(alpha); got.EventCount != 4 {
		t.Errorf("a later beta event went elsewhere: %d events", got.EventCount)
	}
	hashes, _ := f.svc.Hashes(ctx, 1, alpha)
	var betaHash string
	for _, h := range hashes {
		if h.Count == 3 {
			betaHash = h.Key
		}
	}
	newID, err := f.svc.Unmerge(ctx, 1, 0, alpha, []string{betaHash})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := f.issue(alpha), f.issue(newID); a.EventCount != 1 || b.EventCount != 3 {
		t.Errorf("after unmerge: %d and %d events, want 1 and 3", a.EventCount, b.EventCount)
	}
	if _, err := f.svc.Unmerge(ctx, 1, 0, alpha, []string{"nope"}); !errors.Is(err, store.ErrConflict) &&
		!errors.Is(err, store.ErrNotFound) {
		t.Errorf("unmerging every hash: %v, want a conflict", err)
	}
}

func TestQueueSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	f := &fixture{t: t}
	f.open(dir, Config{})
	ctx := context.Background()
	f.st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO teams (id, name, created_at) VALUES (1, 'team', 0)`)
		return err
	})
	var err error
	f.p, f.key, err = f.svc.CreateProject(ctx, Project{TeamID: 1, Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		f.send(ev(100+i, ""))
	}
	// Nothing processed yet: the envelopes are only rows.
	f.close()

	g := &fixture{t: t, p: f.p, key: f.key}
	g.open(dir, Config{})
	g.start()
	if g.svc.QueueDepth() != 20 && g.svc.QueueDepth() != 0 {
		t.Errorf("queue depth after restart = %d", g.svc.QueueDepth())
	}
	g.drain()
	list, _ := g.svc.Issues(ctx, Filter{TeamID: 1})
	if len(list) != 1 || list[0].EventCount != 20 {
		t.Fatalf("after restart: %d issues, %v", len(list), list)
	}
}

func TestShedding(t *testing.T) {
	f := newFixture(t, Config{QueueMax: 3})
	for i := 0; i < 3; i++ {
		f.send(ev(200+i, ""))
	}
	_, err := f.svc.Accept(context.Background(), IngestRequest{ProjectID: f.p.ID, Kind: "store",
		Body: []byte(ev(300, "")), Auth: Auth{PublicKey: f.key.PublicKey}})
	var ie *IngestError
	if !errors.As(err, &ie) || ie.Status != http.StatusServiceUnavailable || ie.RetryAfter <= 0 {
		t.Fatalf("err = %v, want 503 with Retry-After", err)
	}
	var rows int
	f.st.R.QueryRow(`SELECT COUNT(*) FROM ingest_queue`).Scan(&rows)
	if rows != 3 {
		t.Errorf("%d queue rows, want 3 (the refused one is not stored)", rows)
	}
	f.start()
	f.drain()
	if _, err := f.svc.Accept(context.Background(), IngestRequest{ProjectID: f.p.ID, Kind: "store",
		Body: []byte(ev(301, "")), Auth: Auth{PublicKey: f.key.PublicKey}}); err != nil {
		t.Errorf("after draining: %v", err)
	}
}

func TestProjectRateLimit(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	n := 1
	f.p.RateLimit = &n
	if err := f.svc.UpdateProject(ctx, f.p); err != nil {
		t.Fatal(err)
	}
	f.send(ev(400, ""))
	_, err := f.svc.Accept(ctx, IngestRequest{ProjectID: f.p.ID, Kind: "store", Body: []byte(ev(401, "")),
		Auth: Auth{PublicKey: f.key.PublicKey}})
	var ie *IngestError
	if !errors.As(err, &ie) || ie.Status != 429 || !strings.HasSuffix(ie.RateLimits, "::project") {
		t.Fatalf("err = %+v, want 429 for the project", err)
	}
}

func TestItemsKeptForLater(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	env := "{\"event_id\":\"" + strings.Repeat("c", 32) + "\"}\n" +
		"{\"type\":\"transaction\"}\n{\"type\":\"transaction\",\"transaction\":\"/checkout\"}\n" +
		"{\"type\":\"session\"}\n{\"sid\":\"x\",\"init\":true,\"status\":\"crashed\",\"attrs\":{\"release\":\"r1\"}}\n" +
		"{\"type\":\"sessions\"}\n{\"aggregates\":[{\"started\":\"2026-12-04T10:00:00Z\",\"exited\":5,\"crashed\":1}],\"attrs\":{\"release\":\"r1\"}}\n" +
		"{\"type\":\"client_report\"}\n{\"discarded_events\":[]}\n" +
		"{\"type\":\"check_in\"}\n{\"check_in_id\":\"" + strings.Repeat("d", 32) + "\",\"status\":\"ok\"}\n" +
		"{\"type\":\"attachment\",\"length\":5,\"filename\":\"a.txt\"}\nhello\n" +
		"{\"type\":\"feedback\"}\n{\"contexts\":{\"feedback\":{\"message\":\"great\"}}}\n" +
		"{\"type\":\"something_new\"}\n{}\n"
	if _, err := f.svc.Accept(context.Background(), IngestRequest{ProjectID: f.p.ID, Kind: "envelope",
		Body: []byte(env), Auth: Auth{PublicKey: f.key.PublicKey}}); err != nil {
		t.Fatal(err)
	}
	f.drain()
	rows, err := f.st.R.Query(`SELECT type FROM envelope_items ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	rows.Close()
	want := "transaction session sessions client_report check_in attachment feedback"
	if strings.Join(got, " ") != want {
		t.Errorf("kept %q, want %q", got, want)
	}
	rel, _ := f.svc.ReleaseHealth(context.Background(), 1, f.p.ID, 10)
	if len(rel) != 1 || rel[0].Started != 7 || rel[0].Crashed != 2 {
		t.Errorf("release health = %+v, want 7 sessions, 2 crashed", rel)
	}
}

func TestWakeIgnored(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	ctx := context.Background()
	f.send(ev(500, ""))
	f.drain()
	list, _ := f.svc.Issues(ctx, Filter{TeamID: 1})
	id := list[0].ID
	if err := f.svc.UpdateIssue(ctx, 1, 0, id, Change{Status: "ignored", IgnoreUntil: store.Now() + 30}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.svc.WakeIgnored(ctx); n != 0 || f.issue(id).Status != "ignored" {
		t.Fatalf("woke %d before the time", n)
	}
	time.Sleep(60 * time.Millisecond)
	if n, err := f.svc.WakeIgnored(ctx); n != 1 || err != nil || f.issue(id).Status != "unresolved" {
		t.Fatalf("woke %d (%v), status %s", n, err, f.issue(id).Status)
	}
}

func TestPrune(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	old := time.Now().Add(-31 * 24 * time.Hour).UnixMilli()
	f.st.Write(ctx, func(tx *sql.Tx) error {
		for _, at := range []int64{old, store.Now()} {
			if _, err := tx.Exec(`INSERT INTO envelope_items (team_id, project_id, type, received_at, data)
				VALUES (1, ?, 'transaction', ?, x'00')`, f.p.ID, at); err != nil {
				return err
			}
		}
		return nil
	})
	if n, err := f.svc.Prune(ctx); n != 1 || err != nil {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	var left int
	f.st.R.QueryRow(`SELECT COUNT(*) FROM envelope_items`).Scan(&left)
	if left != 1 {
		t.Errorf("%d items left, want the recent one", left)
	}
}

func TestScrubbingPerProject(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	ctx := context.Background()
	body := func(id int) string {
		return fmt.Sprintf(`{"event_id":"%032x","message":"m","extra":{"password":"hunter2","iban":"DE00 1234"}}`, id)
	}
	tests := []struct {
		name        string
		scrub       bool
		fields      []string
		keep, leave []string
	}{
		{"default", true, nil, []string{"DE00 1234"}, []string{"hunter2"}},
		{"extra field", true, []string{"IBAN"}, nil, []string{"hunter2", "DE00 1234"}},
		{"off", false, nil, []string{"hunter2", "DE00 1234"}, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.p.ScrubData, f.p.ScrubFields = tt.scrub, tt.fields
			if err := f.svc.UpdateProject(ctx, f.p); err != nil {
				t.Fatal(err)
			}
			id := f.send(body(600 + i))
			f.drain()
			ev, _, err := f.svc.Event(ctx, 1, id)
			if err != nil {
				t.Fatal(err)
			}
			extra := fmt.Sprint(ev.Extra)
			for _, k := range tt.keep {
				if !strings.Contains(extra, k) {
					t.Errorf("%q scrubbed from %s", k, extra)
				}
			}
			for _, l := range tt.leave {
				if strings.Contains(extra, l) {
					t.Errorf("%q kept in %s", l, extra)
				}
			}
		})
	}
}

func TestSessionUpdatesCountedOnce(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	sess := func(body string) string {
		return "{}\n{\"type\":\"session\"}\n" + body + "\n"
	}
	at := "\"started\":\"2026-12-04T10:00:00Z\",\"attrs\":{\"release\":\"r2\",\"environment\":\"prod\"}"
	bodies := []string{
		// a: ok with errors, then exits: one errored session.
		sess(`{"sid":"a","init":true,"status":"ok","errors":0,` + at + `}`),
		sess(`{"sid":"a","status":"ok","errors":2,` + at + `}`),
		sess(`{"sid":"a","status":"exited","errors":2,` + at + `}`),
		// b: healthy all along.
		sess(`{"sid":"b","init":true,"status":"ok",` + at + `}`),
		sess(`{"sid":"b","status":"exited",` + at + `}`),
		// c: errored, then crashed: counted as crashed only.
		sess(`{"sid":"c","init":true,"status":"ok","errors":1,` + at + `}`),
		sess(`{"sid":"c","status":"crashed","errors":1,` + at + `}`),
		sess(`{"sid":"c","status":"crashed","errors":1,` + at + `}`),
		// d: abnormal.
		sess(`{"sid":"d","init":true,"status":"abnormal",` + at + `}`),
		// aggregates: 3 exited, 2 errored, 1 crashed.
		"{}\n{\"type\":\"sessions\"}\n{\"aggregates\":[{\"started\":\"2026-12-04T10:00:00Z\",\"exited\":3,\"errored\":2,\"crashed\":1}],\"attrs\":{\"release\":\"r2\"}}\n",
	}
	for _, b := range bodies {
		if _, err := f.svc.Accept(context.Background(), IngestRequest{ProjectID: f.p.ID, Kind: "envelope",
			Body: []byte(b), Auth: Auth{PublicKey: f.key.PublicKey}}); err != nil {
			t.Fatal(err)
		}
		f.drain()
	}
	rel, err := f.svc.ReleaseHealth(context.Background(), 1, f.p.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := ReleaseStat{Release: "r2", Started: 10, Errored: 3, Crashed: 2, Abnormal: 1}
	if len(rel) != 1 || rel[0] != want {
		t.Errorf("release health = %+v, want %+v", rel, want)
	}
}

// A prepared envelope keeps what it will write, not its decompressed
// body: a batch of envelopes with large attachments must not hold every
// body until the batch is written.
func TestPreparedItemsDoNotHoldBody(t *testing.T) {
	f := newFixture(t, Config{})
	for _, typ := range []string{"attachment", "transaction", "client_report", "session"} {
		t.Run(typ, func(t *testing.T) {
			body := []byte("{}\n{\"type\":\"" + typ + "\"}\n{\"a\":\"" + strings.Repeat("x", 1<<20) + "\"}\n")
			held := weak.Make(&body[0])
			steps, err := f.svc.prepare(f.p, queued{ID: 1, ProjectID: f.p.ID, Kind: "envelope"}, body)
			if err != nil || len(steps) != 1 {
				t.Fatalf("prepare: %d steps, err %v", len(steps), err)
			}
			body = nil
			runtime.GC()
			runtime.GC()
			if held.Value() != nil {
				t.Errorf("the prepared %s step still holds the envelope body", typ)
			}
			runtime.KeepAlive(steps)
		})
	}
}
