package webhook

import (
	"strings"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

// TestHeaderSettings: a header Go's client would refuse at every send is
// refused when the channel is saved instead.
func TestHeaderSettings(t *testing.T) {
	scenarios := []struct {
		name    string
		headers map[string]any
		ok      bool
	}{
		{"plain", map[string]any{"X-Team": "ops", "Authorization": "Bearer abc"}, true},
		{"unicode value", map[string]any{"X-Team": "équipe ☃"}, true},
		{"tab in value", map[string]any{"X-Team": "a\tb"}, true},
		{"unicode name", map[string]any{"X-É": "v"}, false},
		{"parenthesis in name", map[string]any{"X(A)": "v"}, false},
		{"space in name", map[string]any{"X A": "v"}, false},
		{"empty name", map[string]any{"": "v"}, false},
		{"NUL in value", map[string]any{"X-A": "a\x00b"}, false},
		{"line break in value", map[string]any{"X-A": "a\r\nX-Evil: 1"}, false},
		{"DEL in value", map[string]any{"X-A": "a\x7fb"}, false},
		{"reserved", map[string]any{"Webhook-Signature": "v1,x"}, false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			_, err := New(map[string]any{"url": "http://127.0.0.1:9/", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				"headers": sc.headers}, notifytest.Env())
			if (err == nil) != sc.ok {
				t.Fatalf("got %v, want accepted = %v", err, sc.ok)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "headers: ") {
				t.Fatalf("error %q does not name headers", err)
			}
		})
	}
}
