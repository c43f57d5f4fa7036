package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Roles a member can hold, from most to least powerful.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleViewer = "viewer"
)

// RoleRank orders roles: a higher rank may do everything a lower one may.
func RoleRank(role string) int {
	switch role {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// User is a person who can sign in.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    int64
}

// Team is the tenancy boundary: every monitor, page and project has one.
type Team struct {
	ID        int64
	Name      string
	CreatedAt int64
}

// Member is a user's place in a team.
type Member struct {
	User
	TeamID int64
	Role   string
	Joined int64
}

func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateOwner creates a user, a team named teamName and makes the user its
// owner, in one transaction. A taken e-mail gives ErrConflict.
func (s *Store) CreateOwner(ctx context.Context, email, name, hash, teamName string) (User, Team, error) {
	now := Now()
	u := User{Email: email, Name: name, PasswordHash: hash, CreatedAt: now}
	t := Team{Name: teamName, CreatedAt: now}
	err := s.Write(ctx, func(tx *sql.Tx) error {
		var err error
		if u.ID, err = insertUser(ctx, tx, u); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO teams(name, created_at) VALUES (?, ?)", teamName, now)
		if err != nil {
			return fmt.Errorf("store: insert team: %w", err)
		}
		t.ID, _ = res.LastInsertId()
		return insertMember(ctx, tx, t.ID, u.ID, RoleOwner)
	})
	return u, t, err
}

// CompleteSetup creates the first owner only while no user exists, so two
// racing setup requests cannot both succeed; the loser gets ErrConflict.
func (s *Store) CompleteSetup(ctx context.Context, email, name, hash, teamName string) (User, Team, error) {
	now := Now()
	u := User{Email: email, Name: name, PasswordHash: hash, CreatedAt: now}
	t := Team{Name: teamName, CreatedAt: now}
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO settings(key, value) VALUES ('setup_done', '1') ON CONFLICT DO NOTHING")
		if err != nil {
			return fmt.Errorf("store: mark setup: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		if u.ID, err = insertUser(ctx, tx, u); err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, "INSERT INTO teams(name, created_at) VALUES (?, ?)", teamName, now)
		if err != nil {
			return fmt.Errorf("store: insert team: %w", err)
		}
		t.ID, _ = res.LastInsertId()
		return insertMember(ctx, tx, t.ID, u.ID, RoleOwner)
	})
	return u, t, err
}

// MarkSetupDone records that the first account exists (used by the command
// line, which creates owners without the setup page).
func (s *Store) MarkSetupDone(ctx context.Context) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			"INSERT INTO settings(key, value) VALUES ('setup_done', '1') ON CONFLICT DO NOTHING")
		return err
	})
}

// SetupDone reports whether the first account has been created.
func (s *Store) SetupDone(ctx context.Context) (bool, error) {
	var n int
	err := s.R.QueryRowContext(ctx, "SELECT COUNT(*) FROM settings WHERE key = 'setup_done'").Scan(&n)
	if err != nil {
		return false, fmt.Errorf("store: setup state: %w", err)
	}
	return n > 0, nil
}

func insertUser(ctx context.Context, tx *sql.Tx, u User) (int64, error) {
	res, err := tx.ExecContext(ctx,
		"INSERT INTO users(email, name, password_hash, created_at) VALUES (?, ?, ?, ?)",
		u.Email, u.Name, u.PasswordHash, u.CreatedAt)
	if isUnique(err) {
		return 0, ErrConflict
	}
	if err != nil {
		return 0, fmt.Errorf("store: insert user: %w", err)
	}
	return res.LastInsertId()
}

func insertMember(ctx context.Context, tx *sql.Tx, teamID, userID int64, role string) error {
	_, err := tx.ExecContext(ctx,
		"INSERT INTO memberships(team_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
		teamID, userID, role, Now())
	if isUnique(err) || (err != nil && strings.Contains(err.Error(), "PRIMARY KEY")) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: insert membership: %w", err)
	}
	return nil
}

const userCols = "id, email, name, password_hash, created_at"

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("store: scan user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user by e-mail, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(s.R.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE email = ?", email))
}

