package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// Outcome is the verdict of one check, computed without the store.
type Outcome struct {
	Status    int   // store.ResultUp, ResultDegraded or ResultDown
	LatencyMS int64 // -1 when nothing was measured
	Reason    string
	Cert      *CertInfo // the verified leaf, for https and tls checks
	// CertUnverified: Cert is not on a verified chain although the monitor
	// verifies; it is shown but sends no certificate_expiring.
	CertUnverified bool
}

// CertInfo describes a certificate a check saw.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	DNSNames  []string  `json:"dns_names,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
}

// Job is what a check needs to know about its monitor.
type Job struct {
	Type    string
	Target  string
	Config  Config
	Timeout time.Duration
}

// Checker runs checks. Its zero value is not usable; use NewChecker.
type Checker struct {
	// Roots verifies TLS chains; nil means the system roots.
	Roots *x509.CertPool
	// Restrict refuses loopback, private and link-local targets.
	Restrict bool
	// Now is the clock used for certificate expiry (time.Now by default).
	Now func() time.Time
	// ResolvConf is the system resolver configuration for dns checks.
	ResolvConf string

	verify   *http.Transport
	insecure *http.Transport
}

// NewChecker builds a Checker. roots may be nil (system roots).
func NewChecker(roots *x509.CertPool, restrict bool) *Checker {
	c := &Checker{Roots: roots, Restrict: restrict, Now: time.Now, ResolvConf: "/etc/resolv.conf"}
	c.verify = c.transport(false)
	c.insecure = c.transport(true)
	return c
}

func (c *Checker) transport(insecure bool) *http.Transport {
	return &http.Transport{
		DialContext:            c.dialer(0).DialContext,
		TLSClientConfig:        &tls.Config{RootCAs: c.Roots, InsecureSkipVerify: insecure},
		DisableKeepAlives:      true,
		TLSHandshakeTimeout:    30 * time.Second,
		ResponseHeaderTimeout:  0,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
}

// dialer refuses cloud metadata addresses always, and non-public
// addresses when the checker is restricted. The check runs on the address
// actually dialled, so names that resolve there are caught too.
func (c *Checker) dialer(timeout time.Duration) *net.Dialer {
	d := &net.Dialer{Timeout: timeout}
	d.Control = func(network, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			host = address
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return fmt.Errorf("%w: %s", errRestricted, host)
		}
		if MetadataAddr(ip) {
			return fmt.Errorf("%w: %s", errMetadata, host)
		}
		if c.Restrict && !PublicAddr(ip) {
			return fmt.Errorf("%w: %s", errRestricted, host)
		}
		return nil
	}
	return d
}

var (
	errRestricted = errors.New("target address refused on this instance (loopback, private or link-local)")
	errMetadata   = errors.New("target is a cloud metadata address, which is never checked")
)

// metadataAddrs are the instance-metadata services of cloud providers.
// Checks never reach them, whatever the instance allows, because a monitor's
// answer (shown in its reason and keyword checks) could leak credentials.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, DigitalOcean…
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("169.254.169.123"), // AWS time sync
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
}

// MetadataAddr reports whether ip is a cloud metadata address.
func MetadataAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, m := range metadataAddrs {
		if ip == m {
			return true
		}
	}
	return false
}

// Run performs one check of j and returns its verdict. It never touches
// the store and never panics on bad input.
func (c *Checker) Run(ctx context.Context, j Job) (out Outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = Outcome{Status: store.ResultDown, LatencyMS: -1, Reason: fmt.Sprintf("check failed internally: %v", p)}
		}
	}()
	if j.Timeout <= 0 {
		j.Timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, j.Timeout)
	defer cancel()
	switch j.Type {
	case "http":
		return c.checkHTTP(ctx, j)
	case "tls":
		return c.checkTLS(ctx, j)
	case "dns":
		return c.checkDNS(ctx, j)
	case "tcp":
		return c.checkTCP(ctx, j)
	case "ping":
		return c.checkPing(ctx, j)
	}
	return down(-1, "%s monitors are not checked actively", j.Type)
}

func down(latency int64, format string, args ...any) Outcome {
	return Outcome{Status: store.ResultDown, LatencyMS: latency, Reason: fmt.Sprintf(format, args...)}
}

// finish turns a successful check into up or degraded by its latency.
func finish(latency int64, degradedMS int, okReason string) Outcome {
	if degradedMS > 0 && latency > int64(degradedMS) {
		return Outcome{Status: store.ResultDegraded, LatencyMS: latency,
			Reason: fmt.Sprintf("slow: %d ms is above the %d ms threshold", latency, degradedMS)}
	}
	return Outcome{Status: store.ResultUp, LatencyMS: latency, Reason: okReason}
}

func since(start time.Time) int64 { return time.Since(start).Milliseconds() }

// describe turns a network error into a short reason people understand.
func describe(err error, timeout time.Duration) string {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var authErr x509.UnknownAuthorityError
	var invalidErr x509.CertificateInvalidError
	switch {
	case errors.Is(err, errRestricted):
		return errRestricted.Error()
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
		return fmt.Sprintf("timed out after %s", timeout)
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return fmt.Sprintf("DNS: %s not found", dnsErr.Name)
		}
		return "DNS: " + dnsErr.Err
	case errors.As(err, &hostErr):
		return "TLS: " + hostErr.Error()
	case errors.As(err, &authErr):
		return "TLS: certificate is not trusted (" + authErr.Error() + ")"
	case errors.As(err, &invalidErr):
		return "TLS: " + invalidErr.Error()
	case errors.As(err, &certErr):
		return "TLS: " + certErr.Err.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by peer"
	case errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i > 0 && strings.HasPrefix(msg, "Get ") {
		msg = msg[i+2:]
	}
	return msg
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func certInfo(cert *x509.Certificate) *CertInfo {
	return &CertInfo{Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), DNSNames: cert.DNSNames,
		NotBefore: cert.NotBefore.UTC(), NotAfter: cert.NotAfter.UTC()}
}
