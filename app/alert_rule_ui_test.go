package app

import (
	"strings"
	"testing"
)

// TestRuleFormSaysDownRulesSendRecoveries: the rule form tells people
// that a down rule already sends the recovery, so they do not add a
// "recovers" rule for the same channel and hear every recovery twice.
func TestRuleFormSaysDownRulesSendRecoveries(t *testing.T) {
	e := notifyEnv(t)
	b := e.browser(e.Email)
	code, body := b.get("/alerts/rules/new")
	if code != 200 || !strings.Contains(body, "also send the recovery of what they alerted on") {
		t.Fatalf("rule form: %d, no word on recoveries", code)
	}
}

// TestRuleFormSaysWhenNAndWindowApply: without the script, N and Window
// stay visible with help saying which triggers use them; the script that
// hides them for the others is a static file (the CSP forbids inline
// scripts) and the fields carry the triggers it reads.
func TestRuleFormSaysWhenNAndWindowApply(t *testing.T) {
	e := notifyEnv(t)
	b := e.browser(e.Email)
	code, body := b.get("/alerts/rules/new")
	if code != 200 {
		t.Fatalf("rule form: %d", code)
	}
	for _, want := range []string{
		`data-triggers="certificate_expiring issue_frequency issue_users"`,
		`data-triggers="issue_frequency issue_users"`,
		"data-rule-trigger", "other triggers ignore it",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("rule form lacks %q", want)
		}
	}
	script := regexp1(`<script src="(/static/alerts[^"]*\.js)"`, body)
	if script == "" || strings.Contains(body, "<script>") {
		t.Fatalf("rule form: no alerts.js or an inline script")
	}
	if code, js := b.get(script); code != 200 || !strings.Contains(js, "data-triggers") {
		t.Fatalf("GET %s: %d", script, code)
	}
}
