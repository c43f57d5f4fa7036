package app

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/views"
)

// TestChannelPageOffersOnlyWhatTheRoleMayDo: viewers see no "Send test"
// or "Retry" (both answer 403 to them) and no advice on keeping secrets
// they cannot change; members do see "Send test" and "Retry".
func TestChannelPageOffersOnlyWhatTheRoleMayDo(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	hook.mu.Lock()
	hook.status = 401
	hook.mu.Unlock()
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "Ops", "type": "webhook",
		"config": map[string]any{"url": hook.URL}}, 201)
	id := itoa(int64(ch["id"].(float64)))
	e.apiJSON("POST", "/api/v1/channels/"+id+"/test", nil, 200)
	e.addMember(e.TeamID, "viewer@example.com", "viewer")
	e.addMember(e.TeamID, "member@example.com", "member")

	_, body := e.browser("viewer@example.com").get("/alerts/channels/" + id)
	if !strings.Contains(body, "Delivery log") {
		t.Fatal("viewer: no delivery log")
	}
	if strings.Contains(body, "/alerts/channels/"+id+"/test") || strings.Contains(body, "/retry") ||
		strings.Contains(body, "keep the saved value") {
		t.Fatalf("viewer is offered what they may not do:\n%s", regexp1(`(?s)<main[^>]*>(.*)</main>`, body))
	}
	_, body = e.browser("member@example.com").get("/alerts/channels/" + id)
	if !strings.Contains(body, "/alerts/channels/"+id+"/test") || !strings.Contains(body, "/retry") {
		t.Fatal("member is not offered Send test and Retry")
	}
}

// TestDeliveryLogSaysQueuedNotRetrying: a delivery never tried yet reads
// "queued", and one past its due time says it waits for earlier messages
// rather than "next try 5 min ago".
func TestDeliveryLogSaysQueuedNotRetrying(t *testing.T) {
	now := time.Now()
	v := views.ChannelFormView{ID: 1, Type: "webhook", TypeLabel: "Webhook", Name: "Ops", Deliveries: []views.DeliveryRow{
		{ID: 3, Title: "Still down", Kind: "reminder", Status: "pending", Created: now.Add(-5 * time.Minute),
			NextAttempt: now.Add(-5 * time.Minute)},
		{ID: 2, Title: "Summary", Kind: "summary", Status: "pending", Created: now, NextAttempt: now.Add(20 * time.Second)},
		{ID: 1, Title: "Down", Kind: "monitor_down", Status: "pending", Attempts: 2, Created: now.Add(-6 * time.Minute),
			NextAttempt: now.Add(time.Minute)},
	}}
	var buf bytes.Buffer
	if err := views.ChannelFormPage(views.Shell{Role: "owner"}, v).Render(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if strings.Count(html, ">queued<") != 2 || strings.Count(html, ">retrying<") != 1 {
		t.Fatalf("queued/retrying pills wrong:\n%s", html)
	}
	if strings.Count(html, "earlier messages to this channel go first") != 1 || !strings.Contains(html, "sends <time") ||
		strings.Count(html, "next try") != 1 {
		t.Fatalf("due times explained wrongly:\n%s", html)
	}
}

// TestChannelFormSpeaksOfSavedSecretsOnlyWhenThereAreSome: an e-mail
// channel without a Resend key or SMTP password does not tell people to
// "leave ******** to keep the saved value".
func TestChannelFormSpeaksOfSavedSecretsOnlyWhenThereAreSome(t *testing.T) {
	e := notifyEnv(t)
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "Mail", "type": "email",
		"config": map[string]any{"to": "ops@example.com"}}, 201)
	b := e.browser(e.Email)
	_, body := b.get("/alerts/channels/" + itoa(int64(ch["id"].(float64))))
	if !strings.Contains(body, "Stored encrypted.") || strings.Contains(body, "keep the saved value") {
		t.Fatalf("e-mail channel without secrets:\n%s", regexp1(`(?s)<main[^>]*>(.*)</main>`, body))
	}
	e.apiJSON("PATCH", "/api/v1/channels/"+itoa(int64(ch["id"].(float64))), map[string]any{
		"config": map[string]any{"to": "ops@example.com", "transport": "smtp", "smtp_host": "mail.example.com",
			"smtp_password": "hunter2"}}, 200)
	_, body = b.get("/alerts/channels/" + itoa(int64(ch["id"].(float64))))
	if strings.Count(body, "keep the saved value") != 1 || strings.Contains(body, "hunter2") {
		t.Fatal("the saved SMTP password is not the one field that says how to keep it")
	}
}

// TestChannelFormShowsTypedSecretsAfterAnError: a secret typed into a form
// that was refused comes back as typed, not as "********" posing as a
// saved value (submitting that again would drop it); saved secrets stay
// masked.
func TestChannelFormShowsTypedSecretsAfterAnError(t *testing.T) {
	e := notifyEnv(t)
	hook := newHookReceiver(t)
	b := e.browser(e.Email)
	code, body := b.post("/alerts/channels", url.Values{"type": {"webhook"}, "name": {"Ops"}, "enabled": {"1"},
		"cfg_url": {hook.URL}, "cfg_secret": {"abc"}, "cfg_headers": {"X-Team: ops"}})
	if code != 400 || !strings.Contains(body, `value="abc"`) || !strings.Contains(body, "X-Team: ops") ||
		strings.Contains(body, "keep the saved value") {
		t.Fatalf("refused new channel: %d\n%s", code, regexp1(`(?s)<main[^>]*>(.*)</main>`, body))
	}
	ch := e.apiJSON("POST", "/api/v1/channels", map[string]any{"name": "Mail", "type": "email",
		"config": map[string]any{"to": "ops@example.com", "transport": "smtp", "smtp_host": "mail.example.com",
			"smtp_password": "hunter2"}}, 201)
	id := itoa(int64(ch["id"].(float64)))
	code, body = b.post("/alerts/channels/"+id, url.Values{"name": {"Mail"}, "enabled": {"1"},
		"cfg_to": {"not an address"}, "cfg_transport": {"smtp"}, "cfg_smtp_host": {"mail.example.com"},
		"cfg_smtp_password": {secretMask}, "cfg_resend_api_key": {"re_new"}})
	if code != 400 || strings.Contains(body, "hunter2") || !strings.Contains(body, `value="re_new"`) ||
		strings.Count(body, "keep the saved value") != 1 {
		t.Fatalf("refused edit: %d\n%s", code, regexp1(`(?s)<main[^>]*>(.*)</main>`, body))
	}
}
