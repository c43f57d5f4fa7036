package checks

import (
	"context"
	"errors"
	"net/netip"
	"strings"
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

// TestValidateRefusesMetadataTargets checks only the saved definition (no
// packet is sent): metadata addresses are refused with the field named,
// restricted or not.
func TestValidateRefusesMetadataTargets(t *testing.T) {
	scenarios := []struct {
		spec  Spec
		field string
	}{
		{Spec{Name: "a", Type: "http", Target: "http://169.254.169.254/latest/meta-data/"}, "url"},
		{Spec{Name: "a", Type: "http", Target: "http://[::ffff:169.254.169.254]/"}, "url"},
		{Spec{Name: "a", Type: "http", Target: "http://[fd00:ec2::254]/"}, "url"},
		{Spec{Name: "a", Type: "http", Target: "http://Metadata.Google.Internal/computeMetadata/v1/"}, "url"},
		{Spec{Name: "a", Type: "http", Target: "http://metadata.google.internal./"}, "url"},
		{Spec{Name: "a", Type: "tcp", Target: "169.254.170.2:80"}, "target"},
		{Spec{Name: "a", Type: "tls", Target: "100.100.100.200"}, "target"},
		{Spec{Name: "a", Type: "tls", Target: "metadata.google.internal:443"}, "target"},
		{Spec{Name: "a", Type: "ping", Target: "169.254.169.123"}, "target"},
		{Spec{Name: "a", Type: "dns", Target: "example.com", Config: Config{DNSServer: "169.254.169.254"}}, "dns_server"},
		{Spec{Name: "a", Type: "dns", Target: "example.com",
			Config: Config{DNSProtocol: "https", DNSServer: "http://169.254.169.254/dns-query"}}, "dns_server"},
	}
	for _, restrict := range []bool{false, true} {
		for _, sc := range scenarios {
			sp := sc.spec
			sp.Defaults()
			err := sp.Validate(restrict)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != sc.field || !strings.Contains(fe.Message, "metadata") {
				t.Errorf("restrict=%v %s %q: %v, want a metadata refusal for %s", restrict, sc.spec.Type, sc.spec.Target, err, sc.field)
			}
		}
	}
	ok := Spec{Name: "a", Type: "http", Target: "http://169.254.1.1/"}
	ok.Defaults()
	if err := ok.Validate(false); err != nil {
		t.Errorf("another link-local address on an unrestricted instance: %v", err)
	}
}
