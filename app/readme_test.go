package app

import (
	"os"
	"strings"
	"testing"
)

// TestEverySettingIsDocumented: each flag and its environment variable
// appear in the README's configuration table.
func TestEverySettingIsDocumented(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, s := range settings {
		if !strings.Contains(readme, "`--"+s.name+"`") || !strings.Contains(readme, s.env()) {
			t.Errorf("README's configuration table lacks --%s / %s", s.name, s.env())
		}
		if s.secret && !strings.Contains(readme, s.env()+"` (`_FILE`)") &&
			!strings.Contains(readme, s.env()+"` (`_FILE`") {
			t.Errorf("README does not say %s also has a _FILE variant", s.env())
		}
	}
}
