package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bitwobbly/bitwobbly/store"
)

// Channel is a configured destination. Config holds every setting,
// secrets in clear; callers showing it must mask them (see Mask).
type Channel struct {
	ID        int64
	TeamID    int64
	Name      string
	Type      string
	Config    map[string]any
	Enabled   bool
	CreatedAt int64
	UpdatedAt int64
}

const channelCols = "id, team_id, name, type, config, secrets, enabled, created_at, updated_at"

func (e *Engine) scanChannel(row interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var cfg, sealed string
	err := row.Scan(&c.ID, &c.TeamID, &c.Name, &c.Type, &cfg, &sealed, &c.Enabled, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("notify: scan channel: %w", err)
	}
	c.Config = map[string]any{}
	json.Unmarshal([]byte(cfg), &c.Config)
	if sealed != "" {
		plain, err := e.box.Open(sealed)
		if err != nil {
			return c, fmt.Errorf("notify: channel %d secrets: %w", c.ID, err)
		}
		sec := map[string]any{}
		json.Unmarshal([]byte(plain), &sec)
		for k, v := range sec {
			c.Config[k] = v
		}
	}
	return c, nil
}

// Channel returns one of a team's channels.
func (e *Engine) Channel(ctx context.Context, teamID, id int64) (Channel, error) {
	return e.scanChannel(e.st.R.QueryRowContext(ctx, "SELECT "+channelCols+
		" FROM channels WHERE team_id = ? AND id = ?", teamID, id))
}

