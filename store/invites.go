package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Invite lets a person join a team by a link.
type Invite struct {
	ID         int64
	TeamID     int64
	TeamName   string
	Email      string
	Role       string
	TokenHash  string
	CreatedBy  int64
	CreatedAt  int64
	ExpiresAt  int64
	AcceptedAt int64
	RevokedAt  int64
}

// CreateInvite stores an invite.
func (s *Store) CreateInvite(ctx context.Context, in Invite) (Invite, error) {
	in.CreatedAt = Now()
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO invites(team_id, email, role, token_hash, created_by,
			created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			in.TeamID, in.Email, in.Role, in.TokenHash, in.CreatedBy, in.CreatedAt, in.ExpiresAt)
		if err != nil {
			return fmt.Errorf("store: create invite: %w", err)
		}
		in.ID, _ = res.LastInsertId()
		return nil
	})
	return in, err
}

const inviteCols = `i.id, i.team_id, t.name, i.email, i.role, i.token_hash, COALESCE(i.created_by, 0),
	i.created_at, i.expires_at, COALESCE(i.accepted_at, 0), COALESCE(i.revoked_at, 0)`

func scanInvite(row interface{ Scan(...any) error }) (Invite, error) {
	var in Invite
	err := row.Scan(&in.ID, &in.TeamID, &in.TeamName, &in.Email, &in.Role, &in.TokenHash, &in.CreatedBy,
		&in.CreatedAt, &in.ExpiresAt, &in.AcceptedAt, &in.RevokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return in, ErrNotFound
	}
	if err != nil {
		return in, fmt.Errorf("store: scan invite: %w", err)
	}
	return in, nil
}

// InviteByHash finds an open (unaccepted, unrevoked, unexpired) invite.
func (s *Store) InviteByHash(ctx context.Context, hash string) (Invite, error) {
	return scanInvite(s.R.QueryRowContext(ctx, "SELECT "+inviteCols+` FROM invites i
		JOIN teams t ON t.id = i.team_id WHERE i.token_hash = ? AND i.accepted_at IS NULL
		AND i.revoked_at IS NULL AND i.expires_at > ?`, hash, Now()))
}

// Invites lists a team's open invites.
func (s *Store) Invites(ctx context.Context, teamID int64) ([]Invite, error) {
	rows, err := s.R.QueryContext(ctx, "SELECT "+inviteCols+` FROM invites i JOIN teams t ON t.id = i.team_id
		WHERE i.team_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?
		ORDER BY i.id DESC`, teamID, Now())
	if err != nil {
		return nil, fmt.Errorf("store: invites: %w", err)
	}
	defer rows.Close()
	var out []Invite
	for rows.Next() {
		in, err := scanInvite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// RevokeInvite cancels an open invite of the team.
func (s *Store) RevokeInvite(ctx context.Context, teamID, id int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE invites SET revoked_at = ? WHERE id = ? AND team_id = ?
			AND accepted_at IS NULL AND revoked_at IS NULL`, Now(), id, teamID)
		if err != nil {
			return fmt.Errorf("store: revoke invite: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// AcceptInvite marks the invite used and adds the user to the team. When
// newUser is set (ID 0) the user is created first. Accepting twice, or an
// expired invite, gives ErrNotFound.
func (s *Store) AcceptInvite(ctx context.Context, hash string, newUser User, existingID int64) (int64, Invite, error) {
	var in Invite
	userID := existingID
	err := s.Write(ctx, func(tx *sql.Tx) error {
		var err error
		in, err = scanInvite(tx.QueryRowContext(ctx, "SELECT "+inviteCols+` FROM invites i
			JOIN teams t ON t.id = i.team_id WHERE i.token_hash = ? AND i.accepted_at IS NULL
			AND i.revoked_at IS NULL AND i.expires_at > ?`, hash, Now()))
		if err != nil {
			return err
		}
		if userID == 0 {
			newUser.CreatedAt = Now()
			if userID, err = insertUser(ctx, tx, newUser); err != nil {
				return err
			}
		}
		if err := insertMember(ctx, tx, in.TeamID, userID, in.Role); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE invites SET accepted_at = ? WHERE id = ?", Now(), in.ID)
		return err
	})
	return userID, in, err
}
