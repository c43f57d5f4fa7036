package statuspage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/bitwobbly/bitwobbly/store"
)

// Subscriber is a visitor who asked to hear about a page, by e-mail or by
// webhook, for every component or chosen ones.
type Subscriber struct {
	ID           int64
	TeamID       int64
	StatusPageID int64
	Kind         string // email webhook
	Target       string
	Secret       string // encrypted whsec_ secret of a webhook
	ComponentIDs []int64
	Token        string
	ConfirmedAt  int64
	CreatedAt    int64
	// Source is SourcePublic for visitors and SourceTeam for members.
	Source string
}

// Subscriber sources.
const (
	SourcePublic = "public"
	SourceTeam   = "team"
)

// Wants reports whether the subscriber follows any of the components
// (an empty choice follows everything; an event with no components
// reaches everyone).
func (s Subscriber) Wants(components []int64) bool {
	if len(s.ComponentIDs) == 0 || len(components) == 0 {
		return true
	}
	for _, a := range s.ComponentIDs {
		for _, b := range components {
			if a == b {
				return true
			}
		}
	}
	return false
}

const subCols = `id, team_id, status_page_id, kind, target, secret, component_ids, token,
	COALESCE(confirmed_at, 0), created_at, source`

func scanSub(row interface{ Scan(...any) error }) (Subscriber, error) {
	var s Subscriber
	var comps string
	err := row.Scan(&s.ID, &s.TeamID, &s.StatusPageID, &s.Kind, &s.Target, &s.Secret, &comps, &s.Token,
		&s.ConfirmedAt, &s.CreatedAt, &s.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return s, store.ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("statuspage: scan subscriber: %w", err)
	}
	json.Unmarshal([]byte(comps), &s.ComponentIDs)
	return s, nil
}

// AddSubscriber stores an unconfirmed subscriber. When the same target is
// already subscribed, the existing row is returned with existed true.
func (d *DB) AddSubscriber(ctx context.Context, s Subscriber) (sub Subscriber, existed bool, err error) {
	s.CreatedAt = store.Now()
	if s.Source != SourceTeam {
		s.Source = SourcePublic
	}
	if s.ComponentIDs, err = uniqueIDs("component_ids", s.ComponentIDs); err != nil {
		return s, false, err
	}
	if s.ComponentIDs == nil {
		s.ComponentIDs = []int64{}
	}
	comps, _ := json.Marshal(s.ComponentIDs)
	err = d.st.Write(ctx, func(tx *sql.Tx) error {
		old, err := scanSub(tx.QueryRowContext(ctx, `SELECT `+subCols+` FROM subscribers
			WHERE status_page_id=? AND kind=? AND target=?`, s.StatusPageID, s.Kind, s.Target))
		if err == nil {
			sub, existed = old, true
			_, err = tx.ExecContext(ctx, `UPDATE subscribers SET component_ids=? WHERE id=? AND confirmed_at IS NULL`,
				string(comps), old.ID)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := checkComponents(ctx, tx, s.TeamID, s.ComponentIDs); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO subscribers(team_id, status_page_id, kind, target, secret,
			component_ids, token, confirmed_at, created_at, source) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			s.TeamID, s.StatusPageID, s.Kind, s.Target, s.Secret, string(comps), s.Token, nullID(s.ConfirmedAt),
			s.CreatedAt, s.Source)
		if err != nil {
			return fmt.Errorf("statuspage: add subscriber: %w", err)
		}
		s.ID, _ = res.LastInsertId()
		sub = s
		return nil
	})
	return sub, existed, err
}

// SubscriberByToken finds a subscriber by its confirm/unsubscribe token.
func (d *DB) SubscriberByToken(ctx context.Context, token string) (Subscriber, error) {
	return scanSub(d.st.R.QueryRowContext(ctx, `SELECT `+subCols+` FROM subscribers WHERE token=?`, token))
}

