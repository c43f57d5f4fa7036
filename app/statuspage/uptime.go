package statuspage

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/checks"
)

// dayCount is one monitor's checks over one day. Counts are fractional
// when an hour that was only partly in the day (or partly in maintenance)
// could not be split by its minutes any more.
type dayCount struct {
	checks, failures, degraded float64
}

// span is a half-open interval of Unix ms.
type span struct{ from, to int64 }

// unit is the checks of one monitor over [from, to).
type unit struct {
	monitor  int64
	from, to int64
	count    dayCount
}

// checkData reads the check results of monitors as counts per bar day:
// hourly rollups where they exist, minute rollups after the last rolled-up
// hour, and raw results after the last rolled-up minute. bounds holds the
// Days+1 day boundaries (Unix ms, oldest first); results inside an
// excluded span (maintenance) are not counted.
type checkData struct {
	d          *DB
	bounds     []int64
	hourMark   int64
	minuteMark int64
}

func (d *DB) newCheckData(ctx context.Context, bounds []int64) (*checkData, error) {
	cd := &checkData{d: d, bounds: bounds}
	for _, m := range []struct {
		res int
		dst *int64
	}{{checks.ResHour, &cd.hourMark}, {checks.ResMinute, &cd.minuteMark}} {
		v, err := d.st.RollupMark(ctx, m.res)
		if err != nil {
			return nil, err
		}
		*m.dst = v
	}
	// A mark of a finer resolution never trails a coarser one.
	cd.minuteMark = max(cd.minuteMark, cd.hourMark)
	return cd, nil
}

