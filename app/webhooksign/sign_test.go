package webhooksign

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"
	"time"
)

// TestSignatureMatchesAnIndependentComputation recomputes the signature
// from the specification's recipe without using this package's code.
func TestSignatureMatchesAnIndependentComputation(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	key, err := base64.StdEncoding.DecodeString("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"test": 2432232314}`)
	ts := time.Unix(1614265330, 0)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330." + string(body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))

	k, err := Key(secret)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	SetHeaders(h, k, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body)
	if got := h.Get("webhook-signature"); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	if h.Get("webhook-timestamp") != "1614265330" || h.Get("webhook-id") != "msg_p5jXN8AQM9LWM0D4loKWxJek" {
		t.Fatalf("headers %v", h)
	}
}

func TestKeyRefusesGarbage(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_!!!", "whsec_YQ=="} {
		if _, err := Key(s); err == nil {
			t.Errorf("Key(%q) accepted", s)
		}
	}
	if _, err := Key(NewSecret()); err != nil {
		t.Fatal(err)
	}
}
