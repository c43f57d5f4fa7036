package checks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Monitor states.
const (
	StatusUnknown     = "unknown"
	StatusUp          = "up"
	StatusDegraded    = "degraded"
	StatusDown        = "down"
	StatusPaused      = "paused"
	StatusMaintenance = "maintenance"
)

// Alert event kinds written by monitoring.
const (
	KindDown         = "monitor_down"
	KindRecovered    = "monitor_recovered"
	KindDegraded     = "monitor_degraded"
	KindMissed       = "heartbeat_missed"
	KindCertExpiring = "certificate_expiring"
)

// Flap damping: a monitor that changed state flapChanges times within
// flapWindow needs twice its thresholds before it changes again.
const (
	flapChanges = 4
	flapWindow  = time.Hour
)

// Transition is a change of a monitor's state caused by a result.
type Transition struct {
	From, To string
	Reason   string
	Kind     string // alert event kind, "" for none
	Open     bool   // open an incident
	Resolve  bool   // resolve the open incident
}

// Decide applies one outcome to m's state (streaks, status, reason, last
// check) and returns the transition it caused, or nil. immediate skips the
// failure and recovery thresholds (push and manual monitors); missed marks
// a push deadline that passed.
func Decide(m *store.Monitor, out Outcome, at time.Time, immediate, missed bool) *Transition {
	m.LastCheckedAt = at.UnixMilli()
	m.LastLatencyMS = out.LatencyMS
	failed := out.Status == store.ResultDown
	if failed {
		m.FailStreak++
		m.OkStreak = 0
	} else {
		m.OkStreak++
		m.FailStreak = 0
	}

	ft, rt := max(m.FailureThreshold, 1), max(m.RecoveryThreshold, 1)
	flapping := recentChanges(m.StateChanges, at) >= flapChanges
	if flapping {
		ft, rt = ft*2, rt*2
	}
	if immediate {
		ft, rt = 1, 1
	}

	cur := m.Status
	next := cur
	switch {
	case failed && (cur == StatusDown || m.FailStreak >= ft):
		next = StatusDown
	case failed:
		// below the failure threshold: keep the state, say so
	case cur == StatusDown && m.OkStreak < rt:
		// recovering, not yet enough passes
	case out.Status == store.ResultDegraded:
		next = StatusDegraded
	default:
		next = StatusUp
	}

	switch {
	case next == cur && failed && cur != StatusDown:
		if cur == StatusUnknown || cur == StatusMaintenance {
			m.StatusReason = fmt.Sprintf("failing (%d of %d): %s", m.FailStreak, ft, out.Reason)
		}
		return nil
	case next == cur && cur == StatusDown && !failed:
		m.StatusReason = fmt.Sprintf("recovering (%d of %d passed); last failure stays until then", m.OkStreak, rt)
		return nil
	case next == cur:
		m.StatusReason = out.Reason
		return nil
	}

	reason := out.Reason
	if flapping && !immediate {
		reason += " (flapping: thresholds doubled)"
	}
	m.Status, m.StatusReason, m.StatusChangedAt = next, reason, at.UnixMilli()
	m.StateChanges = addChange(m.StateChanges, at)
	return transitionOf(cur, next, reason, missed)
}

func transitionOf(from, to, reason string, missed bool) *Transition {
	t := &Transition{From: from, To: to, Reason: reason}
	switch {
	case to == StatusDown:
		t.Kind, t.Open = KindDown, true
		if missed {
			t.Kind = KindMissed
		}
	case from == StatusDown:
		t.Kind, t.Resolve = KindRecovered, true
	case to == StatusDegraded:
		t.Kind = KindDegraded
	case from == StatusDegraded:
		t.Kind = KindRecovered
	}
	return t
}

// recentChanges counts state changes within flapWindow before at.
func recentChanges(list string, at time.Time) int {
	n := 0
	for _, f := range strings.Split(list, ",") {
		ms, err := strconv.ParseInt(f, 10, 64)
		if err == nil && at.Sub(time.UnixMilli(ms)) < flapWindow {
			n++
		}
	}
	return n
}

// addChange appends at to the list, keeping the ten newest within the
// flap window.
func addChange(list string, at time.Time) string {
	var keep []string
	for _, f := range strings.Split(list, ",") {
		ms, err := strconv.ParseInt(f, 10, 64)
		if err == nil && at.Sub(time.UnixMilli(ms)) < flapWindow {
			keep = append(keep, f)
		}
	}
	keep = append(keep, strconv.FormatInt(at.UnixMilli(), 10))
	if len(keep) > 10 {
		keep = keep[len(keep)-10:]
	}
	return strings.Join(keep, ",")
}
