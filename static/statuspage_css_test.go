package static

import (
	"strings"
	"testing"
)

// Links on a dark status page are drawn in a lightened brand colour: a
// team's brand colour (and the default indigo) is too dark to read as text
// on the dark background.
func TestStatusPageDarkLinksAreLightened(t *testing.T) {
	b, err := files.ReadFile("statuspage.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	if !strings.Contains(css, ".sp a { color: var(--link);") {
		t.Fatal("links do not use --link")
	}
	dark := 0
	for _, block := range strings.Split(css, "}") {
		if strings.Contains(block, "--bg: #0f1115") {
			dark++
			if !strings.Contains(block, "--link: color-mix(in srgb, var(--brand) 60%, #fff)") {
				t.Fatalf("a dark theme block does not lighten links:\n%s", block)
			}
		}
	}
	if dark != 2 {
		t.Fatalf("found %d dark theme blocks, want 2 (system dark and forced dark)", dark)
	}
}

// Several cards in one section (upcoming maintenance) do not touch.
func TestStatusPageStackedCardsHaveSpace(t *testing.T) {
	b, err := files.ReadFile("statuspage.css")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), ".sp-main > section:not(.sp-card) > .sp-card + .sp-card { margin-top:") {
		t.Fatal("stacked cards in a section have no space between them")
	}
}
