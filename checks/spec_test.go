package checks

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseStatusCodes(t *testing.T) {
	scenarios := []struct {
		in      []string
		want    [][2]int
		wantErr bool
	}{
		{nil, [][2]int{{200, 399}}, false},
		{[]string{"200"}, [][2]int{{200, 200}}, false},
		{[]string{"200-299", " 301 ", "404"}, [][2]int{{200, 299}, {301, 301}, {404, 404}}, false},
		{[]string{"200-299,418"}, [][2]int{{200, 299}, {418, 418}}, false},
		{[]string{"2xx"}, nil, true},
		{[]string{"299-200"}, nil, true},
		{[]string{"600"}, nil, true},
		{[]string{"-"}, nil, true},
	}
	for _, sc := range scenarios {
		got, err := ParseStatusCodes(sc.in)
		if (err != nil) != sc.wantErr {
			t.Errorf("%q: error %v, want error %v", sc.in, err, sc.wantErr)
			continue
		}
		if diff := cmp.Diff(sc.want, got); diff != "" && !sc.wantErr {
			t.Errorf("%q: (-want +got)\n%s", sc.in, diff)
		}
	}
}

func TestSpecValidate(t *testing.T) {
	scenarios := []struct {
		name  string
		spec  Spec
		field string
	}{
		{"http ok", Spec{Name: "a", Type: "http", Target: "https://example.com/x"}, ""},
		{"http loopback allowed by default", Spec{Name: "a", Type: "http", Target: "http://127.0.0.1:8080/"}, ""},
		{"http bad scheme", Spec{Name: "a", Type: "http", Target: "gopher://x"}, "url"},
		{"http bad port", Spec{Name: "a", Type: "http", Target: "http://x.example:99999/"}, "url"},
		{"bad header", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{Headers: map[string]string{"Bad Name": "v"}}}, "headers"},
		{"tls default port", Spec{Name: "a", Type: "tls", Target: "example.com"}, ""},
		{"tls bad port", Spec{Name: "a", Type: "tls", Target: "example.com:0"}, "target"},
		{"dns over tls", Spec{Name: "a", Type: "dns", Target: "example.com",
			Config: Config{DNSProtocol: "tls", DNSServer: "dns.example"}}, ""},
		{"doh needs url", Spec{Name: "a", Type: "dns", Target: "example.com",
			Config: Config{DNSProtocol: "https", DNSServer: "1.1.1.1"}}, "dns_server"},
		{"dns bad rcode", Spec{Name: "a", Type: "dns", Target: "example.com", Config: Config{ExpectRcode: "OOPS"}}, "expect_rcode"},
		{"dns mode without values", Spec{Name: "a", Type: "dns", Target: "example.com",
			Config: Config{ExpectMode: "exactly"}}, "expect"},
		{"ping count", Spec{Name: "a", Type: "ping", Target: "host.example", Config: Config{PingCount: 50}}, "ping_count"},
		{"push cron with TZ inside", Spec{Name: "a", Type: "push", Config: Config{PushCron: "TZ=UTC 0 * * * *"}}, "push_cron"},
		{"push cron ok", Spec{Name: "a", Type: "push", Config: Config{PushCron: "*/5 * * * *", PushTimezone: "Asia/Tokyo"}}, ""},
		{"manual", Spec{Name: "a", Type: "manual"}, ""},
		{"tags with comma", Spec{Name: "a", Type: "manual", Tags: []string{"a,b"}}, "tags"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sp := sc.spec
			sp.Defaults()
			err := sp.Validate(false)
			var fe *FieldError
			switch {
			case sc.field == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case sc.field != "" && (!errors.As(err, &fe) || fe.Field != sc.field):
				t.Errorf("error %v, want one for %s", err, sc.field)
			}
		})
	}
}

func TestRestrictedTargets(t *testing.T) {
	for _, target := range []string{"http://127.0.0.1/", "http://10.0.0.1/", "http://192.168.1.1/",
		"http://169.254.169.254/", "http://[::1]/", "http://[fe80::1]/", "http://localhost/", "http://100.64.0.1/"} {
		sp := Spec{Name: "a", Type: "http", Target: target}
		sp.Defaults()
		if err := sp.Validate(true); err == nil {
			t.Errorf("%s accepted on a restricted instance", target)
		}
	}
	sp := Spec{Name: "a", Type: "http", Target: "http://93.184.216.34/"}
	sp.Defaults()
	if err := sp.Validate(true); err != nil {
		t.Errorf("public address refused: %v", err)
	}
}

func FuzzParseStatusCodes(f *testing.F) {
	for _, s := range []string{"200", "200-299", "200-299, 404", "abc", "-1", "999-100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ranges, err := ParseStatusCodes([]string{s})
		if err != nil {
			return
		}
		for _, r := range ranges {
			if r[0] < 100 || r[1] > 599 || r[0] > r[1] {
				t.Errorf("%q gave range %v", s, r)
			}
		}
	})
}

func FuzzValidJSONPath(f *testing.F) {
	for _, s := range []string{"data.items.#", "a.b", "a\\.b", "friends.#(last==\"Murphy\").first", "a.(b", "..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidJSONPath(s) == nil && s == "" {
			t.Error("empty path accepted")
		}
	})
}

func FuzzSpecValidate(f *testing.F) {
	f.Add("http", "https://example.com/", "0 3 * * *", "UTC", "A")
	f.Add("dns", "example.com", "", "", "MX")
	f.Add("push", "", "*/5 * * * *", "Europe/Berlin", "")
	f.Add("tcp", "[::1]:22", "", "", "")
	f.Fuzz(func(t *testing.T, typ, target, cron, tz, record string) {
		sp := Spec{Name: "fuzz", Type: typ, Target: target,
			Config: Config{PushCron: cron, PushTimezone: tz, RecordType: record}}
		sp.Defaults()
		sp.Validate(true)
	})
}

func FuzzParsePushCron(f *testing.F) {
	f.Add("0 3 * * *", "Europe/Berlin")
	f.Add("@daily", "UTC")
	f.Add("*/0 * * * *", "")
	f.Fuzz(func(t *testing.T, expr, tz string) {
		ParsePushCron(expr, tz)
	})
}

func FuzzFlexList(f *testing.F) {
	for _, s := range []string{`[200, 301]`, `"200-299, 301"`, `["a","b"]`, `{"a":1}`, `[null]`, `1e400`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l FlexList
		if json.Unmarshal([]byte(s), &l) == nil {
			for _, item := range l {
				_ = item
			}
		}
	})
}
