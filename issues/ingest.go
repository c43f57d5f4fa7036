package issues

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/bitwobbly/bitwobbly/store"
)

// IngestError is a refusal answered to an SDK as Sentry answers it.
type IngestError struct {
	Status     int
	Detail     string
	RetryAfter int    // seconds, for 429 and 503
	RateLimits string // X-Sentry-Rate-Limits, for 429
}

func (e *IngestError) Error() string { return e.Detail }

func refuse(status int, format string, args ...any) *IngestError {
	return &IngestError{Status: status, Detail: fmt.Sprintf(format, args...)}
}

// IngestRequest is an ingest call after the body was read and decompressed.
type IngestRequest struct {
	ProjectID int64
	Kind      string // envelope or store
	Body      []byte // decompressed
	// Raw is the body as sent when its only Content-Encoding was gzip; it is
	// queued as is instead of being compressed again.
	Raw       []byte
	Auth      Auth
	ClientIP  string
	UserAgent string
}

// maxItems bounds the items of one envelope, so a small body cannot turn
// into a flood of stored rows.
const maxItems = 1000

// inlineMax is the largest compressed envelope kept in its queue row;
// larger ones go to the blob store.
const inlineMax = 256 << 10

// Accept checks an ingest request and makes it durable: when it returns
// without error, the envelope is committed as a queue row (and a blob
// when large). It answers the event id, empty when there is no event.
func (s *Service) Accept(ctx context.Context, r IngestRequest) (string, error) {
	var env *Envelope
	if r.Kind == "envelope" {
		var err error
		if env, err = ParseEnvelope(r.Body); err != nil {
			s.count("malformed")
			return "", refuse(http.StatusBadRequest, "invalid envelope: %s", strings.TrimPrefix(err.Error(), "issues: malformed: "))
		}
		if r.Auth.PublicKey == "" && env.Header.DSN != "" {
			if d, ok := ParseDSN(env.Header.DSN); ok {
				if d.ProjectID != r.ProjectID {
					s.count("forbidden")
					return "", refuse(http.StatusForbidden, "the envelope's dsn is for project %d, not %d", d.ProjectID, r.ProjectID)
				}
				r.Auth.PublicKey = d.PublicKey
			}
		}
	}
	key, err := s.authorise(ctx, r)
	if err != nil {
		return "", err
	}
	eventID, err := s.checkItems(r, env)
	if err != nil {
		return "", err
	}
	if err := s.admit(key); err != nil {
		return "", err
	}
	if err := s.enqueue(ctx, r, key, eventID); err != nil {
		return "", err
	}
	s.count("accepted")
	return eventID, nil
}

func (s *Service) count(outcome string) { s.accepted.WithLabelValues(outcome).Inc() }

// authorise maps credentials to a key of the project: 401 without any,
// 404 for an unknown project, 403 for an unknown, disabled or foreign key.
func (s *Service) authorise(ctx context.Context, r IngestRequest) (Key, error) {
	if r.Auth.PublicKey == "" {
		s.count("unauthorized")
		return Key{}, refuse(http.StatusUnauthorized, "missing authentication: send sentry_key in X-Sentry-Auth, "+
			"Authorization: Sentry, the query string or the envelope's dsn")
	}
	if _, err := s.projectByID(ctx, r.ProjectID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			s.count("unknown_project")
			return Key{}, refuse(http.StatusNotFound, "project %d does not exist", r.ProjectID)
		}
		return Key{}, err
	}
	key, err := s.keyByPublic(ctx, r.Auth.PublicKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.count("forbidden")
		return key, refuse(http.StatusForbidden, "unknown public key")
	case err != nil:
		return key, err
	case key.ProjectID != r.ProjectID:
		s.count("forbidden")
		return key, refuse(http.StatusForbidden, "this key belongs to another project")
	case !key.Enabled:
		s.count("forbidden")
		return key, refuse(http.StatusForbidden, "this key is disabled")
	}
	return key, nil
}

// checkItems validates event payloads before anything is stored and
// finds the event id to answer.
func (s *Service) checkItems(r IngestRequest, env *Envelope) (string, error) {
	if env == nil {
		if int64(len(r.Body)) > s.cfg.MaxEvent {
			s.count("too_large")
			return "", refuse(http.StatusRequestEntityTooLarge, "event is larger than %d bytes", s.cfg.MaxEvent)
		}
		if !json.Valid(r.Body) || !bytes.HasPrefix(bytes.TrimSpace(r.Body), []byte("{")) {
			s.count("malformed")
			return "", refuse(http.StatusBadRequest, "invalid event: the body must be a JSON object")
		}
		id := normEventID(gjson.GetBytes(r.Body, "event_id").String())
		if id == "" {
			id = newEventID()
		}
		return id, nil
	}
	if len(env.Items) > maxItems {
		s.count("too_large")
		return "", refuse(http.StatusRequestEntityTooLarge, "envelope has %d items; at most %d are accepted",
			len(env.Items), maxItems)
	}
	id := normEventID(env.Header.EventID)
	hasEvent := false
	for _, it := range env.Items {
		switch it.Type {
		case "event", "transaction", "feedback", "user_report":
		default:
			continue
		}
		if int64(len(it.Payload)) > s.cfg.MaxEvent {
			s.count("too_large")
			return "", refuse(http.StatusRequestEntityTooLarge, "%s item is larger than %d bytes", it.Type, s.cfg.MaxEvent)
		}
		if !json.Valid(it.Payload) {
			s.count("malformed")
			return "", refuse(http.StatusBadRequest, "invalid %s item: not valid JSON", it.Type)
		}
		if it.Type != "event" {
			continue
		}
		if p := bytes.TrimSpace(it.Payload); len(p) == 0 || p[0] != '{' {
			s.count("malformed")
			return "", refuse(http.StatusBadRequest, "invalid event item: must be a JSON object")
		}
		hasEvent = true
		if id == "" {
			id = normEventID(gjson.GetBytes(it.Payload, "event_id").String())
		}
	}
	if hasEvent && id == "" {
		// As on the store path: an event without a usable id gets one,
		// answered to the SDK and used when the event is processed.
		id = newEventID()
	}
	return id, nil
}

