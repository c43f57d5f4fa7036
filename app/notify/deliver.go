package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// attemptTimeout bounds one attempt of one delivery.
const attemptTimeout = 30 * time.Second

type due struct {
	id, channel int64
	at          int64 // next_attempt_at
	// rank is how many deliveries of the same channel would be in flight
	// before this one: channels with nothing in flight go first.
	rank int
}

// dueDeliveries lists deliveries ready to send, taken channel by channel
// (at most as many per channel as it has free places, each only after the
// older ones about the same subject to the same channel) and handed out
// round-robin: first one for each channel with nothing in flight, oldest
// due first, then the next one of each, so a long backlog on one channel
// cannot crowd out the others.
func (e *Engine) dueDeliveries(ctx context.Context) ([]due, error) {
	now := time.Now().UnixMilli()
	rows, err := e.st.R.QueryContext(ctx, `SELECT c.id FROM channels c WHERE EXISTS (SELECT 1 FROM deliveries d
		WHERE d.channel_id = c.id AND d.status = 'pending' AND d.next_attempt_at <= ?)`, now)
	if err != nil {
		return nil, fmt.Errorf("notify: channels with due deliveries: %w", err)
	}
	var chans []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notify: scan channel: %w", err)
		}
		chans = append(chans, id)
	}
	rows.Close()
	var out []due
	for _, ch := range chans {
		free := e.freePlaces(ch)
		if free == 0 {
			continue
		}
		list, err := e.dueOf(ctx, ch, now, free+e.opt.PerChannel)
		if err != nil {
			return nil, err
		}
		for k := range list {
			list[k].rank = e.opt.PerChannel - free + k
		}
		out = append(out, list...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].rank != out[j].rank {
			return out[i].rank < out[j].rank
		}
		if out[i].at != out[j].at {
			return out[i].at < out[j].at
		}
		return out[i].id < out[j].id
	})
	return out, nil
}

func (e *Engine) freePlaces(channel int64) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return max(0, e.opt.PerChannel-e.perChan[channel])
}

func (e *Engine) dueOf(ctx context.Context, channel, now int64, limit int) ([]due, error) {
	rows, err := e.st.R.QueryContext(ctx, `SELECT d.id, d.next_attempt_at FROM deliveries d
		WHERE d.channel_id = ? AND d.status = 'pending' AND d.next_attempt_at <= ? AND NOT EXISTS (
			SELECT 1 FROM deliveries o WHERE o.channel_id = d.channel_id AND o.subject = d.subject
			AND o.status = 'pending' AND o.id < d.id)
		ORDER BY d.next_attempt_at, d.id LIMIT ?`, channel, now, limit)
	if err != nil {
		return nil, fmt.Errorf("notify: due deliveries: %w", err)
	}
	defer rows.Close()
	var out []due
	for rows.Next() {
		d := due{channel: channel}
		if err := rows.Scan(&d.id, &d.at); err != nil {
			return nil, fmt.Errorf("notify: scan due: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// dispatchLoop hands due deliveries (each after the older ones about the
// same subject to the same channel) to a bounded pool of workers, at most
// PerChannel at a time to any one channel.
func (e *Engine) dispatchLoop(ctx context.Context) {
	jobs := make(chan due)
	var wg sync.WaitGroup
	for i := 0; i < e.opt.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range jobs {
				e.deliver(ctx, d.id)
				e.release(d)
				signal(e.wakeDispatch)
			}
		}()
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()
	for {
		list, err := e.dueDeliveries(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.Error("reading due deliveries failed", "error", err)
		}
	hand:
		for _, d := range list {
			if !e.claim(d) {
				continue
			}
			select {
			case jobs <- d:
			default:
				e.release(d)
				break hand
			}
		}
		if !e.sleep(ctx, e.wakeDispatch) {
			return
		}
	}
}

// claim reserves a worker place for d. A channel's first delivery in
// flight may take any free worker; its further ones only while a quarter
// of the pool stays free, so channels that hang until their timeout can
// never hold every worker while others wait.
func (e *Engine) claim(d due) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := e.perChan[d.channel]
	if e.inflight[d.id] || n >= e.opt.PerChannel {
		return false
	}
	if n > 0 && len(e.inflight) >= e.opt.Workers-e.opt.Workers/4 {
		return false
	}
	e.inflight[d.id] = true
	e.perChan[d.channel]++
	return true
}

func (e *Engine) release(d due) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.inflight, d.id)
	if e.perChan[d.channel]--; e.perChan[d.channel] <= 0 {
		delete(e.perChan, d.channel)
	}
}

