package app

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/secrets"
	"github.com/bitwobbly/bitwobbly/checks"
	"github.com/bitwobbly/bitwobbly/store"
)

// monitorJSON is a monitor as the API shows it. Type-specific settings
// are flattened beside the common fields; secrets are never shown.
type monitorJSON struct {
	ID                int64            `json:"id"`
	Name              string           `json:"name"`
	Type              string           `json:"type"`
	URL               string           `json:"url,omitempty"`
	Target            string           `json:"target"`
	IntervalSeconds   int              `json:"interval_seconds"`
	TimeoutSeconds    int              `json:"timeout_seconds"`
	FailureThreshold  int              `json:"failure_threshold"`
	RecoveryThreshold int              `json:"recovery_threshold"`
	ConfirmRecheck    bool             `json:"confirm_recheck"`
	Description       string           `json:"description"`
	Tags              []string         `json:"tags"`
	Enabled           bool             `json:"enabled"`
	Status            string           `json:"status"`
	StatusReason      string           `json:"status_reason"`
	StatusChangedAt   *time.Time       `json:"status_changed_at"`
	LastCheckedAt     *time.Time       `json:"last_checked_at"`
	LastLatencyMS     *int64           `json:"last_latency_ms"`
	PushURL           string           `json:"push_url,omitempty"`
	Certificate       *checks.CertInfo `json:"certificate,omitempty"`
	CreatedAt         time.Time        `json:"created_at"`
	UpdatedAt         time.Time        `json:"updated_at"`
	checks.Config
}

func (s *Server) monitorOut(c echo.Context, m store.Monitor) monitorJSON {
	cfg := checks.ParseConfig(m.Config)
	cfg.BasicAuthPassword, cfg.BearerToken = "", ""
	out := monitorJSON{ID: m.ID, Name: m.Name, Type: m.Type, Target: m.Target, IntervalSeconds: m.IntervalSeconds,
		TimeoutSeconds: m.TimeoutSeconds, FailureThreshold: m.FailureThreshold, RecoveryThreshold: m.RecoveryThreshold,
		ConfirmRecheck: m.ConfirmRecheck, Description: m.Description, Tags: m.Tags, Enabled: m.Enabled,
		Status: m.Status, StatusReason: m.StatusReason, StatusChangedAt: timePtr(m.StatusChangedAt),
		LastCheckedAt: timePtr(m.LastCheckedAt), CreatedAt: store.Time(m.CreatedAt), UpdatedAt: store.Time(m.UpdatedAt),
		Config: cfg}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if m.Type == "http" {
		out.URL = m.Target
	}
	if m.LastLatencyMS >= 0 && m.LastCheckedAt != 0 {
		l := m.LastLatencyMS
		out.LastLatencyMS = &l
	}
	if m.Type == "push" {
		out.PushURL = s.baseURL(c) + "/api/push/" + m.PushToken
	}
	if m.CertInfo != "" {
		var ci checks.CertInfo
		if json.Unmarshal([]byte(m.CertInfo), &ci) == nil {
			out.Certificate = &ci
		}
	}
	return out
}

// monitorInput is what create, PUT and PATCH accept. PATCH decodes the
// body over the stored monitor, so only the fields sent change. Read-only
// fields of monitorJSON are accepted and ignored, so a GET answer can be
// sent back.
type monitorInput struct {
	Name              *string   `json:"name"`
	Type              *string   `json:"type"`
	URL               *string   `json:"url"`
	Target            *string   `json:"target"`
	IntervalSeconds   *int      `json:"interval_seconds"`
	TimeoutSeconds    *int      `json:"timeout_seconds"`
	FailureThreshold  *int      `json:"failure_threshold"`
	RecoveryThreshold *int      `json:"recovery_threshold"`
	ConfirmRecheck    *bool     `json:"confirm_recheck"`
	Description       *string   `json:"description"`
	Tags              *[]string `json:"tags"`
	Enabled           *bool     `json:"enabled"`
	Status            *string   `json:"status"`
	StatusReason      *string   `json:"status_reason"`
	checks.Config

	ID              any `json:"id"`
	StatusChangedAt any `json:"status_changed_at"`
	LastCheckedAt   any `json:"last_checked_at"`
	LastLatencyMS   any `json:"last_latency_ms"`
	PushURL         any `json:"push_url"`
	Certificate     any `json:"certificate"`
	CreatedAt       any `json:"created_at"`
	UpdatedAt       any `json:"updated_at"`

	// storedStatus is the status before a PATCH; sending it back unchanged
	// (e.g. paused) is not a request to set it.
	storedStatus string
}

