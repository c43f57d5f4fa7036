// Command monitors load-tests the scheduler: it builds bitwobbly, starts
// loopback HTTP targets on several 127.0.0.x addresses, creates N HTTP
// monitors through the API, restarts the server (so the schedule starts
// cold, as after an upgrade) and then measures, from outside the process:
// how many monitors were checked within the first interval, the start lag
// (from /metrics), RSS and CPU (from /proc), cost per check, and database
// growth per day and per monitor (from SQLite's dbstat).
//
// Run from the repository root:
//
//	go run ./bench/monitors -monitors 10000 -interval 60 -duration 3m
package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

func main() {
	n := flag.Int("monitors", 10000, "HTTP monitors to create")
	interval := flag.Int("interval", 60, "check interval in seconds")
	duration := flag.Duration("duration", 3*time.Minute, "measuring time after the restart")
	targets := flag.Int("targets", 50, "loopback target servers (each on its own 127.0.0.x)")
	flag.Parse()

	work, err := os.MkdirTemp("", "bw-bench-monitors-")
	check(err)
	defer os.RemoveAll(work)
	bin := filepath.Join(work, "bitwobbly")
	run("go", "build", "-o", bin, ".")
	data := filepath.Join(work, "data")
	run(bin, "admin", "create", "--data", data, "--email", "bench@example.com", "--password", "bench password 1")
	token := lastLine(output(bin, "token", "create", "--data", data, "--email", "bench@example.com", "--name", "bench"))

	var hits atomic.Int64
	urls := startTargets(*targets, &hits)
	addr := freeAddr()
	base := "http://" + addr

	srv := start(bin, data, addr)
	created := createMonitors(base, token, *n, *interval, urls)
	log.Printf("created %d monitors", created)
	stop(srv)

	before := dbBytes(data)
	launched := time.Now()
	srv = start(bin, data, addr)
	t0 := time.Now()
	log.Printf("ready %s after exec", t0.Sub(launched).Round(time.Millisecond))
	pid := srv.Process.Pid
	cpu0 := cpuSeconds(pid)
	m0 := scrape(base)
	var peakRSS atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
				peakRSS.Store(max(peakRSS.Load(), rss(pid)))
			}
		}
	}()

	time.Sleep(time.Duration(*interval)*time.Second + 5*time.Second)
	checkedInFirst := countChecked(data, launched, launched.Add(time.Duration(*interval)*time.Second))
	rest := *duration - time.Since(t0)
	if rest > 0 {
		time.Sleep(rest)
	}
	elapsed := time.Since(t0)
	cpu1 := cpuSeconds(pid)
	m1 := scrape(base)
	close(done)
	stop(srv)
	after := dbBytes(data)

	checks := m1["bitwobbly_checks_total"] - m0["bitwobbly_checks_total"]
	p50, p99, maxBucket := quantiles(m0, m1, "bitwobbly_check_start_lag_seconds_bucket{le=\"")
	w50, w99, _ := quantiles(m0, m1, "bitwobbly_check_slot_wait_seconds_bucket{le=\"")
	d50, d99, _ := quantiles(m0, m1, "bitwobbly_check_duration_seconds_bucket{type=\"http\",le=\"")
	cpu := cpu1 - cpu0
	perResult, perMonitorDay := growth(data, *interval)
	fmt.Printf("\nmonitors %d, interval %d s, measured %s after a cold restart, 2 cores shared\n",
		created, *interval, elapsed.Round(time.Second))
	fmt.Printf("| monitors checked within the first %d s after exec | %d of %d |\n", *interval, checkedInFirst, created)
	fmt.Printf("| checks run | %.0f (%.1f/s) |\n", checks, checks/elapsed.Seconds())
	fmt.Printf("| start lag p50 / p99 | %s / %s (largest bucket reached: %s) |\n", p50, p99, maxBucket)
	fmt.Printf("| of which waiting for a slot p50 / p99 | %s / %s |\n", w50, w99)
	fmt.Printf("| check duration p50 / p99 | %s / %s |\n", d50, d99)
	fmt.Printf("| peak RSS | %.1f MB |\n", float64(peakRSS.Load())/1e6)
	fmt.Printf("| CPU | %.1f s in %s = %.1f%% of one core |\n", cpu, elapsed.Round(time.Second), 100*cpu/elapsed.Seconds())
	fmt.Printf("| cost per check | %.0f µs CPU (server side, everything included) |\n", 1e6*cpu/math.Max(checks, 1))
	fmt.Printf("| target hits | %d |\n", hits.Load())
	fmt.Printf("| database file growth during the run | %.1f MB |\n", float64(after-before)/1e6)
	fmt.Printf("| stored bytes per result (table + rollups share) | %.1f B |\n", perResult)
	fmt.Printf("| bytes per monitor per day at %d s | %.0f B (%.1f KB) |\n", *interval, perMonitorDay, perMonitorDay/1024)
	fmt.Printf("| DB growth per day at this scale | %.2f GB/day |\n", perMonitorDay*float64(created)/1e9)
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	check(cmd.Run())
}

func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	check(err)
	return string(out)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

