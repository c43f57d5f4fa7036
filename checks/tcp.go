package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	probing "github.com/prometheus-community/pro-bing"
)

func (c *Checker) checkTCP(ctx context.Context, j Job) Outcome {
	cfg := j.Config
	start := time.Now()
	conn, err := c.dialer(0).DialContext(ctx, "tcp", j.Target)
	if err != nil {
		return down(-1, "%s", describe(err, j.Timeout))
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if cfg.Send != "" {
		if _, err := conn.Write([]byte(cfg.Send)); err != nil {
			return down(since(start), "sending: %s", describe(err, j.Timeout))
		}
	}
	if cfg.ExpectReply != "" {
		if reason := readUntil(conn, cfg.ExpectReply, j.Timeout); reason != "" {
			return down(since(start), "%s", reason)
		}
	}
	return finish(since(start), cfg.DegradedLatencyMS, "connected")
}

// readUntil reads until want appears, the peer closes, or 64 KiB arrived.
func readUntil(conn net.Conn, want string, timeout time.Duration) string {
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < 64<<10 {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if strings.Contains(string(got), want) {
			return ""
		}
		if err != nil {
			if isTimeout(err) {
				return fmt.Sprintf("reply %q not received within %s (got %q)", want, timeout, trimTo(string(got), 60))
			}
			return fmt.Sprintf("reply %q not received before the connection ended (got %q)", want,
				trimTo(string(got), 60))
		}
	}
	return fmt.Sprintf("reply %q not found in the first 64 KiB", want)
}

func (c *Checker) checkPing(ctx context.Context, j Job) Outcome {
	cfg := j.Config
	addr, err := c.resolveOne(ctx, j.Target)
	if err != nil {
		return down(-1, "%s", describe(err, j.Timeout))
	}
	stats, err := ping(ctx, addr, cfg.PingCount, j.Timeout, false)
	if err != nil && permissionError(err) {
		stats, err = ping(ctx, addr, cfg.PingCount, j.Timeout, true)
	}
	if err != nil {
		return down(-1, "ping: %v", err)
	}
	if stats.PacketsRecv == 0 {
		return down(-1, "no reply to %d pings", stats.PacketsSent)
	}
	latency := stats.AvgRtt.Milliseconds()
	maxLoss := 0.0
	if cfg.MaxLossPercent != nil {
		maxLoss = *cfg.MaxLossPercent
	}
	if stats.PacketLoss > maxLoss {
		return down(latency, "%.0f%% packet loss is above the %.0f%% limit", stats.PacketLoss, maxLoss)
	}
	return finish(latency, cfg.DegradedLatencyMS,
		fmt.Sprintf("%d/%d replies, avg %s", stats.PacketsRecv, stats.PacketsSent, stats.AvgRtt.Round(time.Microsecond)))
}

func ping(ctx context.Context, addr string, count int, timeout time.Duration, privileged bool) (*probing.Statistics, error) {
	p := probing.New(addr)
	p.Count = count
	p.Interval = 200 * time.Millisecond
	p.Timeout = timeout
	p.SetPrivileged(privileged)
	if err := p.RunWithContext(ctx); err != nil {
		return nil, err
	}
	return p.Statistics(), nil
}

func permissionError(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "permission denied") || strings.Contains(msg, "operation not permitted") ||
		strings.Contains(msg, "protocol not supported")
}

// resolveOne resolves host to one address, refusing non-public ones on a
// restricted instance.
func (c *Checker) resolveOne(ctx context.Context, host string) (string, error) {
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return "", err
	}
	if len(addrs) == 0 {
		return "", errors.New("no address for " + host)
	}
	ip := addrs[0].Unmap()
	if MetadataAddr(ip) {
		return "", fmt.Errorf("%w: %s", errMetadata, ip)
	}
	if c.Restrict && !PublicAddr(ip) {
		return "", fmt.Errorf("%w: %s", errRestricted, ip)
	}
	return ip.String(), nil
}
