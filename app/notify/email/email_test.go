package email

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
)

func TestEmailThroughResend(t *testing.T) {
	var rec notifytest.Recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := rec.Keep(r)
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer re_123456789" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"statusCode":401,"name":"validation_error","message":"API key is invalid"}`))
			return
		}
		body := req.JSON(t)
		to, _ := body["to"].([]any)
		if r.Method != http.MethodPost || r.URL.Path != "/emails" || len(to) != 1 || body["subject"] == "" ||
			body["from"] == "" || body["text"] == "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"statusCode":422,"name":"validation_error","message":"Missing fields"}`))
			return
		}
		w.Write([]byte(`{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}`))
	}))
	defer srv.Close()
	cfg := map[string]any{"to": "a@example.com, b@example.com", "transport": "resend",
		"resend_api_key": "re_123456789", "resend_base_url": srv.URL, "from": "Alerts <alerts@example.com>"}
	ch, err := New(cfg, notifytest.Env())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ch.Send(context.Background(), notifytest.Message())
	if err != nil || res.StatusCode != 200 || !strings.Contains(res.Response, "49a3999c") {
		t.Fatalf("got %d %q %v", res.StatusCode, res.Response, err)
	}
	reqs := rec.All()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want one per recipient", len(reqs))
	}
	keys := map[string]bool{}
	for _, r := range reqs {
		keys[r.Header.Get("Idempotency-Key")] = true
		if got := r.JSON(t)["subject"]; got != "[Bit Wobbly] API is down" {
			t.Errorf("subject = %v", got)
		}
	}
	if len(keys) != 2 || keys[""] {
		t.Errorf("idempotency keys %v, want one distinct key per recipient", keys)
	}

	cfg["resend_api_key"] = "re_wrong"
	bad, _ := New(cfg, notifytest.Env())
	res, err = bad.Send(context.Background(), notifytest.Message())
	if err == nil || !notify.IsPermanent(err) || res.StatusCode != 401 || !strings.Contains(res.Response, "invalid") {
		t.Fatalf("wrong key: %d %q %v, want a permanent 401 with Resend's words", res.StatusCode, res.Response, err)
	}
}

// smtpServer is a small SMTP server: EHLO, STARTTLS (or implicit TLS),
// AUTH PLAIN, MAIL, RCPT, DATA, QUIT. It keeps what it received.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	implicit bool
	mu       sync.Mutex
	auth     []string
	rcpt     []string
	data     []string
	secure   []bool
}

func newSMTPServer(t *testing.T, implicit bool) (*smtpServer, *x509.CertPool) {
	t.Helper()
	hs := httptest.NewTLSServer(http.NotFoundHandler())
	cert := hs.TLS.Certificates[0]
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	hs.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, tls: &tls.Config{Certificates: []tls.Certificate{cert}}, implicit: implicit}
	go s.serve()
	t.Cleanup(func() { ln.Close() })
	return s, pool
}

func (s *smtpServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.session(c)
	}
}

func (s *smtpServer) session(c net.Conn) {
	defer c.Close()
	secure := false
	if s.implicit {
		tc := tls.Server(c, s.tls)
		if tc.Handshake() != nil {
			return
		}
		c, secure = tc, true
	}
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	say := func(line string) { w.WriteString(line + "\r\n"); w.Flush() }
	say("220 mock ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		switch verb {
		case "EHLO":
			if !secure {
				say("250-mock\r\n250-STARTTLS\r\n250 AUTH PLAIN")
			} else {
				say("250-mock\r\n250 AUTH PLAIN")
			}
		case "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, secure = tc, true
			r, w = bufio.NewReader(c), bufio.NewWriter(c)
		case "AUTH":
			if !secure {
				say("530 must issue STARTTLS first")
				continue
			}
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(cmd, "AUTH PLAIN "))
			s.mu.Lock()
			s.auth = append(s.auth, string(raw))
			s.mu.Unlock()
			if string(raw) != "\x00alerts\x00s3cret" {
				say("535 5.7.8 authentication failed")
				continue
			}
			say("235 2.7.0 authenticated")
		case "MAIL":
			say("250 ok")
		case "RCPT":
			s.mu.Lock()
			s.rcpt = append(s.rcpt, cmd)
			s.mu.Unlock()
			say("250 ok")
		case "DATA":
			say("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			s.mu.Lock()
			s.data = append(s.data, b.String())
			s.secure = append(s.secure, secure)
			s.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 unknown")
		}
	}
}

