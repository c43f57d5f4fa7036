package statuspage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/bitwobbly/bitwobbly/store"
)

// Component is one row of a page: a service visitors care about, whose
// status follows its monitors unless overridden.
type Component struct {
	ID             int64
	TeamID         int64
	StatusPageID   int64
	Name           string
	Description    string
	Group          string
	Position       int
	StatusOverride string
	ShowUptime     bool
	ShowLatency    bool
	MonitorIDs     []int64
	CreatedAt      int64
	UpdatedAt      int64
}

// Validate normalises and checks a component's own fields.
func (c *Component) Validate() error {
	var err error
	if c.Name, err = trimLen("name", c.Name, 1, 120); err != nil {
		return err
	}
	if c.Description, err = trimLen("description", c.Description, 0, 1000); err != nil {
		return err
	}
	if c.Group, err = trimLen("group", c.Group, 0, 120); err != nil {
		return err
	}
	if c.StatusOverride != "" && !ValidComponentStatus(c.StatusOverride) {
		return invalid("status", "use one of %s", strings.Join(ComponentStatuses, ", "))
	}
	return nil
}

const componentCols = `id, team_id, status_page_id, name, description, group_name, position, status_override,
	show_uptime, show_latency, created_at, updated_at`

func scanComponent(row interface{ Scan(...any) error }) (Component, error) {
	var c Component
	err := row.Scan(&c.ID, &c.TeamID, &c.StatusPageID, &c.Name, &c.Description, &c.Group, &c.Position,
		&c.StatusOverride, &c.ShowUptime, &c.ShowLatency, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("statuspage: scan component: %w", err)
	}
	return c, nil
}

// MaxLinks bounds the monitors or components one object may name.
const MaxLinks = 200

// uniqueIDs drops repeated ids (keeping the first of each) and refuses
// more than MaxLinks, so a long list cannot hold the writer for long.
func uniqueIDs(field string, ids []int64) ([]int64, error) {
	if ids == nil {
		return nil, nil
	}
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, min(len(ids), MaxLinks))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		if len(out) == MaxLinks {
			return nil, invalid(field, "name at most %d", MaxLinks)
		}
		seen[id] = true
		out = append(out, id)
	}
	return out, nil
}

// checkMonitors verifies every monitor id belongs to the team.
func checkMonitors(ctx context.Context, tx *sql.Tx, teamID int64, ids []int64) error {
	for _, id := range ids {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitors WHERE id=? AND team_id=?`, id, teamID).Scan(&n)
		if err != nil {
			return fmt.Errorf("statuspage: check monitor: %w", err)
		}
		if n == 0 {
			return invalid("monitor_ids", "monitor %d does not exist", id)
		}
	}
	return nil
}

// checkComponents verifies every component id belongs to the team.
func checkComponents(ctx context.Context, tx *sql.Tx, teamID int64, ids []int64) error {
	for _, id := range ids {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM components WHERE id=? AND team_id=?`, id, teamID).Scan(&n)
		if err != nil {
			return fmt.Errorf("statuspage: check component: %w", err)
		}
		if n == 0 {
			return invalid("component_ids", "component %d does not exist", id)
		}
	}
	return nil
}

func (d *DB) setComponentMonitors(ctx context.Context, tx *sql.Tx, c Component) error {
	if err := checkMonitors(ctx, tx, c.TeamID, c.MonitorIDs); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM component_monitors WHERE component_id=?`, c.ID); err != nil {
		return fmt.Errorf("statuspage: component monitors: %w", err)
	}
	for _, m := range c.MonitorIDs {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO component_monitors(component_id, monitor_id) VALUES (?,?)`,
			c.ID, m)
		if err != nil {
			return fmt.Errorf("statuspage: component monitors: %w", err)
		}
	}
	return nil
}

// CreateComponent stores a component on a page of the same team.
func (d *DB) CreateComponent(ctx context.Context, c Component) (Component, error) {
	var err error
	if c.MonitorIDs, err = uniqueIDs("monitor_ids", c.MonitorIDs); err != nil {
		return c, err
	}
	c.CreatedAt = store.Now()
	c.UpdatedAt = c.CreatedAt
	err = d.st.Write(ctx, func(tx *sql.Tx) error {
		var n int
		tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM status_pages WHERE id=? AND team_id=?`,
			c.StatusPageID, c.TeamID).Scan(&n)
		if n == 0 {
			return invalid("status_page_id", "status page %d does not exist", c.StatusPageID)
		}
		if c.Position == 0 {
			tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM components WHERE status_page_id=?`,
				c.StatusPageID).Scan(&c.Position)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO components(team_id, status_page_id, name, description,
			group_name, position, status_override, show_uptime, show_latency, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			c.TeamID, c.StatusPageID, c.Name, c.Description, c.Group, c.Position, c.StatusOverride, c.ShowUptime,
			c.ShowLatency, c.CreatedAt, c.UpdatedAt)
		if err != nil {
			return fmt.Errorf("statuspage: create component: %w", err)
		}
		c.ID, _ = res.LastInsertId()
		return d.setComponentMonitors(ctx, tx, c)
	})
	return c, err
}

