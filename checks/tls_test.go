package checks

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// testCA is a generated certificate authority for loopback TLS servers.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test Root"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

var serial int64 = 100

// leaf issues a certificate for names valid from notBefore to notAfter.
func (ca *testCA) leaf(t *testing.T, notBefore, notAfter time.Time, dns []string, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "leaf"},
		NotBefore: notBefore, NotAfter: notAfter, DNSNames: dns, IPAddresses: ips,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

// serveTLS starts a loopback TLS server sending chain (leaf first).
func serveTLS(t *testing.T, chain [][]byte, key *ecdsa.PrivateKey) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key}}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

func TestTLSCheck(t *testing.T) {
	ca := newTestCA(t)
	other := newTestCA(t)
	now := time.Now()
	loop := []net.IP{net.ParseIP("127.0.0.1")}
	day := 24 * time.Hour

	valid, vk := ca.leaf(t, now.Add(-day), now.Add(90*day), nil, loop)
	expiring, ek := ca.leaf(t, now.Add(-day), now.Add(5*day+time.Hour), nil, loop)
	expired, xk := ca.leaf(t, now.Add(-30*day), now.Add(-2*day), nil, loop)
	wrongHost, wk := ca.leaf(t, now.Add(-day), now.Add(90*day), []string{"other.example"},
		[]net.IP{net.ParseIP("127.0.0.2")})
	untrusted, uk := other.leaf(t, now.Add(-day), now.Add(90*day), nil, loop)
	staleExtra, _ := other.leaf(t, now.Add(-30*day), now.Add(-10*day), []string{"old.example"}, nil)

	scenarios := []struct {
		name   string
		chain  [][]byte
		key    *ecdsa.PrivateKey
		want   int
		reason string
	}{
		{"valid", [][]byte{valid}, vk, store.ResultUp, "valid for 89 more days"},
		{"expiring within warning", [][]byte{expiring}, ek, store.ResultDegraded, "expires in 5 days"},
		{"expired", [][]byte{expired}, xk, store.ResultDown, "certificate expired"},
		{"wrong host", [][]byte{wrongHost}, wk, store.ResultDown, "not 127.0.0.1"},
		{"untrusted chain", [][]byte{untrusted}, uk, store.ResultDown, "not trusted"},
		{"extra expired certificate off the verified path", [][]byte{valid, staleExtra}, vk, store.ResultUp,
			"valid for 89 more days"},
	}
	c := NewChecker(ca.pool, false)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			addr := serveTLS(t, sc.chain, sc.key)
			out := c.Run(context.Background(), Job{Type: "tls", Target: addr, Config: Config{CertWarnDays: intPtr(14)},
				Timeout: 2 * time.Second})
			if out.Status != sc.want || !strings.Contains(out.Reason, sc.reason) {
				t.Errorf("got %d %q, want %d containing %q", out.Status, out.Reason, sc.want, sc.reason)
			}
			if out.Cert == nil {
				t.Error("no certificate details")
			}
		})
	}

	for _, sc := range []struct {
		name   string
		chain  [][]byte
		key    *ecdsa.PrivateKey
		verify bool
		want   int
		reason string
	}{
		{"https expired", [][]byte{expired}, xk, true, store.ResultDown, "expired"},
		{"https wrong host", [][]byte{wrongHost}, wk, true, store.ResultDown, "not 127.0.0.1"},
		{"https untrusted", [][]byte{untrusted}, uk, true, store.ResultDown, "not trusted"},
		{"https untrusted without verification", [][]byte{untrusted}, uk, false, store.ResultUp, "HTTP 200"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			addr := serveTLS(t, sc.chain, sc.key)
			out := c.Run(context.Background(), Job{Type: "http", Target: "https://" + addr + "/",
				Config: Config{VerifyTLS: &sc.verify}, Timeout: 2 * time.Second})
			if out.Status != sc.want || !strings.Contains(out.Reason, sc.reason) {
				t.Errorf("got %d %q, want %d containing %q", out.Status, out.Reason, sc.want, sc.reason)
			}
		})
	}

	t.Run("https monitor reports the verified leaf", func(t *testing.T) {
		addr := serveTLS(t, [][]byte{expiring, staleExtra}, ek)
		out := c.Run(context.Background(), Job{Type: "http", Target: "https://" + addr + "/", Timeout: 2 * time.Second})
		if out.Status != store.ResultUp || out.Cert == nil || DaysLeft(now, out.Cert.NotAfter) != 5 {
			t.Errorf("got %+v", out)
		}
	})
}

// verify_tls false on a tls monitor skips the chain but still judges the
// hostname and expiry; with verification on, an untrusted certificate is
// shown but marked so that it sends no certificate_expiring.
func TestTLSCheckWithoutVerification(t *testing.T) {
	ca := newTestCA(t)
	now := time.Now()
	day := 24 * time.Hour
	loop := []net.IP{net.ParseIP("127.0.0.1")}
	expiring, ek := ca.leaf(t, now.Add(-day), now.Add(5*day+time.Hour), nil, loop)
	expired, xk := ca.leaf(t, now.Add(-30*day), now.Add(-2*day), nil, loop)
	wrongHost, wk := ca.leaf(t, now.Add(-day), now.Add(90*day), []string{"other.example"}, nil)
	c := NewChecker(x509.NewCertPool(), false) // trusts nothing
	off, on := false, true
	for _, sc := range []struct {
		name       string
		chain      []byte
		key        *ecdsa.PrivateKey
		verify     *bool
		want       int
		reason     string
		unverified bool
	}{
		{"untrusted, expiring, not verified", expiring, ek, &off, store.ResultDegraded, "expires in 5 days", false},
		{"untrusted, expired, not verified", expired, xk, &off, store.ResultDown, "certificate expired", false},
		{"untrusted, wrong host, not verified", wrongHost, wk, &off, store.ResultDown, "127.0.0.1", false},
		{"untrusted, verified", expiring, ek, &on, store.ResultDown, "not trusted", true},
		{"untrusted, verified by default", expiring, ek, nil, store.ResultDown, "not trusted", true},
	} {
		t.Run(sc.name, func(t *testing.T) {
			addr := serveTLS(t, [][]byte{sc.chain}, sc.key)
			out := c.Run(context.Background(), Job{Type: "tls", Target: addr,
				Config: Config{CertWarnDays: intPtr(14), VerifyTLS: sc.verify}, Timeout: 2 * time.Second})
			if out.Status != sc.want || !strings.Contains(out.Reason, sc.reason) {
				t.Errorf("got %d %q, want %d containing %q", out.Status, out.Reason, sc.want, sc.reason)
			}
			if out.Cert == nil || out.CertUnverified != sc.unverified {
				t.Errorf("cert %v, unverified %v, want %v", out.Cert, out.CertUnverified, sc.unverified)
			}
		})
	}
}
