package checks

import (
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func pushMonitor(cfg Config, interval int, created, last time.Time) store.Monitor {
	return store.Monitor{ID: 1, Type: "push", Config: ConfigJSON(cfg), IntervalSeconds: interval,
		CreatedAt: created.UnixMilli(), PushLastAt: store.MS(last), Status: StatusUp}
}

func TestPushDeadline(t *testing.T) {
	created := mustTime(t, "2026-03-01T00:00:00Z")
	scenarios := []struct {
		name     string
		cfg      Config
		interval int
		last     string
		started  string
		want     string // deadline, RFC 3339
		reason   string
	}{
		{"period, never pinged", Config{GraceSeconds: 60}, 3600, "", "", "2026-03-01T01:01:00Z", "never pinged"},
		{"period after a ping", Config{GraceSeconds: 30}, 300, "2026-03-02T10:00:00Z", "", "2026-03-02T10:05:30Z", "last ping"},
		{"cron daily in UTC", Config{PushCron: "0 3 * * *", PushTimezone: "UTC", GraceSeconds: 600}, 60,
			"2026-03-02T03:00:05Z", "", "2026-03-03T03:10:00Z", "2026-03-03 03:00:00 UTC"},
		{"cron ping a little early counts for the coming run", Config{PushCron: "0 3 * * *", GraceSeconds: 300}, 60,
			"2026-03-02T02:58:30Z", "", "2026-03-03T03:05:00Z", ""},
		{"cron across spring forward (New York)", Config{PushCron: "0 9 * * *", PushTimezone: "America/New_York",
			GraceSeconds: 60}, 60, "2026-03-07T14:00:00Z", "", "2026-03-08T13:01:00Z", "09:00:00 EDT"},
		{"cron across fall back (Berlin)", Config{PushCron: "30 8 * * 1-5", PushTimezone: "Europe/Berlin"}, 60,
			"2026-10-23T06:30:00Z", "", "2026-10-26T07:30:00Z", "08:30:00 CET"},
		{"run started, max run time", Config{MaxRunSeconds: 900}, 86400, "2026-03-02T00:00:00Z",
			"2026-03-02T12:00:00Z", "2026-03-02T12:15:00Z", "did not finish within 15m0s"},
		{"run finished after start", Config{MaxRunSeconds: 900}, 86400, "2026-03-02T12:05:00Z",
			"2026-03-02T12:00:00Z", "2026-03-03T12:05:00Z", ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			var last time.Time
			if sc.last != "" {
				last = mustTime(t, sc.last)
			}
			m := pushMonitor(sc.cfg, sc.interval, created, last)
			if sc.started != "" {
				m.PushStartedAt = mustTime(t, sc.started).UnixMilli()
			}
			got, reason, ok := PushDeadline(m, created)
			if !ok {
				t.Fatal("no deadline")
			}
			if want := mustTime(t, sc.want); !got.Equal(want) {
				t.Errorf("deadline = %s, want %s", got.UTC().Format(time.RFC3339), sc.want)
			}
			if !strings.Contains(reason, sc.reason) {
				t.Errorf("reason = %q, want %q in it", reason, sc.reason)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	at := mustTime(t, "2026-12-04T12:00:00Z")
	up := Outcome{Status: store.ResultUp, LatencyMS: 12, Reason: "HTTP 200"}
	slow := Outcome{Status: store.ResultDegraded, LatencyMS: 900, Reason: "slow"}
	fail := Outcome{Status: store.ResultDown, LatencyMS: -1, Reason: "connection refused"}

	scenarios := []struct {
		name       string
		start      string
		ft, rt     int
		seq        []Outcome
		wantStatus string
		wantKinds  string
	}{
		{"first success is up without alert", StatusUnknown, 1, 1, []Outcome{up}, StatusUp, ""},
		{"one failure with threshold 1", StatusUp, 1, 1, []Outcome{fail}, StatusDown, KindDown},
		{"threshold 3 needs three", StatusUp, 3, 1, []Outcome{fail, fail}, StatusUp, ""},
		{"threshold 3 reached", StatusUp, 3, 1, []Outcome{fail, fail, fail, fail}, StatusDown, KindDown},
		{"streak broken by a success", StatusUp, 2, 1, []Outcome{fail, up, fail}, StatusUp, ""},
		{"recovery threshold 2", StatusDown, 1, 2, []Outcome{up}, StatusDown, ""},
		{"recovered", StatusDown, 1, 2, []Outcome{up, up}, StatusUp, KindRecovered},
		{"degraded and back", StatusUp, 1, 1, []Outcome{slow, up}, StatusUp, KindDegraded + "," + KindRecovered},
		{"down to degraded resolves", StatusDown, 1, 1, []Outcome{slow}, StatusDegraded, KindRecovered},
		{"unknown failing stays unknown below threshold", StatusUnknown, 2, 1, []Outcome{fail}, StatusUnknown, ""},
		{"flapping doubles thresholds", StatusUp, 1, 1,
			[]Outcome{fail, up, fail, up, fail}, StatusUp, "monitor_down,monitor_recovered,monitor_down,monitor_recovered"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := store.Monitor{Status: sc.start, FailureThreshold: sc.ft, RecoveryThreshold: sc.rt}
			var kinds []string
			for i, o := range sc.seq {
				if tr := Decide(&m, o, at.Add(time.Duration(i)*time.Minute), false, false); tr != nil && tr.Kind != "" {
					kinds = append(kinds, tr.Kind)
				}
			}
			if m.Status != sc.wantStatus {
				t.Errorf("status = %s, want %s (%s)", m.Status, sc.wantStatus, m.StatusReason)
			}
			if got := strings.Join(kinds, ","); got != sc.wantKinds {
				t.Errorf("kinds = %s, want %s", got, sc.wantKinds)
			}
		})
	}
}

func TestMaintenanceActive(t *testing.T) {
	sat := 1 << int(time.Saturday)
	sun := 1 << int(time.Sunday)
	once := Window{Kind: "once", StartsAt: mustTime(t, "2026-12-05T10:00:00Z"), EndsAt: mustTime(t, "2026-12-05T12:00:00Z")}
	nightly := Window{Kind: "recurring", Weekdays: sat | sun, StartTime: "23:30", DurationMinutes: 90, Timezone: "Europe/Berlin"}
	dst := Window{Kind: "recurring", Weekdays: sun, StartTime: "01:30", DurationMinutes: 120, Timezone: "America/New_York"}
	scenarios := []struct {
		name string
		w    Window
		at   string
		want bool
	}{
		{"once before", once, "2026-12-05T09:59:59Z", false},
		{"once start", once, "2026-12-05T10:00:00Z", true},
		{"once end is exclusive", once, "2026-12-05T12:00:00Z", false},
		{"recurring Saturday 23:45 Berlin", nightly, "2026-12-05T22:45:00Z", true},
		{"recurring crosses midnight into Sunday", nightly, "2026-12-05T23:15:00Z", true},
		{"recurring last minute", nightly, "2026-12-05T23:59:00Z", true},
		{"recurring end is exclusive", nightly, "2026-12-06T00:00:00Z", false},
		{"recurring Sunday night too", nightly, "2026-12-06T22:31:00Z", true},
		{"recurring not on Friday", nightly, "2026-12-04T22:45:00Z", false},
		{"DST fall back Sunday 01:30 EDT", dst, "2026-11-01T05:40:00Z", true},
		{"DST two hours from 01:30 EDT", dst, "2026-11-01T07:20:00Z", true},
		{"DST after", dst, "2026-11-01T07:31:00Z", false},
		{"bad time zone never active", Window{Kind: "recurring", Weekdays: 127, StartTime: "00:00",
			DurationMinutes: 1440, Timezone: "Nowhere/City"}, "2026-12-05T10:00:00Z", false},
		{"bad start time never active", Window{Kind: "recurring", Weekdays: 127, StartTime: "25:00",
			DurationMinutes: 60, Timezone: "UTC"}, "2026-12-05T10:00:00Z", false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if got := MaintenanceActive(sc.w, mustTime(t, sc.at)); got != sc.want {
				t.Errorf("active at %s = %v, want %v", sc.at, got, sc.want)
			}
		})
	}
}

func TestNextSlotSpreadsAndKeepsPhase(t *testing.T) {
	now := mustTime(t, "2026-12-04T12:00:00Z")
	seconds := map[int64]int{}
	for id := int64(1); id <= 6000; id++ {
		due := nextSlot(id, 60, now)
		if !due.After(now) || due.Sub(now) > time.Minute {
			t.Fatalf("monitor %d due %s, want within the next minute", id, due)
		}
		if next := nextSlot(id, 60, due); next.Sub(due) != time.Minute {
			t.Fatalf("monitor %d: next slot %s after %s, want one interval", id, next, due)
		}
		seconds[due.Unix()]++
	}
	for sec, n := range seconds {
		if n > 200 {
			t.Errorf("%d monitors due in second %d; the schedule is not spread", n, sec)
		}
	}
	if len(seconds) < 55 {
		t.Errorf("monitors fall in only %d distinct seconds", len(seconds))
	}
}
