package checks

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"net"
	"strings"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// checkTLS connects, verifies the chain itself (so that certificates the
// server sends but that are not on the verified path do not count) and
// reports the days until the verified leaf expires.
func (c *Checker) checkTLS(ctx context.Context, j Job) Outcome {
	host, port, err := net.SplitHostPort(j.Target)
	if err != nil {
		host, port = strings.Trim(j.Target, "[]"), "443"
	}
	start := time.Now()
	d := &tls.Dialer{NetDialer: c.dialer(0), Config: &tls.Config{ServerName: host, InsecureSkipVerify: true}}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return down(-1, "%s", describe(err, j.Timeout))
	}
	defer conn.Close()
	latency := since(start)
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return down(latency, "the server sent no certificate")
	}
	if !boolOr(j.Config.VerifyTLS, true) {
		return c.unverifiedOutcome(certs[0], host, j, latency)
	}
	leaf, reason := c.verifyChain(certs, host)
	if reason != "" {
		out := down(latency, "%s", reason)
		out.Cert = certInfo(certs[0])
		// Not on a verified chain: shown, but no certificate_expiring.
		out.CertUnverified = true
		return out
	}
	out := c.expiryOutcome(leaf, j.Config.WarnDays(), latency)
	if out.Status == store.ResultUp {
		out = finishLatency(out, j.Config.DegradedLatencyMS)
	}
	return out
}

// unverifiedOutcome judges the leaf the server sent without verifying its
// chain (verify_tls false): the hostname and the expiry still count.
func (c *Checker) unverifiedOutcome(leaf *x509.Certificate, host string, j Job, latency int64) Outcome {
	if err := leaf.VerifyHostname(host); err != nil {
		out := down(latency, "TLS: %v", err)
		out.Cert = certInfo(leaf)
		return out
	}
	now := c.Now()
	if now.After(leaf.NotAfter) {
		out := down(latency, "certificate expired %s (%s)", leaf.NotAfter.UTC().Format("2006-01-02"),
			daysText(now, leaf.NotAfter))
		out.Cert = certInfo(leaf)
		return out
	}
	if now.Before(leaf.NotBefore) {
		out := down(latency, "certificate is not valid before %s", leaf.NotBefore.UTC().Format("2006-01-02"))
		out.Cert = certInfo(leaf)
		return out
	}
	out := c.expiryOutcome(leaf, j.Config.WarnDays(), latency)
	out.Reason += " (chain not verified)"
	if out.Status == store.ResultUp {
		out = finishLatency(out, j.Config.DegradedLatencyMS)
	}
	return out
}

// verifyChain verifies certs for host and returns the leaf of the
// verified chain, or a reason why it does not verify.
func (c *Checker) verifyChain(certs []*x509.Certificate, host string) (*x509.Certificate, string) {
	inter := x509.NewCertPool()
	for _, cert := range certs[1:] {
		inter.AddCert(cert)
	}
	now := c.Now()
	chains, err := certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: c.Roots, Intermediates: inter,
		CurrentTime: now})
	if err == nil {
		return chains[0][0], ""
	}
	if inv, ok := err.(x509.CertificateInvalidError); ok && inv.Reason == x509.Expired {
		leaf := certs[0]
		if now.After(leaf.NotAfter) {
			return nil, fmt.Sprintf("certificate expired %s (%s)", leaf.NotAfter.UTC().Format("2006-01-02"),
				daysText(now, leaf.NotAfter))
		}
		return nil, "a certificate in the chain has expired"
	}
	return nil, describe(err, 0)
}

func (c *Checker) expiryOutcome(leaf *x509.Certificate, warnDays int, latency int64) Outcome {
	out := Outcome{Status: store.ResultUp, LatencyMS: latency, Cert: certInfo(leaf)}
	days := DaysLeft(c.Now(), leaf.NotAfter)
	out.Reason = fmt.Sprintf("certificate valid for %d more days", days)
	if warnDays > 0 && days < warnDays {
		out.Status = store.ResultDegraded
		out.Reason = fmt.Sprintf("certificate expires in %d days (%s), within the %d-day warning",
			days, leaf.NotAfter.UTC().Format("2006-01-02"), warnDays)
	}
	return out
}

func finishLatency(out Outcome, degradedMS int) Outcome {
	if degradedMS > 0 && out.LatencyMS > int64(degradedMS) {
		out.Status = store.ResultDegraded
		out.Reason = fmt.Sprintf("slow: %d ms is above the %d ms threshold", out.LatencyMS, degradedMS)
	}
	return out
}

// DaysLeft is the number of whole days from now until t (negative when
// past).
func DaysLeft(now, t time.Time) int {
	return int(math.Floor(t.Sub(now).Hours() / 24))
}

func daysText(now, t time.Time) string {
	d := DaysLeft(now, t)
	if d < 0 {
		return fmt.Sprintf("%d days ago", -d)
	}
	return fmt.Sprintf("in %d days", d)
}
