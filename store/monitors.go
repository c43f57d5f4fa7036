package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Monitor is one row of the monitors table with the runtime state the
// scheduler keeps on it.
type Monitor struct {
	ID                int64
	TeamID            int64
	Name              string
	Type              string
	Target            string
	Config            string // type-specific JSON
	Description       string
	Tags              []string
	IntervalSeconds   int
	TimeoutSeconds    int
	FailureThreshold  int
	RecoveryThreshold int
	ConfirmRecheck    bool
	Enabled           bool
	Status            string
	StatusReason      string
	StatusChangedAt   int64
	LastCheckedAt     int64
	LastLatencyMS     int64 // -1 when there is none
	FailStreak        int
	OkStreak          int
	PushToken         string
	CreatedAt         int64
	UpdatedAt         int64
	CertExpiresAt     int64
	CertInfo          string
	CertAlertedAt     int64
	PushLastAt        int64
	PushStartedAt     int64
	StateChanges      string
}

// MonitorCols is the column list scanned by ScanMonitor.
const MonitorCols = `id, team_id, name, type, target, config, description, tags, interval_seconds,
	timeout_seconds, failure_threshold, recovery_threshold, confirm_recheck, enabled, status, status_reason,
	COALESCE(status_changed_at, 0), COALESCE(last_checked_at, 0), COALESCE(last_latency_ms, -1),
	fail_streak, ok_streak, COALESCE(push_token, ''), created_at, updated_at, COALESCE(cert_expires_at, 0),
	cert_info, COALESCE(cert_alerted_at, 0), COALESCE(push_last_at, 0), COALESCE(push_started_at, 0),
	state_changes`

// ScanMonitor reads a row selected with MonitorCols.
func ScanMonitor(row interface{ Scan(...any) error }) (Monitor, error) {
	var m Monitor
	var tags string
	err := row.Scan(&m.ID, &m.TeamID, &m.Name, &m.Type, &m.Target, &m.Config, &m.Description, &tags,
		&m.IntervalSeconds, &m.TimeoutSeconds, &m.FailureThreshold, &m.RecoveryThreshold, &m.ConfirmRecheck,
		&m.Enabled, &m.Status, &m.StatusReason, &m.StatusChangedAt, &m.LastCheckedAt, &m.LastLatencyMS,
		&m.FailStreak, &m.OkStreak, &m.PushToken, &m.CreatedAt, &m.UpdatedAt, &m.CertExpiresAt, &m.CertInfo,
		&m.CertAlertedAt, &m.PushLastAt, &m.PushStartedAt, &m.StateChanges)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("store: scan monitor: %w", err)
	}
	if err := json.Unmarshal([]byte(tags), &m.Tags); err != nil {
		m.Tags = nil
	}
	return m, nil
}

