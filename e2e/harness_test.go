// Package e2e tests the real bitwobbly binary from the outside: it builds
// the binary once, starts it on a free loopback port over a temporary data
// directory, and talks to it over HTTP, through its command line and with
// headless Chromium.
//
// Helpers for tests in this package:
//
//   - TestMain builds the binary once, with -race when the tests run with
//     it (a data race in the server then makes Stop fail with exit 66).
//   - startServer(t, serverOptions{}) returns a running *server. Before serving it runs
//     `bitwobbly admin create` (owner ownerEmail/ownerPassword) and
//     `bitwobbly token create`; the token is in srv.Token. Set
//     serverOptions.Fresh for an instance with no account (the setup page),
//     Args/Env for extra flags and BITWOBBLY_* variables.
//   - srv.URL ("http://127.0.0.1:PORT"), srv.Addr, srv.Data, srv.Cmd and
//     srv.Log (everything the process wrote to stdout/stderr; printed when a
//     test fails). srv.WaitLog(t, "text", timeout) waits for a log line.
//   - srv.Stop(t) sends SIGTERM and fails unless the exit code is 0;
//     srv.Kill(t) sends SIGKILL; srv.Restart(t) starts it again on the same
//     data directory and port (stopping it first when it still runs).
//   - srv.CLI(t, args...) runs another command (`backup --out F`, …) with
//     --data set; runBinary(t, env, args...) runs one with anything.
//   - srv.API(t, method, path, body) sends JSON with srv.Token as bearer and
//     returns a *response (Status, Header, Body; r.JSON(t, &v), r.Map(t));
//     srv.Do(t, method, path, body, token) does the same with another token
//     (or none when token is ""); body may be nil, []byte, string or any
//     value encoded as JSON.
//   - requireTool(t, "chromium"|"node"|"python3") skips when the tool is
//     missing, and fails instead when CI=true.
//   - newBrowser(t, browserOptions{Width, Height, NoJS, Dark}) starts a
//     fresh headless Chromium (own user-data-dir) and returns a *browser:
//     b.Run(t, steps...) runs chromedp actions with a 30 s deadline,
//     get(t, b, chromedp.Text(chromedp.CSS("h1"))) runs one that returns a
//     value, b.Open(t, url) navigates and waits for the body, b.SignIn(t, srv,
//     email, password) signs in through the form, b.Screenshot(t, "name")
//     saves a full-page PNG under e2e/artifacts/<TestName>/name.png, and
//     b.Console() / b.CSPViolations() return what the pages logged.
//     Confirm dialogs (data-confirm forms) are answered OK and recorded:
//     b.Dialogs(); b.DismissDialogs(true) answers Cancel instead.
//
// chromedp here is v0.23 with the generic API: selectors are typed
// (chromedp.CSS("#id"), not the old ByQuery option), actions that read
// return their value (get(t, b, chromedp.Value(chromedp.CSS("#x"))),
// chromedp.Evaluate[int](js)), and protocol commands run through
// command(emulation.X, emulation.XParams{…}). See docs/MIGRATION.md in the
// module for the old-to-new names.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The owner created by startServer.
const (
	ownerEmail    = "owner@example.com"
	ownerPassword = "correct horse battery"
)

// binPath is the binary TestMain built.
var binPath string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bitwobbly-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	binPath = filepath.Join(dir, "bitwobbly")
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build:", err)
		return 1
	}
	return m.Run()
}

// inCI reports whether missing tools must fail tests instead of skipping.
func inCI() bool { return os.Getenv("CI") == "true" }

