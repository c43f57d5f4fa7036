package statuspage

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWorse(t *testing.T) {
	scenarios := []struct{ a, b, want string }{
		{Operational, Degraded, Degraded},
		{Major, Partial, Major},
		{UnderMaint, Degraded, Degraded},
		{"", Operational, Operational},
		{Operational, UnderMaint, UnderMaint},
	}
	for _, sc := range scenarios {
		if got := Worse(sc.a, sc.b); got != sc.want {
			t.Errorf("Worse(%q, %q) = %q, want %q", sc.a, sc.b, got, sc.want)
		}
	}
}

func TestOverlapCountsOnce(t *testing.T) {
	ivs := []interval{{0, 100, "down", "a"}, {50, 150, "down", "b"}, {300, 400, "degraded", "c"}}
	down, degraded, titles := overlap(ivs, 0, 1000)
	if down != 150 || !degraded || len(titles) != 3 {
		t.Errorf("overlap = %d %v %v, want 150 true [a b c]", down, degraded, titles)
	}
}

func TestBarsAndUptime(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	created := now.AddDate(0, 0, -2).UnixMilli()
	day := now.AddDate(0, 0, -1)
	start := time.Date(day.Year(), day.Month(), day.Day(), 6, 0, 0, 0, time.UTC)
	bars, up := bars([]interval{{start.UnixMilli(), start.Add(6 * time.Hour).UnixMilli(), "down", "outage"}},
		created, now, time.UTC)
	if len(bars) != Days {
		t.Fatalf("%d bars", len(bars))
	}
	y := bars[Days-2]
	if y.Class != "down" || y.Uptime != 75 || len(y.Incidents) != 1 {
		t.Errorf("yesterday = %+v", y)
	}
	if bars[0].Class != "none" {
		t.Errorf("a day before the component existed is %q", bars[0].Class)
	}
	// 48 h of history, 6 h down.
	if want := 100 * (1 - 6.0/48); up < want-0.01 || up > want+0.01 {
		t.Errorf("uptime %.3f, want %.3f", up, want)
	}
}

func TestMaintenanceWindows(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) // a Friday
	scenarios := []struct {
		name       string
		m          Maintenance
		active     bool
		next, wEnd string
	}{
		{"once in progress", Maintenance{Kind: "once", StartsAt: now.Add(-time.Hour).UnixMilli(),
			EndsAt: now.Add(time.Hour).UnixMilli()}, true, "", ""},
		{"once later", Maintenance{Kind: "once", StartsAt: now.Add(time.Hour).UnixMilli(),
			EndsAt: now.Add(2 * time.Hour).UnixMilli()}, false, "2026-12-04T13:00:00Z", "2026-12-04T14:00:00Z"},
		{"weekly friday now", Maintenance{Kind: "recurring", Weekdays: 1 << 5, StartTime: "11:30", DurationMinutes: 60,
			Timezone: "UTC"}, true, "", ""},
		{"weekly sunday", Maintenance{Kind: "recurring", Weekdays: 1, StartTime: "02:00", DurationMinutes: 30,
			Timezone: "Europe/Berlin"}, false, "2026-12-06T01:00:00Z", "2026-12-06T01:30:00Z"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if _, ok := sc.m.Active(now); ok != sc.active {
				t.Errorf("active = %v, want %v", ok, sc.active)
			}
			if sc.next == "" {
				return
			}
			w, ok := sc.m.Next(now)
			if !ok || w.Start.Format(time.RFC3339) != sc.next || w.End.Format(time.RFC3339) != sc.wEnd {
				t.Errorf("next = %v %v, want %s–%s", w, ok, sc.next, sc.wEnd)
			}
		})
	}
}

