package issues

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestUnmergeTakesOwnMetadata(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	ctx := context.Background()
	exc := func(id, typ, val, level, env, rel, ts string) string {
		return `{"event_id":"` + strings.Repeat(id, 32) + `","timestamp":"` + ts + `","level":"` + level +
			`","environment":"` + env + `","release":"` + rel + `","exception":{"values":[{"type":"` + typ +
			`","value":"` + val + `","stacktrace":{"frames":[{"function":"f` + typ + `","module":"m","in_app":true}]}}]}}`
	}
	f.send(exc("1", "KeyError", "k", "warning", "staging", "1.0", "2026-12-01T10:00:00Z"))
	f.send(exc("2", "KeyError", "k", "warning", "staging", "1.0", "2026-12-01T11:00:00Z"))
	f.drain()
	f.send(exc("3", "ValueError", "bad v", "fatal", "prod", "2.0", "2026-12-02T10:00:00Z"))
	f.drain()
	list, _ := f.svc.Issues(ctx, Filter{TeamID: 1, Sort: "events"})
	if len(list) != 2 {
		t.Fatalf("%d issues, want 2", len(list))
	}
	keyErr, valErr := list[0].ID, list[1].ID
	if err := f.svc.Merge(ctx, 1, 0, valErr, []int64{keyErr}); err != nil {
		t.Fatal(err)
	}
	hashes, _ := f.svc.Hashes(ctx, 1, valErr)
	var keyHash string
	for _, h := range hashes {
		if h.Count == 2 {
			keyHash = h.Key
		}
	}
	newID, err := f.svc.Unmerge(ctx, 1, 0, valErr, []string{keyHash})
	if err != nil {
		t.Fatal(err)
	}
	got := f.issue(newID)
	first, _ := time.Parse(time.RFC3339, "2026-12-01T10:00:00Z")
	last, _ := time.Parse(time.RFC3339, "2026-12-01T11:00:00Z")
	if !strings.Contains(got.Title, "KeyError") || got.Type != "KeyError" || got.Value != "k" ||
		got.Culprit == "" || strings.Contains(got.Culprit, "fValueError") || got.Level != "warning" ||
		got.Environment != "staging" || got.LastRelease != "1.0" || got.FirstRelease != "1.0" ||
		got.EventCount != 2 || got.FirstSeen != first.UnixMilli() || got.LastSeen != last.UnixMilli() {
		t.Errorf("split-out issue = %+v, want the KeyError events' metadata", got)
	}
	if p := f.issue(valErr); p.Type != "ValueError" || p.Level != "fatal" || p.EventCount != 1 ||
		p.FirstRelease != "2.0" {
		t.Errorf("parent issue = %+v, want the ValueError event's metadata", p)
	}
}

func TestIssueDescribedByLatestEvent(t *testing.T) {
	f := newFixture(t, Config{})
	f.start()
	exc := func(id, val, level, ts string) string {
		return `{"event_id":"` + strings.Repeat(id, 32) + `","timestamp":"` + ts + `","level":"` + level +
			`","exception":{"values":[{"type":"KeyError","value":"` + val +
			`","stacktrace":{"frames":[{"function":"load","module":"m","in_app":true}]}}]}}`
	}
	f.send(exc("1", "first", "warning", "2026-12-01T10:00:00Z"))
	f.drain()
	f.send(exc("2", "second", "error", "2026-12-01T12:00:00Z"))
	f.drain()
	// A late event older than the latest does not describe the issue.
	f.send(exc("3", "late", "info", "2026-12-01T11:00:00Z"))
	f.drain()
	list, _ := f.svc.Issues(context.Background(), Filter{TeamID: 1})
	if len(list) != 1 {
		t.Fatalf("%d issues, want 1", len(list))
	}
	got := f.issue(list[0].ID)
	if got.Value != "second" || !strings.Contains(got.Title, "second") || got.Level != "error" {
		t.Errorf("issue title %q value %q level %q, want the latest event's (second, error)", got.Title,
			got.Value, got.Level)
	}
}
