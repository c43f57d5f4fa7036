package issues

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bitwobbly/bitwobbly/store"
)

// Issue is a group of events.
type Issue struct {
	ID                    int64
	TeamID                int64
	ProjectID             int64
	ProjectName           string
	Title                 string
	Culprit               string
	Type                  string
	Value                 string
	Level                 string
	Platform              string
	Status                string
	Substatus             string
	FirstSeen             int64
	LastSeen              int64
	EventCount            int64
	UserCount             int64
	FirstRelease          string
	LastRelease           string
	Environment           string
	ResolvedAt            int64
	ResolvedInRelease     string
	ResolvedInNextRelease bool
	IgnoreUntil           int64
	IgnoreCount           *int64
	IgnoreUserCount       *int64
	AssigneeID            int64
	AssigneeEmail         string
	MergedInto            int64
}

const issueCols = `i.id, i.team_id, i.project_id, p.name, i.title, i.culprit, i.type, i.value, i.level, i.platform,
	i.status, i.substatus, i.first_seen, i.last_seen, i.event_count, i.user_count, i.first_release, i.last_release,
	i.last_environment, COALESCE(i.resolved_at, 0), COALESCE(i.resolved_in_release, ''), i.resolved_in_next_release,
	COALESCE(i.ignore_until, 0), i.ignore_count, i.ignore_user_count, COALESCE(i.assignee_id, 0),
	COALESCE(u.email, ''), COALESCE(i.merged_into, 0)`

const issueFrom = ` FROM issues i JOIN projects p ON p.id = i.project_id LEFT JOIN users u ON u.id = i.assignee_id`

func scanIssue(row interface{ Scan(...any) error }) (Issue, error) {
	var i Issue
	var ic, iuc sql.NullInt64
	err := row.Scan(&i.ID, &i.TeamID, &i.ProjectID, &i.ProjectName, &i.Title, &i.Culprit, &i.Type, &i.Value, &i.Level,
		&i.Platform, &i.Status, &i.Substatus, &i.FirstSeen, &i.LastSeen, &i.EventCount, &i.UserCount, &i.FirstRelease,
		&i.LastRelease, &i.Environment, &i.ResolvedAt, &i.ResolvedInRelease, &i.ResolvedInNextRelease, &i.IgnoreUntil,
		&ic, &iuc, &i.AssigneeID, &i.AssigneeEmail, &i.MergedInto)
	if errors.Is(err, sql.ErrNoRows) {
		return i, store.ErrNotFound
	}
	if err != nil {
		return i, fmt.Errorf("issues: scan issue: %w", err)
	}
	if ic.Valid {
		i.IgnoreCount = &ic.Int64
	}
	if iuc.Valid {
		i.IgnoreUserCount = &iuc.Int64
	}
	return i, nil
}

// Filter selects and orders issues.
type Filter struct {
	TeamID      int64
	Status      string // empty: every status
	Level       string
	ProjectID   int64
	Environment string
	Release     string
	Query       string
	AssigneeID  int64
	Sort        string // last_seen (default), first_seen, events, users
	Limit       int
	// After continues a previous page: the sort value and id of its last row.
	AfterValue int64
	AfterID    int64
}

// Sorts are the issue list orders.
var Sorts = map[string]string{"last_seen": "i.last_seen", "first_seen": "i.first_seen",
	"events": "i.event_count", "users": "i.user_count"}

// SortValue is the value of the filter's sort column for an issue.
func (f Filter) SortValue(i Issue) int64 {
	switch f.Sort {
	case "first_seen":
		return i.FirstSeen
	case "events":
		return i.EventCount
	case "users":
		return i.UserCount
	}
	return i.LastSeen
}

