package issues

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Change is an update of an issue's status or assignee.
type Change struct {
	Status                string // "" keeps it
	ResolvedInRelease     string
	ResolvedInNextRelease bool
	IgnoreUntil           int64 // Unix ms; 0 none
	IgnoreCount           int64 // 0 none
	IgnoreUserCount       int64 // 0 none
	SetAssignee           bool
	AssigneeID            int64 // 0 unassigns
}

// Statuses are the issue states.
var Statuses = []string{"unresolved", "resolved", "ignored"}

// UpdateIssue applies a change by a user and records it in the activity log.
func (s *Service) UpdateIssue(ctx context.Context, teamID, userID, id int64, c Change) error {
	now := store.Now()
	return s.st.Write(ctx, func(tx *sql.Tx) error {
		var projectID, events, users int64
		err := tx.QueryRow(`SELECT project_id, event_count, user_count FROM issues WHERE team_id = ? AND id = ?`,
			teamID, id).Scan(&projectID, &events, &users)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if c.Status != "" {
			if err := setStatus(tx, id, projectID, events, users, c, now); err != nil {
				return err
			}
			if err := activity(tx, id, userID, "status", statusNote(c), now); err != nil {
				return err
			}
		}
		if c.SetAssignee {
			var a any
			if c.AssigneeID != 0 {
				a = c.AssigneeID
			}
			if _, err := tx.Exec(`UPDATE issues SET assignee_id = ?, updated_at = ? WHERE id = ?`, a, now, id); err != nil {
				return err
			}
			note := "Unassigned."
			if c.AssigneeID != 0 {
				var email string
				tx.QueryRow(`SELECT email FROM users WHERE id = ?`, c.AssigneeID).Scan(&email)
				note = "Assigned to " + email + "."
			}
			return activity(tx, id, userID, "assign", note, now)
		}
		return nil
	})
}

func setStatus(tx *sql.Tx, id, projectID, events, users int64, c Change, now int64) error {
	switch c.Status {
	case "unresolved":
		_, err := tx.Exec(`UPDATE issues SET status = 'unresolved', substatus = 'ongoing', resolved_at = NULL,
			resolved_in_release = NULL, resolved_in_next_release = 0, resolved_after_release = NULL,
			ignore_until = NULL, ignore_count = NULL, ignore_user_count = NULL, updated_at = ? WHERE id = ?`, now, id)
		return err
	case "resolved":
		var after any
		if c.ResolvedInNextRelease {
			var latest sql.NullString
			tx.QueryRow(`SELECT version FROM releases WHERE project_id = ? ORDER BY first_seen DESC LIMIT 1`,
				projectID).Scan(&latest)
			after = latest.String
		}
		var inRelease any
		if c.ResolvedInRelease != "" {
			inRelease = c.ResolvedInRelease
		}
		_, err := tx.Exec(`UPDATE issues SET status = 'resolved', substatus = '', resolved_at = ?,
			resolved_in_release = ?, resolved_in_next_release = ?, resolved_after_release = ?,
			ignore_until = NULL, ignore_count = NULL, ignore_user_count = NULL, updated_at = ? WHERE id = ?`,
			now, inRelease, c.ResolvedInNextRelease, after, now, id)
		return err
	case "ignored":
		_, err := tx.Exec(`UPDATE issues SET status = 'ignored', substatus = '', resolved_at = NULL,
			resolved_in_release = NULL, resolved_in_next_release = 0, resolved_after_release = NULL,
			ignore_until = ?, ignore_count = ?, ignore_user_count = ?, ignore_base_events = ?, ignore_base_users = ?,
			updated_at = ? WHERE id = ?`, nullInt(c.IgnoreUntil), nullInt(c.IgnoreCount), nullInt(c.IgnoreUserCount),
			events, users, now, id)
		return err
	}
	return fmt.Errorf("issues: unknown status %q", c.Status)
}