// Channels lists a team's channels by id after the cursor id; limit 0
// means all.
func (e *Engine) Channels(ctx context.Context, teamID, after int64, limit int) ([]Channel, error) {
	q := "SELECT " + channelCols + " FROM channels WHERE team_id = ? AND id > ? ORDER BY id"
	args := []any{teamID, after}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := e.st.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: channels: %w", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := e.scanChannel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// split separates plain settings from secret ones and seals the latter.
func (e *Engine) split(c Channel) (plain, sealed string, err error) {
	t := e.types[c.Type]
	pub, sec := map[string]any{}, map[string]any{}
	for k, v := range c.Config {
		if t.Secret(k) {
			sec[k] = v
		} else {
			pub[k] = v
		}
	}
	p, err := json.Marshal(pub)
	if err != nil {
		return "", "", fmt.Errorf("notify: encode config: %w", err)
	}
	if len(sec) == 0 {
		return string(p), "", nil
	}
	s, err := json.Marshal(sec)
	if err != nil {
		return "", "", fmt.Errorf("notify: encode secrets: %w", err)
	}
	return string(p), e.box.Seal(string(s)), nil
}

// SaveChannel creates (ID 0) or updates a channel after checking its
// settings; a *FieldError names a wrong setting.
func (e *Engine) SaveChannel(ctx context.Context, c Channel) (Channel, error) {
	t, ok := e.types[c.Type]
	if !ok {
		return c, Invalid("type", "must be one of %s", strings.Join(e.TypeNames(), ", "))
	}
	if c.Config == nil {
		c.Config = map[string]any{}
	}
	for _, f := range t.Fields {
		if v, ok := c.Config[f.Key].(string); ok && f.Kind == "url" {
			c.Config[f.Key] = strings.TrimSpace(v)
		}
	}
	if t.Defaults != nil {
		t.Defaults(c.Config)
	}
	if _, err := t.New(c.Config, e.env); err != nil {
		return c, err
	}
	plain, sealed, err := e.split(c)
	if err != nil {
		return c, err
	}
	now := store.Now()
	c.UpdatedAt = now
	err = e.st.Write(ctx, func(tx *sql.Tx) error {
		if c.ID == 0 {
			c.CreatedAt = now
			res, err := tx.ExecContext(ctx, `INSERT INTO channels(team_id, name, type, config, secrets, enabled,
				created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				c.TeamID, c.Name, c.Type, plain, sealed, c.Enabled, now, now)
			if err != nil {
				return fmt.Errorf("notify: insert channel: %w", err)
			}
			c.ID, _ = res.LastInsertId()
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE channels SET name = ?, config = ?, secrets = ?, enabled = ?,
			updated_at = ? WHERE team_id = ? AND id = ?`, c.Name, plain, sealed, c.Enabled, now, c.TeamID, c.ID)
		if err != nil {
			return fmt.Errorf("notify: update channel: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	return c, err
}

// DeleteChannel removes a channel with its deliveries.
func (e *Engine) DeleteChannel(ctx context.Context, teamID, id int64) error {
	return e.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM channels WHERE team_id = ? AND id = ?", teamID, id)
		if err != nil {
			return fmt.Errorf("notify: delete channel: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

const ruleCols = `id, team_id, name, trigger, filters, threshold, window_seconds, cooldown_seconds,
	renotify_minutes, storm_limit, enabled, created_at, updated_at,
	(SELECT COALESCE(group_concat(channel_id), '') FROM alert_rule_channels WHERE rule_id = alert_rules.id)`

func scanRule(row interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	var filters, chans string
	err := row.Scan(&r.ID, &r.TeamID, &r.Name, &r.Trigger, &filters, &r.Threshold, &r.WindowSeconds,
		&r.CooldownSeconds, &r.RenotifyMinutes, &r.StormLimit, &r.Enabled, &r.CreatedAt, &r.UpdatedAt, &chans)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("notify: scan rule: %w", err)
	}
	json.Unmarshal([]byte(filters), &r.Filters)
	r.ChannelIDs = parseIDs(chans)
	return r, nil
}

func parseIDs(s string) []int64 {
	out := []int64{}
	for _, p := range strings.Split(s, ",") {
		var id int64
		if _, err := fmt.Sscan(p, &id); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// Rule returns one of a team's rules.
func (e *Engine) Rule(ctx context.Context, teamID, id int64) (Rule, error) {
	return scanRule(e.st.R.QueryRowContext(ctx, "SELECT "+ruleCols+
		" FROM alert_rules WHERE team_id = ? AND id = ?", teamID, id))
}

// Rules lists a team's rules by id after the cursor id; limit 0 means all.
func (e *Engine) Rules(ctx context.Context, teamID, after int64, limit int) ([]Rule, error) {
	q := "SELECT " + ruleCols + " FROM alert_rules WHERE team_id = ? AND id > ? ORDER BY id"
	args := []any{teamID, after}
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	return queryRules(ctx, e.st.R, q, args...)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func queryRules(ctx context.Context, db querier, q string, args ...any) ([]Rule, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: rules: %w", err)
	}
	defer rows.Close()
	var out []Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRule creates (ID 0) or updates a rule and its channels. Channels
// must belong to the rule's team.
func (e *Engine) SaveRule(ctx context.Context, r Rule) (Rule, error) {
	filters, err := json.Marshal(r.Filters)
	if err != nil {
		return r, fmt.Errorf("notify: encode filters: %w", err)
	}
	now := store.Now()
	r.UpdatedAt = now
	err = e.st.Write(ctx, func(tx *sql.Tx) error {
		for _, id := range r.ChannelIDs {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM channels WHERE team_id = ? AND id = ?", r.TeamID, id).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return Invalid("channel_ids", "channel %d does not exist", id)
			}
			if err != nil {
				return fmt.Errorf("notify: check channel: %w", err)
			}
		}
		if r.ID == 0 {
			r.CreatedAt = now
			res, err := tx.ExecContext(ctx, `INSERT INTO alert_rules(team_id, name, trigger, filters, threshold,
				window_seconds, cooldown_seconds, renotify_minutes, storm_limit, enabled, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.TeamID, r.Name, r.Trigger, string(filters), r.Threshold,
				r.WindowSeconds, r.CooldownSeconds, r.RenotifyMinutes, r.StormLimit, r.Enabled, now, now)
			if err != nil {
				return fmt.Errorf("notify: insert rule: %w", err)
			}
			r.ID, _ = res.LastInsertId()
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE alert_rules SET name = ?, trigger = ?, filters = ?, threshold = ?,
				window_seconds = ?, cooldown_seconds = ?, renotify_minutes = ?, storm_limit = ?, enabled = ?,
				updated_at = ? WHERE team_id = ? AND id = ?`, r.Name, r.Trigger, string(filters), r.Threshold,
				r.WindowSeconds, r.CooldownSeconds, r.RenotifyMinutes, r.StormLimit, r.Enabled, now, r.TeamID, r.ID)
			if err != nil {
				return fmt.Errorf("notify: update rule: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return store.ErrNotFound
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM alert_rule_channels WHERE rule_id = ?", r.ID); err != nil {
				return fmt.Errorf("notify: clear rule channels: %w", err)
			}
		}
		for _, id := range r.ChannelIDs {
			if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO alert_rule_channels(rule_id, channel_id) VALUES (?, ?)",
				r.ID, id); err != nil {
				return fmt.Errorf("notify: rule channel: %w", err)
			}
		}
		return nil
	})
	return r, err
}

// DeleteRule removes a rule.
func (e *Engine) DeleteRule(ctx context.Context, teamID, id int64) error {
	return e.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM alert_rules WHERE team_id = ? AND id = ?", teamID, id)
		if err != nil {
			return fmt.Errorf("notify: delete rule: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// Delivery is one notification to one channel, with its attempts when
// asked for.
type Delivery struct {
	ID            int64
	TeamID        int64
	ChannelID     int64
	ChannelName   string
	ChannelType   string
	RuleID        int64
	AlertEventID  int64
	Kind          string
	Subject       string
	Title         string
	IdemKey       string
	Status        string
	Attempts      int
	NextAttemptAt int64
	LastError     string
	CreatedAt     int64
	SentAt        int64
	Log           []Attempt
}

// Attempt is one try of a delivery.
type Attempt struct {
	StartedAt  int64
	DurationMS int64
	StatusCode int
	Response   string
	Error      string
}

// DeliveryQuery filters Deliveries. Zero values match everything.
type DeliveryQuery struct {
	TeamID    int64
	ChannelID int64
	// ChannelIDs, when not nil, limits to these channels (empty: none).
	ChannelIDs []int64
	Status     string
	Before     int64 // id cursor: only ids below it
	Limit      int
	// WithAttempts loads each delivery's attempts log.
	WithAttempts bool
}

// Deliveries lists deliveries, newest first.
func (e *Engine) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	if q.ChannelIDs != nil && len(q.ChannelIDs) == 0 {
		return nil, nil
	}
	sqlq, args := deliveriesSQL(q)
	rows, err := e.st.R.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, fmt.Errorf("notify: deliveries: %w", err)
	}
	var out []Delivery
	for rows.Next() {
		var d Delivery
		if err := rows.Scan(&d.ID, &d.TeamID, &d.ChannelID, &d.ChannelName, &d.ChannelType, &d.RuleID,
			&d.AlertEventID, &d.Kind, &d.Subject, &d.Title, &d.IdemKey, &d.Status, &d.Attempts, &d.NextAttemptAt,
			&d.LastError, &d.CreatedAt, &d.SentAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notify: scan delivery: %w", err)
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: deliveries: %w", err)
	}
	if q.WithAttempts {
		for i := range out {
			if out[i].Log, err = e.attempts(ctx, out[i].ID); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (e *Engine) attempts(ctx context.Context, deliveryID int64) ([]Attempt, error) {
	rows, err := e.st.R.QueryContext(ctx, `SELECT started_at, duration_ms, status_code, response, error
		FROM delivery_attempts WHERE delivery_id = ? ORDER BY id`, deliveryID)
	if err != nil {
		return nil, fmt.Errorf("notify: attempts: %w", err)
	}
	defer rows.Close()
	var out []Attempt
	for rows.Next() {
		var a Attempt
		if err := rows.Scan(&a.StartedAt, &a.DurationMS, &a.StatusCode, &a.Response, &a.Error); err != nil {
			return nil, fmt.Errorf("notify: scan attempt: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Retry puts a failed delivery back in the queue for a fresh round of
// attempts.
func (e *Engine) Retry(ctx context.Context, teamID, id int64) error {
	err := e.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?
			WHERE team_id = ? AND id = ? AND status = 'failed'`, store.Now(), teamID, id)
		if err != nil {
			return fmt.Errorf("notify: retry delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err == nil {
		e.poke()
	}
	return err
}

// deliveriesSQL builds the query of Deliveries. For one channel the team
// condition is kept out of index choice (+d.team_id), so SQLite walks
// that channel's deliveries instead of every delivery of the team.
func deliveriesSQL(q DeliveryQuery) (string, []any) {
	team := "d.team_id = ?"
	if q.ChannelID != 0 {
		team = "+d.team_id = ?"
	}
	sqlq := `SELECT d.id, d.team_id, d.channel_id, c.name, c.type, COALESCE(d.rule_id, 0),
		COALESCE(d.alert_event_id, 0), d.kind, d.subject, d.title, d.idem_key, d.status, d.attempts,
		d.next_attempt_at, d.last_error, d.created_at, COALESCE(d.sent_at, 0)
		FROM deliveries d JOIN channels c ON c.id = d.channel_id WHERE ` + team
	args := []any{q.TeamID}
	if q.ChannelID != 0 {
		sqlq += " AND d.channel_id = ?"
		args = append(args, q.ChannelID)
	}
	if len(q.ChannelIDs) > 0 {
		sqlq += " AND d.channel_id IN (" + marks(len(q.ChannelIDs)) + ")"
		for _, id := range q.ChannelIDs {
			args = append(args, id)
		}
	}
	if q.Status != "" {
		sqlq += " AND d.status = ?"
		args = append(args, q.Status)
	}
	if q.Before > 0 {
		sqlq += " AND d.id < ?"
		args = append(args, q.Before)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	sqlq += " ORDER BY d.id DESC LIMIT ?"
	args = append(args, q.Limit)
	return sqlq, args
}
