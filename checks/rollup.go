package checks

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Rollup resolutions in seconds.
const (
	ResMinute = 60
	ResHour   = 3600
	ResDay    = 86400
)

// rollupDelay keeps the newest minutes open for results still being
// written (a check's result carries its start time).
const rollupDelay = 2 * time.Minute

// RollupKeep is how long hourly and daily rollups are kept.
const RollupKeep = 400 * 24 * time.Hour

// Rollups maintains the minute, hour and day summaries and answers uptime
// questions from them.
type Rollups struct {
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
}

// NewRollups creates the rollup keeper.
func NewRollups(st *store.Store, log *slog.Logger) *Rollups {
	return &Rollups{store: st, log: log, now: time.Now}
}

// Run rolls up every finished minute, hour and day not yet rolled up:
// minutes from raw results, hours from minutes, days from hours.
func (r *Rollups) Run(ctx context.Context) error {
	limit := floorTo(r.now().Add(-rollupDelay), ResMinute)
	if err := r.rollMinutes(ctx, limit); err != nil {
		return err
	}
	mark, err := r.store.RollupMark(ctx, ResMinute)
	if err != nil {
		return err
	}
	if err := r.rollUp(ctx, ResMinute, ResHour, floorTo(time.UnixMilli(mark), ResHour)); err != nil {
		return err
	}
	hmark, err := r.store.RollupMark(ctx, ResHour)
	if err != nil {
		return err
	}
	return r.rollUp(ctx, ResHour, ResDay, floorTo(time.UnixMilli(hmark), ResDay))
}

func floorTo(t time.Time, res int) time.Time {
	ms := t.UnixMilli()
	step := int64(res) * 1000
	return time.UnixMilli(ms - ((ms%step)+step)%step).UTC()
}

// rollMinutes summarises raw results from the minute mark up to limit,
// at most six hours per call.
func (r *Rollups) rollMinutes(ctx context.Context, limit time.Time) error {
	mark, err := r.store.RollupMark(ctx, ResMinute)
	if err != nil {
		return err
	}
	if mark == 0 {
		mark = limit.Add(-time.Hour).UnixMilli()
	}
	end := min(limit.UnixMilli(), mark+6*3600*1000)
	if end <= mark {
		return nil
	}
	intervals, err := r.intervals(ctx)
	if err != nil {
		return err
	}
	acc := map[[2]int64]*bucketAcc{}
	err = r.store.ResultsBetween(ctx, mark, end, func(res store.CheckResult) {
		key := [2]int64{res.MonitorID, floorTo(time.UnixMilli(res.CheckedAt), ResMinute).UnixMilli()}
		a := acc[key]
		if a == nil {
			a = &bucketAcc{}
			acc[key] = a
		}
		a.add(res, intervals[res.MonitorID])
	})
	if err != nil {
		return err
	}
	out := make([]store.Rollup, 0, len(acc))
	for key, a := range acc {
		out = append(out, a.rollup(key[0], ResMinute, key[1]))
	}
	if err := r.upsert(ctx, out); err != nil {
		return err
	}
	return r.store.SetRollupMark(ctx, ResMinute, end)
}

