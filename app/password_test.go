package app

import (
	"strings"
	"testing"
)

func TestVerifyPassword(t *testing.T) {
	good, err := hashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	scenarios := []struct {
		name, hash, password string
		want                 bool
	}{
		{"right password", good, "correct horse", true},
		{"wrong password", good, "correct horsE", false},
		{"empty hash", "", "x", false},
		{"other algorithm", "$2a$10$abcdefghijklmnopqrstuv", "x", false},
		{"zero threads", strings.Replace(good, ",p=1$", ",p=0$", 1), "correct horse", false},
		{"zero passes", strings.Replace(good, ",t=2,", ",t=0,", 1), "correct horse", false},
		{"huge memory", strings.Replace(good, "m=19456", "m=99999999", 1), "correct horse", false},
		{"bad salt", strings.Join(append(parts[:4:4], "!!", parts[5]), "$"), "correct horse", false},
		{"empty key", strings.Join(append(parts[:5:5], ""), "$"), "correct horse", false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if got := verifyPassword(sc.hash, sc.password); got != sc.want {
				t.Errorf("verifyPassword = %v, want %v", got, sc.want)
			}
		})
	}
	if dummyHash() == "" || !strings.HasPrefix(dummyHash(), "$argon2id$") {
		t.Errorf("dummyHash() = %q", dummyHash())
	}
}
