package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/app/notify"
	"github.com/bitwobbly/bitwobbly/app/notify/discord"
	"github.com/bitwobbly/bitwobbly/app/notify/email"
	"github.com/bitwobbly/bitwobbly/app/notify/notifytest"
	"github.com/bitwobbly/bitwobbly/app/notify/ntfy"
	"github.com/bitwobbly/bitwobbly/app/notify/opsgenie"
	"github.com/bitwobbly/bitwobbly/app/notify/pagerduty"
	"github.com/bitwobbly/bitwobbly/app/notify/slack"
	"github.com/bitwobbly/bitwobbly/app/notify/teams"
	"github.com/bitwobbly/bitwobbly/app/notify/telegram"
	"github.com/bitwobbly/bitwobbly/app/notify/webhook"
)

func TestGuardCheckURL(t *testing.T) {
	self := func() []string { return []string{"127.0.0.1:8080", "status.example.com:443"} }
	open := &notify.Guard{AllowPrivate: true, Self: self}
	shut := &notify.Guard{AllowPrivate: false, Self: self}
	scenarios := []struct {
		url        string
		open, shut bool // allowed with and without private channels
	}{
		{"https://hooks.slack.com/services/x", true, true},
		{"http://192.168.1.10:8123/hook", true, false},
		{"http://10.0.0.5/hook", true, false},
		{"http://[fd12::1]/hook", true, false},
		{"http://127.0.0.1:9000/hook", true, false},
		{"http://localhost:9000/hook", true, false},
		{"http://127.0.0.1:8080/api/v1/channels", false, false},
		{"http://localhost:8080/x", false, false},
		{"http://169.254.169.254/latest/meta-data/", false, false},
		{"http://[fe80::1]/", false, false},
		{"http://[::ffff:169.254.169.254]/", false, false},
		{"http://metadata.google.internal/computeMetadata/v1/", false, false},
		{"http://100.100.100.200/", false, false},
		{"http://0.0.0.0:9000/", false, false},
		{"http://224.0.0.1/", false, false},
		{"ftp://example.com/", false, false},
		{"not a url", false, false},
		{"https://user:pw@example.com/", false, false},
		{"http://2852039166/latest/meta-data/", false, false},
		{"http://0xa9fea9fe/", false, false},
		{"http://0xA9.0xFE.0xA9.0xFE/", false, false},
		{"http://0251.0376.0251.0376/", false, false},
		{"http://169.254.43518/", false, false},
		{"http://169.16689662/", false, false},
		{"http://0/", false, false},
		{"http://2130706433:8080/", false, false},
		{"http://0x7f.1:9000/", true, false},
		{"http://3232235786:8123/", true, false},
		{"http://1.2.3.4.5/", true, true},
		{"http://4294967296/", true, true},
		{"http://08.1.1.1/", true, true},
		{"http://example.com:99999/", false, false},
	}
	for _, sc := range scenarios {
		t.Run(sc.url, func(t *testing.T) {
			if got := open.CheckURL(sc.url) == nil; got != sc.open {
				t.Errorf("allow-private on: allowed = %v, want %v (%v)", got, sc.open, open.CheckURL(sc.url))
			}
			if got := shut.CheckURL(sc.url) == nil; got != sc.shut {
				t.Errorf("allow-private off: allowed = %v, want %v", got, sc.shut)
			}
		})
	}
}

// TestGuardRefusesAtDialTime proves the check happens when connecting,
// not only when saving: a host name that resolves to a refused address
// (here localhost, with private channels off) cannot be reached.
func TestGuardRefusesAtDialTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	shut := &notify.Guard{AllowPrivate: false}
	if err := shut.CheckURL("http://loopback.test:" + port); err != nil {
		t.Fatalf("a plain host name must pass the save-time check: %v", err)
	}
	c := shut.Client(2 * time.Second)
	_, _, err := notify.Do(context.Background(), c, http.MethodPost, "http://localhost:"+port+"/", nil, nil)
	if !errors.Is(err, notify.ErrRefused) || !notify.IsPermanent(err) {
		t.Fatalf("dial to localhost with private channels off: %v, want a permanent refusal", err)
	}
	self := &notify.Guard{AllowPrivate: true, Self: func() []string { return []string{srv.Listener.Addr().String()} }}
	_, _, err = notify.Do(context.Background(), self.Client(2*time.Second), http.MethodPost, srv.URL, nil, nil)
	if !errors.Is(err, notify.ErrRefused) {
		t.Fatalf("dial to our own address: %v, want refused", err)
	}
	open := &notify.Guard{AllowPrivate: true}
	if _, _, err := notify.Do(context.Background(), open.Client(2*time.Second), http.MethodPost, srv.URL, nil, nil); err != nil {
		t.Fatalf("loopback with private channels on: %v", err)
	}
}