// ConfirmSubscriber marks a subscriber confirmed.
func (d *DB) ConfirmSubscriber(ctx context.Context, id int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE subscribers SET confirmed_at=COALESCE(confirmed_at, ?) WHERE id=?`,
			store.Now(), id)
		return err
	})
}

// RemoveSubscriber deletes a subscriber of a team.
func (d *DB) RemoveSubscriber(ctx context.Context, teamID, id int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM subscribers WHERE id=? AND team_id=?`, id, teamID)
		if err != nil {
			return fmt.Errorf("statuspage: remove subscriber: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// Subscribers lists a page's subscribers (confirmed only when asked).
func (d *DB) Subscribers(ctx context.Context, teamID, pageID int64, confirmedOnly bool) ([]Subscriber, error) {
	q := `SELECT ` + subCols + ` FROM subscribers WHERE team_id=? AND status_page_id=?`
	if confirmedOnly {
		q += ` AND confirmed_at IS NOT NULL`
	}
	rows, err := d.st.R.QueryContext(ctx, q+` ORDER BY id`, teamID, pageID)
	if err != nil {
		return nil, fmt.Errorf("statuspage: subscribers: %w", err)
	}
	defer rows.Close()
	var out []Subscriber
	for rows.Next() {
		s, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Delivery is one message waiting for (or done with) a subscriber.
type Delivery struct {
	ID           int64
	SubscriberID int64
	EventKey     string
	Subject      string
	Body         string
	Payload      string
	Attempts     int
}

// Enqueue adds deliveries; a (subscriber, event_key) pair already queued
// is left alone, so events are never sent twice.
func (d *DB) Enqueue(ctx context.Context, ds []Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	now := store.Now()
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		for _, x := range ds {
			_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO subscriber_deliveries(subscriber_id, event_key,
				subject, body, payload, next_at, created_at) VALUES (?,?,?,?,?,?,?)`,
				x.SubscriberID, x.EventKey, x.Subject, x.Body, x.Payload, now, now)
			if err != nil {
				return fmt.Errorf("statuspage: enqueue: %w", err)
			}
		}
		return nil
	})
}

// DueDeliveries lists deliveries due at now, oldest first.
func (d *DB) DueDeliveries(ctx context.Context, now int64, limit int) ([]Delivery, error) {
	rows, err := d.st.R.QueryContext(ctx, `SELECT id, subscriber_id, event_key, subject, body, payload, attempts
		FROM subscriber_deliveries WHERE sent_at IS NULL AND failed_at IS NULL AND next_at<=? ORDER BY id LIMIT ?`,
		now, limit)
	if err != nil {
		return nil, fmt.Errorf("statuspage: due deliveries: %w", err)
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var x Delivery
		if err := rows.Scan(&x.ID, &x.SubscriberID, &x.EventKey, &x.Subject, &x.Body, &x.Payload, &x.Attempts); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SubscriberByID returns a subscriber whatever its team (delivery worker).
func (d *DB) SubscriberByID(ctx context.Context, id int64) (Subscriber, error) {
	return scanSub(d.st.R.QueryRowContext(ctx, `SELECT `+subCols+` FROM subscribers WHERE id=?`, id))
}

// DeliveryDone records the outcome of an attempt: sent, retry at next
// (Unix ms), or given up when next is 0 and errText is set.
func (d *DB) DeliveryDone(ctx context.Context, id int64, sent bool, next int64, errText string) error {
	now := store.Now()
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		var err error
		switch {
		case sent:
			_, err = tx.ExecContext(ctx, `UPDATE subscriber_deliveries SET sent_at=?, attempts=attempts+1,
				last_error='' WHERE id=?`, now, id)
		case next > 0:
			_, err = tx.ExecContext(ctx, `UPDATE subscriber_deliveries SET next_at=?, attempts=attempts+1,
				last_error=? WHERE id=?`, next, errText, id)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE subscriber_deliveries SET failed_at=?, attempts=attempts+1,
				last_error=? WHERE id=?`, now, errText, id)
		}
		return err
	})
}

// Cursor reads a notifier cursor; found is false when it was never set.
func (d *DB) Cursor(ctx context.Context, name string) (v int64, found bool, err error) {
	err = d.st.R.QueryRowContext(ctx, `SELECT value FROM statuspage_cursors WHERE name=?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return v, err == nil, err
}

// SetCursor stores a notifier cursor.
func (d *DB) SetCursor(ctx context.Context, name string, v int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO statuspage_cursors(name, value) VALUES (?,?)
			ON CONFLICT(name) DO UPDATE SET value=excluded.value`, name, v)
		return err
	})
}
