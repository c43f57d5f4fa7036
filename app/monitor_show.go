package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/checks"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// monitorShow is a monitor's page.
func (s *Server) monitorShow(c echo.Context) error {
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	v, err := s.monitorView(c, m, true)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MonitorPage(s.shell(c, m.Name, "monitors"), v))
}

// monitorSummary is the live state block of a monitor's page.
func (s *Server) monitorSummary(c echo.Context) error {
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	v, err := s.monitorView(c, m, false)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MonitorSummary(v))
}

// monitorChecksPart is the live table of recent checks.
func (s *Server) monitorChecksPart(c echo.Context) error {
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	v := views.MonitorView{ID: m.ID}
	if v.Recent, err = s.recentChecks(c.Request().Context(), m.ID); err != nil {
		return err
	}
	if v.Incidents, err = s.monitorIncidents(c.Request().Context(), m); err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MonitorChecksPart(v))
}

func (s *Server) monitorView(c echo.Context, m store.Monitor, full bool) (views.MonitorView, error) {
	ctx := c.Request().Context()
	now := time.Now().UTC()
	v := views.MonitorView{ID: m.ID, Name: m.Name, Type: m.Type, Target: m.Target, Description: m.Description,
		Tags: m.Tags, Status: m.Status, Reason: m.StatusReason, Since: store.Time(m.StatusChangedAt),
		Enabled: m.Enabled, Interval: m.IntervalSeconds, LastChecked: store.Time(m.LastCheckedAt),
		LatencyMS: m.LastLatencyMS, CanEdit: actorOf(c).can(store.RoleMember)}
	if m.LastCheckedAt == 0 {
		v.LatencyMS = -1
	}
	if m.Type == "push" {
		v.PushURL = s.baseURL(c) + "/api/push/" + m.PushToken
		v.Target = "heartbeat"
		cfg := checks.ParseConfig(m.Config)
		v.PushCron, v.PushTZ = cfg.PushCron, cfg.PushTimezone
	}
	if m.Type == "manual" {
		v.Target = "set by hand"
	}
	r := s.monitors.rollups
	for _, u := range []struct {
		dst *string
		d   time.Duration
	}{{&v.Uptime24h, 24 * time.Hour}, {&v.Uptime7d, 7 * 24 * time.Hour}, {&v.Uptime30d, 30 * 24 * time.Hour},
		{&v.Uptime90d, 90 * 24 * time.Hour}} {
		if !full && u.d > 24*time.Hour {
			continue
		}
		up, err := r.Uptime(ctx, m.ID, now.Add(-u.d), now)
		if err != nil {
			return v, err
		}
		*u.dst = uptimeText(up)
	}
	if !full {
		return v, nil
	}
	if m.CertInfo != "" {
		var ci checks.CertInfo
		if json.Unmarshal([]byte(m.CertInfo), &ci) == nil {
			v.Cert = &views.MonitorCert{Subject: ci.Subject, Issuer: ci.Issuer,
				DNSNames: strings.Join(ci.DNSNames, ", "), Expires: ci.NotAfter, DaysLeft: checks.DaysLeft(now, ci.NotAfter)}
		}
	}
	var err error
	if v.Range, v.ChartFrom, v.ChartTo, v.Chart, err = s.chartData(ctx, m.ID, c.QueryParam("range"), now); err != nil {
		return v, err
	}
	if v.Days, err = s.dayBars(ctx, m.ID, now); err != nil {
		return v, err
	}
	if v.Recent, err = s.recentChecks(ctx, m.ID); err != nil {
		return v, err
	}
	v.Incidents, err = s.monitorIncidents(ctx, m)
	return v, err
}

// monitorIncidents lists the monitor's latest incidents.
func (s *Server) monitorIncidents(ctx context.Context, m store.Monitor) ([]views.MonitorIncidentRow, error) {
	incs, err := s.store.MonitorIncidents(ctx, m.TeamID, m.ID, 20)
	if err != nil {
		return nil, err
	}
	var out []views.MonitorIncidentRow
	for _, in := range incs {
		out = append(out, views.MonitorIncidentRow{ID: in.ID, Title: in.Title, Status: in.Status,
			Source: in.Source, Started: store.Time(in.StartedAt), Resolved: store.Time(in.ResolvedAt)})
	}
	return out, nil
}

