package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

const inviteTTL = 7 * 24 * time.Hour

// inviteCreate makes an invite link (and mails it when e-mail is set up).
func (s *Server) inviteCreate(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	a := actorOf(c)
	email := strings.TrimSpace(c.FormValue("email"))
	role := c.FormValue("role")
	f := views.Form{Values: map[string]string{"email": email, "role": role}, Errors: map[string]string{}}
	if !mail.ValidAddress(email) {
		f.Errors["email"] = "Enter a valid e-mail address."
	}
	if role != store.RoleAdmin && role != store.RoleMember && role != store.RoleViewer {
		f.Errors["role"] = "Choose admin, member or viewer."
	}
	if len(f.Errors) > 0 {
		return s.renderSettings(c, http.StatusBadRequest, views.SettingsView{Form: f})
	}
	plain := randomToken(24)
	_, err := s.store.CreateInvite(c.Request().Context(), store.Invite{TeamID: a.TeamID, Email: email, Role: role,
		TokenHash: sha256Hex(plain), CreatedBy: a.User.ID, ExpiresAt: time.Now().Add(inviteTTL).UnixMilli()})
	if err != nil {
		return err
	}
	link := s.baseURL(c) + "/invite/" + plain
	v := views.SettingsView{NewInvite: link}
	if s.mail.Mode() != "log" {
		if err := s.mailInvite(c.Request().Context(), email, a.TeamName, a.User.Email, link); err != nil {
			s.log.Warn("invite e-mail failed", "team_id", a.TeamID, "error", err)
			v.InviteMailError = err.Error()
		} else {
			v.InviteMailed = email
		}
	}
	return s.renderSettings(c, http.StatusOK, v)
}

// mailInvite sends the invite link; the request may end first, the mail
// still gets its own 20 s.
func (s *Server) mailInvite(ctx context.Context, to, team, from, link string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	return s.mail.Send(ctx, mail.Message{To: to,
		Subject: fmt.Sprintf("You are invited to %s on Bit Wobbly", team),
		Text: fmt.Sprintf("%s invited you to join the team %q on Bit Wobbly.\n\nAccept within 7 days:\n%s\n",
			from, team, link)})
}

// inviteRevoke cancels an open invite.
func (s *Server) inviteRevoke(c echo.Context) error {
	if err := need(c, store.RoleAdmin); err != nil {
		return err
	}
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.RevokeInvite(c.Request().Context(), actorOf(c).TeamID, id); err != nil {
		return err
	}
	flash(c, "Invite revoked.")
	return seeOther(c, "/settings")
}

// inviteShow shows the join form of an open invite.
func (s *Server) inviteShow(c echo.Context) error {
	in, err := s.store.InviteByHash(c.Request().Context(), sha256Hex(c.Param("token")))
	if errors.Is(err, store.ErrNotFound) {
		return notFound("invite (it may have expired or been used)")
	}
	if err != nil {
		return err
	}
	signed := ""
	if a, _ := s.loadSession(c); a != nil {
		signed = a.User.Email
	}
	f := views.Form{CSRF: csrfToken(c)}
	return render(c, http.StatusOK, views.InvitePage(f, in.TeamName, in.Email, in.Role, signed))
}

// inviteAccept joins the team: as the signed-in user, as the existing
// account of the invited e-mail (password checked), or as a new account.
func (s *Server) inviteAccept(c echo.Context) error {
	ctx := c.Request().Context()
	hash := sha256Hex(c.Param("token"))
	in, err := s.store.InviteByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return notFound("invite (it may have expired or been used)")
	}
	if err != nil {
		return err
	}
	f := views.Form{CSRF: csrfToken(c), Values: map[string]string{"name": c.FormValue("name")}, Errors: map[string]string{}}
	var userID int64
	var newUser store.User
	signed, err := s.loadSession(c)
	if err != nil {
		return err
	}
	switch existing, lookErr := s.store.UserByEmail(ctx, in.Email); {
	case signed != nil:
		userID = signed.User.ID
	case lookErr == nil:
		attempt, wait := s.passwordAttempt(c, in.Email)
		if attempt == nil {
			f.Errors["password"] = tooManySignIns(c, wait)
			return render(c, http.StatusTooManyRequests, views.InvitePage(f, in.TeamName, in.Email, in.Role, ""))
		}
		if !verifyPassword(existing.PasswordHash, c.FormValue("password")) {
			attempt(false)
			f.Errors["password"] = "An account with this e-mail exists; enter its password."
			return render(c, http.StatusUnauthorized, views.InvitePage(f, in.TeamName, in.Email, in.Role, ""))
		}
		attempt(true)
		userID = existing.ID
	default:
		if !nameOK(strings.TrimSpace(f.V("name")), 100) {
			f.Errors["name"] = "Enter a name of at most 100 characters."
			return render(c, http.StatusBadRequest, views.InvitePage(f, in.TeamName, in.Email, in.Role, ""))
		}
		p := c.FormValue("password")
		if err := checkPassword(p); err != nil {
			f.Errors["password"] = "Password " + err.Error() + "."
			return render(c, http.StatusBadRequest, views.InvitePage(f, in.TeamName, in.Email, in.Role, ""))
		}
		h, err := hashPassword(p)
		if err != nil {
			return err
		}
		newUser = store.User{Email: in.Email, Name: strings.TrimSpace(f.V("name")), PasswordHash: h}
	}
	userID, _, err = s.store.AcceptInvite(ctx, hash, newUser, userID)
	if errors.Is(err, store.ErrConflict) {
		f.Error = "You are already a member of this team."
		return render(c, http.StatusConflict, views.InvitePage(f, in.TeamName, in.Email, in.Role, ""))
	}
	if err != nil {
		return err
	}
	if signed != nil {
		s.store.SwitchSessionTeam(ctx, signed.Session.ID, in.TeamID)
	} else if err := s.startSession(c, userID, in.TeamID); err != nil {
		return err
	}
	return seeOther(c, "/")
}