// deliver makes one attempt of one delivery and records it.
func (e *Engine) deliver(ctx context.Context, id int64) {
	var teamID, channelID int64
	var raw, status string
	var attempts int
	err := e.st.R.QueryRowContext(ctx, `SELECT team_id, channel_id, message, status, attempts FROM deliveries
		WHERE id = ?`, id).Scan(&teamID, &channelID, &raw, &status, &attempts)
	if err != nil || status != "pending" {
		return
	}
	start := time.Now()
	ch, res, sendErr := e.attempt(ctx, teamID, channelID, raw)
	if errors.Is(sendErr, store.ErrNotFound) {
		return // the channel was deleted with its deliveries
	}
	if ctx.Err() != nil {
		return // shutting down: the delivery stays pending and is sent after the restart
	}
	e.record(ctx, id, ch.Type, attempts+1, start, res, sendErr)
}

// attempt sends a stored message through its channel.
func (e *Engine) attempt(ctx context.Context, teamID, channelID int64, raw string) (Channel, Result, error) {
	ch, err := e.Channel(ctx, teamID, channelID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ch, Result{}, err
		}
		return ch, Result{}, Permanent(err)
	}
	if !ch.Enabled {
		return ch, Result{}, Permanent(errors.New("channel is disabled"))
	}
	var msg Message
	if err := json.Unmarshal([]byte(raw), &msg); err != nil {
		return ch, Result{}, Permanent(fmt.Errorf("stored message is damaged: %w", err))
	}
	res, err := e.send(ctx, ch, msg)
	return ch, res, err
}

// send builds the channel's sender and sends, turning a panic into an
// error so one bad channel cannot stop the pool.
func (e *Engine) send(ctx context.Context, ch Channel, msg Message) (res Result, err error) {
	t, ok := e.types[ch.Type]
	if !ok {
		return res, Permanent(fmt.Errorf("unknown channel type %q", ch.Type))
	}
	s, err := t.New(ch.Config, e.env)
	if err != nil {
		return res, Permanent(fmt.Errorf("channel settings: %w", err))
	}
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("channel %s crashed: %v", ch.Type, p))
		}
	}()
	return s.Send(actx, msg)
}

// record stores one attempt and moves the delivery on: sent, scheduled
// again with backoff, or given up.
func (e *Engine) record(ctx context.Context, id int64, typ string, attempt int, start time.Time, res Result,
	sendErr error) {
	now := time.Now()
	status, next, lastErr := "sent", now.UnixMilli(), ""
	var sentAt any
	switch {
	case sendErr == nil:
		sentAt = now.UnixMilli()
		e.sent.WithLabelValues(typ).Inc()
	case IsPermanent(sendErr) || attempt >= e.opt.Attempts:
		status, lastErr = "failed", sendErr.Error()
		e.failures.WithLabelValues(typ).Inc()
		e.givenUp.WithLabelValues(typ).Inc()
	default:
		status, lastErr = "pending", sendErr.Error()
		next = now.Add(e.backoff(attempt, res.RetryAfter)).UnixMilli()
		e.failures.WithLabelValues(typ).Inc()
		e.retries.WithLabelValues(typ).Inc()
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := e.st.Write(wctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(wctx, `INSERT INTO delivery_attempts(delivery_id, started_at, duration_ms,
			status_code, response, error) VALUES (?, ?, ?, ?, ?, ?)`, id, start.UnixMilli(),
			now.Sub(start).Milliseconds(), res.StatusCode, res.Response, lastErr); err != nil {
			return err
		}
		_, err := tx.ExecContext(wctx, `UPDATE deliveries SET attempts = ?, status = ?, next_attempt_at = ?,
			last_error = ?, sent_at = COALESCE(?, sent_at) WHERE id = ?`, attempt, status, next, lastErr, sentAt, id)
		return err
	})
	if err != nil {
		e.log.Error("recording a delivery attempt failed", "delivery_id", id, "error", err)
		return
	}
	if status == "failed" {
		e.log.Warn("notification given up", "delivery_id", id, "channel_type", typ, "attempts", attempt,
			"error", lastErr)
	}
}

