package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Result codes stored in check_results.status.
const (
	ResultUp       = 0
	ResultDegraded = 1
	ResultDown     = 2
)

// CheckResult is one stored check.
type CheckResult struct {
	MonitorID int64
	CheckedAt int64
	Status    int
	LatencyMS int64 // -1 when there is none
	Reason    string
}

// InsertResult stores one check result inside tx. When the monitor already
// has a result in the same millisecond (two pushes at once), this one is
// stored a millisecond later, so neither is lost.
func InsertResult(ctx context.Context, tx *sql.Tx, r CheckResult) error {
	latency := sql.NullInt64{Int64: r.LatencyMS, Valid: r.LatencyMS >= 0}
	for at, tries := r.CheckedAt, 0; tries < maxResultBumps; at, tries = at+1, tries+1 {
		res, err := tx.ExecContext(ctx, `INSERT INTO check_results(monitor_id, checked_at, status, latency_ms, reason)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT(monitor_id, checked_at) DO NOTHING`,
			r.MonitorID, at, r.Status, latency, r.Reason)
		if err != nil {
			return fmt.Errorf("store: insert result: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
	}
	return fmt.Errorf("store: insert result: %d results of monitor %d within %d ms", maxResultBumps, r.MonitorID, maxResultBumps)
}

// maxResultBumps bounds how far a result moves to find a free millisecond.
const maxResultBumps = 1000

// Results lists a monitor's results in [from, to), newest first, at most
// limit, continuing before the checked_at cursor when it is not 0.
func (s *Store) Results(ctx context.Context, monitorID, from, to, before int64, limit int) ([]CheckResult, error) {
	if before != 0 && before < to {
		to = before
	}
	rows, err := s.R.QueryContext(ctx, `SELECT monitor_id, checked_at, status, COALESCE(latency_ms, -1), reason
		FROM check_results WHERE monitor_id = ? AND checked_at >= ? AND checked_at < ?
		ORDER BY checked_at DESC LIMIT ?`, monitorID, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("store: results: %w", err)
	}
	defer rows.Close()
	var out []CheckResult
	for rows.Next() {
		var r CheckResult
		if err := rows.Scan(&r.MonitorID, &r.CheckedAt, &r.Status, &r.LatencyMS, &r.Reason); err != nil {
			return nil, fmt.Errorf("store: results: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rollup is the summary of one monitor over one bucket.
type Rollup struct {
	MonitorID  int64
	Res        int // bucket size in seconds: 60, 3600 or 86400
	Bucket     int64
	Checks     int
	Failures   int
	Degraded   int
	DowntimeS  int64
	LatencyP50 int64 // -1 when no check measured latency
	LatencyP95 int64
	LatencyMax int64
}

// UpsertRollups writes rollups in one transaction.
func (s *Store) UpsertRollups(ctx context.Context, rs []Rollup) error {
	if len(rs) == 0 {
		return nil
	}
	return s.Write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO check_rollups(monitor_id, res, bucket, checks,
			failures, degraded, downtime_s, latency_p50, latency_p95, latency_max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("store: upsert rollups: %w", err)
		}
		defer stmt.Close()
		for _, r := range rs {
			_, err := stmt.ExecContext(ctx, r.MonitorID, r.Res, r.Bucket, r.Checks, r.Failures, r.Degraded, r.DowntimeS,
				nullLatency(r.LatencyP50), nullLatency(r.LatencyP95), nullLatency(r.LatencyMax))
			if err != nil {
				return fmt.Errorf("store: upsert rollups: %w", err)
			}
		}
		return nil
	})
}

func nullLatency(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: v >= 0} }

// Rollups lists a monitor's rollups of one resolution in [from, to), oldest first.
func (s *Store) Rollups(ctx context.Context, monitorID int64, res int, from, to int64) ([]Rollup, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT monitor_id, res, bucket, checks, failures, degraded, downtime_s,
		COALESCE(latency_p50, -1), COALESCE(latency_p95, -1), COALESCE(latency_max, -1)
		FROM check_rollups WHERE monitor_id = ? AND res = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`,
		monitorID, res, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: rollups: %w", err)
	}
	defer rows.Close()
	var out []Rollup
	for rows.Next() {
		var r Rollup
		if err := rows.Scan(&r.MonitorID, &r.Res, &r.Bucket, &r.Checks, &r.Failures, &r.Degraded, &r.DowntimeS,
			&r.LatencyP50, &r.LatencyP95, &r.LatencyMax); err != nil {
			return nil, fmt.Errorf("store: rollups: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResultsBetween streams every result in [from, to) ordered by monitor and
// time to fn (for rollups).
func (s *Store) ResultsBetween(ctx context.Context, from, to int64, fn func(CheckResult)) error {
	rows, err := s.R.QueryContext(ctx, `SELECT r.monitor_id, r.checked_at, r.status, COALESCE(r.latency_ms, -1)
		FROM monitors m JOIN check_results r ON r.monitor_id = m.id AND r.checked_at >= ? AND r.checked_at < ?
		ORDER BY r.monitor_id, r.checked_at`, from, to)
	if err != nil {
		return fmt.Errorf("store: results between: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r CheckResult
		if err := rows.Scan(&r.MonitorID, &r.CheckedAt, &r.Status, &r.LatencyMS); err != nil {
			return fmt.Errorf("store: results between: %w", err)
		}
		fn(r)
	}
	return rows.Err()
}

// RollupMark is the end of the last rolled-up bucket of a resolution (0
// when none).
func (s *Store) RollupMark(ctx context.Context, res int) (int64, error) {
	var done int64
	err := s.R.QueryRowContext(ctx, `SELECT done FROM check_rollup_marks WHERE res = ?`, res).Scan(&done)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: rollup mark: %w", err)
	}
	return done, nil
}

// SetRollupMark records that buckets of res before done are rolled up.
func (s *Store) SetRollupMark(ctx context.Context, res int, done int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO check_rollup_marks(res, done) VALUES (?, ?)
			ON CONFLICT(res) DO UPDATE SET done = excluded.done`, res, done)
		if err != nil {
			return fmt.Errorf("store: set rollup mark: %w", err)
		}
		return nil
	})
}

// DeleteResultsBefore removes raw results older than cutoff for one
// monitor, and rollups of resolution res older than rollupCutoff.
func (s *Store) DeleteResultsBefore(ctx context.Context, monitorID, cutoff int64) (int64, error) {
	var n int64
	err := s.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM check_results WHERE monitor_id = ? AND checked_at < ?`,
			monitorID, cutoff)
		if err != nil {
			return fmt.Errorf("store: delete results: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return n, err
}

// DeleteRollupsBefore removes rollups of one resolution older than cutoff.
func (s *Store) DeleteRollupsBefore(ctx context.Context, res int, cutoff int64) error {
	return s.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM check_rollups WHERE res = ? AND bucket < ?`, res, cutoff)
		if err != nil {
			return fmt.Errorf("store: delete rollups: %w", err)
		}
		return nil
	})
}

// MonitorIDs lists every monitor id.
func (s *Store) MonitorIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.R.QueryContext(ctx, `SELECT id FROM monitors ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: monitor ids: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: monitor ids: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
