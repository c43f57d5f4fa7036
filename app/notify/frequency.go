package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// issueHit is an issue that crossed a rule's threshold in its window.
type issueHit struct {
	issueID, projectID int64
	n                  int64
	title, culprit     string
	level, project     string
	environment        string
}

// evaluateIssueRules runs the issue_frequency and issue_users rules over
// the error-tracking events table: an unresolved issue with more than N
// events (or distinct users) inside the rule's window fires once, then
// not again for the longer of the window and the rule's cooldown.
func (e *Engine) evaluateIssueRules(ctx context.Context) error {
	rules, err := queryRules(ctx, e.st.R, "SELECT "+ruleCols+` FROM alert_rules WHERE enabled = 1
		AND trigger IN ('issue_frequency', 'issue_users') ORDER BY id`)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, r := range rules {
		hits, err := e.issueHits(ctx, r, now)
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			continue
		}
		if err := e.fireIssueHits(ctx, r, hits, now); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) issueHits(ctx context.Context, r Rule, now time.Time) ([]issueHit, error) {
	window := r.WindowSeconds
	if window <= 0 {
		window = 3600
	}
	agg := "COUNT(*)"
	extra := ""
	if r.Trigger == "issue_users" {
		agg, extra = "COUNT(DISTINCT ev.user_key)", " AND ev.user_key != ''"
	}
	q := `SELECT ev.issue_id, i.project_id, ` + agg + ` AS n, i.title, i.culprit, i.level, p.name,
		MAX(ev.environment) FROM events ev JOIN issues i ON i.id = ev.issue_id JOIN projects p ON p.id = i.project_id
		WHERE ev.team_id = ? AND ev.timestamp >= ? AND i.status = 'unresolved'` + extra
	args := []any{r.TeamID, now.Add(-time.Duration(window) * time.Second).UnixMilli()}
	f := r.Filters
	if len(f.ProjectIDs) > 0 {
		q += " AND i.project_id IN (" + marks(len(f.ProjectIDs)) + ")"
		for _, id := range f.ProjectIDs {
			args = append(args, id)
		}
	}
	if len(f.Environments) > 0 {
		q += " AND ev.environment IN (" + marks(len(f.Environments)) + ")"
		for _, v := range f.Environments {
			args = append(args, v)
		}
	}
	if len(f.Levels) > 0 {
		q += " AND ev.level IN (" + marks(len(f.Levels)) + ")"
		for _, v := range f.Levels {
			args = append(args, v)
		}
	}
	q += " GROUP BY ev.issue_id HAVING n > ? ORDER BY n DESC LIMIT 100"
	args = append(args, r.Threshold)
	rows, err := e.st.R.QueryContext(ctx, q, args...)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, nil
		}
		return nil, fmt.Errorf("notify: %s counts: %w", r.Trigger, err)
	}
	defer rows.Close()
	var out []issueHit
	for rows.Next() {
		var h issueHit
		if err := rows.Scan(&h.issueID, &h.projectID, &h.n, &h.title, &h.culprit, &h.level, &h.project,
			&h.environment); err != nil {
			return nil, fmt.Errorf("notify: scan %s: %w", r.Trigger, err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func (e *Engine) fireIssueHits(ctx context.Context, r Rule, hits []issueHit, now time.Time) error {
	quiet := r.WindowSeconds
	if r.CooldownSeconds > quiet {
		quiet = r.CooldownSeconds
	}
	err := e.st.Write(ctx, func(tx *sql.Tx) error {
		m := &matcher{e: e, ctx: ctx, tx: tx, now: now, base: e.baseURL(), rules: map[int64][]Rule{},
			pending: map[int64]*ruleBatch{}}
		rules, err := m.rulesOf(r.TeamID)
		if err != nil {
			return err
		}
		var rule *Rule
		for i := range rules {
			if rules[i].ID == r.ID {
				rule = &rules[i]
			}
		}
		if rule == nil || len(rule.ChannelIDs) == 0 {
			return nil
		}
		for _, h := range hits {
			subject := "issue:" + strconv.FormatInt(h.issueID, 10)
			st, found, err := m.state(r.ID, subject)
			if err != nil {
				return err
			}
			if found && now.UnixMilli()-st.last < quiet*1000 {
				continue
			}
			key := "count"
			if r.Trigger == "issue_users" {
				key = "users"
			}
			payload, _ := json.Marshal(map[string]any{"issue_id": h.issueID, "project_id": h.projectID,
				"project_name": h.project, "title": h.title, "culprit": h.culprit, "level": h.level,
				"environment": h.environment, key: h.n, "threshold": r.Threshold, "window_seconds": r.WindowSeconds,
				"url": "/issues/" + strconv.FormatInt(h.issueID, 10)})
			ev := Event{TeamID: r.TeamID, Kind: r.Trigger, IssueID: h.issueID, ProjectID: h.projectID,
				Payload: payload, CreatedAt: now.UnixMilli()}
			msg := Render(ev, m.base)
			msg.Rule = &RuleRef{ID: r.ID, Name: r.Name}
			msg.DedupKey += "-" + r.Trigger
			if err := m.setState(r.ID, subject, false, msg.DedupKey, r.Trigger, 0); err != nil {
				return err
			}
			m.add(*rule, pendingMsg{subject: subject, msg: msg, channels: rule.ChannelIDs})
		}
		return m.flush()
	})
	if err == nil {
		signal(e.wakeDispatch)
	}
	return err
}
