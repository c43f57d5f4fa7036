// Package store owns Bit Wobbly's persistent state: the SQLite database
// (one writer connection fed by batched transactions, a pool of readers),
// its embedded numbered migrations, and the compressed blob files.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Sentinel errors callers test with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
	ErrClosed   = errors.New("store: closed")
)

// DBFile is the name of the SQLite file inside the data directory.
const DBFile = "bitwobbly.db"

// maxBatch caps how many queued writes share one transaction.
const maxBatch = 256

// Store is the handle on the database and the blob directory.
type Store struct {
	// R is the read pool. Use it for queries only.
	R *sql.DB

	w       *sql.DB
	blobs   *Blobs
	log     *slog.Logger
	path    string
	writes  chan writeJob
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	queued  atomic.Int64
	changes *Changes
}

type writeJob struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error
}

// Options tune Open. The zero value is fine.
type Options struct {
	// ReadConns is the size of the read pool (default 8).
	ReadConns int
	// QueueSize is how many writes may wait for the writer (default 4096).
	QueueSize int
}

// Open opens (creating when needed) the database under dir, applies
// pending migrations and starts the writer.
func Open(ctx context.Context, dir string, log *slog.Logger, opt Options) (*Store, error) {
	if opt.ReadConns <= 0 {
		opt.ReadConns = 8
	}
	if opt.QueueSize <= 0 {
		opt.QueueSize = 4096
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create data directory: %w", err)
	}
	path := filepath.Join(dir, DBFile)

	w, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("store: open writer: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := migrate(ctx, w, log); err != nil {
		w.Close()
		return nil, err
	}

	r, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open readers: %w", err)
	}
	r.SetMaxOpenConns(opt.ReadConns)
	r.SetMaxIdleConns(opt.ReadConns)

	blobs, err := OpenBlobs(filepath.Join(dir, "blobs"))
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}

	s := &Store{
		R:       r,
		w:       w,
		blobs:   blobs,
		log:     log,
		path:    path,
		writes:  make(chan writeJob, opt.QueueSize),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		changes: &Changes{subs: map[chan string]struct{}{}},
	}
	go s.writer()
	return s, nil
}

func dsn(path string, readOnly bool) string {
	q := "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_time_format=sqlite"
	if readOnly {
		q += "&_pragma=query_only(1)"
	} else {
		q += "&_txlock=immediate"
	}
	return "file:" + path + q
}

// Path is the database file's location.
func (s *Store) Path() string { return s.path }

// Blobs is the blob store kept next to the database.
func (s *Store) Blobs() *Blobs { return s.blobs }

// QueueDepth is the number of writes waiting for the writer.
func (s *Store) QueueDepth() int { return int(s.queued.Load()) }

// Write runs fn inside a write transaction. Writes queued together share
// one commit (group commit); each runs in its own savepoint, so an error
// in one rolls back only that one. Write returns once the data is
// committed, or with fn's error, or with the commit's error.
func (s *Store) Write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	j := writeJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-s.stop:
		return ErrClosed
	default:
	}
	s.queued.Add(1)
	select {
	case s.writes <- j:
	case <-ctx.Done():
		s.queued.Add(-1)
		return ctx.Err()
	case <-s.stop:
		s.queued.Add(-1)
		return ErrClosed
	}
	select {
	case err := <-j.done:
		return err
	case <-s.done:
		// Queued just as the writer finished draining: not committed.
		select {
		case err := <-j.done:
			return err
		default:
			return ErrClosed
		}
	}
}

func (s *Store) writer() {
	defer close(s.done)
	batch := make([]writeJob, 0, maxBatch)
	for {
		var first writeJob
		select {
		case first = <-s.writes:
		case <-s.stop:
			s.drain()
			return
		}
		batch = append(batch[:0], first)
	fill:
		for len(batch) < maxBatch {
			select {
			case j := <-s.writes:
				batch = append(batch, j)
			default:
				break fill
			}
		}
		s.queued.Add(-int64(len(batch)))
		s.commit(batch)
	}
}

// drain commits what is still queued when the store closes.
func (s *Store) drain() {
	for {
		select {
		case j := <-s.writes:
			s.queued.Add(-1)
			s.commit([]writeJob{j})
		default:
			return
		}
	}
}

func (s *Store) commit(batch []writeJob) {
	errs := make([]error, len(batch))
	tx, err := s.w.BeginTx(context.Background(), nil)
	if err != nil {
		for _, j := range batch {
			j.done <- fmt.Errorf("store: begin: %w", err)
		}
		return
	}
	for i, j := range batch {
		errs[i] = runSavepoint(tx, j)
	}
	if err := tx.Commit(); err != nil {
		for _, j := range batch {
			j.done <- fmt.Errorf("store: commit: %w", err)
		}
		return
	}
	for i, j := range batch {
		j.done <- errs[i]
	}
}

func runSavepoint(tx *sql.Tx, j writeJob) (err error) {
	if err := j.ctx.Err(); err != nil {
		return err
	}
	if _, err := tx.Exec("SAVEPOINT w"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v", p)
		}
		if err != nil {
			tx.Exec("ROLLBACK TO w")
		}
		tx.Exec("RELEASE w")
	}()
	return j.fn(tx)
}

// Ping checks that the database answers a read.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.R.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the database to out using SQLite's
// VACUUM INTO, which is safe while the server runs.
func (s *Store) Backup(ctx context.Context, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("store: backup: %s already exists", out)
	}
	// The writer connection is shared with the write loop through the
	// pool, so this waits for the current batch and then copies.
	if _, err := s.w.ExecContext(ctx, "VACUUM INTO ?", out); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// Close stops the writer after committing what is queued and closes the
// database.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	errR := s.R.Close()
	errW := s.w.Close()
	return errors.Join(errR, errW)
}

// Now is the current time in Unix milliseconds, the store's time unit.
func Now() int64 { return time.Now().UnixMilli() }

// MS converts a time to Unix milliseconds (0 for the zero time).
func MS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Time converts Unix milliseconds to a UTC time (zero for 0).
func Time(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
