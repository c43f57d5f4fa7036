package app

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// channelNew shows the type picker, or the form for ?type=.
func (s *Server) channelNew(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	eng := s.notifier
	t, ok := eng.TypeOf(c.QueryParam("type"))
	if !ok {
		var opts []views.ChannelTypeOption
		for _, t := range eng.Types() {
			opts = append(opts, views.ChannelTypeOption{Name: t.Name, Label: t.Label})
		}
		sort.Slice(opts, func(i, j int) bool { return opts[i].Label < opts[j].Label })
		return render(c, http.StatusOK, views.ChannelTypePicker(s.shell(c, "Add channel", "alerts"), opts))
	}
	v := views.ChannelFormView{Type: t.Name, TypeLabel: t.Label, Enabled: true, CanManage: true,
		Fields: channelFormFields(t, notify.Channel{Config: map[string]any{}})}
	return render(c, http.StatusOK, views.ChannelFormPage(s.shell(c, "Add channel", "alerts"), v))
}

// channelFormFields turns a type's settings into form fields with the
// channel's current values, secrets masked.
func channelFormFields(t notify.Type, ch notify.Channel) []views.ChannelField {
	var out []views.ChannelField
	for _, f := range t.Fields {
		cf := views.ChannelField{Key: f.Key, Label: f.Label, Help: f.Help, Kind: f.Kind, Options: f.Options,
			Required: f.Required, Secret: f.Secret}
		switch v := ch.Config[f.Key].(type) {
		case string:
			cf.Value = v
		case float64:
			cf.Value = strconvF(v)
		case []any:
			var parts []string
			for _, x := range v {
				if s, ok := x.(string); ok {
					parts = append(parts, s)
				}
			}
			cf.Value = strings.Join(parts, ", ")
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var lines []string
			for _, k := range keys {
				val, _ := v[k].(string)
				if f.Secret {
					val = secretMask
				}
				lines = append(lines, k+": "+val)
			}
			cf.Value = strings.Join(lines, "\n")
		}
		if f.Secret && f.Kind != "headers" && cf.Value != "" {
			cf.Value = secretMask
		}
		out = append(out, cf)
	}
	return out
}

// channelFormConfig reads a type's settings from the posted form: empty
// fields are removed, headers are "Name: value" lines.
func channelFormConfig(c echo.Context, t notify.Type) (map[string]any, error) {
	cfg := map[string]any{}
	for _, f := range t.Fields {
		raw := strings.TrimSpace(c.FormValue("cfg_" + f.Key))
		if raw == "" {
			cfg[f.Key] = nil
			continue
		}
		if f.Kind != "headers" {
			cfg[f.Key] = raw
			continue
		}
		h := map[string]any{}
		for _, line := range strings.Split(raw, "\n") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return nil, &notify.FieldError{Field: f.Key, Message: "write one header per line as Name: value"}
			}
			h[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		cfg[f.Key] = h
	}
	return cfg, nil
}

// channelCreate adds a channel from the form.
func (s *Server) channelCreate(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	t, ok := s.notifier.TypeOf(c.FormValue("type"))
	if !ok {
		return badRequest("type", "type: choose a channel type")
	}
	ch := notify.Channel{TeamID: actorOf(c).TeamID, Name: strings.TrimSpace(c.FormValue("name")), Type: t.Name,
		Enabled: c.FormValue("enabled") != ""}
	return s.saveChannelForm(c, t, ch, true)
}

// channelUpdate saves the edit form.
func (s *Server) channelUpdate(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	t, _ := s.notifier.TypeOf(ch.Type)
	ch.Name, ch.Enabled = strings.TrimSpace(c.FormValue("name")), c.FormValue("enabled") != ""
	return s.saveChannelForm(c, t, ch, false)
}

func (s *Server) saveChannelForm(c echo.Context, t notify.Type, ch notify.Channel, isNew bool) error {
	v := views.ChannelFormView{ID: ch.ID, Type: t.Name, TypeLabel: t.Label, Name: ch.Name, Enabled: ch.Enabled,
		CanManage: true, Form: views.Form{Errors: map[string]string{}}}
	changes, err := channelFormConfig(c, t)
	if err == nil {
		old := ch.Config
		if old == nil {
			old = map[string]any{}
		}
		ch.Config = mergeChannelConfig(old, changes)
		if verr := notifyValidName(ch.Name); verr != nil {
			msg := "give a name of at most 100 characters"
			var ae *Error
			if errors.As(verr, &ae) {
				msg = strings.TrimPrefix(ae.Message, "name: ")
			}
			err = &notify.FieldError{Field: "name", Message: msg}
		} else if cerr := checkChannelKeys(t, changes, true); cerr != nil {
			msg := cerr.Error()
			var ae *Error
			if errors.As(cerr, &ae) {
				msg = strings.TrimPrefix(ae.Message, "config: ")
			}
			err = &notify.FieldError{Field: "config", Message: msg}
		}
	}
	var saved notify.Channel
	if err == nil {
		saved, err = s.notifier.SaveChannel(c.Request().Context(), ch)
	}
	var fe *notify.FieldError
	if errors.As(err, &fe) {
		v.Form.Errors[fe.Field] = fe.Message
		if fe.Field == "config" || fe.Field == "type" {
			v.Form.Error = fe.Message
		}
		// The form shows again what was posted: saved secrets came as the
		// mask and stay masked, a secret typed just now is shown so it can
		// be corrected (masking it would pass it off as a saved value and
		// lose it on the next submit).
		v.Fields = channelFormFields(t, notify.Channel{Config: map[string]any{}})
		for i := range v.Fields {
			v.Fields[i].Value = c.FormValue("cfg_" + v.Fields[i].Key)
		}
		return render(c, http.StatusBadRequest, views.ChannelFormPage(s.shell(c, "Channel", "alerts"), v))
	}
	if err != nil {
		return err
	}
	if isNew && saved.Type == "webhook" && c.FormValue("cfg_secret") == "" {
		putChannelNotice(c, channelNotice{teamID: saved.TeamID, channelID: saved.ID, newSecret: true})
	} else {
		flash(c, "Channel saved.")
	}
	return seeOther(c, channelPagePath(saved.ID))
}

