package checks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bitwobbly/bitwobbly/store"
)

// NewPushToken makes the secret part of a push URL.
func NewPushToken() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// PushDeadline is the moment a push monitor is overdue, and why it would
// be down then. A run started with /start and not finished is overdue at
// start + max run time; otherwise the monitor expects a ping every
// interval (or at each cron time), plus the grace time. A ping up to the
// grace time early counts for the coming scheduled time. ok is false when
// no deadline applies.
func PushDeadline(m store.Monitor, now time.Time) (deadline time.Time, reason string, ok bool) {
	cfg := ParseConfig(m.Config)
	grace := time.Duration(cfg.GraceSeconds) * time.Second
	last := store.Time(m.PushLastAt)
	if m.PushStartedAt > m.PushLastAt && cfg.MaxRunSeconds > 0 {
		started := store.Time(m.PushStartedAt)
		maxRun := time.Duration(cfg.MaxRunSeconds) * time.Second
		return started.Add(maxRun), fmt.Sprintf("run started at %s did not finish within %s",
			started.Format("2006-01-02 15:04:05 UTC"), maxRun), true
	}
	base := last
	if m.Status != StatusDown || last.IsZero() {
		base = latest(base, store.Time(m.CreatedAt))
		if m.Status == StatusUnknown || m.Status == StatusMaintenance {
			base = latest(base, store.Time(m.StatusChangedAt))
		}
	}
	if cfg.PushCron != "" {
		sch, err := ParsePushCron(cfg.PushCron, cfg.PushTimezone)
		if err != nil {
			return time.Time{}, "", false
		}
		expected := sch.Next(base.Add(grace))
		if expected.IsZero() {
			return time.Time{}, "", false
		}
		return expected.Add(grace), missedReason(last, expected, cfg.PushTimezone), true
	}
	period := time.Duration(m.IntervalSeconds) * time.Second
	expected := base.Add(period)
	return expected.Add(grace), missedReason(last, expected, "UTC"), true
}

func missedReason(last, expected time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	r := "no ping by " + expected.In(loc).Format("2006-01-02 15:04:05 MST")
	if last.IsZero() {
		return r + " (never pinged)"
	}
	return r + " (last ping " + last.UTC().Format("2006-01-02 15:04:05 UTC") + ")"
}

// PushKind is which push endpoint was called.
type PushKind string

// Push endpoints.
const (
	PushPing  PushKind = ""
	PushStart PushKind = "start"
	PushFail  PushKind = "fail"
)

// PushInput is one call to a push URL.
type PushInput struct {
	Kind      PushKind
	Status    string // "", "up" or "down"
	Message   string
	LatencyMS int64 // -1 when not given
}

// Push records a push call for the monitor with this token. It returns
// store.ErrNotFound for an unknown token, storing nothing.
func (e *Engine) Push(ctx context.Context, token string, in PushInput) (store.Monitor, error) {
	m, err := e.store.MonitorByPushToken(ctx, token)
	if err != nil {
		return m, err
	}
	now := e.now()
	msg := cleanPushMessage(in.Message)
	out := Outcome{Status: store.ResultUp, LatencyMS: in.LatencyMS, Reason: "ping received"}
	if msg != "" {
		out.Reason = "ping: " + msg
	}
	o := applyOpts{immediate: true, push: pushPing}
	switch {
	case in.Kind == PushStart:
		o.push = pushStart
		out.Reason = "run started"
	case in.Kind == PushFail || in.Status == "down":
		out.Status = store.ResultDown
		out.Reason = "job reported failure"
		if msg != "" {
			out.Reason += ": " + msg
		}
	}
	saved, _, err := e.apply(ctx, m.ID, out, now, o)
	if err == nil {
		e.refresh(saved)
	}
	return saved, err
}

// SetManual sets a manual monitor's state by hand.
func (e *Engine) SetManual(ctx context.Context, teamID, id int64, status, reason string) (store.Monitor, error) {
	m, err := e.store.MonitorByID(ctx, teamID, id)
	if err != nil {
		return m, err
	}
	out := Outcome{LatencyMS: -1, Reason: reason}
	switch status {
	case StatusUp:
		out.Status = store.ResultUp
	case StatusDegraded:
		out.Status = store.ResultDegraded
	case StatusDown:
		out.Status = store.ResultDown
	default:
		return m, &FieldError{Field: "status", Message: "must be up, degraded or down"}
	}
	if out.Reason == "" {
		out.Reason = "set by hand to " + status
	}
	saved, _, err := e.apply(ctx, id, out, e.now(), applyOpts{immediate: true})
	if err == nil {
		e.refresh(saved)
	}
	return saved, err
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// cleanPushMessage makes a pushed message fit to store and show: valid
// UTF-8, control characters turned into spaces, at most 500 bytes cut at
// a character boundary.
func cleanPushMessage(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 500 {
		cut := 500
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimSpace(s[:cut])
	}
	return s
}
