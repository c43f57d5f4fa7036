package statuspage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/bitwobbly/bitwobbly/store"
)

// Incident is an incident with its timeline and affected components.
type Incident struct {
	ID         int64
	TeamID     int64
	Title      string
	Status     string
	Impact     string
	MonitorID  int64
	Source     string
	StartedAt  int64
	ResolvedAt int64
	CreatedAt  int64
	UpdatedAt  int64
	Updates    []Update // newest first
	Components []Affected
}

// Update is one timestamped entry of an incident's timeline.
type Update struct {
	ID         int64
	IncidentID int64
	Status     string
	Body       string // Markdown
	CreatedAt  int64
}

// Affected is a component an incident affects and the status it gives it.
type Affected struct {
	ComponentID int64
	Status      string
}

// ComponentIDs lists the affected components' ids.
func (in Incident) ComponentIDs() []int64 {
	out := []int64{}
	for _, a := range in.Components {
		out = append(out, a.ComponentID)
	}
	return out
}

// ValidateIncident normalises and checks the people-editable fields.
func ValidateIncident(in *Incident) error {
	var err error
	if len(in.Components) > 0 {
		seen := map[int64]bool{}
		comps := make([]Affected, 0, len(in.Components))
		for _, a := range in.Components {
			if !seen[a.ComponentID] {
				seen[a.ComponentID] = true
				comps = append(comps, a)
			}
		}
		if len(comps) > MaxLinks {
			return invalid("component_ids", "name at most %d", MaxLinks)
		}
		in.Components = comps
	}
	if in.Title, err = trimLen("title", in.Title, 1, 200); err != nil {
		return err
	}
	if in.Status == "" {
		in.Status = "investigating"
	}
	if !ValidIncidentStatus(in.Status) {
		return invalid("status", "use one of %s", strings.Join(IncidentStatuses, ", "))
	}
	if in.Impact == "" {
		in.Impact = "minor"
	}
	if !ValidImpact(in.Impact) {
		return invalid("impact", "use one of %s", strings.Join(Impacts, ", "))
	}
	for _, a := range in.Components {
		if !ValidComponentStatus(a.Status) {
			return invalid("component_status", "use one of %s", strings.Join(ComponentStatuses, ", "))
		}
	}
	return nil
}

// ImpactStatus is the component status an impact gives by default.
func ImpactStatus(impact string) string {
	switch impact {
	case "critical":
		return Major
	case "major":
		return Partial
	case "minor":
		return Degraded
	}
	return Operational
}

const incidentCols = `id, team_id, title, status, impact, COALESCE(monitor_id, 0), source, started_at,
	COALESCE(resolved_at, 0), created_at, updated_at`

func scanIncident(row interface{ Scan(...any) error }) (Incident, error) {
	var in Incident
	err := row.Scan(&in.ID, &in.TeamID, &in.Title, &in.Status, &in.Impact, &in.MonitorID, &in.Source,
		&in.StartedAt, &in.ResolvedAt, &in.CreatedAt, &in.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return in, store.ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("statuspage: scan incident: %w", err)
	}
	return in, nil
}

