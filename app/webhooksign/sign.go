// Package webhooksign signs outgoing webhooks the way the Standard Webhooks
// specification describes: headers webhook-id, webhook-timestamp and
// webhook-signature ("v1," + base64 HMAC-SHA256 of "id.timestamp.body"
// under the secret's decoded bytes). Secrets have the form "whsec_" + base64.
package webhooksign

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Prefix starts every secret.
const Prefix = "whsec_"

// NewSecret returns a random 32-byte secret in whsec_ form.
func NewSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("webhooksign: no randomness: " + err.Error())
	}
	return Prefix + base64.StdEncoding.EncodeToString(b)
}

// Key decodes a whsec_ secret into the HMAC key. It accepts the base64
// part with or without the prefix.
func Key(secret string) ([]byte, error) {
	raw := strings.TrimPrefix(strings.TrimSpace(secret), Prefix)
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) < 16 || len(key) > 64 {
		return nil, errors.New("webhooksign: secret must be whsec_ followed by base64 of 16 to 64 bytes")
	}
	return key, nil
}

// Signature computes "v1,<base64>" for a message.
func Signature(key []byte, id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetHeaders adds the three signature headers to h.
func SetHeaders(h http.Header, key []byte, id string, ts time.Time, body []byte) {
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", Signature(key, id, ts, body))
}