func tagsJSON(tags []string) string {
	if tags == nil {
		tags = []string{}
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

// monitorIDHighKey is the settings key holding the highest monitor id
// ever given.
const monitorIDHighKey = "monitor_id_high"

// CreateMonitor inserts m (ID, timestamps and status are set here).
func (s *Store) CreateMonitor(ctx context.Context, m Monitor) (Monitor, error) {
	m.CreatedAt = Now()
	m.UpdatedAt = m.CreatedAt
	if m.Status == "" {
		m.Status = "unknown"
	}
	var token any
	if m.PushToken != "" {
		token = m.PushToken
	}
	err := s.Write(ctx, func(tx *sql.Tx) error {
		// Ids are never reused: an id a deleted monitor had may still be
		// named by alert rule filters, past alert events or API clients.
		var id int64
		err := tx.QueryRowContext(ctx, `SELECT MAX(COALESCE((SELECT MAX(id) FROM monitors), 0),
			COALESCE((SELECT CAST(value AS INTEGER) FROM settings WHERE key = '`+monitorIDHighKey+`'), 0)) + 1`).Scan(&id)
		if err != nil {
			return fmt.Errorf("store: next monitor id: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO monitors(id, team_id, name, type, target, config, description,
			tags, interval_seconds, timeout_seconds, failure_threshold, recovery_threshold, confirm_recheck, enabled,
			status, status_reason, push_token, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, m.TeamID, m.Name, m.Type, m.Target, m.Config, m.Description, tagsJSON(m.Tags), m.IntervalSeconds,
			m.TimeoutSeconds, m.FailureThreshold, m.RecoveryThreshold, m.ConfirmRecheck, m.Enabled, m.Status,
			m.StatusReason, token, m.CreatedAt, m.UpdatedAt)
		if err != nil {
			return fmt.Errorf("store: create monitor: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES (?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, monitorIDHighKey, strconv.FormatInt(id, 10)); err != nil {
			return fmt.Errorf("store: monitor id mark: %w", err)
		}
		m.ID = id
		return nil
	})
	return m, err
}

// UpdateMonitor saves the editable fields of m. When the type, target or
// configuration changed, the runtime state (streaks, certificate) restarts.
func (s *Store) UpdateMonitor(ctx context.Context, m Monitor) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE monitors SET
			fail_streak = CASE WHEN type != ?1 OR target != ?2 OR config != ?3 THEN 0 ELSE fail_streak END,
			ok_streak = CASE WHEN type != ?1 OR target != ?2 OR config != ?3 THEN 0 ELSE ok_streak END,
			type = ?1, target = ?2, config = ?3, name = ?4, description = ?5, tags = ?6,
			interval_seconds = ?7, timeout_seconds = ?8, failure_threshold = ?9, recovery_threshold = ?10,
			confirm_recheck = ?11, updated_at = ?12
			WHERE id = ?13 AND team_id = ?14`,
			m.Type, m.Target, m.Config, m.Name, m.Description, tagsJSON(m.Tags), m.IntervalSeconds,
			m.TimeoutSeconds, m.FailureThreshold, m.RecoveryThreshold, m.ConfirmRecheck, Now(), m.ID, m.TeamID)
		if err != nil {
			return fmt.Errorf("store: update monitor: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// DeleteMonitor removes a monitor with its results and rollups. Its open
// automatic incidents are resolved in the same transaction, with an update
// saying the monitor was deleted, so none stays open without a monitor.
func (s *Store) DeleteMonitor(ctx context.Context, teamID, id int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM monitors WHERE id = ? AND team_id = ?`, id, teamID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: delete monitor: %w", err)
		}
		at := Now()
		for {
			inc, err := ResolveMonitorIncident(ctx, tx, id, fmt.Sprintf("Monitor %q was deleted.", name), at)
			if err != nil {
				return err
			}
			if inc == 0 {
				break
			}
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM monitors WHERE id = ? AND team_id = ?`, id, teamID)
		if err != nil {
			return fmt.Errorf("store: delete monitor: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// MonitorByID reads one of the team's monitors.
func (s *Store) MonitorByID(ctx context.Context, teamID, id int64) (Monitor, error) {
	return ScanMonitor(s.R.QueryRowContext(ctx, "SELECT "+MonitorCols+
		" FROM monitors WHERE id = ? AND team_id = ?", id, teamID))
}

// MonitorByPushToken finds a push monitor by its secret token.
func (s *Store) MonitorByPushToken(ctx context.Context, token string) (Monitor, error) {
	if token == "" {
		return Monitor{}, ErrNotFound
	}
	return ScanMonitor(s.R.QueryRowContext(ctx, "SELECT "+MonitorCols+
		" FROM monitors WHERE push_token = ? AND type = 'push'", token))
}

// MonitorFilter narrows Monitors.
type MonitorFilter struct {
	Status string // one status, or "" for all
	Tag    string
	Query  string // substring of name or target
	After  int64  // id cursor
	Limit  int
}

// Monitors lists a team's monitors by id.
func (s *Store) Monitors(ctx context.Context, teamID int64, f MonitorFilter) ([]Monitor, error) {
	q := "SELECT " + MonitorCols + " FROM monitors WHERE team_id = ? AND id > ?"
	args := []any{teamID, f.After}
	if f.Status != "" {
		q += " AND status = ?"
		args = append(args, f.Status)
	}
	if f.Tag != "" {
		q += " AND EXISTS (SELECT 1 FROM json_each(monitors.tags) WHERE value = ?)"
		args = append(args, f.Tag)
	}
	if f.Query != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Query) + "%"
		q += ` AND (name LIKE ? ESCAPE '\' OR target LIKE ? ESCAPE '\')`
		args = append(args, like, like)
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return s.queryMonitors(ctx, q, args...)
}

// AllMonitors lists every monitor of every team (for the scheduler).
func (s *Store) AllMonitors(ctx context.Context) ([]Monitor, error) {
	return s.queryMonitors(ctx, "SELECT "+MonitorCols+" FROM monitors ORDER BY id")
}

func (s *Store) queryMonitors(ctx context.Context, q string, args ...any) ([]Monitor, error) {
	rows, err := s.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list monitors: %w", err)
	}
	defer rows.Close()
	var out []Monitor
	for rows.Next() {
		m, err := ScanMonitor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MonitorTags lists the distinct tags used by a team's monitors.
func (s *Store) MonitorTags(ctx context.Context, teamID int64) ([]string, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT DISTINCT j.value FROM monitors, json_each(monitors.tags) j
		WHERE monitors.team_id = ? ORDER BY 1`, teamID)
	if err != nil {
		return nil, fmt.Errorf("store: monitor tags: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("store: monitor tags: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MonitorForUpdate reads a monitor inside a write transaction.
func MonitorForUpdate(ctx context.Context, tx *sql.Tx, id int64) (Monitor, error) {
	return ScanMonitor(tx.QueryRowContext(ctx, "SELECT "+MonitorCols+" FROM monitors WHERE id = ?", id))
}

// SaveMonitorState writes the runtime state of m inside tx.
func SaveMonitorState(ctx context.Context, tx *sql.Tx, m Monitor) error {
	latency := sql.NullInt64{Int64: m.LastLatencyMS, Valid: m.LastLatencyMS >= 0}
	_, err := tx.ExecContext(ctx, `UPDATE monitors SET status = ?, status_reason = ?, status_changed_at = ?,
		last_checked_at = ?, last_latency_ms = ?, fail_streak = ?, ok_streak = ?, cert_expires_at = ?,
		cert_info = ?, cert_alerted_at = ?, push_last_at = ?, push_started_at = ?, state_changes = ?,
		enabled = ?
		WHERE id = ?`,
		m.Status, m.StatusReason, nullMS(m.StatusChangedAt), nullMS(m.LastCheckedAt), latency, m.FailStreak,
		m.OkStreak, nullMS(m.CertExpiresAt), m.CertInfo, nullMS(m.CertAlertedAt), nullMS(m.PushLastAt),
		nullMS(m.PushStartedAt), m.StateChanges, m.Enabled, m.ID)
	if err != nil {
		return fmt.Errorf("store: save monitor state: %w", err)
	}
	return nil
}

func nullMS(ms int64) sql.NullInt64 { return sql.NullInt64{Int64: ms, Valid: ms != 0} }

// MonitorByIDAnyTeam reads a monitor whatever its team (for workers,
// never for requests).
func (s *Store) MonitorByIDAnyTeam(ctx context.Context, id int64) (Monitor, error) {
	return ScanMonitor(s.R.QueryRowContext(ctx, "SELECT "+MonitorCols+" FROM monitors WHERE id = ?", id))
}

// SetPushToken gives a push monitor its secret token.
func (s *Store) SetPushToken(ctx context.Context, id int64, token string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE monitors SET push_token = ? WHERE id = ?`, token, id)
		if err != nil {
			return fmt.Errorf("store: set push token: %w", err)
		}
		return nil
	})
}

// SetMonitorEnabled pauses (status paused) or resumes (status unknown
// until the next result) a monitor. Resuming restarts its streaks.
func (s *Store) SetMonitorEnabled(ctx context.Context, teamID, id int64, on bool) error {
	status, reason := "paused", "paused"
	if on {
		status, reason = "unknown", "resumed; waiting for the first check"
	}
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE monitors SET enabled = ?, status = ?, status_reason = ?,
			status_changed_at = ?, fail_streak = 0, ok_streak = 0, updated_at = ?
			WHERE id = ? AND team_id = ? AND enabled != ?`, on, status, reason, Now(), Now(), id, teamID, on)
		if err != nil {
			return fmt.Errorf("store: set monitor enabled: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.QueryRowContext(ctx, `SELECT 1 FROM monitors WHERE id = ? AND team_id = ?`, id, teamID).
				Scan(&one); err != nil {
				return ErrNotFound
			}
		}
		return nil
	})
}
