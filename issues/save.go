package issues

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// issueState is what processing reads of an existing issue.
type issueState struct {
	ID                    int64
	Status                string
	ResolvedAt            sql.NullInt64
	ResolvedInRelease     sql.NullString
	ResolvedInNextRelease bool
	ResolvedAfterRelease  sql.NullString
	IgnoreUntil           sql.NullInt64
	IgnoreCount           sql.NullInt64
	IgnoreUserCount       sql.NullInt64
	IgnoreBaseEvents      int64
	IgnoreBaseUsers       int64
	EventCount            int64
	UserCount             int64
}

// saveEvent stores one normalised event: finds or creates its issue,
// updates counts, rollups and the lifecycle, and writes alert events for
// new and regressed issues, all in the caller's transaction. A second
// delivery of the same event id is a no-op.
func (s *Service) saveEvent(tx execer, p Project, ev *Event, data []byte) (Processed, error) {
	now := store.Now()
	ts := ev.Timestamp.UnixMilli()
	if ev.Release != "" && !s.knownRelease(p.ID, ev.Release) {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO releases (project_id, version, first_seen) VALUES (?, ?, ?)`,
			p.ID, ev.Release, now); err != nil {
			return Processed{}, fmt.Errorf("issues: release: %w", err)
		}
	}
	if ev.Environment != "" && !s.knownRelease(-p.ID, ev.Environment) {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO project_environments (project_id, name, first_seen)
			VALUES (?, ?, ?)`, p.ID, ev.Environment, now); err != nil {
			return Processed{}, fmt.Errorf("issues: environment: %w", err)
		}
	}
	var r Processed
	var st issueState
	err := tx.QueryRow(`SELECT issue_id FROM issue_hashes WHERE project_id = ? AND hash = ?`, p.ID,
		ev.Grouping.Hash).Scan(&st.ID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if st.ID, err = createIssue(tx, p, ev, now); err != nil {
			return r, err
		}
		r.NewIssue = true
	case err != nil:
		return r, fmt.Errorf("issues: find hash: %w", err)
	}
	r.IssueID = st.ID

	userKey := ev.User.Key()
	tags, _ := json.Marshal(ev.Tags)
	res, err := tx.Exec(`INSERT OR IGNORE INTO events (event_id, team_id, project_id, issue_id, hash, timestamp,
		received_at, level, title, message, release, environment, user_key, tags, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.EventID, p.TeamID, p.ID, st.ID, ev.Grouping.Hash, ts, ev.ReceivedAt.UnixMilli(), ev.Level, ev.Title,
		trim(ev.Message, 1024), ev.Release, ev.Environment, userKey, string(tags), data)
	if err != nil {
		return r, fmt.Errorf("issues: insert event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// The same event id was stored before: a retry, counted once.
		return Processed{IssueID: st.ID, Duplicate: true}, nil
	}
	newUser := int64(0)
	if userKey != "" {
		res, err := tx.Exec(`INSERT OR IGNORE INTO issue_users (issue_id, user_key) VALUES (?, ?)`, st.ID, userKey)
		if err != nil {
			return r, fmt.Errorf("issues: issue user: %w", err)
		}
		newUser, _ = res.RowsAffected()
	}
	// The issue is described by its latest event: title, culprit, type,
	// value and level together, so they never mix two events.
	typ, val := issueTypeValue(ev)
	err = tx.QueryRow(`UPDATE issues SET event_count = event_count + 1, user_count = user_count + ?1,
		first_seen = MIN(first_seen, ?2), last_seen = MAX(last_seen, ?2),
		level = CASE WHEN ?2 >= last_seen THEN ?3 ELSE level END,
		title = CASE WHEN ?2 >= last_seen THEN ?4 ELSE title END,
		culprit = CASE WHEN ?2 >= last_seen THEN ?5 ELSE culprit END,
		type = CASE WHEN ?2 >= last_seen THEN ?6 ELSE type END,
		value = CASE WHEN ?2 >= last_seen THEN ?7 ELSE value END,
		last_release = CASE WHEN ?8 = '' THEN last_release ELSE ?8 END,
		last_environment = CASE WHEN ?9 = '' THEN last_environment ELSE ?9 END, updated_at = ?10 WHERE id = ?11
		RETURNING status`,
		newUser, ts, ev.Level, ev.Title, ev.Culprit, typ, val, ev.Release, ev.Environment, now, st.ID).Scan(&st.Status)
	if err != nil {
		return r, fmt.Errorf("issues: update issue: %w", err)
	}
	if !r.NewIssue && st.Status != "unresolved" {
		if st, err = loadIssueState(tx, st.ID); err != nil {
			return r, err
		}
		if r.Regressed, err = s.lifecycleOnEvent(tx, p, st, ev, now); err != nil {
			return r, err
		}
	}
	if err := rollups(tx, st.ID, ev); err != nil {
		return r, err
	}
	switch {
	case r.NewIssue:
		err = alertEvent(tx, "issue_new", p, st.ID, ev, now)
	case r.Regressed:
		err = alertEvent(tx, "issue_regressed", p, st.ID, ev, now)
	}
	return r, err
}

// knownRelease remembers releases (and, under the negated project id,
// environments) already stored, so most events skip the insert.
func (s *Service) knownRelease(projectID int64, version string) bool {
	k := itoa(projectID) + "\x00" + version
	s.relMu.Lock()
	defer s.relMu.Unlock()
	if s.releases[k] {
		return true
	}
	if len(s.releases) > 100000 {
		clear(s.releases)
	}
	s.releases[k] = true
	return false
}

func createIssue(tx execer, p Project, ev *Event, now int64) (int64, error) {
	ts := ev.Timestamp.UnixMilli()
	typ, val := issueTypeValue(ev)
	res, err := tx.Exec(`INSERT INTO issues (team_id, project_id, title, culprit, type, value, level, platform,
		first_seen, last_seen, first_release, last_release, last_environment, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.TeamID, p.ID, ev.Title, ev.Culprit, typ,
		val, ev.Level, ev.Platform, ts, ts, ev.Release, ev.Release, ev.Environment, now, now)
	if err != nil {
		return 0, fmt.Errorf("issues: create issue: %w", err)
	}
	id, _ := res.LastInsertId()
	if _, err := tx.Exec(`INSERT INTO issue_hashes (project_id, hash, version, issue_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		p.ID, ev.Grouping.Hash, ev.Grouping.Version, id, now); err != nil {
		return 0, fmt.Errorf("issues: insert hash: %w", err)
	}
	return id, nil
}

// issueTypeValue is the exception type and the first line of its value that
// an issue shows beside its title.
func issueTypeValue(ev *Event) (typ, val string) {
	if x := ev.mainException(); x != nil {
		typ, val = x.Type, firstLine(x.Value)
	}
	return trim(typ, maxShort), trim(val, maxShort)
}

func loadIssueState(tx execer, id int64) (issueState, error) {
	st := issueState{ID: id}
	err := tx.QueryRow(`SELECT status, resolved_at, resolved_in_release, resolved_in_next_release,
		resolved_after_release, ignore_until, ignore_count, ignore_user_count, ignore_base_events, ignore_base_users,
		event_count, user_count FROM issues WHERE id = ?`, id).Scan(&st.Status, &st.ResolvedAt, &st.ResolvedInRelease,
		&st.ResolvedInNextRelease, &st.ResolvedAfterRelease, &st.IgnoreUntil, &st.IgnoreCount, &st.IgnoreUserCount,
		&st.IgnoreBaseEvents, &st.IgnoreBaseUsers, &st.EventCount, &st.UserCount)
	if err != nil {
		return st, fmt.Errorf("issues: load issue %d: %w", id, err)
	}
	return st, nil
}

// lifecycleOnEvent regresses resolved issues (respecting the release
// rule) and wakes ignored issues whose condition ran out.
func (s *Service) lifecycleOnEvent(tx execer, p Project, st issueState, ev *Event, now int64) (bool, error) {
	switch st.Status {
	case "resolved":
		regress, err := shouldRegress(tx, p.ID, st, ev)
		if err != nil || !regress {
			return false, err
		}
		if err := reopen(tx, st.ID, "regressed", now); err != nil {
			return false, err
		}
		_, err = tx.Exec(`INSERT INTO issue_activity (issue_id, kind, body, created_at) VALUES (?, 'regressed', ?, ?)`,
			st.ID, "A new event arrived after the issue was resolved"+releaseNote(ev.Release)+".", now)
		return true, err
	case "ignored":
		var why string
		switch {
		case st.IgnoreUntil.Valid && now >= st.IgnoreUntil.Int64:
			why = "The ignore period ended."
		case st.IgnoreCount.Valid && st.EventCount-st.IgnoreBaseEvents > st.IgnoreCount.Int64:
			why = fmt.Sprintf("More than %d events arrived while ignored.", st.IgnoreCount.Int64)
		case st.IgnoreUserCount.Valid && st.UserCount-st.IgnoreBaseUsers > st.IgnoreUserCount.Int64:
			why = fmt.Sprintf("More than %d users were affected while ignored.", st.IgnoreUserCount.Int64)
		default:
			return false, nil
		}
		if err := reopen(tx, st.ID, "escalating", now); err != nil {
			return false, err
		}
		_, err := tx.Exec(`INSERT INTO issue_activity (issue_id, kind, body, created_at) VALUES (?, 'status', ?, ?)`,
			st.ID, why+" Back to unresolved.", now)
		return false, err
	}
	return false, nil
}

func releaseNote(r string) string {
	if r == "" {
		return ""
	}
	return " in release " + r
}

func reopen(tx execer, id int64, substatus string, now int64) error {
	_, err := tx.Exec(`UPDATE issues SET status = 'unresolved', substatus = ?, resolved_at = NULL,
		resolved_in_release = NULL, resolved_in_next_release = 0, resolved_after_release = NULL, ignore_until = NULL,
		ignore_count = NULL, ignore_user_count = NULL, updated_at = ? WHERE id = ?`, substatus, now, id)
	if err != nil {
		return fmt.Errorf("issues: reopen issue: %w", err)
	}
	return nil
}

// shouldRegress applies the release rule of a resolved issue: resolved in
// release X regresses on events from X or a release first seen after X;
// resolved in the next release regresses on events from a release first
// seen after the resolution; plain resolved regresses on any event.
func shouldRegress(tx execer, projectID int64, st issueState, ev *Event) (bool, error) {
	firstSeen := func(v string) (int64, bool, error) {
		var t int64
		err := tx.QueryRow(`SELECT first_seen FROM releases WHERE project_id = ? AND version = ?`, projectID, v).Scan(&t)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, false, nil
		}
		return t, err == nil, err
	}
	switch {
	case st.ResolvedInRelease.Valid && st.ResolvedInRelease.String != "":
		if ev.Release == "" {
			return false, nil
		}
		if ev.Release == st.ResolvedInRelease.String {
			return true, nil
		}
		fix, known, err := firstSeen(st.ResolvedInRelease.String)
		if err != nil || !known {
			return false, err
		}
		got, _, err := firstSeen(ev.Release)
		return got > fix, err
	case st.ResolvedInNextRelease:
		if ev.Release == "" || ev.Release == st.ResolvedAfterRelease.String {
			return false, nil
		}
		got, _, err := firstSeen(ev.Release)
		return got >= st.ResolvedAt.Int64, err
	}
	return true, nil
}

// rollups update the hourly counts and the tag value counts.
func rollups(tx execer, issueID int64, ev *Event) error {
	hour := ev.Timestamp.Truncate(time.Hour).UnixMilli()
	if _, err := tx.Exec(`INSERT INTO issue_hourly (issue_id, hour, count) VALUES (?, ?, 1)
		ON CONFLICT (issue_id, hour) DO UPDATE SET count = count + 1`, issueID, hour); err != nil {
		return fmt.Errorf("issues: hourly: %w", err)
	}
	pairs := facetTags(ev)
	if len(pairs) > 30 {
		pairs = pairs[:30]
	}
	args := make([]any, 0, len(pairs)*3)
	for _, kv := range pairs {
		args = append(args, issueID, kv[0], kv[1])
	}
	q := `INSERT INTO issue_tags (issue_id, key, value, count) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, 1),", len(pairs)), ",") +
		` ON CONFLICT (issue_id, key, value) DO UPDATE SET count = count + 1`
	if _, err := tx.Exec(q, args...); err != nil {
		return fmt.Errorf("issues: tags: %w", err)
	}
	return nil
}