// maxStatusReason bounds the reason given with a manual status.
const maxStatusReason = 500

// maxSecretLen bounds a password or token before it is sealed.
const maxSecretLen = 4 << 10

// inputOf is the stored monitor as an input to decode a PATCH over.
func inputOf(m store.Monitor) monitorInput {
	tags := append([]string(nil), m.Tags...)
	target := m.Target
	status := m.Status
	return monitorInput{Name: &m.Name, Type: &m.Type, Target: &target, IntervalSeconds: &m.IntervalSeconds,
		TimeoutSeconds: &m.TimeoutSeconds, FailureThreshold: &m.FailureThreshold,
		RecoveryThreshold: &m.RecoveryThreshold, ConfirmRecheck: &m.ConfirmRecheck, Description: &m.Description,
		Tags: &tags, Enabled: &m.Enabled, Status: &status, Config: checks.ParseConfig(m.Config),
		storedStatus: m.Status}
}

// bindMonitorJSON decodes a monitor body; type errors in the
// type-specific settings name the setting as the API spells it.
func bindMonitorJSON(c echo.Context, in *monitorInput) error {
	err := bindJSON(c, in)
	var ae *Error
	if errors.As(err, &ae) && strings.HasPrefix(ae.Field, "Config.") {
		field := strings.TrimPrefix(ae.Field, "Config.")
		ae.Message = field + strings.TrimPrefix(ae.Message, ae.Field)
		ae.Field = field
	}
	return err
}

// spec turns an input into a validated checks.Spec.
func (s *Server) specOf(in monitorInput) (checks.Spec, error) {
	sp := checks.Spec{Config: in.Config, ConfirmRecheck: true}
	// Leaving a number out takes its default; an explicit 0 is refused
	// rather than silently replaced.
	for _, f := range []struct {
		name string
		v    *int
	}{{"interval_seconds", in.IntervalSeconds}, {"timeout_seconds", in.TimeoutSeconds},
		{"failure_threshold", in.FailureThreshold}, {"recovery_threshold", in.RecoveryThreshold}} {
		if f.v != nil && *f.v == 0 {
			return sp, badRequest(f.name, "%s: must not be 0; leave it out for the default", f.name)
		}
	}
	deref(&sp.Name, in.Name)
	deref(&sp.Type, in.Type)
	deref(&sp.IntervalSeconds, in.IntervalSeconds)
	deref(&sp.TimeoutSeconds, in.TimeoutSeconds)
	deref(&sp.FailureThreshold, in.FailureThreshold)
	deref(&sp.RecoveryThreshold, in.RecoveryThreshold)
	deref(&sp.ConfirmRecheck, in.ConfirmRecheck)
	deref(&sp.Description, in.Description)
	if in.Tags != nil {
		sp.Tags = *in.Tags
	}
	sp.Type = strings.ToLower(strings.TrimSpace(sp.Type))
	if sp.Type == "" || !slices.Contains(checks.Types, sp.Type) {
		return sp, badRequest("type", "type: must be one of %s", strings.Join(checks.Types, ", "))
	}
	if sp.Type == "http" && in.URL != nil {
		sp.Target = *in.URL
	} else if in.Target != nil {
		sp.Target = *in.Target
	} else if in.URL != nil {
		sp.Target = *in.URL
	}
	if sp.Type == "push" || sp.Type == "manual" {
		sp.Target = ""
	}
	if sp.Type == "tls" && in.Target == nil && in.URL != nil {
		sp.Target = tlsTargetOf(*in.URL)
	} else if sp.Type != "http" && sp.Type != "" && in.URL != nil && in.Target == nil && *in.URL != "" {
		return sp, badRequest("target", "target: %s monitors take a target, not a url", sp.Type)
	}
	sp.Defaults()
	if err := sp.Validate(s.cfg.RestrictTargets); err != nil {
		return sp, fieldError(sp.Type, err)
	}
	for _, f := range []struct{ name, v string }{{"basic_auth_password", sp.Config.BasicAuthPassword},
		{"bearer_token", sp.Config.BearerToken}} {
		if len(f.v) > maxSecretLen && !secrets.IsSealed(f.v) {
			return sp, badRequest(f.name, "%s: must be at most %d bytes", f.name, maxSecretLen)
		}
	}
	s.sealSecrets(&sp.Config)
	if sp.Type == "manual" && in.Status != nil && *in.Status != in.storedStatus {
		switch *in.Status {
		case "", checks.StatusUp, checks.StatusDegraded, checks.StatusDown:
		default:
			return sp, badRequest("status", "status: a manual monitor is set to up, degraded or down")
		}
	}
	if in.StatusReason != nil && utf8.RuneCountInString(*in.StatusReason) > maxStatusReason {
		return sp, badRequest("status_reason", "status_reason: must be at most %d characters", maxStatusReason)
	}
	return sp, nil
}

