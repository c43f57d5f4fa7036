package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	appmail "github.com/bitwobbly/bitwobbly/app/mail"
	"github.com/bitwobbly/bitwobbly/store"
)

// Version is the release version, set at build time with
// -ldflags "-X github.com/bitwobbly/bitwobbly/app.Version=v1.2.3".
var Version = "dev"

// versionText is Version, followed for development builds by the commit
// the binary was built from when Go recorded it.
func versionText() string {
	info, ok := debug.ReadBuildInfo()
	if Version != "dev" || !ok {
		return Version
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+changes"
			}
		}
	}
	if len(rev) < 12 {
		return Version
	}
	return Version + " (" + rev[:12] + dirty + ")"
}

// Command is a parsed command line.
type Command struct {
	Name     string // serve, admin-create, token-create, backup, version, help
	Config   Config
	Email    string
	Password string
	UserName string
	Team     string
	Token    string // token name
	Out      string
	Usage    string
}

// ErrUsage means the command line asked for help or was malformed; the
// usage text has been written.
var ErrUsage = errors.New("usage")

const usage = `Bit Wobbly: uptime monitoring, status pages and error tracking in one binary.

Usage:
  bitwobbly [serve] [flags]                        start the server
  bitwobbly admin create --email E --password P    create an owner and their team
  bitwobbly token create --email E --name N        print a new API token
  bitwobbly backup --out FILE                      write a consistent copy of the database
  bitwobbly version                                print the version

Every command takes --data (BITWOBBLY_DATA, default ./data).
Server settings:
`

// ParseCommand reads the command line. Errors name the offending flag or
// setting.
func ParseCommand(args []string, getenv func(string) string, stderr io.Writer) (Command, error) {
	name, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch {
		case args[0] == "serve":
			rest = args[1:]
		case args[0] == "version":
			return Command{Name: "version"}, nil
		case args[0] == "help":
			fmt.Fprint(stderr, usage)
			printSettings(stderr)
			return Command{Name: "help"}, nil
		case args[0] == "backup":
			name, rest = "backup", args[1:]
		case args[0] == "admin" && len(args) > 1 && args[1] == "create":
			name, rest = "admin-create", args[2:]
		case args[0] == "token" && len(args) > 1 && args[1] == "create":
			name, rest = "token-create", args[2:]
		default:
			return Command{}, fmt.Errorf("unknown command %q (try: serve, admin create, token create, backup, version)",
				strings.Join(args[:min(2, len(args))], " "))
		}
	}

	fs := flag.NewFlagSet("bitwobbly "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		printSettings(stderr)
	}
	cmd := Command{Name: name}
	switch name {
	case "admin-create":
		fs.StringVar(&cmd.Email, "email", "", "e-mail address of the owner")
		fs.StringVar(&cmd.Password, "password", "", "password (at least 8 characters)")
		fs.StringVar(&cmd.UserName, "name", "", "display name")
		fs.StringVar(&cmd.Team, "team", "", "team name (default: derived from the e-mail)")
	case "token-create":
		fs.StringVar(&cmd.Email, "email", "", "e-mail address of the token's user")
		fs.StringVar(&cmd.Token, "name", "", "name of the token")
	case "backup":
		fs.StringVar(&cmd.Out, "out", "", "file to write the copy to (must not exist)")
	}
	cfg, err := loadConfig(fs, rest, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return Command{Name: "help"}, nil
	}
	if err != nil {
		return cmd, err
	}
	cmd.Config = cfg
	return cmd, cmd.check()
}

func (c Command) check() error {
	switch c.Name {
	case "admin-create":
		if !appmail.ValidAddress(c.Email) {
			return fmt.Errorf("--email: %q is not an e-mail address (give the bare address, such as you@example.com)", c.Email)
		}
		if err := checkPassword(c.Password); err != nil {
			return fmt.Errorf("--password: %w", err)
		}
		if !nameOK(c.UserName, 100) {
			return errors.New("--name: must be at most 100 characters without control characters")
		}
		if !nameOK(c.Team, 100) {
			return errors.New("--team: must be at most 100 characters without control characters")
		}
	case "token-create":
		if c.Email == "" {
			return errors.New("--email: required")
		}
		if strings.TrimSpace(c.Token) == "" {
			return errors.New("--name: required")
		}
		if !nameOK(strings.TrimSpace(c.Token), 100) {
			return errors.New("--name: must be at most 100 characters without control characters")
		}
	case "backup":
		if c.Out == "" {
			return errors.New("--out: required")
		}
	}
	return nil
}

// Run executes a parsed command. ctx ends on SIGINT/SIGTERM.
func Run(ctx context.Context, cmd Command, stdout, stderr io.Writer) error {
	switch cmd.Name {
	case "help":
		return nil
	case "version":
		fmt.Fprintln(stdout, "bitwobbly", versionText())
		return nil
	}
	log := newLogger(stderr, cmd.Config.LogLevel)
	switch cmd.Name {
	case "serve":
		return serve(ctx, cmd.Config, log)
	case "admin-create":
		return adminCreate(ctx, cmd, log, stdout)
	case "token-create":
		return tokenCreate(ctx, cmd, log, stdout)
	case "backup":
		return backup(ctx, cmd, log, stdout)
	}
	return fmt.Errorf("unknown command %q", cmd.Name)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*store.Store, error) {
	return store.Open(ctx, cfg.Data, log, store.Options{})
}

func adminCreate(ctx context.Context, cmd Command, log *slog.Logger, stdout io.Writer) error {
	st, err := openStore(ctx, cmd.Config, log)
	if err != nil {
		return err
	}
	defer st.Close()
	hash, err := hashPassword(cmd.Password)
	if err != nil {
		return err
	}
	team := cmd.Team
	if team == "" {
		team = defaultTeamName(cmd.Email)
	}
	u, t, err := st.CreateOwner(ctx, cmd.Email, cmd.UserName, hash, team)
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("--email: a user with e-mail %s already exists", cmd.Email)
	}
	if err != nil {
		return err
	}
	if err := st.MarkSetupDone(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created owner %s (user %d) of team %q (team %d)\n", u.Email, u.ID, t.Name, t.ID)
	return nil
}

func tokenCreate(ctx context.Context, cmd Command, log *slog.Logger, stdout io.Writer) error {
	st, err := openStore(ctx, cmd.Config, log)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByEmail(ctx, cmd.Email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("--email: no user with e-mail %s", cmd.Email)
	}
	if err != nil {
		return err
	}
	_, teams, err := st.TeamsOf(ctx, u.ID)
	if err != nil {
		return err
	}
	if len(teams) == 0 {
		return fmt.Errorf("--email: %s belongs to no team", cmd.Email)
	}
	plain, _, err := issueToken(ctx, st, teams[0].ID, u.ID, strings.TrimSpace(cmd.Token))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, plain)
	return nil
}

func backup(ctx context.Context, cmd Command, log *slog.Logger, stdout io.Writer) error {
	if _, err := os.Stat(cmd.Out); err == nil {
		return fmt.Errorf("--out: %s already exists", cmd.Out)
	}
	st, err := openStore(ctx, cmd.Config, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, cmd.Out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", cmd.Out)
	return nil
}

func defaultTeamName(email string) string {
	local, _, _ := strings.Cut(email, "@")
	if local == "" {
		return "My team"
	}
	return local + "'s team"
}