// startTargets serves "ok" on 127.0.0.2, 127.0.0.3, …
func startTargets(n int, hits *atomic.Int64) []string {
	var urls []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.WriteString(w, "ok")
	})
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:0", 2+i))
		check(err)
		go (&http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}).Serve(ln)
		urls = append(urls, "http://"+ln.Addr().String()+"/")
	}
	return urls
}

func start(bin, data, addr string) *exec.Cmd {
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", addr, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Start())
	for i := 0; i < 200; i++ {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatal("server did not become ready")
	return nil
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

func createMonitors(base, token string, n, interval int, urls []string) int {
	var wg sync.WaitGroup
	var ok atomic.Int64
	jobs := make(chan int)
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("bench %d", i), "type": "http",
					"url": urls[i%len(urls)] + strconv.Itoa(i), "interval_seconds": interval, "timeout_seconds": 10})
				req, _ := http.NewRequest("POST", base+"/api/v1/monitors", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					log.Printf("create: %v", err)
					continue
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == 201 {
					ok.Add(1)
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return int(ok.Load())
}

// scrape reads counters and the lag histogram from /metrics.
func scrape(base string) map[string]float64 {
	res, err := http.Get(base + "/metrics")
	check(err)
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		name := line[:i]
		switch {
		case strings.HasPrefix(name, "bitwobbly_checks_total"):
			out["bitwobbly_checks_total"] += v
		case strings.HasPrefix(name, "bitwobbly_check_start_lag_seconds"),
			strings.HasPrefix(name, "bitwobbly_check_slot_wait_seconds"),
			strings.HasPrefix(name, "bitwobbly_check_duration_seconds_bucket"):
			out[name] = v
		}
	}
	return out
}

// quantiles estimates quantiles from a histogram's bucket counts (upper
// bounds; a quantile is the first bucket holding it).
func quantiles(m0, m1 map[string]float64, prefix string) (string, string, string) {
	type bucket struct {
		le    float64
		count float64
	}
	var bs []bucket
	for k, v := range m1 {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		le := strings.TrimSuffix(strings.TrimPrefix(k, prefix), "\"}")
		f, err := strconv.ParseFloat(le, 64)
		if le == "+Inf" {
			f, err = math.Inf(1), nil
		}
		if err == nil {
			bs = append(bs, bucket{f, v - m0[k]})
		}
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].le < bs[j].le })
	if len(bs) == 0 || bs[len(bs)-1].count == 0 {
		return "-", "-", "-"
	}
	total := bs[len(bs)-1].count
	q := func(p float64) string {
		for _, b := range bs {
			if b.count >= p*total {
				return "≤ " + dur(b.le)
			}
		}
		return "> 30 s"
	}
	top := ""
	prev := 0.0
	for _, b := range bs {
		if b.count > prev {
			top = "≤ " + dur(b.le)
		}
		prev = b.count
	}
	return q(0.5), q(0.99), top
}

func dur(s float64) string {
	if math.IsInf(s, 1) {
		return "∞"
	}
	return (time.Duration(s * float64(time.Second))).String()
}

func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func cpuSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	check(err)
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100
}

func openDB(data string) *sql.DB {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "bitwobbly.db")+"?mode=ro&_pragma=busy_timeout(10000)")
	check(err)
	return db
}

func countChecked(data string, from, to time.Time) int {
	db := openDB(data)
	defer db.Close()
	var n int
	check(db.QueryRow(`SELECT COUNT(DISTINCT monitor_id) FROM check_results WHERE checked_at >= ? AND checked_at < ?`,
		from.UnixMilli(), to.UnixMilli()).Scan(&n))
	return n
}

func dbBytes(data string) int64 {
	var total int64
	for _, f := range []string{"bitwobbly.db", "bitwobbly.db-wal"} {
		if st, err := os.Stat(filepath.Join(data, f)); err == nil {
			total += st.Size()
		}
	}
	return total
}

// growth measures the stored size of results and rollups with dbstat and
// turns it into bytes per result and per monitor per day.
func growth(data string, interval int) (perResult, perMonitorDay float64) {
	db := openDB(data)
	defer db.Close()
	var resultBytes, rollupBytes, results, rollups, monitors float64
	check(db.QueryRow(`SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'check_results'`).Scan(&resultBytes))
	check(db.QueryRow(`SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = 'check_rollups'`).Scan(&rollupBytes))
	check(db.QueryRow(`SELECT COUNT(*) FROM check_results`).Scan(&results))
	check(db.QueryRow(`SELECT COUNT(*) FROM check_rollups`).Scan(&rollups))
	check(db.QueryRow(`SELECT COUNT(*) FROM monitors`).Scan(&monitors))
	perResult = resultBytes / math.Max(results, 1)
	perRollup := rollupBytes / math.Max(rollups, 1)
	if rollups == 0 {
		perRollup = perResult * 1.5
	}
	resultsPerDay := 86400 / float64(interval)
	rollupsPerDay := 1440.0 + 24 + 1
	perMonitorDay = resultsPerDay*perResult + rollupsPerDay*perRollup
	log.Printf("dbstat: %.0f results in %.0f bytes, %.0f rollups in %.0f bytes (%.1f B each)", results, resultBytes,
		rollups, rollupBytes, perRollup)
	return perResult, perMonitorDay
}