func TestGuardCheckIPUnmapsIPv4(t *testing.T) {
	g := &notify.Guard{AllowPrivate: true}
	if err := g.CheckIP(netip.MustParseAddr("::ffff:169.254.169.254"), 80); err == nil {
		t.Fatal("IPv4-mapped metadata address allowed")
	}
}

func FuzzRender(f *testing.F) {
	f.Add("monitor_down", `{"monitor_id":3,"monitor_name":"API","tags":["a"],"reason":"timeout"}`)
	f.Add("certificate_expiring", `{"monitor_id":3,"days_left":"2","expires_at":"2026-12-06T00:00:00Z"}`)
	f.Add("issue_new", `{"issue_id":9,"title":"x","level":7,"url":"/issues/9","tags":"a,b"}`)
	f.Add("issue_frequency", `{"issue_id":9,"count":1e300,"window_seconds":-5}`)
	f.Add("x", `[1,2]`)
	f.Fuzz(func(t *testing.T, kind, payload string) {
		m := notify.Render(notify.Event{ID: 1, TeamID: 1, Kind: kind, Payload: json.RawMessage(payload),
			CreatedAt: 1}, "https://bw.example.com")
		if m.Title == "" {
			t.Fatal("empty title")
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("message does not encode: %v", err)
		}
	})
}

func FuzzExcerpt(f *testing.F) {
	f.Add([]byte("ok"))
	f.Add([]byte("\xff\xfe<html>\x00\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := notify.Excerpt(b)
		if len(s) > 600 {
			t.Fatalf("excerpt of %d bytes", len(s))
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzChannelSettings feeds arbitrary JSON settings to every channel
// type: each must answer a sender or a setting error, never panic.
func FuzzChannelSettings(f *testing.F) {
	f.Add(`{"url":"http://127.0.0.1:9/x","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","headers":{"A":"b"}}`)
	f.Add(`{"to":["a@example.com",3],"transport":"smtp","smtp_host":"mail","smtp_port":"25x"}`)
	f.Add(`{"bot_token":12,"chat_id":-1.5e300,"priority":[1],"topic":"t","server_url":"ftp://x"}`)
	f.Add(`{"routing_key":"R0123456789ABCDEF0123456789ABCDE","api_url":"http://[::1]:0/"}`)
	f.Add(`null`)
	types := []notify.Type{webhook.Type, email.Type, slack.Type, discord.Type, teams.Type, pagerduty.Type,
		opsgenie.Type, telegram.Type, ntfy.Type}
	env := notifytest.Env()
	f.Fuzz(func(t *testing.T, raw string) {
		var cfg map[string]any
		if json.Unmarshal([]byte(raw), &cfg) != nil || cfg == nil {
			return
		}
		for _, typ := range types {
			s, err := typ.New(cfg, env)
			if (s == nil) == (err == nil) {
				t.Fatalf("%s: sender %v with error %v", typ.Name, s, err)
			}
		}
	})
}

func TestRetryAfterIsBounded(t *testing.T) {
	scenarios := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{"1.5", 1500 * time.Millisecond},
		{"-5", 0},
		{"abc", 0},
		{"NaN", 0},
		{"0", 0},
		{"86400", 24 * time.Hour},
		{"100000", 24 * time.Hour},
		{"1e300", 24 * time.Hour},
		{"1e400", 24 * time.Hour},
		{"Infinity", 24 * time.Hour},
		{"99999999999999999999", 24 * time.Hour},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 24 * time.Hour},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0},
	}
	for _, sc := range scenarios {
		t.Run(sc.header, func(t *testing.T) {
			h := http.Header{}
			if sc.header != "" {
				h.Set("Retry-After", sc.header)
			}
			if got := notify.RetryAfter(h); got != sc.want {
				t.Errorf("RetryAfter(%q) = %v, want %v", sc.header, got, sc.want)
			}
		})
	}
}

// TestAnswerCutShortAfterSuccess: a provider that accepts (2xx) and then
// stalls or drops the connection mid-body has received the notification;
// retrying would send it twice. A failing status stays an error.
func TestAnswerCutShortAfterSuccess(t *testing.T) {
	for _, code := range []int{200, 503} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(code)
			w.Write([]byte("accep"))
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}))
		g := &notify.Guard{AllowPrivate: true}
		res, _, err := notify.Do(context.Background(), g.Client(5*time.Second), http.MethodPost, srv.URL, nil, []byte("{}"))
		srv.Close()
		if res.StatusCode != code || !strings.HasPrefix(res.Response, "accep") {
			t.Fatalf("%d: result %+v", code, res)
		}
		if code == 200 && (err != nil || !strings.Contains(res.Response, "cut short")) {
			t.Errorf("200 cut short: err %v, response %q; want success noting the cut", err, res.Response)
		}
		if code == 503 && (err == nil || notify.IsPermanent(err)) {
			t.Errorf("503 cut short: err %v, want a retryable error", err)
		}
	}
}
