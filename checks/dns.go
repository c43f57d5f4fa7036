package checks

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

func (c *Checker) checkDNS(ctx context.Context, j Job) Outcome {
	cfg := j.Config
	qtype, ok := dns.StringToType[strings.ToUpper(cfg.RecordType)]
	if !ok {
		return down(-1, "unknown record type %q", cfg.RecordType)
	}
	msg := new(dns.Msg)
	msg.SetQuestion(dns.Fqdn(j.Target), qtype)
	msg.RecursionDesired = true

	start := time.Now()
	resp, err := c.exchange(ctx, msg, cfg, j.Timeout)
	latency := since(start)
	if err != nil {
		return down(-1, "DNS query failed: %s", describe(err, j.Timeout))
	}
	if want := dns.StringToRcode[cfg.ExpectRcode]; resp.Rcode != want {
		return down(latency, "rcode %s, expected %s", dns.RcodeToString[resp.Rcode], cfg.ExpectRcode)
	}
	answers := AnswerValues(resp, qtype)
	if reason := expectAnswers(answers, cfg, qtype); reason != "" {
		return down(latency, "%s", reason)
	}
	return finish(latency, cfg.DegradedLatencyMS, fmt.Sprintf("%d %s answers", len(answers), cfg.RecordType))
}

// exchange sends msg over the configured protocol.
func (c *Checker) exchange(ctx context.Context, msg *dns.Msg, cfg Config, timeout time.Duration) (*dns.Msg, error) {
	server := cfg.DNSServer
	if cfg.DNSProtocol == "https" {
		return c.exchangeDoH(ctx, msg, server)
	}
	def := "53"
	if cfg.DNSProtocol == "tls" {
		def = "853"
	}
	if server == "" {
		conf, err := dns.ClientConfigFromFile(c.ResolvConf)
		if err != nil || len(conf.Servers) == 0 {
			return nil, fmt.Errorf("no system resolver in %s", c.ResolvConf)
		}
		server = net.JoinHostPort(conf.Servers[0], conf.Port)
	} else if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), def)
	}
	client := &dns.Client{Net: cfg.DNSProtocol, Timeout: timeout, Dialer: c.dialer(timeout)}
	if cfg.DNSProtocol == "tls" {
		host, _, _ := net.SplitHostPort(server)
		client.Net = "tcp-tls"
		client.TLSConfig = &tls.Config{ServerName: host, RootCAs: c.Roots}
	}
	resp, _, err := client.ExchangeContext(ctx, msg, server)
	if err == nil && resp.Truncated && client.Net == "udp" {
		client.Net = "tcp"
		resp, _, err = client.ExchangeContext(ctx, msg, server)
	}
	return resp, err
}

