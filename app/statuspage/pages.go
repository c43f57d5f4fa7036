package statuspage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/bitwobbly/bitwobbly/store"
)

// DB reads and writes the status-page tables through the shared store.
type DB struct {
	st *store.Store
	// Builds counts snapshots built, so the cost of serving pages can be
	// watched.
	Builds atomic.Int64
}

// NewDB wraps the store.
func NewDB(st *store.Store) *DB { return &DB{st: st} }

// Store is the underlying store.
func (d *DB) Store() *store.Store { return d.st }

// Link is a header link of a page.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// Page is a status page's settings.
type Page struct {
	ID            int64
	TeamID        int64
	Slug          string
	Title         string
	Description   string
	LogoURL       string
	FaviconURL    string
	BrandColor    string
	Theme         string
	HeaderLinks   []Link
	FooterText    string
	Timezone      string
	CustomCSS     string
	NoIndex       bool
	Access        string
	PasswordHash  string
	CustomDomain  string
	AutoIncidents bool
	HidePoweredBy bool
	CreatedAt     int64
	UpdatedAt     int64
}

// Validate normalises and checks a page's fields.
func (p *Page) Validate() error {
	var err error
	p.Slug = strings.ToLower(strings.TrimSpace(p.Slug))
	if err := ValidSlug(p.Slug); err != nil {
		return err
	}
	if p.Title, err = trimLen("title", p.Title, 1, 120); err != nil {
		return err
	}
	if p.Description, err = trimLen("description", p.Description, 0, 2000); err != nil {
		return err
	}
	if p.FooterText, err = trimLen("footer_text", p.FooterText, 0, 500); err != nil {
		return err
	}
	if err := ValidURL("logo_url", p.LogoURL); err != nil {
		return err
	}
	if err := ValidURL("favicon_url", p.FaviconURL); err != nil {
		return err
	}
	if err := ValidColor(p.BrandColor); err != nil {
		return err
	}
	if p.Theme == "" {
		p.Theme = "auto"
	}
	if !contains([]string{"auto", "light", "dark"}, p.Theme) {
		return invalid("theme", "use auto, light or dark")
	}
	if p.Timezone == "" {
		p.Timezone = "UTC"
	}
	if err := ValidTimezone(p.Timezone); err != nil {
		return err
	}
	if err := ValidCSS(p.CustomCSS); err != nil {
		return err
	}
	p.CustomDomain = strings.ToLower(strings.TrimSpace(p.CustomDomain))
	if err := ValidDomain(p.CustomDomain); err != nil {
		return err
	}
	if p.Access == "" {
		p.Access = AccessPublic
	}
	if !contains([]string{AccessPublic, AccessPassword, AccessTeam}, p.Access) {
		return invalid("access", "use public, password or team")
	}
	if p.Access == AccessPassword && p.PasswordHash == "" {
		return invalid("password", "set a password for a password-protected page")
	}
	if len(p.HeaderLinks) > 8 {
		return invalid("header_links", "at most 8 links")
	}
	for i := range p.HeaderLinks {
		l := &p.HeaderLinks[i]
		if l.Label, err = trimLen("header_links", l.Label, 1, 60); err != nil {
			return err
		}
		if err := ValidURL("header_links", l.URL); err != nil || l.URL == "" {
			return invalid("header_links", "each link needs an http(s) URL")
		}
	}
	return nil
}

const pageCols = `id, team_id, slug, title, description, logo_url, favicon_url, brand_color, theme,
	header_links, footer_text, timezone, custom_css, noindex, access, password_hash,
	COALESCE(custom_domain, ''), auto_incidents, hide_powered_by, created_at, updated_at`

func scanPage(row interface{ Scan(...any) error }) (Page, error) {
	var p Page
	var links string
	err := row.Scan(&p.ID, &p.TeamID, &p.Slug, &p.Title, &p.Description, &p.LogoURL, &p.FaviconURL,
		&p.BrandColor, &p.Theme, &links, &p.FooterText, &p.Timezone, &p.CustomCSS, &p.NoIndex, &p.Access,
		&p.PasswordHash, &p.CustomDomain, &p.AutoIncidents, &p.HidePoweredBy, &p.CreatedAt, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return p, store.ErrNotFound
	}
	if err != nil {
		return p, fmt.Errorf("statuspage: scan page: %w", err)
	}
	json.Unmarshal([]byte(links), &p.HeaderLinks)
	return p, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func uniqueErr(err error, field, what string) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return fmt.Errorf("%w: %w", store.ErrConflict, invalid(field, "%s is already taken", what))
	}
	return err
}