func (r *Rollups) intervals(ctx context.Context) (map[int64]int, error) {
	rows, err := r.store.R.QueryContext(ctx, `SELECT id, interval_seconds FROM monitors`)
	if err != nil {
		return nil, fmt.Errorf("checks: intervals: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var iv int
		if err := rows.Scan(&id, &iv); err != nil {
			return nil, fmt.Errorf("checks: intervals: %w", err)
		}
		out[id] = iv
	}
	return out, rows.Err()
}

// bucketAcc accumulates results of one monitor in one bucket.
type bucketAcc struct {
	checks, failures, degraded int
	downtime                   int64
	latencies                  []int64
}

func (a *bucketAcc) add(r store.CheckResult, interval int) {
	a.checks++
	switch r.Status {
	case store.ResultDown:
		a.failures++
		a.downtime += int64(max(interval, 1))
	case store.ResultDegraded:
		a.degraded++
	}
	if r.LatencyMS >= 0 && r.Status != store.ResultDown {
		a.latencies = append(a.latencies, r.LatencyMS)
	}
}

func (a *bucketAcc) rollup(id int64, res int, bucket int64) store.Rollup {
	out := store.Rollup{MonitorID: id, Res: res, Bucket: bucket, Checks: a.checks, Failures: a.failures,
		Degraded: a.degraded, DowntimeS: min(a.downtime, int64(res)), LatencyP50: -1, LatencyP95: -1, LatencyMax: -1}
	if len(a.latencies) > 0 {
		slices.Sort(a.latencies)
		out.LatencyP50 = percentile(a.latencies, 0.50)
		out.LatencyP95 = percentile(a.latencies, 0.95)
		out.LatencyMax = a.latencies[len(a.latencies)-1]
	}
	return out
}

// percentile of sorted values (nearest rank).
func percentile(sorted []int64, p float64) int64 {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// rollUp builds buckets of res `to` from finished buckets of `from`, up to
// limit. Percentiles of the coarser bucket are the check-weighted
// percentiles of the finer buckets' percentiles (an approximation).
func (r *Rollups) rollUp(ctx context.Context, from, to int, limit time.Time) error {
	mark, err := r.store.RollupMark(ctx, to)
	if err != nil {
		return err
	}
	if mark == 0 {
		mark = limit.Add(-time.Duration(to) * time.Second).UnixMilli()
		var first sql.NullInt64
		r.store.R.QueryRowContext(ctx, `SELECT MIN(bucket) FROM check_rollups WHERE res = ?`, from).Scan(&first)
		if first.Valid {
			mark = min(mark, floorTo(time.UnixMilli(first.Int64), to).UnixMilli())
		}
	}
	for start := mark; start+int64(to)*1000 <= limit.UnixMilli(); start += int64(to) * 1000 {
		if err := r.rollBucket(ctx, from, to, start); err != nil {
			return err
		}
		if err := r.store.SetRollupMark(ctx, to, start+int64(to)*1000); err != nil {
			return err
		}
	}
	return nil
}

func (r *Rollups) rollBucket(ctx context.Context, from, to int, start int64) error {
	rows, err := r.store.R.QueryContext(ctx, `SELECT monitor_id, checks, failures, degraded, downtime_s,
		COALESCE(latency_p50, -1), COALESCE(latency_p95, -1), COALESCE(latency_max, -1)
		FROM check_rollups WHERE res = ? AND bucket >= ? AND bucket < ? ORDER BY monitor_id`,
		from, start, start+int64(to)*1000)
	if err != nil {
		return fmt.Errorf("checks: roll up: %w", err)
	}
	parts := map[int64][]store.Rollup{}
	for rows.Next() {
		var x store.Rollup
		if err := rows.Scan(&x.MonitorID, &x.Checks, &x.Failures, &x.Degraded, &x.DowntimeS, &x.LatencyP50,
			&x.LatencyP95, &x.LatencyMax); err != nil {
			rows.Close()
			return fmt.Errorf("checks: roll up: %w", err)
		}
		parts[x.MonitorID] = append(parts[x.MonitorID], x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("checks: roll up: %w", err)
	}
	out := make([]store.Rollup, 0, len(parts))
	for id, ps := range parts {
		out = append(out, Merge(id, to, start, ps))
	}
	return r.upsert(ctx, out)
}

// upsert writes rollups in transactions of at most 500 rows, so checks
// recording results never wait long behind them.
func (r *Rollups) upsert(ctx context.Context, rs []store.Rollup) error {
	for len(rs) > 0 {
		n := min(len(rs), 500)
		if err := r.store.UpsertRollups(ctx, rs[:n]); err != nil {
			return err
		}
		rs = rs[n:]
	}
	return nil
}

// Merge combines finer rollups into one bucket.
func Merge(id int64, res int, bucket int64, parts []store.Rollup) store.Rollup {
	out := store.Rollup{MonitorID: id, Res: res, Bucket: bucket, LatencyP50: -1, LatencyP95: -1, LatencyMax: -1}
	var p50, p95 []weighted
	for _, p := range parts {
		out.Checks += p.Checks
		out.Failures += p.Failures
		out.Degraded += p.Degraded
		out.DowntimeS += p.DowntimeS
		out.LatencyMax = max(out.LatencyMax, p.LatencyMax)
		if p.LatencyP50 >= 0 {
			n := max(p.Checks-p.Failures, 1)
			p50 = append(p50, weighted{p.LatencyP50, n})
			p95 = append(p95, weighted{p.LatencyP95, n})
		}
	}
	out.LatencyP50 = weightedPercentile(p50, 0.5)
	out.LatencyP95 = weightedPercentile(p95, 0.95)
	return out
}

type weighted struct {
	v int64
	n int
}

func weightedPercentile(ws []weighted, p float64) int64 {
	if len(ws) == 0 {
		return -1
	}
	slices.SortFunc(ws, func(a, b weighted) int { return int(a.v - b.v) })
	total := 0
	for _, w := range ws {
		total += w.n
	}
	need := p * float64(total)
	acc := 0
	for _, w := range ws {
		acc += w.n
		if float64(acc) >= need {
			return w.v
		}
	}
	return ws[len(ws)-1].v
}

// Uptime summarises a monitor over [from, to).
type Uptime struct {
	Checks    int
	Failures  int
	Degraded  int
	DowntimeS int64
}

// Percent is the share of checks that did not fail, 100 with no checks.
func (u Uptime) Percent() float64 {
	if u.Checks == 0 {
		return 100
	}
	return 100 * float64(u.Checks-u.Failures) / float64(u.Checks)
}

// Uptime computes a monitor's uptime over [from, to) from the coarsest
// rollups that fit, and raw results for what is not rolled up yet.
func (r *Rollups) Uptime(ctx context.Context, monitorID int64, from, to time.Time) (Uptime, error) {
	var u Uptime
	marks := map[int]int64{}
	for _, res := range []int{ResMinute, ResHour, ResDay} {
		m, err := r.store.RollupMark(ctx, res)
		if err != nil {
			return u, err
		}
		marks[res] = m
	}
	from = floorTo(from, ResMinute)
	rolledEnd := min(to.UnixMilli(), marks[ResMinute])
	buckets := map[int]map[int64]store.Rollup{}
	for _, res := range []int{ResMinute, ResHour, ResDay} {
		rs, err := r.store.Rollups(ctx, monitorID, res, from.UnixMilli(), rolledEnd)
		if err != nil {
			return u, err
		}
		buckets[res] = map[int64]store.Rollup{}
		for _, x := range rs {
			buckets[res][x.Bucket] = x
		}
	}
	add := func(x store.Rollup) {
		u.Checks += x.Checks
		u.Failures += x.Failures
		u.Degraded += x.Degraded
		u.DowntimeS += x.DowntimeS
	}
	t := from.UnixMilli()
	for t < rolledEnd {
		step := int64(ResMinute) * 1000
		for _, res := range []int{ResDay, ResHour} {
			size := int64(res) * 1000
			if t%size == 0 && t+size <= rolledEnd && t+size <= marks[res] {
				step = size
				break
			}
		}
		res := int(step / 1000)
		if x, ok := buckets[res][t]; ok {
			add(x)
		}
		t += step
	}
	if rawFrom := max(from.UnixMilli(), marks[ResMinute]); rawFrom < to.UnixMilli() {
		rs, err := r.store.Results(ctx, monitorID, rawFrom, to.UnixMilli(), 0, 1<<30)
		if err != nil {
			return u, err
		}
		iv, err := r.interval(ctx, monitorID)
		if err != nil {
			return u, err
		}
		for _, x := range rs {
			u.Checks++
			switch x.Status {
			case store.ResultDown:
				u.Failures++
				u.DowntimeS += int64(iv)
			case store.ResultDegraded:
				u.Degraded++
			}
		}
	}
	return u, nil
}

func (r *Rollups) interval(ctx context.Context, id int64) (int, error) {
	var iv int
	err := r.store.R.QueryRowContext(ctx, `SELECT interval_seconds FROM monitors WHERE id = ?`, id).Scan(&iv)
	if err != nil {
		return 60, nil
	}
	return iv, nil
}

// Retain deletes raw results older than keep, and minute, hourly and daily
// rollups older than RollupKeep.
func (r *Rollups) Retain(ctx context.Context, keep time.Duration) error {
	ids, err := r.store.MonitorIDs(ctx)
	if err != nil {
		return err
	}
	cutoff := r.now().Add(-keep).UnixMilli()
	var deleted int64
	for _, id := range ids {
		n, err := r.store.DeleteResultsBefore(ctx, id, cutoff)
		if err != nil {
			return err
		}
		deleted += n
	}
	old := r.now().Add(-RollupKeep).UnixMilli()
	for _, res := range []int{ResMinute, ResHour, ResDay} {
		if err := r.store.DeleteRollupsBefore(ctx, res, old); err != nil {
			return err
		}
	}
	r.log.Info("check retention", "results_deleted", deleted, "keep_days", int(keep.Hours()/24))
	return nil
}