// tlsTargetOf turns https://host[:port]/… into host:port for tls
// monitors given a url.
func tlsTargetOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

func deref[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}

// fieldError maps a checks.FieldError to a 400 naming the field; for http
// monitors the target is called url.
func fieldError(typ string, err error) error {
	var fe *checks.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	field := fe.Field
	if field == "target" && typ == "http" {
		field = "url"
	}
	return badRequest(field, "%s: %s", field, fe.Message)
}

func rowOf(sp checks.Spec, teamID int64) store.Monitor {
	return store.Monitor{TeamID: teamID, Name: sp.Name, Type: sp.Type, Target: sp.Target,
		Config: checks.ConfigJSON(sp.Config), Description: sp.Description, Tags: sp.Tags,
		IntervalSeconds: sp.IntervalSeconds, TimeoutSeconds: sp.TimeoutSeconds,
		FailureThreshold: sp.FailureThreshold, RecoveryThreshold: sp.RecoveryThreshold,
		ConfirmRecheck: sp.ConfirmRecheck, Enabled: true}
}

// apiMonitorList lists the team's monitors; filters: status, tag, q.
func (s *Server) apiMonitorList(c echo.Context) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := p.IDCursor()
	if err != nil {
		return err
	}
	f := store.MonitorFilter{Status: c.QueryParam("status"), Tag: c.QueryParam("tag"), Query: c.QueryParam("q"),
		After: after, Limit: p.Limit + 1}
	if f.Status != "" && !validStatus(f.Status) {
		return badRequest("status", "status: must be unknown, up, degraded, down, paused or maintenance")
	}
	ms, err := s.store.Monitors(c.Request().Context(), actorOf(c).TeamID, f)
	if err != nil {
		return err
	}
	next := ""
	if len(ms) > p.Limit {
		ms = ms[:p.Limit]
		next = makeIDCursor(ms[len(ms)-1].ID)
	}
	out := make([]monitorJSON, 0, len(ms))
	for _, m := range ms {
		out = append(out, s.monitorOut(c, m))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

func validStatus(st string) bool {
	switch st {
	case checks.StatusUnknown, checks.StatusUp, checks.StatusDegraded, checks.StatusDown, checks.StatusPaused,
		checks.StatusMaintenance:
		return true
	}
	return false
}

// apiMonitorCreate creates a monitor (201 with the monitor).
func (s *Server) apiMonitorCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in monitorInput
	if err := bindMonitorJSON(c, &in); err != nil {
		return err
	}
	m, err := s.createMonitor(c, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.monitorOut(c, m))
}

// createMonitor validates and stores a new monitor and schedules it.
func (s *Server) createMonitor(c echo.Context, in monitorInput) (store.Monitor, error) {
	sp, err := s.specOf(in)
	if err != nil {
		return store.Monitor{}, err
	}
	row := rowOf(sp, actorOf(c).TeamID)
	if in.Enabled != nil && !*in.Enabled {
		row.Enabled, row.Status = false, checks.StatusPaused
	}
	if row.Type == "push" {
		row.PushToken = checks.NewPushToken()
	}
	ctx := c.Request().Context()
	m, err := s.store.CreateMonitor(ctx, row)
	if err != nil {
		return m, err
	}
	if in.Status != nil && *in.Status != "" && m.Type == "manual" && row.Enabled {
		if m, err = s.monitors.engine.SetManual(ctx, m.TeamID, m.ID, *in.Status, deref2(in.StatusReason)); err != nil {
			return m, manualError(err)
		}
	}
	s.monitors.engine.Reload(ctx, m.ID)
	return s.store.MonitorByID(ctx, m.TeamID, m.ID)
}

