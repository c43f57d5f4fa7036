package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
)

func TestDownThenRecoveryResolvesWithSameDedupKey(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}})
	id := f.monitor("API", "down")
	f.event("monitor_recovered", id, up(id, "API")) // nothing open yet: no message
	f.event("monitor_down", id, down(id, "API"))
	f.event("monitor_recovered", id, up(id, "API"))
	f.settled(ch.ID, 2)
	bodies := mock.bodies(t)
	if len(bodies) != 2 {
		t.Fatalf("got %d messages, want down and recovery", len(bodies))
	}
	if bodies[0]["action"] != "trigger" || bodies[1]["action"] != "resolve" ||
		bodies[0]["dedup_key"] != bodies[1]["dedup_key"] {
		t.Fatalf("got %v/%v with keys %v/%v", bodies[0]["action"], bodies[1]["action"], bodies[0]["dedup_key"],
			bodies[1]["dedup_key"])
	}
}

func TestCooldownSuppressesRepeats(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, CooldownSeconds: 3600})
	id, other := f.monitor("API", "down"), f.monitor("DB", "down")
	for i := 0; i < 3; i++ {
		f.event("monitor_down", id, down(id, "API"))
		f.event("monitor_recovered", id, up(id, "API"))
	}
	f.event("monitor_down", other, down(other, "DB"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	ds := f.settled(ch.ID, 3)
	var kinds []string
	for i := len(ds) - 1; i >= 0; i-- {
		kinds = append(kinds, ds[i].Kind+" "+ds[i].Subject)
	}
	want := []string{"monitor_down monitor:1", "monitor_recovered monitor:1", "monitor_down monitor:2"}
	if strings.Join(kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("got %v, want %v (flaps within the cooldown stay quiet)", kinds, want)
	}
}

func TestFiltersByTagAndMonitor(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	a, b, c := f.monitor("A", "down"), f.monitor("B", "down"), f.monitor("C", "down")
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, Filters: notify.Filters{Tags: []string{"prod"}}})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, Filters: notify.Filters{MonitorIDs: []int64{c}}})
	f.event("monitor_down", a, down(a, "A", "prod", "web"))
	f.event("monitor_down", b, down(b, "B", "staging"))
	f.event("monitor_down", c, down(c, "C"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	ds := f.settled(ch.ID, 2)
	got := map[string]bool{}
	for _, d := range ds {
		got[d.Title] = true
	}
	if len(ds) != 2 || !got["A is down"] || !got["C is down"] {
		t.Fatalf("got %v, want A (tag prod) and C (by id)", got)
	}
}

func TestIssueFiltersByProjectEnvironmentLevel(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.rule(notify.Rule{Trigger: "issue_new", ChannelIDs: []int64{ch.ID}, Filters: notify.Filters{
		ProjectIDs: []int64{4}, Environments: []string{"production"}, Levels: []string{"error", "fatal"}}})
	issue := func(id int, project int, env, level string) map[string]any {
		return map[string]any{"issue_id": id, "project_id": project, "project_name": "shop", "title": "TypeError: x",
			"culprit": "app.js in render", "level": level, "environment": env, "url": "/issues/1"}
	}
	f.event("issue_new", 0, issue(1, 4, "production", "error"))
	f.event("issue_new", 0, issue(2, 5, "production", "error"))
	f.event("issue_new", 0, issue(3, 4, "staging", "error"))
	f.event("issue_new", 0, issue(4, 4, "production", "warning"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	ds := f.settled(ch.ID, 1)
	if len(ds) != 1 || ds[0].Subject != "issue:1" {
		t.Fatalf("got %d deliveries (%v), want only issue 1", len(ds), ds)
	}
	body := mock.bodies(t)[0]
	if body["title"] != "New issue in shop: TypeError: x" || body["url"] != "https://bw.example.com/issues/1" {
		t.Errorf("body %v", body)
	}
}

func TestMaintenanceSilencesMonitorAlerts(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}})
	quiet, loud, viaComponent := f.monitor("Quiet", "down"), f.monitor("Loud", "down"), f.monitor("Component", "down")
	now := time.Now()
	err := f.st.Write(context.Background(), func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO maintenance(team_id, title, kind, starts_at, ends_at, created_at, updated_at)
			VALUES (?, 'upgrade', 'once', ?, ?, 1, 1)`, f.teamID, now.Add(-time.Hour).UnixMilli(), now.Add(time.Hour).UnixMilli())
		if err != nil {
			return err
		}
		mid, _ := res.LastInsertId()
		if _, err = tx.Exec("INSERT INTO maintenance_monitors(maintenance_id, monitor_id) VALUES (?, ?)", mid, quiet); err != nil {
			return err
		}
		// A window on a status-page component silences the monitors behind it.
		res, err = tx.Exec(`INSERT INTO status_pages(team_id, slug, title, created_at, updated_at)
			VALUES (?, 'main', 'Main', 1, 1)`, f.teamID)
		if err != nil {
			return err
		}
		page, _ := res.LastInsertId()
		res, err = tx.Exec(`INSERT INTO components(team_id, status_page_id, name, created_at, updated_at)
			VALUES (?, ?, 'API', 1, 1)`, f.teamID, page)
		if err != nil {
			return err
		}
		comp, _ := res.LastInsertId()
		if _, err = tx.Exec("INSERT INTO component_monitors(component_id, monitor_id) VALUES (?, ?)", comp, viaComponent); err != nil {
			return err
		}
		_, err = tx.Exec("INSERT INTO maintenance_components(maintenance_id, component_id) VALUES (?, ?)", mid, comp)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f.event("monitor_down", quiet, down(quiet, "Quiet"))
	f.event("monitor_down", viaComponent, down(viaComponent, "Component"))
	f.event("monitor_down", loud, down(loud, "Loud"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	ds := f.settled(ch.ID, 1)
	if len(ds) != 1 || ds[0].Title != "Loud is down" {
		t.Fatalf("got %v, want only Loud", ds)
	}
}

func TestStormBecomesOneSummary(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.rule(notify.Rule{Name: "everything", Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, StormLimit: 3})
	// Forty monitors fail in the same instant: one transaction of events.
	burst := func(kind string, mk func(int64, string) map[string]any) {
		err := f.st.Write(context.Background(), func(tx *sql.Tx) error {
			for i := 1; i <= 40; i++ {
				raw, _ := json.Marshal(mk(int64(i), "M"))
				if _, err := tx.Exec(`INSERT INTO alert_events(team_id, kind, monitor_id, payload, created_at)
					VALUES (?, ?, ?, ?, ?)`, f.teamID, kind, i, string(raw), time.Now().UnixMilli()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	burst("monitor_down", func(id int64, n string) map[string]any { return down(id, n) })
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	ds := f.settled(ch.ID, 4)
	singles, summaries := 0, 0
	for _, d := range ds {
		if d.Kind == "summary" {
			summaries++
		} else {
			singles++
		}
	}
	if singles != 3 || summaries != 1 {
		t.Fatalf("got %d single messages and %d summaries, want 3 and 1", singles, summaries)
	}
	var summary map[string]any
	for _, b := range mock.bodies(t) {
		if b["type"] == "summary" {
			summary = b
		}
	}
	items, _ := summary["items"].([]any)
	if len(items) != 37 || !strings.HasPrefix(summary["title"].(string), "37 alerts") || summary["action"] != "trigger" {
		t.Fatalf("summary %v %v with %d items, want a trigger of 37", summary["title"], summary["action"], len(items))
	}

	// They all recover: the 3 sent alone are resolved alone, the 37
	// folded ones are resolved by one summary with the summary's key.
	burst("monitor_recovered", func(id int64, n string) map[string]any { return up(id, n) })
	eventually(t, "recoveries handed off", func() bool { return f.unprocessed() == 0 })
	f.settled(ch.ID, 8)
	var resolves, resolveSummaries int
	for _, b := range mock.bodies(t) {
		if b["action"] != "resolve" {
			continue
		}
		if b["type"] == "summary" {
			resolveSummaries++
			if n := len(b["items"].([]any)); n != 37 || b["dedup_key"] != summary["dedup_key"] {
				t.Errorf("resolve summary has %d items and key %v", n, b["dedup_key"])
			}
		} else {
			resolves++
		}
	}
	if resolves != 3 || resolveSummaries != 1 {
		t.Fatalf("got %d resolves and %d resolve summaries, want 3 and 1", resolves, resolveSummaries)
	}
}

func TestRenotifyWhileStillDown(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	r := f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, RenotifyMinutes: 1})
	still, back := f.monitor("Still", "down"), f.monitor("Back", "up")
	f.event("monitor_down", still, down(still, "Still"))
	f.event("monitor_down", back, down(back, "Back"))
	f.settled(ch.ID, 2)
	// Pretend the alerts went out two minutes ago.
	f.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec("UPDATE alert_rule_state SET last_notified_at = ? WHERE rule_id = ?",
			time.Now().Add(-2*time.Minute).UnixMilli(), r.ID)
		return err
	})
	f.eng.SetTiming(5*time.Millisecond, 40*time.Millisecond, 300*time.Millisecond, 10*time.Millisecond)
	ds := f.settled(ch.ID, 3)
	if ds[0].Kind != "reminder" || ds[0].Title != "Still down: Still" {
		t.Fatalf("newest delivery %q %q, want a reminder for Still", ds[0].Kind, ds[0].Title)
	}
	for _, d := range ds {
		if d.Kind == "reminder" && strings.Contains(d.Title, "Back") {
			t.Fatalf("reminded about a monitor that is up again")
		}
	}
}

func TestDisabledChannelAndRuleAreSkipped(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	on := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	off := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	off.Enabled = false
	if _, err := f.eng.SaveChannel(context.Background(), off); err != nil {
		t.Fatal(err)
	}
	f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{on.ID, off.ID}})
	r := f.rule(notify.Rule{Trigger: "monitor_down", ChannelIDs: []int64{on.ID}})
	r.Enabled = false
	f.eng.SaveRule(context.Background(), r)
	id := f.monitor("A", "down")
	f.event("monitor_down", id, down(id, "A"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	if n := len(f.settled(on.ID, 1)); n != 1 {
		t.Errorf("enabled channel got %d deliveries, want 1", n)
	}
	if n := len(f.deliveries(off.ID)); n != 0 {
		t.Errorf("disabled channel got %d deliveries", n)
	}
}

func TestTestSendReportsTheAnswer(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t, func(w http.ResponseWriter) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"error":"bad signature"}`))
	})
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	res, err := f.eng.Test(context.Background(), ch)
	if err == nil || res.StatusCode != 403 || !strings.Contains(res.Response, "bad signature") {
		t.Fatalf("got %d %q %v", res.StatusCode, res.Response, err)
	}
	if res, err := f.eng.Test(context.Background(), ch); err != nil || res.StatusCode != 200 {
		t.Fatalf("second test: %d %v", res.StatusCode, err)
	}
	ds := f.deliveries(ch.ID)
	if len(ds) != 2 || ds[0].Status != "sent" || ds[1].Status != "failed" || ds[0].Kind != "test" {
		t.Fatalf("delivery log %+v", ds)
	}
}

