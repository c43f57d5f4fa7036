package issues

import (
	"bytes"
	"encoding/json"
)

// Envelope is a parsed Sentry envelope: a JSON header line and items.
type Envelope struct {
	Header EnvelopeHeader
	Items  []Item
}

// EnvelopeHeader holds the envelope header fields the server reads.
type EnvelopeHeader struct {
	EventID string `json:"event_id"`
	DSN     string `json:"dsn"`
	SentAt  string `json:"sent_at"`
}

// Item is one envelope item: its header and payload bytes.
type Item struct {
	Type        string
	ContentType string
	Filename    string
	Header      json.RawMessage
	Payload     []byte
}

type itemHeader struct {
	Type        string          `json:"type"`
	Length      json.RawMessage `json:"length"`
	ContentType string          `json:"content_type"`
	Filename    string          `json:"filename"`
}

// ParseEnvelope parses the envelope format: a header line, then items,
// each a header line and a payload that is either length bytes long or
// runs to the next newline. A trailing newline is optional; item types
// are not checked here, so unknown types pass through.
func ParseEnvelope(data []byte) (*Envelope, error) {
	line, rest := cutLine(data)
	if len(bytes.TrimSpace(line)) == 0 {
		return nil, malformed("envelope header is empty")
	}
	env := &Envelope{}
	if err := json.Unmarshal(line, &env.Header); err != nil {
		return nil, malformed("envelope header is not a JSON object: %v", err)
	}
	for len(rest) > 0 {
		line, rest = cutLine(rest)
		if len(bytes.TrimSpace(line)) == 0 {
			if len(bytes.TrimSpace(rest)) == 0 {
				break
			}
			return nil, malformed("empty item header")
		}
		var ih itemHeader
		if err := json.Unmarshal(line, &ih); err != nil {
			return nil, malformed("item header is not a JSON object: %v", err)
		}
		if ih.Type == "" {
			return nil, malformed("item header has no type")
		}
		item := Item{Type: ih.Type, ContentType: ih.ContentType, Filename: ih.Filename,
			Header: append(json.RawMessage(nil), line...)}
		if len(ih.Length) > 0 && string(ih.Length) != "null" {
			var n int64
			if err := json.Unmarshal(ih.Length, &n); err != nil || n < 0 {
				return nil, malformed("item length %s is not a non-negative integer", ih.Length)
			}
			if n > int64(len(rest)) {
				return nil, malformed("item of type %s claims %d bytes, %d left", ih.Type, n, len(rest))
			}
			item.Payload = rest[:n]
			rest = rest[n:]
			if len(rest) > 0 {
				if rest[0] != '\n' {
					return nil, malformed("item of type %s is longer than its length", ih.Type)
				}
				rest = rest[1:]
			}
		} else {
			item.Payload, rest = cutLine(rest)
		}
		env.Items = append(env.Items, item)
	}
	return env, nil
}

// cutLine splits at the first newline, dropping it (and a \r before it).
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}
