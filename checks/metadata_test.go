package checks

import (
	"context"
	"errors"
	"net/netip"
	"testing"
)

// TestDialerRefusesMetadataAddresses asks the dialer's gate directly (no
// packet is sent) on an unrestricted checker: metadata addresses are
// refused, loopback and private ones pass.
func TestDialerRefusesMetadataAddresses(t *testing.T) {
	c := NewChecker(nil, false)
	gate := c.dialer(0).Control
	if gate == nil {
		t.Fatal("the dialer has no address gate")
	}
	scenarios := []struct {
		address string
		refused bool
	}{
		{"169.254.169.254:80", true},
		{"[::ffff:169.254.169.254]:80", true},
		{"169.254.170.2:80", true},
		{"[fd00:ec2::254]:80", true},
		{"100.100.100.200:80", true},
		{"127.0.0.1:80", false},
		{"10.1.2.3:443", false},
		{"[::1]:53", false},
	}
	for _, sc := range scenarios {
		err := gate("tcp", sc.address, nil)
		if got := errors.Is(err, errMetadata); got != sc.refused {
			t.Errorf("%s: refused = %v (%v), want %v", sc.address, got, err, sc.refused)
		}
	}
}

// TestPingRefusesMetadataAddresses resolves IP literals only (no lookup
// leaves the machine).
func TestPingRefusesMetadataAddresses(t *testing.T) {
	c := NewChecker(nil, false)
	if _, err := c.resolveOne(context.Background(), "169.254.169.254"); !errors.Is(err, errMetadata) {
		t.Fatalf("ping target 169.254.169.254: %v, want the metadata refusal", err)
	}
	if ip, err := c.resolveOne(context.Background(), "127.0.0.1"); err != nil || ip != "127.0.0.1" {
		t.Fatalf("ping target 127.0.0.1: %q %v", ip, err)
	}
}

func TestMetadataAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"169.254.169.254": true, "::ffff:169.254.169.254": true, "fd00:ec2::254": true,
		"100.100.100.200": true, "169.254.1.1": false, "127.0.0.1": false, "10.0.0.1": false,
	} {
		if got := MetadataAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("MetadataAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