func TestEmailThroughSMTP(t *testing.T) {
	for _, mode := range []string{"starttls", "tls"} {
		t.Run(mode, func(t *testing.T) {
			srv, pool := newSMTPServer(t, mode == "tls")
			env := notifytest.Env()
			env.TLS = &tls.Config{RootCAs: pool}
			_, port, _ := net.SplitHostPort(srv.ln.Addr().String())
			cfg := map[string]any{"to": []any{"oncall@example.com"}, "transport": "smtp", "smtp_host": "127.0.0.1",
				"smtp_port": port, "smtp_user": "alerts", "smtp_password": "s3cret", "smtp_tls": mode,
				"from": "Bit Wobbly <alerts@example.com>"}
			ch, err := New(cfg, env)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ch.Send(context.Background(), notifytest.Message()); err != nil {
				t.Fatal(err)
			}
			srv.mu.Lock()
			data, secure := append([]string(nil), srv.data...), append([]bool(nil), srv.secure...)
			srv.mu.Unlock()
			if len(data) != 1 || !secure[0] {
				t.Fatalf("got %d messages (secure %v), want 1 over TLS", len(data), secure)
			}
			msg := data[0]
			for _, want := range []string{"To: oncall@example.com", "Subject: [Bit Wobbly] API is down",
				"Message-ID: <0123456789abcdef0123456789abcdef@bitwobbly>", "multipart/alternative"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message lacks %q:\n%s", want, msg)
				}
			}

			cfg["smtp_password"] = "wrong"
			bad, _ := New(cfg, env)
			if _, err := bad.Send(context.Background(), notifytest.Message()); err == nil ||
				!strings.Contains(err.Error(), "authentication failed") || !notify.IsPermanent(err) {
				t.Fatalf("wrong password: %v, want a permanent failure quoting the server", err)
			}
		})
	}
}

func TestEmailSettings(t *testing.T) {
	scenarios := []struct {
		cfg   map[string]any
		field string
	}{
		{map[string]any{}, "to"},
		{map[string]any{"to": "not-an-address"}, "to"},
		{map[string]any{"to": "a@example.com", "transport": "pigeon"}, "transport"},
		{map[string]any{"to": "a@example.com", "transport": "resend"}, "resend_api_key"},
		{map[string]any{"to": "a@example.com", "transport": "smtp", "smtp_host": "mail.example.com",
			"smtp_port": "99999"}, "smtp_port"},
		{map[string]any{"to": "a@example.com", "transport": "smtp", "smtp_host": "169.254.169.254"}, "smtp_host"},
		{map[string]any{"to": "a@example.com", "transport": "smtp", "smtp_host": "2852039166"}, "smtp_host"},
		{map[string]any{"to": []any{"a@example.com", 5.0}}, "to"},
		{map[string]any{"to": 5.0}, "to"},
		{map[string]any{"to": "a@example.com", "from": "x@example.com\r\nBcc: z@example.com", "transport": "smtp",
			"smtp_host": "127.0.0.1"}, "from"},
		{map[string]any{"to": "a@example.com", "from": "not an address", "transport": "smtp",
			"smtp_host": "127.0.0.1"}, "from"},
	}
	env := notifytest.Env()
	env.Mail = nil
	for _, sc := range scenarios {
		_, err := New(sc.cfg, env)
		if err == nil || !strings.HasPrefix(err.Error(), sc.field+":") {
			t.Errorf("%v: got %v, want an error about %s", sc.cfg, err, sc.field)
		}
	}
}
