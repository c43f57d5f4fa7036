package app

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

// settingsShow shows team, members, invites and tokens.
func (s *Server) settingsShow(c echo.Context) error {
	return s.renderSettings(c, http.StatusOK, views.SettingsView{})
}

func (s *Server) renderSettings(c echo.Context, status int, v views.SettingsView) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	v.TeamName, v.CanManage, v.IsOwner, v.MeID = a.TeamName, a.can(store.RoleAdmin), a.can(store.RoleOwner), a.User.ID
	v.MailMode = s.mail.Mode()
	v.Form.CSRF = csrfToken(c)
	members, err := s.store.Members(ctx, a.TeamID)
	if err != nil {
		return err
	}
	for _, m := range members {
		v.Members = append(v.Members, views.MemberRow{UserID: m.ID, Email: m.Email, Name: m.Name, Role: m.Role,
			Joined: store.Time(m.Joined)})
	}
	if v.CanManage {
		invites, err := s.store.Invites(ctx, a.TeamID)
		if err != nil {
			return err
		}
		for _, in := range invites {
			v.Invites = append(v.Invites, views.InviteRow{ID: in.ID, Email: in.Email, Role: in.Role,
				Expires: store.Time(in.ExpiresAt)})
		}
	}
	tokens, err := s.store.Tokens(ctx, a.TeamID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if !v.CanManage && t.UserID != a.User.ID {
			continue
		}
		v.Tokens = append(v.Tokens, views.TokenRow{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Owner: t.UserEmail,
			Created: store.Time(t.CreatedAt), LastUsed: store.Time(t.LastUsedAt), Revoked: t.RevokedAt != 0})
	}
	return render(c, status, views.SettingsPage(s.shell(c, "Settings", "settings"), v))
}

// teamRename renames the current team (admin).
func (s *Server) teamRename(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	name := strings.TrimSpace(c.FormValue("name"))
	if name == "" || !nameOK(name, 100) {
		v := views.SettingsView{Form: views.Form{Errors: map[string]string{
			"team_name": "Enter a team name of at most 100 characters."}}}
		return s.renderSettings(c, http.StatusBadRequest, v)
	}
	if err := s.store.RenameTeam(c.Request().Context(), actorOf(c).TeamID, name); err != nil {
		return err
	}
	flash(c, "Team renamed.")
	return seeOther(c, "/settings")
}

// teamSwitch moves the session to another team of the same user.
func (s *Server) teamSwitch(c echo.Context) error {
	a := actorOf(c)
	id, err := strconv.ParseInt(c.FormValue("team_id"), 10, 64)
	if err != nil {
		return badRequest("team_id", "team_id: choose a team")
	}
	if _, err := s.store.Membership(c.Request().Context(), id, a.User.ID); err != nil {
		return notFound("team")
	}
	if err := s.store.SwitchSessionTeam(c.Request().Context(), a.Session.ID, id); err != nil {
		return err
	}
	return seeOther(c, "/")
}

// memberRole changes a member's role (admin; only owners grant owner).
func (s *Server) memberRole(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	a := actorOf(c)
	uid, err := pathID(c, "user")
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if store.RoleRank(role) == 0 {
		return badRequest("role", "role: must be owner, admin, member or viewer")
	}
	current, err := s.store.Membership(c.Request().Context(), a.TeamID, uid)
	if err != nil {
		return notFound("member")
	}
	if (role == store.RoleOwner || current == store.RoleOwner) && !a.can(store.RoleOwner) {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only an owner can grant or take the owner role"}
	}
	err = s.store.SetRole(c.Request().Context(), a.TeamID, uid, role)
	if errors.Is(err, store.ErrLastOwner) {
		return conflict("role", "the team needs at least one owner")
	}
	if err != nil {
		return err
	}
	flash(c, "Role changed.")
	return seeOther(c, "/settings")
}

// memberRemove takes someone out of the team (admin; owners only by owners).
func (s *Server) memberRemove(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	a := actorOf(c)
	uid, err := pathID(c, "user")
	if err != nil {
		return err
	}
	current, err := s.store.Membership(c.Request().Context(), a.TeamID, uid)
	if err != nil {
		return notFound("member")
	}
	if current == store.RoleOwner && !a.can(store.RoleOwner) {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only an owner can remove an owner"}
	}
	err = s.store.RemoveMember(c.Request().Context(), a.TeamID, uid)
	if errors.Is(err, store.ErrLastOwner) {
		return conflict("user", "the team needs at least one owner")
	}
	if err != nil {
		return err
	}
	flash(c, "Member removed.")
	return seeOther(c, "/settings")
}
