package views

// ProjectsView lists the team's error-tracking projects.
type ProjectsView struct {
	Rows      []ProjectRow
	Platforms []string
	CanEdit   bool
	Form      Form
}

// ProjectRow is one project in the list.
type ProjectRow struct {
	ID         int64
	Name       string
	Platform   string
	Unresolved int
	DSN        string
}

// ProjectView is a project's settings page.
type ProjectView struct {
	ID               int64
	Name             string
	Platform         string
	DSN              string
	Snippets         []Snippet
	Keys             []KeyRow
	RateLimit        string
	ScrubData        bool
	ScrubFields      string
	FingerprintRules string
	StackRules       string
	Platforms        []string
	Releases         []ReleaseRow
	CanEdit          bool
	Form             Form
}

// Snippet is copy-ready SDK setup code.
type Snippet struct {
	ID, Title, Install, Code string
}

// KeyRow is one client key.
type KeyRow struct {
	ID        int64
	Label     string
	PublicKey string
	DSN       string
	Enabled   bool
	RateLimit string
}

// ReleaseRow is one release with its session health.
type ReleaseRow struct {
	Version   string
	Sessions  int64
	Crashed   int64
	CrashFree string
}
