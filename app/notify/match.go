package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// stormWindow is the span over which a rule's alerts are counted
// against its storm limit.
const stormWindow = time.Minute

// matchBatch is how many alert events one transaction hands off.
const matchBatch = 500

func (e *Engine) pendingEvents(ctx context.Context, limit int) ([]Event, error) {
	rows, err := e.st.R.QueryContext(ctx, `SELECT id, team_id, kind, COALESCE(monitor_id, 0), COALESCE(project_id, 0),
		COALESCE(issue_id, 0), payload, created_at FROM alert_events WHERE processed_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: pending events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var ev Event
		var p string
		if err := rows.Scan(&ev.ID, &ev.TeamID, &ev.Kind, &ev.MonitorID, &ev.ProjectID, &ev.IssueID, &p,
			&ev.CreatedAt); err != nil {
			return nil, fmt.Errorf("notify: scan event: %w", err)
		}
		ev.Payload = json.RawMessage(p)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// matchOnce hands off one batch of pending alert events: in one
// transaction it marks them processed and writes the deliveries they
// cause, so each event is handed off exactly once. A batch that fails is
// retried event by event; an event that fails alone is set aside with an
// error in the log rather than blocking the queue.
func (e *Engine) matchOnce(ctx context.Context) (int, error) {
	events, err := e.pendingEvents(ctx, matchBatch)
	if err != nil || len(events) == 0 {
		return 0, err
	}
	if err := e.handOff(ctx, events); err == nil {
		return len(events), nil
	} else if ctx.Err() != nil {
		return 0, err
	} else {
		e.log.Warn("alert event batch failed; handing off one by one", "events", len(events), "error", err)
	}
	for _, ev := range events {
		if err := e.handOff(ctx, []Event{ev}); err != nil {
			if ctx.Err() != nil {
				return 0, err
			}
			e.log.Error("alert event could not be handed off; set aside", "alert_event_id", ev.ID, "kind", ev.Kind,
				"error", err)
			e.st.Write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "UPDATE alert_events SET processed_at = ? WHERE id = ?",
					time.Now().UnixMilli(), ev.ID)
				return err
			})
		}
	}
	return len(events), nil
}

func (e *Engine) handOff(ctx context.Context, events []Event) error {
	return e.st.Write(ctx, func(tx *sql.Tx) error {
		m := &matcher{e: e, ctx: ctx, tx: tx, now: time.Now(), base: e.baseURL(),
			rules: map[int64][]Rule{}, pending: map[int64]*ruleBatch{}}
		for _, ev := range events {
			res, err := tx.ExecContext(ctx, "UPDATE alert_events SET processed_at = ? WHERE id = ? AND processed_at IS NULL",
				m.now.UnixMilli(), ev.ID)
			if err != nil {
				return fmt.Errorf("notify: mark event: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := m.event(ev); err != nil {
				return err
			}
		}
		return m.flush()
	})
}

// matcher holds one hand-off transaction's state.
type matcher struct {
	e       *Engine
	ctx     context.Context
	tx      *sql.Tx
	now     time.Time
	base    string
	rules   map[int64][]Rule
	pending map[int64]*ruleBatch
}

type ruleBatch struct {
	rule Rule
	msgs []pendingMsg
}

type pendingMsg struct {
	eventID int64
	subject string
	msg     Message
	// channels are the rule's channels this message goes to: those no
	// other rule already covers for the same event.
	channels []int64
}

type ruleState struct {
	open     bool
	dedupKey string
	last     int64
}

// rulesOf loads a team's enabled rules with their enabled channels.
func (m *matcher) rulesOf(teamID int64) ([]Rule, error) {
	if rs, ok := m.rules[teamID]; ok {
		return rs, nil
	}
	rs, err := queryRules(m.ctx, m.tx, "SELECT "+ruleCols+" FROM alert_rules WHERE team_id = ? AND enabled = 1 ORDER BY id",
		teamID)
	if err != nil {
		return nil, err
	}
	enabled := map[int64]bool{}
	rows, err := m.tx.QueryContext(m.ctx, "SELECT id FROM channels WHERE team_id = ? AND enabled = 1", teamID)
	if err != nil {
		return nil, fmt.Errorf("notify: enabled channels: %w", err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		enabled[id] = true
	}
	rows.Close()
	for i := range rs {
		var keep []int64
		for _, id := range rs[i].ChannelIDs {
			if enabled[id] {
				keep = append(keep, id)
			}
		}
		rs[i].ChannelIDs = keep
	}
	m.rules[teamID] = rs
	return rs, nil
}

func (m *matcher) state(ruleID int64, subject string) (ruleState, bool, error) {
	var s ruleState
	err := m.tx.QueryRowContext(m.ctx, `SELECT open, dedup_key, last_notified_at FROM alert_rule_state
		WHERE rule_id = ? AND subject = ?`, ruleID, subject).Scan(&s.open, &s.dedupKey, &s.last)
	if errors.Is(err, sql.ErrNoRows) {
		return s, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("notify: rule state: %w", err)
	}
	return s, true, nil
}

func (m *matcher) setState(ruleID int64, subject string, open bool, dedup, kind string, eventID int64) error {
	_, err := m.tx.ExecContext(m.ctx, `INSERT INTO alert_rule_state(rule_id, subject, open, dedup_key, last_kind,
		last_event_id, last_notified_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(rule_id, subject) DO UPDATE SET open = excluded.open, dedup_key = excluded.dedup_key,
		last_kind = excluded.last_kind, last_event_id = excluded.last_event_id,
		last_notified_at = excluded.last_notified_at`,
		ruleID, subject, open, dedup, kind, eventID, m.now.UnixMilli())
	if err != nil {
		return fmt.Errorf("notify: save rule state: %w", err)
	}
	return nil
}

// inMaintenance reports whether a monitor is in a maintenance window,
// given to the monitor itself or to a status-page component it feeds.
func (m *matcher) inMaintenance(teamID, monitorID int64, at time.Time) (bool, error) {
	return inMaintenance(m.ctx, m.tx, teamID, monitorID, at)
}

func inMaintenance(ctx context.Context, db querier, teamID, monitorID int64, at time.Time) (bool, error) {
	if monitorID == 0 {
		return false, nil
	}
	rows, err := db.QueryContext(ctx, `SELECT m.kind, COALESCE(m.starts_at, 0), COALESCE(m.ends_at, 0), m.weekdays,
		m.start_time, m.duration_minutes, m.timezone FROM maintenance m
		WHERE m.team_id = ? AND (m.id IN (SELECT maintenance_id FROM maintenance_monitors WHERE monitor_id = ?)
			OR m.id IN (SELECT mc.maintenance_id FROM maintenance_components mc
				JOIN component_monitors cm ON cm.component_id = mc.component_id WHERE cm.monitor_id = ?))`,
		teamID, monitorID, monitorID)
	if err != nil {
		return false, fmt.Errorf("notify: maintenance: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var w maintWindow
		if err := rows.Scan(&w.kind, &w.startsAt, &w.endsAt, &w.weekdays, &w.startTime, &w.durationMin,
			&w.timezone); err != nil {
			return false, fmt.Errorf("notify: scan maintenance: %w", err)
		}
		if w.active(at) {
			return true, nil
		}
	}
	return false, rows.Err()
}

// event decides what one alert event causes.
func (m *matcher) event(ev Event) error {
	rules, err := m.rulesOf(ev.TeamID)
	if err != nil {
		return err
	}
	p := parsePayload(ev.Payload)
	subject := ev.subjectKey(p)
	at := time.UnixMilli(ev.CreatedAt)
	type candidate struct {
		rule    Rule
		resolve bool
		pm      pendingMsg
	}
	var cands []candidate
	for _, r := range rules {
		fire, resolve := r.match(ev, p, m.now)
		if (!fire && !resolve) || len(r.ChannelIDs) == 0 {
			continue
		}
		if fire && !strings.HasPrefix(ev.Kind, "issue_") {
			silent, err := m.inMaintenance(ev.TeamID, ev.monitorID(p), at)
			if err != nil {
				return err
			}
			if silent || p.str("status") == "maintenance" {
				m.e.silenced.Inc()
				continue
			}
		}
		st, found, err := m.state(r.ID, subject)
		if err != nil {
			return err
		}
		msg := Render(ev, m.base)
		msg.Rule = &RuleRef{ID: r.ID, Name: r.Name}
		if resolve {
			if !found || !st.open {
				continue
			}
			if st.dedupKey != "" {
				msg.DedupKey = st.dedupKey
			}
			if err := m.setState(r.ID, subject, false, msg.DedupKey, ev.Kind, ev.ID); err != nil {
				return err
			}
		} else {
			if r.CooldownSeconds > 0 && found && m.now.UnixMilli()-st.last < r.CooldownSeconds*1000 {
				m.e.silenced.Inc()
				continue
			}
			if err := m.setState(r.ID, subject, opens(r.Trigger), msg.DedupKey, ev.Kind, ev.ID); err != nil {
				return err
			}
		}
		cands = append(cands, candidate{rule: r, resolve: resolve,
			pm: pendingMsg{eventID: ev.ID, subject: subject, msg: msg}})
	}
	// One message per event per channel, however many rules match: a
	// rule resolving the alert it opened goes first (it carries the
	// alert's dedup key and follows it into a summary), then rules by id.
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].resolve && !cands[j].resolve })
	claimed := map[int64]bool{}
	for _, c := range cands {
		var chans []int64
		for _, ch := range c.rule.ChannelIDs {
			if !claimed[ch] {
				claimed[ch] = true
				chans = append(chans, ch)
			}
		}
		if len(chans) == 0 {
			continue
		}
		c.pm.channels = chans
		m.add(c.rule, c.pm)
	}
	return nil
}

func (m *matcher) add(r Rule, pm pendingMsg) {
	b := m.pending[r.ID]
	if b == nil {
		b = &ruleBatch{rule: r}
		m.pending[r.ID] = b
	}
	b.msgs = append(b.msgs, pm)
}

// flush writes the deliveries of the batch, folding what exceeds a
// rule's storm limit into one summary per channel.
func (m *matcher) flush() error {
	ids := make([]int64, 0, len(m.pending))
	for id := range m.pending {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		b := m.pending[id]
		single, storm, err := m.splitStorm(b)
		if err != nil {
			return err
		}
		for _, pm := range single {
			for _, ch := range pm.channels {
				if err := m.insert(b.rule, ch, pm.eventID, pm.subject, pm.msg, m.now.UnixMilli(), 0); err != nil {
					return err
				}
			}
		}
		if len(storm) > 0 {
			if err := m.summarise(b.rule, storm); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitStorm returns the messages to send one by one and those to fold
// into a summary.
//
// A recovery goes the way its alert went: on its own when the alert was
// sent on its own, into a summary when the alert was folded into one.
func (m *matcher) splitStorm(b *ruleBatch) (single, storm []pendingMsg, err error) {
	limit := b.rule.StormLimit
	if limit <= 0 {
		return b.msgs, nil, nil
	}
	since := m.now.Add(-stormWindow).UnixMilli()
	var recent, summaries int64
	err = m.tx.QueryRowContext(m.ctx, `SELECT COUNT(DISTINCT CASE WHEN kind != 'summary' THEN alert_event_id END),
		COUNT(CASE WHEN kind = 'summary' AND storm_until > ? THEN 1 END)
		FROM deliveries WHERE rule_id = ? AND created_at > ?`, m.now.UnixMilli(), b.rule.ID, since).Scan(&recent, &summaries)
	if err != nil {
		return nil, nil, fmt.Errorf("notify: storm count: %w", err)
	}
	room := limit - recent
	for _, pm := range b.msgs {
		fold := false
		switch {
		case pm.msg.Action == ActionResolve:
			fold = pm.msg.DedupKey == SummaryKey(b.rule.ID)
		case summaries > 0 || room <= 0:
			fold = true
		default:
			room--
		}
		if fold {
			storm = append(storm, pm)
		} else {
			single = append(single, pm)
		}
	}
	return single, storm, nil
}

// summarise adds stormed messages to each channel's summary that is still
// gathering, or starts one.
func (m *matcher) summarise(r Rule, storm []pendingMsg) error {
	for _, pm := range storm {
		if pm.msg.Action == ActionResolve {
			continue
		}
		if _, err := m.tx.ExecContext(m.ctx, `UPDATE alert_rule_state SET dedup_key = ? WHERE rule_id = ?
			AND subject = ?`, SummaryKey(r.ID), r.ID, pm.subject); err != nil {
			return fmt.Errorf("notify: fold state: %w", err)
		}
	}
	for _, ch := range r.ChannelIDs {
		var msgs []Message
		for _, pm := range storm {
			if slices.Contains(pm.channels, ch) {
				msgs = append(msgs, pm.msg)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		var id int64
		var raw string
		err := m.tx.QueryRowContext(m.ctx, `SELECT id, message FROM deliveries WHERE rule_id = ? AND channel_id = ?
			AND kind = 'summary' AND status = 'pending' AND attempts = 0 AND storm_until > ? ORDER BY id DESC LIMIT 1`,
			r.ID, ch, m.now.UnixMilli()).Scan(&id, &raw)
		if errors.Is(err, sql.ErrNoRows) {
			s := Summary(RuleRef{ID: r.ID, Name: r.Name}, r.TeamID, msgs, m.base)
			gather := time.Duration(m.e.stormGather.Load())
			if err := m.insert(r, ch, 0, "rule:"+strconv.FormatInt(r.ID, 10), s, m.now.Add(gather).UnixMilli(),
				m.now.Add(stormWindow).UnixMilli()); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("notify: open summary: %w", err)
		}
		var s Message
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return fmt.Errorf("notify: decode summary: %w", err)
		}
		AddToSummary(&s, msgs)
		body, _ := json.Marshal(s)
		if _, err := m.tx.ExecContext(m.ctx, "UPDATE deliveries SET message = ?, title = ? WHERE id = ?",
			string(body), s.Title, id); err != nil {
			return fmt.Errorf("notify: grow summary: %w", err)
		}
	}
	return nil
}

// insert writes one delivery row.
func (m *matcher) insert(r Rule, channelID, eventID int64, subject string, msg Message, due, stormUntil int64) error {
	return insertDelivery(m.ctx, m.tx, r.TeamID, channelID, r.ID, eventID, subject, msg, due, stormUntil, m.now)
}

func insertDelivery(ctx context.Context, tx *sql.Tx, teamID, channelID, ruleID, eventID int64, subject string,
	msg Message, due, stormUntil int64, now time.Time) error {
	msg.ID = newKey()
	body, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("notify: encode message: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO deliveries(team_id, channel_id, rule_id, alert_event_id, kind, subject,
		title, message, idem_key, status, next_attempt_at, storm_until, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`, teamID, channelID, nullID(ruleID), nullID(eventID),
		msg.Event, subject, msg.Title, string(body), msg.ID, due, nullID(stormUntil), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("notify: insert delivery: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// newKey is a random idempotency key.
func newKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// renotify reminds channels of alerts still open after a rule's
// re-notify interval, while the monitor is still in the alerting state.
func (e *Engine) renotify(ctx context.Context) error {
	now := time.Now()
	var n int
	err := e.st.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_rule_state s JOIN alert_rules r ON r.id = s.rule_id
		WHERE s.open = 1 AND r.enabled = 1 AND r.renotify_minutes > 0
		AND s.last_notified_at + r.renotify_minutes * 60000 <= ?`, now.UnixMilli()).Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	return e.st.Write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT s.rule_id, s.subject FROM alert_rule_state s
			JOIN alert_rules r ON r.id = s.rule_id WHERE s.open = 1 AND r.enabled = 1 AND r.renotify_minutes > 0
			AND s.last_notified_at + r.renotify_minutes * 60000 <= ?`, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("notify: due reminders: %w", err)
		}
		type due struct {
			rule    int64
			subject string
		}
		var list []due
		for rows.Next() {
			var d due
			rows.Scan(&d.rule, &d.subject)
			list = append(list, d)
		}
		rows.Close()
		// Rules alerting on the same subject remind each channel once.
		sent := map[string]bool{}
		for _, d := range list {
			if err := e.remind(ctx, tx, d.rule, d.subject, now, sent); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *Engine) remind(ctx context.Context, tx *sql.Tx, ruleID int64, subject string, now time.Time,
	sent map[string]bool) error {
	r, err := scanRule(tx.QueryRowContext(ctx, "SELECT "+ruleCols+" FROM alert_rules WHERE id = ?", ruleID))
	if err != nil {
		return err
	}
	touch := func() error {
		_, err := tx.ExecContext(ctx, "UPDATE alert_rule_state SET last_notified_at = ? WHERE rule_id = ? AND subject = ?",
			now.UnixMilli(), ruleID, subject)
		return err
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(subject, "monitor:"), 10, 64)
	var status string
	err = tx.QueryRowContext(ctx, "SELECT status FROM monitors WHERE team_id = ? AND id = ?", r.TeamID, id).Scan(&status)
	want := "down"
	if r.Trigger == "monitor_degraded" {
		want = "degraded"
	}
	if errors.Is(err, sql.ErrNoRows) {
		// The monitor is gone: nothing is left to remind anyone of.
		_, err := tx.ExecContext(ctx, "UPDATE alert_rule_state SET open = 0 WHERE rule_id = ? AND subject = ?",
			ruleID, subject)
		return err
	}
	if err == nil && status != want {
		return touch()
	}
	if err != nil {
		return fmt.Errorf("notify: monitor status: %w", err)
	}
	var raw string
	err = tx.QueryRowContext(ctx, `SELECT message FROM deliveries WHERE rule_id = ? AND subject = ? AND kind != 'summary'
		ORDER BY id DESC LIMIT 1`, ruleID, subject).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return touch()
	}
	if err != nil {
		return fmt.Errorf("notify: last message: %w", err)
	}
	var msg Message
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		return touch()
	}
	msg.Event = "reminder"
	msg.Title = "Still " + want + ": " + msg.Subject.Name
	msg.OccurredAt = now.UTC()
	for _, ch := range r.ChannelIDs {
		key := strconv.FormatInt(ch, 10) + " " + subject
		if sent[key] {
			continue
		}
		sent[key] = true
		if err := insertDelivery(ctx, tx, r.TeamID, ch, r.ID, 0, subject, msg, now.UnixMilli(), 0, now); err != nil {
			return err
		}
	}
	return touch()
}
