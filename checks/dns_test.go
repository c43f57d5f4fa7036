package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/bitwobbly/bitwobbly/store"
)

// testZone answers a few records of example.test.
var testZone = []string{
	"example.test. 60 IN A 192.0.2.1",
	"example.test. 60 IN A 192.0.2.2",
	"example.test. 60 IN AAAA 2001:db8::1",
	"example.test. 60 IN MX 10 mail.example.test.",
	"example.test. 60 IN MX 20 backup.example.test.",
	`example.test. 60 IN TXT "v=spf1 " "-all"`,
	"example.test. 60 IN NS ns1.example.test.",
	`example.test. 60 IN CAA 0 issue "ca.example"`,
	"example.test. 60 IN SOA ns1.example.test. admin.example.test. 2026120401 7200 3600 1209600 300",
	"www.example.test. 60 IN CNAME example.test.",
	"_sip._tcp.example.test. 60 IN SRV 10 5 5060 sip.example.test.",
}

func dnsHandler(t *testing.T) dns.HandlerFunc {
	var rrs []dns.RR
	for _, z := range testZone {
		rr, err := dns.NewRR(z)
		if err != nil {
			t.Fatal(err)
		}
		rrs = append(rrs, rr)
	}
	return func(w dns.ResponseWriter, req *dns.Msg) {
		w.WriteMsg(answer(req, rrs))
	}
}

func answer(req *dns.Msg, rrs []dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.SetReply(req)
	q := req.Question[0]
	found := false
	for _, rr := range rrs {
		if strings.EqualFold(rr.Header().Name, q.Name) {
			found = true
			if rr.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, rr)
			}
		}
	}
	if !found {
		m.Rcode = dns.RcodeNameError
	}
	return m
}

// startDNS serves the zone on loopback over UDP and TCP at one port.
func startDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	h := dnsHandler(t)
	udp := &dns.Server{PacketConn: pc, Handler: h}
	tcp := &dns.Server{Listener: ln, Handler: h}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return pc.LocalAddr().String()
}

func intp(n int) *int { return &n }

func TestDNSCheck(t *testing.T) {
	addr := startDNS(t)
	h := dnsHandler(t)
	doh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := new(dns.Msg)
		if r.Header.Get("Content-Type") != "application/dns-message" || req.Unpack(body) != nil {
			w.WriteHeader(400)
			return
		}
		rec := &dohWriter{}
		h.ServeDNS(rec, req)
		out, _ := rec.msg.Pack()
		w.Header().Set("Content-Type", "application/dns-message")
		w.Write(out)
	}))
	defer doh.Close()

	scenarios := []struct {
		name   string
		target string
		cfg    Config
		want   int
		reason string
	}{
		{"A contains all", "example.test", Config{RecordType: "A", Expect: []string{"192.0.2.1", "192.0.2.2"}}, store.ResultUp, "2 A answers"},
		{"A missing one", "example.test", Config{RecordType: "A", Expect: []string{"192.0.2.1", "192.0.2.9"}},
			store.ResultDown, "do not contain 192.0.2.9"},
		{"A contains any", "example.test", Config{RecordType: "A", ExpectMode: "contains_any",
			Expect: []string{"192.0.2.9", "192.0.2.2"}}, store.ResultUp, ""},
		{"A exactly with extra answer", "example.test", Config{RecordType: "A", ExpectMode: "exactly",
			Expect: []string{"192.0.2.1"}}, store.ResultDown, "not exactly"},
		{"A exactly", "example.test", Config{RecordType: "A", ExpectMode: "exactly",
			Expect: []string{"192.0.2.2", "192.0.2.1"}}, store.ResultUp, ""},
		{"A count", "example.test", Config{RecordType: "A", ExpectCount: intp(3)}, store.ResultDown, "expected 3 answers, got 2"},
		{"AAAA normalised", "example.test", Config{RecordType: "AAAA", Expect: []string{"2001:0db8:0:0::1"}}, store.ResultUp, ""},
		{"MX by host", "example.test", Config{RecordType: "MX", Expect: []string{"mail.example.test."}}, store.ResultUp, ""},
		{"MX with priority", "example.test", Config{RecordType: "MX", Expect: []string{"20 BACKUP.example.test"}}, store.ResultUp, ""},
		{"TXT joined", "example.test", Config{RecordType: "TXT", Expect: []string{"v=spf1 -all"}}, store.ResultUp, ""},
		{"NS", "example.test", Config{RecordType: "NS", Expect: []string{"ns1.example.test"}}, store.ResultUp, ""},
		{"CAA", "example.test", Config{RecordType: "CAA", Expect: []string{`0 issue "ca.example"`}}, store.ResultUp, ""},
		{"SOA", "example.test", Config{RecordType: "SOA", ExpectCount: intp(1)}, store.ResultUp, ""},
		{"CNAME", "www.example.test", Config{RecordType: "CNAME", Expect: []string{"example.test"}}, store.ResultUp, ""},
		{"SRV", "_sip._tcp.example.test", Config{RecordType: "SRV", Expect: []string{"sip.example.test"}}, store.ResultUp, ""},
		{"NXDOMAIN", "nope.example.test", Config{RecordType: "A"}, store.ResultDown, "rcode NXDOMAIN"},
		{"NXDOMAIN expected", "nope.example.test", Config{RecordType: "A", ExpectRcode: "NXDOMAIN"}, store.ResultUp, ""},
		{"no records", "www.example.test", Config{RecordType: "MX"}, store.ResultDown, "no MX records"},
		{"over TCP", "example.test", Config{RecordType: "A", DNSProtocol: "tcp", Expect: []string{"192.0.2.1"}}, store.ResultUp, ""},
		{"over HTTPS", "example.test", Config{RecordType: "MX", DNSProtocol: "https", DNSServer: doh.URL,
			Expect: []string{"mail.example.test"}}, store.ResultUp, ""},
	}
	c := NewChecker(nil, false)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sp := Spec{Type: "dns", Target: sc.target, Config: sc.cfg}
			sp.Defaults()
			if sp.Config.DNSServer == "" {
				sp.Config.DNSServer = addr
			}
			out := c.Run(context.Background(), Job{Type: "dns", Target: sc.target, Config: sp.Config, Timeout: 2 * time.Second})
			if out.Status != sc.want || !strings.Contains(out.Reason, sc.reason) {
				t.Errorf("got %d %q, want %d containing %q", out.Status, out.Reason, sc.want, sc.reason)
			}
		})
	}
}

