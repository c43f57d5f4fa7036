package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every address the guard refuses.
var ErrRefused = errors.New("address refused")

// Guard decides which addresses channels may reach. Link-local and cloud
// metadata addresses, unspecified and multicast addresses are always
// refused. Private and loopback addresses are allowed only when
// AllowPrivate is set, and never the product's own listening address.
// URLs are checked when a channel is saved and every connection is
// checked again when it is dialled, so DNS answers cannot sneak past.
type Guard struct {
	AllowPrivate bool
	// Self returns the host:port addresses the product answers on
	// (its listen address and the host of its base URL).
	Self func() []string

	once     sync.Once
	localIPs map[netip.Addr]bool
}

var alwaysRefused = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, cloud metadata
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba metadata
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata over IPv6
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("ff00::/8"),
	netip.MustParsePrefix("224.0.0.0/4"),
}

var private = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fc00::/7"),
}

// CheckIP says whether a connection to ip:port may be made.
func (g *Guard) CheckIP(ip netip.Addr, port int) error {
	ip = ip.Unmap()
	if ip.IsUnspecified() || ip.IsMulticast() || ip.IsLinkLocalUnicast() {
		return fmt.Errorf("%w: %s is a link-local, multicast or unspecified address", ErrRefused, ip)
	}
	for _, p := range alwaysRefused {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is a link-local or metadata address", ErrRefused, ip)
		}
	}
	if g.isSelf(ip, port) {
		return fmt.Errorf("%w: %s is this Bit Wobbly instance itself", ErrRefused, net.JoinHostPort(ip.String(),
			strconv.Itoa(port)))
	}
	if ip.IsLoopback() || ip.IsPrivate() || inAny(private, ip) {
		if !g.AllowPrivate {
			return fmt.Errorf("%w: %s is a private or loopback address (allow-private-channels is off)",
				ErrRefused, ip)
		}
	}
	return nil
}

func inAny(ps []netip.Prefix, ip netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// isSelf reports whether ip:port is where this process listens.
func (g *Guard) isSelf(ip netip.Addr, port int) bool {
	if g.Self == nil {
		return false
	}
	for _, hp := range g.Self() {
		host, p, err := net.SplitHostPort(hp)
		if err != nil || p != strconv.Itoa(port) {
			continue
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			if ip.IsLoopback() || g.isLocal(ip) {
				return true
			}
			continue
		}
		if a, err := netip.ParseAddr(host); err == nil {
			a = a.Unmap()
			if a == ip || (a.IsLoopback() && ip.IsLoopback()) {
				return true
			}
			continue
		}
		if strings.EqualFold(host, "localhost") && ip.IsLoopback() {
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		cancel()
		if err == nil {
			for _, a := range addrs {
				if a.Unmap() == ip {
					return true
				}
			}
		}
	}
	return false
}

func (g *Guard) isLocal(ip netip.Addr) bool {
	g.once.Do(func() {
		g.localIPs = map[netip.Addr]bool{}
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				g.localIPs[p.Addr().Unmap()] = true
			}
		}
	})
	return g.localIPs[ip]
}

// CheckURL validates a channel URL when it is saved: http or https, a
// host, and, when the host is an address (or localhost), an allowed one.
func (g *Guard) CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return errors.New("must be an http or https URL")
	}
	if u.User != nil {
		return errors.New("must not carry a user name or password; use the token setting")
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return errors.New("has an invalid port")
		}
		port = n
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		host = "127.0.0.1"
	}
	if host == "metadata.google.internal" || host == "metadata" {
		return fmt.Errorf("%w: %s is a cloud metadata service", ErrRefused, host)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.CheckIP(ip, port)
	}
	if ip, ok := shorthandIPv4(host); ok {
		return g.CheckIP(ip, port)
	}
	return nil
}

// shorthandIPv4 reads the legacy IPv4 spellings that some resolvers still
// accept (2852039166, 0xa9fea9fe, 0251.0376.0251.0376, 169.254.43518):
// one to four parts, each decimal, octal with a leading 0, or hex with
// 0x, the last part filling the remaining bytes.
func shorthandIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		n, err := strconv.ParseUint(digits, base, 32)
		if err != nil || digits == "" {
			return netip.Addr{}, false
		}
		vals[i] = n
	}
	last := len(vals) - 1
	for _, v := range vals[:last] {
		if v > 255 {
			return netip.Addr{}, false
		}
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	var ip uint64
	for _, v := range vals[:last] {
		ip = ip<<8 | v
	}
	ip = ip<<(8*(4-last)) | vals[last]
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}

// control runs before every connection is made (net.Dialer.Control).
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %s", ErrRefused, address)
	}
	return g.CheckIP(ap.Addr(), int(ap.Port()))
}

// Dialer returns a dialer whose connections pass the guard.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
}

// Client returns the HTTP client channels use: guarded dials, no proxy
// from the environment, no redirects followed, bounded timeouts.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:            g.Dialer().DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        60 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