func (s *Server) recentChecks(ctx context.Context, id int64) ([]views.MonitorCheck, error) {
	rs, err := s.store.Results(ctx, id, 0, time.Now().Add(time.Minute).UnixMilli(), 0, 50)
	if err != nil {
		return nil, err
	}
	out := make([]views.MonitorCheck, 0, len(rs))
	for _, r := range rs {
		out = append(out, views.MonitorCheck{At: store.Time(r.CheckedAt), Status: resultStatus(r.Status),
			LatencyMS: r.LatencyMS, Reason: r.Reason})
	}
	return out, nil
}

// chartData is the response-time series of a range: 24 h in 5-minute and
// 7 d in hourly buckets from raw results, 30 d in 4-hour buckets from
// hourly rollups.
func (s *Server) chartData(ctx context.Context, id int64, rng string, now time.Time) (string, time.Time,
	time.Time, []views.MonitorChartPoint, error) {
	span, step := 24*time.Hour, 5*time.Minute
	switch rng {
	case "7d":
		span, step = 7*24*time.Hour, time.Hour
	case "30d":
		span, step = 30*24*time.Hour, 4*time.Hour
	default:
		rng = "24h"
	}
	to := now.Truncate(step).Add(step)
	from := to.Add(-span)
	n := int(span / step)
	points := make([]views.MonitorChartPoint, n)
	for i := range points {
		points[i] = views.MonitorChartPoint{At: from.Add(time.Duration(i) * step), LatencyMS: -1}
	}
	q := `SELECT (checked_at - ?1) / ?2, COUNT(*), SUM(status = 2),
		CAST(AVG(CASE WHEN status < 2 THEN latency_ms END) AS INTEGER)
		FROM check_results WHERE monitor_id = ?3 AND checked_at >= ?1 AND checked_at < ?4 GROUP BY 1`
	if rng == "30d" {
		q = `SELECT (bucket - ?1) / ?2, SUM(checks), SUM(failures), CAST(AVG(latency_p50) AS INTEGER)
			FROM check_rollups WHERE monitor_id = ?3 AND res = 3600 AND bucket >= ?1 AND bucket < ?4 GROUP BY 1`
	}
	rows, err := s.store.R.QueryContext(ctx, q, from.UnixMilli(), step.Milliseconds(), id, to.UnixMilli())
	if err != nil {
		return rng, from, to, nil, fmt.Errorf("app: chart: %w", err)
	}
	defer rows.Close()
	any := false
	for rows.Next() {
		var idx int64
		var checksN, fails int
		var lat *int64
		if err := rows.Scan(&idx, &checksN, &fails, &lat); err != nil {
			return rng, from, to, nil, fmt.Errorf("app: chart: %w", err)
		}
		if idx < 0 || idx >= int64(n) {
			continue
		}
		any = true
		p := &points[idx]
		p.Checks, p.Failures = checksN, fails
		if lat != nil {
			p.LatencyMS = *lat
		}
	}
	if !any {
		points = nil
	}
	return rng, from, to, points, rows.Err()
}

// dayBars is the last 90 days from daily rollups, with today from the
// finer data.
func (s *Server) dayBars(ctx context.Context, id int64, now time.Time) ([]views.MonitorDay, error) {
	today := now.Truncate(24 * time.Hour)
	from := today.Add(-89 * 24 * time.Hour)
	rs, err := s.store.Rollups(ctx, id, checks.ResDay, from.UnixMilli(), today.UnixMilli())
	if err != nil {
		return nil, err
	}
	byDay := map[int64]store.Rollup{}
	for _, r := range rs {
		byDay[r.Bucket] = r
	}
	incidents := map[int64]int{}
	rows, err := s.store.R.QueryContext(ctx, `SELECT started_at FROM incidents WHERE monitor_id = ? AND started_at >= ?`,
		id, from.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("app: day bars: %w", err)
	}
	for rows.Next() {
		var at int64
		if rows.Scan(&at) == nil {
			incidents[store.Time(at).Truncate(24*time.Hour).UnixMilli()]++
		}
	}
	rows.Close()
	days := make([]views.MonitorDay, 0, 90)
	for d := from; !d.After(today); d = d.Add(24 * time.Hour) {
		day := views.MonitorDay{Day: d, Incidents: incidents[d.UnixMilli()]}
		r, ok := byDay[d.UnixMilli()]
		if !ok && !d.Before(today.Add(-24*time.Hour)) {
			u, err := s.monitors.rollups.Uptime(ctx, id, d, minTime(d.Add(24*time.Hour), now))
			if err != nil {
				return nil, err
			}
			r = store.Rollup{Checks: u.Checks, Failures: u.Failures, Degraded: u.Degraded}
		}
		day.Checks, day.Failures, day.Degraded = r.Checks, r.Failures, r.Degraded
		days = append(days, day)
	}
	return days, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
