package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// APIToken is a bearer token for the REST API. Only its hash is stored.
type APIToken struct {
	ID         int64
	TeamID     int64
	UserID     int64
	UserEmail  string
	Name       string
	Prefix     string
	Hash       string
	CreatedAt  int64
	LastUsedAt int64
	RevokedAt  int64
}

// CreateToken stores a token and returns it with its id.
func (s *Store) CreateToken(ctx context.Context, t APIToken) (APIToken, error) {
	t.CreatedAt = Now()
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO api_tokens(team_id, user_id, name, prefix, hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, t.TeamID, t.UserID, t.Name, t.Prefix, t.Hash, t.CreatedAt)
		if err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		t.ID, _ = res.LastInsertId()
		return nil
	})
	return t, err
}

const tokenCols = `t.id, t.team_id, t.user_id, u.email, t.name, t.prefix, t.hash, t.created_at,
	COALESCE(t.last_used_at, 0), COALESCE(t.revoked_at, 0)`

func scanToken(row interface{ Scan(...any) error }) (APIToken, error) {
	var t APIToken
	err := row.Scan(&t.ID, &t.TeamID, &t.UserID, &t.UserEmail, &t.Name, &t.Prefix, &t.Hash,
		&t.CreatedAt, &t.LastUsedAt, &t.RevokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, fmt.Errorf("store: scan token: %w", err)
	}
	return t, nil
}

// TokenByHash finds a live (not revoked) token by its hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (APIToken, error) {
	return scanToken(s.R.QueryRowContext(ctx, "SELECT "+tokenCols+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ? AND t.revoked_at IS NULL", hash))
}

// Tokens lists a team's tokens, newest first, revoked ones included.
func (s *Store) Tokens(ctx context.Context, teamID int64) ([]APIToken, error) {
	rows, err := s.R.QueryContext(ctx, "SELECT "+tokenCols+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.team_id = ? ORDER BY t.id DESC", teamID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchToken records that a token was used (at most once a minute is enough).
func (s *Store) TouchToken(ctx context.Context, id, at int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", at, id)
		return err
	})
}

// RevokeToken revokes a team's token.
func (s *Store) RevokeToken(ctx context.Context, teamID, id int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ?
			WHERE id = ? AND team_id = ? AND revoked_at IS NULL`, Now(), id, teamID)
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
