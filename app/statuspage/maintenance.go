package statuspage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/bitwobbly/bitwobbly/checks"
	"github.com/bitwobbly/bitwobbly/store"
)

// Maintenance is a planned window, once or recurring, over monitors and
// components.
type Maintenance struct {
	ID              int64
	TeamID          int64
	Title           string
	Description     string // Markdown
	Kind            string // once recurring
	StartsAt        int64
	EndsAt          int64
	Weekdays        int // Sunday = 1<<0
	StartTime       string
	DurationMinutes int
	Timezone        string
	MonitorIDs      []int64
	ComponentIDs    []int64
	CreatedAt       int64
	UpdatedAt       int64
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// Validate normalises and checks a maintenance window.
func (m *Maintenance) Validate() error {
	var err error
	if m.Title, err = trimLen("title", m.Title, 1, 200); err != nil {
		return err
	}
	if m.Description, err = trimLen("description", m.Description, 0, 5000); err != nil {
		return err
	}
	if m.Timezone == "" {
		m.Timezone = "UTC"
	}
	if err := ValidTimezone(m.Timezone); err != nil {
		return err
	}
	switch m.Kind {
	case "", "once":
		m.Kind = "once"
		if m.StartsAt == 0 {
			return invalid("starts_at", "is required")
		}
		if m.EndsAt <= m.StartsAt {
			return invalid("ends_at", "must be after starts_at")
		}
	case "recurring":
		if m.Weekdays <= 0 || m.Weekdays > 127 {
			return invalid("weekdays", "choose at least one weekday")
		}
		if !hhmm.MatchString(m.StartTime) {
			return invalid("start_time", "use HH:MM, 24-hour")
		}
		if m.DurationMinutes < 1 || m.DurationMinutes > 7*24*60 {
			return invalid("duration_minutes", "use 1 to 10080 minutes")
		}
	default:
		return invalid("kind", "use once or recurring")
	}
	return nil
}

// Window is one occurrence of a maintenance.
type Window struct {
	Start, End time.Time
}

// window is m's timing in the form the monitoring scheduler uses, so
// pages and monitors agree on when maintenance runs.
func (m Maintenance) window() checks.Window {
	return checks.Window{Kind: m.Kind, StartsAt: store.Time(m.StartsAt), EndsAt: store.Time(m.EndsAt),
		Weekdays: m.Weekdays, StartTime: m.StartTime, DurationMinutes: m.DurationMinutes, Timezone: m.Timezone}
}

// Active reports whether a window of m covers now, and which.
func (m Maintenance) Active(now time.Time) (Window, bool) {
	start, end, ok := checks.MaintenanceOccurrence(m.window(), now)
	if !ok || start.After(now) {
		return Window{}, false
	}
	return Window{start.UTC(), end.UTC()}, true
}

// Next returns the first window of m starting after now.
func (m Maintenance) Next(now time.Time) (Window, bool) {
	start, end, ok := checks.MaintenanceOccurrence(m.window(), now)
	if ok && start.After(now) {
		return Window{start.UTC(), end.UTC()}, true
	}
	if ok {
		return m.Next(end)
	}
	return Window{}, false
}

const maintCols = `id, team_id, title, description, kind, COALESCE(starts_at, 0), COALESCE(ends_at, 0),
	weekdays, start_time, duration_minutes, timezone, created_at, updated_at`

func scanMaint(row interface{ Scan(...any) error }) (Maintenance, error) {
	var m Maintenance
	err := row.Scan(&m.ID, &m.TeamID, &m.Title, &m.Description, &m.Kind, &m.StartsAt, &m.EndsAt, &m.Weekdays,
		&m.StartTime, &m.DurationMinutes, &m.Timezone, &m.CreatedAt, &m.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return m, store.ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("statuspage: scan maintenance: %w", err)
	}
	return m, nil
}

func (d *DB) saveMaintLinks(ctx context.Context, tx *sql.Tx, m Maintenance) error {
	if err := checkMonitors(ctx, tx, m.TeamID, m.MonitorIDs); err != nil {
		return err
	}
	if err := checkComponents(ctx, tx, m.TeamID, m.ComponentIDs); err != nil {
		return err
	}
	tx.ExecContext(ctx, `DELETE FROM maintenance_monitors WHERE maintenance_id=?`, m.ID)
	tx.ExecContext(ctx, `DELETE FROM maintenance_components WHERE maintenance_id=?`, m.ID)
	for _, id := range m.MonitorIDs {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO maintenance_monitors(maintenance_id, monitor_id)
			VALUES (?,?)`, m.ID, id); err != nil {
			return fmt.Errorf("statuspage: maintenance monitors: %w", err)
		}
	}
	for _, id := range m.ComponentIDs {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO maintenance_components(maintenance_id, component_id)
			VALUES (?,?)`, m.ID, id); err != nil {
			return fmt.Errorf("statuspage: maintenance components: %w", err)
		}
	}
	return nil
}

