package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/checks"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// monitorList is the monitors page.
func (s *Server) monitorList(c echo.Context) error {
	v, err := s.monitorListView(c, true)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MonitorsPage(s.shell(c, "Monitors", "monitors"), v))
}

// monitorRows is the list's live-updating table body.
func (s *Server) monitorRows(c echo.Context) error {
	v, err := s.monitorListView(c, false)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, views.MonitorRowsBody(v))
}

func (s *Server) monitorListView(c echo.Context, withTags bool) (views.MonitorListView, error) {
	a := actorOf(c)
	ctx := c.Request().Context()
	v := views.MonitorListView{Status: c.QueryParam("status"), Tag: c.QueryParam("tag"),
		Q: strings.TrimSpace(c.QueryParam("q")), CanEdit: a.can(store.RoleMember), Cursor: c.QueryParam("cursor")}
	if v.Status != "" && !validStatus(v.Status) {
		v.Status = ""
	}
	p := page{Limit: 50, Cursor: v.Cursor}
	after, err := p.IDCursor()
	if err != nil {
		after, v.Cursor = 0, ""
	}
	v.First = after == 0
	ms, err := s.store.Monitors(ctx, a.TeamID, store.MonitorFilter{Status: v.Status, Tag: v.Tag, Query: v.Q,
		After: after, Limit: p.Limit + 1})
	if err != nil {
		return v, err
	}
	if len(ms) > p.Limit {
		ms = ms[:p.Limit]
		v.Next = makeIDCursor(ms[len(ms)-1].ID)
	}
	v.Any = len(ms) > 0 || !v.First || v.Status != "" || v.Tag != "" || v.Q != ""
	if !v.Any {
		var n int
		if err := s.store.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitors WHERE team_id = ?`, a.TeamID).
			Scan(&n); err != nil {
			return v, err
		}
		v.Any = n > 0
	}
	if withTags {
		if v.Tags, err = s.store.MonitorTags(ctx, a.TeamID); err != nil {
			return v, err
		}
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	sums, err := listSummaries(ctx, s.store, ids, time.Now())
	if err != nil {
		return v, err
	}
	for _, m := range ms {
		sum := sums[m.ID]
		row := views.MonitorRow{ID: m.ID, Name: m.Name, Type: m.Type, Target: m.Target, Status: m.Status,
			Reason: m.StatusReason, LastChecked: store.Time(m.LastCheckedAt), LatencyMS: m.LastLatencyMS,
			Tags: m.Tags, Spark: sum.spark, Uptime24h: uptimeText(sum.day), Uptime30d: uptimeText(sum.month)}
		if m.LastCheckedAt == 0 {
			row.LatencyMS = -1
		}
		v.Rows = append(v.Rows, row)
	}
	return v, nil
}

func uptimeText(u checks.Uptime) string {
	if u.Checks == 0 {
		return "—"
	}
	return views.MonitorPercent(u.Percent())
}

// listSummary is what a list row shows beyond the monitor row.
type listSummary struct {
	spark      []int64 // 48 half-hour medians over 24 h, -1 for gaps
	day, month checks.Uptime
}

// listSummaries reads the sparkline and the 24 h and 30 d uptime of a page
// of monitors in two queries: minute rollups for the last day, hour
// rollups (plus the minutes after the last rolled-up hour) for 30 days.
func listSummaries(ctx context.Context, st *store.Store, ids []int64, now time.Time) (map[int64]*listSummary, error) {
	out := make(map[int64]*listSummary, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, 0, len(ids)+3)
	for _, id := range ids {
		out[id] = &listSummary{spark: make([]int64, 48)}
		for i := range out[id].spark {
			out[id].spark[i] = -1
		}
		args = append(args, id)
	}
	dayStart := now.Add(-24 * time.Hour).UnixMilli()
	const slot = 30 * 60 * 1000
	rows, err := st.R.QueryContext(ctx, fmt.Sprintf(`SELECT monitor_id, (bucket - ?) / %d, SUM(checks),
		SUM(failures), SUM(degraded), CAST(AVG(latency_p50) AS INTEGER)
		FROM check_rollups WHERE res = 60 AND monitor_id IN (%s) AND bucket >= ? GROUP BY 1, 2`, slot, in),
		append(append([]any{dayStart}, args...), dayStart)...)
	if err != nil {
		return nil, fmt.Errorf("app: list summaries: %w", err)
	}
	for rows.Next() {
		var id, idx int64
		var u checks.Uptime
		var lat *int64
		if err := rows.Scan(&id, &idx, &u.Checks, &u.Failures, &u.Degraded, &lat); err != nil {
			rows.Close()
			return nil, fmt.Errorf("app: list summaries: %w", err)
		}
		sum := out[id]
		sum.day.Checks += u.Checks
		sum.day.Failures += u.Failures
		if lat != nil && idx >= 0 && idx < 48 {
			sum.spark[idx] = *lat
		}
	}
	rows.Close()

	var minuteMark int64
	st.R.QueryRowContext(ctx, `SELECT done FROM check_rollup_marks WHERE res = 60`).Scan(&minuteMark)
	rows, err = st.R.QueryContext(ctx, fmt.Sprintf(`SELECT monitor_id, COUNT(*), SUM(status = 2)
		FROM check_results WHERE monitor_id IN (%s) AND checked_at >= ? GROUP BY 1`, in),
		append(args, max(minuteMark, dayStart))...)
	if err != nil {
		return nil, fmt.Errorf("app: list summaries: %w", err)
	}
	raw := map[int64]checks.Uptime{}
	for rows.Next() {
		var id int64
		var u checks.Uptime
		if err := rows.Scan(&id, &u.Checks, &u.Failures); err != nil {
			rows.Close()
			return nil, fmt.Errorf("app: list summaries: %w", err)
		}
		raw[id] = u
		out[id].day.Checks += u.Checks
		out[id].day.Failures += u.Failures
	}
	rows.Close()

	var hourMark int64
	st.R.QueryRowContext(ctx, `SELECT done FROM check_rollup_marks WHERE res = 3600`).Scan(&hourMark)
	monthStart := now.Add(-30 * 24 * time.Hour).UnixMilli()
	rows, err = st.R.QueryContext(ctx, fmt.Sprintf(`SELECT monitor_id, SUM(checks), SUM(failures)
		FROM check_rollups WHERE monitor_id IN (%s) AND ((res = 3600 AND bucket >= ? AND bucket < ?)
		OR (res = 60 AND bucket >= ? AND bucket >= ?)) GROUP BY 1`, in),
		append(args, monthStart, hourMark, hourMark, monthStart)...)
	if err != nil {
		return nil, fmt.Errorf("app: list summaries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var u checks.Uptime
		if err := rows.Scan(&id, &u.Checks, &u.Failures); err != nil {
			return nil, fmt.Errorf("app: list summaries: %w", err)
		}
		out[id].month = u
	}
	for id, u := range raw {
		out[id].month.Checks += u.Checks
		out[id].month.Failures += u.Failures
	}
	return out, rows.Err()
}
