package store

import "testing"

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
