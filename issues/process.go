package issues

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bitwobbly/bitwobbly/store"
)

// queued is one accepted envelope waiting in ingest_queue.
type queued struct {
	ID        int64
	ProjectID int64
	Kind      string
	EventID   string
	Payload   []byte
	Encoding  string
	BlobKey   string
	ClientIP  string
	Received  int64
	Attempts  int
}

const maxAttempts = 5

// Start counts the queue and runs the process pool until ctx ends:
// one reader hands queue rows, oldest first, to the workers. Rows left by
// an earlier run are picked up again.
func (s *Service) Start(ctx context.Context) {
	var n int64
	if err := s.st.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM ingest_queue WHERE failed_at IS NULL`).Scan(&n); err == nil {
		s.depth.Store(n)
	}
	jobs := make(chan []queued, s.cfg.Workers)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range jobs {
				s.handleBatch(ctx, batch)
			}
		}()
	}
	s.dispatch(ctx, jobs)
	close(jobs)
	wg.Wait()
}

// workBatch is how many envelopes a worker stores in one transaction.
const workBatch = 32

func (s *Service) dispatch(ctx context.Context, jobs chan<- []queued) {
	var after int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for ctx.Err() == nil {
		batch, err := s.pending(ctx, after, 256)
		if err != nil && ctx.Err() == nil {
			s.log.Error("read ingest queue", "error", err)
		}
		full := len(batch) == 256
		for len(batch) > 0 {
			n := min(len(batch), workBatch)
			select {
			case jobs <- batch[:n]:
				after = batch[n-1].ID
				batch = batch[n:]
			case <-ctx.Done():
				return
			}
		}
		if full {
			continue
		}
		select {
		case <-ctx.Done():
		case <-s.wake:
		case <-tick.C:
		}
	}
}

func (s *Service) pending(ctx context.Context, after int64, limit int) ([]queued, error) {
	rows, err := s.st.R.QueryContext(ctx, `SELECT id, project_id, kind, event_id, payload, encoding, COALESCE(blob_key, ''),
		client_ip, received_at, attempts FROM ingest_queue WHERE id > ? AND failed_at IS NULL ORDER BY id LIMIT ?`,
		after, limit)
	if err != nil {
		return nil, fmt.Errorf("issues: read queue: %w", err)
	}
	defer rows.Close()
	var out []queued
	for rows.Next() {
		var q queued
		if err := rows.Scan(&q.ID, &q.ProjectID, &q.Kind, &q.EventID, &q.Payload, &q.Encoding, &q.BlobKey, &q.ClientIP,
			&q.Received, &q.Attempts); err != nil {
			return nil, fmt.Errorf("issues: scan queue: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

// handleBatch stores a batch of envelopes in one transaction, each in its
// own savepoint; an envelope that fails there is retried on its own.
func (s *Service) handleBatch(ctx context.Context, batch []queued) {
	if !s.acquire(ctx) {
		return
	}
	defer s.active.Add(-1)
	if len(batch) == 1 {
		s.handle(ctx, batch[0])
		return
	}
	type prepared struct {
		q     queued
		steps []writeStep
		ok    bool
	}
	var work []*prepared
	for _, q := range batch {
		steps, err := s.prepareRow(ctx, q)
		if err != nil {
			s.handle(ctx, q)
			continue
		}
		work = append(work, &prepared{q: q, steps: steps})
	}
	if len(work) == 0 {
		return
	}
	err := s.st.Write(ctx, func(tx *sql.Tx) error {
		st := newStmtTx(tx)
		defer st.close()
		for _, w := range work {
			w.ok = runEnvelope(st, w.q.ID, w.steps) == nil
		}
		return nil
	})
	for _, w := range work {
		switch {
		case err == nil && w.ok:
			s.depth.Add(-1)
			if w.q.BlobKey != "" {
				s.st.Blobs().Delete(w.q.BlobKey)
			}
		case ctx.Err() == nil:
			s.handle(ctx, w.q)
		}
	}
}

// backlogPerWorker is how many queued envelopes each processing worker
// beyond the first waits for. One worker leaves the CPU to accepting
// while a burst lasts; a backlog brings in the others to drain it.
const backlogPerWorker = 5000

// acquire waits until one more worker may process, given the backlog.
func (s *Service) acquire(ctx context.Context) bool {
	for {
		allowed := 1 + s.depth.Load()/backlogPerWorker
		n := s.active.Load()
		if n < allowed && s.active.CompareAndSwap(n, n+1) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// runEnvelope writes one envelope's steps and deletes its queue row inside
// a savepoint, so a failure leaves the rest of the batch intact.
func runEnvelope(tx execer, queueID int64, steps []writeStep) (err error) {
	if _, err := tx.Exec("SAVEPOINT envelope"); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("issues: processing panicked: %v", p)
		}
		if err != nil {
			tx.Exec("ROLLBACK TO envelope")
		}
		tx.Exec("RELEASE envelope")
	}()
	for _, step := range steps {
		if _, err := step(tx); err != nil {
			return err
		}
	}
	_, err = tx.Exec(`DELETE FROM ingest_queue WHERE id = ?`, queueID)
	return err
}

// prepareRow reads an envelope's body and project and does the CPU work.
func (s *Service) prepareRow(ctx context.Context, q queued) ([]writeStep, error) {
	body, err := s.body(q)
	if err != nil {
		return nil, err
	}
	p, err := s.projectByID(ctx, q.ProjectID)
	if err != nil {
		return nil, err
	}
	return s.prepare(p, q, body)
}

// handle processes one envelope with a few retries; an envelope that
// keeps failing is marked failed and kept for inspection.
func (s *Service) handle(ctx context.Context, q queued) {
	var err error
	for try := 0; try < 3; try++ {
		if err = s.process(ctx, q); err == nil || ctx.Err() != nil {
			break
		}
		// A rolled-back write may have named releases that were not stored.
		s.relMu.Lock()
		clear(s.releases)
		s.relMu.Unlock()
		time.Sleep(time.Duration(try+1) * 50 * time.Millisecond)
	}
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		s.depth.Add(-1)
		if q.BlobKey != "" {
			s.st.Blobs().Delete(q.BlobKey)
		}
		return
	}
	s.log.Warn("envelope processing failed", "queue_id", q.ID, "project_id", q.ProjectID, "error", err)
	werr := s.st.Write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE ingest_queue SET attempts = attempts + 1, last_error = ?,
			failed_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE failed_at END WHERE id = ?`,
			trim(err.Error(), 500), maxAttempts, store.Now(), q.ID)
		return err
	})
	if werr == nil {
		s.depth.Add(-1)
	}
}