// CreatePage stores a new page (already validated).
func (d *DB) CreatePage(ctx context.Context, p Page) (Page, error) {
	p.CreatedAt = store.Now()
	p.UpdatedAt = p.CreatedAt
	links, _ := json.Marshal(nonNilLinks(p.HeaderLinks))
	err := d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO status_pages(team_id, slug, title, description, logo_url,
			favicon_url, brand_color, theme, header_links, footer_text, timezone, custom_css, noindex, access,
			password_hash, custom_domain, auto_incidents, hide_powered_by, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			p.TeamID, p.Slug, p.Title, p.Description, p.LogoURL, p.FaviconURL, p.BrandColor, p.Theme,
			string(links), p.FooterText, p.Timezone, p.CustomCSS, p.NoIndex, p.Access, p.PasswordHash,
			nullable(p.CustomDomain), p.AutoIncidents, p.HidePoweredBy, p.CreatedAt, p.UpdatedAt)
		if err != nil {
			return pageUniqueErr(err)
		}
		p.ID, _ = res.LastInsertId()
		return nil
	})
	return p, err
}

func pageUniqueErr(err error) error {
	if strings.Contains(err.Error(), "custom_domain") {
		return uniqueErr(err, "custom_domain", "this domain")
	}
	if strings.Contains(err.Error(), "slug") {
		return uniqueErr(err, "slug", "this slug")
	}
	return fmt.Errorf("statuspage: save page: %w", err)
}

func nonNilLinks(l []Link) []Link {
	if l == nil {
		return []Link{}
	}
	return l
}

// UpdatePage saves every field of p (already validated).
func (d *DB) UpdatePage(ctx context.Context, p Page) (Page, error) {
	p.UpdatedAt = store.Now()
	links, _ := json.Marshal(nonNilLinks(p.HeaderLinks))
	err := d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE status_pages SET slug=?, title=?, description=?, logo_url=?,
			favicon_url=?, brand_color=?, theme=?, header_links=?, footer_text=?, timezone=?, custom_css=?,
			noindex=?, access=?, password_hash=?, custom_domain=?, auto_incidents=?, hide_powered_by=?,
			updated_at=? WHERE id=? AND team_id=?`,
			p.Slug, p.Title, p.Description, p.LogoURL, p.FaviconURL, p.BrandColor, p.Theme, string(links),
			p.FooterText, p.Timezone, p.CustomCSS, p.NoIndex, p.Access, p.PasswordHash, nullable(p.CustomDomain),
			p.AutoIncidents, p.HidePoweredBy, p.UpdatedAt, p.ID, p.TeamID)
		if err != nil {
			return pageUniqueErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	return p, err
}

// DeletePage removes a page with its components and subscribers.
func (d *DB) DeletePage(ctx context.Context, teamID, id int64) error {
	return d.st.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM status_pages WHERE id=? AND team_id=?`, id, teamID)
		if err != nil {
			return fmt.Errorf("statuspage: delete page: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNotFound
		}
		return nil
	})
}

// Page returns one page of a team.
func (d *DB) Page(ctx context.Context, teamID, id int64) (Page, error) {
	return scanPage(d.st.R.QueryRowContext(ctx, `SELECT `+pageCols+` FROM status_pages WHERE id=? AND team_id=?`,
		id, teamID))
}

// PageBySlug finds a page by slug, whatever its team (public routes).
func (d *DB) PageBySlug(ctx context.Context, slug string) (Page, error) {
	return scanPage(d.st.R.QueryRowContext(ctx, `SELECT `+pageCols+` FROM status_pages WHERE slug=?`, slug))
}

// AllPages lists every page of every team (for the public route maps).
func (d *DB) AllPages(ctx context.Context) ([]Page, error) {
	return d.pages(ctx, `SELECT `+pageCols+` FROM status_pages ORDER BY id`)
}

// Pages lists a team's pages after the id cursor.
func (d *DB) Pages(ctx context.Context, teamID, after int64, limit int) ([]Page, error) {
	return d.pages(ctx, `SELECT `+pageCols+` FROM status_pages WHERE team_id=? AND id>? ORDER BY id LIMIT ?`,
		teamID, after, limit)
}

func (d *DB) pages(ctx context.Context, q string, args ...any) ([]Page, error) {
	rows, err := d.st.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("statuspage: pages: %w", err)
	}
	defer rows.Close()
	var out []Page
	for rows.Next() {
		p, err := scanPage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CountPages counts a team's pages.
func (d *DB) CountPages(ctx context.Context, teamID int64) (int, error) {
	var n int
	err := d.st.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM status_pages WHERE team_id=?`, teamID).Scan(&n)
	return n, err
}
