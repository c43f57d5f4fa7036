package statuspage

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	md     = goldmark.New(goldmark.WithExtensions(extension.GFM))
	policy = func() *bluemonday.Policy {
		p := bluemonday.UGCPolicy()
		p.RequireNoFollowOnLinks(true)
		p.AddTargetBlankToFullyQualifiedLinks(true)
		return p
	}()
)

// Markdown renders an update body to sanitised HTML.
func Markdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return policy.Sanitize("<p>" + src + "</p>")
	}
	return policy.Sanitize(buf.String())
}

// StyleBlock is the text of a page's own style element: the brand colour
// as a custom property and the custom CSS. Any "<" is escaped as a CSS
// escape so the text can never close the element.
func StyleBlock(p Page) string {
	var b strings.Builder
	if p.BrandColor != "" {
		b.WriteString(":root{--brand:" + p.BrandColor + "}")
	}
	if p.CustomCSS != "" {
		b.WriteString("\n" + strings.ReplaceAll(p.CustomCSS, "<", `\3C `))
	}
	return b.String()
}

// StyleHash is the CSP source that allows exactly this style text.
func StyleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
