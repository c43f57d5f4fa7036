package views

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func renderString(t *testing.T, render func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := render(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMonitorSparklineDrawsLoneValues(t *testing.T) {
	lone := make([]int64, 48)
	for i := range lone {
		lone[i] = -1
	}
	lone[47] = 12
	svg := renderString(t, func(b *bytes.Buffer) error {
		return MonitorSparkline(lone, "x").Render(context.Background(), b)
	})
	if strings.Count(svg, "<polyline") != 1 {
		t.Fatalf("a monitor with one half hour of data draws nothing: %s", svg)
	}
	if !strings.Contains(svg, `points="118.0,2.0 120.0,2.0"`) {
		t.Errorf("lone value at the right edge is not a tick inside the chart: %s", svg)
	}

	gaps := []int64{5, -1, 7, 8, -1, -1}
	svg = renderString(t, func(b *bytes.Buffer) error {
		return MonitorSparkline(gaps, "x").Render(context.Background(), b)
	})
	if strings.Count(svg, "<polyline") != 2 {
		t.Errorf("want a tick for the first value and a line for the next two: %s", svg)
	}

	empty := []int64{-1, -1, -1}
	svg = renderString(t, func(b *bytes.Buffer) error {
		return MonitorSparkline(empty, "x").Render(context.Background(), b)
	})
	if strings.Contains(svg, "<polyline") {
		t.Errorf("no data draws a line: %s", svg)
	}
}

func TestMonitorFormSecretHelp(t *testing.T) {
	render := func(v MonitorFormView) string {
		return renderString(t, func(b *bytes.Buffer) error {
			return MonitorFormPage(Shell{}, v).Render(context.Background(), b)
		})
	}
	page := render(MonitorFormView{Form: Form{Values: map[string]string{"type": "http"}}})
	if strings.Contains(page, "keep") || strings.Contains(page, "clear_basic_auth_password") {
		t.Errorf("a new monitor speaks of a saved secret")
	}
	page = render(MonitorFormView{ID: 3, Form: Form{Values: map[string]string{"type": "http"}},
		Saved: map[string]bool{"bearer_token": true}})
	if !strings.Contains(page, `name="clear_bearer_token"`) || strings.Contains(page, `name="clear_basic_auth_password"`) {
		t.Errorf("edit form offers to remove the wrong secrets")
	}
	if strings.Count(page, "Leave empty to keep it.") != 1 {
		t.Errorf("only the saved secret says it is kept")
	}
}

func TestMonitorScheduleStat(t *testing.T) {
	for _, c := range []struct {
		v                  MonitorView
		label, value, note string
	}{
		{MonitorView{Type: "http", Interval: 60}, "Interval", "1 min", ""},
		{MonitorView{Type: "push", Interval: 60, PushCron: "30 2 * * *", PushTZ: "Europe/Berlin"}, "Expected (cron)", "30 2 * * *", "Europe/Berlin"},
		{MonitorView{Type: "push", Interval: 300}, "Expected every", "5 min", ""},
		{MonitorView{Type: "manual", Interval: 60}, "Checks", "set by hand", ""},
	} {
		label, value, note := c.v.schedule()
		if label != c.label || value != c.value || note != c.note {
			t.Errorf("%s %q: got %q %q %q, want %q %q %q", c.v.Type, c.v.PushCron, label, value, note, c.label, c.value, c.note)
		}
	}
}
