package store

import (
	"database/sql"
	"strings"
	"testing"
)

// A deleted monitor's id is not given to the next monitor, even when it
// was the highest, and not after a reopen either.
func TestMonitorIDsAreNotReused(t *testing.T) {
	s, dir := openTest(t)
	ctx := t.Context()
	_, team, err := s.CreateOwner(ctx, "a@example.com", "", "h", "T")
	if err != nil {
		t.Fatal(err)
	}
	create := func(st *Store) int64 {
		t.Helper()
		m, err := st.CreateMonitor(ctx, Monitor{TeamID: team.ID, Name: "m", Type: "manual", IntervalSeconds: 60,
			TimeoutSeconds: 10, FailureThreshold: 1, RecoveryThreshold: 1, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	a := create(s)
	b := create(s)
	if b <= a {
		t.Fatalf("ids %d then %d", a, b)
	}
	if err := s.DeleteMonitor(ctx, team.ID, b); err != nil {
		t.Fatal(err)
	}
	c := create(s)
	if c <= b {
		t.Errorf("after deleting monitor %d the next got id %d", b, c)
	}
	if err := s.DeleteMonitor(ctx, team.ID, c); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMonitor(ctx, team.ID, a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(ctx, dir, s.log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if d := create(s2); d <= c {
		t.Errorf("after a reopen with no monitors left the next got id %d, want more than %d", d, c)
	}
}

// Deleting a monitor resolves its open automatic incident in the same
// write, with an update saying so; it does not stay "investigating".
func TestDeleteMonitorResolvesItsIncident(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	_, team, err := s.CreateOwner(ctx, "a@example.com", "", "h", "T")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMonitor(ctx, Monitor{TeamID: team.ID, Name: "Shop", Type: "manual", IntervalSeconds: 60,
		TimeoutSeconds: 10, FailureThreshold: 1, RecoveryThreshold: 1, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	var inc int64
	if err := s.Write(ctx, func(tx *sql.Tx) error {
		inc, err = OpenMonitorIncident(ctx, tx, team.ID, m.ID, "Shop is down", "connection refused", Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMonitor(ctx, team.ID, m.ID); err != nil {
		t.Fatal(err)
	}
	var status string
	var resolved sql.NullInt64
	if err := s.R.QueryRowContext(ctx, `SELECT status, resolved_at FROM incidents WHERE id = ?`, inc).Scan(&status, &resolved); err != nil {
		t.Fatal(err)
	}
	if status != "resolved" || !resolved.Valid {
		t.Errorf("after the delete the incident is %q (resolved_at %v), want resolved", status, resolved)
	}
	var body string
	if err := s.R.QueryRowContext(ctx, `SELECT body FROM incident_updates WHERE incident_id = ? AND status = 'resolved'`,
		inc).Scan(&body); err != nil || !strings.Contains(body, "deleted") || !strings.Contains(body, "Shop") {
		t.Errorf("closing update %q (%v), want one saying Shop was deleted", body, err)
	}
	if err := s.DeleteMonitor(ctx, team.ID, m.ID); err != ErrNotFound {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
}

// Two different results of a monitor in the same millisecond are both
// kept (the second a millisecond later); neither replaces the other.
func TestResultsInTheSameMillisecondAreKept(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	_, team, err := s.CreateOwner(ctx, "a@example.com", "", "h", "T")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.CreateMonitor(ctx, Monitor{TeamID: team.ID, Name: "p", Type: "push", IntervalSeconds: 60,
		TimeoutSeconds: 10, FailureThreshold: 1, RecoveryThreshold: 1, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	at := int64(1_700_000_000_000)
	for _, r := range []CheckResult{
		{MonitorID: m.ID, CheckedAt: at, Status: ResultUp, LatencyMS: 5},
		{MonitorID: m.ID, CheckedAt: at, Status: ResultDown, LatencyMS: -1, Reason: "failed"},
		{MonitorID: m.ID, CheckedAt: at, Status: ResultUp, LatencyMS: 7},
	} {
		if err := s.Write(ctx, func(tx *sql.Tx) error { return InsertResult(ctx, tx, r) }); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Results(ctx, m.ID, at-1000, at+1000, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d results kept, want 3: %+v", len(got), got)
	}
	if got[0].CheckedAt != at+2 || got[0].LatencyMS != 7 || got[1].CheckedAt != at+1 || got[1].Reason != "failed" ||
		got[2].CheckedAt != at || got[2].LatencyMS != 5 {
		t.Errorf("results %+v", got)
	}
}
