// Command seed fills a data directory with one project, 10,000 issues and
// 1,000,000 events (with their hourly counts, tag counts and users) for
// the issue-list benchmark: go run ./bench/ingest -mode list -list-data DIR.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/bitwobbly/bitwobbly/store"
)

func main() {
	dir := flag.String("data", "", "data directory to create")
	bin := flag.String("bin", "", "bitwobbly binary, used to create the owner")
	nIssues := flag.Int("issues", 10000, "issues")
	nEvents := flag.Int("events", 1000000, "events")
	flag.Parse()
	if *dir == "" || *bin == "" {
		log.Fatal("-data and -bin are required")
	}
	out, err := exec.Command(*bin, "admin", "create", "--email", "bench@example.com", "--password",
		"bench-password-1", "--data", *dir).CombinedOutput()
	if err != nil {
		log.Fatalf("admin create: %v %s", err, out)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, *dir, slog.New(slog.NewTextHandler(io.Discard, nil)), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	now := time.Now().UnixMilli()
	enc, _ := zstd.NewWriter(nil)
	blob := enc.EncodeAll([]byte(`{"id":"seed","message":"seeded event","level":"error"}`), nil)
	must(st.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO projects (id, team_id, name, platform, created_at, updated_at)
			VALUES (1, 1, 'shop', 'python', ?, ?)`, now, now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO releases (project_id, version, first_seen) VALUES (1, 'shop@3.4.0', 1),
			(1, 'shop@3.4.1', 2), (1, 'shop@3.4.2', 3);
			INSERT INTO project_environments (project_id, name, first_seen) VALUES (1, 'production', 1),
			(1, 'staging', 2)`)
		return err
	}))
	statuses := []string{"unresolved", "unresolved", "unresolved", "unresolved", "unresolved", "unresolved",
		"unresolved", "resolved", "resolved", "ignored"}
	levels := []string{"error", "error", "error", "warning", "fatal", "info"}
	envs := []string{"production", "production", "staging"}
	// Events per issue: a long tail, summing to nEvents.
	counts := make([]int, *nIssues)
	left := *nEvents
	for i := range counts {
		counts[i] = *nEvents / *nIssues
		if i%10 == 0 {
			counts[i] *= 5
		} else {
			counts[i] = counts[i] * 5 / 9
		}
	}
	sum := 0
	for _, c := range counts {
		sum += c
	}
	counts[0] += left - sum
	evID := 0
	for i := 0; i < *nIssues; i += 100 {
		must(st.Write(ctx, func(tx *sql.Tx) error {
			for j := i; j < i+100 && j < *nIssues; j++ {
				if err := seedIssue(tx, j, counts[j], &evID, now, statuses[j%len(statuses)], levels[j%len(levels)],
					envs[j%len(envs)], blob); err != nil {
					return err
				}
			}
			return nil
		}))
		if i%1000 == 0 {
			fmt.Fprintf(os.Stderr, "%d issues, %d events, %v\n", i, evID, time.Since(start).Round(time.Second))
		}
	}
	fmt.Printf("seeded %d issues and %d events in %v\n", *nIssues, evID, time.Since(start).Round(time.Second))
}

func seedIssue(tx *sql.Tx, i, n int, evID *int, now int64, status, level, env string, blob []byte) error {
	id := int64(i + 1)
	first := now - int64(30*24*3600*1000) + int64(i)*1000
	last := now - int64(i%5000)*60_000
	release := fmt.Sprintf("shop@3.4.%d", i%3)
	title := fmt.Sprintf("OrderError%d: order %d could not be processed", i%500, i)
	if _, err := tx.Exec(`INSERT INTO issues (id, team_id, project_id, title, culprit, type, value, level, platform,
		status, substatus, first_seen, last_seen, event_count, user_count, first_release, last_release,
		last_environment, created_at, updated_at) VALUES (?, 1, 1, ?, ?, ?, ?, ?, 'python', ?, 'ongoing', ?, ?, ?, ?,
		?, ?, ?, ?, ?)`, id, title, "app.services.orders in handler"+fmt.Sprint(i%40), fmt.Sprintf("OrderError%d", i%500),
		"order could not be processed", level, status, first, last, n, min(n, 50), release, release, env, now, now); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO issue_hashes (project_id, hash, version, issue_id, created_at)
		VALUES (1, ?, 'seed', ?, ?)`, fmt.Sprintf("%032x", id), id, now); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO issue_tags (issue_id, key, value, count) VALUES (?, 'environment', ?, ?),
		(?, 'release', ?, ?), (?, 'level', ?, ?), (?, 'browser', 'Firefox', ?)`,
		id, env, n, id, release, n, id, level, n, id, n); err != nil {
		return err
	}
	stmt, err := tx.Prepare(`INSERT INTO events (event_id, team_id, project_id, issue_id, hash, timestamp, received_at,
		level, title, message, release, environment, user_key, tags, data)
		VALUES (?, 1, 1, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, '{"browser":"Firefox"}', ?)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	span := last - first
	hours := map[int64]int{}
	for k := 0; k < n; k++ {
		*evID++
		ts := first + span*int64(k)/int64(max(n, 1))
		hours[ts/3600000*3600000]++
		if _, err := stmt.Exec(fmt.Sprintf("%032x", *evID), id, fmt.Sprintf("%032x", id), ts, ts, level, title,
			release, env, "id:"+fmt.Sprint(k%50), blob); err != nil {
			return err
		}
	}
	var b strings.Builder
	var args []any
	for h, c := range hours {
		if b.Len() > 0 {
			b.WriteString(",")
		}
		b.WriteString("(?, ?, ?)")
		args = append(args, id, h, c)
	}
	if len(args) > 0 {
		if _, err := tx.Exec(`INSERT INTO issue_hourly (issue_id, hour, count) VALUES `+b.String(), args...); err != nil {
			return err
		}
	}
	for u := 0; u < min(n, 50); u++ {
		if _, err := tx.Exec(`INSERT INTO issue_users (issue_id, user_key) VALUES (?, ?)`, id, "id:"+fmt.Sprint(u)); err != nil {
			return err
		}
	}
	return nil
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
