package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestSetupRunsOnceEvenUnderARace(t *testing.T) {
	fresh := newBareEnv(t)
	b1, b2 := fresh.browser(""), fresh.browser("")
	form := func(email string) url.Values {
		return url.Values{"team": {"T"}, "email": {email}, "password": {"password123"}}
	}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, b := range []*browser{b1, b2} {
		wg.Add(1)
		go func(i int, b *browser) {
			defer wg.Done()
			codes[i], _ = b.post("/setup", form([]string{"a@example.com", "b@example.com"}[i]))
		}(i, b)
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		if c == http.StatusSeeOther {
			ok++
		} else if c != http.StatusNotFound {
			t.Errorf("setup answered %d, want 303 or 404", c)
		}
	}
	if ok != 1 {
		t.Fatalf("%d setups succeeded, want exactly 1 (codes %v)", ok, codes)
	}
	if code, body := fresh.browser("").get("/setup"); code != http.StatusNotFound ||
		!strings.Contains(body, "Setup is already complete; sign in instead.") {
		t.Errorf("GET /setup after setup: %d, want 404 saying to sign in", code)
	}
}

func TestSetupValidatesFields(t *testing.T) {
	e := newBareEnv(t)
	b := e.browser("")
	code, body := b.post("/setup", url.Values{"team": {""}, "email": {"nope"}, "password": {"short"}})
	if code != http.StatusBadRequest {
		t.Fatalf("status %d, want 400", code)
	}
	for _, want := range []string{"Enter a team name", "valid e-mail", "at least 8 characters"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if done, _ := e.store.SetupDone(t.Context()); done {
		t.Error("a refused setup marked the instance as set up")
	}
}

func TestLoginWrongPasswordThenRight(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser("")
	code, body := b.post("/login", url.Values{"email": {e.Email}, "password": {"wrong-password"}})
	if code != http.StatusUnauthorized || !strings.Contains(body, "Wrong e-mail or password") {
		t.Fatalf("wrong password: %d", code)
	}
	code, _ = b.post("/login", url.Values{"email": {e.Email}, "password": {"password123"}})
	if code != http.StatusSeeOther {
		t.Fatalf("right password: %d", code)
	}
	if code, body := b.get("/"); code != http.StatusOK || !strings.Contains(body, "Overview") {
		t.Fatalf("dashboard: %d", code)
	}
	b.post("/logout", nil)
	if code, _ := b.get("/"); code != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d, want redirect", code)
	}
}

func TestLoginIsThrottledPerAccount(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser("")
	for i := 0; i < loginPerAccount; i++ {
		b.post("/login", url.Values{"email": {e.Email}, "password": {"bad"}})
	}
	code, body := b.post("/login", url.Values{"email": {e.Email}, "password": {"password123"}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("after %d failures: %d", loginPerAccount, code)
	}
}

func TestFormsNeedCSRFToken(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	code, _ := b.post("/settings/tokens", url.Values{"name": {"x"}, "_csrf": {"forged-token-value-xxxxxxxx"}})
	if code != http.StatusForbidden {
		t.Fatalf("forged token: %d, want 403", code)
	}
}

func TestTokenFromUIWorksOnAPIAndCanBeRevoked(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	code, body := b.post("/settings/tokens", url.Values{"name": {"ci"}})
	if code != http.StatusOK {
		t.Fatalf("create token: %d", code)
	}
	m := regexp1(`id="new-token" type="text" value="(bw_[^"]+)"`, body)
	if m == "" {
		t.Fatal("token not shown")
	}
	code, raw := e.do("GET", "/api/v1/me", m, nil)
	if code != 200 || !strings.Contains(string(raw), e.Email) {
		t.Fatalf("/api/v1/me: %d %s", code, raw)
	}
	var list struct{ Data []apiTokenJSON }
	_, raw = e.api("GET", "/api/v1/tokens", nil)
	json.Unmarshal(raw, &list)
	var id int64
	for _, tk := range list.Data {
		if tk.Name == "ci" {
			id = tk.ID
		}
	}
	if code, _ := e.api("DELETE", "/api/v1/tokens/"+itoa(id), nil); code != http.StatusNoContent {
		t.Fatalf("revoke: %d", code)
	}
	if code, _ := e.do("GET", "/api/v1/me", m, nil); code != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", code)
	}
}

