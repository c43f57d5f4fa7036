package app

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/statuspage"
)

// hourRollup stores an hourly rollup of a monitor.
func (e *testEnv) hourRollup(mon int64, at time.Time, checksN, failures int) {
	e.t.Helper()
	e.rollup(mon, 3600, at, checksN, failures)
}

func (e *testEnv) rollup(mon int64, res int, at time.Time, checksN, failures int) {
	e.t.Helper()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT OR REPLACE INTO check_rollups(monitor_id, res, bucket, checks, failures, degraded,
			downtime_s, latency_p50) VALUES (?,?,?,?,?,0,?,100)`, mon, res, at.UnixMilli(), checksN, failures, failures*60)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) rollupMarks(minute, hour time.Time) {
	e.t.Helper()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		for res, at := range map[int]time.Time{60: minute, 3600: hour, 86400: hour.Truncate(24 * time.Hour)} {
			if _, err := tx.Exec(`INSERT INTO check_rollup_marks(res, done) VALUES (?,?)
				ON CONFLICT(res) DO UPDATE SET done=excluded.done`, res, at.UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) result(mon int64, at time.Time, status int) {
	e.t.Helper()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO check_results(monitor_id, checked_at, status, latency_ms) VALUES (?,?,?,50)`,
			mon, at.UnixMilli(), status)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// TestUptimeBarsFollowChecks builds a page whose component follows two
// monitors: each day shows the worse of them from the check data, days
// without checks say "no data", maintenance does not count as downtime,
// and incidents stay listed on their day.
func TestUptimeBarsFollowChecks(t *testing.T) {
	e := newTestEnv(t)
	ctx := context.Background()
	page, monA, comps := seedPage(e, "acme")
	monB := e.addMonitor(e.TeamID, "db health", "up")
	compID := int64(comps[0]["id"].(float64))
	e.apiJSON("PATCH", "/api/v1/components/"+id(comps[0]), map[string]any{"monitor_ids": []int64{monA, monB}}, 200)

	now := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	today := now.Truncate(24 * time.Hour)
	d3, d2 := today.AddDate(0, 0, -3), today.AddDate(0, 0, -2)
	for h := range 24 {
		at := d3.Add(time.Duration(h) * time.Hour)
		failA := 0
		if h == 5 {
			failA = 60 // one hour down: 23/24 of the day up
		}
		e.hourRollup(monA, at, 60, failA)
		e.hourRollup(monB, at, 60, 0)
		at = d2.Add(time.Duration(h) * time.Hour)
		failB := 0
		if h == 10 || h == 11 {
			failB = 60 // during maintenance
		}
		e.hourRollup(monA, at, 60, 0)
		e.hourRollup(monB, at, 60, failB)
	}
	// Minutes of the 09:00 hour the day before the maintenance day, half
	// of it in a second maintenance window that starts at 09:30.
	d4 := today.AddDate(0, 0, -4)
	e.hourRollup(monA, d4.Add(9*time.Hour), 60, 30)
	for m := range 60 {
		fail := 0
		if m >= 30 {
			fail = 1
		}
		e.rollup(monA, 60, d4.Add(9*time.Hour+time.Duration(m)*time.Minute), 1, fail)
	}
	e.rollupMarks(today, today)
	// Today from raw results: one of ten checks of B failed.
	for i := range 10 {
		st := 0
		if i == 3 {
			st = 2
		}
		e.result(monB, today.Add(time.Duration(i)*time.Minute), st)
	}
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "DB upgrade", "starts_at": d2.Add(10 * time.Hour),
		"ends_at": d2.Add(12 * time.Hour), "monitor_ids": []int64{monB}}, 201)
	e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Half hour", "starts_at": d4.Add(9*time.Hour + 30*time.Minute),
		"ends_at": d4.Add(10 * time.Hour), "component_ids": []int64{compID}}, 201)
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Slow logins",
		"component_ids": []int64{compID}, "started_at": today.Add(time.Hour)}, 201)

	db := e.srv.pages.db
	pg, err := db.Page(ctx, e.TeamID, int64(page["id"].(float64)))
	if err != nil {
		t.Fatal(err)
	}
	sn, err := db.Build(ctx, pg, now)
	if err != nil {
		t.Fatal(err)
	}
	var cs statuspage.ComponentState
	for _, c := range sn.Components {
		if c.ID == compID {
			cs = c
		}
	}
	bar := func(day time.Time) statuspage.Bar {
		for _, b := range cs.Bars {
			if b.Day.Equal(day) {
				return b
			}
		}
		t.Fatalf("no bar for %v", day)
		return statuspage.Bar{}
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.01 }
	scenarios := []struct {
		name  string
		day   time.Time
		class string
		up    float64
	}{
		{"worst monitor decides", d3, "down", 100 * 23.0 / 24},
		{"failures in maintenance do not count", d2, "up", 100},
		{"minutes in maintenance do not count", d4, "up", 100},
		{"no checks is no data", today.AddDate(0, 0, -1), "none", -1},
		{"today from raw results", today, "down", 90},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			b := bar(sc.day)
			if b.Class != sc.class || !near(b.Uptime, sc.up) {
				t.Errorf("bar %s = %s %.3f, want %s %.3f", sc.day.Format("Jan 2"), b.Class, b.Uptime, sc.class, sc.up)
			}
		})
	}
	if b := bar(today); len(b.Incidents) != 1 || b.Incidents[0] != "Slow logins" {
		t.Errorf("today's incidents = %v, want [Slow logins]", b.Incidents)
	}
	// Weighted by the hours that count: 24 h at 23/24, 22 h at 100 %, 23.5 h
	// at 100 %, 12 h at 90 %.
	want := 100 * (24*23.0/24 + 22 + 23.5 + 12*0.9) / (24 + 22 + 23.5 + 12)
	if !near(cs.Uptime, want) {
		t.Errorf("uptime %.3f, want %.3f", cs.Uptime, want)
	}
	// The component without monitors keeps following incidents.
	sn2, err := db.Build(ctx, pg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sn2.Components {
		if c.ID != compID && (c.Bars[len(c.Bars)-1].Class != "up" || c.Uptime != 100) {
			t.Errorf("component without monitors: today %+v, uptime %.2f", c.Bars[len(c.Bars)-1], c.Uptime)
		}
	}

	res, body := e.do("GET", "/status/acme", "", nil)
	if res != 200 {
		t.Fatalf("page: %d", res)
	}
	html := string(body)
	for _, s := range []string{"no data", "95.83% uptime", "incident: Slow logins"} {
		if !strings.Contains(html, s) {
			t.Errorf("page does not say %q", s)
		}
	}
	if len(body) > 100_000 {
		t.Errorf("page weighs %d bytes", len(body))
	}
}