// exchangeDoH sends msg as an RFC 8484 POST.
func (c *Checker) exchangeDoH(ctx context.Context, msg *dns.Msg, url string) (*dns.Msg, error) {
	q := msg.Copy()
	q.Id = 0
	packed, err := q.Pack()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(packed))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/dns-message")
	req.Header.Set("Accept", "application/dns-message")
	req.Header.Set("User-Agent", userAgent)
	resp, err := (&http.Client{Transport: c.verify}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("DNS over HTTPS server answered HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 65535))
	if err != nil {
		return nil, err
	}
	out := new(dns.Msg)
	if err := out.Unpack(body); err != nil {
		return nil, fmt.Errorf("DNS over HTTPS answer is not a DNS message: %v", err)
	}
	return out, nil
}

// AnswerValues lists the answers of type qtype in a normal text form:
// addresses, names without the final dot, "10 mail.example.com" for MX,
// the joined strings of TXT, `0 issue "ca.example"` for CAA, "prio weight
// port target" for SRV, and "ns mbox serial refresh retry expire minttl"
// for SOA.
func AnswerValues(m *dns.Msg, qtype uint16) []string {
	var out []string
	for _, rr := range m.Answer {
		if rr.Header().Rrtype != qtype {
			continue
		}
		out = append(out, rrValue(rr))
	}
	return out
}

func rrValue(rr dns.RR) string {
	switch r := rr.(type) {
	case *dns.A:
		return r.A.String()
	case *dns.AAAA:
		return r.AAAA.String()
	case *dns.CNAME:
		return host(r.Target)
	case *dns.MX:
		return fmt.Sprintf("%d %s", r.Preference, host(r.Mx))
	case *dns.TXT:
		return strings.Join(r.Txt, "")
	case *dns.NS:
		return host(r.Ns)
	case *dns.CAA:
		return fmt.Sprintf("%d %s %q", r.Flag, r.Tag, r.Value)
	case *dns.SRV:
		return fmt.Sprintf("%d %d %d %s", r.Priority, r.Weight, r.Port, host(r.Target))
	case *dns.SOA:
		return fmt.Sprintf("%s %s %d %d %d %d %d", host(r.Ns), host(r.Mbox), r.Serial, r.Refresh, r.Retry,
			r.Expire, r.Minttl)
	}
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

func host(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// expectAnswers checks every expectation against all answers.
func expectAnswers(got []string, cfg Config, qtype uint16) string {
	if cfg.ExpectCount != nil && len(got) != *cfg.ExpectCount {
		return fmt.Sprintf("expected %d answers, got %d (%s)", *cfg.ExpectCount, len(got), listText(got))
	}
	if len(cfg.Expect) == 0 {
		if len(got) == 0 && cfg.ExpectRcode == "NOERROR" && cfg.ExpectCount == nil {
			return fmt.Sprintf("no %s records", dns.TypeToString[qtype])
		}
		return ""
	}
	has := func(want string) bool {
		return slices.ContainsFunc(got, func(g string) bool { return answerMatches(want, g, qtype) })
	}
	switch cfg.ExpectMode {
	case "contains_any":
		for _, w := range cfg.Expect {
			if has(w) {
				return ""
			}
		}
		return fmt.Sprintf("answers %s hold none of %s", listText(got), listText(cfg.Expect))
	case "exactly":
		for _, w := range cfg.Expect {
			if !has(w) {
				return fmt.Sprintf("answers %s are not exactly %s", listText(got), listText(cfg.Expect))
			}
		}
		for _, g := range got {
			if !slices.ContainsFunc(cfg.Expect, func(w string) bool { return answerMatches(w, g, qtype) }) {
				return fmt.Sprintf("answers %s are not exactly %s (extra %s)", listText(got), listText(cfg.Expect), g)
			}
		}
		return ""
	default:
		for _, w := range cfg.Expect {
			if !has(w) {
				return fmt.Sprintf("answers %s do not contain %s", listText(got), w)
			}
		}
		return ""
	}
}

// answerMatches compares an expected value with an answer: addresses as
// addresses, names without case or final dot, and for MX and SRV the
// target alone is enough.
func answerMatches(want, got string, qtype uint16) bool {
	want = strings.TrimSpace(want)
	if a, err := netip.ParseAddr(want); err == nil {
		b, err := netip.ParseAddr(got)
		return err == nil && a == b
	}
	if qtype == dns.TypeTXT || qtype == dns.TypeCAA {
		return want == got || strings.Trim(want, `"`) == got
	}
	w, g := normName(want), normName(got)
	if w == g {
		return true
	}
	if qtype == dns.TypeMX || qtype == dns.TypeSRV {
		f := strings.Fields(g)
		return len(f) > 0 && f[len(f)-1] == w
	}
	return false
}

func normName(s string) string {
	f := strings.Fields(strings.ToLower(s))
	for i := range f {
		f[i] = strings.TrimSuffix(f[i], ".")
	}
	return strings.Join(f, " ")
}

func listText(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	return "[" + strings.Join(v, ", ") + "]"
}
