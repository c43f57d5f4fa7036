package app

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// TestInviteExpiry: an invite past its expiry, or revoked, no longer
// opens; an open one does, and the UI's invites last seven days.
func TestInviteExpiry(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	mk := func(secret string, expires time.Time) store.Invite {
		in, err := e.store.CreateInvite(ctx, store.Invite{TeamID: e.TeamID, Email: secret + "@example.com",
			Role: store.RoleMember, TokenHash: sha256Hex(secret), CreatedBy: e.UserID, ExpiresAt: expires.UnixMilli()})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	mk("expired", time.Now().Add(-time.Second))
	mk("open", time.Now().Add(time.Minute))
	revoked := mk("revoked", time.Now().Add(time.Minute))
	if err := e.store.RevokeInvite(ctx, e.TeamID, revoked.ID); err != nil {
		t.Fatal(err)
	}

	scenarios := []struct {
		secret string
		want   int
	}{{"expired", 404}, {"revoked", 404}, {"open", 200}, {"never-issued", 404}}
	for _, sc := range scenarios {
		t.Run(sc.secret, func(t *testing.T) {
			b := e.browser("")
			if code, _ := b.get("/invite/" + sc.secret); code != sc.want {
				t.Errorf("GET = %d, want %d", code, sc.want)
			}
			if sc.want == 404 {
				if code, _ := b.post("/invite/"+sc.secret, url.Values{"password": {"password123"}}); code != 404 {
					t.Errorf("POST = %d, want 404", code)
				}
			}
		})
	}
	if invites, _ := e.store.Invites(ctx, e.TeamID); len(invites) != 1 || invites[0].Email != "open@example.com" {
		t.Errorf("open invites = %+v, want only open@example.com", invites)
	}

	before := time.Now()
	e.browser(e.Email).post("/settings/invites", url.Values{"email": {"dan@example.com"}, "role": {"viewer"}})
	invites, _ := e.store.Invites(ctx, e.TeamID)
	got := store.Time(invites[0].ExpiresAt).Sub(before)
	if invites[0].Email != "dan@example.com" || got < 7*24*time.Hour-time.Minute || got > 7*24*time.Hour+time.Minute {
		t.Errorf("UI invite %s expires in %v, want 7 days", invites[0].Email, got)
	}
}

// resendMock is a loopback stand-in for the Resend API.
type resendMock struct {
	mu     sync.Mutex
	status int
	auth   []string
	mails  []map[string]any
}

func (m *resendMock) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/emails" {
		http.NotFound(w, r)
		return
	}
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	m.auth = append(m.auth, r.Header.Get("Authorization"))
	m.mails = append(m.mails, body)
	if m.status != 0 {
		w.WriteHeader(m.status)
		io.WriteString(w, `{"statusCode":500,"name":"application_error","message":"provider is down"}`)
		return
	}
	io.WriteString(w, `{"id":"4ef9a417-02e9-4d39-ad75-9611e0fcc33c"}`)
}

// TestInviteByEmailThroughResend sends the invite through a mock of the
// Resend API and follows the link from the mail.
func TestInviteByEmailThroughResend(t *testing.T) {
	mock := &resendMock{}
	api := httptest.NewServer(mock)
	defer api.Close()
	e := newTestEnv(t, func(c *Config) {
		c.ResendAPIKey, c.ResendBaseURL = "re_test_key", api.URL
		c.MailFrom = "Status <status@example.com>"
	})
	owner := e.browser(e.Email)

	code, page := owner.post("/settings/invites", url.Values{"email": {"erin@example.com"}, "role": {"member"}})
	if code != http.StatusOK || !strings.Contains(page, "It was also e-mailed to erin@example.com") {
		t.Fatalf("invite: %d, page does not say it was mailed", code)
	}
	mock.mu.Lock()
	if len(mock.mails) != 1 {
		t.Fatalf("resend got %d mails, want 1", len(mock.mails))
	}
	sent, auth := mock.mails[0], mock.auth[0]
	mock.mu.Unlock()
	if auth != "Bearer re_test_key" {
		t.Errorf("Authorization = %q", auth)
	}
	if to, _ := sent["to"].([]any); len(to) != 1 || to[0] != "erin@example.com" || sent["from"] != "Status <status@example.com>" {
		t.Errorf("to %v from %v", sent["to"], sent["from"])
	}
	text, _ := sent["text"].(string)
	followInvite(t, e, text, "erin@example.com")

	mock.mu.Lock()
	mock.status = http.StatusInternalServerError
	mock.mu.Unlock()
	code, page = owner.post("/settings/invites", url.Values{"email": {"fay@example.com"}, "role": {"member"}})
	if code != http.StatusOK || !strings.Contains(page, "could not be sent") || !strings.Contains(page, `id="invite-link"`) {
		t.Errorf("failed mail: %d; the page must say so and still show the link", code)
	}
}