// UpdateComponent saves a component's fields and monitors.
func (d *DB) UpdateComponent(ctx context.Context, c Component) (Component, error) {
	var err error
	if c.MonitorIDs, err = uniqueIDs("monitor_ids", c.MonitorIDs); err != nil {
		return c, err
	}
	c.UpdatedAt = store.Now()
	err = d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE components SET name=?, description=?, group_name=?, position=?,
			status_override=?, show_uptime=?, show_latency=?, updated_at=? WHERE id=? AND team_id=?`,
			c.Name, c.Description, c.Group, c.Position, c.StatusOverride, c.ShowUptime, c.ShowLatency, c.UpdatedAt,
			c.ID, c.TeamID)
		if err != nil {
			return fmt.Errorf("statuspage: update component: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return d.setComponentMonitors(ctx, tx, c)
	})
	return c, err
}

// DeleteComponent removes a component of a team.
func (d *DB) DeleteComponent(ctx context.Context, teamID, id int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM components WHERE id=? AND team_id=?`, id, teamID)
		if err != nil {
			return fmt.Errorf("statuspage: delete component: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// Component returns one component of a team with its monitors.
func (d *DB) Component(ctx context.Context, teamID, id int64) (Component, error) {
	c, err := scanComponent(d.st.R.QueryRowContext(ctx, `SELECT `+componentCols+
		` FROM components WHERE id=? AND team_id=?`, id, teamID))
	if err != nil {
		return c, err
	}
	c.MonitorIDs, err = d.ids(ctx, `SELECT monitor_id FROM component_monitors WHERE component_id=? ORDER BY monitor_id`, c.ID)
	return c, err
}

// Components lists a team's components (optionally of one page) after the
// id cursor, ordered by id.
func (d *DB) Components(ctx context.Context, teamID, pageID, after int64, limit int) ([]Component, error) {
	q := `SELECT ` + componentCols + ` FROM components WHERE team_id=? AND id>?`
	args := []any{teamID, after}
	if pageID != 0 {
		q += ` AND status_page_id=?`
		args = append(args, pageID)
	}
	q += ` ORDER BY id LIMIT ?`
	return d.components(ctx, q, append(args, limit)...)
}

// PageComponents lists a page's components in display order.
func (d *DB) PageComponents(ctx context.Context, pageID int64) ([]Component, error) {
	return d.components(ctx, `SELECT `+componentCols+` FROM components WHERE status_page_id=?
		ORDER BY position, id`, pageID)
}

func (d *DB) components(ctx context.Context, q string, args ...any) ([]Component, error) {
	rows, err := d.st.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("statuspage: components: %w", err)
	}
	var out []Component
	for rows.Next() {
		c, err := scanComponent(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].MonitorIDs, err = d.ids(ctx, `SELECT monitor_id FROM component_monitors WHERE component_id=?
			ORDER BY monitor_id`, out[i].ID)
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (d *DB) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := d.st.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("statuspage: ids: %w", err)
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// MonitorRef is a monitor as pages see it.
type MonitorRef struct {
	ID     int64
	Name   string
	Status string
}

// Monitors lists a team's monitors (for pickers and status).
func (d *DB) Monitors(ctx context.Context, teamID int64) ([]MonitorRef, error) {
	rows, err := d.st.R.QueryContext(ctx, `SELECT id, name, status FROM monitors WHERE team_id=? ORDER BY name, id`,
		teamID)
	if err != nil {
		return nil, fmt.Errorf("statuspage: monitors: %w", err)
	}
	defer rows.Close()
	var out []MonitorRef
	for rows.Next() {
		var m MonitorRef
		if err := rows.Scan(&m.ID, &m.Name, &m.Status); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ParseIDs reads a comma-separated or repeated list of ids.
func ParseIDs(vals []string) ([]int64, error) {
	out := []int64{}
	for _, v := range vals {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			id, err := strconv.ParseInt(p, 10, 64)
			if err != nil || id <= 0 {
				return nil, fmt.Errorf("%q is not an id", p)
			}
			out = append(out, id)
		}
	}
	return out, nil
}
