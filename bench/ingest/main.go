// Command ingest measures Bit Wobbly's Sentry ingest against the real
// binary on loopback: the accept rate and latency of typical 3 KB gzip
// error envelopes beside a minimal handler that only gunzips, appends to a
// file and fsyncs in 10 ms groups (same run, same load); the processing
// rate until the backlog drains; overload at many times the accept rate;
// and the issue list over a seeded database (see -mode).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	mode     = flag.String("mode", "accept", "accept, overload or list")
	bin      = flag.String("bin", "", "bitwobbly binary (built when empty)")
	conc     = flag.Int("c", 32, "concurrent clients")
	duration = flag.Duration("d", 10*time.Second, "load duration per target")
	queueMax = flag.Int("queue-max", 100000, "--ingest-queue-max for the server")
	workers  = flag.Int("workers", 4, "--ingest-workers for the server")
	listData = flag.String("list-data", "", "data directory seeded by bench/seed for -mode list")
)

func main() {
	flag.Parse()
	if *bin == "" {
		*bin = buildBinary()
	}
	switch *mode {
	case "accept":
		runAccept()
	case "overload":
		runOverload()
	case "list":
		runList()
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
}

func buildBinary() string {
	dir, _ := os.MkdirTemp("", "bw-bench-")
	out := filepath.Join(dir, "bitwobbly")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("build: %v", err)
	}
	return out
}