// followInvite finds the invite link in a mail's text and joins with it.
func followInvite(t *testing.T, e *testEnv, text, email string) {
	t.Helper()
	i := strings.Index(text, e.URL+"/invite/")
	if i < 0 {
		t.Fatalf("mail text has no invite link:\n%s", text)
	}
	link := strings.Fields(text[i:])[0]
	b := e.browser("")
	path := strings.TrimPrefix(link, e.URL)
	if code, body := b.get(path); code != 200 || !strings.Contains(body, email) {
		t.Fatalf("invite page from the mail: %d", code)
	}
	if code, _ := b.post(path, url.Values{"password": {"password123"}}); code != http.StatusSeeOther {
		t.Fatalf("joining: %d", code)
	}
	if _, body := b.get("/settings"); !strings.Contains(body, email) {
		t.Error("the new member's settings page does not show them")
	}
}

// smtpServer is a small loopback SMTP server that accepts AUTH PLAIN and
// records each message.
type smtpServer struct {
	ln    net.Listener
	mu    sync.Mutex
	auths []string
	rcpts []string
	data  []string
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 localhost test SMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimSpace(line)
		upper := strings.ToUpper(cmd)
		switch {
		case strings.HasPrefix(upper, "EHLO"):
			say("250-localhost")
			say("250 AUTH PLAIN")
		case strings.HasPrefix(upper, "AUTH PLAIN "):
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(cmd[len("AUTH PLAIN "):]))
			s.mu.Lock()
			s.auths = append(s.auths, string(raw))
			s.mu.Unlock()
			say("235 ok")
		case strings.HasPrefix(upper, "MAIL FROM:"):
			say("250 ok")
		case strings.HasPrefix(upper, "RCPT TO:"):
			s.mu.Lock()
			s.rcpts = append(s.rcpts, strings.Trim(cmd[len("RCPT TO:"):], "<> "))
			s.mu.Unlock()
			say("250 ok")
		case upper == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.data = append(s.data, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case upper == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// TestInviteByEmailThroughSMTP sends the invite to a loopback SMTP server,
// with AUTH PLAIN, and follows the link from the delivered message.
func TestInviteByEmailThroughSMTP(t *testing.T) {
	srv := startSMTP(t)
	host, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	e := newTestEnv(t, func(c *Config) {
		c.SMTPHost, c.SMTPTLS, c.SMTPUser, c.SMTPPassword = host, "none", "mailer", "s3cret"
		c.SMTPPort, _ = strconv.Atoi(port)
	})
	code, page := e.browser(e.Email).post("/settings/invites",
		url.Values{"email": {"gus@example.com"}, "role": {"viewer"}})
	if code != http.StatusOK || !strings.Contains(page, "It was also e-mailed to gus@example.com") {
		t.Fatalf("invite: %d, page does not say it was mailed", code)
	}
	srv.mu.Lock()
	auths, rcpts, data := srv.auths, srv.rcpts, srv.data
	srv.mu.Unlock()
	if len(auths) != 1 || auths[0] != "\x00mailer\x00s3cret" {
		t.Errorf("AUTH PLAIN = %q", auths)
	}
	if len(rcpts) != 1 || rcpts[0] != "gus@example.com" || len(data) != 1 {
		t.Fatalf("rcpts %q, %d messages", rcpts, len(data))
	}
	msg, err := mail.ReadMessage(strings.NewReader(data[0]))
	if err != nil {
		t.Fatalf("delivered message does not parse: %v", err)
	}
	if !strings.Contains(msg.Header.Get("Subject"), "invited") {
		t.Errorf("subject %q", msg.Header.Get("Subject"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	followInvite(t, e, string(body), "gus@example.com")
}
