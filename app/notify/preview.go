package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// PreviewRow is one recent event and what a rule would have done with it.
type PreviewRow struct {
	EventID   int64
	Kind      string
	Title     string
	CreatedAt int64
	// Outcome is fire, resolve, cooldown or maintenance.
	Outcome string
}

// Preview replays a team's alert events of the last days through a rule
// (saved or not) with its filters, cooldown and maintenance windows, and
// lists the events it would have acted on, newest first.
func (e *Engine) Preview(ctx context.Context, r Rule, days int) ([]PreviewRow, error) {
	if r.Trigger == "issue_frequency" || r.Trigger == "issue_users" {
		return e.previewIssueHits(ctx, r)
	}
	since := time.Now().AddDate(0, 0, -days).UnixMilli()
	rows, err := e.st.R.QueryContext(ctx, `SELECT id, team_id, kind, COALESCE(monitor_id, 0), COALESCE(project_id, 0),
		COALESCE(issue_id, 0), payload, created_at FROM alert_events WHERE team_id = ? AND created_at >= ?
		ORDER BY id LIMIT 5000`, r.TeamID, since)
	if err != nil {
		return nil, fmt.Errorf("notify: preview events: %w", err)
	}
	var events []Event
	for rows.Next() {
		var ev Event
		var p string
		if err := rows.Scan(&ev.ID, &ev.TeamID, &ev.Kind, &ev.MonitorID, &ev.ProjectID, &ev.IssueID, &p,
			&ev.CreatedAt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notify: preview scan: %w", err)
		}
		ev.Payload = json.RawMessage(p)
		events = append(events, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: preview events: %w", err)
	}
	type state struct {
		open bool
		last int64
	}
	states := map[string]*state{}
	var out []PreviewRow
	for _, ev := range events {
		p := parsePayload(ev.Payload)
		at := time.UnixMilli(ev.CreatedAt)
		fire, resolve := r.match(ev, p, at)
		if !fire && !resolve {
			continue
		}
		key := ev.subjectKey(p)
		st := states[key]
		row := PreviewRow{EventID: ev.ID, Kind: ev.Kind, Title: Render(ev, "").Title, CreatedAt: ev.CreatedAt}
		switch {
		case resolve:
			if st == nil || !st.open {
				continue
			}
			st.open, row.Outcome = false, "resolve"
		default:
			if !strings.HasPrefix(ev.Kind, "issue_") {
				silent, err := inMaintenance(ctx, e.st.R, ev.TeamID, ev.monitorID(p), at)
				if err != nil {
					return nil, err
				}
				if silent || p.str("status") == "maintenance" {
					row.Outcome = "maintenance"
					out = append(out, row)
					continue
				}
			}
			if st != nil && r.CooldownSeconds > 0 && ev.CreatedAt-st.last < r.CooldownSeconds*1000 {
				row.Outcome = "cooldown"
				out = append(out, row)
				continue
			}
			if st == nil {
				st = &state{}
				states[key] = st
			}
			st.open, st.last, row.Outcome = opens(r.Trigger), ev.CreatedAt, "fire"
		}
		out = append(out, row)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// previewIssueHits lists the issues over a frequency rule's threshold in
// its window right now.
func (e *Engine) previewIssueHits(ctx context.Context, r Rule) ([]PreviewRow, error) {
	now := time.Now()
	hits, err := e.issueHits(ctx, r, now)
	if err != nil {
		return nil, err
	}
	var out []PreviewRow
	for _, h := range hits {
		key := "count"
		if r.Trigger == "issue_users" {
			key = "users"
		}
		p, _ := json.Marshal(map[string]any{"issue_id": h.issueID, "title": h.title, key: h.n,
			"window_seconds": r.WindowSeconds})
		ev := Event{Kind: r.Trigger, IssueID: h.issueID, Payload: p, CreatedAt: now.UnixMilli()}
		out = append(out, PreviewRow{Kind: r.Trigger, Title: Render(ev, "").Title, CreatedAt: now.UnixMilli(),
			Outcome: "fire"})
	}
	return out, nil
}
