package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Session is a signed-in browser.
type Session struct {
	ID         string // sha256 of the cookie value
	UserID     int64
	TeamID     int64
	CSRF       string
	IP         string
	UserAgent  string
	CreatedAt  int64
	LastSeenAt int64
	ExpiresAt  int64
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions(id, user_id, team_id, csrf, ip, user_agent,
			created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			se.ID, se.UserID, se.TeamID, se.CSRF, se.IP, se.UserAgent, se.CreatedAt, se.LastSeenAt, se.ExpiresAt)
		if err != nil {
			return fmt.Errorf("store: create session: %w", err)
		}
		return nil
	})
}

// SessionByID finds an unexpired session.
func (s *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var se Session
	err := s.R.QueryRowContext(ctx, `SELECT id, user_id, team_id, csrf, ip, user_agent, created_at,
		last_seen_at, expires_at FROM sessions WHERE id = ? AND expires_at > ?`, id, Now()).
		Scan(&se.ID, &se.UserID, &se.TeamID, &se.CSRF, &se.IP, &se.UserAgent, &se.CreatedAt,
			&se.LastSeenAt, &se.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return se, ErrNotFound
	}
	if err != nil {
		return se, fmt.Errorf("store: session: %w", err)
	}
	return se, nil
}

// TouchSession extends a session's expiry.
func (s *Store) TouchSession(ctx context.Context, id string, seen, expires int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?",
			seen, expires, id)
		return err
	})
}

// SwitchSessionTeam points a session at another team of the same user.
func (s *Store) SwitchSessionTeam(ctx context.Context, id string, teamID int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE sessions SET team_id = ? WHERE id = ?", teamID, id)
		return err
	})
}

// DeleteSession signs a browser out.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", id)
		return err
	})
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= ?", Now())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}