func TestEntryConditionalAndGzip(t *testing.T) {
	e := NewEntry(200, "text/html; charset=utf-8", []byte(strings.Repeat("status page ", 200)), time.Time{})
	scenarios := []struct {
		name, inm, ae string
		code          int
		gzip          bool
	}{
		{"plain", "", "", 200, false},
		{"gzip", "", "gzip, deflate, br", 200, true},
		{"gzip refused", "", "gzip;q=0", 200, false},
		{"etag match", e.ETag, "", 304, false},
		{"weak etag", "W/" + e.gzipETag(), "gzip", 304, true},
		{"gzip etag", e.gzipETag(), "gzip", 304, true},
		{"plain etag asking for gzip", e.ETag, "gzip", 200, true},
		{"gzip etag without gzip", e.gzipETag(), "", 200, false},
		{"etag other", `"nope"`, "", 200, false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if sc.inm != "" {
				r.Header.Set("If-None-Match", sc.inm)
			}
			if sc.ae != "" {
				r.Header.Set("Accept-Encoding", sc.ae)
			}
			w := httptest.NewRecorder()
			e.Write(w, r, "public, no-cache")
			gz := w.Header().Get("Content-Encoding") == "gzip"
			if w.Code == http.StatusNotModified {
				gz = w.Header().Get("Etag") == e.gzipETag()
			}
			if w.Code != sc.code || gz != sc.gzip {
				t.Errorf("got %d gzip=%v, want %d gzip=%v", w.Code, gz, sc.code, sc.gzip)
			}
			if w.Code == http.StatusOK && !gz && w.Body.Len() != len(e.Body) {
				t.Errorf("body %d bytes", w.Body.Len())
			}
		})
	}
}

func TestCacheInvalidate(t *testing.T) {
	c := NewCache()
	n := 0
	build := func() (*Entry, error) { n++; return NewEntry(200, "text/plain", []byte("x"), time.Time{}), nil }
	c.Get("k", build)
	c.Get("k", build)
	if n != 1 {
		t.Fatalf("built %d times, want 1", n)
	}
	c.Invalidate()
	c.Get("k", build)
	if n != 2 {
		t.Fatalf("after invalidation built %d times, want 2", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := NewCache()
	build := func() (*Entry, error) { return NewEntry(200, "text/plain", []byte("x"), time.Time{}), nil }
	for i := 0; i < MaxEntries+10; i++ {
		c.Get(strconv.Itoa(i), build)
	}
	if n := c.Len(); n > MaxEntries {
		t.Errorf("cache holds %d entries, want at most %d", n, MaxEntries)
	}
}

var scriptish = regexp.MustCompile(`(?i)<script|<iframe|<[^>]*\son[a-z]+\s*=|href="\s*javascript:|<style`)

func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**bold**", "<script>alert(1)</script>", "[x](javascript:alert(1))",
		"<img src=x onerror=alert(1)>", "<a href=\"javascript:x\">y</a>", "```\n<script>\n```", "<style>body{}</style>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if out := Markdown(src); scriptish.MatchString(out) {
			t.Fatalf("Markdown(%q) = %q keeps active content", src, out)
		}
	})
}

func FuzzStyleBlock(f *testing.F) {
	for _, s := range []string{"a{}", "</style><script>", "</STYLE >", "x<!--", ""} {
		f.Add(s, "#112233")
	}
	f.Fuzz(func(t *testing.T, css, color string) {
		p := Page{CustomCSS: css}
		if ValidColor(color) == nil {
			p.BrandColor = color
		}
		if out := StyleBlock(p); strings.Contains(out, "<") {
			t.Fatalf("StyleBlock(%q) = %q can close the style element", css, out)
		}
	})
}

func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"1,2,3", "", " 4 ", "-1", "x", "1,,2", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseIDs([]string{s})
		if err != nil {
			return
		}
		for _, id := range ids {
			if id <= 0 {
				t.Fatalf("ParseIDs(%q) gave %d", s, id)
			}
		}
	})
}

