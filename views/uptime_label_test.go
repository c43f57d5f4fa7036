package views

import "testing"

func TestUptimeLabel(t *testing.T) {
	for in, want := range map[string]string{"99.95%": "99.95% uptime", "no data": "no data", "": "no data"} {
		if got := UptimeLabel(in); got != want {
			t.Errorf("UptimeLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