// Issues lists issues of a team matching the filter, merged issues left out.
func (s *Service) Issues(ctx context.Context, f Filter) ([]Issue, error) {
	col, ok := Sorts[f.Sort]
	if !ok {
		col = Sorts["last_seen"]
	}
	where := []string{"i.team_id = ?", "i.merged_into IS NULL"}
	args := []any{f.TeamID}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if f.Status != "" {
		add("i.status = ?", f.Status)
	}
	if f.Level != "" {
		add("i.level = ?", f.Level)
	}
	if f.ProjectID != 0 {
		add("i.project_id = ?", f.ProjectID)
	}
	if f.AssigneeID != 0 {
		add("i.assignee_id = ?", f.AssigneeID)
	}
	if f.Environment != "" {
		add("EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = i.id AND t.key = 'environment' AND t.value = ?)",
			f.Environment)
	}
	if f.Release != "" {
		add("EXISTS (SELECT 1 FROM issue_tags t WHERE t.issue_id = i.id AND t.key = 'release' AND t.value = ?)", f.Release)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		add(`(i.title LIKE ? ESCAPE '\' OR i.culprit LIKE ? ESCAPE '\')`, like, like)
	}
	if f.AfterID != 0 {
		add("("+col+" < ? OR ("+col+" = ? AND i.id < ?))", f.AfterValue, f.AfterValue, f.AfterID)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := `SELECT ` + issueCols + issueFrom + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY ` + col + ` DESC, i.id DESC LIMIT ?`
	rows, err := s.st.R.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("issues: list issues: %w", err)
	}
	defer rows.Close()
	var out []Issue
	for rows.Next() {
		i, err := scanIssue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Issue returns one issue of the team.
func (s *Service) Issue(ctx context.Context, teamID, id int64) (Issue, error) {
	return scanIssue(s.st.R.QueryRowContext(ctx, `SELECT `+issueCols+issueFrom+` WHERE i.team_id = ? AND i.id = ?`,
		teamID, id))
}

// CountUnresolved is the number of a team's unresolved issues.
func (s *Service) CountUnresolved(ctx context.Context, teamID int64) (int, error) {
	var n int
	err := s.st.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM issues WHERE team_id = ? AND status = 'unresolved'
		AND merged_into IS NULL`, teamID).Scan(&n)
	return n, err
}

// Hourly returns an issue's event counts per hour from since, one value
// per hour up to now (zeros included).
func (s *Service) Hourly(ctx context.Context, issueIDs []int64, since time.Time, hours int) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(issueIDs) == 0 {
		return out, nil
	}
	start := since.Truncate(time.Hour).UnixMilli()
	ph := strings.Repeat("?,", len(issueIDs))
	args := []any{start}
	for _, id := range issueIDs {
		args = append(args, id)
		out[id] = make([]int64, hours)
	}
	rows, err := s.st.R.QueryContext(ctx, `SELECT issue_id, hour, count FROM issue_hourly WHERE hour >= ?
		AND issue_id IN (`+ph[:len(ph)-1]+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("issues: hourly: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, hour, n int64
		if err := rows.Scan(&id, &hour, &n); err != nil {
			return nil, err
		}
		if i := int((hour - start) / int64(time.Hour/time.Millisecond)); i >= 0 && i < hours {
			out[id][i] += n
		}
	}
	return out, rows.Err()
}

// TagCount is one value of a tag with its event count.
type TagCount struct {
	Key, Value string
	Count      int64
}