// days returns per-day counts of one monitor, excluding spans.
func (cd *checkData) days(ctx context.Context, monitorID int64, excl []span) ([]dayCount, error) {
	from, to := cd.bounds[0], cd.bounds[len(cd.bounds)-1]
	out := make([]dayCount, len(cd.bounds)-1)
	var units []unit
	// Hours, fully rolled up.
	hourFrom := from - ((from%3600000)+3600000)%3600000
	if hourFrom < cd.hourMark {
		us, err := cd.rollups(ctx, monitorID, checks.ResHour, hourFrom, min(cd.hourMark, to))
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	// Minutes after the last rolled-up hour.
	if lo := max(cd.hourMark, from-60000); lo < cd.minuteMark {
		us, err := cd.rollups(ctx, monitorID, checks.ResMinute, lo, min(cd.minuteMark, to))
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	// Raw results after the last rolled-up minute, per minute.
	if lo := max(cd.minuteMark, from); lo < to {
		us, err := cd.raw(ctx, monitorID, lo, to)
		if err != nil {
			return nil, err
		}
		units = append(units, us...)
	}
	for _, u := range units {
		if u.to-u.from <= 60000 {
			cd.addPoint(out, u, excl)
			continue
		}
		// An hour: whole when it sits in one day outside maintenance,
		// else split by its minutes, else in proportion.
		if i := cd.day(u.from); i >= 0 && i == cd.day(u.to-1) && covered(excl, u.from, u.to) == 0 {
			add(&out[i], u.count, 1)
			continue
		}
		if covered(excl, u.from, u.to) == u.to-u.from {
			continue
		}
		mins, err := cd.rollups(ctx, monitorID, checks.ResMinute, u.from, u.to)
		if err != nil {
			return nil, err
		}
		if len(mins) > 0 {
			for _, m := range mins {
				cd.addPoint(out, m, excl)
			}
			continue
		}
		for i := range out {
			a, b := max(u.from, cd.bounds[i]), min(u.to, cd.bounds[i+1])
			if b <= a {
				continue
			}
			frac := float64(b-a-covered(excl, a, b)) / float64(u.to-u.from)
			add(&out[i], u.count, frac)
		}
	}
	return out, nil
}

// addPoint counts a minute (or a single result) in the day of its middle
// unless that moment is in maintenance.
func (cd *checkData) addPoint(out []dayCount, u unit, excl []span) {
	mid := u.from + (u.to-u.from)/2
	if covered(excl, mid, mid+1) > 0 {
		return
	}
	if i := cd.day(mid); i >= 0 {
		add(&out[i], u.count, 1)
	}
}

func add(dst *dayCount, c dayCount, frac float64) {
	dst.checks += c.checks * frac
	dst.failures += c.failures * frac
	dst.degraded += c.degraded * frac
}

// day is the index of the bar day holding t, -1 outside the bars.
func (cd *checkData) day(t int64) int {
	if t < cd.bounds[0] || t >= cd.bounds[len(cd.bounds)-1] {
		return -1
	}
	return sort.Search(len(cd.bounds), func(i int) bool { return cd.bounds[i] > t }) - 1
}

func (cd *checkData) rollups(ctx context.Context, monitorID int64, res int, from, to int64) ([]unit, error) {
	rows, err := cd.d.st.R.QueryContext(ctx, `SELECT bucket, checks, failures, degraded FROM check_rollups
		WHERE monitor_id=? AND res=? AND bucket>=? AND bucket<? ORDER BY bucket`, monitorID, res, from, to)
	if err != nil {
		return nil, fmt.Errorf("statuspage: rollups: %w", err)
	}
	defer rows.Close()
	var out []unit
	for rows.Next() {
		u := unit{monitor: monitorID}
		if err := rows.Scan(&u.from, &u.count.checks, &u.count.failures, &u.count.degraded); err != nil {
			return nil, fmt.Errorf("statuspage: rollups: %w", err)
		}
		u.to = u.from + int64(res)*1000
		out = append(out, u)
	}
	return out, rows.Err()
}

func (cd *checkData) raw(ctx context.Context, monitorID int64, from, to int64) ([]unit, error) {
	rows, err := cd.d.st.R.QueryContext(ctx, `SELECT checked_at/60000, COUNT(*), SUM(status=2), SUM(status=1)
		FROM check_results WHERE monitor_id=? AND checked_at>=? AND checked_at<? GROUP BY 1`, monitorID, from, to)
	if err != nil {
		return nil, fmt.Errorf("statuspage: results: %w", err)
	}
	defer rows.Close()
	var out []unit
	for rows.Next() {
		var minute int64
		u := unit{monitor: monitorID}
		if err := rows.Scan(&minute, &u.count.checks, &u.count.failures, &u.count.degraded); err != nil {
			return nil, fmt.Errorf("statuspage: results: %w", err)
		}
		u.from, u.to = minute*60000, minute*60000+60000
		out = append(out, u)
	}
	return out, rows.Err()
}

// covered is how many ms of [a, b) the sorted, merged spans cover.
func covered(ss []span, a, b int64) int64 {
	var n int64
	for _, s := range ss {
		if s.from >= b {
			break
		}
		if lo, hi := max(s.from, a), min(s.to, b); hi > lo {
			n += hi - lo
		}
	}
	return n
}

// merge sorts spans and joins the overlapping ones.
func merge(ss []span) []span {
	sort.Slice(ss, func(i, j int) bool { return ss[i].from < ss[j].from })
	var out []span
	for _, s := range ss {
		if s.to <= s.from {
			continue
		}
		if n := len(out); n > 0 && s.from <= out[n-1].to {
			out[n-1].to = max(out[n-1].to, s.to)
			continue
		}
		out = append(out, s)
	}
	return out
}

// maintSpans lists the occurrences of m in [from, to).
func maintSpans(m Maintenance, from, to time.Time) []span {
	var out []span
	t := from
	for range 2000 {
		s, e, ok := checks.MaintenanceOccurrence(m.window(), t)
		if !ok || !s.Before(to) {
			break
		}
		out = append(out, span{s.UnixMilli(), e.UnixMilli()})
		if !e.After(t) {
			break
		}
		t = e
	}
	return out
}

// monitorBars computes a component's bars from its monitors' checks: per
// day the worst monitor, days without any check as "none", and the
// uptime over the days with data. Time in maintenance does not count.
// Incident titles of each day stay listed on the bars.
func monitorBars(cd *checkData, perMonitor [][]dayCount, excl []span, ivs []interval, now time.Time,
	loc *time.Location) ([]Bar, float64) {
	out := make([]Bar, 0, Days)
	var total, up float64
	nowMS := now.UnixMilli()
	for i := range Days {
		start, end := cd.bounds[i], min(cd.bounds[i+1], nowMS)
		b := Bar{Day: time.UnixMilli(start).In(loc), Class: "none", Uptime: -1}
		if end > start {
			_, _, b.Incidents = overlap(ivs, start, end)
		}
		worst, any, failed, degraded := 1.0, false, false, false
		for _, days := range perMonitor {
			c := days[i]
			if c.checks < 0.5 {
				continue
			}
			any = true
			ratio := max(0, (c.checks-c.failures)/c.checks)
			worst = min(worst, ratio)
			failed = failed || c.failures > 0.01
			degraded = degraded || c.degraded > 0.01
		}
		if any {
			b.Uptime = 100 * worst
			switch {
			case failed && b.Uptime < 99:
				b.Class = "down"
			case failed || degraded:
				b.Class = "degraded"
			default:
				b.Class = "up"
			}
			if w := float64(end - start - covered(excl, start, end)); w > 0 {
				total += w
				up += w * worst
			}
		}
		out = append(out, b)
	}
	if total == 0 {
		return out, -1
	}
	return out, 100 * up / total
}

// barBounds are the Days+1 local midnights from the first bar day to the
// end of today.
func barBounds(now time.Time, loc *time.Location) []int64 {
	local := now.In(loc)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	out := make([]int64, 0, Days+1)
	for i := Days - 1; i >= -1; i-- {
		out = append(out, today.AddDate(0, 0, -i).UnixMilli())
	}
	return out
}

// componentMaint lists the maintenance spans of a component over the bars:
// windows naming it or one of its monitors.
func componentMaint(c Component, ms []Maintenance, from, to time.Time) []span {
	var out []span
	for _, m := range ms {
		hit := false
		for _, id := range m.ComponentIDs {
			hit = hit || id == c.ID
		}
		for _, id := range m.MonitorIDs {
			for _, cm := range c.MonitorIDs {
				hit = hit || id == cm
			}
		}
		if hit {
			out = append(out, maintSpans(m, from, to)...)
		}
	}
	return merge(out)
}

// monitorKey names a set of monitors and maintenance spans, so components
// sharing them share the reading.
func monitorKey(id int64, excl []span) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", id)
	for _, s := range excl {
		fmt.Fprintf(&b, ":%d-%d", s.from, s.to)
	}
	return b.String()
}
