package app

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/checks"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// monitorNew shows the create form with sensible defaults.
func (s *Server) monitorNew(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	typ := c.QueryParam("type")
	if typ == "" {
		typ = "http"
	}
	vals := map[string]string{"type": typ, "interval_seconds": "60", "timeout_seconds": "10",
		"failure_threshold": "1", "recovery_threshold": "1", "confirm_recheck": "on", "method": "GET",
		"follow_redirects": "on", "max_redirects": "10", "verify_tls": "on", "max_body_bytes": "1048576",
		"cert_warn_days": "14", "record_type": "A", "dns_protocol": "udp", "expect_rcode": "NOERROR",
		"expect_mode": "contains_all", "ping_count": "3", "push_timezone": "UTC"}
	return s.renderMonitorForm(c, http.StatusOK, views.MonitorFormView{Form: views.Form{Values: vals}})
}

func (s *Server) renderMonitorForm(c echo.Context, status int, v views.MonitorFormView) error {
	v.Types, v.Ops, v.Records = checks.Types, checks.JSONOps, checks.DNSRecordTypes
	title := "New monitor"
	if v.ID != 0 {
		title = "Edit " + v.Name
	}
	return render(c, status, views.MonitorFormPage(s.shell(c, title, "monitors"), v))
}

// monitorCreate creates a monitor from the form.
func (s *Server) monitorCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	form, _ := c.FormParams()
	in, err := inputFromForm(form, monitorInput{})
	var m store.Monitor
	if err == nil {
		m, err = s.createMonitor(c, in)
	}
	if err != nil {
		return s.formFailed(c, err, form, views.MonitorFormView{})
	}
	flash(c, "Monitor created.")
	return seeOther(c, "/monitors/"+strconv.FormatInt(m.ID, 10))
}

// monitorEdit shows the edit form filled from the monitor.
func (s *Server) monitorEdit(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	return s.renderMonitorForm(c, http.StatusOK, views.MonitorFormView{ID: m.ID, Name: m.Name,
		Form: views.Form{Values: formValues(m)}, Saved: savedSecrets(m)})
}

// monitorUpdate saves the edit form.
func (s *Server) monitorUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	m, err := s.monitorOf(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	in, err := inputFromForm(form, inputOf(m))
	if err == nil {
		_, err = s.updateMonitor(c, m, in)
	}
	if err != nil {
		return s.formFailed(c, err, form, views.MonitorFormView{ID: m.ID, Name: m.Name, Saved: savedSecrets(m)})
	}
	flash(c, "Monitor saved.")
	return seeOther(c, "/monitors/"+strconv.FormatInt(m.ID, 10))
}

// formFailed shows the form again with the error beside its field.
func (s *Server) formFailed(c echo.Context, err error, form url.Values, v views.MonitorFormView) error {
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		return err
	}
	vals := map[string]string{}
	for k := range form {
		vals[k] = form.Get(k)
	}
	for _, cb := range []string{"confirm_recheck", "follow_redirects", "verify_tls", "keyword_absent",
		"keyword_case_sensitive", "clear_basic_auth_password", "clear_bearer_token"} {
		vals[cb] = lastValue(form, cb)
	}
	field := e.Field
	if strings.HasPrefix(field, "json_assertions.") {
		field = "json_path_1"
		if strings.HasSuffix(e.Field, ".op") {
			field = "json_op_1"
		}
	}
	msg := e.Message
	if _, after, ok := strings.Cut(msg, ": "); ok && e.Field != "" {
		msg = strings.ToUpper(after[:1]) + after[1:]
	}
	v.Form = views.Form{Values: vals, Errors: map[string]string{field: msg}}
	if field == "" || !formHasField(field) {
		v.Form.Error = e.Message
	}
	return s.renderMonitorForm(c, http.StatusBadRequest, v)
}

