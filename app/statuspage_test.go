package app

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bitwobbly/bitwobbly/store"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files under testdata/")

// addMonitor inserts a monitor row directly (the monitoring area owns the
// real API) with a status.
func (e *testEnv) addMonitor(teamID int64, name, status string) int64 {
	e.t.Helper()
	var id int64
	now := store.Now()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO monitors(team_id, name, type, target, status, created_at, updated_at)
			VALUES (?, ?, 'http', 'http://127.0.0.1:1/', ?, ?, ?)`, teamID, name, status, now, now)
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *testEnv) setMonitorStatus(id int64, status string) {
	e.t.Helper()
	err := e.store.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE monitors SET status=?, status_changed_at=? WHERE id=?`, status, store.Now(), id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// get fetches a public URL without credentials.
func (e *testEnv) get(path string, hdr ...string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func id(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }

// seedPage makes a page with two grouped components, one linked to a
// monitor, an open incident and an upcoming maintenance.
func seedPage(e *testEnv, slug string) (page map[string]any, mon int64, comps []map[string]any) {
	e.t.Helper()
	page = e.apiJSON("POST", "/api/v1/status-pages", map[string]any{"slug": slug, "title": "Acme Cloud",
		"description": "Live status of Acme's services."}, 201)
	mon = e.addMonitor(e.TeamID, "api health", "up")
	api := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": "API", "status_page_id": page["id"],
		"group": "Core", "monitor_ids": []int64{mon}}, 201)
	web := e.apiJSON("POST", "/api/v1/components", map[string]any{"name": "Website", "status_page_id": page["id"],
		"group": "Core"}, 201)
	return page, mon, []map[string]any{api, web}
}

func TestStatusPageRenders(t *testing.T) {
	e := newTestEnv(t)
	_, _, comps := seedPage(e, "acme")
	e.apiJSON("POST", "/api/v1/incidents", map[string]any{"title": "Elevated errors", "impact": "major",
		"body": "We are **looking** into it.", "component_ids": []any{comps[0]["id"]}}, 201)
	res, body := e.get("/status/acme")
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	for _, want := range []string{"Acme Cloud", "Partial System Outage", "Elevated errors", "<strong>looking</strong>",
		"API", "Website"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if os.Getenv("SP_DUMP") != "" {
		os.WriteFile(os.Getenv("SP_DUMP"), []byte(body), 0o644)
	}
	_ = regexp.MustCompile
	_ = filepath.Join
	_ = cmp.Diff
	_ = time.Now
}