// requireTool skips the test when an external program is missing, or fails
// it when running in CI.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	path := name
	if name == "chromium" {
		path = "/usr/bin/chromium"
	}
	p, err := exec.LookPath(path)
	if err != nil {
		if inCI() {
			t.Fatalf("%s is required in CI but missing: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// syncBuffer collects a process's output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serverOptions change how startServer starts the binary.
type serverOptions struct {
	// Fresh skips creating the owner and token (first visit shows setup).
	Fresh bool
	// Args are extra flags for serve; Env extra environment variables.
	Args []string
	Env  []string
	// Data reuses a data directory instead of a new temporary one.
	Data string
}

// server is a running bitwobbly serve process.
type server struct {
	URL   string
	Addr  string
	Data  string
	Token string
	Cmd   *exec.Cmd
	Log   *syncBuffer

	opts serverOptions
	done chan struct{}
	err  error // exit error, valid after done closes
}

// startServer starts the binary and waits until /readyz answers 200.
func startServer(t testing.TB, opts serverOptions) *server {
	t.Helper()
	s := &server{opts: opts, Data: opts.Data, Log: &syncBuffer{}}
	if s.Data == "" {
		s.Data = filepath.Join(t.TempDir(), "data")
	}
	s.Addr = freeAddr(t)
	s.URL = "http://" + s.Addr
	if !opts.Fresh {
		runBinary(t, opts.Env, "admin", "create", "--data", s.Data,
			"--email", ownerEmail, "--password", ownerPassword, "--team", "Owner team")
		out := runBinary(t, opts.Env, "token", "create", "--data", s.Data, "--email", ownerEmail, "--name", "e2e")
		s.Token = lastLine(out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", clip(s.Log.String()))
		}
		if s.running() {
			s.Cmd.Process.Kill()
			<-s.done
		}
	})
	s.launch(t)
	return s
}

func (s *server) launch(t testing.TB) {
	t.Helper()
	args := append([]string{"serve", "--addr", s.Addr, "--data", s.Data}, s.opts.Args...)
	cmd := exec.Command(binPath, args...)
	cmd.Env = append(os.Environ(), s.opts.Env...)
	cmd.Stdout, cmd.Stderr = s.Log, s.Log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start server: %v", err)
	}
	s.Cmd = cmd
	s.done = make(chan struct{})
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	s.waitReady(t)
}

func (s *server) waitReady(t testing.TB) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("server exited before ready: %v (log below)", s.err)
		default:
		}
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server not ready after 60s (log below)")
}

func (s *server) running() bool {
	if s.done == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Stop sends SIGTERM and fails the test unless the process exits 0
// within 30 s.
func (s *server) Stop(t testing.TB) {
	t.Helper()
	if err := s.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.Cmd.Process.Kill()
		<-s.done
		t.Fatal("server did not exit within 30s of SIGTERM (log below)")
	}
	if s.err != nil {
		t.Fatalf("server exit after SIGTERM: %v, want exit 0 (log below)", s.err)
	}
}

// Kill ends the process with SIGKILL, as a crash would.
func (s *server) Kill(t testing.TB) {
	t.Helper()
	if err := s.Cmd.Process.Kill(); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	<-s.done
}