// server is a running bitwobbly process.
type server struct {
	cmd   *exec.Cmd
	url   string
	token string
	data  string
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startServer(data string, extra ...string) *server {
	if data == "" {
		data, _ = os.MkdirTemp("", "bw-bench-data-")
	}
	run := func(args ...string) string {
		out, err := exec.Command(*bin, append(args, "--data", data)...).Output()
		if err != nil {
			log.Fatalf("%v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	exec.Command(*bin, "admin", "create", "--email", "bench@example.com", "--password", "bench-password-1",
		"--data", data).Run()
	lines := strings.Split(run("token", "create", "--email", "bench@example.com", "--name", "bench"), "\n")
	addr := freePort()
	cmd := exec.Command(*bin, append([]string{"serve", "--addr", addr, "--data", data, "--log-level", "warn"}, extra...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, token: lines[len(lines)-1], data: data}
	for i := 0; i < 200; i++ {
		if res, err := http.Get(s.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatal("server did not get ready")
	return nil
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

func (s *server) api(method, path string, body any) map[string]any {
	var r io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.url+path, r)
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return m
}

// rss reads a process's resident and peak resident memory in MB.
func rss(pid int) (cur, peak float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			cur = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return cur, peak
}

var metricRe = regexp.MustCompile(`(?m)^(bitwobbly_[a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$`)

// metric sums a Prometheus series (all label sets) from /metrics.
func (s *server) metric(name, labelHas string) float64 {
	res, err := http.Get(s.url + "/metrics")
	if err != nil {
		return -1
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var sum float64
	for _, m := range metricRe.FindAllStringSubmatch(string(raw), -1) {
		if m[1] == name && strings.Contains(m[2], labelHas) {
			v, _ := strconv.ParseFloat(m[3], 64)
			sum += v
		}
	}
	return sum
}

// typicalEvent is an error event of about 3 KB, like SDKs send.
func typicalEvent(id string, n int) []byte {
	var frames []map[string]any
	for i := 0; i < 8; i++ {
		frames = append(frames, map[string]any{"function": fmt.Sprintf("handler%d", i), "module": "app.services.orders",
			"filename": "app/services/orders.py", "abs_path": "/srv/app/app/services/orders.py", "lineno": 100 + i,
			"in_app": i > 3, "context_line": "    result = process(order, options)"})
	}
	var crumbs []map[string]any
	for i := 0; i < 8; i++ {
		crumbs = append(crumbs, map[string]any{"timestamp": float64(time.Now().Unix()) - float64(i), "category": "http",
			"message": fmt.Sprintf("GET /api/orders/%d", 1000+i), "level": "info"})
	}
	ev := map[string]any{
		"event_id": id, "timestamp": float64(time.Now().UnixMilli()) / 1000, "platform": "python", "level": "error",
		"release": "shop@3.4." + strconv.Itoa(n%3), "environment": "production", "server_name": "web-1",
		"exception": map[string]any{"values": []any{map[string]any{"type": fmt.Sprintf("OrderError%d", n%50),
			"value": fmt.Sprintf("order %d could not be processed", n), "stacktrace": map[string]any{"frames": frames}}}},
		"breadcrumbs": map[string]any{"values": crumbs},
		"user":        map[string]any{"id": strconv.Itoa(n % 500), "email": fmt.Sprintf("u%d@example.com", n%500)},
		"tags":        map[string]any{"browser": "Firefox 120", "os": "Linux", "region": "eu-west-1"},
		"contexts": map[string]any{"os": map[string]any{"name": "Linux", "version": "6.1"},
			"runtime": map[string]any{"name": "CPython", "version": "3.12.1"}},
		"request": map[string]any{"url": "https://shop.example.com/checkout", "method": "POST",
			"headers": map[string]any{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "Accept": "*/*"}},
		"sdk": map[string]any{"name": "sentry.python", "version": "1.40.0"},
	}
	raw, _ := json.Marshal(ev)
	return raw
}

// envelopes precomputes n gzip envelopes with distinct event ids.
func envelopes(n int) (bodies [][]byte, rawSize, gzSize int) {
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%08x%024x", time.Now().UnixNano()&0xffffffff, i)
		ev := typicalEvent(id, i)
		env := fmt.Sprintf("{\"event_id\":\"%s\",\"sent_at\":\"%s\"}\n{\"type\":\"event\",\"length\":%d}\n%s\n",
			id, time.Now().UTC().Format(time.RFC3339), len(ev), ev)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(env))
		zw.Close()
		bodies = append(bodies, buf.Bytes())
		rawSize += len(env)
		gzSize += buf.Len()
	}
	return bodies, rawSize / n, gzSize / n
}

// result is what one load run measured.
type result struct {
	ok, refused, failed int64
	codes               map[int]int64
	retryAfter          int64
	lat                 []time.Duration
	elapsed             time.Duration
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func pct(l []time.Duration, p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	return l[int(float64(len(l)-1)*p)]
}

// load sends the bodies round-robin from c clients for d.
func load(url string, headers map[string]string, bodies [][]byte, c int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConns: c * 2, MaxIdleConnsPerHost: c * 2, MaxConnsPerHost: c * 2}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var next atomic.Int64
	var mu sync.Mutex
	res := result{codes: map[int]int64{}}
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			codes := map[int]int64{}
			var retry int64
			for time.Now().Before(deadline) {
				b := bodies[int(next.Add(1))%len(bodies)]
				req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				t0 := time.Now()
				r, err := client.Do(req)
				if err != nil {
					codes[0]++
					continue
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				codes[r.StatusCode]++
				if r.StatusCode == 200 {
					lat = append(lat, time.Since(t0))
				} else if r.Header.Get("Retry-After") != "" {
					retry++
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			for k, v := range codes {
				res.codes[k] += v
			}
			res.retryAfter += retry
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.ok = res.codes[200]
	for k, v := range res.codes {
		if k == 429 || k == 503 {
			res.refused += v
		} else if k != 200 {
			res.failed += v
		}
	}
	tr.CloseIdleConnections()
	return res
}

// minimal is the reference handler: gunzip, append to a file, answer once
// an fsync that covers the append has happened (fsyncs in 10 ms groups).
type minimal struct {
	mu    sync.Mutex
	f     *os.File
	group chan struct{}
}

func startMinimal() (string, func()) {
	f, _ := os.CreateTemp("", "bw-minimal-")
	m := &minimal{f: f, group: make(chan struct{})}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			m.mu.Lock()
			g := m.group
			m.group = make(chan struct{})
			m.mu.Unlock()
			m.f.Sync()
			close(g)
		}
	}()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, "bad gzip", 400)
			return
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			http.Error(w, "bad gzip", 400)
			return
		}
		m.mu.Lock()
		m.f.Write(body)
		g := m.group
		m.mu.Unlock()
		<-g
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"00000000000000000000000000000000"}`))
	})}
	addr := freePort()
	ln, _ := net.Listen("tcp", addr)
	go srv.Serve(ln)
	return "http://" + addr + "/api/1/envelope/", func() {
		srv.Shutdown(context.Background())
		close(stop)
		f.Close()
		os.Remove(f.Name())
	}
}

func project(s *server) (url string, headers map[string]string) {
	p := s.api("POST", "/api/v1/projects", map[string]any{"name": "bench", "platform": "python"})
	id := int64(p["id"].(float64))
	keys := s.api("GET", fmt.Sprintf("/api/v1/projects/%d/keys", id), nil)
	key := keys["data"].([]any)[0].(map[string]any)["public_key"].(string)
	return fmt.Sprintf("%s/api/%d/envelope/", s.url, id), map[string]string{
		"Content-Encoding": "gzip", "Content-Type": "application/x-sentry-envelope",
		"X-Sentry-Auth": "Sentry sentry_version=7, sentry_client=bench/1.0, sentry_key=" + key}
}

func runAccept() {
	bodies, raw, gz := envelopes(2000)
	fmt.Printf("envelope: %d B raw, %d B gzip; %d clients, %s per target\n", raw, gz, *conc, *duration)

	murl, mstop := startMinimal()
	ref := load(murl, map[string]string{"Content-Encoding": "gzip"}, bodies, *conc, *duration)
	mstop()
	fmt.Printf("minimal handler:   %8.0f req/s  p50 %v  p99 %v\n", ref.rate(), pct(ref.lat, .5), pct(ref.lat, .99))

	s := startServer("", "--ingest-queue-max", strconv.Itoa(*queueMax), "--ingest-workers", strconv.Itoa(*workers))
	defer s.stop()
	url, h := project(s)
	got := load(url, h, bodies, *conc, *duration)
	cur, peak := rss(s.cmd.Process.Pid)
	fmt.Printf("bitwobbly ingest:  %8.0f req/s  p50 %v  p99 %v  (%.0f%% of minimal)  codes %v  RSS %.0f MB (peak %.0f MB)\n",
		got.rate(), pct(got.lat, .5), pct(got.lat, .99), got.rate()/ref.rate()*100, got.codes, cur, peak)

	// Processing: from the end of the accept run until the queue is empty.
	processedAtEnd := s.metric("bitwobbly_events_processed_total", `type="event"`)
	depth := s.metric("bitwobbly_ingest_queue_depth", "")
	t0 := time.Now()
	for s.metric("bitwobbly_ingest_queue_depth", "") > 0 {
		time.Sleep(200 * time.Millisecond)
	}
	drain := time.Since(t0)
	total := s.metric("bitwobbly_events_processed_total", `type="event"`)
	cur, peak = rss(s.cmd.Process.Pid)
	procRate := float64(got.ok) / (got.elapsed + drain).Seconds()
	fmt.Printf("processing: %0.f events processed during the accept run, backlog %.0f drained in %v; "+
		"overall %.0f events/s (accepted %d / (accept time + drain time)); RSS %.0f MB (peak %.0f MB)\n",
		processedAtEnd, depth, drain.Round(time.Millisecond), procRate, got.ok, cur, peak)
	if drain > 0 {
		fmt.Printf("drain rate after load stopped: %.0f events/s\n", (total-processedAtEnd)/drain.Seconds())
	}
}

func runOverload() {
	bodies, _, _ := envelopes(2000)
	s := startServer("", "--ingest-queue-max", strconv.Itoa(*queueMax), "--ingest-workers", strconv.Itoa(*workers))
	defer s.stop()
	url, h := project(s)
	stopSample := make(chan struct{})
	var maxRSS float64
	go func() {
		for {
			select {
			case <-stopSample:
				return
			case <-time.After(250 * time.Millisecond):
				if cur, _ := rss(s.cmd.Process.Pid); cur > maxRSS {
					maxRSS = cur
				}
			}
		}
	}()
	got := load(url, h, bodies, *conc, *duration)
	close(stopSample)
	accepted := got.ok
	for s.metric("bitwobbly_ingest_queue_depth", "") > 0 {
		time.Sleep(200 * time.Millisecond)
	}
	processed := s.metric("bitwobbly_events_processed_total", `type="event"`)
	cur, peak := rss(s.cmd.Process.Pid)
	fmt.Printf("overload: %d clients for %s against queue max %d\n", *conc, *duration, *queueMax)
	fmt.Printf("answers %v; refused %d, of which %d carried Retry-After; accepted %d, processed after drain %.0f (lost %d)\n",
		got.codes, got.refused, got.retryAfter, accepted, processed, accepted-int64(processed))
	fmt.Printf("accepted p99 %v; RSS max sampled %.0f MB, now %.0f MB, peak %.0f MB\n", pct(got.lat, .99), maxRSS, cur, peak)
}

func runList() {
	if *listData == "" {
		log.Fatal("-list-data is required: seed it first with go run ./bench/seed")
	}
	s := startServer(*listData)
	defer s.stop()
	queries := []string{
		"/api/v1/issues?status=unresolved",
		"/api/v1/issues?status=unresolved&sort=events",
		"/api/v1/issues?status=unresolved&sort=users",
		"/api/v1/issues?sort=first_seen",
		"/api/v1/issues?level=error&environment=production",
		"/api/v1/issues?release=shop%403.4.1",
		"/api/v1/issues?query=OrderError42",
		"/api/v1/issues?status=resolved&project=1",
	}
	var lat []time.Duration
	per := map[string][]time.Duration{}
	client := &http.Client{Timeout: 30 * time.Second}
	for round := 0; round < 25; round++ {
		for _, q := range queries {
			req, _ := http.NewRequest("GET", s.url+q, nil)
			req.Header.Set("Authorization", "Bearer "+s.token)
			t0 := time.Now()
			res, err := client.Do(req)
			if err != nil {
				log.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			d := time.Since(t0)
			if res.StatusCode != 200 {
				log.Fatalf("%s: %d", q, res.StatusCode)
			}
			lat = append(lat, d)
			per[q] = append(per[q], d)
		}
	}
	for _, q := range queries {
		fmt.Printf("%-55s p50 %8v  p95 %8v\n", q, pct(per[q], .5).Round(time.Microsecond), pct(per[q], .95).Round(time.Microsecond))
	}
	cur, peak := rss(s.cmd.Process.Pid)
	fmt.Printf("all %d API requests: p50 %v p95 %v; RSS %.0f MB (peak %.0f MB)\n", len(lat), pct(lat, .5), pct(lat, .95), cur, peak)

	// The dashboard page: the same list with sparklines and the filter facets.
	b := signIn(s)
	var page []time.Duration
	for round := 0; round < 25; round++ {
		for _, q := range []string{"/issues", "/issues?status=all&sort=events", "/issues?environment=production&level=error"} {
			t0 := time.Now()
			res, err := b.Get(s.url + q)
			if err != nil {
				log.Fatal(err)
			}
			html, _ := io.ReadAll(res.Body)
			res.Body.Close()
			d := time.Since(t0)
			if res.StatusCode != 200 || !bytes.Contains(html, []byte(`class="issue-row"`)) {
				log.Fatalf("%s: %d, no issue rows (signed in?)", q, res.StatusCode)
			}
			page = append(page, d)
		}
	}
	cur, peak = rss(s.cmd.Process.Pid)
	fmt.Printf("dashboard /issues (75 pages, 50 rows with 24 h sparklines and facets): p50 %v p95 %v; RSS %.0f MB (peak %.0f MB)\n",
		pct(page, .5).Round(time.Microsecond), pct(page, .95).Round(time.Microsecond), cur, peak)
}

// signIn returns a client with a dashboard session of the bench owner.
func signIn(s *server) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	res, err := c.Get(s.url + "/login")
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	u, _ := url.Parse(s.url)
	var csrf string
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "bw_csrf" {
			csrf = ck.Value
		}
	}
	res, err = c.PostForm(s.url+"/login", url.Values{"email": {"bench@example.com"},
		"password": {"bench-password-1"}, "_csrf": {csrf}})
	if err != nil {
		log.Fatal(err)
	}
	res.Body.Close()
	return c
}