func TestAPIErrors(t *testing.T) {
	e := newTestEnv(t)
	scenarios := []struct {
		name, method, path, token string
		body                      any
		want                      int
		code                      string
	}{
		{"no token", "GET", "/api/v1/me", "", nil, 401, "unauthorized"},
		{"bad token", "GET", "/api/v1/me", "bw_nope", nil, 401, "unauthorized"},
		{"unknown route", "GET", "/api/v1/nothing-here", e.Token, nil, 404, "not_found"},
		{"bad limit", "GET", "/api/v1/tokens?limit=0", e.Token, nil, 400, "invalid"},
		{"limit over 500", "GET", "/api/v1/members?limit=501", e.Token, nil, 400, "invalid"},
		{"bad cursor", "GET", "/api/v1/tokens?cursor=zzz", e.Token, nil, 400, "invalid"},
		{"huge body", "POST", "/api/v1/me", e.Token, strings.Repeat("x", 2<<20), 413, ""},
		{"huge JSON", "POST", "/api/v1/monitors", e.Token, `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "too_large"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, raw := e.do(sc.method, sc.path, sc.token, sc.body)
			if code != sc.want {
				t.Fatalf("status %d, want %d: %s", code, sc.want, raw)
			}
			if sc.code == "" {
				return
			}
			var body struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(raw, &body); err != nil || body.Error.Code != sc.code || body.Error.Message == "" {
				t.Fatalf("body %s, want error code %q", raw, sc.code)
			}
		})
	}
}

// TestChunkedOversizedJSONIs413: a body sent without Content-Length
// that grows past the limit while it is decoded is refused with 413, like
// one whose length is declared.
func TestChunkedOversizedJSONIs413(t *testing.T) {
	e := newTestEnv(t)
	body := io.MultiReader(strings.NewReader(`{"name":"`), strings.NewReader(strings.Repeat("x", 2<<20)),
		strings.NewReader(`"}`))
	req, err := http.NewRequest("POST", e.URL+"/api/v1/monitors", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestEntityTooLarge ||
		!strings.Contains(string(raw), `"code":"too_large"`) {
		t.Fatalf("status %d: %s, want 413 too_large", res.StatusCode, raw)
	}
}

func TestInviteByLinkRoleAndRemoval(t *testing.T) {
	e := newTestEnv(t)
	owner := e.browser(e.Email)
	code, body := owner.post("/settings/invites", url.Values{"email": {"bob@example.com"}, "role": {"viewer"}})
	if code != 200 {
		t.Fatalf("invite: %d", code)
	}
	link := regexp1(`id="invite-link" type="text" value="([^"]+)"`, body)
	if link == "" {
		t.Fatal("no invite link shown")
	}
	path := strings.TrimPrefix(link, e.URL)
	bob := e.browser("")
	if code, _ := bob.get(path); code != 200 {
		t.Fatalf("invite page: %d", code)
	}
	if code, _ := bob.post(path, url.Values{"password": {"password123"}}); code != http.StatusSeeOther {
		t.Fatalf("accept: %d", code)
	}
	if code, _ := bob.post(path, url.Values{"password": {"password123"}}); code != http.StatusNotFound {
		t.Fatalf("second accept: %d, want 404", code)
	}
	if code, body := bob.get("/settings"); code != 200 || !strings.Contains(body, "viewer") {
		t.Fatalf("bob's settings: %d", code)
	}
	// A viewer cannot invite.
	if code, _ := bob.post("/settings/invites", url.Values{"email": {"x@example.com"}, "role": {"member"}}); code != 403 {
		t.Fatalf("viewer invites: %d, want 403", code)
	}
	bobUser, _ := e.store.UserByEmail(t.Context(), "bob@example.com")
	if code, _ := owner.post("/settings/members/"+itoa(bobUser.ID)+"/role", url.Values{"role": {"member"}}); code != 303 {
		t.Fatalf("set role: %d", code)
	}
	if role, _ := e.store.Membership(t.Context(), e.TeamID, bobUser.ID); role != "member" {
		t.Fatalf("role %q, want member", role)
	}
	if code, _ := owner.post("/settings/members/"+itoa(bobUser.ID)+"/remove", nil); code != 303 {
		t.Fatalf("remove: %d", code)
	}
	if code, _ := bob.get("/"); code != http.StatusSeeOther {
		t.Fatalf("removed member still signed in: %d", code)
	}
}

func TestTeamsAreIsolated(t *testing.T) {
	e := newTestEnv(t)
	otherToken, _, _ := e.newOwner("eve@example.com")
	var list struct{ Data []apiTokenJSON }
	_, raw := e.do("GET", "/api/v1/tokens", otherToken, nil)
	json.Unmarshal(raw, &list)
	for _, tk := range list.Data {
		if tk.User == e.Email {
			t.Fatalf("team B sees team A's token %v", tk)
		}
	}
	// Team A's token id, revoked through team B: 404, and still alive.
	tokens, _ := e.store.Tokens(t.Context(), e.TeamID)
	if code, _ := e.do("DELETE", "/api/v1/tokens/"+itoa(tokens[0].ID), otherToken, nil); code != 404 {
		t.Fatalf("cross-team revoke: %d, want 404", code)
	}
	if code, _ := e.api("GET", "/api/v1/me", nil); code != 200 {
		t.Fatal("team A's token stopped working")
	}
}

func TestTokenAndMemberListsArePaged(t *testing.T) {
	e := newTestEnv(t)
	for i := range 4 {
		if _, _, err := issueToken(t.Context(), e.store, e.TeamID, e.UserID, "t"+itoa(int64(i))); err != nil {
			t.Fatal(err)
		}
		e.addMember(e.TeamID, "m"+itoa(int64(i))+"@example.com", "viewer")
	}
	for _, path := range []string{"/api/v1/tokens", "/api/v1/members"} {
		t.Run(path, func(t *testing.T) {
			seen := map[float64]bool{}
			cursor, pages := "", 0
			for {
				var body struct {
					Data       []map[string]any `json:"data"`
					NextCursor *string          `json:"next_cursor"`
				}
				m := e.apiJSON("GET", path+"?limit=2&cursor="+cursor, nil, 200)
				raw, _ := json.Marshal(m)
				json.Unmarshal(raw, &body)
				pages++
				if len(body.Data) > 2 {
					t.Fatalf("page of %d items with limit=2", len(body.Data))
				}
				for _, item := range body.Data {
					id, _ := item["id"].(float64)
					if id == 0 {
						id, _ = item["user_id"].(float64)
					}
					if seen[id] {
						t.Fatalf("id %v on two pages", id)
					}
					seen[id] = true
				}
				if body.NextCursor == nil {
					break
				}
				cursor = *body.NextCursor
			}
			if len(seen) != 5 || pages != 3 {
				t.Errorf("%d items over %d pages, want 5 over 3", len(seen), pages)
			}
		})
	}
}

// TestLoginThrottleHoldsUnderParallelGuesses: guesses sent at once are
// counted before their passwords are checked, so no more than the limit
// of them is ever tried.
func TestLoginThrottleHoldsUnderParallelGuesses(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser("")
	b.csrf()
	const n = 3 * loginPerAccount
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = b.post("/login", url.Values{"email": {e.Email}, "password": {"guess"}})
		}()
	}
	wg.Wait()
	tried := 0
	for _, c := range codes {
		switch c {
		case http.StatusUnauthorized:
			tried++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("guess answered %d, want 401 or 429", c)
		}
	}
	if tried != loginPerAccount {
		t.Errorf("%d of %d parallel guesses were checked, want %d", tried, n, loginPerAccount)
	}
}

// TestInvitePasswordIsThrottled: accepting an invite as an existing
// account checks that account's password, which must be throttled like
// the sign-in form (another team's admin could invite anyone).
func TestInvitePasswordIsThrottled(t *testing.T) {
	e := newTestEnv(t)
	otherTeam := e.browser(e.Email)
	_, body := otherTeam.post("/settings/invites", url.Values{"email": {"victim@example.com"}, "role": {"viewer"}})
	link := regexp1(`id="invite-link" type="text" value="([^"]+)"`, body)
	if link == "" {
		t.Fatal("no invite link")
	}
	e.newOwner("victim@example.com")
	path := strings.TrimPrefix(link, e.URL)
	b := e.browser("")
	for i := range loginPerAccount {
		if code, _ := b.post(path, url.Values{"password": {"guess"}}); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	code, body := b.post(path, url.Values{"password": {"password123"}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed sign-ins") {
		t.Fatalf("after %d wrong passwords the right one answered %d, want 429", loginPerAccount, code)
	}
	if code, _ := e.browser("").post("/login", url.Values{"email": {"victim@example.com"}, "password": {"password123"}}); code != http.StatusTooManyRequests {
		t.Errorf("sign-in after invite guesses: %d, want 429 (one count per account)", code)
	}
}

// TestLoginNextStaysOnThisSite: ?next= after sign-in leads only to a path
// of this server; spellings browsers read as another host go to /.
func TestLoginNextStaysOnThisSite(t *testing.T) {
	e := newTestEnv(t)
	cases := []struct{ next, want string }{
		{"/monitors?status=down", "/monitors?status=down"},
		{"/settings%2Fx", "/settings%2Fx"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"/\t/evil.example", "/"},
		{"/\t\\evil.example", "/"},
		{"/\v/evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/\u3000/evil.example", "/"},
		{"/a\\b", "/"},
	}
	for _, tc := range cases {
		t.Run(strconv.Quote(tc.next), func(t *testing.T) {
			b := e.browser("")
			form := url.Values{"email": {e.Email}, "password": {"password123"}, "next": {tc.next}, "_csrf": {b.csrf()}}
			res, err := b.client.PostForm(e.URL+"/login", form)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if got := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || got != tc.want {
				t.Errorf("status %d, Location %q, want 303 to %q", res.StatusCode, got, tc.want)
			}
		})
	}
}

// TestNamesCountCharactersNotBytes: team, person and token names take up
// to 100 characters (not bytes) and refuse control characters and
// anything longer.
func TestNamesCountCharactersNotBytes(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	accented := strings.Repeat("é", 100)
	long := strings.Repeat("x", 101)
	cases := []struct {
		path, field, value string
		want               int
	}{
		{"/settings/team", "name", accented, http.StatusSeeOther},
		{"/settings/team", "name", long, http.StatusBadRequest},
		{"/settings/team", "name", "a\x07b", http.StatusBadRequest},
		{"/settings/tokens", "name", accented, http.StatusOK},
		{"/settings/tokens", "name", long, http.StatusBadRequest},
		{"/settings/tokens", "name", "ci\x1b[31m", http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.path+" "+strconv.Quote(tc.value[:min(len(tc.value), 8)]), func(t *testing.T) {
			if code, _ := b.post(tc.path, url.Values{tc.field: {tc.value}}); code != tc.want {
				t.Errorf("status %d, want %d", code, tc.want)
			}
		})
	}

	fresh := newBareEnv(t)
	code, body := fresh.browser("").post("/setup", url.Values{"team": {"T"}, "name": {long},
		"email": {"a@example.com"}, "password": {"password123"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Enter a name of at most 100 characters") {
		t.Errorf("setup with a 101-character name: %d", code)
	}

	_, body = b.post("/settings/invites", url.Values{"email": {"new@example.com"}, "role": {"member"}})
	link := regexp1(`id="invite-link" type="text" value="([^"]+)"`, body)
	code, body = e.browser("").post(strings.TrimPrefix(link, e.URL), url.Values{"name": {long}, "password": {"password123"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Enter a name of at most 100 characters") {
		t.Errorf("invite with a 101-character name: %d", code)
	}
}

// TestChunkedOversizedFormIs413: a form posted without Content-Length that
// outgrows the body limit is refused with 413, not as a forged form.
func TestChunkedOversizedFormIs413(t *testing.T) {
	e := newTestEnv(t)
	b := e.browser(e.Email)
	body := io.MultiReader(strings.NewReader("_csrf="+b.csrf()+"&name="), strings.NewReader(strings.Repeat("x", 2<<20)))
	req, err := http.NewRequest("POST", e.URL+"/settings/tokens", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", res.StatusCode)
	}
}