// Tags returns an issue's tag values, most frequent first (at most per
// key values per tag).
func (s *Service) Tags(ctx context.Context, issueID int64, perKey int) (map[string][]TagCount, []string, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT key, value, count FROM issue_tags WHERE issue_id = ?
		ORDER BY key, count DESC LIMIT 2000`, issueID)
	if err != nil {
		return nil, nil, fmt.Errorf("issues: tags: %w", err)
	}
	defer rows.Close()
	out := map[string][]TagCount{}
	var keys []string
	for rows.Next() {
		var t TagCount
		if err := rows.Scan(&t.Key, &t.Value, &t.Count); err != nil {
			return nil, nil, err
		}
		if _, ok := out[t.Key]; !ok {
			keys = append(keys, t.Key)
		}
		if len(out[t.Key]) < perKey {
			out[t.Key] = append(out[t.Key], t)
		}
	}
	return out, keys, rows.Err()
}

// EventRow is an event as listed.
type EventRow struct {
	ID          int64
	EventID     string
	IssueID     int64
	ProjectID   int64
	Timestamp   int64
	ReceivedAt  int64
	Level       string
	Title       string
	Message     string
	Release     string
	Environment string
	UserKey     string
	Tags        map[string]string
}

const eventCols = `id, event_id, issue_id, project_id, timestamp, received_at, level, title, message, release,
	environment, user_key, tags`

func scanEventRow(row interface{ Scan(...any) error }) (EventRow, error) {
	var e EventRow
	var tags string
	err := row.Scan(&e.ID, &e.EventID, &e.IssueID, &e.ProjectID, &e.Timestamp, &e.ReceivedAt, &e.Level, &e.Title,
		&e.Message, &e.Release, &e.Environment, &e.UserKey, &tags)
	if errors.Is(err, sql.ErrNoRows) {
		return e, store.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("issues: scan event: %w", err)
	}
	json.Unmarshal([]byte(tags), &e.Tags)
	return e, nil
}

// Events lists an issue's events newest first, continuing after the
// event row id after (0: from the newest).
func (s *Service) Events(ctx context.Context, teamID, issueID, after int64, limit int) ([]EventRow, error) {
	q := `SELECT ` + eventCols + ` FROM events WHERE team_id = ? AND issue_id = ?`
	args := []any{teamID, issueID}
	if after > 0 {
		q += ` AND id < ?`
		args = append(args, after)
	}
	rows, err := s.st.R.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("issues: list events: %w", err)
	}
	defer rows.Close()
	var out []EventRow
	for rows.Next() {
		e, err := scanEventRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Event returns a whole normalised event of the team by its event id.
func (s *Service) Event(ctx context.Context, teamID int64, eventID string) (*Event, EventRow, error) {
	return s.eventWhere(ctx, `team_id = ? AND event_id = ?`, teamID, strings.ToLower(eventID))
}

// EventByRow returns a whole event by its row id.
func (s *Service) EventByRow(ctx context.Context, teamID, id int64) (*Event, EventRow, error) {
	return s.eventWhere(ctx, `team_id = ? AND id = ?`, teamID, id)
}

func (s *Service) eventWhere(ctx context.Context, where string, args ...any) (*Event, EventRow, error) {
	var data []byte
	var tags string
	var e EventRow
	err := s.st.R.QueryRowContext(ctx, `SELECT `+eventCols+`, data FROM events WHERE `+where+` LIMIT 1`, args...).Scan(
		&e.ID, &e.EventID, &e.IssueID, &e.ProjectID, &e.Timestamp, &e.ReceivedAt, &e.Level, &e.Title, &e.Message,
		&e.Release, &e.Environment, &e.UserKey, &tags, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, e, store.ErrNotFound
	}
	if err != nil {
		return nil, e, fmt.Errorf("issues: get event: %w", err)
	}
	json.Unmarshal([]byte(tags), &e.Tags)
	raw, err := s.decompress(data)
	if err != nil {
		return nil, e, fmt.Errorf("issues: decode event: %w", err)
	}
	var ev Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, e, fmt.Errorf("issues: decode event: %w", err)
	}
	ev.IssueID = e.IssueID
	return &ev, e, nil
}

// Neighbours returns the row ids of the previous (older) and next (newer)
// events of the same issue, 0 when there is none.
func (s *Service) Neighbours(ctx context.Context, issueID, id int64) (older, newer int64, err error) {
	err = s.st.R.QueryRowContext(ctx, `SELECT COALESCE((SELECT MAX(id) FROM events WHERE issue_id = ? AND id < ?), 0),
		COALESCE((SELECT MIN(id) FROM events WHERE issue_id = ? AND id > ?), 0)`, issueID, id, issueID, id).Scan(&older, &newer)
	return older, newer, err
}

// LatestEventRow is the row id of an issue's newest event.
func (s *Service) LatestEventRow(ctx context.Context, teamID, issueID int64) (int64, error) {
	var id sql.NullInt64
	err := s.st.R.QueryRowContext(ctx, `SELECT MAX(id) FROM events WHERE team_id = ? AND issue_id = ?`, teamID,
		issueID).Scan(&id)
	if err != nil {
		return 0, err
	}
	if !id.Valid {
		return 0, store.ErrNotFound
	}
	return id.Int64, nil
}

// FacetValues lists the environments or releases seen by a team's
// projects, for filters.
func (s *Service) FacetValues(ctx context.Context, teamID int64, key string) ([]string, error) {
	q := `SELECT DISTINCT e.name FROM project_environments e JOIN projects p ON p.id = e.project_id
		WHERE p.team_id = ? ORDER BY e.name LIMIT 100`
	if key == "release" {
		q = `SELECT r.version FROM releases r JOIN projects p ON p.id = r.project_id
			WHERE p.team_id = ? GROUP BY r.version ORDER BY MAX(r.first_seen) DESC LIMIT 100`
	}
	rows, err := s.st.R.QueryContext(ctx, q, teamID)
	if err != nil {
		return nil, fmt.Errorf("issues: facet values: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReleaseStat is the session health of one release.
type ReleaseStat struct {
	Release  string
	Started  int64
	Errored  int64
	Crashed  int64
	Abnormal int64
}

// ReleaseHealth sums the sessions of a project's most recent releases.
func (s *Service) ReleaseHealth(ctx context.Context, teamID, projectID int64, limit int) ([]ReleaseStat, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT r.release, SUM(r.started), SUM(r.errored), SUM(r.crashed),
		SUM(r.abnormal) FROM release_sessions r JOIN projects p ON p.id = r.project_id
		WHERE p.team_id = ? AND r.project_id = ? GROUP BY r.release ORDER BY MAX(r.hour) DESC LIMIT ?`,
		teamID, projectID, limit)
	if err != nil {
		return nil, fmt.Errorf("issues: release health: %w", err)
	}
	defer rows.Close()
	var out []ReleaseStat
	for rows.Next() {
		var r ReleaseStat
		if err := rows.Scan(&r.Release, &r.Started, &r.Errored, &r.Crashed, &r.Abnormal); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ChangedSince counts a team's issues whose last event is newer than since
// (Unix ms).
func (s *Service) ChangedSince(ctx context.Context, teamID, since int64) (int, error) {
	var n int
	err := s.st.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM issues WHERE team_id = ? AND updated_at > ?
		AND merged_into IS NULL`, teamID, since).Scan(&n)
	return n, err
}

// KeptItem is an envelope item stored beside an event: an attachment or
// user feedback.
type KeptItem struct {
	ID       int64
	Type     string
	Filename string
	Size     int
	Name     string
	Email    string
	Comments string
}

// ItemsOfEvent lists the attachments and feedback of one of a team's
// events.
func (s *Service) ItemsOfEvent(ctx context.Context, teamID int64, eventID string) ([]KeptItem, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT id, type, headers, data FROM envelope_items WHERE team_id = ?
		AND event_id = ? AND type IN ('attachment', 'user_report', 'feedback') ORDER BY id LIMIT 100`, teamID, eventID)
	if err != nil {
		return nil, fmt.Errorf("issues: items of event: %w", err)
	}
	defer rows.Close()
	var out []KeptItem
	for rows.Next() {
		var it KeptItem
		var headers string
		var data []byte
		if err := rows.Scan(&it.ID, &it.Type, &headers, &data); err != nil {
			return nil, err
		}
		raw, err := s.decompress(data)
		if err != nil {
			continue
		}
		it.Size = len(raw)
		switch it.Type {
		case "attachment":
			it.Filename = gjson.Get(headers, "filename").String()
		case "user_report":
			j := gjson.ParseBytes(raw)
			it.Name, it.Email, it.Comments = j.Get("name").String(), j.Get("email").String(), j.Get("comments").String()
		case "feedback":
			j := gjson.ParseBytes(raw).Get("contexts.feedback")
			it.Name, it.Email, it.Comments = j.Get("name").String(), j.Get("contact_email").String(), j.Get("message").String()
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Attachment returns an attachment of a team's event: its file name,
// content type and bytes.
func (s *Service) Attachment(ctx context.Context, teamID int64, eventID string, id int64) (string, string, []byte, error) {
	var headers string
	var data []byte
	err := s.st.R.QueryRowContext(ctx, `SELECT headers, data FROM envelope_items WHERE team_id = ? AND event_id = ?
		AND id = ? AND type = 'attachment'`, teamID, eventID, id).Scan(&headers, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil, store.ErrNotFound
	}
	if err != nil {
		return "", "", nil, fmt.Errorf("issues: attachment: %w", err)
	}
	raw, err := s.decompress(data)
	if err != nil {
		return "", "", nil, fmt.Errorf("issues: attachment: %w", err)
	}
	return gjson.Get(headers, "filename").String(), gjson.Get(headers, "content_type").String(), raw, nil
}