// SaveMaintenance creates (ID 0) or updates a window with its links.
func (d *DB) SaveMaintenance(ctx context.Context, m Maintenance) (Maintenance, error) {
	var err error
	if m.MonitorIDs, err = uniqueIDs("monitor_ids", m.MonitorIDs); err != nil {
		return m, err
	}
	if m.ComponentIDs, err = uniqueIDs("component_ids", m.ComponentIDs); err != nil {
		return m, err
	}
	m.UpdatedAt = store.Now()
	if m.ID == 0 {
		m.CreatedAt = m.UpdatedAt
	}
	err = d.st.Write(ctx, func(tx *sql.Tx) error {
		if m.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO maintenance(team_id, title, description, kind, starts_at,
				ends_at, weekdays, start_time, duration_minutes, timezone, created_at, updated_at)
				VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, m.TeamID, m.Title, m.Description, m.Kind, nullID(m.StartsAt),
				nullID(m.EndsAt), m.Weekdays, m.StartTime, m.DurationMinutes, m.Timezone, m.CreatedAt, m.UpdatedAt)
			if err != nil {
				return fmt.Errorf("statuspage: create maintenance: %w", err)
			}
			m.ID, _ = res.LastInsertId()
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE maintenance SET title=?, description=?, kind=?, starts_at=?,
				ends_at=?, weekdays=?, start_time=?, duration_minutes=?, timezone=?, updated_at=?
				WHERE id=? AND team_id=?`, m.Title, m.Description, m.Kind, nullID(m.StartsAt), nullID(m.EndsAt),
				m.Weekdays, m.StartTime, m.DurationMinutes, m.Timezone, m.UpdatedAt, m.ID, m.TeamID)
			if err != nil {
				return fmt.Errorf("statuspage: update maintenance: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return store.ErrNotFound
			}
		}
		return d.saveMaintLinks(ctx, tx, m)
	})
	return m, err
}

// DeleteMaintenance removes a window of a team.
func (d *DB) DeleteMaintenance(ctx context.Context, teamID, id int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM maintenance WHERE id=? AND team_id=?`, id, teamID)
		if err != nil {
			return fmt.Errorf("statuspage: delete maintenance: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// MaintenanceByID returns one window of a team with its links.
func (d *DB) MaintenanceByID(ctx context.Context, teamID, id int64) (Maintenance, error) {
	m, err := scanMaint(d.st.R.QueryRowContext(ctx, `SELECT `+maintCols+` FROM maintenance WHERE id=? AND team_id=?`,
		id, teamID))
	if err != nil {
		return m, err
	}
	list := []Maintenance{m}
	err = d.fillMaint(ctx, list)
	return list[0], err
}

// MaintenanceList lists a team's windows after the id cursor.
func (d *DB) MaintenanceList(ctx context.Context, teamID, after int64, limit int) ([]Maintenance, error) {
	rows, err := d.st.R.QueryContext(ctx, `SELECT `+maintCols+` FROM maintenance WHERE team_id=? AND id>?
		ORDER BY id LIMIT ?`, teamID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("statuspage: maintenance: %w", err)
	}
	var out []Maintenance
	for rows.Next() {
		m, err := scanMaint(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, d.fillMaint(ctx, out)
}

func (d *DB) fillMaint(ctx context.Context, list []Maintenance) error {
	var err error
	for i := range list {
		list[i].MonitorIDs, err = d.ids(ctx, `SELECT monitor_id FROM maintenance_monitors WHERE maintenance_id=?
			ORDER BY monitor_id`, list[i].ID)
		if err != nil {
			return err
		}
		list[i].ComponentIDs, err = d.ids(ctx, `SELECT component_id FROM maintenance_components
			WHERE maintenance_id=? ORDER BY component_id`, list[i].ID)
		if err != nil {
			return err
		}
	}
	return nil
}