// Processed is the result of processing one event.
type Processed struct {
	IssueID   int64
	NewIssue  bool
	Regressed bool
	Duplicate bool
}

// process turns one queued envelope into stored events and items, and
// removes the queue row, in one transaction.
func (s *Service) process(ctx context.Context, q queued) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("issues: processing panicked: %v", p)
		}
	}()
	body, err := s.body(q)
	if err != nil {
		return err
	}
	p, err := s.ProjectAnyTeam(ctx, q.ProjectID)
	if errors.Is(err, store.ErrNotFound) {
		return s.dropRow(ctx, q.ID)
	}
	if err != nil {
		return err
	}
	work, err := s.prepare(p, q, body)
	if err != nil {
		return err
	}
	var results []Processed
	err = s.st.Write(ctx, func(tx *sql.Tx) error {
		results = results[:0]
		for _, w := range work {
			r, err := w(tx)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		_, err := tx.Exec(`DELETE FROM ingest_queue WHERE id = ?`, q.ID)
		return err
	})
	if err != nil {
		return err
	}
	return nil
}

func (s *Service) body(q queued) ([]byte, error) {
	if q.BlobKey != "" {
		return s.st.Blobs().Get(q.BlobKey)
	}
	if q.Encoding == "gzip" {
		return Decompress("gzip", q.Payload, s.cfg.MaxEnvelope)
	}
	return s.decompress(q.Payload)
}

