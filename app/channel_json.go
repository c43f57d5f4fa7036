package app

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/store"
)

// secretMask replaces every secret setting in API answers and forms.
const secretMask = "********"

// channelJSON is a channel as the API shows it: secrets masked.
type channelJSON struct {
	ID        int64          `json:"id"`
	Name      string         `json:"name"`
	Type      string         `json:"type"`
	Config    map[string]any `json:"config"`
	Enabled   bool           `json:"enabled"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
	// SigningSecret is shown once, when the server generated it.
	SigningSecret string `json:"signing_secret,omitempty"`
}

func (s *Server) channelOut(c notify.Channel) channelJSON {
	return channelJSON{ID: c.ID, Name: c.Name, Type: c.Type, Config: s.maskConfig(c), Enabled: c.Enabled,
		CreatedAt: store.Time(c.CreatedAt), UpdatedAt: store.Time(c.UpdatedAt)}
}

// maskConfig copies a channel's settings with every secret masked.
func (s *Server) maskConfig(c notify.Channel) map[string]any {
	t, _ := s.notifier.TypeOf(c.Type)
	out := make(map[string]any, len(c.Config))
	for k, v := range c.Config {
		if !t.Secret(k) {
			out[k] = v
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			m := make(map[string]any, len(x))
			for hk := range x {
				m[hk] = secretMask
			}
			out[k] = m
		case string:
			if x != "" {
				out[k] = secretMask
			} else {
				out[k] = ""
			}
		case nil:
			out[k] = nil
		default:
			out[k] = secretMask
		}
	}
	return out
}

// mergeChannelConfig applies changed settings over old ones: a masked value
// keeps the old secret, null removes a setting.
func mergeChannelConfig(old, changes map[string]any) map[string]any {
	out := make(map[string]any, len(old))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range changes {
		switch x := v.(type) {
		case nil:
			delete(out, k)
		case string:
			if x != secretMask {
				out[k] = x
			}
		case map[string]any:
			prev, _ := old[k].(map[string]any)
			m := make(map[string]any, len(x))
			for hk, hv := range x {
				if hv == secretMask && prev != nil {
					if pv, ok := prev[hk]; ok {
						m[hk] = pv
						continue
					}
				}
				m[hk] = hv
			}
			out[k] = m
		default:
			out[k] = v
		}
	}
	return out
}

// notifyFieldError turns a channel or rule validation error into a 400 naming
// the field (config settings as config.<key>).
func notifyFieldError(err error, prefix string) error {
	var fe *notify.FieldError
	if errors.As(err, &fe) {
		field := fe.Field
		if prefix != "" && field != "type" && field != "channel_ids" {
			field = prefix + field
		}
		return badRequest(field, "%s: %s", field, fe.Message)
	}
	return err
}

func notifyValidName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 100 {
		return badRequest("name", "name: give a name of at most 100 characters")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return badRequest("name", "name: must be text without control characters")
	}
	return nil
}

// maxChannelConfig bounds a channel's settings as JSON.
const maxChannelConfig = 16 << 10

// checkChannelKeys refuses settings a channel type does not have (null,
// which removes a setting, is allowed when nullOK) and settings too large
// to be real.
func checkChannelKeys(t notify.Type, cfg map[string]any, nullOK bool) error {
	known := make([]string, 0, len(t.Fields))
	for _, f := range t.Fields {
		known = append(known, f.Key)
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(known, k) || (nullOK && cfg[k] == nil) {
			continue
		}
		return badRequest("config."+k, "config.%s: is not a setting of %s channels (settings: %s)", k, t.Name,
			strings.Join(known, ", "))
	}
	if raw, err := json.Marshal(cfg); err == nil && len(raw) > maxChannelConfig {
		return badRequest("config", "config: settings take %d KiB; at most %d KiB", len(raw)>>10, maxChannelConfig>>10)
	}
	return nil
}

// typeList is the channel type names, for messages.
func (s *Server) typeList() string {
	names := s.notifier.TypeNames()
	sort.Strings(names)
	return strings.Join(names, ", ")
}