// Restart starts the server again on the same data directory and port,
// stopping it with SIGTERM first when it still runs.
func (s *server) Restart(t testing.TB) {
	t.Helper()
	if s.running() {
		s.Stop(t)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ln, err := net.Listen("tcp", s.Addr)
		if err == nil {
			ln.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %s still busy: %v", s.Addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.launch(t)
}

// WaitLog waits until the process output contains text.
func (s *server) WaitLog(t testing.TB, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(s.Log.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("log never contained %q (log below)", text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CLI runs another subcommand of the binary over this server's data
// directory and returns its stdout; a non-zero exit fails the test.
func (s *server) CLI(t testing.TB, args ...string) string {
	t.Helper()
	if len(args) == 0 {
		t.Fatal("CLI: no command")
	}
	n := 1
	if args[0] == "admin" || args[0] == "token" {
		n = 2
	}
	full := append(append(append([]string{}, args[:n]...), "--data", s.Data), args[n:]...)
	return runBinary(t, s.opts.Env, full...)
}

// runBinary runs the binary with args and extra environment and returns
// its stdout; a non-zero exit fails the test.
func runBinary(t testing.TB, env []string, args ...string) string {
	t.Helper()
	stdout, stderr, code := execBinary(t, env, args...)
	if code != 0 {
		t.Fatalf("bitwobbly %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// execBinary runs the binary and returns its output and exit code.
func execBinary(t testing.TB, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	began := time.Now()
	defer func() {
		if d := time.Since(began); d > 10*time.Second {
			t.Logf("bitwobbly %s took %v", strings.Join(args, " "), d.Round(time.Millisecond))
		}
	}()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run bitwobbly %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

// clip keeps the start and the end of a long log (a crash dump can run to
// megabytes).
func clip(log string) string {
	const head, tail = 8 << 10, 24 << 10
	if len(log) <= head+tail {
		return log
	}
	return log[:head] + fmt.Sprintf("\n[… %d bytes left out …]\n", len(log)-head-tail) + log[len(log)-tail:]
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// freeAddr finds a free loopback port.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// response is an HTTP answer read to the end.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode JSON (status %d): %v\n%s", r.Status, err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r *response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// API sends a request with the owner's token.
func (s *server) API(t testing.TB, method, path string, body any) *response {
	t.Helper()
	return s.Do(t, method, path, body, s.Token)
}

// Do sends a request with a bearer token ("" for none). Body may be nil,
// []byte, a string, or a value encoded as JSON.
func (s *server) Do(t testing.TB, method, path string, body any, token string) *response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// browserOptions shape a headless Chromium.
type browserOptions struct {
	Width, Height int  // viewport size; default 1280×900; under 600 emulates a phone
	NoJS          bool // disable JavaScript
	Dark          bool // prefers-color-scheme: dark
}

// browser is one headless Chromium with a fresh profile.
type browser struct {
	Ctx context.Context

	mu      sync.Mutex
	console []string
	dialogs []string
	dismiss bool
}

// newBrowser starts Chromium; it is closed when the test ends.
func newBrowser(t testing.TB, o browserOptions) *browser {
	t.Helper()
	exe := requireTool(t, "chromium")
	if o.Width == 0 {
		o.Width, o.Height = 1280, 900
	}
	profile := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(o.Width, o.Height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	b := &browser{Ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatalf("listen: %v", err)
	}

	steps := []chromedp.Action[chromedp.Void]{
		command(page.Enable, page.EnableParams{}),
		command(cdplog.Enable, cdp.Empty{}),
		command(runtime.Enable, cdp.Empty{}),
	}
	if o.Width < 600 {
		steps = append(steps, chromedp.EmulateViewport(int64(o.Width), int64(o.Height), chromedp.EmulateMobile))
	} else {
		steps = append(steps, chromedp.EmulateViewport(int64(o.Width), int64(o.Height)))
	}
	if o.NoJS {
		steps = append(steps, command(emulation.SetScriptExecutionDisabled,
			emulation.SetScriptExecutionDisabledParams{Value: true}))
	}
	if o.Dark {
		steps = append(steps, command(emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		}))
	}
	b.Run(t, steps...)
	return b
}

// command makes an action from a DevTools protocol command.
func command[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, params)
		return err
	})
}

func (b *browser) listen(ev any) {
	var msg string
	switch e := ev.(type) {
	case *cdplog.EventEntryAdded:
		msg = fmt.Sprintf("%s %s: %s (%s)", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL)
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			v := strings.Trim(string(a.Value), `"`)
			if v == "" {
				v = a.Description
			}
			parts = append(parts, v)
		}
		msg = fmt.Sprintf("console %s: %s", e.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		msg = "exception: " + e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
	case *page.EventJavascriptDialogOpening:
		b.mu.Lock()
		b.dialogs = append(b.dialogs, e.Message)
		accept := !b.dismiss
		b.mu.Unlock()
		go chromedp.Call(b.Ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
		return
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, msg)
	b.mu.Unlock()
}

// Dialogs returns the messages of the alert/confirm dialogs shown so far.
// Dialogs are accepted (confirm answers OK) unless DismissDialogs(true).
func (b *browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// DismissDialogs makes later dialogs answer Cancel (true) or OK (false).
func (b *browser) DismissDialogs(dismiss bool) {
	b.mu.Lock()
	b.dismiss = dismiss
	b.mu.Unlock()
}

// Console returns every console message, log entry and uncaught exception
// so far.
func (b *browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// CSPViolations returns the console messages about the Content Security
// Policy.
func (b *browser) CSPViolations() []string {
	var out []string
	for _, m := range b.Console() {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Content-Security-Policy") {
			out = append(out, m)
		}
	}
	return out
}

// Run runs chromedp actions with a 30 s deadline, failing the test on error.
func (b *browser) Run(t testing.TB, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// get runs one chromedp action that returns a value (chromedp.Title(),
// chromedp.Text(sel), chromedp.Evaluate[T](js), …) with a 30 s deadline.
func get[T any](t testing.TB, b *browser, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// Open navigates to url and waits for the page body.
func (b *browser) Open(t testing.TB, url string) {
	t.Helper()
	b.Run(t, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// Location returns the current URL.
func (b *browser) Location(t testing.TB) string {
	t.Helper()
	return get(t, b, chromedp.Location())
}

// SignIn signs in through the login form and waits for the dashboard.
func (b *browser) SignIn(t testing.TB, s *server, email, password string) {
	t.Helper()
	b.Open(t, s.URL+"/login")
	b.Run(t,
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
	)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Screenshot saves a full-page PNG as artifacts/<TestName>/<name>.png and
// returns its path.
func (b *browser) Screenshot(t testing.TB, name string) string {
	t.Helper()
	png := get(t, b, chromedp.FullScreenshot(100))
	dir := filepath.Join("artifacts", unsafeName.ReplaceAllString(t.Name(), "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, unsafeName.ReplaceAllString(name, "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return path
}