// facetTags are the tag pairs counted per issue: level, environment,
// release, then the event's own tags.
func facetTags(ev *Event) [][2]string {
	out := [][2]string{{"level", ev.Level}}
	if ev.Environment != "" {
		out = append(out, [2]string{"environment", ev.Environment})
	}
	if ev.Release != "" {
		out = append(out, [2]string{"release", ev.Release})
	}
	for _, kv := range ev.TagList {
		switch kv[0] {
		case "level", "environment", "release":
			continue
		}
		out = append(out, kv)
	}
	return out
}

// alertEvent writes the domain event the alerting pipeline consumes.
func alertEvent(tx execer, kind string, p Project, issueID int64, ev *Event, now int64) error {
	payload, _ := json.Marshal(map[string]any{
		"issue_id": issueID, "project_id": p.ID, "project_name": p.Name, "title": ev.Title, "culprit": ev.Culprit,
		"level": ev.Level, "environment": ev.Environment, "release": ev.Release, "event_id": ev.EventID,
		"url": fmt.Sprintf("/issues/%d", issueID),
	})
	_, err := tx.Exec(`INSERT INTO alert_events (team_id, kind, project_id, issue_id, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, p.TeamID, kind, p.ID, issueID, string(payload), now)
	if err != nil {
		return fmt.Errorf("issues: alert event: %w", err)
	}
	return nil
}