// Shed refuses with 503 while the queue is full. Handlers call it before
// reading the body, so refusing costs next to nothing under overload.
func (s *Service) Shed() error {
	if s.depth.Load() >= int64(s.cfg.QueueMax) {
		s.count("shed")
		return &IngestError{Status: http.StatusServiceUnavailable, Detail: "ingest queue is full; retry later",
			RetryAfter: 10}
	}
	return nil
}

// admit applies quotas (429) and load shedding (503).
func (s *Service) admit(key Key) error {
	now := time.Now()
	if key.RateLimit != nil {
		if ok, retry := s.limiter.allow("k"+strconv.FormatInt(key.ID, 10), *key.RateLimit, now); !ok {
			s.count("rate_limited")
			return &IngestError{Status: http.StatusTooManyRequests, Detail: "key rate limit exceeded",
				RetryAfter: retry, RateLimits: strconv.Itoa(retry) + "::key"}
		}
	}
	if p, err := s.projectByID(context.Background(), key.ProjectID); err == nil && p.RateLimit != nil {
		if ok, retry := s.limiter.allow("p"+strconv.FormatInt(p.ID, 10), *p.RateLimit, now); !ok {
			s.count("rate_limited")
			return &IngestError{Status: http.StatusTooManyRequests, Detail: "project rate limit exceeded",
				RetryAfter: retry, RateLimits: strconv.Itoa(retry) + "::project"}
		}
	}
	return s.Shed()
}

// queueRow is an ingest_queue row about to be written.
type queueRow struct {
	projectID, keyID  int64
	kind, eventID     string
	payload           []byte
	encoding, blobKey string
	clientIP, ua      string
	received          int64
	done              chan error
}

// enqueue writes the compressed envelope and its queue row.
func (s *Service) enqueue(ctx context.Context, r IngestRequest, key Key, eventID string) error {
	row := &queueRow{projectID: r.ProjectID, keyID: key.ID, kind: r.Kind, eventID: eventID, encoding: "gzip",
		payload: r.Raw, clientIP: r.ClientIP, ua: trim(r.UserAgent, 200), received: store.Now(),
		done: make(chan error, 1)}
	if row.payload == nil {
		row.payload, row.encoding = s.compress(r.Body), "zstd"
	}
	if len(row.payload) > inlineMax {
		row.blobKey = "ingest-" + newEventID()
		if err := s.st.Blobs().Put(row.blobKey, r.Body); err != nil {
			return err
		}
		row.payload, row.encoding = nil, "zstd"
	}
	s.depth.Add(1)
	err := s.writeRow(row)
	if err != nil {
		s.depth.Add(-1)
		if row.blobKey != "" {
			s.st.Blobs().Delete(row.blobKey)
		}
		return fmt.Errorf("issues: enqueue: %w", err)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return nil
}

func newEventID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeRow commits a queue row. Rows of concurrent requests share one
// write: a flusher started by the first of them writes everything pending
// with one prepared insert per transaction, until nothing is left.
func (s *Service) writeRow(row *queueRow) error {
	s.enqMu.Lock()
	s.enqPending = append(s.enqPending, row)
	if !s.enqBusy {
		s.enqBusy = true
		go s.flushRows()
	}
	s.enqMu.Unlock()
	// No giving up on ctx: once pending, the row is committed or refused
	// within one write, and the answer must say which.
	return <-row.done
}

func (s *Service) flushRows() {
	for {
		s.enqMu.Lock()
		batch := s.enqPending
		s.enqPending = nil
		if len(batch) == 0 {
			s.enqBusy = false
			s.enqMu.Unlock()
			return
		}
		s.enqMu.Unlock()
		err := s.st.Write(context.Background(), func(tx *sql.Tx) error {
			stmt, err := tx.Prepare(`INSERT INTO ingest_queue (project_id, key_id, kind, event_id, payload, encoding,
				blob_key, client_ip, user_agent, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, q := range batch {
				if _, err := stmt.Exec(q.projectID, q.keyID, q.kind, q.eventID, q.payload, q.encoding,
					nullString(q.blobKey), q.clientIP, q.ua, q.received); err != nil {
					return err
				}
			}
			return nil
		})
		for _, q := range batch {
			q.done <- err
		}
	}
}
