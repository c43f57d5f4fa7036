package checks

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

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
		{"name with NUL", Spec{Name: "a\x00b", Type: "manual"}, "name"},
		{"name with escape", Spec{Name: "a\x1b[31mb", Type: "manual"}, "name"},
		{"tag with NUL", Spec{Name: "a", Type: "manual", Tags: []string{"a\x00"}}, "tags"},
		{"200 accented characters fit", Spec{Name: strings.Repeat("é", 200), Type: "manual"}, ""},
		{"201 characters do not", Spec{Name: strings.Repeat("é", 201), Type: "manual"}, "name"},
		{"40 character tag of two-byte letters", Spec{Name: "a", Type: "manual", Tags: []string{strings.Repeat("ü", 40)}}, ""},
		{"ping host with port", Spec{Name: "a", Type: "ping", Target: "127.0.0.1:80"}, "target"},
		{"ping bracketed name", Spec{Name: "a", Type: "ping", Target: "[host]"}, "target"},
		{"tcp signed port", Spec{Name: "a", Type: "tcp", Target: "db.example:+80"}, "target"},
		{"tcp port with leading zeros", Spec{Name: "a", Type: "tcp", Target: "db.example:000080"}, "target"},
		{"tcp ipv6", Spec{Name: "a", Type: "tcp", Target: "[::1]:5432"}, ""},
		{"tls bare ipv6", Spec{Name: "a", Type: "tls", Target: "[::1]"}, ""},
		{"lt NaN", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{JSONAssertions: []JSONAssertion{{Path: "a", Op: "lt", Value: "NaN"}}}}, "json_assertions.value"},
		{"gt -Inf", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{JSONAssertions: []JSONAssertion{{Path: "a", Op: "gt", Value: "-Inf"}}}}, "json_assertions.value"},
		{"gt 1e3", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{JSONAssertions: []JSONAssertion{{Path: "a", Op: "gt", Value: "1e3"}}}}, ""},
		{"push cron that never fires", Spec{Name: "a", Type: "push", Config: Config{PushCron: "0 0 30 2 *"}}, "push_cron"},
		{"push cron @every", Spec{Name: "a", Type: "push", Config: Config{PushCron: "@every 1s"}}, "push_cron"},
		{"push cron @daily", Spec{Name: "a", Type: "push", Config: Config{PushCron: "@daily"}}, ""},
		{"push cron 29 February", Spec{Name: "a", Type: "push", Config: Config{PushCron: "0 0 29 2 *"}}, ""},
		{"too many headers", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{Headers: manyHeaders(51)}}, "headers"},
		{"50 headers", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{Headers: manyHeaders(50)}}, ""},
		{"headers on a tcp monitor are bounded too", Spec{Name: "a", Type: "tcp", Target: "x.example:1",
			Config: Config{Headers: manyHeaders(500)}}, "headers"},
		{"huge header value", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{Headers: map[string]string{"X": strings.Repeat("v", 9000)}}}, "headers"},
		{"huge request body", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{Body: strings.Repeat("b", 64<<10+1)}}, "body"},
		{"too many expected values", Spec{Name: "a", Type: "dns", Target: "x.example",
			Config: Config{Expect: FlexList(strings.Split(strings.Repeat("1.2.3.4,", 101)[:8*101-1], ","))}}, "expect"},
		{"huge expected value", Spec{Name: "a", Type: "dns", Target: "x.example",
			Config: Config{Expect: FlexList{strings.Repeat("t", 1001)}}}, "expect"},
		{"huge assertion value", Spec{Name: "a", Type: "http", Target: "http://x.example/",
			Config: Config{JSONAssertions: []JSONAssertion{{Path: "a", Op: "equals", Value: strings.Repeat("v", 1001)}}}}, "json_assertions.value"},
		{"huge cron", Spec{Name: "a", Type: "push", Config: Config{PushCron: strings.Repeat(" ", 2000) + "* * * * *"}}, "push_cron"},
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

func TestCleanPushMessage(t *testing.T) {
	for _, sc := range []struct{ in, want string }{
		{"  disk full \n", "disk full"},
		{"a\x00b\x1b[31mc", "a b [31mc"},
		{"line1\nline2", "line1 line2"},
		{"bad \xff byte", "bad \uFFFD byte"},
		{strings.Repeat("a", 499) + "é", strings.Repeat("a", 499)},
		{strings.Repeat("é", 300), strings.Repeat("é", 250)},
	} {
		got := cleanPushMessage(sc.in)
		if got != sc.want {
			t.Errorf("cleanPushMessage(%q) = %q, want %q", sc.in, got, sc.want)
		}
		if !utf8.ValidString(got) || len(got) > 500 {
			t.Errorf("cleanPushMessage(%q) = %q: invalid UTF-8 or too long", sc.in, got)
		}
	}
}

func manyHeaders(n int) map[string]string {
	h := map[string]string{}
	for i := range n {
		h["X-H"+strconv.Itoa(i)] = "v"
	}
	return h
}

// cert_warn_days 0 means never warn; only a missing value takes 14.
func TestCertWarnDaysZeroStays(t *testing.T) {
	for _, typ := range []string{"http", "tls"} {
		sp := Spec{Name: "a", Type: typ, Target: "https://x.example/", Config: Config{CertWarnDays: intPtr(0)}}
		if typ == "tls" {
			sp.Target = "x.example"
		}
		sp.Defaults()
		if err := sp.Validate(false); err != nil || sp.Config.WarnDays() != 0 {
			t.Errorf("%s: warn %d (%v), want 0", typ, sp.Config.WarnDays(), err)
		}
		sp.Config.CertWarnDays = nil
		sp.Defaults()
		if sp.Config.WarnDays() != 14 {
			t.Errorf("%s: default warn %d, want 14", typ, sp.Config.WarnDays())
		}
	}
	var c Config
	json.Unmarshal([]byte(ConfigJSON(Config{CertWarnDays: intPtr(0)})), &c)
	if c.CertWarnDays == nil || *c.CertWarnDays != 0 {
		t.Errorf("0 is not kept in the stored config: %s", ConfigJSON(Config{CertWarnDays: intPtr(0)}))
	}
}