type dohWriter struct {
	dns.ResponseWriter
	msg *dns.Msg
}

func (w *dohWriter) WriteMsg(m *dns.Msg) error { w.msg = m; return nil }

func TestTCPCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				conn.Write([]byte("220 hello\r\n"))
				buf := make([]byte, 64)
				n, _ := conn.Read(buf)
				if strings.HasPrefix(string(buf[:n]), "PING") {
					conn.Write([]byte("+PONG\r\n"))
				}
			}()
		}
	}()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	closed.Close()

	scenarios := []struct {
		name   string
		target string
		cfg    Config
		want   int
		reason string
	}{
		{"connect", ln.Addr().String(), Config{}, store.ResultUp, "connected"},
		{"banner", ln.Addr().String(), Config{ExpectReply: "220"}, store.ResultUp, ""},
		{"send and expect", ln.Addr().String(), Config{Send: "PING\r\n", ExpectReply: "PONG"}, store.ResultUp, ""},
		{"wrong reply", ln.Addr().String(), Config{Send: "HELLO\r\n", ExpectReply: "PONG"}, store.ResultDown, "not received"},
		{"refused", closedAddr, Config{}, store.ResultDown, "refused"},
	}
	c := NewChecker(nil, false)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			out := c.Run(context.Background(), Job{Type: "tcp", Target: sc.target, Config: sc.cfg, Timeout: time.Second})
			if out.Status != sc.want || !strings.Contains(out.Reason, sc.reason) {
				t.Errorf("got %d %q, want %d containing %q", out.Status, out.Reason, sc.want, sc.reason)
			}
		})
	}
}

func TestPingCheck(t *testing.T) {
	c := NewChecker(nil, false)
	out := c.Run(context.Background(), Job{Type: "ping", Target: "127.0.0.1", Config: Config{PingCount: 2},
		Timeout: 3 * time.Second})
	if out.Status != store.ResultUp || !strings.Contains(out.Reason, "2/2 replies") {
		t.Errorf("ping 127.0.0.1: %+v", out)
	}
	out = NewChecker(nil, true).Run(context.Background(), Job{Type: "ping", Target: "127.0.0.1",
		Config: Config{PingCount: 1}, Timeout: time.Second})
	if out.Status != store.ResultDown || !strings.Contains(out.Reason, "refused on this instance") {
		t.Errorf("restricted ping: %+v", out)
	}
}

func TestDNSOverTLS(t *testing.T) {
	ca := newTestCA(t)
	der, key := ca.leaf(t, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), nil,
		[]net.IP{net.ParseIP("127.0.0.1")})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{
		Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{Listener: ln, Net: "tcp-tls", Handler: dnsHandler(t)}
	go srv.ActivateAndServe()
	defer srv.Shutdown()

	cfg := Config{RecordType: "A", DNSProtocol: "tls", DNSServer: ln.Addr().String(), Expect: []string{"192.0.2.1"},
		ExpectMode: "contains_all", ExpectRcode: "NOERROR"}
	out := NewChecker(ca.pool, false).Run(context.Background(), Job{Type: "dns", Target: "example.test", Config: cfg,
		Timeout: 2 * time.Second})
	if out.Status != store.ResultUp {
		t.Errorf("DoT with a trusted server: %+v", out)
	}
	out = NewChecker(x509.NewCertPool(), false).Run(context.Background(), Job{Type: "dns", Target: "example.test",
		Config: cfg, Timeout: 2 * time.Second})
	if out.Status != store.ResultDown || !strings.Contains(out.Reason, "not trusted") {
		t.Errorf("DoT with an untrusted server: %+v", out)
	}
}
