package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func renderPublic(t *testing.T, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A group of one component says "1 component", not "1 components".
func TestStatusPageGroupCountSingular(t *testing.T) {
	p := PublicPage{Title: "Acme", Name: "Acme", Base: "/status/acme"}
	v := StatusView{Banner: "All Systems Operational", BannerClass: "up", Groups: []ComponentGroup{
		{Name: "Infrastructure", Status: "Operational", Class: "up", AllFine: true,
			Components: []ComponentRow{{ID: 1, Name: "Database", Status: "Operational", Class: "up"}}},
		{Name: "Core", Status: "Operational", Class: "up", AllFine: true, Components: []ComponentRow{
			{ID: 2, Name: "API", Status: "Operational", Class: "up"},
			{ID: 3, Name: "Web", Status: "Operational", Class: "up"}}},
	}}
	html := renderPublic(t, StatusPublicPage(p, v))
	if strings.Contains(html, "1 components") || !strings.Contains(html, "1 component") ||
		!strings.Contains(html, "2 components") {
		t.Fatalf("group counts are not pluralised right:\n%s", html)
	}
}

// A resolved incident names the components it affected without showing
// their outage as if it were still going on.
func TestStatusPageResolvedIncidentAffected(t *testing.T) {
	p := PublicPage{Title: "Acme", Name: "Acme", Base: "/status/acme"}
	in := IncidentCard{ID: 1, Title: "API is down", Impact: "major", ImpactText: "Major impact",
		Started: "Dec 4, 2026 18:51 CET", Resolved: "Dec 4, 2026 18:54 CET", Duration: "2 min",
		Components: []ComponentLabel{{Name: "Public API", Status: "Major outage", Class: "down"}}}
	html := renderPublic(t, IncidentPublicPage(p, in))
	if strings.Contains(html, "Public API: Major outage") || !strings.Contains(html, "This incident affected:") ||
		!strings.Contains(html, "Public API") {
		t.Fatalf("resolved incident shows a current outage:\n%s", html)
	}
	in.Resolved = ""
	html = renderPublic(t, IncidentPublicPage(p, in))
	if !strings.Contains(html, "Public API: Major outage") {
		t.Fatalf("open incident lost its component status:\n%s", html)
	}
}
