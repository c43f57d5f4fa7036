package app

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEmptySecretFileIsRefused: a _FILE variable naming an empty file is
// a mistake (a key that was never written), not "no key"; it must stop the
// start with the variable's name instead of generating another key.
func TestEmptySecretFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	blank := filepath.Join(dir, "blank")
	os.WriteFile(empty, nil, 0o600)
	os.WriteFile(blank, []byte(" \n"), 0o600)
	for _, tc := range []struct{ env, path string }{
		{"BITWOBBLY_SECRET_KEY_FILE", empty},
		{"BITWOBBLY_SECRET_KEY_FILE", blank},
		{"BITWOBBLY_RESEND_API_KEY_FILE", empty},
		{"BITWOBBLY_SMTP_PASSWORD_FILE", blank},
	} {
		t.Run(tc.env+" "+filepath.Base(tc.path), func(t *testing.T) {
			env := map[string]string{tc.env: tc.path}
			_, err := loadConfig(newFlagSet(), nil, func(k string) string { return env[k] })
			if err == nil || !strings.Contains(err.Error(), tc.env) || !strings.Contains(err.Error(), "empty") {
				t.Fatalf("err = %v, want one naming %s as empty", err, tc.env)
			}
		})
	}
}

// TestAdminCreateWantsABareAddress: "Name <a@b>" parses as an address but
// would be stored as the account's e-mail, which no one can sign in with.
func TestAdminCreateWantsABareAddress(t *testing.T) {
	for _, tc := range []struct {
		email string
		ok    bool
	}{
		{"ada@example.com", true},
		{"Ada <ada@example.com>", false},
		{"<ada@example.com>", false},
		{"ada@example", false},
		{"ada", false},
	} {
		t.Run(tc.email, func(t *testing.T) {
			_, err := ParseCommand([]string{"admin", "create", "--email", tc.email, "--password", "password123",
				"--data", t.TempDir()}, func(string) string { return "" }, io.Discard)
			if tc.ok && err != nil || !tc.ok && (err == nil || !strings.Contains(err.Error(), "--email")) {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestUnusableDataDirNamesTheSetting: a data directory that cannot be
// made stops the server with a message naming the setting.
func TestUnusableDataDirNamesTheSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, []byte("x"), 0o600)
	cfg := Config{Data: filepath.Join(file, "data")}
	err := loadSecretKey(&cfg)
	if err == nil || !strings.Contains(err.Error(), "BITWOBBLY_DATA") {
		t.Fatalf("err = %v, want one naming BITWOBBLY_DATA", err)
	}
}