func FuzzValidSlug(f *testing.F) {
	for _, s := range []string{"acme", "a-b", "-x", "UPPER", "a/b", "../x", "api"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidSlug(s) == nil && !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(s) {
			t.Fatalf("ValidSlug accepted %q", s)
		}
	})
}

func TestValidCSSRefusesImport(t *testing.T) {
	scenarios := []struct {
		css string
		ok  bool
	}{
		{"body{color:red}", true},
		{".important{font-weight:bold} /* @ import */", true},
		{"@import url(https://evil.example/x.css);", false},
		{"@IMPORT 'https://evil.example/x.css';", false},
		{`@\69mport url(//evil.example/x.css);`, false},
		{`@\000069 mport url(//evil.example/x.css);`, false},
		{`@i\mport url(//evil.example/x.css);`, false},
		{"@imp/* */ort url(//evil.example/x.css);", false},
		{"a{}</style><script>alert(1)</script>", false},
	}
	for _, sc := range scenarios {
		err := ValidCSS(sc.css)
		if (err == nil) != sc.ok {
			t.Errorf("ValidCSS(%q) = %v, want ok %v", sc.css, err, sc.ok)
		}
	}
}

func FuzzValidCSS(f *testing.F) {
	for _, s := range []string{"body{}", `@\69mport x`, `\`, `\fffffff`, "/*", "a/**/b", `\110000`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidCSS(s)
		if err == nil && (strings.Contains(s, "<") || strings.Contains(strings.ToLower(s), "@import")) {
			t.Errorf("ValidCSS(%q) accepted", s)
		}
	})
}

func TestFeedsCarrySanitisedHTML(t *testing.T) {
	at := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC).UnixMilli()
	sn := &Snapshot{Page: Page{Title: "Acme"}, Loc: time.UTC, UpdatedAt: at,
		Incidents: []PageIncident{{Incident: Incident{ID: 1, Title: "API down", Status: "investigating", UpdatedAt: at,
			Updates: []Update{{Status: "investigating", CreatedAt: at,
				Body: "We are **looking**<script>alert(1)</script><img src=x onerror=alert(2)>"}}}}}}
	for name, raw := range map[string]string{"rss": string(sn.RSS("https://s.example")), "atom": string(sn.Atom("https://s.example"))} {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(raw, "<script") || strings.Contains(raw, "<img") || strings.Contains(raw, "<strong>") {
				t.Errorf("markup not escaped in the XML:\n%s", raw)
			}
			if strings.Contains(raw, "onerror") || strings.Contains(raw, "&lt;script") {
				t.Errorf("unsafe markup survives sanitising:\n%s", raw)
			}
			if !strings.Contains(raw, "&lt;strong&gt;looking&lt;/strong&gt;") {
				t.Errorf("rendered Markdown missing:\n%s", raw)
			}
			if name == "atom" && !strings.Contains(raw, `<content type="html">`) {
				t.Errorf("atom content is not type html:\n%s", raw)
			}
		})
	}
}

func TestStatusTitleDoesNotDouble(t *testing.T) {
	for in, want := range map[string]string{"Acme": "Acme status", "Acme Status": "Acme Status",
		"acme status ": "acme status", "Status": "Status", "Bitstatus": "Bitstatus status"} {
		if got := StatusTitle(in); got != want {
			t.Errorf("StatusTitle(%q) = %q, want %q", in, got, want)
		}
	}
	sn := &Snapshot{Page: Page{Title: "Acme Status"}, Loc: time.UTC}
	for _, raw := range []string{string(sn.RSS("https://s.example")), string(sn.Atom("https://s.example"))} {
		if strings.Contains(raw, "Status status") {
			t.Errorf("feed title doubles the word:\n%s", raw)
		}
	}
	sn.Components = []ComponentState{{Status: Major}}
	sn.overall()
	if sn.Description != "Major Service Outage" {
		t.Errorf("critical banner = %q, want Major Service Outage", sn.Description)
	}
}
