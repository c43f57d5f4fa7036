package issues

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bitwobbly/bitwobbly/store"
)

// Project is an error-tracking project of a team.
type Project struct {
	ID               int64
	TeamID           int64
	Name             string
	Platform         string
	RateLimit        *int
	ScrubData        bool
	ScrubFields      []string
	FingerprintRules string
	StackRules       string
	CreatedAt        int64
	UpdatedAt        int64
}

// Key is a project's client key.
type Key struct {
	ID        int64
	ProjectID int64
	TeamID    int64
	Label     string
	PublicKey string
	Enabled   bool
	RateLimit *int
	CreatedAt int64
}

// Platforms lists the platforms a project may have.
var Platforms = []string{"go", "javascript", "node", "python", "java", "ruby", "php", "dotnet", "other"}

const projectCols = `id, team_id, name, platform, rate_limit_per_minute, scrub_data, scrub_fields,
	fingerprint_rules, stack_rules, created_at, updated_at`

func scanProject(row interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var rl sql.NullInt64
	var fields string
	err := row.Scan(&p.ID, &p.TeamID, &p.Name, &p.Platform, &rl, &p.ScrubData, &fields,
		&p.FingerprintRules, &p.StackRules, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("issues: scan project: %w", err)
	}
	if rl.Valid {
		n := int(rl.Int64)
		p.RateLimit = &n
	}
	json.Unmarshal([]byte(fields), &p.ScrubFields)
	return p, nil
}

// Projects lists a team's projects by id.
func (s *Service) Projects(ctx context.Context, teamID int64) ([]Project, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT `+projectCols+` FROM projects WHERE team_id = ? ORDER BY id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("issues: list projects: %w", err)
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Project returns one project of the team.
func (s *Service) Project(ctx context.Context, teamID, id int64) (Project, error) {
	return scanProject(s.st.R.QueryRowContext(ctx, `SELECT `+projectCols+` FROM projects WHERE team_id = ? AND id = ?`,
		teamID, id))
}

// ProjectAnyTeam returns a project by id whatever its team (ingest only).
func (s *Service) ProjectAnyTeam(ctx context.Context, id int64) (Project, error) {
	return scanProject(s.st.R.QueryRowContext(ctx, `SELECT `+projectCols+` FROM projects WHERE id = ?`, id))
}

// CreateProject creates a project with one enabled key.
func (s *Service) CreateProject(ctx context.Context, p Project) (Project, Key, error) {
	now := store.Now()
	p.CreatedAt, p.UpdatedAt, p.ScrubData = now, now, true
	k := Key{TeamID: p.TeamID, Label: "Default", PublicKey: newPublicKey(), Enabled: true, CreatedAt: now}
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO projects (team_id, name, platform, rate_limit_per_minute, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, p.TeamID, p.Name, p.Platform, p.RateLimit, now, now)
		if err != nil {
			return err
		}
		p.ID, _ = res.LastInsertId()
		k.ProjectID = p.ID
		res, err = tx.Exec(`INSERT INTO project_keys (project_id, team_id, label, public_key, enabled, created_at)
			VALUES (?, ?, ?, ?, 1, ?)`, p.ID, p.TeamID, k.Label, k.PublicKey, now)
		if err != nil {
			return err
		}
		k.ID, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		return p, k, fmt.Errorf("issues: create project: %w", err)
	}
	return p, k, nil
}

// UpdateProject saves a project's settings.
func (s *Service) UpdateProject(ctx context.Context, p Project) error {
	fields, _ := json.Marshal(orEmpty(p.ScrubFields))
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE projects SET name = ?, platform = ?, rate_limit_per_minute = ?, scrub_data = ?,
			scrub_fields = ?, fingerprint_rules = ?, stack_rules = ?, updated_at = ? WHERE team_id = ? AND id = ?`,
			p.Name, p.Platform, p.RateLimit, p.ScrubData, string(fields), p.FingerprintRules, p.StackRules,
			store.Now(), p.TeamID, p.ID)
		return affected(res, err)
	})
	s.forget()
	return err
}

// DeleteProject removes a project with its keys, issues and events.
func (s *Service) DeleteProject(ctx context.Context, teamID, id int64) error {
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM projects WHERE team_id = ? AND id = ?`, teamID, id)
		if err := affected(res, err); err != nil {
			return err
		}
		_, err = tx.Exec(`DELETE FROM ingest_queue WHERE project_id = ?`, id)
		return err
	})
	s.forget()
	return err
}

const keyCols = `id, project_id, team_id, label, public_key, enabled, rate_limit_per_minute, created_at`

func scanKey(row interface{ Scan(...any) error }) (Key, error) {
	var k Key
	var rl sql.NullInt64
	err := row.Scan(&k.ID, &k.ProjectID, &k.TeamID, &k.Label, &k.PublicKey, &k.Enabled, &rl, &k.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return k, store.ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("issues: scan key: %w", err)
	}
	if rl.Valid {
		n := int(rl.Int64)
		k.RateLimit = &n
	}
	return k, nil
}

// Keys lists a project's keys.
func (s *Service) Keys(ctx context.Context, teamID, projectID int64) ([]Key, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT `+keyCols+` FROM project_keys
		WHERE team_id = ? AND project_id = ? ORDER BY id`, teamID, projectID)
	if err != nil {
		return nil, fmt.Errorf("issues: list keys: %w", err)
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// KeyOf returns one key of a project of the team.
func (s *Service) KeyOf(ctx context.Context, teamID, projectID, id int64) (Key, error) {
	return scanKey(s.st.R.QueryRowContext(ctx, `SELECT `+keyCols+` FROM project_keys
		WHERE team_id = ? AND project_id = ? AND id = ?`, teamID, projectID, id))
}

// KeyByPublic finds a key by its public part.
func (s *Service) KeyByPublic(ctx context.Context, pk string) (Key, error) {
	return scanKey(s.st.R.QueryRowContext(ctx, `SELECT `+keyCols+` FROM project_keys WHERE public_key = ?`, pk))
}

// CreateKey adds a key to a project of the team.
func (s *Service) CreateKey(ctx context.Context, k Key) (Key, error) {
	k.PublicKey, k.CreatedAt = newPublicKey(), store.Now()
	if k.Label == "" {
		k.Label = "Key"
	}
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM projects WHERE team_id = ? AND id = ?`, k.TeamID,
			k.ProjectID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		res, err := tx.Exec(`INSERT INTO project_keys (project_id, team_id, label, public_key, enabled,
			rate_limit_per_minute, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			k.ProjectID, k.TeamID, k.Label, k.PublicKey, k.Enabled, k.RateLimit, k.CreatedAt)
		if err != nil {
			return err
		}
		k.ID, _ = res.LastInsertId()
		return nil
	})
	return k, err
}

// UpdateKey saves a key's label, enabled flag and rate limit.
func (s *Service) UpdateKey(ctx context.Context, k Key) error {
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE project_keys SET label = ?, enabled = ?, rate_limit_per_minute = ?
			WHERE team_id = ? AND project_id = ? AND id = ?`, k.Label, k.Enabled, k.RateLimit, k.TeamID, k.ProjectID, k.ID)
		return affected(res, err)
	})
	s.forget()
	return err
}

// DeleteKey removes a key; SDKs using it get 403 from then on.
func (s *Service) DeleteKey(ctx context.Context, teamID, projectID, id int64) error {
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM project_keys WHERE team_id = ? AND project_id = ? AND id = ?`, teamID, projectID, id)
		return affected(res, err)
	})
	s.forget()
	return err
}

func newPublicKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return store.ErrNotFound
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
