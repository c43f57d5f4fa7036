package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/bitwobbly/bitwobbly/store"
)

// addMember puts a new user with password123 into a team with a role.
func (e *testEnv) addMember(teamID int64, email, role string) int64 {
	e.t.Helper()
	ctx := context.Background()
	hash, err := hashPassword("password123")
	if err != nil {
		e.t.Fatal(err)
	}
	plain := randomToken(16)
	if _, err := e.store.CreateInvite(ctx, store.Invite{TeamID: teamID, Email: email, Role: role,
		TokenHash: sha256Hex(plain), CreatedBy: e.UserID, ExpiresAt: time.Now().Add(time.Hour).UnixMilli()}); err != nil {
		e.t.Fatal(err)
	}
	id, _, err := e.store.AcceptInvite(ctx, sha256Hex(plain), store.User{Email: email, PasswordHash: hash}, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// TestTenancyThroughUIAndAPI: the owner of team B reaches for every
// foundation object of team A by its id, through forms and the API, and
// gets 404 each time, with nothing changed.
func TestTenancyThroughUIAndAPI(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	bobID := e.addMember(e.TeamID, "bob@example.com", store.RoleMember)
	inviteA, err := e.store.CreateInvite(ctx, store.Invite{TeamID: e.TeamID, Email: "carol@example.com",
		Role: store.RoleViewer, TokenHash: sha256Hex("carol"), CreatedBy: e.UserID, ExpiresAt: time.Now().Add(time.Hour).UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	tokensA, _ := e.store.Tokens(ctx, e.TeamID)
	tokenA := tokensA[0].ID

	eveToken, eveTeam, _ := e.newOwner("eve@example.com")
	eve := e.browser("eve@example.com")

	forms := []struct {
		name, path string
		form       url.Values
	}{
		{"change a member's role", "/settings/members/" + itoa(bobID) + "/role", url.Values{"role": {"viewer"}}},
		{"remove a member", "/settings/members/" + itoa(bobID) + "/remove", nil},
		{"remove the owner", "/settings/members/" + itoa(e.UserID) + "/remove", nil},
		{"revoke an invite", "/settings/invites/" + itoa(inviteA.ID) + "/revoke", nil},
		{"revoke a token", "/settings/tokens/" + itoa(tokenA) + "/revoke", nil},
		{"switch into the team", "/settings/team/switch", url.Values{"team_id": {itoa(e.TeamID)}}},
	}
	for _, f := range forms {
		t.Run("ui/"+f.name, func(t *testing.T) {
			if code, body := eve.post(f.path, f.form); code != http.StatusNotFound {
				t.Errorf("POST %s = %d, want 404\n%s", f.path, code, body)
			}
		})
	}

	apis := []struct {
		method, path string
		want         int
	}{
		{"DELETE", "/api/v1/tokens/" + itoa(tokenA), http.StatusNotFound},
	}
	for _, a := range apis {
		t.Run("api/"+a.method+" "+a.path, func(t *testing.T) {
			if code, body := e.do(a.method, a.path, eveToken, nil); code != a.want {
				t.Errorf("%s %s = %d, want %d: %s", a.method, a.path, code, a.want, body)
			}
		})
	}

	t.Run("nothing of team A is listed for team B", func(t *testing.T) {
		_, page := eve.get("/settings")
		_, members := e.do("GET", "/api/v1/members", eveToken, nil)
		_, tokens := e.do("GET", "/api/v1/tokens", eveToken, nil)
		for name, body := range map[string]string{"settings page": page, "members API": string(members),
			"tokens API": string(tokens)} {
			for _, leak := range []string{e.Email, "bob@example.com", "carol@example.com"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s of team B shows %s", name, leak)
				}
			}
		}
		_, me := e.do("GET", "/api/v1/me", eveToken, nil)
		if !strings.Contains(string(me), `"id":`+itoa(eveTeam)) {
			t.Errorf("/api/v1/me for eve: %s", me)
		}
	})

	t.Run("team A is unchanged", func(t *testing.T) {
		if role, err := e.store.Membership(ctx, e.TeamID, bobID); err != nil || role != store.RoleMember {
			t.Errorf("bob: role %q, %v; want member", role, err)
		}
		if role, _ := e.store.Membership(ctx, e.TeamID, e.UserID); role != store.RoleOwner {
			t.Errorf("owner: role %q", role)
		}
		if invites, _ := e.store.Invites(ctx, e.TeamID); len(invites) != 1 {
			t.Errorf("team A has %d open invites, want 1", len(invites))
		}
		if code, _ := e.api("GET", "/api/v1/me", nil); code != http.StatusOK {
			t.Errorf("team A's token: %d", code)
		}
		if code, body := eve.get("/"); code != http.StatusOK || !strings.Contains(body, "eve@example.com team") {
			t.Errorf("eve's session left her team: %d", code)
		}
	})
}

// TestRolesLimitWhatMembersDo: each role meets the actions just above it.
func TestRolesLimitWhatMembersDo(t *testing.T) {
	e := newTestEnv(t)
	adminID := e.addMember(e.TeamID, "admin@example.com", store.RoleAdmin)
	memberID := e.addMember(e.TeamID, "member@example.com", store.RoleMember)
	e.addMember(e.TeamID, "viewer@example.com", store.RoleViewer)
	secondOwner := e.addMember(e.TeamID, "owner2@example.com", store.RoleAdmin)
	if err := e.store.SetRole(t.Context(), e.TeamID, secondOwner, store.RoleOwner); err != nil {
		t.Fatal(err)
	}

	scenarios := []struct {
		name, who, path string
		form            url.Values
		want            int
	}{
		{"viewer renames the team", "viewer@example.com", "/settings/team", url.Values{"name": {"x"}}, 403},
		{"member invites", "member@example.com", "/settings/invites",
			url.Values{"email": {"z@example.com"}, "role": {"viewer"}}, 403},
		{"member changes a role", "member@example.com", "/settings/members/" + itoa(adminID) + "/role",
			url.Values{"role": {"viewer"}}, 403},
		{"admin makes an owner", "admin@example.com", "/settings/members/" + itoa(memberID) + "/role",
			url.Values{"role": {"owner"}}, 403},
		{"admin removes an owner", "admin@example.com", "/settings/members/" + itoa(secondOwner) + "/remove",
			nil, 403},
		{"admin invites with a bad role", "admin@example.com", "/settings/invites",
			url.Values{"email": {"z@example.com"}, "role": {"owner"}}, 400},
		{"admin changes a member to viewer", "admin@example.com", "/settings/members/" + itoa(memberID) + "/role",
			url.Values{"role": {"viewer"}}, 303},
		{"owner demotes the other owner", e.Email, "/settings/members/" + itoa(secondOwner) + "/role",
			url.Values{"role": {"admin"}}, 303},
		{"the demoted owner takes the owner role away", "owner2@example.com", "/settings/members/" + itoa(e.UserID) + "/role",
			url.Values{"role": {"member"}}, 403},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			code, body := e.browser(sc.who).post(sc.path, sc.form)
			if code != sc.want {
				t.Errorf("POST %s as %s = %d, want %d\n%.400s", sc.path, sc.who, code, sc.want, body)
			}
		})
	}
	if role, _ := e.store.Membership(t.Context(), e.TeamID, e.UserID); role != store.RoleOwner {
		t.Errorf("the team lost its last owner: %q", role)
	}
	code, _ := e.browser(e.Email).post("/settings/members/"+itoa(e.UserID)+"/role", url.Values{"role": {"admin"}})
	if code != http.StatusBadRequest && code != http.StatusConflict {
		t.Errorf("last owner demoting themself = %d, want 409 (or 400)", code)
	}
}

// TestRemovedMemberKeepsTheirOtherTeam: removed from one team, a signed-in
// person's session there ends; signing in again lands in their other team.
func TestRemovedMemberKeepsTheirOtherTeam(t *testing.T) {
	e := newTestEnv(t)
	ctx := t.Context()
	bobID := e.addMember(e.TeamID, "bob@example.com", store.RoleMember)
	_, otherTeam, _ := e.newOwner("olga@example.com")
	if _, err := e.store.CreateInvite(ctx, store.Invite{TeamID: otherTeam, Email: "bob@example.com",
		Role: store.RoleViewer, TokenHash: sha256Hex("bob-2"), CreatedBy: e.UserID,
		ExpiresAt: time.Now().Add(time.Hour).UnixMilli()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.store.AcceptInvite(ctx, sha256Hex("bob-2"), store.User{}, bobID); err != nil {
		t.Fatal(err)
	}
	bob := e.browser("bob@example.com")
	if code, body := bob.get("/"); code != 200 || !strings.Contains(body, e.Email+" team") {
		t.Fatalf("bob starts in %d %q's team?", code, e.Email)
	}
	if code, _ := e.browser(e.Email).post("/settings/members/"+itoa(bobID)+"/remove", nil); code != 303 {
		t.Fatalf("remove: %d", code)
	}
	if code, _ := bob.get("/"); code != http.StatusSeeOther {
		t.Errorf("bob's session in the old team still works: %d", code)
	}
	code, body := e.browser("bob@example.com").get("/")
	if code != 200 || !strings.Contains(body, "olga@example.com team") || strings.Contains(body, e.Email+" team") {
		t.Errorf("after signing in again bob gets %d; want his other team only", code)
	}
}
