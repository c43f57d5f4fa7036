package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAlertsRuleFormShowsThresholdOnlyWhereUsed: the rule form shows N
// and Window only for the triggers that use them (static/alerts.js).
func TestAlertsRuleFormShowsThresholdOnlyWhereUsed(t *testing.T) {
	srv := startServer(t, serverOptions{})
	b := newBrowser(t, browserOptions{})
	b.SignIn(t, srv, ownerEmail, ownerPassword)
	b.Open(t, srv.URL+"/alerts/rules/new")
	b.Run(t, chromedp.WaitVisible(chromedp.CSS("#r-trigger")))
	visible := func(id string) bool {
		return get(t, b, chromedp.Evaluate[bool](`(function(){var e=document.getElementById("`+id+
			`");return e.offsetParent!==null})()`))
	}
	pick := func(trigger string) {
		get(t, b, chromedp.Evaluate[bool](`(function(){var s=document.getElementById("r-trigger");s.value="`+
			trigger+`";s.dispatchEvent(new Event("change",{bubbles:true}));return true})()`))
	}
	for _, c := range []struct {
		trigger           string
		threshold, window bool
	}{
		{"", false, false}, // the default, monitor_down
		{"issue_frequency", true, true},
		{"issue_users", true, true},
		{"certificate_expiring", true, false},
		{"heartbeat_missed", false, false},
	} {
		if c.trigger != "" {
			pick(c.trigger)
		}
		if got := visible("r-threshold"); got != c.threshold {
			t.Errorf("%q: N visible = %v, want %v", c.trigger, got, c.threshold)
		}
		if got := visible("r-window"); got != c.window {
			t.Errorf("%q: Window visible = %v, want %v", c.trigger, got, c.window)
		}
	}
	if v := b.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
