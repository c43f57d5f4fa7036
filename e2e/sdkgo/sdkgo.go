// Package sdkgo sends a fixed set of errors, messages and a session with
// the real sentry-go SDK; the tests assert the issues this produces.
package sdkgo

import (
	"errors"
	"fmt"
	"time"

	"github.com/getsentry/sentry-go"
)

// LookupError is the error type the fixed set raises for missing users.
type LookupError struct{ ID int }

func (e *LookupError) Error() string { return fmt.Sprintf("user %d not found", e.ID) }

//go:noinline
func findUser(id int) error { return &LookupError{ID: id} }

//go:noinline
func parseConfig() error { return errors.New("config: unexpected end of input") }

// Send reports the fixed set to dsn and waits until it is delivered.
func Send(dsn string) error {
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:              dsn,
		Release:          "go-app@1.0.0",
		Environment:      "e2e",
		AttachStacktrace: true,
		Transport:        sentry.NewHTTPSyncTransport(),
	})
	if err != nil {
		return err
	}
	hub := sentry.NewHub(client, sentry.NewScope())
	hub.Scope().SetUser(sentry.User{ID: "u-1", Email: "one@example.com"})
	hub.Scope().SetTag("side", "server")
	hub.CaptureException(findUser(42))
	hub.Scope().SetUser(sentry.User{ID: "u-2"})
	hub.CaptureException(findUser(43))
	hub.CaptureException(parseConfig())
	hub.WithScope(func(s *sentry.Scope) {
		s.SetLevel(sentry.LevelWarning)
		hub.CaptureMessage("Payment 1234 failed for order 77")
		hub.CaptureMessage("Payment 5678 failed for order 99")
	})
	hub.WithScope(func(s *sentry.Scope) {
		s.SetFingerprint([]string{"go-custom-group"})
		hub.CaptureException(findUser(1))
		hub.CaptureException(parseConfig())
	})
	if !hub.Flush(5 * time.Second) {
		return errors.New("sentry-go: flush timed out")
	}
	return nil
}
