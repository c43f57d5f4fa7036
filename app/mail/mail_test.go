package mail

import (
	"strings"
	"testing"
)

func TestSenderName(t *testing.T) {
	scenarios := []struct{ from, name, want string }{
		{"Bit Wobbly <status@example.com>", "", "Bit Wobbly <status@example.com>"},
		{"Bit Wobbly <status@example.com>", "Acme Status", `"Acme Status" <status@example.com>`},
		{"status@example.com", "Acme", `"Acme" <status@example.com>`},
	}
	for _, sc := range scenarios {
		if got := (Message{FromName: sc.name}).Sender(sc.from); got != sc.want {
			t.Errorf("Sender(%q) with name %q = %q, want %q", sc.from, sc.name, got, sc.want)
		}
	}
	if got := (Message{FromName: "Ünïcode\r\nBcc: x@y"}).Sender("status@example.com"); strings.ContainsAny(got, "\r\n") ||
		!strings.HasPrefix(got, "=?utf-8?") {
		t.Errorf("a name with line breaks or non-ASCII is not encoded: %q", got)
	}
	raw := string(Render(Message{FromName: "Acme"}.Sender("ops@example.com"), Message{To: "a@example.com", Text: "x"}))
	if !strings.HasPrefix(raw, "From: \"Acme\" <ops@example.com>\r\n") {
		t.Errorf("rendered From: %q", raw[:40])
	}
}
