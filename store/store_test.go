package store

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(context.Background(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	s, dir := openTest(t)
	got, err := s.Migrations(t.Context())
	if err != nil || len(got) == 0 || got[0] != "0001_foundation" {
		t.Fatalf("migrations %v, %v", got, err)
	}
	s.Close()
	s2, err := Open(t.Context(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	again, _ := s2.Migrations(t.Context())
	if len(again) != len(got) {
		t.Fatalf("reopen applied migrations again: %v vs %v", again, got)
	}
}

func TestPragmas(t *testing.T) {
	s, _ := openTest(t)
	var mode string
	var fk int
	s.R.QueryRow("PRAGMA journal_mode").Scan(&mode)
	s.R.QueryRow("PRAGMA foreign_keys").Scan(&fk)
	if mode != "wal" || fk != 1 {
		t.Fatalf("journal_mode %q foreign_keys %d, want wal and 1", mode, fk)
	}
	if _, err := s.R.Exec("INSERT INTO settings(key, value) VALUES ('x', 'y')"); err == nil {
		t.Fatal("read pool accepted a write")
	}
}

func TestConcurrentWritesAreBatchedAndIsolated(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range 200 {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = s.Write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.Exec("INSERT INTO settings(key, value) VALUES (?, 'v')", i); err != nil {
					return err
				}
				if i%10 == 0 {
					return errors.New("refused") // rolls back only this write
				}
				return nil
			})
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if (i%10 == 0) != (err != nil) {
			t.Fatalf("write %d: err %v", i, err)
		}
	}
	var n int
	s.R.QueryRow("SELECT COUNT(*) FROM settings").Scan(&n)
	if n != 180 {
		t.Fatalf("%d rows, want 180", n)
	}
}

func TestSetupOnlyOnce(t *testing.T) {
	s, _ := openTest(t)
	if _, _, err := s.CompleteSetup(t.Context(), "a@example.com", "", "h", "T"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CompleteSetup(t.Context(), "b@example.com", "", "h", "T"); !errors.Is(err, ErrConflict) {
		t.Fatalf("second setup: %v, want ErrConflict", err)
	}
	if _, err := s.UserByEmail(t.Context(), "b@example.com"); !errors.Is(err, ErrNotFound) {
		t.Fatal("refused setup left a user behind")
	}
}

func TestLastOwnerStays(t *testing.T) {
	s, _ := openTest(t)
	u, team, _ := s.CreateOwner(t.Context(), "a@example.com", "", "h", "T")
	if err := s.SetRole(t.Context(), team.ID, u.ID, RoleViewer); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("demote last owner: %v", err)
	}
	if err := s.RemoveMember(t.Context(), team.ID, u.ID); !errors.Is(err, ErrLastOwner) {
		t.Fatalf("remove last owner: %v", err)
	}
}

func TestBlobsRoundTripAndRefuseBadKeys(t *testing.T) {
	s, dir := openTest(t)
	b := s.Blobs()
	data := []byte("hello hello hello hello")
	if err := b.Put("env-0001", data); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get("env-0001")
	if err != nil || string(got) != string(data) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := b.Get("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing blob: %v", err)
	}
	for _, bad := range []string{"../x", "a/b", "", "tmp"} {
		if err := b.Put(bad, data); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	left, _ := os.ReadDir(filepath.Join(dir, "blobs", "tmp"))
	if len(left) != 0 {
		t.Fatalf("temp files left behind: %d", len(left))
	}
}

func TestBackupWhileWriting(t *testing.T) {
	s, dir := openTest(t)
	s.CreateOwner(t.Context(), "a@example.com", "", "h", "T")
	out := filepath.Join(dir, "copy.db")
	if err := s.Backup(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+out+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM users").Scan(&n); err != nil || n != 1 {
		t.Fatalf("backup has %d users, %v", n, err)
	}
	if err := s.Backup(t.Context(), out); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
}

// TestWritesRacingCloseNeverHang: writes sent while the store closes each
// return, either committed (and found after reopening) or ErrClosed.
func TestWritesRacingCloseNeverHang(t *testing.T) {
	s, dir := openTest(t)
	const n = 400
	results := make(chan error, n)
	var start sync.WaitGroup
	start.Add(1)
	for i := range n {
		go func() {
			start.Wait()
			results <- s.Write(context.Background(), func(tx *sql.Tx) error {
				_, err := tx.Exec("INSERT INTO settings(key, value) VALUES (?, 'v')", "race"+itoa(i))
				return err
			})
		}()
	}
	start.Done()
	s.Close()

	committed := 0
	timeout := time.After(20 * time.Second)
	for range n {
		select {
		case err := <-results:
			switch {
			case err == nil:
				committed++
			case !errors.Is(err, ErrClosed):
				t.Errorf("write: %v, want nil or ErrClosed", err)
			}
		case <-timeout:
			t.Fatal("a write never returned after Close")
		}
	}
	s2, err := Open(t.Context(), dir, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var found int
	s2.R.QueryRow("SELECT COUNT(*) FROM settings WHERE key LIKE 'race%'").Scan(&found)
	if found != committed {
		t.Errorf("%d writes reported committed, %d found after reopening", committed, found)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