func TestSecretsAreSealedAtRest(t *testing.T) {
	f := newFixture(t, 3)
	ch := f.channel("pagerduty", map[string]any{"routing_key": "R0123456789ABCDEF0123456789ABCDE"})
	var cfg, sealed string
	f.st.R.QueryRow("SELECT config, secrets FROM channels WHERE id = ?", ch.ID).Scan(&cfg, &sealed)
	if strings.Contains(cfg+sealed, "R0123456789") || !strings.HasPrefix(sealed, "sealed:v1:") {
		t.Fatalf("stored config %q secrets %q: the key is readable", cfg, sealed)
	}
	back, err := f.eng.Channel(context.Background(), f.teamID, ch.ID)
	if err != nil || back.Config["routing_key"] != "R0123456789ABCDEF0123456789ABCDE" {
		t.Fatalf("read back %v %v", back.Config, err)
	}
	if _, err := f.eng.Channel(context.Background(), f.teamID+1, ch.ID); err == nil {
		t.Fatal("another team read the channel")
	}
}

func TestPreviewReplaysRecentEvents(t *testing.T) {
	f := newFixture(t, 3)
	id := f.monitor("API", "down")
	// No rule yet: events are handed off with no deliveries, and stay
	// available to the preview.
	f.event("monitor_down", id, down(id, "API"))
	f.event("monitor_recovered", id, up(id, "API"))
	f.event("monitor_down", id, down(id, "API"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	rows, err := f.eng.Preview(context.Background(), notify.Rule{TeamID: f.teamID, Trigger: "monitor_down",
		CooldownSeconds: 3600}, 7)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Kind+":"+r.Outcome)
	}
	want := "monitor_down:cooldown,monitor_recovered:resolve,monitor_down:fire"
	if strings.Join(got, ",") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

func TestPruneKeepsRecentAndPending(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.eng.Test(context.Background(), ch)
	f.eng.Test(context.Background(), ch)
	old := time.Now().Add(-40 * 24 * time.Hour).UnixMilli()
	f.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec("UPDATE deliveries SET created_at = ? WHERE id = (SELECT MIN(id) FROM deliveries)", old)
		return err
	})
	n, err := f.eng.Prune(context.Background(), 30*24*time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	if left := f.deliveries(ch.ID); len(left) != 1 {
		t.Fatalf("%d deliveries left, want 1", len(left))
	}
}