func deref2(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func manualError(err error) error {
	var fe *checks.FieldError
	if errors.As(err, &fe) {
		return badRequest(fe.Field, "%s: %s", fe.Field, fe.Message)
	}
	return err
}

// monitorOf reads one of the actor's team's monitors by the :id parameter.
func (s *Server) monitorOf(c echo.Context) (store.Monitor, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return store.Monitor{}, notFound("monitor")
	}
	m, err := s.store.MonitorByID(c.Request().Context(), actorOf(c).TeamID, id)
	if errors.Is(err, store.ErrNotFound) {
		return m, notFound("monitor")
	}
	return m, err
}

// apiMonitorGet answers one monitor.
func (s *Server) apiMonitorGet(c echo.Context) error {
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.monitorOut(c, m))
}

// apiMonitorUpdate changes the fields sent (PATCH and PUT).
func (s *Server) apiMonitorUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	in := inputOf(m)
	if err := bindMonitorJSON(c, &in); err != nil {
		return err
	}
	m, err = s.updateMonitor(c, m, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.monitorOut(c, m))
}

// updateMonitor saves an edited monitor, applies enabled and a manual
// status, and reschedules it.
func (s *Server) updateMonitor(c echo.Context, m store.Monitor, in monitorInput) (store.Monitor, error) {
	sp, err := s.specOf(in)
	if err != nil {
		return m, err
	}
	ctx := c.Request().Context()
	row := rowOf(sp, m.TeamID)
	row.ID = m.ID
	if err := s.store.UpdateMonitor(ctx, row); err != nil {
		return m, err
	}
	if row.Type == "push" && m.PushToken == "" {
		if err := s.store.SetPushToken(ctx, m.ID, checks.NewPushToken()); err != nil {
			return m, err
		}
	}
	if in.Enabled != nil && *in.Enabled != m.Enabled {
		if err := s.store.SetMonitorEnabled(ctx, m.TeamID, m.ID, *in.Enabled); err != nil {
			return m, err
		}
	}
	enabled := m.Enabled
	deref(&enabled, in.Enabled)
	if row.Type == "manual" && enabled && in.Status != nil && *in.Status != m.Status && *in.Status != "" {
		if _, err := s.monitors.engine.SetManual(ctx, m.TeamID, m.ID, *in.Status, deref2(in.StatusReason)); err != nil {
			return m, manualError(err)
		}
	}
	s.monitors.engine.Reload(ctx, m.ID)
	return s.store.MonitorByID(ctx, m.TeamID, m.ID)
}

// apiMonitorDelete deletes a monitor with its history.
func (s *Server) apiMonitorDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	if err := s.store.DeleteMonitor(c.Request().Context(), m.TeamID, m.ID); err != nil {
		return err
	}
	s.monitors.engine.Reload(c.Request().Context(), m.ID)
	return c.NoContent(http.StatusNoContent)
}

// apiMonitorPause and apiMonitorResume stop and restart checking.
func (s *Server) apiMonitorPause(c echo.Context) error  { return s.apiSetEnabled(c, false) }
func (s *Server) apiMonitorResume(c echo.Context) error { return s.apiSetEnabled(c, true) }

func (s *Server) apiSetEnabled(c echo.Context, on bool) error {
	m, err := s.setEnabled(c, on)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.monitorOut(c, m))
}

func (s *Server) setEnabled(c echo.Context, on bool) (store.Monitor, error) {
	if err := need(c, store.RoleMember); err != nil {
		return store.Monitor{}, err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return m, err
	}
	ctx := c.Request().Context()
	if err := s.store.SetMonitorEnabled(ctx, m.TeamID, m.ID, on); err != nil {
		return m, err
	}
	s.monitors.engine.Reload(ctx, m.ID)
	return s.store.MonitorByID(ctx, m.TeamID, m.ID)
}

