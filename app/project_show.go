package app

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/bitwobbly/bitwobbly/issues"
	"github.com/bitwobbly/bitwobbly/store"
	"github.com/bitwobbly/bitwobbly/views"
)

func idText(n int64) string { return strconv.FormatInt(n, 10) }

// projectShow is a project's DSN, snippets, keys and settings.
func (s *Server) projectShow(c echo.Context) error {
	p, err := s.projectParam(c)
	if err != nil {
		return err
	}
	return s.renderProject(c, http.StatusOK, p, views.Form{})
}

func (s *Server) renderProject(c echo.Context, status int, p issues.Project, f views.Form) error {
	a := actorOf(c)
	ctx := c.Request().Context()
	v := views.ProjectView{ID: p.ID, Name: p.Name, Platform: p.Platform, ScrubData: p.ScrubData,
		ScrubFields: strings.Join(p.ScrubFields, ", "), FingerprintRules: p.FingerprintRules,
		StackRules: p.StackRules, Platforms: issues.Platforms, CanEdit: a.can(store.RoleMember), Form: f}
	if p.RateLimit != nil {
		v.RateLimit = strconv.Itoa(*p.RateLimit)
	}
	keys, err := s.tracker.Keys(ctx, a.TeamID, p.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		row := views.KeyRow{ID: k.ID, Label: k.Label, PublicKey: k.PublicKey, DSN: s.dsnOf(c, k.PublicKey, p.ID),
			Enabled: k.Enabled}
		if k.RateLimit != nil {
			row.RateLimit = strconv.Itoa(*k.RateLimit)
		}
		if k.Enabled && v.DSN == "" {
			v.DSN = row.DSN
		}
		v.Keys = append(v.Keys, row)
	}
	v.Snippets = projectSnippets(v.DSN)
	rel, err := s.tracker.ReleaseHealth(ctx, a.TeamID, p.ID, 10)
	if err != nil {
		return err
	}
	for _, r := range rel {
		row := views.ReleaseRow{Version: r.Release, Sessions: r.Started, Crashed: r.Crashed, CrashFree: "—"}
		if r.Started > 0 {
			row.CrashFree = fmt.Sprintf("%.2f%%", 100-float64(r.Crashed)*100/float64(r.Started))
		}
		v.Releases = append(v.Releases, row)
	}
	return render(c, status, views.ProjectPage(s.shell(c, p.Name, "issues"), v))
}

// snippets are copy-ready SDK setups for the DSN.
func projectSnippets(dsn string) []views.Snippet {
	return []views.Snippet{
		{ID: "go", Title: "Go (sentry-go)", Install: "go get github.com/getsentry/sentry-go",
			Code: `err := sentry.Init(sentry.ClientOptions{
	Dsn:     "` + dsn + `",
	Release: "my-app@1.0.0",
})
if err != nil {
	log.Fatalf("sentry.Init: %s", err)
}
defer sentry.Flush(2 * time.Second)

sentry.CaptureException(errors.New("something went wrong"))`},
		{ID: "javascript", Title: "JavaScript in the browser (@sentry/browser)", Install: "npm install @sentry/browser",
			Code: `import * as Sentry from "@sentry/browser";

Sentry.init({
  dsn: "` + dsn + `",
  release: "my-app@1.0.0",
});`},
		{ID: "node", Title: "Node.js (@sentry/node)", Install: "npm install @sentry/node",
			Code: `const Sentry = require("@sentry/node");

Sentry.init({
  dsn: "` + dsn + `",
  release: "my-app@1.0.0",
});`},
		{ID: "python", Title: "Python (sentry-sdk)", Install: "pip install sentry-sdk",
			Code: `import sentry_sdk

sentry_sdk.init(
    dsn="` + dsn + `",
    release="my-app@1.0.0",
)`},
	}
}
