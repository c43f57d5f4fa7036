package app

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
)

type projectJSON struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	Platform         string    `json:"platform"`
	DSN              string    `json:"dsn"`
	RateLimit        *int      `json:"rate_limit_per_minute"`
	ScrubData        bool      `json:"scrub_data"`
	ScrubFields      []string  `json:"scrub_fields"`
	FingerprintRules string    `json:"fingerprint_rules"`
	StackRules       string    `json:"stack_rules"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

type keyJSON struct {
	ID        int64     `json:"id"`
	ProjectID int64     `json:"project_id"`
	Label     string    `json:"label"`
	PublicKey string    `json:"public_key"`
	DSN       string    `json:"dsn"`
	Enabled   bool      `json:"enabled"`
	RateLimit *int      `json:"rate_limit_per_minute"`
	CreatedAt time.Time `json:"created_at"`
}

// dsnOf builds a project's DSN from the instance's public URL.
func (s *Server) dsnOf(c echo.Context, publicKey string, projectID int64) string {
	u, err := url.Parse(s.baseURL(c))
	if err != nil || u.Host == "" {
		return ""
	}
	path := strings.TrimRight(u.Path, "/")
	return u.Scheme + "://" + publicKey + "@" + u.Host + path + "/" + strconv.FormatInt(projectID, 10)
}

func (s *Server) projectOut(c echo.Context, p issues.Project) projectJSON {
	out := projectJSON{ID: p.ID, Name: p.Name, Platform: p.Platform, RateLimit: p.RateLimit, ScrubData: p.ScrubData,
		ScrubFields: p.ScrubFields, FingerprintRules: p.FingerprintRules, StackRules: p.StackRules,
		CreatedAt: store.Time(p.CreatedAt), UpdatedAt: store.Time(p.UpdatedAt)}
	if out.ScrubFields == nil {
		out.ScrubFields = []string{}
	}
	if keys, err := s.tracker.Keys(c.Request().Context(), p.TeamID, p.ID); err == nil {
		for _, k := range keys {
			if k.Enabled {
				out.DSN = s.dsnOf(c, k.PublicKey, p.ID)
				break
			}
		}
	}
	return out
}

func (s *Server) keyOut(c echo.Context, k issues.Key) keyJSON {
	return keyJSON{ID: k.ID, ProjectID: k.ProjectID, Label: k.Label, PublicKey: k.PublicKey,
		DSN: s.dsnOf(c, k.PublicKey, k.ProjectID), Enabled: k.Enabled, RateLimit: k.RateLimit,
		CreatedAt: store.Time(k.CreatedAt)}
}

// apiProjectList lists the team's projects.
func (s *Server) apiProjectList(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	after, err := pg.IDCursor()
	if err != nil {
		return err
	}
	ps, err := s.tracker.Projects(c.Request().Context(), actorOf(c).TeamID)
	if err != nil {
		return err
	}
	var out []projectJSON
	next := ""
	for _, p := range ps {
		if p.ID <= after {
			continue
		}
		if len(out) == pg.Limit {
			next = makeIDCursor(out[len(out)-1].ID)
			break
		}
		out = append(out, s.projectOut(c, p))
	}
	return c.JSON(http.StatusOK, listBody(out, next))
}

// apiProjectGet answers one project.
func (s *Server) apiProjectGet(c echo.Context) error {
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.projectOut(c, p))
}

func (s *Server) projectParam(c echo.Context) (issues.Project, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return issues.Project{}, notFound("project")
	}
	p, err := s.tracker.Project(c.Request().Context(), actorOf(c).TeamID, id)
	if err != nil {
		return p, issNotFound(err, "project")
	}
	return p, nil
}

func issNotFound(err error, what string) error {
	if err == store.ErrNotFound {
		return notFound(what)
	}
	return err
}

// sentNullable is a JSON field that may be null: Set tells it was sent at all
// (a *json.RawMessage cannot, since null leaves the pointer nil).
type sentNullable struct {
	Set bool
	Raw json.RawMessage
}

// UnmarshalJSON records the field, null included.
func (p *sentNullable) UnmarshalJSON(b []byte) error {
	p.Set, p.Raw = true, append(json.RawMessage(nil), b...)
	return nil
}

type projectInput struct {
	Name             *string      `json:"name"`
	Platform         *string      `json:"platform"`
	RateLimit        sentNullable `json:"rate_limit_per_minute"`
	ScrubData        *bool        `json:"scrub_data"`
	ScrubFields      *[]string    `json:"scrub_fields"`
	FingerprintRules *string      `json:"fingerprint_rules"`
	StackRules       *string      `json:"stack_rules"`
}

// apply validates the input onto p, naming the field that is wrong.
func (in projectInput) apply(p *issues.Project) error {
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" || len(n) > 100 {
			return badRequest("name", "name: must be 1 to 100 characters")
		}
		p.Name = n
	}
	if in.Platform != nil {
		if !slices.Contains(issues.Platforms, *in.Platform) {
			return badRequest("platform", "platform: must be one of %s", strings.Join(issues.Platforms, ", "))
		}
		p.Platform = *in.Platform
	}
	if in.RateLimit.Set {
		rl, err := projectRateLimit(in.RateLimit.Raw)
		if err != nil {
			return err
		}
		p.RateLimit = rl
	}
	if in.ScrubData != nil {
		p.ScrubData = *in.ScrubData
	}
	if in.ScrubFields != nil {
		p.ScrubFields = nil
		for _, f := range *in.ScrubFields {
			if f = strings.TrimSpace(f); f != "" {
				p.ScrubFields = append(p.ScrubFields, f)
			}
		}
	}
	if in.FingerprintRules != nil {
		if _, err := issues.ParseFingerprintRules(*in.FingerprintRules); err != nil {
			return badRequest("fingerprint_rules", "fingerprint_rules: %v", err)
		}
		p.FingerprintRules = *in.FingerprintRules
	}
	if in.StackRules != nil {
		if _, err := issues.ParseStackRules(*in.StackRules); err != nil {
			return badRequest("stack_rules", "stack_rules: %v", err)
		}
		p.StackRules = *in.StackRules
	}
	return nil
}

func projectRateLimit(raw json.RawMessage) (*int, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil || n < 1 || n > 10_000_000 {
		return nil, badRequest("rate_limit_per_minute", "rate_limit_per_minute: must be null or a whole number from 1")
	}
	return &n, nil
}

// apiProjectCreate creates a project with one key.
func (s *Server) apiProjectCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	var in projectInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Name == nil {
		return badRequest("name", "name: required")
	}
	p := issues.Project{TeamID: actorOf(c).TeamID, Platform: "other"}
	if err := in.apply(&p); err != nil {
		return err
	}
	p, _, err := s.tracker.CreateProject(c.Request().Context(), p)
	if err != nil {
		return err
	}
	if in.ScrubData != nil || in.ScrubFields != nil || in.FingerprintRules != nil || in.StackRules != nil {
		in.apply(&p)
		if err := s.tracker.UpdateProject(c.Request().Context(), p); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusCreated, s.projectOut(c, p))
}

// apiProjectUpdate changes a project's fields.
func (s *Server) apiProjectUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	var in projectInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.apply(&p); err != nil {
		return err
	}
	if err := s.tracker.UpdateProject(c.Request().Context(), p); err != nil {
		return err
	}
	p, err = s.projectParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.projectOut(c, p))
}

// apiProjectDelete deletes a project with its issues and events.
func (s *Server) apiProjectDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	if err := s.tracker.DeleteProject(c.Request().Context(), p.TeamID, p.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiKeyList lists a project's keys.
func (s *Server) apiKeyList(c echo.Context) error {
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	keys, err := s.tracker.Keys(c.Request().Context(), p.TeamID, p.ID)
	if err != nil {
		return err
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, s.keyOut(c, k))
	}
	return c.JSON(http.StatusOK, listBody(out, ""))
}

type keyInput struct {
	Label     *string      `json:"label"`
	Enabled   *bool        `json:"enabled"`
	RateLimit sentNullable `json:"rate_limit_per_minute"`
}

func (in keyInput) apply(k *issues.Key) error {
	if in.Label != nil {
		l := strings.TrimSpace(*in.Label)
		if len(l) > 100 {
			return badRequest("label", "label: at most 100 characters")
		}
		k.Label = l
	}
	if in.Enabled != nil {
		k.Enabled = *in.Enabled
	}
	if in.RateLimit.Set {
		rl, err := projectRateLimit(in.RateLimit.Raw)
		if err != nil {
			return err
		}
		k.RateLimit = rl
	}
	return nil
}

// apiKeyCreate adds a key to a project.
func (s *Server) apiKeyCreate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	var in keyInput
	if c.Request().ContentLength != 0 {
		if err := bindJSON(c, &in); err != nil {
			return err
		}
	}
	k := issues.Key{ProjectID: p.ID, TeamID: p.TeamID, Enabled: true}
	if err := in.apply(&k); err != nil {
		return err
	}
	k, err = s.tracker.CreateKey(c.Request().Context(), k)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.keyOut(c, k))
}

func (s *Server) keyParam(c echo.Context) (issues.Key, error) {
	p, err := s.projectParam(c)
	if err != nil {
		return issues.Key{}, err
	}
	id, err := pathID(c, "key")
	if err != nil {
		return issues.Key{}, notFound("key")
	}
	k, err := s.tracker.KeyOf(c.Request().Context(), p.TeamID, p.ID, id)
	return k, issNotFound(err, "key")
}

// apiKeyGet answers one key.
func (s *Server) apiKeyGet(c echo.Context) error {
	k, err := s.keyParam(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.keyOut(c, k))
}

// apiKeyUpdate changes a key's label, enabled flag or rate limit.
func (s *Server) apiKeyUpdate(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	k, err := s.keyParam(c)
	if err != nil {
		return err
	}
	var in keyInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := in.apply(&k); err != nil {
		return err
	}
	if err := s.tracker.UpdateKey(c.Request().Context(), k); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.keyOut(c, k))
}

// apiKeyDelete removes a key.
func (s *Server) apiKeyDelete(c echo.Context) error {
	if err := need(c, store.RoleMember); err != nil {
		return err
	}
	k, err := s.keyParam(c)
	if err != nil {
		return err
	}
	if err := s.tracker.DeleteKey(c.Request().Context(), k.TeamID, k.ProjectID, k.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiProjectReleases lists a project's releases with their session health.
func (s *Server) apiProjectReleases(c echo.Context) error {
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	rel, err := s.tracker.ReleaseHealth(c.Request().Context(), p.TeamID, p.ID, 100)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(rel))
	for _, r := range rel {
		var crashFree any
		if r.Started > 0 {
			crashFree = 100 - float64(r.Crashed)*100/float64(r.Started)
		}
		out = append(out, map[string]any{"version": r.Release, "sessions": r.Started, "errored": r.Errored,
			"crashed": r.Crashed, "abnormal": r.Abnormal, "crash_free_percent": crashFree})
	}
	return c.JSON(http.StatusOK, listBody(out, ""))
}