// TestLongIDListsAreBounded sends lists that repeat one id many times
// (once held the database writer for seconds) and lists naming too many.
func TestLongIDListsAreBounded(t *testing.T) {
	e := newTestEnv(t)
	page, mon, comps := seedPage(e, "acme")
	many := make([]int64, 50000)
	for i := range many {
		many[i] = mon
	}
	c := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": "Dup", "status_page_id": page["id"],
		"monitor_ids": many}, 201)
	if ids, _ := c["monitor_ids"].([]any); len(ids) != 1 {
		t.Errorf("monitor_ids = %v, want one", c["monitor_ids"])
	}
	compID := int64(comps[0]["id"].(float64))
	repeated := make([]int64, 50000)
	for i := range repeated {
		repeated[i] = compID
	}
	in := e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Dup", "component_ids": repeated}, 201)
	if ids, _ := in["component_ids"].([]any); len(ids) != 1 {
		t.Errorf("incident component_ids = %v, want one", in["component_ids"])
	}
	m := e.apiJSON("POST", "/api/v1/maintenance", map[string]any{"title": "Dup", "starts_at": "2031-01-07T02:00:00Z",
		"ends_at": "2031-01-07T04:00:00Z", "component_ids": repeated, "monitor_ids": many}, 201)
	if ids, _ := m["component_ids"].([]any); len(ids) != 1 {
		t.Errorf("maintenance component_ids = %v, want one", m["component_ids"])
	}
	distinct := make([]int64, statuspage.MaxLinks+1)
	for i := range distinct {
		distinct[i] = int64(i + 1)
	}
	for _, req := range []struct {
		path string
		body map[string]any
	}{
		{"/api/v1/components", map[string]any{"name": "Many", "status_page_id": page["id"], "monitor_ids": distinct}},
		{"/api/v1/incidents", map[string]any{"title": "Many", "component_ids": distinct}},
		{"/api/v1/maintenance", map[string]any{"title": "Many", "starts_at": "2031-01-07T02:00:00Z",
			"ends_at": "2031-01-07T04:00:00Z", "monitor_ids": distinct}},
	} {
		if code, body := e.api("POST", req.path, req.body); code != 400 {
			t.Errorf("POST %s with %d ids = %d %s, want 400", req.path, len(distinct), code, body)
		}
	}
}

// TestDocumentsShareOneSnapshot asks for many documents of a page, some
// that do not exist and under many host names, and checks the page's
// snapshot was built once (each used to rebuild it, so requests for
// missing documents made the server redo the page's work every time).
func TestDocumentsShareOneSnapshot(t *testing.T) {
	e := newTestEnv(t)
	seedPage(e, "acme")
	db := e.srv.pages.db
	e.get("/status/acme")
	before := db.Builds.Load()
	for i, p := range []string{"", "/feed.atom", "/feed.rss", "/badge.svg", "/shields.json", "/api/v2/summary.json",
		"/incidents/999999", "/incidents/999998", "/maintenance/999999", "/components/999999/badge.svg", "/history"} {
		req, _ := http.NewRequest("GET", e.URL+"/status/acme"+p, nil)
		req.Host = fmt.Sprintf("h%d.example.test", i)
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Errorf("GET %s = %d", p, res.StatusCode)
		}
	}
	if n := db.Builds.Load() - before; n != 0 {
		t.Errorf("%d snapshots built for documents of a page already built, want 0", n)
	}
	e.apiJSON("PATCH", "/api/v1/status-pages/1", map[string]any{"title": "Renamed"}, 200)
	_, body := e.get("/status/acme/api/v2/summary.json")
	if !strings.Contains(body, "Renamed") {
		t.Errorf("after a change the page was not rebuilt: %s", body)
	}
}
