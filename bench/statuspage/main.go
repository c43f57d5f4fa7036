// Command statuspage measures the cached public status page of the real
// binary on loopback against a handler that writes the same bytes from
// memory, under the same load in the same run, and reports requests per
// second and latency percentiles of each.
package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	_ "modernc.org/sqlite"
)

var (
	bin      = flag.String("bin", "", "bitwobbly binary (built when empty)")
	conc     = flag.Int("c", 32, "concurrent keep-alive clients")
	duration = flag.Duration("d", 10*time.Second, "load duration per round and target")
	rounds   = flag.Int("rounds", 2, "alternating rounds (page, memory, page, memory, …)")
	gzipOn   = flag.Bool("gzip", false, "ask for gzip (both targets then send gzip bytes)")
	comps    = flag.Int("components", 12, "components on the page")
	history  = flag.Bool("history", true, "backdate components and incidents so every bar has 90 days of data")
)

// backdate gives the seeded components 100 days of history and spreads
// resolved incidents over it, writing to the database as a second
// process (SQLite allows it; the server picks the change up by itself).
func backdate(path string) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	day := int64(24 * time.Hour / time.Millisecond)
	old := time.Now().UnixMilli() - 100*day
	if _, err := db.Exec(`UPDATE components SET created_at=?, updated_at=updated_at+1`, old); err != nil {
		log.Fatal(err)
	}
	_, err = db.Exec(`UPDATE incidents SET started_at=started_at-id*7*?, resolved_at=started_at-id*7*?+3600000,
		status='resolved', updated_at=updated_at+1`, day, day)
	if err != nil {
		log.Fatal(err)
	}
}

func main() {
	flag.Parse()
	dir, err := os.MkdirTemp("", "bw-bench-statuspage-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if *bin == "" {
		*bin = filepath.Join(dir, "bitwobbly")
		run("go", "build", "-o", *bin, ".")
	}
	data := filepath.Join(dir, "data")
	run(*bin, "admin", "create", "--data", data, "--email", "bench@example.com", "--password", "benchbench123")
	token := strings.TrimSpace(lastLine(output(*bin, "token", "create", "--data", data, "--email", "bench@example.com",
		"--name", "bench")))
	addr := freeAddr()
	srv := exec.Command(*bin, "serve", "--data", data, "--addr", addr, "--log-level", "warn")
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	base := "http://" + addr
	waitReady(base)
	seed(base, token)
	if *history {
		backdate(filepath.Join(data, "bitwobbly.db"))
		time.Sleep(1500 * time.Millisecond) // the server notices within a second
	}

	pageURL := base + "/status/bench"
	body, hdr := fetch(pageURL, *gzipOn)
	mem := memoryServer(body, hdr)
	defer mem.Close()
	fmt.Printf("page: %d bytes (gzip: %v), %d components, %d clients, %s per round, %d rounds\n",
		len(body), *gzipOn, *comps, *conc, *duration, *rounds)

	var pageRes, memRes []result
	for r := 0; r < *rounds; r++ {
		pageRes = append(pageRes, load(pageURL, len(body)))
		memRes = append(memRes, load(mem.URL, len(body)))
	}
	p, m := merge(pageRes), merge(memRes)
	fmt.Printf("%-22s %10s %9s %9s %9s\n", "target", "req/s", "p50", "p99", "errors")
	for _, x := range []struct {
		name string
		r    result
	}{{"cached status page", p}, {"bytes from memory", m}} {
		fmt.Printf("%-22s %10.0f %9s %9s %9d\n", x.name, x.r.rps(), x.r.pct(50), x.r.pct(99), x.r.errors)
	}
	fmt.Printf("ratio: %.1f %% of the in-memory handler (target ≥ 70 %%)\n", 100*p.rps()/m.rps())
}

type result struct {
	n, errors int64
	elapsed   time.Duration
	lat       []time.Duration
}

func (r result) rps() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) pct(p int) string {
	if len(r.lat) == 0 {
		return "-"
	}
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return r.lat[len(r.lat)*p/100].Round(10 * time.Microsecond).String()
}

func merge(rs []result) result {
	var out result
	for _, r := range rs {
		out.n += r.n
		out.errors += r.errors
		out.elapsed += r.elapsed
		out.lat = append(out.lat, r.lat...)
	}
	return out
}

// load runs *conc clients against url for *duration.
func load(url string, size int) result {
	tr := &http.Transport{MaxIdleConnsPerHost: *conc, MaxConnsPerHost: *conc, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	var n, errs atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	stop := time.Now().Add(*duration)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			buf := make([]byte, 64<<10)
			for time.Now().Before(stop) {
				req, _ := http.NewRequest("GET", url, nil)
				if *gzipOn {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				got := 0
				for {
					k, err := res.Body.Read(buf)
					got += k
					if err != nil {
						break
					}
				}
				res.Body.Close()
				if res.StatusCode != 200 || got != size {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{n: n.Load(), errors: errs.Load(), elapsed: time.Since(start), lat: lat}
}

// memoryServer answers every request with the page's bytes and headers.
func memoryServer(body []byte, hdr http.Header) *httpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctype, enc := hdr.Get("Content-Type"), hdr.Get("Content-Encoding")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		if enc != "" {
			w.Header().Set("Content-Encoding", enc)
		}
		w.Write(body)
	})
	s := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go s.Serve(ln)
	return &httpServer{s: s, URL: "http://" + ln.Addr().String()}
}

type httpServer struct {
	s   *http.Server
	URL string
}

func (h *httpServer) Close() { h.s.Close() }

// fetch returns the raw bytes the server sends (gzip when asked).
func fetch(url string, gz bool) ([]byte, http.Header) {
	tr := &http.Transport{DisableCompression: true}
	req, _ := http.NewRequest("GET", url, nil)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		log.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	return b, res.Header
}

// seed creates a page with components, some with incidents.
func seed(base, token string) {
	api := func(method, path string, body any) map[string]any {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		if res.StatusCode >= 300 {
			log.Fatalf("%s %s: %d %v", method, path, res.StatusCode, m)
		}
		return m
	}
	page := api("POST", "/api/v1/status-pages", map[string]any{"slug": "bench", "title": "Bench Cloud",
		"description": "A page with a realistic number of components."})
	var first any
	for i := 0; i < *comps; i++ {
		c := api("POST", "/api/v1/components", map[string]any{"name": fmt.Sprintf("Service %d", i+1),
			"group": fmt.Sprintf("Group %d", i/4+1), "status_page_id": page["id"]})
		if i == 0 {
			first = c["id"]
		}
	}
	for i := 0; i < 5; i++ {
		api("POST", "/api/v1/incidents", map[string]any{"title": fmt.Sprintf("Elevated latency %d", i+1),
			"impact": "minor", "body": "We are looking into slow responses.", "component_ids": []any{first}})
	}
}

func run(name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s %v: %v", name, args, err)
	}
}

func output(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		log.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(base string) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatal("server did not become ready")
}
