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