func (s *Service) dropRow(ctx context.Context, id int64) error {
	return s.st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM ingest_queue WHERE id = ?`, id)
		return err
	})
}

type writeStep func(tx execer) (Processed, error)

// prepare does the CPU work outside the write transaction: decoding,
// normalising, grouping, compressing. It returns the steps to write.
func (s *Service) prepare(p Project, q queued, body []byte) ([]writeStep, error) {
	received := store.Time(q.Received)
	meta := Meta{ProjectID: p.ID, EventID: q.EventID, ClientIP: q.ClientIP, ReceivedAt: received,
		Scrub: Scrubber{Enabled: p.ScrubData, Fields: p.ScrubFields}}
	rules := s.rulesOf(p)
	if q.Kind == "store" {
		ev, err := DecodeEvent(body, meta)
		if err != nil {
			s.processed.WithLabelValues("event", "invalid").Inc()
			return nil, nil
		}
		return []writeStep{s.eventStep(p, ev, rules)}, nil
	}
	env, err := ParseEnvelope(body)
	if err != nil {
		s.processed.WithLabelValues("envelope", "invalid").Inc()
		return nil, nil
	}
	if meta.EventID == "" {
		meta.EventID = env.Header.EventID
	}
	var steps []writeStep
	for _, it := range env.Items {
		switch it.Type {
		case "event":
			ev, err := DecodeEvent(it.Payload, meta)
			if err != nil {
				s.processed.WithLabelValues("event", "invalid").Inc()
				continue
			}
			steps = append(steps, s.eventStep(p, ev, rules))
		case "transaction", "session", "sessions", "client_report", "check_in", "attachment", "feedback",
			"user_report", "profile", "replay_event", "replay_recording", "statsd", "metric_buckets", "span", "log":
			steps = append(steps, s.itemStep(p, env, it, received))
		default:
			s.processed.WithLabelValues("unknown", "skipped").Inc()
		}
	}
	return steps, nil
}

func (s *Service) rulesOf(p Project) Rules {
	var r Rules
	r.Fingerprint, _ = ParseFingerprintRules(p.FingerprintRules)
	r.Stack, _ = ParseStackRules(p.StackRules)
	return r
}

func (s *Service) eventStep(p Project, ev *Event, rules Rules) writeStep {
	ev.ApplyStackRules(rules.Stack)
	ev.Group(rules.Fingerprint)
	raw, _ := json.Marshal(ev)
	data := s.compress(raw)
	return func(tx execer) (Processed, error) {
		r, err := s.saveEvent(tx, p, ev, data)
		if err == nil {
			result := "stored"
			if r.Duplicate {
				result = "duplicate"
			}
			s.processed.WithLabelValues("event", result).Inc()
		}
		return r, err
	}
}

// itemStep keeps an item for later; sessions also feed release health.
func (s *Service) itemStep(p Project, env *Envelope, it Item, received time.Time) writeStep {
	data := s.compress(it.Payload)
	// Items are filed under the event they belong to: feedback names it
	// inside, the rest share the envelope's event id.
	eventID := normEventID(gjson.GetBytes(it.Payload, "contexts.feedback.associated_event_id").String())
	if eventID == "" || it.Type != "feedback" {
		eventID = normEventID(env.Header.EventID)
	}
	if eventID == "" {
		eventID = normEventID(gjson.GetBytes(it.Payload, "event_id").String())
	}
	// The step keeps only what it writes, not the payload, so a batch of
	// prepared envelopes does not hold every decompressed body at once.
	header := string(it.Header)
	if it.Type == "session" || it.Type == "sessions" {
		it.Payload = bytes.Clone(it.Payload)
	} else {
		it.Payload = nil
	}
	return func(tx execer) (Processed, error) {
		_, err := tx.Exec(`INSERT INTO envelope_items (team_id, project_id, type, event_id, received_at, headers, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.TeamID, p.ID, it.Type, eventID, received.UnixMilli(), header, data)
		if err != nil {
			return Processed{}, fmt.Errorf("issues: keep %s item: %w", it.Type, err)
		}
		if it.Type == "session" || it.Type == "sessions" {
			if err := recordSessions(tx, p.ID, it, received); err != nil {
				return Processed{}, err
			}
		}
		s.processed.WithLabelValues(it.Type, "kept").Inc()
		return Processed{}, nil
	}
}

// recordSessions counts session updates and aggregates per release.
func recordSessions(tx execer, projectID int64, it Item, received time.Time) error {
	// started counts sessions begun; the other columns how they ended.
	add := func(release, env string, at time.Time, ok, errored, crashed, abnormal int64) error {
		if release == "" || ok == 0 && errored == 0 && crashed == 0 && abnormal == 0 {
			return nil
		}
		hour := at.Truncate(time.Hour).UnixMilli()
		_, err := tx.Exec(`INSERT INTO release_sessions (project_id, release, environment, hour, started, errored, crashed, abnormal)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, release, environment, hour) DO UPDATE SET
			started = started + excluded.started, errored = errored + excluded.errored, crashed = crashed + excluded.crashed,
			abnormal = abnormal + excluded.abnormal`, projectID, trim(release, maxShort), trim(env, 64), hour,
			ok, errored, crashed, abnormal)
		return err
	}
	j := gjson.ParseBytes(it.Payload)
	if it.Type == "session" {
		return recordSession(tx, projectID, j, received, add)
	}
	rel, env := j.Get("attrs.release").String(), j.Get("attrs.environment").String()
	for _, a := range j.Get("aggregates").Array() {
		at := received
		if t, ok := parseTime(json.RawMessage(a.Get("started").Raw)); ok {
			at = t
		}
		e, c, ab := a.Get("errored").Int(), a.Get("crashed").Int(), a.Get("abnormal").Int()
		if err := add(rel, env, at, a.Get("exited").Int()+e+c+ab, e, c, ab); err != nil {
			return err
		}
	}
	return nil
}

