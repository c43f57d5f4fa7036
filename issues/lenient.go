package issues

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// The lenient types below accept whatever shape an SDK sends and never
// fail to decode: a value of the wrong type becomes the zero value, so one
// odd field never loses a whole event.

// lstr is a string that also accepts numbers and booleans.
type lstr string

func (s *lstr) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var v string
		if json.Unmarshal(b, &v) == nil {
			*s = lstr(v)
		}
	case 't', 'f':
		*s = lstr(b)
	case 'n':
	case '{', '[':
	default:
		*s = lstr(b)
	}
	return nil
}

// lint is an integer that also accepts floats and numeric strings.
type lint int64

func (n *lint) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = lint(v)
	} else if f, err := strconv.ParseFloat(s, 64); err == nil && f > -1e15 && f < 1e15 {
		*n = lint(f)
	}
	return nil
}

// lbool is a tri-state boolean: unset, true or false.
type lbool struct {
	Set, Val bool
}

func (v *lbool) UnmarshalJSON(b []byte) error {
	switch strings.Trim(string(bytes.TrimSpace(b)), `"`) {
	case "true", "1":
		*v = lbool{true, true}
	case "false", "0":
		*v = lbool{true, false}
	}
	return nil
}

// lstrs is a list of strings from an array of scalars.
type lstrs []string

func (l *lstrs) UnmarshalJSON(b []byte) error {
	var raw []lstr
	if json.Unmarshal(b, &raw) != nil {
		var one lstr
		one.UnmarshalJSON(b)
		if one != "" {
			*l = lstrs{string(one)}
		}
		return nil
	}
	out := make(lstrs, 0, len(raw))
	for _, s := range raw {
		out = append(out, string(s))
	}
	*l = out
	return nil
}

// lobj is any JSON object; anything else decodes to nil.
type lobj map[string]any

func (o *lobj) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if json.Unmarshal(b, &m) == nil {
		*o = m
	}
	return nil
}

// lany is any JSON value.
type lany struct{ V any }

func (a *lany) UnmarshalJSON(b []byte) error {
	json.Unmarshal(b, &a.V)
	return nil
}

// valuesOf reads either {"values":[…]} or a bare […] into raw items.
func valuesOf(b json.RawMessage) []json.RawMessage {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	var list []json.RawMessage
	if b[0] == '[' {
		json.Unmarshal(b, &list)
		return list
	}
	var w struct {
		Values []json.RawMessage `json:"values"`
	}
	if json.Unmarshal(b, &w) == nil {
		return w.Values
	}
	return nil
}

// pairsOf reads an object of scalars or a list of [key, value] pairs.
func pairsOf(b json.RawMessage) [][2]string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	var out [][2]string
	if b[0] == '[' {
		var list []json.RawMessage
		json.Unmarshal(b, &list)
		for _, p := range list {
			var kv []lstr
			if json.Unmarshal(p, &kv) == nil && len(kv) == 2 && kv[0] != "" {
				out = append(out, [2]string{string(kv[0]), string(kv[1])})
			}
		}
		return out
	}
	var m map[string]lstr
	if json.Unmarshal(b, &m) != nil {
		var loose map[string]json.RawMessage
		if json.Unmarshal(b, &loose) != nil {
			return nil
		}
		m = map[string]lstr{}
		for k, v := range loose {
			var s lstr
			s.UnmarshalJSON(v)
			m[k] = s
		}
	}
	for k, v := range m {
		out = append(out, [2]string{k, string(v)})
	}
	sortPairs(out)
	return out
}
