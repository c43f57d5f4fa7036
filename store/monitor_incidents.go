package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// OpenMonitorIncident opens an automatic incident for a monitor inside tx,
// with a first timeline update holding the reason, and returns its id.
func OpenMonitorIncident(ctx context.Context, tx *sql.Tx, teamID, monitorID int64, title, reason string, at int64) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO incidents(team_id, title, status, impact, monitor_id, source,
		started_at, created_at, updated_at) VALUES (?, ?, 'investigating', 'major', ?, 'monitor', ?, ?, ?)`,
		teamID, title, monitorID, at, at, at)
	if err != nil {
		return 0, fmt.Errorf("store: open incident: %w", err)
	}
	id, _ := res.LastInsertId()
	_, err = tx.ExecContext(ctx, `INSERT INTO incident_updates(incident_id, status, body, created_at)
		VALUES (?, 'investigating', ?, ?)`, id, reason, at)
	if err != nil {
		return 0, fmt.Errorf("store: open incident: %w", err)
	}
	return id, nil
}

// ResolveMonitorIncident resolves the open automatic incident of a monitor
// inside tx with a closing update. It returns the incident id, or 0 when
// none was open.
func ResolveMonitorIncident(ctx context.Context, tx *sql.Tx, monitorID int64, body string, at int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM incidents WHERE monitor_id = ? AND source = 'monitor'
		AND resolved_at IS NULL ORDER BY id DESC LIMIT 1`, monitorID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: resolve incident: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE incidents SET status = 'resolved', resolved_at = ?, updated_at = ?
		WHERE id = ?`, at, at, id); err != nil {
		return 0, fmt.Errorf("store: resolve incident: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO incident_updates(incident_id, status, body, created_at)
		VALUES (?, 'resolved', ?, ?)`, id, body, at)
	if err != nil {
		return 0, fmt.Errorf("store: resolve incident: %w", err)
	}
	return id, nil
}

// OpenMonitorIncidentID is the id of the monitor's open automatic
// incident inside tx, 0 when none.
func OpenMonitorIncidentID(ctx context.Context, tx *sql.Tx, monitorID int64) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM incidents WHERE monitor_id = ? AND source = 'monitor'
		AND resolved_at IS NULL ORDER BY id DESC LIMIT 1`, monitorID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: open incident id: %w", err)
	}
	return id, nil
}

// InsertAlertEvent writes an alert_events row inside tx.
func InsertAlertEvent(ctx context.Context, tx *sql.Tx, teamID int64, kind string, monitorID int64, payload string, at int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO alert_events(team_id, kind, monitor_id, payload, created_at)
		VALUES (?, ?, ?, ?, ?)`, teamID, kind, monitorID, payload, at)
	if err != nil {
		return fmt.Errorf("store: insert alert event: %w", err)
	}
	return nil
}

// MonitorIncident is an incident as a monitor's page lists it.
type MonitorIncident struct {
	ID         int64
	Title      string
	Status     string
	Source     string
	StartedAt  int64
	ResolvedAt int64
}

// MonitorIncidents lists the incidents of one of the team's monitors,
// newest first.
func (s *Store) MonitorIncidents(ctx context.Context, teamID, monitorID int64, limit int) ([]MonitorIncident, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT id, title, status, source, started_at, COALESCE(resolved_at, 0)
		FROM incidents WHERE team_id = ? AND monitor_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`,
		teamID, monitorID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: monitor incidents: %w", err)
	}
	defer rows.Close()
	var out []MonitorIncident
	for rows.Next() {
		var in MonitorIncident
		if err := rows.Scan(&in.ID, &in.Title, &in.Status, &in.Source, &in.StartedAt, &in.ResolvedAt); err != nil {
			return nil, fmt.Errorf("store: monitor incidents: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// MaintenanceWindow is a maintenance row with the monitors it covers.
type MaintenanceWindow struct {
	ID              int64
	TeamID          int64
	Title           string
	Kind            string // once recurring
	StartsAt        int64
	EndsAt          int64
	Weekdays        int
	StartTime       string
	DurationMinutes int
	Timezone        string
	MonitorIDs      []int64
}

// MaintenanceWindows lists every maintenance window of every team with
// its monitors (for the scheduler).
func (s *Store) MaintenanceWindows(ctx context.Context) ([]MaintenanceWindow, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT m.id, m.team_id, m.title, m.kind, COALESCE(m.starts_at, 0),
		COALESCE(m.ends_at, 0), m.weekdays, m.start_time, m.duration_minutes, m.timezone, mm.monitor_id
		FROM maintenance m JOIN maintenance_monitors mm ON mm.maintenance_id = m.id ORDER BY m.id`)
	if err != nil {
		return nil, fmt.Errorf("store: maintenance windows: %w", err)
	}
	defer rows.Close()
	var out []MaintenanceWindow
	for rows.Next() {
		var w MaintenanceWindow
		var mid int64
		if err := rows.Scan(&w.ID, &w.TeamID, &w.Title, &w.Kind, &w.StartsAt, &w.EndsAt, &w.Weekdays,
			&w.StartTime, &w.DurationMinutes, &w.Timezone, &mid); err != nil {
			return nil, fmt.Errorf("store: maintenance windows: %w", err)
		}
		if n := len(out); n > 0 && out[n-1].ID == w.ID {
			out[n-1].MonitorIDs = append(out[n-1].MonitorIDs, mid)
			continue
		}
		w.MonitorIDs = []int64{mid}
		out = append(out, w)
	}
	return out, rows.Err()
}