// TestChannelURLSpacesAreTrimmed: a URL pasted with spaces around it is
// saved without them, so it can be sent to.
func TestChannelURLSpacesAreTrimmed(t *testing.T) {
	f := newFixture(t, 3)
	good := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": "  " + good.URL + "/hook \n", "secret": secret})
	if ch.Config["url"] != good.URL+"/hook" {
		t.Fatalf("saved url %q", ch.Config["url"])
	}
	if _, err := f.eng.Test(context.Background(), ch); err != nil {
		t.Fatalf("test send: %v", err)
	}
}

func TestSharedChannelHearsEachEventOnce(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	shared := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	only := f.channel("webhook", map[string]any{"url": mock.URL + "/only", "secret": secret})
	f.rule(notify.Rule{Name: "down", Trigger: "monitor_down", ChannelIDs: []int64{shared.ID}})
	f.rule(notify.Rule{Name: "down too", Trigger: "monitor_down", ChannelIDs: []int64{shared.ID}})
	f.rule(notify.Rule{Name: "recoveries", Trigger: "monitor_recovered", ChannelIDs: []int64{shared.ID, only.ID}})
	id := f.monitor("API", "down")
	f.event("monitor_down", id, down(id, "API"))
	f.event("monitor_recovered", id, up(id, "API"))
	eventually(t, "events handed off", func() bool { return f.unprocessed() == 0 })
	ds := f.settled(shared.ID, 2)
	if len(ds) != 2 {
		t.Fatalf("shared channel got %d messages, want one down and one recovery", len(ds))
	}
	if ds[1].Kind != "monitor_down" || ds[0].Kind != "monitor_recovered" {
		t.Fatalf("got %s then %s", ds[1].Kind, ds[0].Kind)
	}
	var keys []any
	for _, b := range mock.bodies(t) {
		keys = append(keys, b["dedup_key"])
	}
	if len(keys) != 3 || keys[0] != keys[1] {
		t.Fatalf("got dedup keys %v, want the recovery to resolve the alert's key", keys)
	}
	if n := len(f.settled(only.ID, 1)); n != 1 {
		t.Fatalf("recoveries-only channel got %d messages, want 1", n)
	}
}