// CreateIncident opens an incident by hand with its first update.
func (d *DB) CreateIncident(ctx context.Context, in Incident, body string, userID int64) (Incident, error) {
	now := store.Now()
	if in.StartedAt == 0 {
		in.StartedAt = now
	}
	in.CreatedAt, in.UpdatedAt, in.Source = now, now, "manual"
	if in.Status == "resolved" {
		in.ResolvedAt = now
	}
	err := d.st.Write(ctx, func(tx *sql.Tx) error {
		if in.MonitorID != 0 {
			if err := checkMonitors(ctx, tx, in.TeamID, []int64{in.MonitorID}); err != nil {
				return invalid("monitor_id", "monitor %d does not exist", in.MonitorID)
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO incidents(team_id, title, status, impact, monitor_id, source,
			started_at, resolved_at, created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			in.TeamID, in.Title, in.Status, in.Impact, nullID(in.MonitorID), in.Source, in.StartedAt,
			nullID(in.ResolvedAt), nullID(userID), in.CreatedAt, in.UpdatedAt)
		if err != nil {
			return fmt.Errorf("statuspage: create incident: %w", err)
		}
		in.ID, _ = res.LastInsertId()
		if err := setAffected(ctx, tx, in.TeamID, in.ID, in.Components); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO incident_updates(incident_id, status, body, created_by, created_at)
			VALUES (?,?,?,?,?)`, in.ID, in.Status, body, nullID(userID), now)
		if err != nil {
			return fmt.Errorf("statuspage: first update: %w", err)
		}
		return nil
	})
	return in, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func setAffected(ctx context.Context, tx *sql.Tx, teamID, incidentID int64, comps []Affected) error {
	ids := make([]int64, 0, len(comps))
	for _, a := range comps {
		ids = append(ids, a.ComponentID)
	}
	if err := checkComponents(ctx, tx, teamID, ids); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM incident_components WHERE incident_id=?`, incidentID); err != nil {
		return fmt.Errorf("statuspage: incident components: %w", err)
	}
	for _, a := range comps {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO incident_components(incident_id, component_id, status)
			VALUES (?,?,?)`, incidentID, a.ComponentID, a.Status)
		if err != nil {
			return fmt.Errorf("statuspage: incident components: %w", err)
		}
	}
	return nil
}

// IncidentChange is what a PATCH or a new update may change.
type IncidentChange struct {
	Title      *string
	Status     *string
	Impact     *string
	Components *[]Affected
	Body       *string // a Markdown update to append
}

// ChangeIncident applies a change; a new status or body appends an update.
func (d *DB) ChangeIncident(ctx context.Context, teamID, id int64, ch IncidentChange, userID int64) (Incident, error) {
	in, err := d.Incident(ctx, teamID, id)
	if err != nil {
		return in, err
	}
	statusChanged := ch.Status != nil && *ch.Status != in.Status
	if ch.Title != nil {
		in.Title = *ch.Title
	}
	if ch.Status != nil {
		in.Status = *ch.Status
	}
	if ch.Impact != nil {
		in.Impact = *ch.Impact
	}
	if ch.Components != nil {
		in.Components = *ch.Components
	}
	if err := ValidateIncident(&in); err != nil {
		return in, err
	}
	now := store.Now()
	switch {
	case in.Status == "resolved" && in.ResolvedAt == 0:
		in.ResolvedAt = now
	case in.Status != "resolved":
		in.ResolvedAt = 0
	}
	err = d.st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE incidents SET title=?, status=?, impact=?, resolved_at=?, updated_at=?
			WHERE id=? AND team_id=?`, in.Title, in.Status, in.Impact, nullID(in.ResolvedAt), now, id, teamID)
		if err != nil {
			return fmt.Errorf("statuspage: update incident: %w", err)
		}
		if ch.Components != nil {
			if err := setAffected(ctx, tx, teamID, id, in.Components); err != nil {
				return err
			}
		}
		body := ""
		if ch.Body != nil {
			body = strings.TrimSpace(*ch.Body)
		}
		if statusChanged || body != "" {
			_, err = tx.ExecContext(ctx, `INSERT INTO incident_updates(incident_id, status, body, created_by, created_at)
				VALUES (?,?,?,?,?)`, id, in.Status, body, nullID(userID), now)
			if err != nil {
				return fmt.Errorf("statuspage: add update: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return in, err
	}
	return d.Incident(ctx, teamID, id)
}

// DeleteIncident removes an incident of a team.
func (d *DB) DeleteIncident(ctx context.Context, teamID, id int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM incidents WHERE id=? AND team_id=?`, id, teamID)
		if err != nil {
			return fmt.Errorf("statuspage: delete incident: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// Incident returns one incident of a team with updates and components.
func (d *DB) Incident(ctx context.Context, teamID, id int64) (Incident, error) {
	in, err := scanIncident(d.st.R.QueryRowContext(ctx, `SELECT `+incidentCols+
		` FROM incidents WHERE id=? AND team_id=?`, id, teamID))
	if err != nil {
		return in, err
	}
	list := []Incident{in}
	if err := d.fillIncidents(ctx, list); err != nil {
		return in, err
	}
	return list[0], nil
}

// IncidentFilter narrows an incident list.
type IncidentFilter struct {
	TeamID   int64
	Before   int64 // id cursor: only ids below (newest first)
	Limit    int
	Open     bool  // only unresolved
	Since    int64 // started or resolved at or after (ms)
	Monitors []int64
}

// Incidents lists a team's incidents, newest first, with their timelines.
func (d *DB) Incidents(ctx context.Context, f IncidentFilter) ([]Incident, error) {
	q := `SELECT ` + incidentCols + ` FROM incidents WHERE team_id=?`
	args := []any{f.TeamID}
	if f.Before > 0 {
		q += ` AND id<?`
		args = append(args, f.Before)
	}
	if f.Open {
		q += ` AND resolved_at IS NULL`
	}
	if f.Since > 0 {
		q += ` AND (resolved_at IS NULL OR resolved_at>=?)`
		args = append(args, f.Since)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := d.st.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("statuspage: incidents: %w", err)
	}
	var out []Incident
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, in)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, d.fillIncidents(ctx, out)
}

func (d *DB) fillIncidents(ctx context.Context, list []Incident) error {
	for i := range list {
		in := &list[i]
		in.Updates = nil
		rows, err := d.st.R.QueryContext(ctx, `SELECT id, incident_id, status, body, created_at FROM incident_updates
			WHERE incident_id=? ORDER BY created_at DESC, id DESC`, in.ID)
		if err != nil {
			return fmt.Errorf("statuspage: incident updates: %w", err)
		}
		for rows.Next() {
			var u Update
			if err := rows.Scan(&u.ID, &u.IncidentID, &u.Status, &u.Body, &u.CreatedAt); err != nil {
				rows.Close()
				return err
			}
			in.Updates = append(in.Updates, u)
		}
		rows.Close()
		in.Components = []Affected{}
		rows, err = d.st.R.QueryContext(ctx, `SELECT component_id, status FROM incident_components
			WHERE incident_id=? ORDER BY component_id`, in.ID)
		if err != nil {
			return fmt.Errorf("statuspage: incident components: %w", err)
		}
		for rows.Next() {
			var a Affected
			if err := rows.Scan(&a.ComponentID, &a.Status); err != nil {
				rows.Close()
				return err
			}
			in.Components = append(in.Components, a)
		}
		rows.Close()
	}
	return nil
}
