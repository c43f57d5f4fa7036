package checks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// applyOpts say how an outcome is judged.
type applyOpts struct {
	immediate bool // no thresholds (push, manual)
	missed    bool // a push deadline passed
	noResult  bool // do not store a result row (manual changes)
	push      string
}

// Push phases recorded by applyOpts.push.
const (
	pushPing  = "ping"
	pushStart = "start"
)

// errSkip ends a write without error when there is nothing to do.
var errSkip = errors.New("checks: nothing to apply")

// apply stores an outcome and its consequences (state, incident, alert
// events) in one transaction and returns the monitor as saved. It skips
// monitors that were deleted or paused meanwhile, and those in maintenance
// (for which it only stores the result).
func (e *Engine) apply(ctx context.Context, id int64, out Outcome, at time.Time, o applyOpts) (store.Monitor, *Transition, error) {
	var saved store.Monitor
	var tr *Transition
	err := e.store.Write(ctx, func(tx *sql.Tx) error {
		m, err := store.MonitorForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if !m.Enabled || m.Status == StatusPaused {
			saved = m
			return errSkip
		}
		if !o.noResult {
			r := store.CheckResult{MonitorID: id, CheckedAt: at.UnixMilli(), Status: out.Status,
				LatencyMS: out.LatencyMS}
			if out.Status != store.ResultUp {
				r.Reason = out.Reason
			}
			if err := store.InsertResult(ctx, tx, r); err != nil {
				return err
			}
		}
		switch o.push {
		case pushPing:
			m.PushLastAt = at.UnixMilli()
		case pushStart:
			m.PushStartedAt = at.UnixMilli()
		}
		if m.Status == StatusMaintenance || e.maintenanceAt(id, at) {
			m.LastCheckedAt, m.LastLatencyMS = at.UnixMilli(), out.LatencyMS
			saved = m
			return store.SaveMonitorState(ctx, tx, m)
		}
		if o.push == pushStart {
			saved = m
			return store.SaveMonitorState(ctx, tx, m)
		}
		tr = Decide(&m, out, at, o.immediate, o.missed)
		if err := e.certEvent(ctx, tx, &m, out, at); err != nil {
			return err
		}
		if tr != nil {
			if err := e.transition(ctx, tx, m, tr, at); err != nil {
				return err
			}
		}
		saved = m
		return store.SaveMonitorState(ctx, tx, m)
	})
	if errors.Is(err, errSkip) {
		return saved, nil, nil
	}
	if err == nil && tr != nil {
		e.log.Info("monitor state changed", "monitor_id", id, "from", tr.From, "to", tr.To, "reason", tr.Reason)
		e.store.Publish("monitor:" + strconv.FormatInt(id, 10))
		e.store.Publish("team:" + strconv.FormatInt(saved.TeamID, 10))
	}
	return saved, tr, err
}

// transition opens or resolves the incident and writes the alert event.
func (e *Engine) transition(ctx context.Context, tx *sql.Tx, m store.Monitor, tr *Transition, at time.Time) error {
	ms := at.UnixMilli()
	var incidentID int64
	var err error
	switch {
	case tr.Open:
		incidentID, err = store.OpenMonitorIncidentID(ctx, tx, m.ID)
		if err == nil && incidentID == 0 {
			incidentID, err = store.OpenMonitorIncident(ctx, tx, m.TeamID, m.ID, m.Name+" is down",
				"Automatically opened: "+tr.Reason, ms)
		}
	case tr.Resolve:
		body := fmt.Sprintf("Recovered (now %s): %s", tr.To, tr.Reason)
		incidentID, err = store.ResolveMonitorIncident(ctx, tx, m.ID, body, ms)
	}
	if err != nil {
		return err
	}
	if tr.Kind == "" {
		return nil
	}
	payload := eventPayload(m, tr.From, tr.Reason, incidentID)
	return store.InsertAlertEvent(ctx, tx, m.TeamID, tr.Kind, m.ID, payload, ms)
}

// certEvent records the certificate a check saw and writes at most one
// certificate_expiring event per day while it is within the warning.
func (e *Engine) certEvent(ctx context.Context, tx *sql.Tx, m *store.Monitor, out Outcome, at time.Time) error {
	if out.Cert == nil {
		return nil
	}
	info, _ := json.Marshal(out.Cert)
	m.CertInfo, m.CertExpiresAt = string(info), out.Cert.NotAfter.UnixMilli()
	warn := ParseConfig(m.Config).WarnDays()
	days := DaysLeft(at, out.Cert.NotAfter)
	if out.CertUnverified || warn <= 0 || days >= warn || (m.CertAlertedAt != 0 && at.Sub(store.Time(m.CertAlertedAt)) < 24*time.Hour) {
		return nil
	}
	m.CertAlertedAt = at.UnixMilli()
	var p map[string]any
	json.Unmarshal([]byte(eventPayload(*m, m.Status, out.Reason, 0)), &p)
	p["days_left"] = days
	p["expires_at"] = out.Cert.NotAfter.UTC().Format(time.RFC3339)
	p["reason"] = fmt.Sprintf("certificate expires in %d days", days)
	b, _ := json.Marshal(p)
	return store.InsertAlertEvent(ctx, tx, m.TeamID, KindCertExpiring, m.ID, string(b), at.UnixMilli())
}

// eventPayload is the JSON every monitoring alert event carries.
func eventPayload(m store.Monitor, previous, reason string, incidentID int64) string {
	tags := m.Tags
	if tags == nil {
		tags = []string{}
	}
	var inc any
	if incidentID != 0 {
		inc = incidentID
	}
	b, _ := json.Marshal(map[string]any{
		"monitor_id": m.ID, "monitor_name": m.Name, "monitor_type": m.Type, "target": m.Target,
		"status": m.Status, "previous_status": previous, "reason": reason, "tags": tags,
		"incident_id": inc, "url": "/monitors/" + strconv.FormatInt(m.ID, 10),
	})
	return string(b)
}

// setMaintenance moves a monitor into or out of maintenance without any
// incident or alert. Leaving maintenance makes it unknown until its next
// check.
func (e *Engine) setMaintenance(ctx context.Context, id int64, on bool, title string, at time.Time) (store.Monitor, error) {
	var saved store.Monitor
	err := e.store.Write(ctx, func(tx *sql.Tx) error {
		m, err := store.MonitorForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		saved = m
		if !m.Enabled || m.Status == StatusPaused || on == (m.Status == StatusMaintenance) {
			return errSkip
		}
		if on {
			m.Status, m.StatusReason = StatusMaintenance, "in maintenance: "+title
		} else {
			m.Status, m.StatusReason = StatusUnknown, "maintenance ended; waiting for the next check"
			m.FailStreak, m.OkStreak = 0, 0
		}
		m.StatusChangedAt = at.UnixMilli()
		saved = m
		return store.SaveMonitorState(ctx, tx, m)
	})
	if errors.Is(err, errSkip) {
		return saved, nil
	}
	if err == nil {
		e.store.Publish("monitor:" + strconv.FormatInt(id, 10))
		e.store.Publish("team:" + strconv.FormatInt(saved.TeamID, 10))
	}
	return saved, err
}

// maintenanceAt reports whether a window covers the monitor at t, so a
// check that was running when a window began raises no alert.
func (e *Engine) maintenanceAt(id int64, t time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, on := e.maintenanceLocked(id, t)
	return on
}