func statusNote(c Change) string {
	switch c.Status {
	case "resolved":
		switch {
		case c.ResolvedInRelease != "":
			return "Resolved in release " + c.ResolvedInRelease + "."
		case c.ResolvedInNextRelease:
			return "Resolved in the next release."
		}
		return "Resolved."
	case "ignored":
		var conds []string
		if c.IgnoreUntil != 0 {
			conds = append(conds, "until "+store.Time(c.IgnoreUntil).Format("2006-01-02 15:04 UTC"))
		}
		if c.IgnoreCount != 0 {
			conds = append(conds, fmt.Sprintf("until %d more events", c.IgnoreCount))
		}
		if c.IgnoreUserCount != 0 {
			conds = append(conds, fmt.Sprintf("until %d more users", c.IgnoreUserCount))
		}
		if len(conds) == 0 {
			return "Ignored."
		}
		return "Ignored " + strings.Join(conds, " or ") + "."
	}
	return "Marked unresolved."
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func activity(tx execer, issueID, userID int64, kind, body string, now int64) error {
	var u any
	if userID != 0 {
		u = userID
	}
	_, err := tx.Exec(`INSERT INTO issue_activity (issue_id, user_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		issueID, u, kind, body, now)
	return err
}

// Activity is one entry of an issue's log.
type Activity struct {
	ID        int64
	Kind      string
	Body      string
	UserEmail string
	CreatedAt int64
}

// ActivityOf lists an issue's log, newest first.
func (s *Service) ActivityOf(ctx context.Context, teamID, issueID int64) ([]Activity, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT a.id, a.kind, a.body, COALESCE(u.email, ''), a.created_at
		FROM issue_activity a JOIN issues i ON i.id = a.issue_id LEFT JOIN users u ON u.id = a.user_id
		WHERE i.team_id = ? AND a.issue_id = ? ORDER BY a.id DESC LIMIT 200`, teamID, issueID)
	if err != nil {
		return nil, fmt.Errorf("issues: activity: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var a Activity
		if err := rows.Scan(&a.ID, &a.Kind, &a.Body, &a.UserEmail, &a.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Comment adds a comment to an issue's log.
func (s *Service) Comment(ctx context.Context, teamID, userID, issueID int64, body string) error {
	return s.st.Write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM issues WHERE team_id = ? AND id = ?`, teamID, issueID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return activity(tx, issueID, userID, "comment", trim(body, 10000), store.Now())
	})
}

// Merge moves the other issues' hashes and events into target; later
// events of those hashes land in target. The merged issues stay, empty,
// pointing at target, so Unmerge can split them out again.
func (s *Service) Merge(ctx context.Context, teamID, userID, target int64, others []int64) error {
	now := store.Now()
	return s.st.Write(ctx, func(tx *sql.Tx) error {
		var projectID int64
		err := tx.QueryRow(`SELECT project_id FROM issues WHERE team_id = ? AND id = ? AND merged_into IS NULL`,
			teamID, target).Scan(&projectID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		for _, o := range others {
			if o == target {
				continue
			}
			var op int64
			err := tx.QueryRow(`SELECT project_id FROM issues WHERE team_id = ? AND id = ?`, teamID, o).Scan(&op)
			if errors.Is(err, sql.ErrNoRows) {
				return store.ErrNotFound
			}
			if err != nil {
				return err
			}
			if op != projectID {
				return fmt.Errorf("%w: issues of different projects cannot be merged", store.ErrConflict)
			}
			for _, q := range []string{
				`UPDATE issue_hashes SET issue_id = ? WHERE issue_id = ?`,
				`UPDATE events SET issue_id = ? WHERE issue_id = ?`,
				`UPDATE issues SET merged_into = ? WHERE merged_into = ?`,
			} {
				if _, err := tx.Exec(q, target, o); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(`UPDATE issues SET merged_into = ?, updated_at = ? WHERE id = ?`, target, now, o); err != nil {
				return err
			}
			if err := activity(tx, target, userID, "merge", fmt.Sprintf("Merged issue %d into this one.", o), now); err != nil {
				return err
			}
		}
		return recount(tx, target)
	})
}

// Hashes lists the grouping hashes of an issue with their event counts.
func (s *Service) Hashes(ctx context.Context, teamID, issueID int64) ([]TagCount, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT h.hash, h.version, (SELECT COUNT(*) FROM events e
		WHERE e.issue_id = h.issue_id AND e.hash = h.hash) FROM issue_hashes h JOIN issues i ON i.id = h.issue_id
		WHERE i.team_id = ? AND h.issue_id = ? ORDER BY h.created_at`, teamID, issueID)
	if err != nil {
		return nil, fmt.Errorf("issues: hashes: %w", err)
	}
	defer rows.Close()
	var out []TagCount
	for rows.Next() {
		var t TagCount
		if err := rows.Scan(&t.Key, &t.Value, &t.Count); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Unmerge splits the given hashes of an issue into a new issue with
// their events; it answers the new issue's id.
func (s *Service) Unmerge(ctx context.Context, teamID, userID, issueID int64, hashes []string) (int64, error) {
	now := store.Now()
	var newID int64
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		var total int
		if err := tx.QueryRow(`SELECT COUNT(*) FROM issue_hashes h JOIN issues i ON i.id = h.issue_id
			WHERE i.team_id = ? AND h.issue_id = ?`, teamID, issueID).Scan(&total); err != nil {
			return err
		}
		if total == 0 {
			return store.ErrNotFound
		}
		if len(hashes) == 0 || len(hashes) >= total {
			return fmt.Errorf("%w: choose some, but not all, of the issue's hashes", store.ErrConflict)
		}
		res, err := tx.Exec(`INSERT INTO issues (team_id, project_id, title, culprit, type, value, level, platform,
			first_seen, last_seen, first_release, last_release, last_environment, created_at, updated_at)
			SELECT team_id, project_id, title, culprit, type, value, level, platform, first_seen, last_seen,
			first_release, last_release, last_environment, ?, ? FROM issues WHERE id = ?`, now, now, issueID)
		if err != nil {
			return err
		}
		newID, _ = res.LastInsertId()
		for _, h := range hashes {
			res, err := tx.Exec(`UPDATE issue_hashes SET issue_id = ? WHERE issue_id = ? AND hash = ?`, newID, issueID, h)
			if err := affected(res, err); err != nil {
				return err
			}
			if _, err := tx.Exec(`UPDATE events SET issue_id = ? WHERE issue_id = ? AND hash = ?`, newID, issueID, h); err != nil {
				return err
			}
		}
		if err := recount(tx, issueID); err != nil {
			return err
		}
		if err := recount(tx, newID); err != nil {
			return err
		}
		if err := s.describeFromEvents(tx, issueID); err != nil {
			return err
		}
		if err := s.describeFromEvents(tx, newID); err != nil {
			return err
		}
		if err := activity(tx, newID, userID, "unmerge", fmt.Sprintf("Split out of issue %d.", issueID), now); err != nil {
			return err
		}
		return activity(tx, issueID, userID, "unmerge", fmt.Sprintf("Split %d hash(es) into issue %d.", len(hashes), newID), now)
	})
	return newID, err
}

// describeFromEvents sets an issue's title, culprit, type, value, level,
// platform, last release and environment from its latest event and its
// first release from its earliest event with one.
func (s *Service) describeFromEvents(tx *sql.Tx, id int64) error {
	var data []byte
	var rel, env string
	err := tx.QueryRow(`SELECT data, release, environment FROM events WHERE issue_id = ?
		ORDER BY timestamp DESC, id DESC LIMIT 1`, id).Scan(&data, &rel, &env)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("issues: latest event of issue %d: %w", id, err)
	}
	raw, err := s.decompress(data)
	if err != nil {
		return fmt.Errorf("issues: decode event of issue %d: %w", id, err)
	}
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return fmt.Errorf("issues: decode event of issue %d: %w", id, err)
	}
	typ, val := issueTypeValue(&ev)
	_, err = tx.Exec(`UPDATE issues SET title = ?, culprit = ?, type = ?, value = ?, level = ?, platform = ?,
		last_release = ?, last_environment = ?,
		first_release = COALESCE((SELECT release FROM events WHERE issue_id = ?9 AND release != ''
			ORDER BY timestamp, id LIMIT 1), '')
		WHERE id = ?9`, ev.Title, ev.Culprit, typ, val, ev.Level, ev.Platform, rel, env, id)
	if err != nil {
		return fmt.Errorf("issues: describe issue %d: %w", id, err)
	}
	return nil
}

// recount rebuilds an issue's counts and rollups from its events.
func recount(tx *sql.Tx, id int64) error {
	stmts := []string{
		`UPDATE issues SET event_count = (SELECT COUNT(*) FROM events WHERE issue_id = ?1),
			first_seen = COALESCE((SELECT MIN(timestamp) FROM events WHERE issue_id = ?1), first_seen),
			last_seen = COALESCE((SELECT MAX(timestamp) FROM events WHERE issue_id = ?1), last_seen),
			user_count = (SELECT COUNT(DISTINCT user_key) FROM events WHERE issue_id = ?1 AND user_key != '')
			WHERE id = ?1`,
		`DELETE FROM issue_users WHERE issue_id = ?1`,
		`INSERT OR IGNORE INTO issue_users (issue_id, user_key) SELECT DISTINCT issue_id, user_key FROM events
			WHERE issue_id = ?1 AND user_key != ''`,
		`DELETE FROM issue_hourly WHERE issue_id = ?1`,
		`INSERT INTO issue_hourly (issue_id, hour, count) SELECT issue_id, (timestamp / 3600000) * 3600000, COUNT(*)
			FROM events WHERE issue_id = ?1 GROUP BY 2`,
		`DELETE FROM issue_tags WHERE issue_id = ?1`,
		`INSERT INTO issue_tags (issue_id, key, value, count) SELECT ?1, j.key, j.value, COUNT(*)
			FROM events e, json_each(e.tags) j WHERE e.issue_id = ?1 GROUP BY j.key, j.value`,
		`INSERT INTO issue_tags (issue_id, key, value, count) SELECT ?1, 'level', level, COUNT(*) FROM events
			WHERE issue_id = ?1 GROUP BY level ON CONFLICT DO UPDATE SET count = excluded.count`,
		`INSERT INTO issue_tags (issue_id, key, value, count) SELECT ?1, 'environment', environment, COUNT(*)
			FROM events WHERE issue_id = ?1 AND environment != '' GROUP BY environment
			ON CONFLICT DO UPDATE SET count = excluded.count`,
		`INSERT INTO issue_tags (issue_id, key, value, count) SELECT ?1, 'release', release, COUNT(*)
			FROM events WHERE issue_id = ?1 AND release != '' GROUP BY release
			ON CONFLICT DO UPDATE SET count = excluded.count`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(q, id); err != nil {
			return fmt.Errorf("issues: recount issue %d: %w", id, err)
		}
	}
	return nil
}

// WakeIgnored moves issues whose ignore period ended back to unresolved,
// so they show in the inbox even before their next event.
func (s *Service) WakeIgnored(ctx context.Context) (int64, error) {
	now := store.Now()
	var n int64
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT id FROM issues WHERE status = 'ignored' AND ignore_until IS NOT NULL
			AND ignore_until <= ? LIMIT 1000`, now)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			if err := reopen(tx, id, "escalating", now); err != nil {
				return err
			}
			if err := activity(tx, id, 0, "status", "The ignore period ended. Back to unresolved.", now); err != nil {
				return err
			}
		}
		n = int64(len(ids))
		return nil
	})
	return n, err
}

// Retention of what is kept only for later use.
const (
	itemRetention   = 30 * 24 * time.Hour
	failedRetention = 7 * 24 * time.Hour
)

// Prune deletes envelope items older than 30 days, failed queue rows older
// than 7 days (a bounded number per call) and the per-session state of
// sessions not updated for 30 days.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	now := time.Now()
	var n int64
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM envelope_items WHERE id IN (SELECT id FROM envelope_items
			WHERE received_at < ? ORDER BY id LIMIT 5000)`, now.Add(-itemRetention).UnixMilli())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		res, err = tx.Exec(`DELETE FROM ingest_queue WHERE failed_at IS NOT NULL AND failed_at < ?`,
			now.Add(-failedRetention).UnixMilli())
		if err != nil {
			return err
		}
		m, _ := res.RowsAffected()
		n += m
		res, err = tx.Exec(`DELETE FROM session_states WHERE updated_at < ?`, now.Add(-itemRetention).UnixMilli())
		if err != nil {
			return err
		}
		m, _ = res.RowsAffected()
		n += m
		return nil
	})
	return n, err
}