// apiMonitorCheck asks for a check right away (202).
func (s *Server) apiMonitorCheck(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	if err := s.checkNow(m); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, s.monitorOut(c, m))
}

func (s *Server) checkNow(m store.Monitor) error {
	switch {
	case !m.Enabled:
		return conflict("enabled", "the monitor is paused; resume it first")
	case m.Type == "push" || m.Type == "manual":
		return conflict("type", "%s monitors are not checked by Bit Wobbly", m.Type)
	}
	s.monitors.engine.CheckNow(m.ID)
	return nil
}

// resultJSON is one check result.
type resultJSON struct {
	CheckedAt time.Time `json:"checked_at"`
	Status    string    `json:"status"`
	LatencyMS *int64    `json:"latency_ms"`
	Reason    string    `json:"reason"`
}

func resultStatus(code int) string {
	switch code {
	case store.ResultUp:
		return checks.StatusUp
	case store.ResultDegraded:
		return checks.StatusDegraded
	}
	return checks.StatusDown
}

// apiMonitorResults lists raw results newest first (from/to optional).
func (s *Server) apiMonitorResults(c echo.Context) error {
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	from, to, err := timeRange(c, time.Unix(0, 0), time.Now().Add(time.Minute))
	if err != nil {
		return err
	}
	var before int64
	if p.Cursor != "" {
		if before, err = p.IDCursor(); err != nil {
			return err
		}
	}
	rs, err := s.store.Results(c.Request().Context(), m.ID, from.UnixMilli(), to.UnixMilli(), before, p.Limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(rs) > p.Limit {
		rs = rs[:p.Limit]
		next = makeIDCursor(rs[len(rs)-1].CheckedAt)
	}
	out := make([]resultJSON, 0, len(rs))
	for _, r := range rs {
		j := resultJSON{CheckedAt: store.Time(r.CheckedAt), Status: resultStatus(r.Status), Reason: r.Reason}
		if r.LatencyMS >= 0 {
			l := r.LatencyMS
			j.LatencyMS = &l
		}
		out = append(out, j)
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

// timeRange reads from and to (RFC 3339 or Unix seconds).
func timeRange(c echo.Context, defFrom, defTo time.Time) (time.Time, time.Time, error) {
	from, err := parseTimeParam(c.QueryParam("from"), defFrom)
	if err != nil {
		return from, defTo, badRequest("from", "from: must be an RFC 3339 time or Unix seconds from 1970 to 9999")
	}
	to, err := parseTimeParam(c.QueryParam("to"), defTo)
	if err != nil {
		return from, to, badRequest("to", "to: must be an RFC 3339 time or Unix seconds from 1970 to 9999")
	}
	if !to.After(from) {
		return from, to, badRequest("to", "to: must be after from")
	}
	return from, to, nil
}

// Times given to from and to lie between the Unix epoch and the end of
// year 9999 (what RFC 3339 can write).
var (
	minTimeParam = time.Unix(0, 0)
	maxTimeParam = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

func parseTimeParam(v string, def time.Time) (time.Time, error) {
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < minTimeParam.Unix() || n > maxTimeParam.Unix() {
			return def, errors.New("not a time")
		}
		t = time.Unix(n, 0)
	}
	if t.Before(minTimeParam) || t.After(maxTimeParam) {
		return def, errors.New("out of range")
	}
	return t, nil
}

// apiMonitorUptime answers the uptime over from..to (default 24 h).
func (s *Server) apiMonitorUptime(c echo.Context) error {
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	now := time.Now()
	from, to, err := timeRange(c, now.Add(-24*time.Hour), now)
	if err != nil {
		return err
	}
	u, err := s.monitors.rollups.Uptime(c.Request().Context(), m.ID, from, to)
	if err != nil {
		return err
	}
	var pct any
	if u.Checks > 0 {
		pct = roundTo(u.Percent(), 4)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"monitor_id": m.ID, "from": from.UTC(), "to": to.UTC(), "uptime_percent": pct, "checks": u.Checks,
		"failures": u.Failures, "degraded": u.Degraded, "downtime_seconds": u.DowntimeS,
	})
}

func roundTo(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}