// itoaPtr shows an optional number ("" when not set).
func itoaPtr(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func formHasField(f string) bool {
	switch f {
	case "json_assertions", "status", "enabled":
		return false
	}
	return true
}

// lastValue reads a checkbox sent as a hidden "off" followed by "on".
func lastValue(form url.Values, name string) string {
	vs := form[name]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// inputFromForm overlays the form's fields on in.
func inputFromForm(form url.Values, in monitorInput) (monitorInput, error) {
	str := func(name string) *string {
		if _, ok := form[name]; !ok {
			return nil
		}
		v := strings.TrimSpace(form.Get(name))
		return &v
	}
	var err error
	num := func(name string, dst **int) {
		p := str(name)
		if p == nil || err != nil {
			return
		}
		if *p == "" {
			*dst = nil
			return
		}
		n, e := strconv.Atoi(*p)
		if e != nil {
			err = badRequest(name, "%s: must be a whole number", name)
			return
		}
		*dst = &n
	}
	boolean := func(name string) *bool {
		if _, ok := form[name]; !ok {
			return nil
		}
		v := lastValue(form, name) == "on"
		return &v
	}
	in.Name, in.Type, in.Description = str("name"), str("type"), str("description")
	if in.Type != nil && *in.Type == "http" {
		in.URL, in.Target = str("url"), nil
	} else {
		in.Target, in.URL = str("target"), nil
	}
	num("interval_seconds", &in.IntervalSeconds)
	num("timeout_seconds", &in.TimeoutSeconds)
	num("failure_threshold", &in.FailureThreshold)
	num("recovery_threshold", &in.RecoveryThreshold)
	if b := boolean("confirm_recheck"); b != nil {
		in.ConfirmRecheck = b
	}
	if p := str("tags"); p != nil {
		tags := splitList(*p)
		in.Tags = &tags
	}
	if err != nil {
		return in, err
	}
	err = configFromForm(form, &in.Config, str, boolean)
	return in, err
}

func configFromForm(form url.Values, c *checks.Config, str func(string) *string, boolean func(string) *bool) error {
	var err error
	intField := func(name string, dst *int) {
		p := str(name)
		if p == nil || err != nil {
			return
		}
		if *p == "" {
			*dst = 0
			return
		}
		n, e := strconv.Atoi(*p)
		if e != nil {
			err = badRequest(name, "%s: must be a whole number", name)
			return
		}
		*dst = n
	}
	text := func(name string, dst *string) {
		if p := str(name); p != nil {
			*dst = *p
		}
	}
	text("method", &c.Method)
	if p := str("headers"); p != nil {
		c.Headers = nil
		for _, line := range strings.Split(*p, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return badRequest("headers", "headers: %q is not \"Name: value\"", line)
			}
			if c.Headers == nil {
				c.Headers = map[string]string{}
			}
			c.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if p := str("body"); p != nil {
		c.Body = form.Get("body")
	}
	text("basic_auth_user", &c.BasicAuthUser)
	if b := boolean("clear_basic_auth_password"); b != nil && *b {
		c.BasicAuthPassword = ""
	}
	if p := str("basic_auth_password"); p != nil && *p != "" {
		c.BasicAuthPassword = *p
	}
	if b := boolean("clear_bearer_token"); b != nil && *b {
		c.BearerToken = ""
	}
	if p := str("bearer_token"); p != nil && *p != "" {
		c.BearerToken = *p
	}
	if p := str("accepted_status_codes"); p != nil {
		c.AcceptedStatusCodes = splitList(*p)
	}
	if b := boolean("follow_redirects"); b != nil {
		c.FollowRedirects = b
	}
	if b := boolean("verify_tls"); b != nil {
		c.VerifyTLS = b
	}
	intField("max_redirects", &c.MaxRedirects)
	if p := str("max_body_bytes"); p != nil && err == nil {
		n, e := strconv.ParseInt(*p, 10, 64)
		if *p != "" && e != nil {
			return badRequest("max_body_bytes", "max_body_bytes: must be a whole number")
		}
		c.MaxBodyBytes = n
	}
	text("keyword", &c.Keyword)
	if b := boolean("keyword_absent"); b != nil {
		c.KeywordAbsent = *b
	}
	if b := boolean("keyword_case_sensitive"); b != nil {
		c.KeywordCaseSensitive = *b
	}
	if _, ok := form["json_path_1"]; ok {
		c.JSONAssertions = nil
		for _, i := range []string{"1", "2", "3"} {
			path := strings.TrimSpace(form.Get("json_path_" + i))
			if path == "" {
				continue
			}
			c.JSONAssertions = append(c.JSONAssertions, checks.JSONAssertion{Path: path,
				Op: form.Get("json_op_" + i), Value: form.Get("json_value_" + i)})
		}
	}
	intField("degraded_latency_ms", &c.DegradedLatencyMS)
	if p := str("cert_warn_days"); p != nil && err == nil {
		if *p == "" {
			c.CertWarnDays = nil
		} else if n, e := strconv.Atoi(*p); e != nil {
			return badRequest("cert_warn_days", "cert_warn_days: must be a whole number")
		} else {
			c.CertWarnDays = &n
		}
	}
	text("record_type", &c.RecordType)
	text("dns_server", &c.DNSServer)
	text("dns_protocol", &c.DNSProtocol)
	if p := str("expect"); p != nil {
		c.Expect = splitList(*p)
	}
	text("expect_mode", &c.ExpectMode)
	if p := str("expect_count"); p != nil {
		c.ExpectCount = nil
		if *p != "" {
			n, e := strconv.Atoi(*p)
			if e != nil {
				return badRequest("expect_count", "expect_count: must be a whole number")
			}
			c.ExpectCount = &n
		}
	}
	text("expect_rcode", &c.ExpectRcode)
	text("send", &c.Send)
	text("expect_reply", &c.ExpectReply)
	intField("ping_count", &c.PingCount)
	if p := str("max_loss_percent"); p != nil {
		c.MaxLossPercent = nil
		if *p != "" {
			f, e := strconv.ParseFloat(*p, 64)
			if e != nil {
				return badRequest("max_loss_percent", "max_loss_percent: must be a number")
			}
			c.MaxLossPercent = &f
		}
	}
	text("push_cron", &c.PushCron)
	text("push_timezone", &c.PushTimezone)
	intField("grace_seconds", &c.GraceSeconds)
	intField("max_run_seconds", &c.MaxRunSeconds)
	if len(c.Expect) == 0 {
		c.ExpectMode = ""
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// savedSecrets names the secret settings of m that hold a value.
func savedSecrets(m store.Monitor) map[string]bool {
	c := checks.ParseConfig(m.Config)
	return map[string]bool{"basic_auth_password": c.BasicAuthPassword != "", "bearer_token": c.BearerToken != ""}
}

// formValues fills the edit form from a monitor.
func formValues(m store.Monitor) map[string]string {
	c := checks.ParseConfig(m.Config)
	onOff := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	itoa0 := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	v := map[string]string{"name": m.Name, "type": m.Type, "interval_seconds": strconv.Itoa(m.IntervalSeconds),
		"timeout_seconds": strconv.Itoa(m.TimeoutSeconds), "failure_threshold": strconv.Itoa(m.FailureThreshold),
		"recovery_threshold": strconv.Itoa(m.RecoveryThreshold), "confirm_recheck": onOff(m.ConfirmRecheck),
		"description": m.Description, "tags": strings.Join(m.Tags, ", "), "method": c.Method, "body": c.Body,
		"basic_auth_user": c.BasicAuthUser, "accepted_status_codes": strings.Join(c.AcceptedStatusCodes, ", "),
		"follow_redirects": onOff(c.FollowRedirects == nil || *c.FollowRedirects),
		"verify_tls":       onOff(c.VerifyTLS == nil || *c.VerifyTLS), "max_redirects": itoa0(c.MaxRedirects),
		"max_body_bytes": strconv.FormatInt(c.MaxBodyBytes, 10), "keyword": c.Keyword,
		"keyword_absent": onOff(c.KeywordAbsent), "keyword_case_sensitive": onOff(c.KeywordCaseSensitive),
		"degraded_latency_ms": itoa0(c.DegradedLatencyMS), "cert_warn_days": itoaPtr(c.CertWarnDays),
		"record_type": c.RecordType, "dns_server": c.DNSServer, "dns_protocol": c.DNSProtocol,
		"expect": strings.Join(c.Expect, ", "), "expect_mode": c.ExpectMode, "expect_rcode": c.ExpectRcode,
		"send": c.Send, "expect_reply": c.ExpectReply, "ping_count": itoa0(c.PingCount),
		"push_cron": c.PushCron, "push_timezone": c.PushTimezone, "grace_seconds": itoa0(c.GraceSeconds),
		"max_run_seconds": itoa0(c.MaxRunSeconds)}
	if m.Type == "http" {
		v["url"] = m.Target
	} else {
		v["target"] = m.Target
	}
	var hs []string
	for k, val := range c.Headers {
		hs = append(hs, k+": "+val)
	}
	v["headers"] = strings.Join(hs, "\n")
	if c.ExpectCount != nil {
		v["expect_count"] = strconv.Itoa(*c.ExpectCount)
	}
	if c.MaxLossPercent != nil {
		v["max_loss_percent"] = strconv.FormatFloat(*c.MaxLossPercent, 'f', -1, 64)
	}
	for i, a := range c.JSONAssertions {
		if i >= 3 {
			break
		}
		n := strconv.Itoa(i + 1)
		v["json_path_"+n], v["json_op_"+n], v["json_value_"+n] = a.Path, a.Op, a.Value
	}
	return v
}