// Session outcomes, worst last; a session is counted in one bucket, its
// worst so far.
const (
	sessionHealthy = iota
	sessionErrored
	sessionAbnormal
	sessionCrashed
)

// sessionOutcome is what one update says about a session: errored when it
// saw errors or says so, abnormal or crashed when it ended that way.
func sessionOutcome(j gjson.Result) int {
	switch j.Get("status").String() {
	case "crashed":
		return sessionCrashed
	case "abnormal":
		return sessionAbnormal
	case "errored":
		return sessionErrored
	}
	if j.Get("errors").Int() > 0 {
		return sessionErrored
	}
	return sessionHealthy
}

// recordSession counts one session update. A session is started once (its
// init update) and counted in the bucket of its worst outcome once: an update
// that makes it worse moves it from the old bucket to the new one. Updates
// are matched by sid; an update without one is counted on its own.
func recordSession(tx execer, projectID int64, j gjson.Result, received time.Time,
	add func(release, env string, at time.Time, started, errored, crashed, abnormal int64) error) error {
	at := received
	if t, ok := parseTime(json.RawMessage(j.Get("started").Raw)); ok {
		at = t
	}
	rel, env := j.Get("attrs.release").String(), j.Get("attrs.environment").String()
	if rel == "" {
		return nil
	}
	var started int64
	if j.Get("init").Bool() {
		started = 1
	}
	outcome := sessionOutcome(j)
	bucket := func(o int, n int64) (errored, crashed, abnormal int64) {
		switch o {
		case sessionErrored:
			errored = n
		case sessionAbnormal:
			abnormal = n
		case sessionCrashed:
			crashed = n
		}
		return
	}
	sid := j.Get("sid").String()
	if sid == "" {
		e, c, a := bucket(outcome, 1)
		return add(rel, env, at, started, e, c, a)
	}
	rel, env = trim(rel, maxShort), trim(env, 64)
	hour := at.Truncate(time.Hour).UnixMilli()
	var pRel, pEnv string
	var pHour, pStarted int64
	var pOutcome int
	err := tx.QueryRow(`SELECT release, environment, hour, started, outcome FROM session_states
		WHERE project_id = ? AND sid = ?`, projectID, trim(sid, maxShort)).Scan(&pRel, &pEnv, &pHour, &pStarted, &pOutcome)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		e, c, a := bucket(outcome, 1)
		if err := add(rel, env, at, started, e, c, a); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO session_states (project_id, sid, release, environment, hour, started, outcome,
			updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, projectID, trim(sid, maxShort), rel, env, hour, started,
			outcome, received.UnixMilli())
		return err
	case err != nil:
		return err
	}
	// Later updates count where the session was first counted.
	first := time.UnixMilli(pHour)
	if started == 1 && pStarted == 1 {
		started = 0
	}
	if outcome <= pOutcome {
		outcome = pOutcome
		if started == 0 {
			return nil
		}
	} else {
		e, c, a := bucket(pOutcome, -1)
		if err := add(pRel, pEnv, first, 0, e, c, a); err != nil {
			return err
		}
		e, c, a = bucket(outcome, 1)
		if err := add(pRel, pEnv, first, 0, e, c, a); err != nil {
			return err
		}
	}
	if started == 1 {
		if err := add(pRel, pEnv, first, 1, 0, 0, 0); err != nil {
			return err
		}
		pStarted = 1
	}
	_, err = tx.Exec(`UPDATE session_states SET started = ?, outcome = ?, updated_at = ? WHERE project_id = ? AND sid = ?`,
		pStarted, outcome, received.UnixMilli(), projectID, trim(sid, maxShort))
	return err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