// channelShow is a channel's page: settings, test button, delivery log.
func (s *Server) channelShow(c echo.Context) error {
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	n, ok := takeChannelNotice(c, ch.TeamID, ch.ID)
	if !ok {
		return s.renderChannel(c, ch, nil)
	}
	return s.renderChannel(c, ch, func(v *views.ChannelFormView) {
		if n.newSecret {
			v.NewSecret, _ = ch.Config["secret"].(string)
		}
		v.TestResult = n.test
	})
}

func (s *Server) renderChannel(c echo.Context, ch notify.Channel, adjust func(*views.ChannelFormView)) error {
	a := actorOf(c)
	eng := s.notifier
	t, _ := eng.TypeOf(ch.Type)
	v := views.ChannelFormView{ID: ch.ID, Type: ch.Type, TypeLabel: t.Label, Name: ch.Name, Enabled: ch.Enabled,
		CanManage: a.can(store.RoleAdmin), Fields: channelFormFields(t, ch)}
	before := int64(0)
	if b := c.QueryParam("before"); b != "" {
		before, _ = parseInt64(b)
	}
	ds, err := eng.Deliveries(c.Request().Context(), notify.DeliveryQuery{TeamID: a.TeamID, ChannelID: ch.ID,
		Before: before, Limit: 51, WithAttempts: true})
	if err != nil {
		return err
	}
	if len(ds) > 50 {
		ds = ds[:50]
		v.MoreURL = "/alerts/channels/" + itoaID(ch.ID) + "?before=" + itoaID(ds[49].ID)
	}
	v.Deliveries = deliveryRows(ds)
	if adjust != nil {
		adjust(&v)
	}
	return render(c, http.StatusOK, views.ChannelFormPage(s.shell(c, ch.Name, "alerts"), v))
}

// deliveryRows turns deliveries into view rows.
func deliveryRows(ds []notify.Delivery) []views.DeliveryRow {
	var out []views.DeliveryRow
	for _, d := range ds {
		r := views.DeliveryRow{ID: d.ID, Channel: d.ChannelName, Kind: d.Kind, Title: d.Title, Status: d.Status,
			Attempts: d.Attempts, LastError: d.LastError, Created: store.Time(d.CreatedAt), Sent: store.Time(d.SentAt)}
		if d.Status == "pending" {
			r.NextAttempt = store.Time(d.NextAttemptAt)
		}
		for _, a := range d.Log {
			r.Log = append(r.Log, views.AttemptRow{Started: store.Time(a.StartedAt), DurationMS: a.DurationMS,
				StatusCode: a.StatusCode, Response: a.Response, Error: a.Error})
		}
		out = append(out, r)
	}
	return out
}

// channelTest sends a test message and shows the provider's answer.
func (s *Server) channelTest(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	res, sendErr := s.notifier.Test(c.Request().Context(), ch)
	if errors.Is(sendErr, notify.ErrTooManyTests) {
		return testsBusy(c)
	}
	tr := &views.TestResult{OK: sendErr == nil, StatusCode: res.StatusCode, Response: res.Response}
	if sendErr != nil {
		tr.Error = sendErr.Error()
	}
	putChannelNotice(c, channelNotice{teamID: ch.TeamID, channelID: ch.ID, test: tr})
	return seeOther(c, channelPagePath(ch.ID))
}

// channelDelete removes a channel.
func (s *Server) channelDelete(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	ch, err := s.channelOf(c)
	if err != nil {
		return err
	}
	if err := s.notifier.DeleteChannel(c.Request().Context(), ch.TeamID, ch.ID); err != nil {
		return err
	}
	flash(c, "Channel deleted.")
	return seeOther(c, "/alerts")
}

// deliveryRetry sends a failed delivery again.
func (s *Server) deliveryRetry(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = s.notifier.Retry(c.Request().Context(), actorOf(c).TeamID, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("failed delivery")
	}
	if err != nil {
		return err
	}
	flash(c, "Delivery queued again.")
	back := c.Request().Referer()
	if u, err := url.Parse(back); err != nil || !strings.HasPrefix(u.Path, "/alerts") {
		back = "/alerts"
	} else {
		back = u.RequestURI()
	}
	return seeOther(c, back)
}