// UserByID finds a user by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	return scanUser(s.R.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE id = ?", id))
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", hash, userID)
		return err
	})
}

// TeamByID finds a team.
func (s *Store) TeamByID(ctx context.Context, id int64) (Team, error) {
	var t Team
	err := s.R.QueryRowContext(ctx, "SELECT id, name, created_at FROM teams WHERE id = ?", id).
		Scan(&t.ID, &t.Name, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// RenameTeam changes a team's name.
func (s *Store) RenameTeam(ctx context.Context, id int64, name string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE teams SET name = ? WHERE id = ?", name, id)
		return err
	})
}

// TeamsOf lists the teams a user belongs to with the user's role in each.
func (s *Store) TeamsOf(ctx context.Context, userID int64) ([]Member, []Team, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT t.id, t.name, t.created_at, m.role
		FROM memberships m JOIN teams t ON t.id = m.team_id WHERE m.user_id = ? ORDER BY t.id`, userID)
	if err != nil {
		return nil, nil, fmt.Errorf("store: teams of user: %w", err)
	}
	defer rows.Close()
	var ms []Member
	var ts []Team
	for rows.Next() {
		var t Team
		var role string
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &role); err != nil {
			return nil, nil, fmt.Errorf("store: teams of user: %w", err)
		}
		ts = append(ts, t)
		ms = append(ms, Member{TeamID: t.ID, Role: role})
	}
	return ms, ts, rows.Err()
}

// Membership returns the user's role in a team, or ErrNotFound.
func (s *Store) Membership(ctx context.Context, teamID, userID int64) (string, error) {
	var role string
	err := s.R.QueryRowContext(ctx, "SELECT role FROM memberships WHERE team_id = ? AND user_id = ?",
		teamID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return role, err
}

// Members lists a team's members, owners first.
func (s *Store) Members(ctx context.Context, teamID int64) ([]Member, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT u.id, u.email, u.name, u.password_hash, u.created_at,
		m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = ? ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1
		WHEN 'member' THEN 2 ELSE 3 END, u.email`, teamID)
	if err != nil {
		return nil, fmt.Errorf("store: members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		m := Member{TeamID: teamID}
		err := rows.Scan(&m.ID, &m.Email, &m.Name, &m.PasswordHash, &m.CreatedAt, &m.Role, &m.Joined)
		if err != nil {
			return nil, fmt.Errorf("store: members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetRole changes a member's role. The last owner cannot be demoted.
func (s *Store) SetRole(ctx context.Context, teamID, userID int64, role string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := keepAnOwner(ctx, tx, teamID, userID); err != nil && role != RoleOwner {
			return err
		}
		res, err := tx.ExecContext(ctx, "UPDATE memberships SET role = ? WHERE team_id = ? AND user_id = ?",
			role, teamID, userID)
		if err != nil {
			return fmt.Errorf("store: set role: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// RemoveMember takes a user out of a team and ends their sessions in it.
// The last owner cannot be removed.
func (s *Store) RemoveMember(ctx context.Context, teamID, userID int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		if err := keepAnOwner(ctx, tx, teamID, userID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM memberships WHERE team_id = ? AND user_id = ?", teamID, userID)
		if err != nil {
			return fmt.Errorf("store: remove member: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE team_id = ? AND user_id = ?",
			teamID, userID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE team_id = ? AND user_id = ? AND revoked_at IS NULL",
			Now(), teamID, userID)
		return err
	})
}

// ErrLastOwner is returned when a change would leave a team without an owner.
var ErrLastOwner = errors.New("store: a team needs at least one owner")

func keepAnOwner(ctx context.Context, tx *sql.Tx, teamID, userID int64) error {
	var role string
	err := tx.QueryRowContext(ctx, "SELECT role FROM memberships WHERE team_id = ? AND user_id = ?",
		teamID, userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil || role != RoleOwner {
		return err
	}
	var owners int
	err = tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM memberships WHERE team_id = ? AND role = 'owner'",
		teamID).Scan(&owners)
	if err != nil {
		return err
	}
	if owners <= 1 {
		return ErrLastOwner
	}
	return nil
}