// backoff is the wait before attempt n+1: exponential from the base with
// equal jitter, capped, and never shorter than the provider's Retry-After
// (itself capped at an hour).
func (e *Engine) backoff(n int, retryAfter time.Duration) time.Duration {
	base, max := time.Duration(e.backoffBase.Load()), time.Duration(e.backoffMax.Load())
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	if retryAfter > time.Hour {
		retryAfter = time.Hour
	}
	if retryAfter > d {
		d = retryAfter
	}
	return d
}

// MaxTestsPerTeam is how many "Send test" calls of one team may run at
// the same time.
const MaxTestsPerTeam = 3

// ErrTooManyTests is Test's answer while a team already has
// MaxTestsPerTeam tests running.
var ErrTooManyTests = errors.New("notify: too many channel tests running")

// Test sends a test message through a channel now and records it in the
// channel's delivery log. It returns the provider's answer, or
// ErrTooManyTests (nothing sent) when the team has MaxTestsPerTeam tests
// running already.
func (e *Engine) Test(ctx context.Context, ch Channel) (Result, error) {
	e.mu.Lock()
	if e.tests[ch.TeamID] >= MaxTestsPerTeam {
		e.mu.Unlock()
		return Result{}, ErrTooManyTests
	}
	e.tests[ch.TeamID]++
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		if e.tests[ch.TeamID]--; e.tests[ch.TeamID] <= 0 {
			delete(e.tests, ch.TeamID)
		}
		e.mu.Unlock()
	}()
	now := time.Now()
	msg := Message{Event: "test", Action: ActionInfo, Severity: "info", TeamID: ch.TeamID,
		Title: "Test notification from Bit Wobbly", DedupKey: "bitwobbly-test-" + newKey(),
		Text:    "If you can read this, the channel \"" + ch.Name + "\" works.",
		Subject: Subject{Type: "team", ID: ch.TeamID}, OccurredAt: now.UTC(), Data: json.RawMessage("{}"),
		URL: e.baseURL()}
	if msg.URL != "" {
		msg.URL += "/alerts"
	}
	msg.ID = newKey()
	res, sendErr := e.send(ctx, ch, msg)
	done := time.Now()
	status, lastErr := "sent", ""
	var sentAt any = done.UnixMilli()
	if sendErr != nil {
		status, lastErr, sentAt = "failed", sendErr.Error(), nil
		e.failures.WithLabelValues(ch.Type).Inc()
	} else {
		e.sent.WithLabelValues(ch.Type).Inc()
	}
	body, _ := json.Marshal(msg)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := e.st.Write(wctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(wctx, `INSERT INTO deliveries(team_id, channel_id, kind, subject, title, message,
			idem_key, status, attempts, next_attempt_at, last_error, created_at, sent_at)
			VALUES (?, ?, 'test', 'test', ?, ?, ?, ?, 1, ?, ?, ?, ?)`, ch.TeamID, ch.ID, msg.Title, string(body), msg.ID,
			status, done.UnixMilli(), lastErr, now.UnixMilli(), sentAt)
		if err != nil {
			return err
		}
		id, _ := r.LastInsertId()
		_, err = tx.ExecContext(wctx, `INSERT INTO delivery_attempts(delivery_id, started_at, duration_ms, status_code,
			response, error) VALUES (?, ?, ?, ?, ?, ?)`, id, now.UnixMilli(), done.Sub(now).Milliseconds(),
			res.StatusCode, res.Response, lastErr)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("notify: record test: %w", err)
	}
	return res, sendErr
}

// Prune deletes sent and failed deliveries (with their attempts) older
// than keep, and forgets rule state of alerts long closed.
func (e *Engine) Prune(ctx context.Context, keep time.Duration) (int64, error) {
	cut := time.Now().Add(-keep).UnixMilli()
	var n int64
	err := e.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries
			WHERE status IN ('sent', 'failed') AND created_at < ? LIMIT 10000)`, cut)
		if err != nil {
			return fmt.Errorf("notify: prune deliveries: %w", err)
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, "DELETE FROM alert_rule_state WHERE open = 0 AND last_notified_at < ?", cut)
		return err
	})
	return n, err
}