func TestSharedChannelIsRemindedOnce(t *testing.T) {
	f := newFixture(t, 3)
	mock := newHookMock(t)
	ch := f.channel("webhook", map[string]any{"url": mock.URL, "secret": secret})
	f.rule(notify.Rule{Name: "a", Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, RenotifyMinutes: 1})
	f.rule(notify.Rule{Name: "b", Trigger: "monitor_down", ChannelIDs: []int64{ch.ID}, RenotifyMinutes: 1})
	id := f.monitor("Still", "down")
	f.event("monitor_down", id, down(id, "Still"))
	f.settled(ch.ID, 1)
	f.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec("UPDATE alert_rule_state SET last_notified_at = ?", time.Now().Add(-2*time.Minute).UnixMilli())
		return err
	})
	f.settled(ch.ID, 2)
	eventually(t, "reminders written", func() bool {
		var n int
		f.st.R.QueryRow("SELECT COUNT(*) FROM alert_rule_state WHERE last_notified_at < ?",
			time.Now().Add(-time.Minute).UnixMilli()).Scan(&n)
		return n == 0
	})
	if ds := f.settled(ch.ID, 2); len(ds) != 2 {
		t.Fatalf("got %d deliveries, want the alert and one reminder", len(ds))
	}
}

func TestSummaryOfRecoveriesSaysRecoveries(t *testing.T) {
	up := notify.Message{Title: "API is up again", Action: notify.ActionResolve, Severity: "info"}
	s := notify.Summary(notify.RuleRef{ID: 1, Name: "prod"}, 1, []notify.Message{up, up, up}, "")
	if s.Title != `3 recoveries from rule "prod"` {
		t.Fatalf("title %q", s.Title)
	}
	notify.AddToSummary(&s, []notify.Message{{Title: "DB is down", Action: notify.ActionTrigger, Severity: "critical"}})
	if s.Title != `4 alerts from rule "prod"` {
		t.Fatalf("title %q once an alert joins", s.Title)
	}
	one := notify.Summary(notify.RuleRef{ID: 1, Name: "prod"}, 1, []notify.Message{up}, "")
	if one.Title != `1 recovery from rule "prod"` {
		t.Fatalf("title %q", one.Title)
	}
}
